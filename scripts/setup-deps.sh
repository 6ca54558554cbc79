#!/usr/bin/env bash
# Installs what building, the demo and the tests need on Debian 12 (bookworm) or later.
# Runs apt-get as root, or through sudo, and installs nothing that is already present.
set -euo pipefail

packages=(
    build-essential cmake ninja-build git curl ca-certificates python3 pkg-config
    qt6-base-dev qt6-websockets-dev libqt6sql6-sqlite qt6-svg-dev libgl-dev
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qtkeychain-qt6-dev
    libsystemd-dev systemd
    clang libclang-rt-dev
    gnome-keyring dbus dbus-x11 libsecret-tools xvfb xauth
    nginx-light wrk python3-gitlab python3-yaml rpm cpio file
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
# kubectl renders the Kubernetes manifests offline; Debian ships it as kubernetes-client.
if ! command -v kubectl >/dev/null 2>&1; then
    missing+=(kubernetes-client)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup-deps: all packages are installed"
    exit 0
fi

run_as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "setup-deps: missing packages: ${missing[*]}" >&2
        echo "setup-deps: run this script as root, or install sudo, to install them" >&2
        exit 1
    fi
    run_as_root=(sudo)
fi

echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${run_as_root[@]}" apt-get update -q
"${run_as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
