# libFuzzer harness of the kernel-payload decompressors (src/lib/decompress.c,
# inflate.c, unxz.c, lzma2.c, crc.c): fuzz_decompress.  Included at the end of
# tests/fuzz/CMakeLists.txt, after its clang/libFuzzer checks; uses its
# RV_CLANG, RV_FUZZ_FLAGS, RV_FUZZ_SECONDS, RV_FUZZ_HEADERS, S and RV_SEEDS.
# Seeds: gzip/xz streams made by Python's zlib/gzip/lzma
# (tests/unit/gen_decomp_vectors.py), valid and broken.
find_package(Python3 COMPONENTS Interpreter REQUIRED)

set(_dcz_dir ${CMAKE_CURRENT_LIST_DIR})
set(_dcz_gen ${PROJECT_SOURCE_DIR}/tests/unit/gen_decomp_vectors.py)
set(_dcz_sources ${S}/lib/decompress.c ${S}/lib/inflate.c ${S}/lib/unxz.c ${S}/lib/lzma2.c ${S}/lib/crc.c
    ${S}/lib/fmt.c)
add_custom_command(OUTPUT ${RV_SEEDS}/decompress.stamp
    COMMAND ${Python3_EXECUTABLE} ${_dcz_gen} seeds ${RV_SEEDS}
    COMMAND ${CMAKE_COMMAND} -E touch ${RV_SEEDS}/decompress.stamp
    DEPENDS ${_dcz_gen}
    COMMENT "Generating fuzz seed corpora for fuzz_decompress and fuzz_pvh_image")

set(_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_decompress)
add_custom_command(OUTPUT ${_out}
    COMMAND ${RV_CLANG} ${RV_FUZZ_FLAGS} ${_dcz_dir}/fuzz_decompress.c ${_dcz_sources} -o ${_out}
    DEPENDS ${_dcz_dir}/fuzz_decompress.c ${_dcz_sources} ${RV_FUZZ_HEADERS}
    COMMENT "Building fuzzer fuzz_decompress with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_decompress ALL DEPENDS ${_out} ${RV_SEEDS}/decompress.stamp)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_decompress)
add_test(NAME fuzz_decompress
    COMMAND ${_out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=32768 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_decompress-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_decompress ${RV_SEEDS}/decompress)
set_tests_properties(fuzz_decompress PROPERTIES LABELS fuzz TIMEOUT 300)
