# The noisy pass bypasses the denoisers, and every layer's noise is keyed by its name: the
# same backbone with and without denoiser blocks must give bit-identical noisy logits (so
# models that share a backbone are compared on the same noise draws), while the denoised
# pass differs.
file(REMOVE_RECURSE ${OUT})
set(common run resnet18_28 --dataset.limit 16 --noise.activation_k 0.2
    --noise.programming_sigma 0.02 --run.seeds 1 --save-logits)
execute_process(COMMAND ${DNSIM} ${common} --out ${OUT}/plain
    RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run without denoisers failed (${rc}): ${err}")
endif()
execute_process(COMMAND ${DNSIM} ${common} --denoisers conv1,layer2.0.relu2 --out ${OUT}/blocks
    RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "run with denoisers failed (${rc}): ${err}")
endif()
foreach(f logits_clean_seed1.npy logits_noisy_seed1.npy)
    file(SHA256 ${OUT}/plain/${f} a)
    file(SHA256 ${OUT}/blocks/${f} b)
    if(NOT a STREQUAL b)
        message(FATAL_ERROR "${f} differs with denoisers inserted")
    endif()
endforeach()
file(SHA256 ${OUT}/plain/logits_noisy_seed1.npy noisy)
file(SHA256 ${OUT}/blocks/logits_denoised_seed1.npy denoised)
if(noisy STREQUAL denoised)
    message(FATAL_ERROR "the denoised pass equals the noisy pass")
endif()
