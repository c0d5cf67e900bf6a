# Helpers so every room declares its targets the same way.
#
#   hg_library(hg_wire SOURCES message.cc DEPS hg_base)
#   hg_test(wire_test SOURCES message_test.cc DEPS hg_wire LABELS asan)
#
# Labels pick which tests the sanitizer stages of `./dev test` run:
#   asan  - built and run again under ASan+UBSan
#   tsan  - built and run again under TSan

function(hg_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS;PUBLIC_DEPS" ${ARGN})
  if(A_SOURCES)
    add_library(${name} STATIC ${A_SOURCES})
    target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
    target_link_libraries(${name} PUBLIC ${A_PUBLIC_DEPS} ${A_DEPS})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
    target_link_libraries(${name} INTERFACE ${A_PUBLIC_DEPS} ${A_DEPS})
  endif()
endfunction()

# Registers a gtest binary with CTest. Test names are prefixed with the binary
# name so `ctest -R wire_test` selects one binary's cases.
function(hg_test name)
  if(NOT HARDGOFER_TESTS)
    return()
  endif()
  cmake_parse_arguments(A "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main Threads::Threads)
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name}
    TEST_PREFIX "${name}."
    DISCOVERY_MODE PRE_TEST
    PROPERTIES TIMEOUT ${A_TIMEOUT}
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  # gtest_discover_tests flattens PROPERTIES, so a list value such as
  # LABELS "asan;tsan" would keep only its first element and `ctest -L tsan`
  # would find nothing. Apply the labels after discovery instead: the
  # discovery script defines ${name}_TESTS with every discovered test name.
  if(A_LABELS)
    set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake")
    file(WRITE "${labels_file}"
      "if(DEFINED ${name}_TESTS)\n"
      "  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${A_LABELS}\")\n"
      "endif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
  endif()
  set_property(GLOBAL APPEND PROPERTY HG_TEST_TARGETS ${name})
  foreach(label ${A_LABELS})
    set_property(GLOBAL APPEND PROPERTY HG_TEST_TARGETS_${label} ${name})
  endforeach()
endfunction()
