# SPDX-License-Identifier: MIT
# pptpx_add_test(NAME SOURCES a.cc b.cc LIBS lib... LABELS unit)
# Builds a GoogleTest binary and registers each test with ctest.
# Tests find their data files through the PPTPX_TEST_DATA definition.
include(GoogleTest)
function(pptpx_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    PPTPX_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data")
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${T_LABELS}" DISCOVERY_TIMEOUT 30)
endfunction()

# pptpx_add_fuzzer(NAME SOURCES a.cc LIBS lib...)  (only with PPTPX_FUZZ)
function(pptpx_add_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()

# pptpx_add_module(NAME DEPS dep...)
# One static library per source folder, from every .cc in it (and below, for
# proto/ppp's auth/). Public include root is src/, so includes read
# "layer/module/file.h".
function(pptpx_add_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(srcs)
    add_library(${name} STATIC ${srcs})
    target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${name} PUBLIC pptpx_base ${M_DEPS})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${name} INTERFACE pptpx_base ${M_DEPS})
  endif()
endfunction()
