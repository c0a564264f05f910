# libFuzzer harnesses of the domain builder's pure modules: fuzz_domcfg (the
# xl.cfg parser) and fuzz_kimg (the kernel image planner).  Included at the
# end of tests/fuzz/CMakeLists.txt, after its clang/libFuzzer checks; uses its
# RV_CLANG, RV_FUZZ_FLAGS, RV_FUZZ_SECONDS, RV_FUZZ_HEADERS, S and RV_SEEDS.

set(_dc_dir ${CMAKE_CURRENT_LIST_DIR})
set(fuzz_domcfg_SOURCES ${S}/core/domcfg.c ${S}/core/domcfg_lex.c ${S}/core/domcfg_dev.c ${S}/core/domcfg_vif.c
    ${S}/boot/cmdline.c ${S}/lib/fmt.c)
set(fuzz_kimg_SOURCES ${S}/hvm/kernel_image.c ${S}/image/elf.c ${S}/lib/fmt.c)
set(fuzz_domcfg_MAXLEN 4096)
set(fuzz_kimg_MAXLEN 36864)     # a multiboot2 header may end at 32 KiB
set(fuzz_domcfg_EXTRA -dict=${_dc_dir}/domcfg.dict)
set(fuzz_kimg_EXTRA)
set(_dc_headers ${S}/core/domcfg.h ${S}/core/domcfg_lex.h ${S}/core/domcfg_dev.h ${S}/hvm/kernel_image.h
    ${S}/image/elf.h ${RV_FUZZ_HEADERS})

# Seeds: synthetic configurations and images, plus the unit tests' compiled
# -m32 guest when that could be built.
add_executable(rv_fuzz_seedgen_domcfg ${_dc_dir}/seedgen_domcfg.c ${PROJECT_SOURCE_DIR}/tests/unit/kimgbuild.c)
target_include_directories(rv_fuzz_seedgen_domcfg PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
set(_dc_seed_cmds COMMAND rv_fuzz_seedgen_domcfg ${RV_SEEDS})
set(_dc_seed_deps rv_fuzz_seedgen_domcfg)
if(TARGET rv_kimg_guest)
    list(APPEND _dc_seed_cmds
         COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_BINARY_DIR}/tests/unit/kimg_guest.elf
                 ${CMAKE_BINARY_DIR}/tests/unit/kimg_guest.bin ${RV_SEEDS}/kimg/)
    list(APPEND _dc_seed_deps rv_kimg_guest)
endif()
add_custom_command(OUTPUT ${RV_SEEDS}/domcfg.stamp
    ${_dc_seed_cmds}
    COMMAND ${CMAKE_COMMAND} -E touch ${RV_SEEDS}/domcfg.stamp
    DEPENDS ${_dc_seed_deps}
    COMMENT "Generating fuzz seed corpora for fuzz_domcfg and fuzz_kimg")

set(_dc_outputs ${RV_SEEDS}/domcfg.stamp)
foreach(f fuzz_domcfg fuzz_kimg)
    set(out ${CMAKE_CURRENT_BINARY_DIR}/${f})
    add_custom_command(OUTPUT ${out}
        COMMAND ${RV_CLANG} ${RV_FUZZ_FLAGS} ${_dc_dir}/${f}.c ${${f}_SOURCES} -o ${out}
        DEPENDS ${_dc_dir}/${f}.c ${${f}_SOURCES} ${_dc_headers}
        COMMENT "Building fuzzer ${f} with ${RV_CLANG}"
        VERBATIM)
    list(APPEND _dc_outputs ${out})
    file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/${f})
    string(REPLACE "fuzz_" "" _seeds ${f})
    add_test(NAME ${f}
        COMMAND ${out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
                -max_len=${${f}_MAXLEN} -print_final_stats=1 ${${f}_EXTRA}
                -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/${f}-
                ${CMAKE_CURRENT_BINARY_DIR}/corpus/${f} ${RV_SEEDS}/${_seeds})
    set_tests_properties(${f} PROPERTIES LABELS fuzz TIMEOUT 300)
endforeach()
add_custom_target(rv_fuzzers_domcfg ALL DEPENDS ${_dc_outputs})
