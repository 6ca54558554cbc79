#!/usr/bin/env bash
# Configures and builds the project into BUILD_DIR (default: build) with the desktop agent.
# Extra arguments go to cmake's configure step, e.g. -DVCS_AGENT_GUI=OFF. The install prefix is
# /usr unless INSTALL_PREFIX is set, because the packages and their systemd units name /usr
# paths. The demo and the tests then share one configuration and one build.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$source_dir/build}
cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
    -DCMAKE_INSTALL_PREFIX="${INSTALL_PREFIX:-/usr}" "$@"
cmake --build "$build_dir" --parallel "$(nproc)"
