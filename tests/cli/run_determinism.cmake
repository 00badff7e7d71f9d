# dnsim run twice on the same images and seeds with different batch sizes, thread counts and
# denoiser paths (TLM per image, with the host overlapping blocks and CGRA steps, vs the
# fixed-point kernel, sequential): every pass's logits must be bit-identical, and
# summary.json/layers.csv must be written.
file(REMOVE_RECURSE ${OUT})
set(common run resnet18_28 --denoisers layer1.0.relu2,layer3.0.relu2 --dataset.limit 30
    --noise.activation_k 0.08 --noise.programming_sigma 0.02 --run.seeds 2 --save-logits)
execute_process(COMMAND ${DNSIM} ${common} --run.batch 4 --run.threads 1
    --run.denoiser_path tlm --soc.denoiser_overlap dependence --out ${OUT}/a
    RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run a failed (${rc}): ${err}")
endif()
execute_process(COMMAND ${DNSIM} ${common} --run.batch 64 --run.threads 2
    --run.denoiser_path kernel --out ${OUT}/b RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run b failed (${rc}): ${err}")
endif()
file(GLOB files RELATIVE ${OUT}/a ${OUT}/a/logits_*.npy)
list(LENGTH files n)
if(NOT n EQUAL 5)
    message(FATAL_ERROR "expected 5 logits files (clean, 2 noisy, 2 denoised), got: ${files}")
endif()
foreach(f ${files})
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/a/${f} ${OUT}/b/${f}
        RESULT_VARIABLE same)
    if(NOT same EQUAL 0)
        message(FATAL_ERROR "${f} differs between batch 4 / 1 thread / tlm / overlap and batch 64 / 2 threads / kernel")
    endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/a/logits_noisy_seed1.npy
    ${OUT}/a/logits_noisy_seed2.npy RESULT_VARIABLE same)
if(same EQUAL 0)
    message(FATAL_ERROR "seeds 1 and 2 gave the same noisy logits")
endif()
file(READ ${OUT}/a/layers.csv csv)
if(NOT csv MATCHES "^index,layer,op,kind,cycles,time_ns,macs,crossbars,replication\n")
    message(FATAL_ERROR "layers.csv header: ${csv}")
endif()
file(READ ${OUT}/a/summary.json json)
string(JSON overhead GET ${json} latency_overhead_pct)
string(JSON clean GET ${json} accuracy clean_pct)
string(JSON images GET ${json} accuracy images)
if(NOT images EQUAL 30 OR overhead LESS_EQUAL 0)
    message(FATAL_ERROR "unexpected summary: images=${images} overhead=${overhead}")
endif()
