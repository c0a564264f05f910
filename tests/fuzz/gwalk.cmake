# libFuzzer harness of the guest page-table walker (src/mm/gwalk.c) against
# the reference model tests/fuzz/gwalk_ref.h, over the fake memory of
# tests/unit/gwalk_fake.h.  Included at the end of tests/fuzz/CMakeLists.txt;
# uses its RV_CLANG, RV_FUZZ_FLAGS, RV_FUZZ_SECONDS and S.
set(_gw_sources ${CMAKE_CURRENT_LIST_DIR}/fuzz_gwalk.c ${S}/mm/gwalk.c)
set(_gw_headers ${S}/mm/gwalk.h ${CMAKE_CURRENT_LIST_DIR}/gwalk_ref.h ${PROJECT_SOURCE_DIR}/tests/unit/gwalk_fake.h)
# Seeds: a 4-level write with A/D, a PAE fetch, a 32-bit PSE read.
set(_gw_seeds ${CMAKE_CURRENT_BINARY_DIR}/seeds/gwalk)
file(MAKE_DIRECTORY ${_gw_seeds})
execute_process(COMMAND printf "\\011\\300\\010\\000\\000\\000\\000\\043\\001\\040\\100\\200\\000\\000\\000\\000\\000\\000\\007\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\007\\000\\000\\000\\007\\000\\000\\000\\007\\000\\000\\000\\007\\000\\000\\000"
                OUTPUT_FILE ${_gw_seeds}/long)
execute_process(COMMAND printf "\\105\\045\\004\\000\\000\\000\\000\\043\\001\\040\\100\\200\\000\\000\\000\\000\\000\\000\\001\\002\\000\\000\\000\\000\\000\\000\\001\\002\\000\\000\\000\\000\\000\\000\\001\\002\\000\\000\\000\\000\\000\\000\\001\\002\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\047\\000\\000\\000\\007\\200\\000\\000"
                OUTPUT_FILE ${_gw_seeds}/pae)
execute_process(COMMAND printf "\\021\\000\\004\\000\\000\\000\\000\\043\\001\\100\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\207\\020\\003\\300"
                OUTPUT_FILE ${_gw_seeds}/pse)
set(_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_gwalk)
add_custom_command(OUTPUT ${_out}
    COMMAND ${RV_CLANG} -I${PROJECT_SOURCE_DIR}/tests/unit ${RV_FUZZ_FLAGS} ${_gw_sources} -o ${_out}
    DEPENDS ${_gw_sources} ${_gw_headers}
    COMMENT "Building fuzzer fuzz_gwalk with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_gwalk ALL DEPENDS ${_out})
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_gwalk)
add_test(NAME fuzz_gwalk
    COMMAND ${_out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=512 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_gwalk-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_gwalk ${_gw_seeds})
set_tests_properties(fuzz_gwalk PROPERTIES LABELS fuzz TIMEOUT 300)
