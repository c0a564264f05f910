# 64-bit PV segment-descriptor checks (src/pv/desc.c): pure, host-built.
add_executable(unit_pvdesc ${CMAKE_CURRENT_LIST_DIR}/test_pvdesc.c ${RV_UNIT_SRC}/pv/desc.c)
target_link_libraries(unit_pvdesc PRIVATE rv_unit_pure)
add_test(NAME unit_pvdesc COMMAND unit_pvdesc)
set_tests_properties(unit_pvdesc PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
