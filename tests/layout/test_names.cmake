# No test name holds a ';': catch_discover_tests hands Catch2's names to CTest as a list, which
# splits at ';', so such a case is registered under two broken names and never runs; an
# add_test(NAME "a; b") runs, but every loop over the directory's tests (the sanitizer build's
# dnsim_fail_on_sanitizer_report) splits it and fails to configure.
#   cmake -DROOT=<repository> -P test_names.cmake
file(GLOB_RECURSE sources ${ROOT}/tests/*.cpp)
file(GLOB_RECURSE lists ${ROOT}/tests/CMakeLists.txt ${ROOT}/tests/*/CMakeLists.txt)
set(bad "")
foreach(f IN LISTS sources lists)
    # (CMake reads a ';' in a line as a list separator: match it as [;] and count the lines.)
    file(STRINGS ${f} lines REGEX "(TEST_CASE\\(|add_test\\(NAME )\"[^\"]*[;]")
    file(RELATIVE_PATH rel ${ROOT} ${f})
    list(LENGTH lines n)
    if(n GREATER 0)
        list(APPEND bad "${rel}")
    endif()
endforeach()
if(bad)
    list(REMOVE_DUPLICATES bad)
    list(JOIN bad "\n  " text)
    message(FATAL_ERROR "test names with ';' (CTest splits them into a list):\n  ${text}")
endif()
