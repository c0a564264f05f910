# libFuzzer harness of xenstored's request handling (tools/xenstored/):
# framed requests and raw bytes from dom0 and two quota-limited domains,
# replies checked, accounting recounted, no leaks.  Included at the end of
# tests/fuzz/CMakeLists.txt (RV_CLANG, RV_FUZZ_FLAGS, RV_FUZZ_SECONDS).
# Seeds: a few request sequences written at configure time ('txnrm' leaves
# two transactions open that removed live subtrees, for the view recount).
find_package(Python3 COMPONENTS Interpreter REQUIRED)
set(_xf_seeds ${CMAKE_CURRENT_BINARY_DIR}/seeds/xenstored)
file(MAKE_DIRECTORY ${_xf_seeds})
execute_process(COMMAND ${Python3_EXECUTABLE} -c "
import struct, sys
d = sys.argv[1]
def step(sel, typ, tx, *args, raw=None):
    p = raw if raw is not None else b''.join(a.encode() + b'\\0' for a in args)
    return bytes([sel, typ, tx, len(p)]) + p
seeds = {
 'rw': step(0, 11, 0, raw=b'/local/domain/5\\0') + step(0, 14, 0, '/local/domain/5', 'n5')
       + step(1, 11, 0, raw=b'data/x\\0v') + step(1, 2, 0, 'data/x') + step(2, 2, 0, '/local/domain/5/data/x')
       + step(1, 1, 0, '/local/domain/5') + step(1, 3, 0, 'data/x') + step(1, 13, 0, 'data'),
 'watch': step(0, 4, 0, '/a', 't') + step(1, 4, 0, 'dev', 'r') + step(0, 11, 0, raw=b'/a/b\\0x')
       + step(0, 13, 0, '/a') + step(0, 5, 0, '/a', 't') + step(1, 4, 0, '@releaseDomain', 'q') + step(1, 21, 0, ''),
 'txn': step(1, 6, 0, '') + step(1, 11, 1, raw=b'k\\0v') + step(0, 11, 0, raw=b'/local/domain/5/k\\0w')
       + step(1, 7, 1, 'T') + step(2, 6, 0, '') + step(2, 12, 1, 'a/b') + step(2, 7, 1, 'F'),
 'txnrm': step(0, 11, 0, raw=b'/a/b/c\\0v') + step(0, 11, 0, raw=b'/a/b/d\\0v') + step(0, 11, 0, raw=b'/a/e\\0v')
       + step(0, 6, 0, '') + step(0, 13, 1, '/a/b') + step(0, 11, 1, raw=b'/a/b/z\\0w') + step(0, 1, 1, '/a')
       + step(0, 11, 0, raw=b'/local/domain/5\\0') + step(0, 14, 0, '/local/domain/5', 'n5')
       + step(1, 11, 0, raw=b'd/x/y\\0v') + step(1, 6, 0, '') + step(1, 13, 1, 'd') + step(1, 1, 1, ''),
 'raw': step(0x81, 0, 0, raw=struct.pack('<IIII', 2, 1, 0, 5000)) + step(0x80, 0, 0, raw=struct.pack('<IIII', 2, 1, 0, 3)[:9]),
 'ring': step(0x40, 0, 0, raw=struct.pack('<IIII', 11, 1, 0, 6) + b'a\\0bcde')
       + step(0x40, 2, 0, raw=b'') + step(0x40, 1, 1, raw=struct.pack('<I', 5000))
       + step(0x40, 0, 0, raw=struct.pack('<IIII', 2, 2, 0, 2) + b'a\\0'),
 'dom': step(0, 10, 0, '5') + step(0, 17, 0, '5') + step(0, 8, 0, '5', '123', '1') + step(0, 22, 0, '/', '0')
       + step(0, 0, 0, 'print', 'x') + step(1, 9, 0, '5'),
}
for name, data in seeds.items():
    open(d + '/seed_' + name, 'wb').write(data)
" ${_xf_seeds} RESULT_VARIABLE _xf_rc)
if(NOT _xf_rc EQUAL 0)
    message(FATAL_ERROR "xenstored fuzz seeds: generator failed")
endif()

set(_xf_src ${XSD_CORE_SOURCES})
file(GLOB _xf_headers CONFIGURE_DEPENDS ${XSD_DIR}/*.h)
set(out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_xenstored)
add_custom_command(OUTPUT ${out}
    COMMAND ${RV_CLANG} ${RV_FUZZ_FLAGS} -D_GNU_SOURCE -I${XSD_DIR}
            ${CMAKE_CURRENT_LIST_DIR}/fuzz_xenstored.c ${_xf_src} -o ${out}
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_xenstored.c ${_xf_src} ${_xf_headers}
    COMMENT "Building fuzzer fuzz_xenstored with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_xenstored ALL DEPENDS ${out})
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_xenstored)
add_test(NAME fuzz_xenstored
    COMMAND ${out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=4096 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_xenstored-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_xenstored ${_xf_seeds})
set_tests_properties(fuzz_xenstored PROPERTIES LABELS "fuzz;xenstore" TIMEOUT 300)
