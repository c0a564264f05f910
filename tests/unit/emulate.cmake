# Unit test of the instruction emulator core (src/hvm/emulate/): decoding,
# execution, flags against the host CPU, faults.  Included at the end of
# tests/unit/CMakeLists.txt; uses its rv_unit_pure (fmt.c, sanitizer flags)
# and RV_UNIT_SRC.  The flag oracle runs ALU instructions natively, so this
# test needs an x86-64 host (as the whole project does).

set(RV_EMUL_SOURCES ${RV_UNIT_SRC}/hvm/emulate/decode.c ${RV_UNIT_SRC}/hvm/emulate/access.c
    ${RV_UNIT_SRC}/hvm/emulate/exec.c ${RV_UNIT_SRC}/hvm/emulate/exec_event.c ${RV_UNIT_SRC}/hvm/emulate/exec_sys.c ${RV_UNIT_SRC}/hvm/emulate/exec_flow.c ${RV_UNIT_SRC}/hvm/emulate/exec_arith.c
    ${RV_UNIT_SRC}/hvm/emulate/string.c ${RV_UNIT_SRC}/hvm/emulate/alu.c)
add_executable(unit_emulate ${CMAKE_CURRENT_LIST_DIR}/test_emulate.c ${RV_EMUL_SOURCES})
target_link_libraries(unit_emulate PRIVATE rv_unit_pure)
add_test(NAME unit_emulate COMMAND unit_emulate)
set_tests_properties(unit_emulate PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")

# The control-flow, stack and segment-load instructions (exec_flow.c).
add_executable(unit_emul_flow ${CMAKE_CURRENT_LIST_DIR}/test_emul_flow.c ${RV_EMUL_SOURCES})
target_link_libraries(unit_emul_flow PRIVATE rv_unit_pure)
add_test(NAME unit_emul_flow COMMAND unit_emul_flow)
set_tests_properties(unit_emul_flow PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")

# What real mode on VMX without unrestricted guest added (exec_arith.c,
# PUSHA/ENTER/LES and friends in exec_flow.c).
add_executable(unit_emul_rmode ${CMAKE_CURRENT_LIST_DIR}/test_emul_rmode.c ${RV_EMUL_SOURCES})
target_link_libraries(unit_emul_rmode PRIVATE rv_unit_pure)
add_test(NAME unit_emul_rmode COMMAND unit_emul_rmode)
set_tests_properties(unit_emul_rmode PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
