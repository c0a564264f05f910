# Frame types and direct-paging validation (src/mm/pgtype.c): pure, host-built.
add_executable(unit_pgtype ${CMAKE_CURRENT_LIST_DIR}/test_pgtype.c ${RV_UNIT_SRC}/mm/pgtype.c)
target_link_libraries(unit_pgtype PRIVATE rv_unit_pure)
add_test(NAME unit_pgtype COMMAND unit_pgtype)
set_tests_properties(unit_pgtype PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
