# Unit test of the debug key 'd' text helpers (hvm/dump_fmt.c: CPU mode
# names, event-injection words, byte dumps).  Included at the end of
# tests/unit/CMakeLists.txt; uses its rv_unit_pure (fmt.c, sanitizer flags).
add_executable(unit_hvm_dump ${CMAKE_CURRENT_LIST_DIR}/test_hvm_dump.c ${RV_UNIT_SRC}/hvm/dump_fmt.c)
target_link_libraries(unit_hvm_dump PRIVATE rv_unit_pure)
add_test(NAME unit_hvm_dump COMMAND unit_hvm_dump)
set_tests_properties(unit_hvm_dump PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
