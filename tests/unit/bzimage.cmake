# Unit tests of the HVM guest-boot pure modules: the Linux boot protocol
# (hvm/bzimage.c), the ACPI table builder (hvm/acpi_build.c, parsed back
# with arch/x86/acpi_tables.c from rv_unit_pure) and the guest memory map
# (mm/e820.c).  Included at the end of tests/unit/CMakeLists.txt.

set(_bz_dir ${CMAKE_CURRENT_LIST_DIR})

# A real kernel to parse too, when one is on this machine (not in CI):
# -DRV_TEST_BZIMAGE=/path/vmlinuz [-DRV_TEST_INITRD=/path/initrd].
file(GLOB _bz_found /tmp/kdl/boot/vmlinuz-*)
if(_bz_found)
    list(GET _bz_found 0 _bz_default)
else()
    set(_bz_default "")
endif()
set(RV_TEST_BZIMAGE "${_bz_default}" CACHE FILEPATH "a Linux bzImage unit_bzimage also parses (optional)")
set(_bz_initrd "")
if(_bz_found AND EXISTS /tmp/kdl/initrd.gz)
    set(_bz_initrd /tmp/kdl/initrd.gz)
endif()
set(RV_TEST_INITRD "${_bz_initrd}" CACHE FILEPATH "an initrd for that kernel (optional)")

add_executable(unit_bzimage ${_bz_dir}/test_bzimage.c ${_bz_dir}/bzbuild.c
               ${RV_UNIT_SRC}/hvm/bzimage.c ${RV_UNIT_SRC}/hvm/bz_boot.c ${RV_UNIT_SRC}/mm/e820.c)
add_executable(unit_acpi_build ${_bz_dir}/test_acpi_build.c ${RV_UNIT_SRC}/hvm/acpi_build.c)
add_executable(unit_e820 ${_bz_dir}/test_e820.c ${RV_UNIT_SRC}/mm/e820.c)
set(_bz_args)
if(RV_TEST_BZIMAGE AND EXISTS "${RV_TEST_BZIMAGE}")
    set(_bz_args ${RV_TEST_BZIMAGE})
    if(RV_TEST_INITRD AND EXISTS "${RV_TEST_INITRD}")
        list(APPEND _bz_args ${RV_TEST_INITRD})
    endif()
endif()
foreach(t unit_bzimage unit_acpi_build unit_e820)
    target_link_libraries(${t} PRIVATE rv_unit_pure)
    if(t STREQUAL "unit_bzimage")
        add_test(NAME ${t} COMMAND ${t} ${_bz_args})
    else()
        add_test(NAME ${t} COMMAND ${t})
    endif()
    set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120
        ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endforeach()
