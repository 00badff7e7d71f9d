# The four shipped denoised models (issue 17): dnsim run over 256 Fashion-MNIST test images with
# one image per job on one thread, and with all 256 images in one job on two threads. Each job's
# images share every convolution's GEMM (workloads/exec/kernels_gemm.cpp), so this is the test
# that batching never changes a bit: the clean, noisy and denoised logits of every model must be
# byte for byte the same.
file(REMOVE_RECURSE ${OUT})
foreach(model resnet18_28 mobilenetv2_28 efficientnet_b0_28 densenet121_28)
    set(common run ${MODELS}/${model}_denoised.onnx --dataset.limit 256 --save-logits)
    execute_process(COMMAND ${DNSIM} ${common} --run.batch 1 --run.threads 1
        --out ${OUT}/${model}_1 RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${model}, batch 1, failed (${rc}): ${err}")
    endif()
    execute_process(COMMAND ${DNSIM} ${common} --run.batch 256 --run.threads 2
        --out ${OUT}/${model}_256 RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${model}, batch 256, failed (${rc}): ${err}")
    endif()
    file(GLOB files RELATIVE ${OUT}/${model}_1 ${OUT}/${model}_1/logits_*.npy)
    list(LENGTH files n)
    if(NOT n EQUAL 3)
        message(FATAL_ERROR "${model}: expected 3 logits files (clean, noisy, denoised), got: ${files}")
    endif()
    foreach(f ${files})
        execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/${model}_1/${f}
            ${OUT}/${model}_256/${f} RESULT_VARIABLE same)
        if(NOT same EQUAL 0)
            message(FATAL_ERROR "${model}: ${f} differs between batch 1 on 1 thread and batch 256 on 2 threads")
        endif()
    endforeach()
    file(SIZE ${OUT}/${model}_1/logits_clean_seed1.npy size)
    if(size LESS 10240)
        message(FATAL_ERROR "${model}: logits_clean_seed1.npy is ${size} bytes, less than 256 x 10 floats")
    endif()
    message(STATUS "${model}: ${n} logits files identical")
endforeach()
