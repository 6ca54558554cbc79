#!/bin/sh
# Runs a test inside the D-Bus session that dbus-run-session created, with gnome-keyring serving
# the Secret Service and its login collection unlocked with a throwaway password.
set -eu
export HOME="$(mktemp -d)"
export XDG_DATA_HOME="$HOME/.local/share"
trap 'rm -rf "$HOME"' EXIT
printf '%s' throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$@"
