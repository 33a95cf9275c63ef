# SPDX-License-Identifier: MIT
# Checks that every #include in src/ follows the layering (README, "Design"):
#   base <- crypto <- proto <- app;  base <- config <- app;  base <- io <- app;  app <- cmd
# and, inside proto/ and app/, the sub-folders (one library each, see their
# CMakeLists.txt DEPS):
#   proto/pptp, proto/gre, proto/mppe, proto/ppp (with ppp/auth) and
#   proto/radius see none of their siblings; proto/session (one call's data path) sees gre, ppp, mppe;
#   app/common sees neither app/server nor app/client, and those two never
#   see each other; app/ctl (pptpxctl) sees only app/common of app/.
# A file's layer is its first folder below src/, or its first two for proto/
# and app/ (proto/ppp/auth/pap.cc is in proto/ppp). Quoted includes name a
# path from src/; one that does not is reported too. A file in a folder with
# no rule below is an error, so a new folder needs a rule here.
# Run: cmake -DSRC=<repo>/src -P tests/layering.cmake
# Prints one line per violation: `file: layer 'X' must not include 'Y': line`.
# tests/layering_selftest.cmake checks this checker on a made-up tree.
cmake_minimum_required(VERSION 3.25)
set(proto_all proto/pptp proto/gre proto/ppp proto/mppe proto/session proto/radius)
set(allowed_base base)
set(allowed_crypto base crypto)
set(allowed_proto/pptp base crypto proto/pptp)
set(allowed_proto/gre base crypto proto/gre)
set(allowed_proto/mppe base crypto proto/mppe)
set(allowed_proto/ppp base crypto proto/ppp)
set(allowed_proto/radius base crypto proto/radius)
set(allowed_proto/session base crypto proto/gre proto/ppp proto/mppe proto/session)
set(allowed_config base config)
set(allowed_io base io)
set(allowed_app/common base crypto ${proto_all} config io app/common)
set(allowed_app/server base crypto ${proto_all} config io app/common app/server)
set(allowed_app/client base crypto ${proto_all} config io app/common app/client)
set(allowed_app/ctl base io app/common app/ctl)
set(allowed_cmd base crypto ${proto_all} config io app/common app/server app/client app/ctl cmd)

if(NOT IS_DIRECTORY "${SRC}")
  message(FATAL_ERROR "layering: SRC='${SRC}' is not a folder")
endif()

# The layer of a path below src/: "proto/ppp/auth/pap.h" -> "proto/ppp",
# "base/bytes.h" -> "base"; a path with no folder is its own "layer".
function(layer_of path out)
  string(REGEX MATCH "^(proto|app)/[^/]+/" sub "${path}")
  if(sub)
    string(REGEX REPLACE "/$" "" layer "${sub}")
  else()
    string(REGEX REPLACE "/.*" "" layer "${path}")
  endif()
  set(${out} "${layer}" PARENT_SCOPE)
endfunction()

set(bad 0)
file(GLOB_RECURSE files RELATIVE ${SRC} ${SRC}/*.h ${SRC}/*.cc)
list(SORT files)
if(NOT files)
  message(FATAL_ERROR "layering: no .h or .cc file below '${SRC}'")
endif()
foreach(rel ${files})
  set(f ${SRC}/${rel})
  layer_of("${rel}" layer)
  if(NOT DEFINED allowed_${layer})
    message(NOTICE "${f}: layer '${layer}' has no layering rule (tests/layering.cmake)")
    math(EXPR bad "${bad} + 1")
    continue()
  endif()
  file(STRINGS ${f} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line ${includes})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*" "\\1" path "${line}")
    layer_of("${path}" target)
    list(FIND allowed_${layer} "${target}" found)
    if(found EQUAL -1)
      message(NOTICE "${f}: layer '${layer}' must not include '${target}': ${line}")
      math(EXPR bad "${bad} + 1")
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "layering violated: ${bad} finding(s) above")
endif()
list(LENGTH files n)
message(STATUS "layering ok (${n} files)")
