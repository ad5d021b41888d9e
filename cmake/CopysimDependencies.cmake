# Every dependency is a Debian 12 package installed by tools/install-deps.sh.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SystemC REQUIRED IMPORTED_TARGET systemc)
# Intel ISA-L: RAID parity (P and Q) and its reconstruction at memory speed.
pkg_check_modules(ISAL REQUIRED IMPORTED_TARGET libisal)
find_package(verilator 5.006 REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(yaml-cpp 0.7 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS unit_test_framework)
find_program(GTKWAVE_FST2VCD fst2vcd REQUIRED)
find_program(VERILATOR_EXECUTABLE verilator REQUIRED)
find_program(CLANG_FORMAT clang-format)

# Debian's libsystemc is built for C++17: without this definition a C++20
# translation unit references sc_api_version_..._cxx202002L and fails to link.
add_library(copysim_systemc INTERFACE)
target_link_libraries(copysim_systemc INTERFACE PkgConfig::SystemC)
target_compile_definitions(copysim_systemc INTERFACE SC_CPLUSPLUS=201703L SC_INCLUDE_DYNAMIC_PROCESSES)
add_library(copysim::systemc ALIAS copysim_systemc)
