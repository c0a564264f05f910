# Host unit test of the hypercall table (src/core/hypercall.c) and the compat
# translation layer (src/core/compat/*.c), against the fake vCPU, guest
# memory and native handlers of compat_stubs/ (found before src/).  Included
# at the end of tests/unit/CMakeLists.txt.
set(_cp_dir ${CMAKE_CURRENT_LIST_DIR})
# The translation itself (shinfo.c needs the real domain and is covered by the guests).
set(_cp_src ${RV_UNIT_SRC}/core/compat/xlat.c ${RV_UNIT_SRC}/core/compat/compat_memory.c
    ${RV_UNIT_SRC}/core/compat/compat_gnttab.c ${RV_UNIT_SRC}/core/compat/compat_vcpu.c
    ${RV_UNIT_SRC}/core/compat/compat_physdev.c)
add_executable(unit_compat ${_cp_dir}/test_compat.c ${_cp_dir}/compat_stubs/compat_fake.c
               ${RV_UNIT_SRC}/core/hypercall.c ${_cp_src})
target_include_directories(unit_compat BEFORE PRIVATE ${_cp_dir}/compat_stubs)
target_include_directories(unit_compat PRIVATE ${RV_UNIT_SRC} ${PROJECT_SOURCE_DIR}/include ${_cp_dir})
target_compile_definitions(unit_compat PRIVATE RV_HOST_BUILD)
target_compile_options(unit_compat PRIVATE ${RV_UNIT_CFLAGS})
target_link_options(unit_compat PRIVATE ${RV_UNIT_SANITIZE})
add_test(NAME unit_compat COMMAND unit_compat)
set_tests_properties(unit_compat PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
