# Exports tests/pytorch/export_denoiser.py's network with PyTorch (python3-torch) and checks that
# dnsim imports it and reproduces PyTorch's logits.
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${PYTHON} ${SCRIPT} ${OUT} RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "PyTorch export failed (${rc}): ${out} ${err}")
endif()
execute_process(COMMAND ${RUNNER} --case ${OUT} RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
message(STATUS "${out}")
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dnsim does not reproduce the PyTorch export: ${out} ${err}")
endif()
