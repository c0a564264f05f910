# libFuzzer harness of the Linux boot-protocol planner (hvm/bzimage.c):
# fuzz_bzimage.  Included at the end of tests/fuzz/CMakeLists.txt, after its
# clang/libFuzzer checks; uses its RV_CLANG, RV_FUZZ_FLAGS, RV_FUZZ_SECONDS,
# RV_FUZZ_HEADERS, S and RV_SEEDS.

set(_bz_dir ${CMAKE_CURRENT_LIST_DIR})
set(_bz_sources ${S}/hvm/bzimage.c ${S}/mm/e820.c ${S}/lib/fmt.c)
set(_bz_headers ${S}/hvm/bzimage.h ${S}/mm/e820.h ${S}/hvm/platform.h ${RV_FUZZ_HEADERS})

# Seeds: synthetic images from the unit tests' builder.
add_executable(rv_fuzz_seedgen_bzimage ${_bz_dir}/seedgen_bzimage.c ${PROJECT_SOURCE_DIR}/tests/unit/bzbuild.c)
target_include_directories(rv_fuzz_seedgen_bzimage PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
add_custom_command(OUTPUT ${RV_SEEDS}/bzimage.stamp
    COMMAND rv_fuzz_seedgen_bzimage ${RV_SEEDS}
    COMMAND ${CMAKE_COMMAND} -E touch ${RV_SEEDS}/bzimage.stamp
    DEPENDS rv_fuzz_seedgen_bzimage
    COMMENT "Generating fuzz seed corpus for fuzz_bzimage")

set(_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_bzimage)
add_custom_command(OUTPUT ${_out}
    COMMAND ${RV_CLANG} ${RV_FUZZ_FLAGS} ${_bz_dir}/fuzz_bzimage.c ${_bz_sources} -o ${_out}
    DEPENDS ${_bz_dir}/fuzz_bzimage.c ${_bz_sources} ${_bz_headers}
    COMMENT "Building fuzzer fuzz_bzimage with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_bzimage ALL DEPENDS ${_out} ${RV_SEEDS}/bzimage.stamp)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_bzimage)
add_test(NAME fuzz_bzimage
    COMMAND ${_out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=16384 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_bzimage-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_bzimage ${RV_SEEDS}/bzimage)
set_tests_properties(fuzz_bzimage PROPERTIES LABELS fuzz TIMEOUT 300)
