# QEMU's fw_cfg device model (src/hvm/fwcfg.c): pure, host-built.
add_executable(unit_fwcfg ${CMAKE_CURRENT_LIST_DIR}/test_fwcfg.c ${RV_UNIT_SRC}/hvm/fwcfg.c)
target_link_libraries(unit_fwcfg PRIVATE rv_unit_pure)
add_test(NAME unit_fwcfg COMMAND unit_fwcfg)
set_tests_properties(unit_fwcfg PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
