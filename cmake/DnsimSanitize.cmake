# Sanitizer build (docs/building.md, "Sanitizer build"): scripts/sanitize.sh configures it.
#
# DNSIM_SANITIZE=ON (or a -fsanitize list such as address,undefined) compiles and links every
# project target with the sanitizers, -fno-sanitize-recover=all (the first report stops the
# program with a non-zero status) and frame pointers for the stack traces. Third-party
# libraries (SystemC, protobuf, libonnx, LibTorch) are Debian's, not instrumented.
set(DNSIM_SANITIZE "" CACHE STRING
    "Sanitizers for every project target: empty/OFF (none), ON (address,undefined) or a -fsanitize list")

if(DNSIM_SANITIZE)
    if(DNSIM_SANITIZE STREQUAL "ON" OR DNSIM_SANITIZE STREQUAL "1" OR DNSIM_SANITIZE STREQUAL "TRUE")
        set(DNSIM_SANITIZERS address,undefined)
    else()
        set(DNSIM_SANITIZERS ${DNSIM_SANITIZE})
    endif()
    # GCC's -fsanitize=undefined leaves out float-to-integer conversions of out-of-range values
    # (UB in C++); name them too.
    if(DNSIM_SANITIZERS MATCHES "(^|,)undefined(,|$)"
            AND NOT DNSIM_SANITIZERS MATCHES "float-cast-overflow")
        string(APPEND DNSIM_SANITIZERS ",float-cast-overflow")
    endif()
    message(STATUS "dnsim: sanitizer build (-fsanitize=${DNSIM_SANITIZERS})")
    add_compile_options(-fsanitize=${DNSIM_SANITIZERS} -fno-sanitize-recover=all
        -fno-omit-frame-pointer)
    add_link_options(-fsanitize=${DNSIM_SANITIZERS})
    # Line tables are enough for the reports' file:line and much smaller than -g.
    add_compile_options(-g1)
    # -O1, after the build type's flags so that it wins: the instrumented build compiles in 58 %
    # of the time it takes at -O2 and its tests take 5 % longer (docs/building.md, "Time").
    set(DNSIM_SANITIZE_OPT -O1 CACHE STRING "Optimisation level of a sanitizer build")
    add_compile_options(${DNSIM_SANITIZE_OPT})
endif()

# GCC 12 (to 14) with -fsanitize=address reports "may be used uninitialized" inside libstdc++'s
# std::function where std::regex builds its automaton (GCC bug 105616); no project source uses
# <regex>, but a Catch2 runner compiled in the project (CATCH_CONFIG_RUNNER) does. Such a source
# gets DNSIM_SANITIZE_REGEX_OPTIONS in a sanitizer build; everything else keeps the warning.
set(DNSIM_SANITIZE_REGEX_OPTIONS "")
if(DNSIM_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU"
        AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12)
    set(DNSIM_SANITIZE_REGEX_OPTIONS -Wno-maybe-uninitialized)
endif()

# dnsim_check_no_systemc(<target>...): fails the configure step if SystemC is anywhere in the
# link closure of a target: programs without sc_main (unit tests, ONNX tools, benchmarks of the
# plain C++ kernels, dnsim-train) must not link libsystemc, whose main() calls sc_main. Normal
# builds hide such a link (Debian's GCC links with --as-needed and drops the unused library);
# sanitizer builds do not (GCC links without --as-needed when sanitizing), and the link fails
# with "undefined reference to `sc_main'".
function(dnsim_check_no_systemc)
    foreach(program IN LISTS ARGN)
        if(NOT TARGET ${program})
            continue()
        endif()
        set(seen "")
        set(queue ${program})
        set(path_of_${program} ${program})
        while(queue)
            list(POP_FRONT queue t)
            if(t IN_LIST seen OR NOT TARGET ${t})
                continue()
            endif()
            list(APPEND seen ${t})
            if(t STREQUAL "PkgConfig::SystemC")
                message(FATAL_ERROR "${program} links SystemC (${path_of_${t}}) but has no "
                    "sc_main; link the plain C++ libraries only (docs/building.md)")
            endif()
            set(libs "")
            get_target_property(imported ${t} IMPORTED)
            if(NOT imported)
                get_target_property(direct ${t} LINK_LIBRARIES)
                if(direct)
                    list(APPEND libs ${direct})
                endif()
            endif()
            get_target_property(iface ${t} INTERFACE_LINK_LIBRARIES)
            if(iface)
                list(APPEND libs ${iface})
            endif()
            foreach(lib IN LISTS libs)
                # PRIVATE dependencies of static libraries appear as $<LINK_ONLY:name>.
                if(lib MATCHES "^\\$<LINK_ONLY:([^$<>]+)>$")
                    set(lib ${CMAKE_MATCH_1})
                endif()
                if(TARGET ${lib} AND NOT lib IN_LIST seen)
                    list(APPEND queue ${lib})
                    if(NOT DEFINED path_of_${lib})
                        set(path_of_${lib} "${path_of_${t}} -> ${lib}")
                    endif()
                endif()
            endforeach()
        endwhile()
    endforeach()
endfunction()
