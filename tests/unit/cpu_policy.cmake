# The shared CPUID/MSR table (src/hvm/cpu_policy.c).
# Included at the end of tests/unit/CMakeLists.txt (rv_unit_pure, RV_UNIT_SRC).
add_executable(unit_cpu_policy ${CMAKE_CURRENT_LIST_DIR}/test_cpu_policy.c ${RV_UNIT_SRC}/hvm/cpu_policy.c)
target_link_libraries(unit_cpu_policy PRIVATE rv_unit_pure)
add_test(NAME unit_cpu_policy COMMAND unit_cpu_policy)
set_tests_properties(unit_cpu_policy PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
