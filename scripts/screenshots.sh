#!/bin/sh
# Renders docs/screenshots/*.png: the Connections, Access log and Configuration tabs and the log
# inspection window, under Xvfb, with the agent connected to a local gateway and a local VCS on
# 127.0.0.1. Usage: scripts/screenshots.sh [BUILD_DIR] (default build-ui, built with
# -DVCS_AGENT_GUI=ON). Set LANG=de_DE.UTF-8 to render the German translation.
set -eu

source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-$source_dir/build-ui}
output_dir=$source_dir/docs/screenshots
work=$(mktemp -d)
pids=""

cleanup() {
    for pid in $pids; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mkdir -p "$output_dir"

python3 "$source_dir/tests/support/localvcs/localvcs.py" --root "$work/vcs" \
    --listen 127.0.0.1:0 --port-file "$work/vcs.port" --make-repo acme/app \
    --make-repo acme/platform/app >"$work/localvcs.out" 2>"$work/localvcs.err" &
pids="$pids $!"
for _ in $(seq 100); do
    [ -s "$work/vcs.port" ] && break
    sleep 0.1
done
vcs_port=$(cat "$work/vcs.port")

agent_port=$(free_port)
api_port=$(free_port)
export VCS_GATEWAY_DB="$work/gateway.sqlite"
export VCS_GATEWAY_API_KEY=screenshot-api-key-0123456789
token=$("$build_dir/app/vcs-gateway" pool create demo --public-url "ws://127.0.0.1:$agent_port")
"$build_dir/app/vcs-gateway" serve --agent-listen "127.0.0.1:$agent_port" \
    --api-listen "127.0.0.1:$api_port" 2>"$work/gateway.err" &
pids="$pids $!"
sleep 1

export VCS_AGENT_CONFIG_DIR="$work/config"
export SPACELIFT_VCS_AGENT_POOL_TOKEN="$token"
export SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT="http://127.0.0.1:$vcs_port"
export SPACELIFT_VCS_AGENT_VENDOR=gitlab
export SPACELIFT_VCS_AGENT_ALLOWED_PROJECTS='acme/.*'
export SPACELIFT_VCS_AGENT_DIAL_INSECURE=true
export SPACELIFT_VCS_AGENT_PARALLELISM=3
export SPACELIFT_METADATA_team=platform
export SPACELIFT_METADATA_site=fra1
export VCS_SCREENSHOT_API="http://127.0.0.1:$api_port/pools/demo"
unset QT_QPA_PLATFORM

xvfb-run -a -s "-screen 0 1600x1000x24" \
    "$build_dir/tests/ui/vcs-agent-screenshots" "$output_dir" 2>"$work/agent.err" || {
    cat "$work/agent.err" >&2
    exit 1
}
