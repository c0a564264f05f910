# PVH kernel images (src/hvm/pvh_image.c): unit_pvh_image, on synthetic ELF
# images and, when it is on this machine, a real Linux bzImage (payload
# extracted, decompressed with src/lib/decompress and planned; the test says
# SKIP when the file is absent).  Included at the end of
# tests/unit/CMakeLists.txt after decompress.cmake, whose vector generator
# also writes the synthetic bzImages (xz and gzip payloads) this test loads.
set(RV_TEST_PVH_KERNEL "${PROJECT_SOURCE_DIR}/build-lead/linux/vmlinuz" CACHE FILEPATH
    "a Linux bzImage with a PVH entry note that unit_pvh_image decompresses and plans (optional)")
set(_pvh_decomp ${RV_UNIT_SRC}/lib/decompress.c ${RV_UNIT_SRC}/lib/inflate.c ${RV_UNIT_SRC}/lib/unxz.c
    ${RV_UNIT_SRC}/lib/lzma2.c ${RV_UNIT_SRC}/lib/crc.c)
add_executable(unit_pvh_image ${CMAKE_CURRENT_LIST_DIR}/test_pvh_image.c ${RV_UNIT_SRC}/hvm/pvh_image.c ${RV_UNIT_SRC}/hvm/kernel_image.c ${RV_UNIT_SRC}/image/elf.c ${RV_UNIT_SRC}/image/bzpayload.c
               ${_pvh_decomp})
target_link_libraries(unit_pvh_image PRIVATE rv_unit_pure)
# argv: the real kernel (SKIP when absent), the vector directory with the synthetic bzImages.
if(TARGET unit_decompress_vectors)
    add_dependencies(unit_pvh_image unit_decompress_vectors)
endif()
add_test(NAME unit_pvh_image COMMAND unit_pvh_image ${RV_TEST_PVH_KERNEL}
         ${CMAKE_CURRENT_BINARY_DIR}/decomp_vectors)
set_tests_properties(unit_pvh_image PROPERTIES LABELS unit TIMEOUT 300
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
