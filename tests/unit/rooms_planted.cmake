# rooms_planted.cmake — hub/check_rooms.cmake refuses what it must (ctest rooms_check_refuses).
#
#   cmake -DCHECK=<hub/check_rooms.cmake> -DWORK=<scratch dir> -P rooms_planted.cmake
#
# Builds small room trees in WORK, each with one planted offence, runs the check on each and
# fails unless the check fails naming the offence (file:line and room); a clean tree must pass.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK})

set(failures "")

# run_case(<name> <rules> <expect: "" for pass, else a regex the error must match>)
function(run_case name rules expect)
  execute_process(COMMAND ${CMAKE_COMMAND} -DHUB_DIR=${WORK}/${name} -DRULES=${rules} -P ${CHECK}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(expect STREQUAL "")
    if(NOT rc EQUAL 0)
      set_property(GLOBAL APPEND PROPERTY FAILURES "${name}: a clean tree was refused:\n${out}")
    endif()
  elseif(rc EQUAL 0)
    set_property(GLOBAL APPEND PROPERTY FAILURES "${name}: the check passed, want a refusal")
  elseif(NOT out MATCHES "${expect}")
    set_property(GLOBAL APPEND PROPERTY FAILURES
                 "${name}: refused, but not with /${expect}/:\n${out}")
  endif()
endfunction()

# put(<case> <path> <content>): one file of a case's tree.
function(put name path content)
  file(WRITE ${WORK}/${name}/${path} "${content}")
endfunction()

set(RULES "low:|mid:low|top:low,mid")
set(CLEAN_LOW "/* low */\n#include <stdio.h>\n#include \"hub/low/a.h\"\n")
set(CLEAN_MID "#include \"hub/mid/b.h\"\n#include \"hub/low/a.h\"\n")
set(CLEAN_TOP "#include \"hub/top/c.h\"\n#include \"hub/mid/b.h\"\n#include \"hub/low/a.h\"\n")

# 1. the clean tree passes
put(clean low/a.c "${CLEAN_LOW}")
put(clean low/a.h "")
put(clean mid/b.c "${CLEAN_MID}")
put(clean mid/b.h "")
put(clean top/c.c "${CLEAN_TOP}")
run_case(clean "${RULES}" "")

# 2. a lower room including a higher one: refused with file, line and the forbidden room
put(upward low/a.c "/* low */\n#include <stdio.h>\n\n#include \"hub/top/c.h\"\n")
put(upward low/a.h "")
put(upward mid/b.c "${CLEAN_MID}")
put(upward top/c.c "${CLEAN_TOP}")
run_case(upward "${RULES}" "hub/low/a.c:4: room 'low' may not use room 'top'")

# 3. an include hidden in a header (with semicolons and brackets before it) counts too
put(header low/a.c "${CLEAN_LOW}")
put(header mid/b.c "${CLEAN_MID}")
put(header mid/b.h "int x[2] = {1, 2};\nint y;\n#  include \"hub/top/c.h\"\n")
put(header top/c.c "${CLEAN_TOP}")
run_case(header "${RULES}" "hub/mid/b.h:3: room 'mid' may not use room 'top'")

# 4. a flat include from before the rooms
put(flat low/a.c "${CLEAN_LOW}")
put(flat mid/b.c "#include \"hub/flat.h\"\n")
put(flat top/c.c "${CLEAN_TOP}")
run_case(flat "${RULES}" "hub/mid/b.c:1: includes \"hub/flat.h\", which is in no room")

# 5. a room that does not exist, and a folder of C files that is not a declared room
put(unknown low/a.c "${CLEAN_LOW}")
put(unknown mid/b.c "#include \"hub/attic/x.h\"\n")
put(unknown top/c.c "${CLEAN_TOP}")
put(unknown attic/x.c "")
run_case(unknown "${RULES}"
         "hub/attic/ holds C files but is not a declared room.*hub/mid/b.c:1: .*there is no room 'attic'")

# 6. declared uses that go round in a circle
put(circle low/a.c "${CLEAN_LOW}")
put(circle mid/b.c "${CLEAN_MID}")
put(circle top/c.c "${CLEAN_TOP}")
run_case(circle "low:top|mid:low|top:low,mid" "rooms in a circle: low -> top -> low")

get_property(failures GLOBAL PROPERTY FAILURES)
if(failures)
  string(REPLACE ";" "\n" text "${failures}")
  message(FATAL_ERROR "${text}")
endif()
message(STATUS "rooms_planted: every planted offence refused, the clean tree passed")
