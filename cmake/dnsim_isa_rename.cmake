# Merges the objects of one ISA copy (ld -r) and renames their weak symbols (inline functions,
# template instantiations, their statics) to <name>.<SUFFIX>, so no other object's references
# resolve to them (see DnsimIsa.cmake). Type information keeps its name.
# Arguments: OBJECTS (separated by |), OUTPUT, SUFFIX, LINKER, NM, OBJCOPY, READELF.
set(merged "${OUTPUT}.merged.o")
string(REPLACE "|" ";" OBJECTS "${OBJECTS}")
execute_process(COMMAND ${LINKER} -r -o ${merged} ${OBJECTS} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ld -r failed for ${OUTPUT}")
endif()
execute_process(COMMAND ${NM} --defined-only --format=posix ${merged}
    OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm failed on ${merged}")
endif()
string(REPLACE "\n" ";" lines "${symbols}")
set(names "")
foreach(line IN LISTS lines)
    # POSIX format: "name type value size"; weak: W/w (functions), V/v (objects), u (unique);
    # local functions (t: static, anonymous namespace, GCC's .isra/.constprop clones) get the
    # suffix too, so disassembly shows which copy every function belongs to.
    if(line MATCHES "^([^ ]+) ([WVvwut]) ")
        set(sym "${CMAKE_MATCH_1}")
        if(NOT sym MATCHES "^_ZT[IS]")
            list(APPEND names "${sym}")
        endif()
    endif()
endforeach()
# COMDAT groups are kept or dropped by signature name at the final link; a signature that is
# not itself a weak symbol (constructors' and destructors' C5/D5 groups) would let the
# baseline's group replace this copy's and leave its renamed symbols undefined.
execute_process(COMMAND ${READELF} -gW ${merged} OUTPUT_VARIABLE groups RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "readelf failed on ${merged}")
endif()
string(REPLACE "\n" ";" lines "${groups}")
foreach(line IN LISTS lines)
    if(line MATCHES "^COMDAT group section .* \\[([^]]+)\\] contains")
        set(sym "${CMAKE_MATCH_1}")
        if(NOT sym MATCHES "^_ZT[IS]")
            list(APPEND names "${sym}")
        endif()
    endif()
endforeach()
list(REMOVE_DUPLICATES names)
set(renames "")
foreach(sym IN LISTS names)
    string(APPEND renames "${sym} ${sym}.${SUFFIX}\n")
endforeach()
file(WRITE "${OUTPUT}.renames" "${renames}")
execute_process(COMMAND ${OBJCOPY} --redefine-syms=${OUTPUT}.renames ${merged} ${OUTPUT}
    RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "objcopy failed on ${merged}")
endif()
file(REMOVE ${merged})
