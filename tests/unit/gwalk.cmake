# The guest page-table walker (src/mm/gwalk.c): pure, host-built, under the
# sanitizers of rv_unit_pure.  The fuzzer comparing it with a reference
# model is tests/fuzz/gwalk.cmake.
add_executable(unit_gwalk ${CMAKE_CURRENT_LIST_DIR}/test_gwalk.c ${RV_UNIT_SRC}/mm/gwalk.c)
target_link_libraries(unit_gwalk PRIVATE rv_unit_pure)
add_test(NAME unit_gwalk COMMAND unit_gwalk)
set_tests_properties(unit_gwalk PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
# The shadow pager's prefetch source, gwalk_near (docs/shadow.md "Prefetch on
# fill"): each page it gives against a full walk, each page it leaves out
# against the rules.
add_executable(unit_gwalk_near ${CMAKE_CURRENT_LIST_DIR}/test_gwalk_near.c ${RV_UNIT_SRC}/mm/gwalk.c)
target_link_libraries(unit_gwalk_near PRIVATE rv_unit_pure)
add_test(NAME unit_gwalk_near COMMAND unit_gwalk_near)
set_tests_properties(unit_gwalk_near PROPERTIES LABELS "unit;shadow" TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
