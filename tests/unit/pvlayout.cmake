# The 64-bit PV initial-region layout (src/pv/pv_layout.c): pure, host-built.
add_executable(unit_pv_layout ${CMAKE_CURRENT_LIST_DIR}/test_pv_layout.c ${RV_UNIT_SRC}/pv/pv_layout.c)
target_link_libraries(unit_pv_layout PRIVATE rv_unit_pure)
add_test(NAME unit_pv_layout COMMAND unit_pv_layout)
set_tests_properties(unit_pv_layout PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
