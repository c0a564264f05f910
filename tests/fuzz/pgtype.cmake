# libFuzzer harness of direct-paging validation (src/mm/pgtype.c) over the
# fake machine of tests/unit/pgtype_fake.h.  Included at the end of
# tests/fuzz/CMakeLists.txt; uses its RV_CLANG, RV_FUZZ_FLAGS, RV_FUZZ_SECONDS and S.
set(_pg_sources ${CMAKE_CURRENT_LIST_DIR}/fuzz_pgtype.c ${S}/mm/pgtype.c)
set(_pg_headers ${S}/mm/pgtype.h ${S}/mm/frame.h ${PROJECT_SOURCE_DIR}/tests/unit/pgtype_fake.h)
# Seed: build a small tree (writes), pin it as an L2, map and unmap entries.
set(_pg_seeds ${CMAKE_CURRENT_BINARY_DIR}/seeds/pgtype)
file(MAKE_DIRECTORY ${_pg_seeds})
execute_process(COMMAND printf "\\000\\040\\005\\000\\013\\040\\006\\000\\014\\040\\001\\005\\011\\005\\000\\000\\043\\006\\003\\007\\003\\006\\003\\000\\002\\005\\000\\000"
                OUTPUT_FILE ${_pg_seeds}/tree)
set(_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_pgtype)
add_custom_command(OUTPUT ${_out}
    COMMAND ${RV_CLANG} -I${PROJECT_SOURCE_DIR}/tests/unit ${RV_FUZZ_FLAGS} ${_pg_sources} -o ${_out}
    DEPENDS ${_pg_sources} ${_pg_headers}
    COMMENT "Building fuzzer fuzz_pgtype with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_pgtype ALL DEPENDS ${_out})
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_pgtype)
add_test(NAME fuzz_pgtype
    COMMAND ${_out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=4096 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_pgtype-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_pgtype ${_pg_seeds})
set_tests_properties(fuzz_pgtype PROPERTIES LABELS fuzz TIMEOUT 300)
