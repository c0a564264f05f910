# libFuzzer harness of the event channels (src/evtchn/): random operation
# sequences on three fake domains with invariants checked after each step.
# Included at the end of tests/fuzz/CMakeLists.txt, after its clang/libFuzzer
# checks; uses RV_CLANG, RV_FUZZ_FLAGS, RV_FUZZ_SECONDS and S.  Built against
# the unit test's stand-in headers and fakes (tests/unit/evtchn_stubs/).
# Seeds: a few hand-made operation sequences written at configure time.

set(_ev_stubs ${PROJECT_SOURCE_DIR}/tests/unit/evtchn_stubs)
file(GLOB _ev_src CONFIGURE_DEPENDS ${S}/evtchn/*.c)
file(GLOB _ev_headers CONFIGURE_DEPENDS ${S}/evtchn/*.h ${_ev_stubs}/*.h ${_ev_stubs}/*/*.h)
set(_ev_seeds ${CMAKE_CURRENT_BINARY_DIR}/seeds/evtchn)
file(MAKE_DIRECTORY ${_ev_seeds})
# 8 bytes per op: dom|vcpu<<4, cmd, a (le16), b (le16), dom selector, extra.
# alloc_unbound for dom 2 + bind from 2 + sends; FIFO set-up + sends; virqs + destroy.
foreach(seed
        "00060000000001010101010000000101000400010000000001040200000000000004000000000000"
        "000b000000000000000c000000000001000701000000000000040100000000000004010000000000"
        "00010000010000000020000000000000004000000200000000ff00000000000000060000000001010")
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" _esc "${seed}")
    string(SUBSTRING "${seed}" 0 16 _name)
    execute_process(COMMAND printf "${_esc}" OUTPUT_FILE ${_ev_seeds}/seed_${_name})
endforeach()

set(out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_evtchn)
add_custom_command(OUTPUT ${out}
    COMMAND ${RV_CLANG} -I${_ev_stubs} ${RV_FUZZ_FLAGS} ${CMAKE_CURRENT_LIST_DIR}/fuzz_evtchn.c
            ${_ev_stubs}/evtchn_fake.c ${_ev_src} -o ${out}
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/fuzz_evtchn.c ${_ev_stubs}/evtchn_fake.c ${_ev_src} ${_ev_headers}
    COMMENT "Building fuzzer fuzz_evtchn with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_evtchn ALL DEPENDS ${out})
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_evtchn)
add_test(NAME fuzz_evtchn
    COMMAND ${out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=512 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_evtchn-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_evtchn ${_ev_seeds})
set_tests_properties(fuzz_evtchn PROPERTIES LABELS fuzz TIMEOUT 300)
