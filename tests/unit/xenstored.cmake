# xenstored (tools/xenstored/): its core built again with the unit tests'
# sanitizers, driven in-process (unit_xenstored: store, permissions, watches,
# transactions, quotas, protocol; unit_xenstored_txn: transactions on an
# overlay of the store, their cost and a differential run against a whole
# copy; unit_xenstored_ring: a hostile domain on
# the shared-memory ring), and the daemon itself under ASan/UBSan run
# against Debian's xenstore-utils and a raw-protocol client
# (xenstored_clients, tests/unit/test_xenstored_clients.py).
# Included at the end of tests/unit/CMakeLists.txt.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
set(_xsd_env "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
add_library(xsd_core_asan STATIC ${XSD_CORE_SOURCES})
target_include_directories(xsd_core_asan PUBLIC ${XSD_DIR})
target_compile_definitions(xsd_core_asan PUBLIC _GNU_SOURCE)
target_compile_options(xsd_core_asan PUBLIC ${RV_UNIT_CFLAGS})
target_link_options(xsd_core_asan PUBLIC ${RV_UNIT_SANITIZE})

foreach(t xenstored xenstored_ring xenstored_txn)
    add_executable(unit_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c)
    target_include_directories(unit_${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
    target_link_libraries(unit_${t} PRIVATE xsd_core_asan)
    # Replies are copied into fixed test buffers on purpose (snprintf truncates).
    target_compile_options(unit_${t} PRIVATE -Wno-format-truncation)
    add_test(NAME unit_${t} COMMAND unit_${t})
    set_tests_properties(unit_${t} PROPERTIES LABELS "unit;xenstore" TIMEOUT 120
        ENVIRONMENT "${_xsd_env}")
endforeach()

add_executable(xenstored_asan ${XSD_DIR}/xenstored.c ${XSD_DIR}/xen_dev.c)
target_link_libraries(xenstored_asan PRIVATE xsd_core_asan ringctl)
add_test(NAME xenstored_clients
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_xenstored_clients.py
            $<TARGET_FILE:xenstored_asan>)
# 77: xenstore-utils not installed (tools/install-deps installs it).
set_tests_properties(xenstored_clients PROPERTIES LABELS xenstore TIMEOUT 120
    SKIP_RETURN_CODE 77 ENVIRONMENT "${_xsd_env}")
