# The forced-emulation prefix (hypervisor boot option hvm_fep, src/hvm/fep.c):
# one guest, hvm_fep.c, built for 32-bit protected mode (hvm_fep) and for
# 64-bit mode (hvm_fep64: test_main in long mode), each run twice.
#
#   hvm_fep[64].cfg      fep=off: no hvm_fep, the prefix raises #UD (also in ALL.txt)
#   hvm_fep[64]_on.cfg   fep=on:  rv-run --cmdline hvm_fep, each prefixed
#                        instruction is emulated and matches the native result
#
#   ctest -R hvm_fep        QEMU TCG (AMD SVM) both ways, Bochs Skylake (Intel VMX) with hvm_fep

list(APPEND GUESTS hvm_fep hvm_fep64)
list(APPEND GUESTS_64 hvm_fep64)
configure_file(${G}/hvm_fep_on.cfg ${GO}/hvm_fep_on.cfg COPYONLY)
configure_file(${G}/hvm_fep64_on.cfg ${GO}/hvm_fep64_on.cfg COPYONLY)

find_package(Python3 3.8 COMPONENTS Interpreter)
if(NOT Python3_FOUND)
    return()
endif()
set(_fep_run ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR})
set(_fep_expect ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py)
set(_fep_checks cpuid-0 cpuid-1 cpuid-hv out-dx-value in-dx-value in-imm8-value in-16-value in-32-value
    rdmsr-value rdtsc-value mov-store-value add-mem-value xchg-mem-value cmpxchg-mem-value rep-movsb-value
    rip-advance-value unemulated-ud plain-ud2 near-prefix)
set(_fep_on_stdout --stdout "hvm: hvm_fep is on")
foreach(g hvm_fep_on hvm_fep64_on)
    list(APPEND _fep_on_stdout --stdout "^${g}: hvm_fep: expecting emulation$")
    foreach(c ${_fep_checks})
        list(APPEND _fep_on_stdout --stdout "^${g}: PASS ${c}$")
    endforeach()
endforeach()

foreach(v qemu bochs)
    if(v STREQUAL "qemu")
        set(name hvm_fep_on)
        set(emu --direct)
        set(timeout 240)
        set(labels "integration;qemu;hvm")
    else()
        set(name hvm_fep_on_bochs_skylake)
        set(emu --bochs corei7_skylake_x)
        set(timeout 600)
        set(labels "integration;bochs;hvm")
    endif()
    add_test(NAME ${name}
             COMMAND ${_fep_expect} --status 0 ${_fep_on_stdout}
                     -- ${_fep_run} ${emu} --timeout ${timeout} --smp 1 --mem 512M --cmdline hvm_fep
                        ${GO}/hvm_fep_on.cfg ${GO}/hvm_fep64_on.cfg)
    math(EXPR ctest_timeout "${timeout} + 60")
    set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT ${ctest_timeout} RUN_SERIAL TRUE
                         REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/hvm_fep.elf;${GO}/hvm_fep64.elf")
endforeach()
add_test(NAME hvm_fep_off
         COMMAND ${_fep_expect} --status 0 --stdout "^hvm_fep: hvm_fep: expecting #UD$"
                 --stdout "^hvm_fep: PASS cpuid-0$" --stdout "^hvm_fep: PASS mov-store-value$"
                 --stdout "^hvm_fep: PASS unemulated-ud$" --stdout "^hvm_fep64: PASS unemulated-ud$"
                 --stdout "^hvm_fep64: PASS rep-movsb-value$"
                 -- ${_fep_run} --direct --timeout 240 --smp 1 --mem 512M ${GO}/hvm_fep.cfg ${GO}/hvm_fep64.cfg)
set_tests_properties(hvm_fep_off PROPERTIES LABELS "integration;qemu;hvm" TIMEOUT 300 RUN_SERIAL TRUE
                     REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/hvm_fep.elf;${GO}/hvm_fep64.elf")
