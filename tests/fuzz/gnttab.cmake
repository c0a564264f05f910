# libFuzzer harness of grant tables v1 (src/gnttab/): random operation
# sequences between three fake domains (fake environment of
# tests/unit/gnttab_stubs/).  Included at the end of tests/fuzz/CMakeLists.txt,
# after its clang/libFuzzer checks; uses its RV_CLANG, RV_FUZZ_FLAGS,
# RV_FUZZ_SECONDS and S.
set(_gt_stubs ${PROJECT_SOURCE_DIR}/tests/unit/gnttab_stubs)
set(_gt_sources ${CMAKE_CURRENT_LIST_DIR}/fuzz_gnttab.c ${_gt_stubs}/gnttab_fake.c
    ${S}/gnttab/gnttab.c ${S}/gnttab/gnttab_map.c)
file(GLOB _gt_headers CONFIGURE_DEPENDS ${S}/gnttab/*.h ${_gt_stubs}/*.h ${_gt_stubs}/*/*.h
     ${S}/mm/physmap.h ${PROJECT_SOURCE_DIR}/include/public/grant_table.h)

# Seed: grant d1 ref 10 to d2, d2 maps it read-write then read-only.
set(_gt_seeds ${CMAKE_CURRENT_BINARY_DIR}/seeds/gnttab)
file(MAKE_DIRECTORY ${_gt_seeds})
execute_process(COMMAND printf "\\000\\000\\012\\005\\001\\000\\021\\000\\000\\002\\130\\000\\000\\021\\000\\000\\002\\131\\000\\001\\000\\010\\200\\000"
                OUTPUT_FILE ${_gt_seeds}/map_unmap)

set(_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_gnttab)
add_custom_command(OUTPUT ${_out}
    COMMAND ${RV_CLANG} -I${_gt_stubs} ${RV_FUZZ_FLAGS} ${_gt_sources} -o ${_out}
    DEPENDS ${_gt_sources} ${_gt_headers}
    COMMENT "Building fuzzer fuzz_gnttab with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_gnttab ALL DEPENDS ${_out})
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_gnttab)
add_test(NAME fuzz_gnttab
    COMMAND ${_out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=4096 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_gnttab-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_gnttab ${_gt_seeds})
set_tests_properties(fuzz_gnttab PROPERTIES LABELS fuzz TIMEOUT 300)
