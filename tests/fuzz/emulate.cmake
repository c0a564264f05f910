# libFuzzer harness of the instruction emulator core (src/hvm/emulate/):
# guest state plus instruction bytes.  Included at the end of
# tests/fuzz/CMakeLists.txt, after its clang/libFuzzer checks; uses its
# RV_CLANG, RV_FUZZ_FLAGS, RV_FUZZ_SECONDS, RV_FUZZ_HEADERS and S.  No seed
# generator: the seeds are a few hand-made encodings written at configure
# time (state bytes, then the instruction).

set(_em_dir ${CMAKE_CURRENT_LIST_DIR})
set(fuzz_emulate_SOURCES ${S}/hvm/emulate/decode.c ${S}/hvm/emulate/access.c ${S}/hvm/emulate/exec.c
    ${S}/hvm/emulate/exec_event.c ${S}/hvm/emulate/exec_sys.c ${S}/hvm/emulate/exec_flow.c ${S}/hvm/emulate/exec_arith.c ${S}/hvm/emulate/string.c ${S}/hvm/emulate/alu.c
    ${S}/lib/fmt.c)
file(GLOB _em_headers CONFIGURE_DEPENDS ${S}/hvm/emulate/*.h ${S}/hvm/regs.h)

set(_em_seeds ${CMAKE_CURRENT_BINARY_DIR}/seeds/emulate)
file(MAKE_DIRECTORY ${_em_seeds})
# 2 bytes cfg (mode 3 = 64-bit), 2 bytes flags, 32 bytes registers, 6 segment bytes, code.
set(_em_state "03000000000000000000000000000000000000000000000000000000000000000000000000000000")
foreach(code "8903" "f3a4" "f3ab" "480fc70f" "0fab0b" "f0ff03" "678803" "66c7033412" "8f442400"
             "f2ae" "0fb10b" "d93b")
    string(SUBSTRING "${_em_state}" 0 84 _st)
    file(WRITE ${_em_seeds}/seed_${code}.hex "${_st}${code}")
    # CMake cannot write binary directly; the hex is turned into bytes below.
endforeach()
# Real mode (cfg 0): PUSHA/POPA, ENTER/LEAVE, shifts, MUL/DIV/IDIV, BCD,
# LES/LDS, IMUL forms, STI and MOV SS (exec_arith.c, exec_flow.c).
foreach(code "60" "6661" "c8080001" "c9" "d3e0" "c0c804" "d1f8" "f7f3" "f6fb" "66f7e3" "27" "2f" "37"
             "d40a" "d50a" "c43e6000" "c53e6000" "0fafc3" "6bc3fd" "69c30010" "fb" "8ed0")
    string(SUBSTRING "${_em_state}" 4 80 _st)
    file(WRITE ${_em_seeds}/seed_rm_${code}.hex "0000${_st}${code}")
endforeach()
file(GLOB _em_hex ${_em_seeds}/*.hex)
foreach(h ${_em_hex})
    file(READ ${h} _hex)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" _esc "${_hex}")
    get_filename_component(_name ${h} NAME_WE)
    # printf(1) turns the \xNN escapes into bytes.
    execute_process(COMMAND printf "${_esc}" OUTPUT_FILE ${_em_seeds}/${_name})
    file(REMOVE ${h})
endforeach()

set(out ${CMAKE_CURRENT_BINARY_DIR}/fuzz_emulate)
add_custom_command(OUTPUT ${out}
    COMMAND ${RV_CLANG} ${RV_FUZZ_FLAGS} ${_em_dir}/fuzz_emulate.c ${fuzz_emulate_SOURCES} -o ${out}
    DEPENDS ${_em_dir}/fuzz_emulate.c ${fuzz_emulate_SOURCES} ${_em_headers} ${RV_FUZZ_HEADERS}
    COMMENT "Building fuzzer fuzz_emulate with ${RV_CLANG}"
    VERBATIM)
add_custom_target(rv_fuzzers_emulate ALL DEPENDS ${out})
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_emulate)
add_test(NAME fuzz_emulate
    COMMAND ${out} -max_total_time=${RV_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
            -max_len=128 -print_final_stats=1
            -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/artifacts/fuzz_emulate-
            ${CMAKE_CURRENT_BINARY_DIR}/corpus/fuzz_emulate ${_em_seeds})
set_tests_properties(fuzz_emulate PROPERTIES LABELS fuzz TIMEOUT 300)
