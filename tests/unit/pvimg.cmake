# PV kernel images (src/pv/pv_image.c): unit_pv_image on synthetic ELF
# images and, when tools/linux-assets has fetched it, Debian's kernel
# (build/linux/vmlinuz: payload decompressed and read as a PV kernel; the
# test says SKIP when the file is absent).
set(_pvimg_decomp ${RV_UNIT_SRC}/lib/decompress.c ${RV_UNIT_SRC}/lib/inflate.c ${RV_UNIT_SRC}/lib/unxz.c
    ${RV_UNIT_SRC}/lib/lzma2.c ${RV_UNIT_SRC}/lib/crc.c)
add_executable(unit_pv_image ${CMAKE_CURRENT_LIST_DIR}/test_pv_image.c ${RV_UNIT_SRC}/pv/pv_image.c
               ${RV_UNIT_SRC}/image/elf.c ${RV_UNIT_SRC}/image/bzpayload.c ${_pvimg_decomp})
target_link_libraries(unit_pv_image PRIVATE rv_unit_pure)
add_test(NAME unit_pv_image COMMAND unit_pv_image ${CMAKE_BINARY_DIR}/linux/vmlinuz)
set_tests_properties(unit_pv_image PROPERTIES LABELS unit TIMEOUT 300
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
