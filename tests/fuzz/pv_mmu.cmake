# libFuzzer harness of the PV MMU hypercalls (src/pv/mm_hcall.c) over the
# fake vCPU of tests/unit/pvmmu_fake.h.  Included at the end of
# tests/fuzz/CMakeLists.txt; uses its RV_CLANG, RV_FUZZ_FLAGS, RV_FUZZ_SECONDS and S.
set(_pm_sources ${CMAKE_CURRENT_LIST_DIR}/fuzz_pv_mmu.c ${S}/pv/mm_hcall.c ${S}/mm/pgtype.c ${S}/pv/desc.c)
set(_pm_headers ${S}/pv/mm_hcall.h ${S}/pv/desc.h ${S}/mm/pgtype.h ${S}/mm/frame.h
    ${PROJECT_SOURCE_DIR}/tests/unit/pgtype_fake.h ${PROJECT_SOURCE_DIR}/tests/unit/pvmmu_fake.h)
# Seed: a tree written by the guest (L4 10 -> L3 11 -> L2 12 -> L1 13 -> 14
# writable), made the base pointer, then an update, pins, a GDT, a
# descriptor, update_va_mapping, a flush and a preempted pin.
set(_pm_seeds ${CMAKE_CURRENT_BINARY_DIR}/seeds/pv_mmu)
file(MAKE_DIRECTORY ${_pm_seeds})
execute_process(COMMAND printf "\\000\\000\\012\\000\\013\\002\\000\\000\\000\\000\\013\\000\\014\\002\\000\\000\\000\\000\\014\\000\\015\\002\\000\\000\\000\\000\\015\\000\\016\\000\\000\\000\\000\\007\\012\\000\\000\\000\\000\\000\\000\\001\\015\\001\\020\\001\\000\\001\\000\\002\\014\\000\\000\\000\\000\\000\\000\\002\\024\\000\\000\\000\\000\\000\\000\\004\\030\\000\\031\\000\\020\\000\\000\\005\\030\\001\\000\\001\\000\\000\\000\\003\\000\\000\\021\\000\\006\\005\\001\\002\\000\\000\\012\\000\\000\\000\\000\\012\\120\\000\\003\\000\\000\\000\\000"
                OUTPUT_FILE ${_pm_seeds}/tree)
set(_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_pv_mmu)
add_custom_command(OUTPUT ${_out}
    COMMAND ${RV_CLANG} -I${PROJECT_SOURCE_DIR}/tests/unit ${RV_FUZZ_FLAGS} ${_pm_sources} -o ${_out}
    DEPENDS ${_pm_sources} ${_pm_headers}
    COMMENT "Building fuzzer fuzz_pv_mmu with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_pv_mmu ALL DEPENDS ${_out})
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_pv_mmu)
add_test(NAME fuzz_pv_mmu
    COMMAND ${_out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=4096 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_pv_mmu-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_pv_mmu ${_pm_seeds})
set_tests_properties(fuzz_pv_mmu PROPERTIES LABELS fuzz TIMEOUT 300)
