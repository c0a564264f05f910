# Event-channel round trips (docs/event-channels.md "Latency").
# Included by CMakeLists.txt here (uses RV_GUESTS_DIR, RV_ELF).
#
#   evtchn_exits_qemu   the PVH benchmark pair, same-CPU and cross-CPU, by
#                       SCHEDOP_poll and by upcall in HLT: exits per round
#                       trip (counts, not times) stay under a bound
add_test(NAME evtchn_exits_qemu
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_evtchn_exits.py ${CMAKE_BINARY_DIR} 2000)
set_tests_properties(evtchn_exits_qemu PROPERTIES
    LABELS "integration;qemu;pvh;evtchn" TIMEOUT 300 RUN_SERIAL TRUE
    REQUIRED_FILES "${RV_ELF};${RV_GUESTS_DIR}/pvh_bench_a.elf;${RV_GUESTS_DIR}/pvh_bench_b.elf")

# The exit path's code and data stay on few pages (tests/integration/
# test_hot_path.py; docs/event-channels.md "Pages touched per exit"): reads
# ringvisor.elf's symbols, boots nothing.
add_test(NAME hot_path_layout
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_hot_path.py ${CMAKE_BINARY_DIR})
set_tests_properties(hot_path_layout PROPERTIES LABELS "unit;evtchn" TIMEOUT 60
                     REQUIRED_FILES ${RV_ELF})
