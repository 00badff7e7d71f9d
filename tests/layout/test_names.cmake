# No Catch2 test case name holds a ';': catch_discover_tests hands the names to CTest as a
# list, which splits at ';', so such a case is registered under two broken names and never runs.
#   cmake -DROOT=<repository> -P test_names.cmake
file(GLOB_RECURSE sources ${ROOT}/tests/*.cpp)
set(bad "")
foreach(f IN LISTS sources)
    file(STRINGS ${f} lines REGEX "TEST_CASE\\(\"[^\"]*;")
    file(RELATIVE_PATH rel ${ROOT} ${f})
    foreach(line IN LISTS lines)
        list(APPEND bad "${rel}: ${line}")
    endforeach()
endforeach()
if(bad)
    list(JOIN bad "\n  " text)
    message(FATAL_ERROR "test case names with ';' (CTest never runs them):\n  ${text}")
endif()
