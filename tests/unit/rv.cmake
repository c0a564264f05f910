# rv's command line on the build host (tools/rv): help, `create -n` with
# file:line messages, and the one-line refusal without a privcmd device.
if(TARGET rv)
    add_test(NAME rv_cli COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/rv_cli.sh $<TARGET_FILE:rv>
             ${CMAKE_CURRENT_BINARY_DIR}/rv_cli ${CMAKE_BINARY_DIR}/guests)
    set_tests_properties(rv_cli PROPERTIES LABELS "unit;dom0" TIMEOUT 60
                         PASS_REGULAR_EXPRESSION "rv_cli: all passed" FAIL_REGULAR_EXPRESSION "FAIL ")
endif()
