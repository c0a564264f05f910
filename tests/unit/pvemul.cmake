# The PV privileged-instruction decoder and set_debugreg's checks
# (src/pv/pv_insn.c), and the writable-page-table assist's instruction
# emulation (src/pv/pv_ptwr.c over the emulator core, RV_EMUL_SOURCES of
# emulate.cmake).  Pure, host-built, under the sanitizers.
add_executable(unit_pv_insn ${CMAKE_CURRENT_LIST_DIR}/test_pv_insn.c ${RV_UNIT_SRC}/pv/pv_insn.c)
target_link_libraries(unit_pv_insn PRIVATE rv_unit_pure)
add_test(NAME unit_pv_insn COMMAND unit_pv_insn)
set(_pe_emul ${RV_UNIT_SRC}/hvm/emulate/decode.c ${RV_UNIT_SRC}/hvm/emulate/access.c
    ${RV_UNIT_SRC}/hvm/emulate/exec.c ${RV_UNIT_SRC}/hvm/emulate/exec_event.c ${RV_UNIT_SRC}/hvm/emulate/exec_sys.c ${RV_UNIT_SRC}/hvm/emulate/exec_flow.c ${RV_UNIT_SRC}/hvm/emulate/exec_arith.c
    ${RV_UNIT_SRC}/hvm/emulate/string.c ${RV_UNIT_SRC}/hvm/emulate/alu.c)
add_executable(unit_pv_ptwr ${CMAKE_CURRENT_LIST_DIR}/test_pv_ptwr.c ${RV_UNIT_SRC}/pv/pv_ptwr.c ${_pe_emul})
target_link_libraries(unit_pv_ptwr PRIVATE rv_unit_pure)
add_test(NAME unit_pv_ptwr COMMAND unit_pv_ptwr)
set_tests_properties(unit_pv_insn unit_pv_ptwr PROPERTIES LABELS unit TIMEOUT 300
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
