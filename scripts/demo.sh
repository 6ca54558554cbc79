#!/usr/bin/env bash
# Runs the main job end to end on one machine. It installs what is missing, builds, and starts a
# local VCS, a gateway with a new pool and an agent. Then it clones a repository through the
# tunnel, makes API requests (two of them denied) and shows the access log. Everything listens
# on 127.0.0.1.
# Exits non-zero when any step does not give the expected result.
set -euo pipefail

source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$source_dir/build}
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/vcs-agent-demo.XXXXXX")
pids=()

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "demo: failed: $*" >&2; exit 1; }

cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if [ "${KEEP_DEMO_DIR:-0}" != 1 ]; then
        rm -rf "$work_dir"
    else
        echo "demo: files kept in $work_dir"
    fi
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 description=$2
    shift 2
    for _ in $(seq $((seconds * 10))); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    fail "timed out after ${seconds}s waiting for $description"
}

step "Installing missing packages"
"$source_dir/scripts/setup-deps.sh"

step "Building into $build_dir"
BUILD_DIR=$build_dir "$source_dir/scripts/build.sh" >"$work_dir/build.log" 2>&1 \
    || { tail -n 40 "$work_dir/build.log"; fail "the build failed; the log is above"; }
agent=$build_dir/app/vcs-agent
gateway=$build_dir/app/vcs-gateway
"$agent" --version

step "Starting the local VCS (git http-backend serving this project's own history)"
python3 "$source_dir/tests/support/localvcs/localvcs.py" --root "$work_dir/vcs" \
    --listen 127.0.0.1:0 --port-file "$work_dir/vcs.port" \
    --repo "acme/platform/app=$source_dir" --make-repo acme/app \
    >"$work_dir/vcs.log" 2>&1 &
pids+=($!)
wait_for 60 "the local VCS" test -s "$work_dir/vcs.port"
vcs_url=http://127.0.0.1:$(cat "$work_dir/vcs.port")
echo "local VCS at $vcs_url"

step "Creating a pool and starting the gateway"
agent_port=$(free_port)
api_port=$(free_port)
export VCS_GATEWAY_DB=$work_dir/gateway.sqlite
VCS_GATEWAY_API_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
export VCS_GATEWAY_API_KEY
token=$("$gateway" pool create demo --description "Demo pool" \
    --public-url "ws://127.0.0.1:$agent_port")
echo "pool token: ${token:0:12}... (${#token} characters)"
"$gateway" pool list
"$gateway" serve --agent-listen "127.0.0.1:$agent_port" --api-listen "127.0.0.1:$api_port" \
    2>"$work_dir/gateway.log" &
pids+=($!)
api=http://127.0.0.1:$api_port
auth="Authorization: Bearer $VCS_GATEWAY_API_KEY"
wait_for 20 "the gateway" curl -sf -H "$auth" "$api/pools"

step "Starting the agent (headless, 4 streams)"
SPACELIFT_VCS_AGENT_POOL_TOKEN=$token \
SPACELIFT_VCS_AGENT_TARGET_BASE_ENDPOINT=$vcs_url \
SPACELIFT_VCS_AGENT_VENDOR=gitlab \
SPACELIFT_VCS_AGENT_ALLOWED_PROJECTS='acme/.*' \
SPACELIFT_VCS_AGENT_PARALLELISM=4 \
SPACELIFT_VCS_AGENT_DIAL_INSECURE=true \
SPACELIFT_METADATA_site=demo \
    "$agent" --no-gui >"$work_dir/access.log" 2>"$work_dir/agent.log" &
agent_pid=$!
pids+=($agent_pid)
connected() { [ "$(curl -sf -H "$auth" "$api/pools" | grep -c '"connection"')" -ge 4 ]; }
wait_for 20 "4 agent streams" connected
grep "policy:" "$work_dir/agent.log" | sed 's/^.*policy:/policy:/'
curl -sf -H "$auth" "$api/pools" | python3 -c '
import json, sys
for pool in json.load(sys.stdin):
    print("pool %s: %d connections" % (pool["name"], len(pool["connections"])))
    for c in pool["connections"]:
        print("  %s stream %s tags %s since %s"
              % (c["connection"], c["stream"], c["tags"], c["connected_since"]))'

step "Cloning acme/platform/app through the tunnel with git"
git -c http.extraHeader="$auth" clone -q "$api/pools/demo/acme/platform/app.git" "$work_dir/clone"
cloned=$(git -C "$work_dir/clone" rev-parse HEAD)
expected=$(git -C "$source_dir" rev-parse HEAD)
echo "cloned HEAD $cloned, source HEAD $expected"
[ "$cloned" = "$expected" ] || fail "the clone's HEAD differs from the source repository's"
git -C "$work_dir/clone" fsck --strict --no-progress && echo "git fsck: ok"

request() { # request EXPECTED_STATUS DESCRIPTION METHOD TARGET [curl options]
    local expected=$1 description=$2 method=$3 target=$4
    shift 4
    local status
    status=$(curl -s -o "$work_dir/body" -w '%{http_code}' -X "$method" -H "$auth" \
        -H "X-VCS-Request-Description: $description" "$@" --path-as-is "$api/pools/demo$target")
    printf '%s %s -> %s: %s\n' "$method" "$target" "$status" "$(head -c 160 "$work_dir/body" | tr '\n' ' ')"
    [ "$status" = "$expected" ] || fail "expected status $expected for $method $target, got $status"
}

step "API requests through the tunnel"
request 200 "list branches" GET "/api/v4/projects/acme%2Fapp/repository/branches"
request 200 "read the run configuration" GET \
    "/api/v4/projects/acme%2Fapp/repository/files/%2Espacelift%2Fconfig%2Eyml/raw?ref=main"
request 201 "report a commit status" POST \
    "/api/v4/projects/acme%2Fapp/statuses/$(git -C "$work_dir/clone" rev-parse HEAD)?state=success&name=demo"
request 403 "path traversal attempt" GET "/api/v4/projects/acme%2Fapp/repository/branches/main/../../../../user"
request 403 "project outside the pattern" GET "/api/v4/projects/other%2Fsecret/repository/archive"

step "Access log (agent standard output)"
cat "$work_dir/access.log"

step "Stopping the agent with SIGTERM"
kill -TERM "$agent_pid"
status=0
wait "$agent_pid" || status=$?
echo "agent exited with status $status"
[ "$status" = 0 ] || fail "the agent did not exit cleanly"
echo
echo "demo: all steps passed"
