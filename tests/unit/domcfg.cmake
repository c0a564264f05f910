# Unit tests of the domain builder's pure modules: the xl.cfg parser
# (core/domcfg*.c; its disk/vif keys in unit_domcfg_dev) and the kernel
# image planner (hvm/kernel_image.c).
# Included at the end of tests/unit/CMakeLists.txt; uses its rv_unit_pure
# (fmt.c, cmdline.c, sanitizer flags) and RV_UNIT_SRC.

set(_dc_dir ${CMAKE_CURRENT_LIST_DIR})

# Same naming as the other modules: test_<m>.c -> target and test unit_<m>.
add_executable(unit_domcfg ${_dc_dir}/test_domcfg.c
               ${RV_UNIT_SRC}/core/domcfg.c ${RV_UNIT_SRC}/core/domcfg_lex.c
               ${RV_UNIT_SRC}/core/domcfg_dev.c ${RV_UNIT_SRC}/core/domcfg_vif.c)
add_executable(unit_domcfg_dev ${_dc_dir}/test_domcfg_dev.c
               ${RV_UNIT_SRC}/core/domcfg.c ${RV_UNIT_SRC}/core/domcfg_lex.c
               ${RV_UNIT_SRC}/core/domcfg_dev.c ${RV_UNIT_SRC}/core/domcfg_vif.c)
add_executable(unit_kernel_image ${_dc_dir}/test_kernel_image.c ${_dc_dir}/kimgbuild.c
               ${RV_UNIT_SRC}/hvm/kernel_image.c ${RV_UNIT_SRC}/image/elf.c)
# The multiboot information page (hvm/mb_info.c) the boot path and rv's HVM
# builder share.
add_executable(unit_mb_info ${_dc_dir}/test_mb_info.c ${RV_UNIT_SRC}/hvm/mb_info.c ${RV_UNIT_SRC}/mm/e820.c)
foreach(t unit_domcfg unit_domcfg_dev unit_kernel_image unit_mb_info)
    target_link_libraries(${t} PRIVATE rv_unit_pure)
    add_test(NAME ${t} COMMAND ${t})
    set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 120
        ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endforeach()

# Real images for the planner: a tiny multiboot1 guest compiled -m32 (no
# multilib needed: -nostdlib, freestanding), its objcopy'd flat .bin, and the
# hypervisor's own ELF64 (multiboot1 with address fields).
set(_kg ${CMAKE_CURRENT_BINARY_DIR}/kimg_guest)
set(RV_KIMG_GUEST_FLAGS -m32 -ffreestanding -fno-pie -no-pie -fno-stack-protector
    -fno-asynchronous-unwind-tables -nostdlib -static -O1
    -Wl,-T,${_dc_dir}/kimg_guest.ld -Wl,--build-id=none -Wl,-z,noexecstack)
execute_process(COMMAND ${CMAKE_C_COMPILER} ${RV_KIMG_GUEST_FLAGS} ${_dc_dir}/kimg_guest.c -o ${_kg}.probe
                RESULT_VARIABLE _kg_rc OUTPUT_QUIET ERROR_QUIET)
if(_kg_rc EQUAL 0)
    add_custom_command(OUTPUT ${_kg}.elf ${_kg}.bin
        COMMAND ${CMAKE_C_COMPILER} ${RV_KIMG_GUEST_FLAGS} ${_dc_dir}/kimg_guest.c -o ${_kg}.elf
        COMMAND ${CMAKE_OBJCOPY} -O binary ${_kg}.elf ${_kg}.bin
        DEPENDS ${_dc_dir}/kimg_guest.c ${_dc_dir}/kimg_guest.ld
        COMMENT "Building the -m32 multiboot test guest for unit_kimg_real"
        VERBATIM)
    add_custom_target(rv_kimg_guest ALL DEPENDS ${_kg}.elf ${_kg}.bin)
    set(_kg_args ELF32-multiboot1 ${_kg}.elf flat-binary ${_kg}.bin)
else()
    message(STATUS "unit tests: ${CMAKE_C_COMPILER} cannot build -m32 freestanding code; "
                   "unit_kimg_real runs without the compiled guest")
    set(_kg_args)
endif()
if(TARGET ringvisor)
    list(APPEND _kg_args ELF64-multiboot1 $<TARGET_FILE:ringvisor>)
endif()
if(_kg_args)
    add_test(NAME unit_kimg_real COMMAND unit_kernel_image ${_kg_args})
    set_tests_properties(unit_kimg_real PROPERTIES LABELS unit TIMEOUT 120
        ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
endif()
