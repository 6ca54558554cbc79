#!/bin/sh
# Builds vcs-agent with AddressSanitizer and UndefinedBehaviorSanitizer and runs the test suite,
# so memory errors, leaks and undefined behaviour fail the tests instead of passing unnoticed.
#
# Usage: scripts/test-sanitizers.sh [BUILD_DIR] [CTEST_ARGS...]
#   BUILD_DIR defaults to build-asan in the source tree. Extra arguments go to ctest, for
#   example `-R faults` or `-L fuzz`. Without them, the labels fuzz and soak are left out: the
#   fuzzers run instrumented in their own configuration already, and the soak test measures
#   memory, which the sanitizers' quarantine and shadow memory would distort.
#   CMAKE_GENERATOR and CMAKE_BUILD_PARALLEL_LEVEL are honoured.
# Exits with ctest's status, so any failing test, sanitizer finding or leak fails the script.
set -eu

source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-"$source_dir/build-asan"}
if [ $# -gt 0 ]; then
    shift
fi

generator=${CMAKE_GENERATOR:-Ninja}
cmake -S "$source_dir" -B "$build_dir" -G "$generator" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DVCS_AGENT_GUI=OFF \
    -DVCS_AGENT_SANITIZE=ON
cmake --build "$build_dir"

# Every process the tests start, the agent and the gateway included, inherits these options.
# halt_on_error makes UBSan findings fatal, and the leak suppressions cover allocations that
# the uninstrumented system libraries (Qt, OpenSSL, fontconfig) keep for the process lifetime.
# Reports go to files as well as the failing test's output, because a finding in an agent or a
# gateway that a test stops without checking its exit status would otherwise go unseen.
report_dir="$build_dir/sanitizer-reports"
rm -rf "$report_dir"
mkdir -p "$report_dir"
ASAN_OPTIONS="log_path=$report_dir/asan:detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="log_path=$report_dir/ubsan:print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
LSAN_OPTIONS="suppressions=$source_dir/scripts/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

started=$(date +%s)
status=0
if [ $# -eq 0 ]; then
    set -- --label-exclude 'fuzz|soak'
fi
ctest --test-dir "$build_dir" --output-on-failure --timeout 900 "$@" || status=$?
echo "test-sanitizers.sh: ctest finished with status $status in $(( $(date +%s) - started )) s"
for report in "$report_dir"/*; do
    [ -e "$report" ] || continue
    echo "test-sanitizers.sh: sanitizer report $report:"
    cat "$report"
    status=1
done
exit "$status"
