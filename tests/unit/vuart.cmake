# The 16550A register model of the domains' UART (src/hvm/vuart_model.c).
# Included at the end of tests/unit/CMakeLists.txt (rv_unit_pure, RV_UNIT_SRC).
add_executable(unit_vuart ${CMAKE_CURRENT_LIST_DIR}/test_vuart.c ${RV_UNIT_SRC}/hvm/vuart_model.c)
target_link_libraries(unit_vuart PRIVATE rv_unit_pure)
add_test(NAME unit_vuart COMMAND unit_vuart)
set_tests_properties(unit_vuart PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
