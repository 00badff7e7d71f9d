# Every #include "..." in the project names its area from the repository root
# (models/cgra/layer_cost.h, platform/soc.h, workloads/graph/graph.h, testbench/...), and the
# file it names exists; a test or benchmark may also include a helper beside it.
#   cmake -DROOT=<repository> -P include_areas.cmake
set(bad "")
file(GLOB_RECURSE sources
    ${ROOT}/models/*.h ${ROOT}/models/*.cpp ${ROOT}/platform/*.h ${ROOT}/platform/*.cpp
    ${ROOT}/workloads/*.h ${ROOT}/workloads/*.cpp ${ROOT}/testbench/*.h ${ROOT}/testbench/*.cpp
    ${ROOT}/tests/*.h ${ROOT}/tests/*.cpp)
foreach(f IN LISTS sources)
    file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    get_filename_component(dir ${f} DIRECTORY)
    file(RELATIVE_PATH rel ${ROOT} ${f})
    foreach(line IN LISTS lines)
        string(REGEX REPLACE "^[^\"]*\"([^\"]+)\".*$" "\\1" inc "${line}")
        if(inc MATCHES "^(models|platform|workloads|testbench)/" AND EXISTS ${ROOT}/${inc})
            continue()
        endif()
        if(rel MATCHES "^tests/" AND NOT inc MATCHES "/" AND EXISTS ${dir}/${inc})
            continue()
        endif()
        list(APPEND bad "${rel}: #include \"${inc}\"")
    endforeach()
endforeach()
list(LENGTH sources n)
if(bad)
    list(JOIN bad "\n  " text)
    message(FATAL_ERROR "includes that do not name their area from the repository root "
        "(models/..., platform/..., workloads/..., testbench/...):\n  ${text}")
endif()
message(STATUS "${n} files: every project include names its area")
