# The guest-state checkers (src/svm/svm_check.c, src/vmx/vmx_check.c): pure
# functions over a VMCB copy / VMCS snapshot, host-built with the sanitizers.
add_executable(unit_vmstate ${CMAKE_CURRENT_LIST_DIR}/test_vmstate.c ${RV_UNIT_SRC}/svm/svm_check.c
               ${RV_UNIT_SRC}/vmx/vmx_check.c)
target_link_libraries(unit_vmstate PRIVATE rv_unit_pure)
add_test(NAME unit_vmstate COMMAND unit_vmstate)
set_tests_properties(unit_vmstate PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
