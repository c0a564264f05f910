# libFuzzer harness of the PV emulation's pure parts (src/pv/pv_insn.c and
# src/pv/pv_ptwr.c over the emulator core).  Included at the end of
# tests/fuzz/CMakeLists.txt; uses its RV_CLANG, RV_FUZZ_FLAGS, RV_FUZZ_SECONDS and S.
set(_pe_sources ${CMAKE_CURRENT_LIST_DIR}/fuzz_pv_emul.c ${S}/pv/pv_insn.c ${S}/pv/pv_ptwr.c
    ${S}/hvm/emulate/decode.c ${S}/hvm/emulate/access.c ${S}/hvm/emulate/exec.c ${S}/hvm/emulate/exec_event.c
    ${S}/hvm/emulate/exec_sys.c ${S}/hvm/emulate/exec_flow.c ${S}/hvm/emulate/exec_arith.c ${S}/hvm/emulate/string.c ${S}/hvm/emulate/alu.c ${S}/lib/fmt.c)
set(_pe_headers ${S}/pv/pv_insn.h ${S}/pv/pv_ptwr.h ${S}/pv/pv_emul.h ${S}/hvm/emulate/x86_emulate.h
    ${S}/hvm/emulate/emul_priv.h)
# Seeds: the write forms of the unit test (MOV, MOV imm, XCHG, LOCK CMPXCHG,
# REP STOSQ) and some privileged instructions, each padded to 49 bytes.
set(_pe_seeds ${CMAKE_CURRENT_BINARY_DIR}/seeds/pv_emul)
file(MAKE_DIRECTORY ${_pe_seeds})
foreach(s "\\x48\\x89\\x07" "\\x48\\xc7\\x07\\x00\\x00\\x00\\x00" "\\x48\\x87\\x07" "\\xf0\\x48\\x0f\\xb1\\x0f"
          "\\xf3\\x48\\xab" "\\x0f\\x0b\\x78\\x65\\x6e\\x0f\\xa2" "\\xf3\\x66\\x6f" "\\x44\\x0f\\x22\\xc0")
    string(MD5 _h "${s}")
    execute_process(COMMAND printf "${s}\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000"
                    OUTPUT_FILE ${_pe_seeds}/${_h})
endforeach()
set(_out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_pv_emul)
add_custom_command(OUTPUT ${_out}
    COMMAND ${RV_CLANG} ${RV_FUZZ_FLAGS} ${_pe_sources} -o ${_out}
    DEPENDS ${_pe_sources} ${_pe_headers}
    COMMENT "Building fuzzer fuzz_pv_emul with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_pv_emul ALL DEPENDS ${_out})
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_pv_emul)
add_test(NAME fuzz_pv_emul
    COMMAND ${_out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=256 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_pv_emul-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_pv_emul ${_pe_seeds})
set_tests_properties(fuzz_pv_emul PROPERTIES LABELS fuzz TIMEOUT 300)
