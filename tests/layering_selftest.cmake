# SPDX-License-Identifier: MIT
# Checks the checker: writes a made-up src/ tree below WORK, one file per
# case holding one #include, runs tests/layering.cmake on it and compares
# what it reports with what each case expects. Then runs it on the allowed
# cases alone, which must pass. So a checker that passes everything, or that
# rejects an include the design allows, fails this test.
# Run: cmake -DCHECKER=<repo>/tests/layering.cmake -DWORK=<scratch folder> -P tests/layering_selftest.cmake
cmake_minimum_required(VERSION 3.25)

# "file below src/|included path|ok or bad"
set(cases
  # allowed
  "base/a.h|base/bytes.h|ok"
  "crypto/a.cc|base/bytes.h|ok"
  "proto/pptp/a.cc|proto/pptp/messages.h|ok"
  "proto/gre/a.cc|crypto/crypto.h|ok"
  "proto/ppp/auth/a.cc|proto/ppp/frame.h|ok"
  "proto/ppp/b.cc|proto/ppp/auth/pap.h|ok"
  "proto/session/a.cc|proto/ppp/session.h|ok"
  "proto/session/b.cc|proto/mppe/mppe.h|ok"
  "proto/session/c.cc|proto/gre/gre.h|ok"
  "proto/session/d.cc|crypto/mppe_keys.h|ok"
  "app/common/a.cc|proto/session/data_path.h|ok"
  "app/server/a.cc|app/common/a.h|ok"
  "app/client/a.cc|app/common/a.h|ok"
  "app/client/b.cc|io/tun.h|ok"
  "cmd/a.cc|app/server/server.h|ok"
  "cmd/b.cc|app/client/client.h|ok"
  # top-level layers
  "base/b.h|crypto/crypto.h|bad"
  "crypto/b.cc|proto/ppp/frame.h|bad"
  "proto/gre/b.cc|io/gre_socket.h|bad"
  "io/a.cc|proto/gre/gre.h|bad"
  "config/a.cc|app/common/a.h|bad"
  "app/server/b.cc|cmd/pptpxd.h|bad"
  # proto sub-folders
  "proto/pptp/b.cc|proto/ppp/frame.h|bad"
  "proto/pptp/c.h|proto/gre/gre.h|bad"
  "proto/pptp/d.cc|proto/mppe/mppe.h|bad"
  "proto/pptp/e.cc|proto/session/data_path.h|bad"
  "proto/gre/c.cc|proto/ppp/frame.h|bad"
  "proto/gre/d.cc|proto/mppe/mppe.h|bad"
  "proto/gre/e.cc|proto/pptp/messages.h|bad"
  "proto/gre/f.cc|proto/session/data_path.h|bad"
  "proto/mppe/a.cc|proto/ppp/frame.h|bad"
  "proto/mppe/b.cc|proto/pptp/messages.h|bad"
  "proto/mppe/c.cc|proto/session/data_path.h|bad"
  "proto/ppp/c.cc|proto/session/data_path.h|bad"
  "proto/ppp/d.cc|proto/pptp/messages.h|bad"
  "proto/ppp/auth/b.cc|proto/gre/gre.h|bad"
  "proto/session/e.cc|proto/pptp/messages.h|bad"
  # app sub-folders
  "app/server/c.cc|app/client/client.h|bad"
  "app/client/c.h|app/server/server.h|bad"
  "app/common/b.cc|app/server/server.h|bad"
  "app/common/c.h|app/client/client.h|bad"
  # includes not named from src/
  "proto/ppp/e.cc|../gre/gre.h|bad"
  "proto/ppp/f.cc|frame.h|bad"
)
# A folder with no rule is an error of its own.
set(norule_file "proto/newthing/a.cc")

if(NOT CHECKER OR NOT WORK)
  message(FATAL_ERROR "layering_selftest: set CHECKER and WORK")
endif()

# Writes the cases whose expectation is in `kinds` below `root`.
function(write_tree root kinds)
  file(REMOVE_RECURSE ${root})
  foreach(c ${cases})
    string(REPLACE "|" ";" parts "${c}")
    list(GET parts 0 f)
    list(GET parts 1 inc)
    list(GET parts 2 kind)
    if(kind IN_LIST kinds)
      file(WRITE ${root}/${f} "// layering self-test case\n#include <cstdint>\n#include \"${inc}\"\n")
    endif()
  endforeach()
endfunction()

function(run_checker root rc_out text_out)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSRC=${root} -P ${CHECKER}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(${rc_out} "${rc}" PARENT_SCOPE)
  set(${text_out} "${out}${err}" PARENT_SCOPE)
endfunction()

set(failures "")

# 1. Every case: each bad include is reported with the exact message, no ok one is.
set(mixed ${WORK}/mixed/src)
write_tree(${mixed} "ok;bad")
file(WRITE ${mixed}/${norule_file} "#include \"base/bytes.h\"\n")
run_checker(${mixed} rc text)
if(rc EQUAL 0)
  string(APPEND failures "the checker passed a tree with violations\n")
endif()
string(REGEX MATCHALL "[^\n]*: layer '[^\n]*" reported "${text}")
set(expected_count 0)
foreach(c ${cases})
  string(REPLACE "|" ";" parts "${c}")
  list(GET parts 0 f)
  list(GET parts 1 inc)
  list(GET parts 2 kind)
  if(kind STREQUAL "bad")
    math(EXPR expected_count "${expected_count} + 1")
    # The layers as the checker names them.
    string(REGEX MATCH "^(proto|app)/[^/]+" layer "${f}")
    if(NOT layer)
      string(REGEX REPLACE "/.*" "" layer "${f}")
    endif()
    string(REGEX MATCH "^(proto|app)/[^/]+" target "${inc}")
    if(NOT target)
      string(REGEX REPLACE "/.*" "" target "${inc}")
    endif()
    set(want "${mixed}/${f}: layer '${layer}' must not include '${target}': #include \"${inc}\"")
    list(FIND reported "${want}" found)
    if(found EQUAL -1)
      string(APPEND failures "not reported: ${want}\n")
    endif()
  else()
    foreach(line ${reported})
      string(FIND "${line}" "${mixed}/${f}:" at)
      if(at EQUAL 0)
        string(APPEND failures "allowed include reported: ${line}\n")
      endif()
    endforeach()
  endif()
endforeach()
set(want_norule "${mixed}/${norule_file}: layer 'proto/newthing' has no layering rule (tests/layering.cmake)")
list(FIND reported "${want_norule}" found)
if(found EQUAL -1)
  string(APPEND failures "not reported: ${want_norule}\n")
endif()
math(EXPR expected_count "${expected_count} + 1")
list(LENGTH reported reported_count)
if(NOT reported_count EQUAL expected_count)
  string(APPEND failures "${reported_count} findings reported, ${expected_count} expected\n")
endif()

# 2. The allowed cases alone pass.
set(clean ${WORK}/clean/src)
write_tree(${clean} "ok")
run_checker(${clean} rc text)
if(NOT rc EQUAL 0 OR NOT text MATCHES "layering ok")
  string(APPEND failures "the checker failed a tree of allowed includes (rc ${rc}):\n${text}\n")
endif()

if(failures)
  message(NOTICE "${failures}")
  message(FATAL_ERROR "layering self-test failed (findings above)")
endif()
message(STATUS "layering self-test ok: ${expected_count} violations found, allowed includes pass")
