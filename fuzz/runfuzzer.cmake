# Runs one fuzzer for SECONDS over a fresh copy of its seed corpus, so that the run never
# writes into the source tree. Fails when the fuzzer finds a crash.
file(REMOVE_RECURSE "${WORK}")
file(COPY "${SEEDS}/" DESTINATION "${WORK}")
execute_process(
    COMMAND "${FUZZER}" -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
            -artifact_prefix=${WORK}/ "${WORK}"
    RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "${FUZZER} failed with ${result}; the crashing input is in ${WORK}.")
endif()
