# rv's command line on the build host (tools/rv): help, `create -n` with
# file:line messages, and the one-line refusal without a privcmd device.
if(TARGET rv)
    add_test(NAME rv_cli COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/rv_cli.sh $<TARGET_FILE:rv>
             ${CMAKE_CURRENT_BINARY_DIR}/rv_cli ${CMAKE_BINARY_DIR}/guests ${CMAKE_BINARY_DIR}/linux)
    set_tests_properties(rv_cli PROPERTIES LABELS "unit;dom0" TIMEOUT 60
                         PASS_REGULAR_EXPRESSION "rv_cli: all passed" FAIL_REGULAR_EXPRESSION "FAIL ")
endif()

# rv's xenstore side (tools/rv/rv_xs.c, rv_domu.c) against our xenstored on a
# temporary socket: the entries rv create writes, their owners, names, removal.
if(TARGET ringctl)
    add_executable(unit_rv_xs ${CMAKE_CURRENT_LIST_DIR}/test_rv_xs.c ${PROJECT_SOURCE_DIR}/tools/rv/rv_xs.c
                   ${PROJECT_SOURCE_DIR}/tools/rv/rv_domu.c)
    target_include_directories(unit_rv_xs PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR}/tools/rv
                               ${PROJECT_SOURCE_DIR}/tools/xenstored ${PROJECT_SOURCE_DIR}/include)
    target_compile_definitions(unit_rv_xs PRIVATE _GNU_SOURCE)
    target_compile_options(unit_rv_xs PRIVATE -O1 -g -Wall -Wextra -Werror -Wno-format-truncation)
    target_link_libraries(unit_rv_xs PRIVATE ringctl)
    add_test(NAME unit_rv_xs COMMAND unit_rv_xs $<TARGET_FILE:xenstored_asan>)
    set_tests_properties(unit_rv_xs PROPERTIES LABELS "unit;xenstore;dom0" TIMEOUT 60
        ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0")
endif()

# rv vcpu-pin's CPU lists (tools/rv/cpulist.c), pure code, with sanitizers.
add_executable(unit_cpulist ${CMAKE_CURRENT_LIST_DIR}/test_cpulist.c ${PROJECT_SOURCE_DIR}/tools/rv/cpulist.c)
target_include_directories(unit_cpulist PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${PROJECT_SOURCE_DIR}/tools/rv)
target_link_libraries(unit_cpulist PRIVATE rv_unit_pure)
add_test(NAME unit_cpulist COMMAND unit_cpulist)
set_tests_properties(unit_cpulist PROPERTIES LABELS "unit;dom0" TIMEOUT 60)
