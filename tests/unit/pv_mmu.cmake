# The PV MMU hypercalls (src/pv/mm_hcall.c) over the frame-type core and the
# descriptor check: pure, host-built, with the fake vCPU of pvmmu_fake.h.
add_executable(unit_pv_mmu ${CMAKE_CURRENT_LIST_DIR}/test_pv_mmu.c ${RV_UNIT_SRC}/pv/mm_hcall.c
               ${RV_UNIT_SRC}/mm/pgtype.c ${RV_UNIT_SRC}/pv/desc.c)
target_link_libraries(unit_pv_mmu PRIVATE rv_unit_pure)
add_test(NAME unit_pv_mmu COMMAND unit_pv_mmu)
set_tests_properties(unit_pv_mmu PROPERTIES LABELS unit TIMEOUT 300
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
