# Project code compiles warning-free; generated code (Verilator output) does
# not get these flags.
add_library(copysim_warnings INTERFACE)
target_compile_options(copysim_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Werror)
# With the sanitizers' instrumentation GCC 12 reports std::function inside
# std::regex as maybe uninitialized (a known false positive of the
# optimizer); the asan preset turns that one warning off.
if(COPYSIM_SANITIZERS)
  target_compile_options(copysim_warnings INTERFACE -Wno-maybe-uninitialized)
endif()
add_library(copysim::warnings ALIAS copysim_warnings)

# copysim_library(NAME SOURCES ... DEPS ...): a static library of project code.
function(copysim_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE copysim::warnings)
endfunction()

# copysim_test(NAME SOURCES ... DEPS ... LABELS ... [SYSTEMC]): a Boost.Test
# executable registered with CTest. SYSTEMC tests get the sc_main entry point
# that turns every SystemC warning into a failure.
function(copysim_test name)
  cmake_parse_arguments(ARG "SYSTEMC" "" "SOURCES;DEPS;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} copysim::warnings)
  if(ARG_SYSTEMC)
    target_link_libraries(${name} PRIVATE copysim_sc_test_main)
  else()
    target_link_libraries(${name} PRIVATE copysim_test_main)
  endif()
  add_test(NAME ${name} COMMAND ${name} ${ARG_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
endfunction()

# copysim_fuzz_test(NAME TARGET t SECONDS s LABEL l): one of the libFuzzer
# targets of tools/fuzz/run_fuzzer.sh, built with clang and run briefly as a
# test when clang is installed; the long runs are recorded in
# docs/RELIABILITY.md.
function(copysim_fuzz_test name)
  cmake_parse_arguments(ARG "" "TARGET;SECONDS;LABEL" "" ${ARGN})
  find_program(CLANGXX clang++)
  if(CLANGXX)
    add_test(NAME ${name}
      COMMAND ${PROJECT_SOURCE_DIR}/tools/fuzz/run_fuzzer.sh ${CLANGXX} ${ARG_TARGET}
        ${CMAKE_CURRENT_BINARY_DIR}/fuzz_${ARG_TARGET} ${ARG_SECONDS})
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABEL}")
  endif()
endfunction()
