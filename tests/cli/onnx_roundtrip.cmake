# dnsim inspect --denoisers --export writes an ONNX file that python3-onnx's checker accepts and
# that dnsim reads back with the same layer table.
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${DNSIM} inspect resnet18_28 --denoisers conv1,layer3.0.relu2
    --export ${OUT}/r.onnx RESULT_VARIABLE rc OUTPUT_VARIABLE first ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "export failed (${rc}): ${err}")
endif()
execute_process(COMMAND ${PYTHON} ${CHECKER} ${OUT}/r.onnx 2 RESULT_VARIABLE rc
    OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "onnx.checker rejects the export (${rc}): ${out} ${err}")
endif()
execute_process(COMMAND ${DNSIM} inspect ${OUT}/r.onnx RESULT_VARIABLE rc OUTPUT_VARIABLE second
    ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "re-import failed (${rc}): ${err}")
endif()
string(REGEX REPLACE "wrote [^\n]*\n" "" first "${first}")
string(REGEX REPLACE "^model [^\n]*\n" "" first "${first}")
string(REGEX REPLACE "^model [^\n]*\n" "" second "${second}")
if(NOT first STREQUAL second)
    message(FATAL_ERROR "layer tables differ after the round trip:\n${first}\n---\n${second}")
endif()
