# 32-bit PV test kernels (tests/guests/pv32, docs/pv.md "Ring 1 and
# compat"): ELF32 images linked at VIRT_BASE 0xc0000000 + 1 MiB with the Xen
# notes and PAE_MODE "yes", running in ring 1 of a compatibility-mode code
# segment; their own small library (pv32_lib.c), hypercalls by INT $0x82.
#
#   ctest -L pv32
#
# pv32_guests_build() is called at the end of pv_guests_build()
# (list-pv.cmake).

set(GUESTS_PV32 pv32_hello)

function(pv32_guests_build)
    set(P ${G}/pv32)
    set(D ${GB}/objpv32)
    file(MAKE_DIRECTORY ${D})
    set(flags ${GUEST_CFLAGS_32})
    add_custom_command(
        OUTPUT ${D}/pv32_entry.o
        COMMAND ${GUEST_GCC} ${flags} -c ${P}/pv32_entry.S -o ${D}/pv32_entry.o
        DEPENDS ${P}/pv32_entry.S
        COMMENT "Building 32-bit PV guest object tests/guests/pv32/pv32_entry.S"
        VERBATIM)
    add_custom_command(
        OUTPUT ${D}/pv32_lib.o
        COMMAND ${GUEST_GCC} ${flags} -MD -MF ${D}/pv32_lib.o.d -c ${P}/pv32_lib.c -o ${D}/pv32_lib.o
        DEPENDS ${P}/pv32_lib.c ${P}/pv32_lib.h
        DEPFILE ${D}/pv32_lib.o.d
        COMMENT "Building 32-bit PV guest object tests/guests/pv32/pv32_lib.c"
        VERBATIM)
    foreach(t ${GUESTS_PV32})
        add_custom_command(
            OUTPUT ${D}/${t}.o
            COMMAND ${GUEST_GCC} ${flags} -MD -MF ${D}/${t}.o.d -c ${P}/${t}.c -o ${D}/${t}.o
            DEPENDS ${P}/${t}.c
            DEPFILE ${D}/${t}.o.d
            COMMENT "Building 32-bit PV guest object tests/guests/pv32/${t}.c"
            VERBATIM)
        add_custom_command(
            OUTPUT ${GO}/${t}.elf
            COMMAND ${GUEST_LD} -m elf_i386 ${GUEST_LDFLAGS} -T ${P}/pv32_link.ld -o ${GO}/${t}.elf
                    ${D}/pv32_entry.o ${D}/${t}.o ${D}/pv32_lib.o
            DEPENDS ${D}/pv32_entry.o ${D}/${t}.o ${D}/pv32_lib.o ${P}/pv32_link.ld
            COMMENT "Linking 32-bit PV guest ${t}.elf"
            VERBATIM)
        configure_file(${P}/${t}.cfg ${GO}/${t}.cfg COPYONLY)
        if(t STREQUAL pv32_hello)
            configure_file(${P}/pv32_badiret.cfg ${GO}/pv32_badiret.cfg COPYONLY)
        endif()
        list(APPEND GUEST_ELFS ${GO}/${t}.elf)
    endforeach()
    set(GUEST_ELFS ${GUEST_ELFS} PARENT_SCOPE)

    # pv32_hello: every check passes, the domain powers off, the vCPU line
    # counts the INT $0x82 hypercalls, every frame returns; next to it
    # pv32_badiret (an iret to ring 0) crashes with its line.
    add_test(NAME pv32_hello
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv32_hello: pv32_hello: ring 0x1, start_info xen-3.0-x86_32p$"
                     --stdout "^pv32_hello: PASS start-info-magic$"
                     --stdout "^pv32_hello: PASS ring1-selectors$"
                     --stdout "^pv32_hello: PASS start-info-cmdline-console$"
                     --stdout "^pv32_hello: PASS xen-version-via-page$"
                     --stdout "^pv32_hello: PASS set-segment-base-enosys$"
                     --stdout "^pv32_hello: PASS bp-frame-eip$"
                     --stdout "^pv32_hello: PASS bp-frame-cs-mask$"
                     --stdout "^pv32_hello: PASS pf-frame-err$"
                     --stdout "^pv32_hello: PASS pf-cr2-compat-vcpu-info$"
                     --stdout "^pv32_hello: PASS compat-m2p-inverse-of-p2m$"
                     --stdout "^pv32_hello: PASS compat-m2p-write-faults$"
                     --stdout "^pv32_hello: PASS hv-l2-slot-refused$"
                     --stdout "^pv32_hello: PASS int80-trap-table$"
                     --stdout "^pv32_hello: PASS dpl0-data-selector-gp$"
                     --stdout "^pv32_hello: PASS far-call-hv-cs-gp$"
                     --stdout "^pv32_hello: PASS sysenter-faults$"
                     --stdout "^pv32_hello: PASS update-descriptor-refused$"
                     --stdout "^pv32_hello: PASS user-int80-to-kernel-and-back$"
                     --stdout "^pv32_hello: PASS user-int82-gp$"
                     --stdout "^pv32_hello: PASS user-frame-esp-ss$"
                     --stdout "^pv32_hello: PASS pin-l1-compat-mmuext$"
                     --stdout "^pv32_hello: PASS mmu-update-l1-entry$"
                     --stdout "^pv32_hello: PASS writable-table-mapping-refused$"
                     --stdout "^pv32_hello: PASS l3-entry-pdpte-bits$"
                     --stdout "^pv32_hello: PASS l3-entry-4-refused$"
                     --stdout "^pv32_hello: PASS unpin-l1$"
                     --stdout "^pv32_hello: PASS new-baseptr-same-l3$"
                     --stdout "^pv32_hello: PASS multicall-compat-entries$"
                     --stdout "^pv32_hello: pv32_hello: from a multicall$"
                     --stdout "^pv32_hello: PASS timer-virq-upcall$"
                     --stdout "^pv32_hello: PASS upcall-frame-cs$"
                     --stdout "^pv32_hello: PASS vcpu1-initialise-compat-context$"
                     --stdout "^pv32_hello: PASS vcpu1-ran-ring1$"
                     --stdout "^pv32_hello: PASS vcpu1-bp-through-its-trap-table$"
                     --stdout "^pv32_hello: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^\\(d[0-9]+ pv32_hello\\) v0: pv32: [1-9][0-9]* hypercalls through int \\$0x82"
                     --stdout "^\\(d[0-9]+ pv32_badiret\\) crash: v0: pv32: iret to cs 0xe018 eip 0x[0-9a-f]+ ss 0xe021 esp 0x[0-9a-f]+ refused: bad code selector$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv32_hello.cfg ${GO}/pv32_badiret.cfg)
    set_tests_properties(pv32_hello PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_hello.elf")
    # A host running 32-bit PV, 64-bit PV (pv_bench: its hypercall round
    # trip next to pv32_hello's), PVH and HVM domains at once, on 2 CPUs.
    add_test(NAME pv32_mixed
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv32_hello: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^pv32_hello: pv32 bench: hypercall round trip: [0-9]+ ns \\([1-9][0-9]* TSC ticks\\)$"
                     --stdout "^pv_bench: pv bench: hypercall round trip: [1-9][0-9]* ns"
                     --stdout "all domains stopped: 4 powered off, 0 crashed; frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv32_hello.cfg ${GO}/pv_bench.cfg
                        ${GO}/pvh32_pae.cfg ${GO}/long64.cfg)
    set_tests_properties(pv32_mixed PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_hello.elf;${GO}/pv_bench.elf;${GO}/pvh32_pae.elf;${GO}/long64.elf")
    # The same on Intel VMX and AMD SVM CPUs (Bochs): SYSENTER from
    # compatibility mode differs (Intel: #GP with SYSENTER_CS 0; AMD: #UD).
    foreach(model corei7_skylake_x ryzen)
        guest_rv_test(pv32_bochs_${model} TIMEOUT 900 LABELS integration bochs pv pv32
                      REQUIRES ${CMAKE_BINARY_DIR}/ringvisor.iso ${GO}/pv32_hello.elf ${GO}/long64.elf
                      ARGS --bochs ${model} --smp 2 --mem 1G ${GO}/pv32_hello.cfg ${GO}/pv32_badiret.cfg
                           ${GO}/long64.cfg)
    endforeach()
endfunction()
