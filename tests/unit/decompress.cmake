# The kernel-payload decompressors (src/lib/decompress.c, inflate.c, unxz.c,
# lzma2.c, crc.c): unit_decompress, against vectors made at build time by
# gen_decomp_vectors.py with Python's zlib/gzip/lzma.  Included at the end of
# tests/unit/CMakeLists.txt (rv_unit_pure, RV_UNIT_SRC).
find_package(Python3 COMPONENTS Interpreter REQUIRED)

set(RV_DECOMP_SOURCES ${RV_UNIT_SRC}/lib/decompress.c ${RV_UNIT_SRC}/lib/inflate.c ${RV_UNIT_SRC}/lib/unxz.c
    ${RV_UNIT_SRC}/lib/lzma2.c ${RV_UNIT_SRC}/lib/crc.c)
set(_dc_vec ${CMAKE_CURRENT_BINARY_DIR}/decomp_vectors)
add_custom_command(OUTPUT ${_dc_vec}/manifest
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/gen_decomp_vectors.py vectors ${_dc_vec}
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/gen_decomp_vectors.py
    COMMENT "Generating decompressor test vectors")
add_custom_target(unit_decompress_vectors ALL DEPENDS ${_dc_vec}/manifest)

add_executable(unit_decompress ${CMAKE_CURRENT_LIST_DIR}/test_decompress.c ${RV_DECOMP_SOURCES})
target_link_libraries(unit_decompress PRIVATE rv_unit_pure)
add_dependencies(unit_decompress unit_decompress_vectors)
add_test(NAME unit_decompress COMMAND unit_decompress ${_dc_vec})
set_tests_properties(unit_decompress PROPERTIES LABELS unit TIMEOUT 300
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")

# decomp_bench: the same decoder, optimised and without sanitizers, timed on a
# real kernel payload for rv-bench's unpack figures (tools/rvlib/costbench.py).
# A tool, not a test.
add_executable(decomp_bench ${CMAKE_CURRENT_LIST_DIR}/decomp_bench.c ${RV_DECOMP_SOURCES}
               ${RV_UNIT_SRC}/image/bzpayload.c ${RV_UNIT_SRC}/lib/fmt.c)
target_include_directories(decomp_bench PRIVATE ${RV_UNIT_SRC} ${PROJECT_SOURCE_DIR}/include)
target_compile_definitions(decomp_bench PRIVATE RV_HOST_BUILD)
target_compile_options(decomp_bench PRIVATE -O2 -Wall -Wextra -Werror)
