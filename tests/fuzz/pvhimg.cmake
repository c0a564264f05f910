# libFuzzer harness of PVH kernel loading (src/hvm/pvh_image.c, with the
# decompressors for bzImage payloads): fuzz_pvh_image.  Included at the end
# of tests/fuzz/CMakeLists.txt (after decompress.cmake, whose seed command
# also writes the pvhimg seeds: synthetic ELF32/ELF64 PVH images and small
# bzImages wrapping them in xz and gzip).
find_package(Python3 COMPONENTS Interpreter REQUIRED)

set(_pvz_dir ${CMAKE_CURRENT_LIST_DIR})
set(_pvz_gen ${PROJECT_SOURCE_DIR}/tests/unit/gen_decomp_vectors.py)
set(_pvz_sources ${S}/hvm/pvh_image.c ${S}/hvm/kernel_image.c ${S}/image/elf.c ${S}/image/bzpayload.c ${S}/lib/decompress.c ${S}/lib/inflate.c ${S}/lib/unxz.c
    ${S}/lib/lzma2.c ${S}/lib/crc.c ${S}/lib/fmt.c)
add_custom_command(OUTPUT ${RV_SEEDS}/pvhimg.stamp
    COMMAND ${Python3_EXECUTABLE} ${_pvz_gen} seeds ${RV_SEEDS}
    COMMAND ${CMAKE_COMMAND} -E touch ${RV_SEEDS}/pvhimg.stamp
    DEPENDS ${_pvz_gen}
    COMMENT "Generating fuzz seed corpora for fuzz_pvh_image")

set(_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_pvh_image)
add_custom_command(OUTPUT ${_out}
    COMMAND ${RV_CLANG} ${RV_FUZZ_FLAGS} ${_pvz_dir}/fuzz_pvh_image.c ${_pvz_sources} -o ${_out}
    DEPENDS ${_pvz_dir}/fuzz_pvh_image.c ${_pvz_sources} ${S}/hvm/pvh_image.h ${S}/hvm/kernel_image.h ${S}/image/elf.h ${S}/image/bzpayload.h
            ${RV_FUZZ_HEADERS}
    COMMENT "Building fuzzer fuzz_pvh_image with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_pvhimg ALL DEPENDS ${_out} ${RV_SEEDS}/pvhimg.stamp)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_pvh_image)
add_test(NAME fuzz_pvh_image
    COMMAND ${_out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=32768 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_pvh_image-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_pvh_image ${RV_SEEDS}/pvhimg)
set_tests_properties(fuzz_pvh_image PROPERTIES LABELS fuzz TIMEOUT 300)
