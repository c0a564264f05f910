# Host unit test of grant tables v1 (src/gnttab/*.c) over the fake frame
# table, p2m, domains and guest memory of gnttab_stubs/ (stand-in headers
# found before src/).  Included at the end of tests/unit/CMakeLists.txt.
set(_gt_dir ${CMAKE_CURRENT_LIST_DIR})
add_executable(unit_gnttab ${_gt_dir}/test_gnttab.c ${_gt_dir}/gnttab_stubs/gnttab_fake.c
               ${RV_UNIT_SRC}/gnttab/gnttab.c ${RV_UNIT_SRC}/gnttab/gnttab_map.c)
target_include_directories(unit_gnttab BEFORE PRIVATE ${_gt_dir}/gnttab_stubs)
target_include_directories(unit_gnttab PRIVATE ${RV_UNIT_SRC} ${PROJECT_SOURCE_DIR}/include ${_gt_dir})
target_compile_definitions(unit_gnttab PRIVATE RV_HOST_BUILD RV_GNTTAB_TEST_HOOKS)
target_compile_options(unit_gnttab PRIVATE ${RV_UNIT_CFLAGS})
target_link_options(unit_gnttab PRIVATE ${RV_UNIT_SANITIZE})
add_test(NAME unit_gnttab COMMAND unit_gnttab)
set_tests_properties(unit_gnttab PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
