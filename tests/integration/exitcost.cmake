# The hypervisor's cost figures (docs/testing.md "Hypervisor cost").
# Included by CMakeLists.txt here (uses RV_GUESTS_DIR, RV_ELF).
#
# The hypervisor's per-kind exit cost (src/hvm/exit_stats.c): the exit_mix
# guest's CPUID, INB and xen_version exits are all counted in the right rows.
add_test(NAME exit_cost_counts
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_exit_cost.py ${CMAKE_BINARY_DIR})
set_tests_properties(exit_cost_counts PROPERTIES
    LABELS "integration;qemu;hvm" TIMEOUT 300 RUN_SERIAL TRUE
    REQUIRED_FILES "${RV_ELF};${RV_GUESTS_DIR}/exit_mix.elf;${RV_GUESTS_DIR}/exit_mix.cfg")

# The same for a 64-bit PV guest (src/pv/pv_vcpu.c pv_account_exit): the
# pv_bench kernel's SYSCALL hypercalls, by kind and by number, against its
# own exit counters; median/p99/max ordered in every row.
add_test(NAME pv_exit_cost_counts
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_pv_exit_cost.py ${CMAKE_BINARY_DIR})
set_tests_properties(pv_exit_cost_counts PROPERTIES
    LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
    REQUIRED_FILES "${RV_ELF};${RV_GUESTS_DIR}/pv_bench.elf;${RV_GUESTS_DIR}/pv_bench.cfg")
