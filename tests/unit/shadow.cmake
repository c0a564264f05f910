# The shadow pager's tables (src/mm/shadow.c): pure, host-built, under the
# sanitizers of rv_unit_pure.  The pool is host memory below 4 GiB
# (MAP_32BIT), its addresses standing in for physical ones.
add_executable(unit_shadow ${CMAKE_CURRENT_LIST_DIR}/test_shadow.c ${RV_UNIT_SRC}/mm/shadow.c)
target_link_libraries(unit_shadow PRIVATE rv_unit_pure)
add_test(NAME unit_shadow COMMAND unit_shadow)
set_tests_properties(unit_shadow PROPERTIES LABELS "unit;shadow" TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")

# Cached shadow roots and their revalidation against the guest's tables,
# through the real walker over a fake guest memory.
add_executable(unit_shadow_cache ${CMAKE_CURRENT_LIST_DIR}/test_shadow_cache.c ${RV_UNIT_SRC}/mm/shadow.c
               ${RV_UNIT_SRC}/mm/gwalk.c)
target_link_libraries(unit_shadow_cache PRIVATE rv_unit_pure)
add_test(NAME unit_shadow_cache COMMAND unit_shadow_cache)
set_tests_properties(unit_shadow_cache PROPERTIES LABELS "unit;shadow" TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
