# Runs PROGRAM with ARGS (separated by |) and requires it to stop with a sanitizer report that
# matches REPORT: a non-zero exit status (SIGABRT with scripts/sanitize.sh's options) and the
# report in its output. With REPORT empty the program must exit 0 without any report.
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${PROGRAM} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE out)
set(any_report "ERROR: (Address|Leak)Sanitizer|runtime error: ")
if(REPORT STREQUAL "")
    if(NOT rc EQUAL 0 OR out MATCHES "${any_report}")
        message(FATAL_ERROR "expected a clean run, got status ${rc}:\n${out}")
    endif()
    return()
endif()
if(rc EQUAL 0)
    message(FATAL_ERROR "expected a sanitizer stop, the program exited 0:\n${out}")
endif()
if(NOT out MATCHES "${REPORT}")
    message(FATAL_ERROR "status ${rc}, but no report matching '${REPORT}':\n${out}")
endif()
message(STATUS "caught (status ${rc}): ${CMAKE_MATCH_0}")
