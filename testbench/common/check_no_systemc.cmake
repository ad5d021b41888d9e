# Fails when a file under ROOT includes a SystemC or TLM header: firmware
# sees hardware only through its hardware-abstraction interface, and the
# driver's public headers stay free of it.
file(GLOB_RECURSE files "${ROOT}/*.h" "${ROOT}/*.hpp" "${ROOT}/*.cpp")
set(offenders "")
foreach(f IN LISTS files)
  file(STRINGS "${f}" hits REGEX "#[ \t]*include[ \t]*[<\"](systemc|tlm|sysc/)")
  if(hits)
    list(APPEND offenders "${f}: ${hits}")
  endif()
endforeach()
if(offenders)
  string(REPLACE ";" "\n" offenders "${offenders}")
  message(FATAL_ERROR "SystemC included under ${ROOT}:\n${offenders}")
endif()
list(LENGTH files n)
message(STATUS "${n} files under ${ROOT}, none includes SystemC")
