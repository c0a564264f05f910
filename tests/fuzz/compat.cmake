# libFuzzer harness of the 32-bit hypercall argument translation
# (src/core/hypercall.c, src/core/compat/) over the fake environment of
# tests/unit/compat_stubs/.  Included at the end of tests/fuzz/CMakeLists.txt,
# after its clang/libFuzzer checks; uses its RV_CLANG, RV_FUZZ_FLAGS,
# RV_FUZZ_SECONDS and S.
set(_cp_stubs ${PROJECT_SOURCE_DIR}/tests/unit/compat_stubs)
set(_cp_compat ${S}/core/compat/xlat.c ${S}/core/compat/compat_memory.c ${S}/core/compat/compat_gnttab.c
    ${S}/core/compat/compat_vcpu.c ${S}/core/compat/compat_physdev.c)
set(_cp_sources ${CMAKE_CURRENT_LIST_DIR}/fuzz_compat.c ${_cp_stubs}/compat_fake.c ${S}/core/hypercall.c ${_cp_compat})
file(GLOB _cp_headers CONFIGURE_DEPENDS ${S}/core/compat/*.h ${S}/core/hypercall.h ${_cp_stubs}/*.h ${_cp_stubs}/*/*.h
     ${PROJECT_SOURCE_DIR}/include/public/*.h)

# Seeds: a 32-bit add_to_physmap and a grant copy with the argument in guest memory.
set(_cp_seeds ${CMAKE_CURRENT_BINARY_DIR}/seeds/compat)
file(MAKE_DIRECTORY ${_cp_seeds})
execute_process(COMMAND printf "\\000\\007\\000\\000\\100\\000\\001\\000\\001\\000\\020\\001\\000\\000\\000\\000\\001\\000\\000\\000"
                OUTPUT_FILE ${_cp_seeds}/add_to_physmap)
execute_process(COMMAND printf "\\001\\005\\002\\000\\000\\000\\002\\001\\000\\030\\007\\000\\000\\000\\001\\000\\000\\000"
                OUTPUT_FILE ${_cp_seeds}/gnttab_copy)

set(_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_compat)
add_custom_command(OUTPUT ${_out}
    COMMAND ${RV_CLANG} -I${_cp_stubs} ${RV_FUZZ_FLAGS} ${_cp_sources} -o ${_out}
    DEPENDS ${_cp_sources} ${_cp_headers}
    COMMENT "Building fuzzer fuzz_compat with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_compat ALL DEPENDS ${_out})
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_compat)
add_test(NAME fuzz_compat
    COMMAND ${_out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=4096 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_compat-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_compat ${_cp_seeds})
set_tests_properties(fuzz_compat PROPERTIES LABELS fuzz TIMEOUT 300)
