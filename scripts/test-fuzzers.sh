#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for a bounded time over a copy of its
# seed corpus: the request filter, the tunnel message decoder and the HTTP request parser.
#
# Usage: scripts/test-fuzzers.sh [BUILD_DIR]
#   BUILD_DIR defaults to build-fuzz in the source tree. VCS_FUZZ_SECONDS sets the time per
#   fuzzer (default 30). Exits non-zero when a fuzzer finds a crash, a leak or a failed check;
#   the input that caused it is kept in BUILD_DIR/fuzz/corpus-NAME.
set -eu

source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-"$source_dir/build-fuzz"}

cmake -S "$source_dir" -B "$build_dir" -G "${CMAKE_GENERATOR:-Ninja}" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DVCS_AGENT_GUI=OFF -DVCS_AGENT_FUZZ=ON \
    -DVCS_FUZZ_SECONDS="${VCS_FUZZ_SECONDS:-30}"
cmake --build "$build_dir" --target fuzz_request_filter fuzz_tunnel_decode fuzz_http_request
ctest --test-dir "$build_dir" --label-regex fuzz --output-on-failure
