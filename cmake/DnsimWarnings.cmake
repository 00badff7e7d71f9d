# Strict warnings, applied per target (never globally) so third-party code is unaffected.
# Warnings stop the build only with DNSIM_WERROR=ON (the project's CI and its developers): a
# user's newer compiler or wider vector ISA may warn where ours does not, and must still build.
option(DNSIM_WERROR "Treat the project's warnings as errors (CI and development)" OFF)
function(dnsim_set_warnings target)
    target_compile_options(${target} PRIVATE
        -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
        -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
    if(DNSIM_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
