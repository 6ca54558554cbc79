#!/bin/sh
# Runs the long soak test: 100 000 requests (or the number given) over 8 streams through a real
# gateway and agent on 127.0.0.1, with every body hash checked and the memory of both processes
# sampled. Prints the throughput and the memory samples.
#
# Usage: tests/soak/run-soak.sh [REQUESTS] [BUILD_DIR]
#   REQUESTS defaults to 100000, BUILD_DIR to build in the source tree (built with the tests).
set -eu

source_dir=$(cd "$(dirname "$0")/../.." && pwd)
requests=${1:-100000}
build_dir=${2:-"$source_dir/build"}
binary="$build_dir/tests/soak/tst_soak"
if [ ! -x "$binary" ]; then
    echo "run-soak.sh: $binary not found; build the tests in $build_dir first" >&2
    exit 2
fi

# Qt Test stops a test function after 5 minutes unless QTEST_FUNCTION_TIMEOUT (ms) sets a
# longer limit; 100 000 requests take about 17 minutes on 2 cores.
VCS_SOURCE_DIR=$source_dir VCS_BUILD_DIR=$build_dir VCS_SOAK_REQUESTS=$requests \
    QTEST_FUNCTION_TIMEOUT=${QTEST_FUNCTION_TIMEOUT:-86400000} \
    QT_QPA_PLATFORM=offscreen exec "$binary" -maxwarnings 0
