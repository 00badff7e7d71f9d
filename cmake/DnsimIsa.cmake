# Portable builds with run-time dispatch of the hot kernels (models/common/isa.h).
#
# The project compiles for DNSIM_ARCH (x86-64-v2 by default), which every x86-64 machine of the
# last fifteen years runs. Files listed with dnsim_add_isa_sources() are compiled three times:
# for the baseline, for x86-64-v3 (AVX2/FMA) and for x86-64-v4 (AVX-512), each copy inside the
# namespace DNSIM_ISA_NS (isa_base, isa_v3, isa_v4); wrappers pick a copy at run time.
#
# Inline functions and templates (Eigen's GEMM above all) are emitted as weak symbols in every
# object that uses them, and the linker keeps one copy per name: an AVX-512 instantiation could
# then serve a call from baseline code and stop an older CPU with SIGILL. So the v3 and v4
# objects are merged (ld -r) and their weak symbols renamed with a suffix (objcopy), which
# keeps each copy's inline code private to it. Type information (_ZTI/_ZTS) keeps its name so
# exceptions thrown in a kernel are caught as usual.
#
# DNSIM_NATIVE=ON compiles everything, kernels included, for the build machine (-march=native)
# with no dispatch.

option(DNSIM_NATIVE "Compile everything for the build machine's CPU (-march=native), no dispatch" OFF)
set(DNSIM_ARCH "x86-64-v2" CACHE STRING
    "Baseline -march of a portable build (the oldest CPU the binaries must run on)")

if(DNSIM_NATIVE)
    add_compile_options(-march=native)
    set(DNSIM_ISA_LEVELS base)
else()
    add_compile_options(-march=${DNSIM_ARCH})
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
        set(DNSIM_ISA_LEVELS base v3 v4)
    else()
        set(DNSIM_ISA_LEVELS base)
    endif()
endif()
# GCC 12 warns "'__Y' may be used uninitialized" inside its own AVX-512 intrinsic headers
# wherever Eigen's AVX-512 paths are inlined (GCC bug 105593, fixed in GCC 13). The AVX-512
# compiles drop that one warning; every other compile keeps it.
set(DNSIM_AVX512_WARNING_OPTIONS "")
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    set(DNSIM_AVX512_WARNING_OPTIONS -Wno-maybe-uninitialized)
    # With the sanitizers (cmake/DnsimSanitize.cmake) the same self-initialised `__Y` of
    # _mm512_undefined_ps() is reported as "is used uninitialized" (-Wuninitialized).
    if(DNSIM_SANITIZE)
        list(APPEND DNSIM_AVX512_WARNING_OPTIONS -Wno-uninitialized)
    endif()
endif()
if(DNSIM_NATIVE)
    include(CheckCXXSourceCompiles)
    set(CMAKE_REQUIRED_FLAGS -march=native)
    check_cxx_source_compiles("#if !defined(__AVX512F__)\n#error\n#endif\nint main() {}"
        DNSIM_NATIVE_HAS_AVX512)
    unset(CMAKE_REQUIRED_FLAGS)
    if(DNSIM_NATIVE_HAS_AVX512)
        add_compile_options(${DNSIM_AVX512_WARNING_OPTIONS})
    endif()
elseif(DNSIM_ARCH MATCHES "v4|avx512|native")
    add_compile_options(${DNSIM_AVX512_WARNING_OPTIONS})
endif()

list(LENGTH DNSIM_ISA_LEVELS _dnsim_isa_count)
if(_dnsim_isa_count GREATER 1)
    set(DNSIM_ISA_DISPATCH ON)
    add_compile_definitions(DNSIM_ISA_DISPATCH DNSIM_ISA_BASE_NAME="${DNSIM_ARCH}")
else()
    set(DNSIM_ISA_DISPATCH OFF)
endif()
message(STATUS "dnsim: hot kernels for ${DNSIM_ISA_LEVELS} (DNSIM_NATIVE=${DNSIM_NATIVE}, "
    "DNSIM_ARCH=${DNSIM_ARCH})")

set(_dnsim_isa_rename_script ${CMAKE_CURRENT_LIST_DIR}/dnsim_isa_rename.cmake)

# dnsim_add_isa_sources(<target> SOURCES <file>... [LIBRARIES <lib>...] [OPTIONS <flag>...])
# Adds one copy of SOURCES per ISA level to <target>. LIBRARIES give the copies their include
# directories and definitions (link them to <target> as usual); OPTIONS are extra compile flags.
function(dnsim_add_isa_sources target)
    cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES;OPTIONS" ${ARGN})
    foreach(level IN LISTS DNSIM_ISA_LEVELS)
        set(obj ${target}_isa_${level})
        add_library(${obj} OBJECT ${ARG_SOURCES})
        target_link_libraries(${obj} PRIVATE ${ARG_LIBRARIES})
        target_include_directories(${obj} PRIVATE
            $<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>)
        target_compile_definitions(${obj} PRIVATE DNSIM_ISA_NS=isa_${level})
        target_compile_options(${obj} PRIVATE ${ARG_OPTIONS})
        set_target_properties(${obj} PROPERTIES POSITION_INDEPENDENT_CODE
            $<TARGET_PROPERTY:${target},POSITION_INDEPENDENT_CODE>)
        dnsim_set_warnings(${obj})
        if(level STREQUAL "base")
            target_sources(${target} PRIVATE $<TARGET_OBJECTS:${obj}>)
        else()
            # Options after the global -march win.
            target_compile_options(${obj} PRIVATE -march=x86-64-${level})
            if(level STREQUAL "v4")
                target_compile_options(${obj} PRIVATE ${DNSIM_AVX512_WARNING_OPTIONS})
            endif()
            set(merged ${CMAKE_CURRENT_BINARY_DIR}/${obj}.o)
            add_custom_command(OUTPUT ${merged}
                COMMAND ${CMAKE_COMMAND} "-DOBJECTS=$<JOIN:$<TARGET_OBJECTS:${obj}>,|>"
                    -DOUTPUT=${merged} -DSUFFIX=dnsim_${level}
                    -DLINKER=${CMAKE_LINKER} -DNM=${CMAKE_NM} -DOBJCOPY=${CMAKE_OBJCOPY}
                    -DREADELF=${CMAKE_READELF}
                    -P ${_dnsim_isa_rename_script}
                DEPENDS ${obj} $<TARGET_OBJECTS:${obj}> ${_dnsim_isa_rename_script}
                COMMENT "Making the ${level} kernels of ${target} private"
                VERBATIM)
            set_source_files_properties(${merged} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
            target_sources(${target} PRIVATE ${merged})
            add_dependencies(${target} ${obj})
        endif()
    endforeach()
endfunction()
