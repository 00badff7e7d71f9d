# The repository's top level is fixed (docs/architecture.md): CMakeLists.txt, README.md,
# models/, platform/, workloads/, testbench/, tests/, docs/, and for set-up scripts/, cmake/,
# .ci/ and dot files (.clang-format, .gitignore, ...). Everything else goes below one of them
# (benchmarks under tests/bench/, the training state under workloads/). Checks the tracked
# files of a git checkout, and in a copy without git (or where git cannot read it) the
# entries that are not build output.
#   cmake -DROOT=<repository> -P top_level.cmake
cmake_minimum_required(VERSION 3.25)
set(allowed CMakeLists.txt README.md models platform workloads testbench tests docs scripts cmake)
find_program(GIT_EXE git)
set(entries "")
if(GIT_EXE AND EXISTS ${ROOT}/.git)
    execute_process(COMMAND ${GIT_EXE} -C ${ROOT} ls-files
        OUTPUT_VARIABLE files RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
if(GIT_EXE AND EXISTS ${ROOT}/.git AND rc EQUAL 0)
    string(REPLACE "\n" ";" files "${files}")
    foreach(f IN LISTS files)
        string(REGEX REPLACE "/.*$" "" top "${f}")
        list(APPEND entries "${top}")
    endforeach()
    set(what "tracked files")
else()
    # No git: every entry except the build and results folders the README's commands create.
    file(GLOB entries RELATIVE ${ROOT} ${ROOT}/* ${ROOT}/.*)
    list(FILTER entries EXCLUDE REGEX "^(build.*|results|\\.git|\\.|\\.\\.)$")
    set(what "entries (without a list from git; build* and results/ left out)")
endif()
list(REMOVE_DUPLICATES entries)
set(bad "")
foreach(e IN LISTS entries)
    if(NOT e IN_LIST allowed AND NOT e MATCHES "^\\.")
        list(APPEND bad "${e}")
    endif()
endforeach()
if(bad)
    list(JOIN bad ", " text)
    list(JOIN allowed ", " ok)
    message(FATAL_ERROR "the top level holds ${text}; only ${ok} and dot files belong there "
        "(docs/architecture.md)")
endif()
list(LENGTH entries n)
message(STATUS "${n} top-level ${what}: all in the fixed layout")
