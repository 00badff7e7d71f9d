# A generated document equals `dnsim keys MODE` (MODE --markdown: docs/keys.md; --ledger:
# docs/parameters.md): the declarations and the checked-in file agree.
if(NOT DEFINED MODE)
    set(MODE --markdown)
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=DNSIM_PRESETS_DIR ${DNSIM} keys ${MODE}
    ${OUT} RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dnsim keys ${MODE} failed (${rc}): ${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${DOC} RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
    message(FATAL_ERROR "${DOC} is not the generated file (${OUT}); regenerate it with "
        "cmake --build build --target keys-doc")
endif()
