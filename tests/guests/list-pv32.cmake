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
list(APPEND GUESTS_PV32 pv32_desc)
list(APPEND GUESTS_PV32 pv32_priv)
list(APPEND GUESTS_PV32 pv32_compat)
list(APPEND GUESTS_PV32 pv32_sys)
list(APPEND GUESTS_PV32 pv32_vcpu)
list(APPEND GUESTS_PV32 pv32_ptwr)
list(APPEND GUESTS_PV32 pv32_physdev)
list(APPEND GUESTS_PV32 pv32_nmi)
list(APPEND GUESTS_PV32 pv32_exch)

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
        if(t STREQUAL pv32_sys)
            configure_file(${P}/pv32_sys_hvsel.cfg ${GO}/pv32_sys_hvsel.cfg COPYONLY)
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
                     --stdout "^pv32_hello: PASS machphys-mapping-compat$"
                     --stdout "^pv32_hello: PASS maximum-ram-page$"
                     --stdout "^pv32_hello: PASS machphys-mfn-list-4byte-entries$"
                     --stdout "^pv32_hello: PASS machphys-mfn-list-hv-frames$"
                     --stdout "^pv32_hello: PASS machphys-mfn-list-matches-window$"
                     --stdout "^pv32_hello: PASS machphys-mfn-list-max-extents$"
                     --stdout "^pv32_hello: PASS machphys-compat-mfn-list-same$"
                     --stdout "^pv32_hello: PASS machphys-mfn-list-ro-buffer-efault$"
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
    # pv32_desc: the guest's own GDT/LDT (32-bit set_gdt and
    # update_descriptor, compat descriptor rules, guest selectors in
    # frames, forged gates, M2P-based segments, the 32-bit failsafe frame).
    add_test(NAME pv32_desc
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv32_desc: PASS set-trap-table$"
                     --stdout "^pv32_desc: PASS set-callbacks$"
                     --stdout "^pv32_desc: PASS set-gdt-64bit-code-refused$"
                     --stdout "^pv32_desc: PASS set-gdt-32bit-frames$"
                     --stdout "^pv32_desc: PASS dpl0-data-raised-to-1$"
                     --stdout "^pv32_desc: PASS dpl0-code-raised-to-1$"
                     --stdout "^pv32_desc: PASS update-descriptor-dpl0-raised$"
                     --stdout "^pv32_desc: PASS update-descriptor-call-gate-refused$"
                     --stdout "^pv32_desc: PASS update-descriptor-64bit-code-refused$"
                     --stdout "^pv32_desc: PASS update-descriptor-tss-refused$"
                     --stdout "^pv32_desc: PASS update-descriptor-misaligned$"
                     --stdout "^pv32_desc: PASS load-guest-data-selectors$"
                     --stdout "^pv32_desc: PASS far-jump-guest-code-selector$"
                     --stdout "^pv32_desc: PASS hypercall-from-guest-cs$"
                     --stdout "^pv32_desc: PASS bp-frame-guest-cs$"
                     --stdout "^pv32_desc: PASS far-jump-back-flat$"
                     --stdout "^pv32_desc: PASS dpl0-code-runs-in-ring1$"
                     --stdout "^pv32_desc: PASS far-call-hv-cs-gp$"
                     --stdout "^pv32_desc: PASS m2p-segment-reads-m2p$"
                     --stdout "^pv32_desc: PASS m2p-segment-write-faults$"
                     --stdout "^pv32_desc: PASS ldt-in-hv-range-refused$"
                     --stdout "^pv32_desc: PASS ldt-reaching-hv-range-refused$"
                     --stdout "^pv32_desc: PASS set-ldt$"
                     --stdout "^pv32_desc: PASS far-call-forged-ldt-gate-gp$"
                     --stdout "^pv32_desc: PASS far-jump-ldt-64bit-code-gp$"
                     --stdout "^pv32_desc: PASS load-ldt-data-selector$"
                     --stdout "^pv32_desc: PASS ldt-m2p-segment-write-faults$"
                     --stdout "^pv32_desc: PASS failsafe-32bit-frame-ds-es$"
                     --stdout "^pv32_desc: PASS failsafe-handler-reloaded-es$"
                     --stdout "^pv32_desc: PASS failsafe-frame-cs$"
                     --stdout "^pv32_desc: PASS ldt-off$"
                     --stdout "^pv32_desc: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^\\(d[0-9]+ pv32_desc\\) v0: pv: segments: [0-9]+ loads, 1 failsafe callbacks"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv32_desc.cfg)
    set_tests_properties(pv32_desc PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_desc.elf")
    # pv32_priv: privileged instructions from ring 1 (the 64-bit emulation
    # with the compat rules).
    add_test(NAME pv32_priv
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv32_priv: PASS set-trap-table$"
                     --stdout "^pv32_priv: PASS set-callbacks$"
                     --stdout "^pv32_priv: PASS map-shared-info$"
                     --stdout "^pv32_priv: PASS forced-cpuid-xen-leaf$"
                     --stdout "^pv32_priv: PASS rdmsr-efer-lme-lma$"
                     --stdout "^pv32_priv: PASS rdmsr-pat$"
                     --stdout "^pv32_priv: PASS wrmsr-unknown-gp$"
                     --stdout "^pv32_priv: PASS mov-from-cr0$"
                     --stdout "^pv32_priv: PASS mov-from-cr3-x86-32-encoding$"
                     --stdout "^pv32_priv: PASS mov-to-cr0-ts$"
                     --stdout "^pv32_priv: PASS clts$"
                     --stdout "^pv32_priv: PASS mov-to-cr3-gp$"
                     --stdout "^pv32_priv: PASS cli-sti-upcall-mask$"
                     --stdout "^pv32_priv: PASS hlt-blocks-until-timer$"
                     --stdout "^pv32_priv: PASS in-without-iopl-gp$"
                     --stdout "^pv32_priv: PASS physdev-set-iopl$"
                     --stdout "^pv32_priv: PASS in-out-with-iopl$"
                     --stdout "^pv32_priv: PASS ins-emulated$"
                     --stdout "^pv32_priv: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv32_priv.cfg)
    set_tests_properties(pv32_priv PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_priv.elf")
    # pv32_ptwr: the writable-page-table assist from ring 1 (PAE halves by
    # 32-bit MOVs, CMPXCHG8B, hostile entries refused, Xen's high-half rule).
    add_test(NAME pv32_ptwr
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv32_ptwr: PASS set-trap-table$"
                     --stdout "^pv32_ptwr: PASS vm-assist-writable-pagetables$"
                     --stdout "^pv32_ptwr: PASS l1-pinned-and-hooked$"
                     --stdout "^pv32_ptwr: PASS ptwr32-two-movs$"
                     --stdout "^pv32_ptwr: PASS ptwr32-mapped-read$"
                     --stdout "^pv32_ptwr: PASS ptwr32-mapped-write$"
                     --stdout "^pv32_ptwr: PASS ptwr32-cmpxchg8b$"
                     --stdout "^pv32_ptwr: PASS ptwr32-cmpxchg8b-mapped-read$"
                     --stdout "^pv32_ptwr: PASS ptwr32-cmpxchg8b-unequal$"
                     --stdout "^pv32_ptwr: PASS ptwr32-read-only-mapping$"
                     --stdout "^pv32_ptwr: PASS ptwr32-writable-table-refused$"
                     --stdout "^pv32_ptwr: PASS ptwr32-writable-table-nothing-mapped$"
                     --stdout "^pv32_ptwr: PASS ptwr32-writable-l3-refused$"
                     --stdout "^pv32_ptwr: PASS ptwr32-foreign-frame-refused$"
                     --stdout "^pv32_ptwr: PASS ptwr32-foreign-nothing-mapped$"
                     --stdout "^pv32_ptwr: PASS ptwr32-high-half-first-not-present$"
                     --stdout "^pv32_ptwr: PASS ptwr32-high-half-unmapped$"
                     --stdout "^pv32_ptwr: PASS ptwr32-low-half-bad-entry-refused$"
                     --stdout "^pv32_ptwr: PASS ptwr32-halves-remap$"
                     --stdout "^pv32_ptwr: PASS ptwr32-remapped-read$"
                     --stdout "^pv32_ptwr: PASS set-gdt-fs-segment$"
                     --stdout "^pv32_ptwr: PASS ptwr32-fs-base-addr16$"
                     --stdout "^pv32_ptwr: PASS ptwr32-fs-base-mapped-read$"
                     --stdout "^pv32_ptwr: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "v0: pv: 0 privileged instructions emulated, 8 page-table writes emulated \\(4 refused, 0 continued\\)$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv32_ptwr.cfg)
    set_tests_properties(pv32_ptwr PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_ptwr.elf")
    # pv32_compat: truncated compat structures, 64-bit-only sub-ops, the
    # MULTI vcpumask as 32-bit words.
    add_test(NAME pv32_compat
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv32_compat: PASS unmap-page-after$"
                     --stdout "^pv32_compat: PASS mmuext-op-straddling-efault$"
                     --stdout "^pv32_compat: PASS mmu-update-straddling-efault$"
                     --stdout "^pv32_compat: PASS multicall-entry-straddling-efault$"
                     --stdout "^pv32_compat: PASS xen-version-extraversion-straddling-efault$"
                     --stdout "^pv32_compat: PASS bind-virq-straddling-efault$"
                     --stdout "^pv32_compat: PASS set-segment-base-enosys$"
                     --stdout "^pv32_compat: PASS new-user-baseptr-zero-einval$"
                     --stdout "^pv32_compat: PASS new-user-baseptr-l3-einval$"
                     --stdout "^pv32_compat: PASS multi-vcpumask-32bit-words$"
                     --stdout "^pv32_compat: PASS multi-vcpumask-unmapped-einval$"
                     --stdout "^pv32_compat: PASS callback-op-register-event$"
                     --stdout "^pv32_compat: PASS callback-op-syscall-einval$"
                     --stdout "^pv32_compat: PASS callback-op-hv-range-einval$"
                     --stdout "^pv32_compat: PASS callback-op-bad-cmd-enosys$"
                     --stdout "^pv32_compat: PASS callback-op-straddling-efault$"
                     --stdout "^pv32_compat: PASS callback-op-event-upcall$"
                     --stdout "^pv32_compat: PASS remap-and-continue$"
                     --stdout "^pv32_compat: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv32_compat.cfg)
    set_tests_properties(pv32_compat PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_compat.elf")
    # pv32_physdev: physdev_op through the compat table (compat_physdev.c):
    # set_iobitmap's 32-bit handle and IN/OUT from ring 1 allowed or
    # denied by it, bad structures -EFAULT, the pirq sub-ops routed.
    add_test(NAME pv32_physdev
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv32_physdev: PASS in-without-bitmap-gp$"
                     --stdout "^pv32_physdev: PASS set-iobitmap-compat$"
                     --stdout "^pv32_physdev: PASS iobitmap-allows-in$"
                     --stdout "^pv32_physdev: PASS iobitmap-allows-out$"
                     --stdout "^pv32_physdev: PASS iobitmap-denies-in$"
                     --stdout "^pv32_physdev: PASS iobitmap-denies-out$"
                     --stdout "^pv32_physdev: PASS iobitmap-word-reaching-denied-gp$"
                     --stdout "^pv32_physdev: PASS iobitmap-read-from-guest-memory$"
                     --stdout "^pv32_physdev: PASS iobitmap-beyond-nr-ports-gp$"
                     --stdout "^pv32_physdev: PASS set-iobitmap-nr-ports-einval$"
                     --stdout "^pv32_physdev: PASS set-iobitmap-unmapped-efault$"
                     --stdout "^pv32_physdev: PASS set-iobitmap-hv-range-efault$"
                     --stdout "^pv32_physdev: PASS set-iobitmap-straddling-efault$"
                     --stdout "^pv32_physdev: PASS iobitmap-kept-after-refusals$"
                     --stdout "^pv32_physdev: PASS set-iobitmap-zero-ports-denies$"
                     --stdout "^pv32_physdev: PASS set-iopl-passthrough$"
                     --stdout "^pv32_physdev: PASS physdev-pirq-ops-routed-eperm$"
                     --stdout "^pv32_physdev: PASS physdev-unknown-enosys$"
                     --stdout "^pv32_physdev: PASS physdev-eoi-gmfn-v1-enosys$"
                     --stdout "^pv32_physdev: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv32_physdev.cfg)
    set_tests_properties(pv32_physdev PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_physdev.elf")
    # pv32_nmi: the NMI callback and VCPUOP_send_nmi from ring 1 (pv_nmi.c).
    add_test(NAME pv32_nmi
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv32_nmi: PASS map-shared-info$"
                     --stdout "^pv32_nmi: PASS nmi-callback-hv-range-einval$"
                     --stdout "^pv32_nmi: PASS nmi-callback-register$"
                     --stdout "^pv32_nmi: PASS send-nmi-self$"
                     --stdout "^pv32_nmi: PASS nmi-delivered-twice$"
                     --stdout "^pv32_nmi: PASS nmi-frame-eip-after-hypercall$"
                     --stdout "^pv32_nmi: PASS nmi-frame-cs-ring1$"
                     --stdout "^pv32_nmi: PASS nmi-frame-eflags-if$"
                     --stdout "^pv32_nmi: PASS nmi-handler-events-masked$"
                     --stdout "^pv32_nmi: PASS second-nmi-held-until-iret$"
                     --stdout "^pv32_nmi: PASS second-nmi-after-iret$"
                     --stdout "^pv32_nmi: PASS events-unmasked-after-iret$"
                     --stdout "^pv32_nmi: PASS send-nmi-arg-einval$"
                     --stdout "^pv32_nmi: PASS nmi-callback-unregister$"
                     --stdout "^pv32_nmi: PASS nmi-without-callback-dropped$"
                     --stdout "^pv32_nmi: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv32_nmi.cfg)
    set_tests_properties(pv32_nmi PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_nmi.elf")
    # pv32_vcpu: VCPUOP_initialise for 32-bit vCPUs (pv32_smp.c): hostile
    # contexts refused with nothing changed, a vCPU on its own GDT/LDT with
    # the FPU image and debug registers given, a vCPU started in ring 3.
    add_test(NAME pv32_vcpu
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv32_vcpu: PASS gdt-frames-unmapped$"
                     --stdout "^pv32_vcpu: PASS gdt-frame-writable-refused$"
                     --stdout "^pv32_vcpu: PASS gdt-64bit-code-frame-refused$"
                     --stdout "^pv32_vcpu: PASS gdt-too-many-entries-refused$"
                     --stdout "^pv32_vcpu: PASS cs-data-descriptor-refused$"
                     --stdout "^pv32_vcpu: PASS refused-gdt-frame-released$"
                     --stdout "^pv32_vcpu: PASS cs-beyond-gdt-refused$"
                     --stdout "^pv32_vcpu: PASS ss-ring-mismatch-refused$"
                     --stdout "^pv32_vcpu: PASS cs-rpl2-refused$"
                     --stdout "^pv32_vcpu: PASS ldt-misaligned-refused$"
                     --stdout "^pv32_vcpu: PASS ldt-too-many-entries-refused$"
                     --stdout "^pv32_vcpu: PASS ldt-reaching-hv-range-refused$"
                     --stdout "^pv32_vcpu: PASS cs-ldt-data-descriptor-refused$"
                     --stdout "^pv32_vcpu: PASS ss-ldt-code-descriptor-refused$"
                     --stdout "^pv32_vcpu: PASS cs-ldt-64bit-code-refused$"
                     --stdout "^pv32_vcpu: PASS cs-ldt-dpl-mismatch-refused$"
                     --stdout "^pv32_vcpu: PASS cs-ldt-beyond-ents-refused$"
                     --stdout "^pv32_vcpu: PASS cs-ldt-page-unmapped-refused$"
                     --stdout "^pv32_vcpu: PASS dr7-general-detect-refused$"
                     --stdout "^pv32_vcpu: PASS dr7-io-breakpoint-refused$"
                     --stdout "^pv32_vcpu: PASS fpu-mxcsr-reserved-refused$"
                     --stdout "^pv32_vcpu: PASS vm-assist-unknown-type-refused$"
                     --stdout "^pv32_vcpu: PASS eip-hv-range-refused$"
                     --stdout "^pv32_vcpu: PASS refused-vcpu-stays-down$"
                     --stdout "^pv32_vcpu: PASS vcpu1-own-gdt-ldt-fpu-dr$"
                     --stdout "^pv32_vcpu: PASS vcpu1-guest-gdt-selectors$"
                     --stdout "^pv32_vcpu: PASS vcpu1-ldt-selector$"
                     --stdout "^pv32_vcpu: PASS vcpu1-fpu-image$"
                     --stdout "^pv32_vcpu: PASS vcpu1-debug-registers$"
                     --stdout "^pv32_vcpu: PASS vcpu2-user-pages$"
                     --stdout "^pv32_vcpu: PASS vcpu2-user-mode-context$"
                     --stdout "^pv32_vcpu: PASS vcpu2-started-in-ring3$"
                     --stdout "^pv32_vcpu: PASS vcpu2-int80-frame-from-ring3$"
                     --stdout "^pv32_vcpu: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv32_vcpu.cfg)
    set_tests_properties(pv32_vcpu PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_vcpu.elf")
    # pv32_sys: SYSENTER/SYSCALL from ring 3 as Xen delivers them (the
    # path depends on the CPU: the guest prints it and checks it against
    # the vendor), INS/OUTS/INVLPG from ring 1.  QEMU's TCG here, then
    # Bochs on an Intel and an AMD model.
    set(PV32_SYS_IO_CHECKS
        --stdout "^pv32_sys: PASS callback-op-register-sysenter$"
        --stdout "^pv32_sys: PASS callback-op-register-syscall32$"
        --stdout "^pv32_sys: PASS callback-op-sysenter-deprecated-einval$"
        --stdout "^pv32_sys: PASS callback-op-syscall32-hv-range-einval$"
        --stdout "^pv32_sys: PASS sysenter-path-matches-vendor$"
        --stdout "^pv32_sys: PASS syscall-path-matches-vendor$"
        --stdout "^pv32_sys: PASS callback-op-unregister-sysenter$"
        --stdout "^pv32_sys: PASS callback-op-unregister-syscall32$"
        --stdout "^pv32_sys: PASS insb-es-edi$"
        --stdout "^pv32_sys: PASS rep-insw$"
        --stdout "^pv32_sys: PASS rep-insb-df-down$"
        --stdout "^pv32_sys: PASS rep-outsl-3000-continued$"
        --stdout "^pv32_sys: PASS addr16-rep-insb-di-cx$"
        --stdout "^pv32_sys: PASS insb-es-base$"
        --stdout "^pv32_sys: PASS outsb-fs-override-read-only-seg$"
        --stdout "^pv32_sys: PASS insb-beyond-limit-gp$"
        --stdout "^pv32_sys: PASS insl-crossing-limit-gp$"
        --stdout "^pv32_sys: PASS insb-read-only-seg-gp$"
        --stdout "^pv32_sys: PASS insb-expand-down-above-limit$"
        --stdout "^pv32_sys: PASS insb-expand-down-below-limit-gp$"
        --stdout "^pv32_sys: PASS insb-unmapped-pf$"
        --stdout "^pv32_sys: PASS insb-hv-range-pf$"
        --stdout "^pv32_sys: PASS invlpg-forms-emulated$"
        --stdout "^pv32_sys: PASS fs-gs-descriptor-bases$"
        --stdout "^pv32_sys: PASS fs-gs-bases-kept-across-exits$"
        --stdout "^pv32_sys: PASS fs-base-after-reload-is-descriptors$"
        --stdout "^pv32_sys: PASS gs-base-after-reload-is-descriptors$"
        --stdout "^pv32_sys: PASS ldt-off$"
        --stdout "^pv32_sys: PASS trap-table-ldt-code-selector$"
        --stdout "^pv32_sys: PASS bp-handler-on-own-cs-rpl1$"
        --stdout "^pv32_sys: PASS stack-switch-and-sysenter-own-selectors$"
        --stdout "^pv32_sys: PASS (sysenter-callback-on-own-cs-ss|ud-from-ring3-on-own-ss)$"
        --stdout "^pv32_sys: PASS selectors-flat-again$"
        --stdout "^pv32_sys: 0x[0-9a-f]+ passed, 0x0 failed$"
        --stdout "^\\(d[0-9]+ pv32_sys\\) v0: pv: privileged instructions by kind:.* invlpg 6$"
        --stdout "^\\(d[0-9]+ pv32_sys\\) v0: pv: 32-bit user space: [0-9]+ SYSCALLs, [1-9][0-9]* SYSENTERs$"
        --stdout "frames all returned$")
    add_test(NAME pv32_sys
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     ${PV32_SYS_IO_CHECKS}
                     --stdout "^pv32_sys_hvsel: PASS trap-table-hv-selector-accepted$"
                     --stdout "^\\(d[0-9]+ pv32_sys_hvsel\\) crash: v0: pv32: cannot return to cs 0xe009 eip 0x[0-9a-f]+ ss 0xe021 esp 0x[0-9a-f]+: bad code selector$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv32_sys.cfg ${GO}/pv32_sys_hvsel.cfg)
    set_tests_properties(pv32_sys PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_sys.elf")
    # On Bochs the paths are the vendor's: Intel's SYSENTER reaches the
    # sysenter callback and its compatibility-mode SYSCALL is a #UD; the
    # AMD model's SYSCALL reaches the syscall32 callback (Bochs, like QEMU's
    # TCG, lets an AMD SYSENTER fault with #GP(0) instead of AMD's #UD: the
    # guest accepts either there).
    foreach(model corei7_skylake_x ryzen)
        if(model STREQUAL ryzen)
            set(path_checks --stdout "^pv32_sys: pv32_sys: vendor amd$"
                            --stdout "^pv32_sys: pv32_sys: path syscall callback$"
                            --stdout "^pv32_sys: pv32_sys: path syscall-unregistered gp$")
        else()
            set(path_checks --stdout "^pv32_sys: pv32_sys: vendor intel$"
                            --stdout "^pv32_sys: pv32_sys: path sysenter callback$"
                            --stdout "^pv32_sys: pv32_sys: path sysenter-unregistered gp$"
                            --stdout "^pv32_sys: pv32_sys: path syscall ud$")
        endif()
        add_test(NAME pv32_sys_bochs_${model}
                 COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                         ${PV32_SYS_IO_CHECKS} ${path_checks}
                         -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                            --timeout 600 --bochs ${model} --smp 1 --mem 512M ${GO}/pv32_sys.cfg)
        set_tests_properties(pv32_sys_bochs_${model} PROPERTIES
            LABELS "integration;bochs;pv;pv32" TIMEOUT 660 RUN_SERIAL TRUE
            REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${CMAKE_BINARY_DIR}/ringvisor.iso;${GO}/pv32_sys.elf")
    endforeach()
    # pv32_exch: XENMEM_exchange in the x86_32 layout (pv/pv_exchange.c).
    add_test(NAME pv32_exch
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv32_exch: PASS m2p-before$"
                     --stdout "^pv32_exch: PASS m2p-all-frames$"
                     --stdout "^pv32_exch: PASS exch32-size-mismatch$"
                     --stdout "^pv32_exch: PASS exch32-order10-refused$"
                     --stdout "^pv32_exch: PASS exch32-foreign-frame-refused$"
                     --stdout "^pv32_exch: PASS exch32-bad-out-list$"
                     --stdout "^pv32_exch: PASS exch32-8-for-order3$"
                     --stdout "^pv32_exch: PASS exch32-contiguous-m2p$"
                     --stdout "^pv32_exch: PASS exch32-reservation-unchanged$"
                     --stdout "^pv32_exch: PASS exch32-new-frame-zeroed$"
                     --stdout "^pv32_exch: PASS exch32-back-to-singles$"
                     --stdout "^pv32_exch: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv32_exch.cfg)
    set_tests_properties(pv32_exch PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_exch.elf")
    # The same with the compat M2P cut to its first 64 Ki frames (256 MiB of
    # the 512): the 32-bit domain's memory, its exchanges' new extents
    # included, must come from below (pv/pv_memory.c pv_mem_frame_limit;
    # docs/pv.md "32-bit domains' memory").
    add_test(NAME pv32_exch_m2p_cap
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "m2p: compat table of 65536 entries"
                     --stdout "^pv32_exch: PASS m2p-all-frames$"
                     --stdout "^pv32_exch: PASS exch32-8-for-order3$"
                     --stdout "^pv32_exch: PASS exch32-contiguous-m2p$"
                     --stdout "^pv32_exch: PASS exch32-back-to-singles$"
                     --stdout "^pv32_exch: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M --cmdline "compat_m2p_frames=65536"
                        ${GO}/pv32_exch.cfg)
    set_tests_properties(pv32_exch_m2p_cap PROPERTIES
        LABELS "integration;qemu;pv;pv32" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv32_exch.elf")
endfunction()
