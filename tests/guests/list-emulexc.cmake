# The emulator's exception matrix (emul_exc.c): INT3/INT1/INTO/INT n with the
# IDT gate checks, x87/MMX/SSE/VEX #UD/#NM from CR0/CR4, memory-operand
# #GP/#SS; 32-bit (emul_exc) and 64-bit (emul_exc64); and UMIP (umip, umip64).
#
#   emul_exc[64].cfg      natively only (in ALL.txt: QEMU and Bochs Skylake runs)
#   emul_exc[64]_on.cfg   fep=on: natively and through the forced-emulation prefix,
#                         with hvm_fep on the hypervisor's command line:
#                         ctest emul_exc_fep (QEMU TCG, AMD SVM), emul_exc_fep_bochs_skylake
#                         (Intel VMX), emul_exc_fep_bochs_ryzen (AMD SVM)

list(APPEND GUESTS emul_exc emul_exc64)
list(APPEND GUESTS_64 emul_exc64)
# CR4.UMIP, emulated where the CPU lacks it (umip.c; CPL 3 through lib/ring3.c).
list(APPEND GUESTS umip umip64)
list(APPEND GUESTS_64 umip64)
configure_file(${G}/emul_exc_on.cfg ${GO}/emul_exc_on.cfg COPYONLY)
configure_file(${G}/emul_exc64_on.cfg ${GO}/emul_exc64_on.cfg COPYONLY)

find_package(Python3 3.8 COMPONENTS Interpreter)
if(NOT Python3_FOUND)
    return()
endif()
set(_ee_run ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR})
set(_ee_expect ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py)
# Some -fep checks of each guest must be there (a guest that skipped them would pass otherwise).
set(_ee_stdout --stdout "hvm: hvm_fep is on")
foreach(g emul_exc_on emul_exc64_on)
    foreach(c int3 icebp int-present int-not-present int-past-limit int-dpl-cpl3 x87-ts sse-em vex-no-osxsave)
        list(APPEND _ee_stdout --stdout "^${g}: PASS ${c}-fep$")
    endforeach()
endforeach()
list(APPEND _ee_stdout --stdout "^emul_exc_on: PASS into-of-fep$" --stdout "^emul_exc64_on: PASS into-64-fep$")

foreach(v qemu skylake ryzen)
    if(v STREQUAL "qemu")
        set(name emul_exc_fep)
        set(emu --direct)
        set(timeout 240)
        set(labels "integration;qemu;hvm")
    else()
        set(name emul_exc_fep_bochs_${v})
        if(v STREQUAL "skylake")
            set(emu --bochs corei7_skylake_x)
        else()
            set(emu --bochs ryzen)
        endif()
        set(timeout 600)
        set(labels "integration;bochs;hvm")
    endif()
    add_test(NAME ${name}
             COMMAND ${_ee_expect} --status 0 ${_ee_stdout}
                     -- ${_ee_run} ${emu} --timeout ${timeout} --smp 1 --mem 512M --cmdline hvm_fep
                        ${GO}/emul_exc_on.cfg ${GO}/emul_exc64_on.cfg)
    math(EXPR ctest_timeout "${timeout} + 60")
    set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT ${ctest_timeout} RUN_SERIAL TRUE
                         REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/emul_exc.elf;${GO}/emul_exc64.elf")
endforeach()
