# Host unit test of the event channels (src/evtchn/*.c), compiled against the
# stand-ins in evtchn_stubs/ (found before src/): a thread-safe host spinlock,
# the C library's heap with failure injection, and the fake domains, guest
# RAM, argument buffer and upcall recorder of evtchn_fake.c.  Included at the
# end of tests/unit/CMakeLists.txt (RV_UNIT_SRC, RV_UNIT_CFLAGS, RV_UNIT_SANITIZE).
set(_ev_dir ${CMAKE_CURRENT_LIST_DIR})
file(GLOB _ev_src CONFIGURE_DEPENDS ${RV_UNIT_SRC}/evtchn/*.c)
add_executable(unit_evtchn ${_ev_dir}/test_evtchn.c ${_ev_dir}/evtchn_stubs/evtchn_fake.c ${_ev_src})
target_include_directories(unit_evtchn BEFORE PRIVATE ${_ev_dir}/evtchn_stubs)
target_include_directories(unit_evtchn PRIVATE ${RV_UNIT_SRC} ${PROJECT_SOURCE_DIR}/include ${_ev_dir})
target_compile_definitions(unit_evtchn PRIVATE RV_HOST_BUILD)
target_compile_options(unit_evtchn PRIVATE ${RV_UNIT_CFLAGS} -pthread)
target_link_options(unit_evtchn PRIVATE ${RV_UNIT_SANITIZE} -pthread)
add_test(NAME unit_evtchn COMMAND unit_evtchn)
# 300 s: test_concurrent_send waits for a loaded machine as long as it
# makes progress (it stops after 30 s without any).
set_tests_properties(unit_evtchn PROPERTIES LABELS unit TIMEOUT 300
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
