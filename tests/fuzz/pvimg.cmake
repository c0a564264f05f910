# libFuzzer harness of PV kernel images (src/pv/pv_image.c): fuzz_pv_image.
# Seeds are written by unit_pv_image --seeds (its synthetic kernels).
# Included at the end of tests/fuzz/CMakeLists.txt; uses its RV_CLANG,
# RV_FUZZ_FLAGS, RV_FUZZ_SECONDS, RV_SEEDS and S.
set(_pvi_sources ${CMAKE_CURRENT_LIST_DIR}/fuzz_pv_image.c ${S}/pv/pv_image.c ${S}/image/elf.c ${S}/lib/fmt.c)
set(_pvi_seeds ${RV_SEEDS}/pvimg)
add_custom_command(OUTPUT ${_pvi_seeds}/stamp
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_pvi_seeds}
    COMMAND unit_pv_image --seeds ${_pvi_seeds}
    COMMAND ${CMAKE_COMMAND} -E touch ${_pvi_seeds}/stamp
    DEPENDS unit_pv_image
    COMMENT "Generating fuzz seeds for fuzz_pv_image")
set(_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_pv_image)
add_custom_command(OUTPUT ${_out}
    COMMAND ${RV_CLANG} ${RV_FUZZ_FLAGS} ${_pvi_sources} -o ${_out}
    DEPENDS ${_pvi_sources} ${S}/pv/pv_image.h ${S}/image/elf.h ${RV_FUZZ_HEADERS}
    COMMENT "Building fuzzer fuzz_pv_image with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_pvimg ALL DEPENDS ${_out} ${_pvi_seeds}/stamp)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_pv_image)
add_test(NAME fuzz_pv_image
    COMMAND ${_out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=16384 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_pv_image-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_pv_image ${_pvi_seeds})
set_tests_properties(fuzz_pv_image PROPERTIES LABELS fuzz TIMEOUT 300)
