# Smoke run of `dnsim-train backbone` (256 images, 1 epoch), then `dnsim eval` of the exported
# model on the same 128 test images: dnsim's float executor must report the test accuracy
# LibTorch measured (one graph, two back ends).
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${TRAIN} backbone resnet18_28 --epochs 1 --dataset.limit 256
    --test-limit 128 --out ${OUT} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dnsim-train failed (${rc}): ${err}")
endif()
foreach(f model.onnx epoch_1.onnx train.json)
    if(NOT EXISTS ${OUT}/${f})
        message(FATAL_ERROR "missing ${OUT}/${f}")
    endif()
endforeach()
file(READ ${OUT}/train.json json)
string(JSON torch_acc GET ${json} test_accuracy_pct)
execute_process(COMMAND ${DNSIM} eval ${OUT}/model.onnx --dataset.limit 128
    RESULT_VARIABLE rc OUTPUT_VARIABLE eval ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dnsim eval failed (${rc}): ${err}")
endif()
string(REGEX MATCH "no noise\\): ([0-9.]+) %" m "${eval}")
set(dnsim_acc ${CMAKE_MATCH_1})
# Both print with two decimals.
execute_process(COMMAND printf "%.2f" ${torch_acc} OUTPUT_VARIABLE torch_fmt)
if(NOT torch_fmt STREQUAL dnsim_acc)
    message(FATAL_ERROR "LibTorch test accuracy ${torch_fmt} % but dnsim eval ${dnsim_acc} %")
endif()
message(STATUS "LibTorch ${torch_fmt} %, dnsim ${dnsim_acc} %")
