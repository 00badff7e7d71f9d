# docs/keys.md equals `dnsim keys --markdown`: the declarations and the checked-in list agree.
execute_process(COMMAND ${DNSIM} keys --markdown ${OUT} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dnsim keys --markdown failed (${rc}): ${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${DOC} RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
    message(FATAL_ERROR "${DOC} is not the generated key list (${OUT}); regenerate it with "
        "cmake --build build --target keys-doc")
endif()
