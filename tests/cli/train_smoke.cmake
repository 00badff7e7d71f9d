# Smoke run of every dnsim-train stage (256 images, 1 epoch). First `backbone`, then `dnsim eval` of the exported
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
string(JSON torch_acc GET ${json} after clean_pct)
execute_process(COMMAND ${DNSIM} eval ${OUT}/model.onnx --dataset.limit 128
    RESULT_VARIABLE rc OUTPUT_VARIABLE eval ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dnsim eval failed (${rc}): ${err}")
endif()
# dnsim-train records the normalisation it trained with, so dnsim eval needs no default.
if(eval MATCHES "note: model")
    message(FATAL_ERROR "the trained model records no input normalisation: ${eval}")
endif()
string(REGEX MATCH "no noise\\): ([0-9.]+) %" m "${eval}")
set(dnsim_acc ${CMAKE_MATCH_1})
# Both print with two decimals.
execute_process(COMMAND printf "%.2f" ${torch_acc} OUTPUT_VARIABLE torch_fmt)
if(NOT torch_fmt STREQUAL dnsim_acc)
    message(FATAL_ERROR "LibTorch test accuracy ${torch_fmt} % but dnsim eval ${dnsim_acc} %")
endif()
message(STATUS "LibTorch ${torch_fmt} %, dnsim ${dnsim_acc} %")

# The other stages on the smoke model: placement, denoiser-only training, NIT; then the
# denoised model through the platform it was trained for (its platform.ini, no other flag).
set(small --dataset.limit 256 --test-limit 128 --epochs 1 --noise.activation_k 0.2
    --noise.distribution laplace --cgra.depthwise block_diagonal)
foreach(stage place denoisers nit)
    execute_process(COMMAND ${TRAIN} ${stage} ${OUT}/model.onnx ${small} --calibration 64
        --out ${OUT}/${stage} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "dnsim-train ${stage} failed (${rc}): ${err}")
    endif()
endforeach()
file(READ ${OUT}/place/placement.json json)
string(JSON n LENGTH ${json} placement layers)
if(n LESS 1)
    message(FATAL_ERROR "placement chose no layer: ${json}")
endif()
file(READ ${OUT}/denoisers/train.json json)
string(JSON dparams GET ${json} denoiser_parameters)
string(JSON params GET ${json} parameters)
if(dparams LESS_EQUAL 0)
    message(FATAL_ERROR "the denoised model has no denoiser parameters")
endif()
execute_process(COMMAND ${DNSIM} run ${OUT}/denoisers/model.onnx --dataset.limit 32 --run.seeds 1
    --config ${OUT}/denoisers/platform.ini --out ${OUT}/run RESULT_VARIABLE rc
    OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "denoised +[0-9.]+")
    message(FATAL_ERROR "dnsim run on the denoised model failed (${rc}): ${out} ${err}")
endif()
file(READ ${OUT}/run/summary.json json)
foreach(want "\"noise.activation_k\": \"0.2\"" "\"noise.distribution\": \"laplace\""
        "\"cgra.depthwise\": \"block_diagonal\"")
    string(FIND "${json}" "${want}" at)
    if(at LESS 0)
        message(FATAL_ERROR "the run on platform.ini lacks ${want}: ${json}")
    endif()
endforeach()

# Resume: 1 epoch, then --epochs 2 --resume, must give the same model as 2 epochs in one go.
# (--dataset.mean/--dataset.std: the models must record them.)
set(tiny backbone resnet18_28 --dataset.limit 128 --test-limit 32 --dataset.mean 0.5
    --dataset.std 0.25)
execute_process(COMMAND ${TRAIN} ${tiny} --epochs 2 --out ${OUT}/straight RESULT_VARIABLE rc1
    OUTPUT_QUIET ERROR_QUIET)
execute_process(COMMAND ${TRAIN} ${tiny} --epochs 1 --out ${OUT}/resumed RESULT_VARIABLE rc2
    OUTPUT_QUIET ERROR_QUIET)
execute_process(COMMAND ${TRAIN} ${tiny} --epochs 2 --resume --out ${OUT}/resumed
    RESULT_VARIABLE rc3 OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0 OR NOT rc3 EQUAL 0 OR NOT err MATCHES "resuming after epoch 1")
    message(FATAL_ERROR "resume runs failed (${rc1} ${rc2} ${rc3}): ${err}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/straight/model.onnx
    ${OUT}/resumed/model.onnx RESULT_VARIABLE same)
if(NOT same EQUAL 0)
    message(FATAL_ERROR "a resumed run differs from an uninterrupted one")
endif()
execute_process(COMMAND ${DNSIM} inspect ${OUT}/resumed/model.onnx RESULT_VARIABLE rc
    OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "input normalisation: [^\n]*mean 0.5, std 0.25")
    message(FATAL_ERROR "the model does not record --dataset.mean/--dataset.std (${rc}): ${out} ${err}")
endif()
