#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: unit, filter, integration,
# fault, soak, desktop (offscreen, with a real Secret Service) and packaging tests. Then it runs
# the suite built with AddressSanitizer and UndefinedBehaviorSanitizer, and the libFuzzer targets
# built with clang for a bounded time. Exits non-zero on failure.
set -euo pipefail

source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$source_dir/build}
jobs=${TEST_JOBS:-$(nproc)}

echo "== Installing missing packages"
"$source_dir/scripts/setup-deps.sh"

echo "== Building into $build_dir"
BUILD_DIR=$build_dir "$source_dir/scripts/build.sh" -DVCS_AGENT_GUI=ON -DVCS_AGENT_TESTS=ON

echo "== Running the tests"
ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" --timeout 900

if [ -x "$source_dir/scripts/test-sanitizers.sh" ] && [ "${SKIP_SANITIZERS:-0}" != 1 ]; then
    echo "== Running the tests under AddressSanitizer and UndefinedBehaviorSanitizer"
    "$source_dir/scripts/test-sanitizers.sh"
fi
if [ "${SKIP_FUZZERS:-0}" != 1 ]; then
    echo "== Running the fuzzers (${VCS_FUZZ_SECONDS:-30} s each)"
    "$source_dir/scripts/test-fuzzers.sh"
fi
echo "test: all tests passed"
