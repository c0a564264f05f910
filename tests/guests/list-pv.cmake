# 64-bit PV test kernels (tests/guests/pv, docs/pv.md): ELF64 images linked
# at VIRT_BASE 0xffffffff80000000 + 1 MiB with the Xen PV ELF notes, not
# the HVM guest library (they run in ring 3 and call the hypervisor with
# SYSCALL) but their own small one, pv/pv_lib.c.
#
#   ctest -L pv                   the PV runs (QEMU TCG; PV needs no VMX/SVM)
#
# Included at the top of CMakeLists.txt like every list-*.cmake;
# CMakeLists.txt calls pv_guests_build() once the compiler is known.

set(GUESTS_PV pv_hello pv_mmu pv_user pv_priv pv_seg)
# Domain files running pv_hello.elf as a hostile guest (mode=... on its
# command line): each domain must crash with its line, nothing else.
set(PV_HOSTILE_CFGS pv_nohandler pv_badiret pv_badcs pv_badstack pv_nouser pv_badkstack pv_segnofs pv_segdesc)
# Console, time and vcpu_info (pv_time.c).
list(APPEND GUESTS_PV pv_time)
# rv-bench's PV figures (pv_bench.c): hypercall round trip and mmu_update
# rate; the ctest pv_bench only checks that both lines came and it powered off.
list(APPEND GUESTS_PV pv_bench)
# Reservations by MFN and the rest of issue 14's PV hypercalls (pv_mem.c).
list(APPEND GUESTS_PV pv_mem)
# XENMEM_exchange for a 64-bit PV kernel (pv_exch.c, pv/pv_exchange.c).
list(APPEND GUESTS_PV pv_exch)
# 32-bit user space of a 64-bit PV kernel and VMASST m2p_strict (pv_user32.c).
list(APPEND GUESTS_PV pv_user32)
# The initial domain's privileged interfaces, refused (pv_dom0.cfg) and
# served (pv_dom0p.cfg: dom0 = 1) (pv_dom0.c, docs/dom0.md).
list(APPEND GUESTS_PV pv_dom0)
# Debug registers, #DB, single step and the MOV SS attack (pv_dbg.c).
list(APPEND GUESTS_PV pv_dbg)
# The TLB-flush invariant with two vCPUs (pv_tlb.c; pv/pv_tlb.c's dirty mask).
list(APPEND GUESTS_PV pv_tlb)
# Grant mappings into PV page tables (pv_gnt.c): one kernel, three domains
# (pv_gnt_a and pv_gnt_c grant, pv_gnt maps).
list(APPEND GUESTS_PV pv_gnt)
# domctl, sysctl and log-dirty on HAP from a control domain (pv_domctl.c:
# pv_domctlp.cfg with dom0 = 1, next to domctl_hvm and pv_domctl).
list(APPEND GUESTS_PV pv_domctl)
# The log-dirty race tests' control domain (pv_ldctl.c, next to ldirty_guest).
list(APPEND GUESTS_PV pv_ldctl)
# pv_nmi: the NMI callback and VCPUOP_send_nmi (pv/pv_nmi.c).
list(APPEND GUESTS_PV pv_nmi)
# pv_built: the kernel `rv create` builds from dom0 (linux_dom0); here by
# the hypervisor's builder, which must give it the same state.
list(APPEND GUESTS_PV pv_built)

function(pv_guests_build)
    set(P ${G}/pv)
    set(D ${GB}/objpv)
    file(MAKE_DIRECTORY ${D})
    set(flags -m64 -mcmodel=kernel -mno-red-zone ${GUEST_CFLAGS})
    add_custom_command(
        OUTPUT ${D}/pv_entry.o
        COMMAND ${GUEST_GCC} ${flags} -c ${P}/pv_entry.S -o ${D}/pv_entry.o
        DEPENDS ${P}/pv_entry.S
        COMMENT "Building 64-bit PV guest object tests/guests/pv/pv_entry.S"
        VERBATIM)
    # pv_lib.c: the helpers every PV kernel shares (hypercall wrapper,
    # line output, check/report, mmu_update/mmuext_op one-offs); twice,
    # the second (PV_HCPAGE) for pv_boot_hcpage, whose hypercalls all go
    # through its hypercall page.
    foreach(v pv_lib pv_lib_hcpage)
        if(v STREQUAL pv_lib_hcpage)
            set(vdef -DPV_HCPAGE)
        else()
            set(vdef)
        endif()
        add_custom_command(
            OUTPUT ${D}/${v}.o
            COMMAND ${GUEST_GCC} ${flags} ${vdef} -MD -MF ${D}/${v}.o.d -c ${P}/pv_lib.c -o ${D}/${v}.o
            DEPENDS ${P}/pv_lib.c ${P}/pv_lib.h
            DEPFILE ${D}/${v}.o.d
            COMMENT "Building 64-bit PV guest object ${v}.o (tests/guests/pv/pv_lib.c)"
            VERBATIM)
    endforeach()
    foreach(t ${GUESTS_PV})
        add_custom_command(
            OUTPUT ${D}/${t}.o
            COMMAND ${GUEST_GCC} ${flags} -MD -MF ${D}/${t}.o.d -c ${P}/${t}.c -o ${D}/${t}.o
            DEPENDS ${P}/${t}.c
            DEPFILE ${D}/${t}.o.d
            COMMENT "Building 64-bit PV guest object tests/guests/pv/${t}.c"
            VERBATIM)
        add_custom_command(
            OUTPUT ${GO}/${t}.elf
            COMMAND ${GUEST_LD} -m elf_x86_64 ${GUEST_LDFLAGS} -T ${P}/pv_link.ld -o ${GO}/${t}.elf
                    ${D}/pv_entry.o ${D}/${t}.o ${D}/pv_lib.o
            DEPENDS ${D}/pv_entry.o ${D}/${t}.o ${D}/pv_lib.o ${P}/pv_link.ld
            COMMENT "Linking 64-bit PV guest ${t}.elf"
            VERBATIM)
        configure_file(${P}/${t}.cfg ${GO}/${t}.cfg COPYONLY)
        list(APPEND GUEST_ELFS ${GO}/${t}.elf)
    endforeach()
    foreach(c ${PV_HOSTILE_CFGS})
        configure_file(${P}/${c}.cfg ${GO}/${c}.cfg COPYONLY)
    endforeach()

    # pv_blk and pv_net: the PVH test frontends (pvh/pvh_blk.c, pvh/pvh_net.c
    # and their xenbus/xenstore code in pvh/lib) built as 64-bit PV kernels
    # from the same sources (-DPVH_LIB_ON_PV; pv_fe.c is what a PV kernel
    # does differently).  pv_lib.o comes along for pv_entry.S's handlers;
    # its check() is not testlib's, so the frontend objects call theirs
    # fe_check (docs/split-drivers.md "Hostile frontends as PV domUs").
    set(FE ${GB}/objpvfe)
    file(MAKE_DIRECTORY ${FE})
    set(fe_flags ${flags} -I${G}/pvh/lib -DPVH_LIB_ON_PV -Dcheck=fe_check)
    set(fe_objs)
    foreach(src pv/pv_fe.c pvh/lib/lib.c pvh/lib/xs_client.c pvh/lib/xenbus_fe.c lib/pvh_common.c lib/results.c
                lib/cmdline.c lib/string.c)
        get_filename_component(n ${src} NAME_WE)
        add_custom_command(
            OUTPUT ${FE}/${n}.o
            COMMAND ${GUEST_GCC} ${fe_flags} -MD -MF ${FE}/${n}.o.d -c ${G}/${src} -o ${FE}/${n}.o
            DEPENDS ${G}/${src}
            DEPFILE ${FE}/${n}.o.d
            COMMENT "Building 64-bit PV frontend object tests/guests/${src}"
            VERBATIM)
        list(APPEND fe_objs ${FE}/${n}.o)
    endforeach()
    # pv_net: pvh_net.c and its other parts (pvh/pvh_net.h), with the
    # PV-only modes of pvh_net_pv.c.
    set(parts_blk pvh_blk)
    set(parts_net pvh_net pvh_net_tx pvh_net_frames pvh_net_pv)
    foreach(t blk net)
        set(objs)
        foreach(s ${parts_${t}})
            add_custom_command(
                OUTPUT ${FE}/${s}.o
                COMMAND ${GUEST_GCC} ${fe_flags} -MD -MF ${FE}/${s}.o.d -c ${G}/pvh/${s}.c -o ${FE}/${s}.o
                DEPENDS ${G}/pvh/${s}.c
                DEPFILE ${FE}/${s}.o.d
                COMMENT "Building 64-bit PV frontend object tests/guests/pvh/${s}.c"
                VERBATIM)
            list(APPEND objs ${FE}/${s}.o)
        endforeach()
        add_custom_command(
            OUTPUT ${GO}/pv_${t}.elf
            COMMAND ${GUEST_LD} -m elf_x86_64 ${GUEST_LDFLAGS} -T ${P}/pv_link.ld -o ${GO}/pv_${t}.elf
                    ${D}/pv_entry.o ${objs} ${fe_objs} ${D}/pv_lib.o
            DEPENDS ${D}/pv_entry.o ${objs} ${fe_objs} ${D}/pv_lib.o ${P}/pv_link.ld
            COMMENT "Linking 64-bit PV frontend pv_${t}.elf"
            VERBATIM)
        list(APPEND GUEST_ELFS ${GO}/pv_${t}.elf)
    endforeach()

    # pv_boot (pv_boot.c + pv_boot_notes.S), twice: with INIT_P2M and
    # MOD_START_PFN, and (PV_HCPAGE) with a HYPERCALL_PAGE note; the initrd
    # both use is written here (byte i = (i * 131 + (i >> 9)) & 255).
    set(PV_INITRD_LEN 12411)
    foreach(v pv_boot pv_boot_hcpage)
        if(v STREQUAL pv_boot_hcpage)
            set(vdef -DPV_HCPAGE)
            set(lib ${D}/pv_lib_hcpage.o)
        else()
            set(vdef)
            set(lib ${D}/pv_lib.o)
        endif()
        add_custom_command(
            OUTPUT ${D}/${v}.o ${D}/${v}_notes.o
            COMMAND ${GUEST_GCC} ${flags} ${vdef} -DPV_INITRD_LEN=${PV_INITRD_LEN} -MD -MF ${D}/${v}.o.d
                    -c ${P}/pv_boot.c -o ${D}/${v}.o
            COMMAND ${GUEST_GCC} ${flags} ${vdef} -c ${P}/pv_boot_notes.S -o ${D}/${v}_notes.o
            DEPENDS ${P}/pv_boot.c ${P}/pv_boot_notes.S
            DEPFILE ${D}/${v}.o.d
            COMMENT "Building 64-bit PV guest objects of ${v}"
            VERBATIM)
        add_custom_command(
            OUTPUT ${GO}/${v}.elf
            COMMAND ${GUEST_LD} -m elf_x86_64 ${GUEST_LDFLAGS} -T ${P}/pv_link.ld -o ${GO}/${v}.elf
                    ${D}/pv_entry.o ${D}/${v}.o ${D}/${v}_notes.o ${lib}
            DEPENDS ${D}/pv_entry.o ${D}/${v}.o ${D}/${v}_notes.o ${lib} ${P}/pv_link.ld
            COMMENT "Linking 64-bit PV guest ${v}.elf"
            VERBATIM)
        configure_file(${P}/${v}.cfg ${GO}/${v}.cfg COPYONLY)
        list(APPEND GUEST_ELFS ${GO}/${v}.elf)
    endforeach()
    add_custom_command(
        OUTPUT ${GO}/pv_boot.initrd
        COMMAND ${Python3_EXECUTABLE} -c "import sys; open(sys.argv[1], 'wb').write(bytes((i * 131 + (i >> 9)) & 255 for i in range(${PV_INITRD_LEN})))" ${GO}/pv_boot.initrd
        COMMENT "Writing the pv_boot initrd"
        VERBATIM)
    list(APPEND GUEST_ELFS ${GO}/pv_boot.initrd)
    set(GUEST_ELFS ${GUEST_ELFS} PARENT_SCOPE)

    # ---- runs under Ringvisor ----
    guest_rv_test(pv_hello TIMEOUT 240 LABELS integration qemu pv REQUIRES ${GO}/pv_hello.elf
                  ARGS --direct --smp 1 --mem 512M ${GO}/pv_hello.cfg)
    # One CPU shared by a PV, an HVM and a PVH domain (and a hostile PV
    # one): every switch between the kinds on the same CPU (CR3, GDT, the
    # SYSCALL MSRs, FS base, the FPU).
    guest_rv_test(pv_mixed_smp1 TIMEOUT 240 LABELS integration qemu pv
                  REQUIRES ${GO}/pv_hello.elf ${GO}/long64.elf ${GO}/pvh_basics.elf
                  ARGS --direct --smp 1 --mem 512M ${GO}/pv_hello.cfg ${GO}/long64.cfg ${GO}/pvh_basics.cfg
                       ${GO}/pv_badcs.cfg)
    # The same PV domains next to an HVM guest on Intel VMX and AMD SVM
    # (Bochs): PV needs neither, the HVM neighbour both ways.
    foreach(model corei7_skylake_x ryzen)
        guest_rv_test(pv_bochs_${model} TIMEOUT 900 LABELS integration bochs pv
                      REQUIRES ${CMAKE_BINARY_DIR}/ringvisor.iso ${GO}/pv_hello.elf ${GO}/pv_mmu.elf
                               ${GO}/long64.elf ${GO}/pv_boot.elf ${GO}/pv_boot_hcpage.elf ${GO}/pv_boot.initrd
                               ${GO}/pv_user.elf ${GO}/pv_priv.elf ${GO}/pv_time.elf ${GO}/pv_seg.elf
                      ARGS --bochs ${model} --smp 2 --mem 1G ${GO}/pv_nohandler.cfg ${GO}/pv_badiret.cfg
                           ${GO}/pv_badcs.cfg ${GO}/pv_badstack.cfg ${GO}/pv_hello.cfg ${GO}/pv_mmu.cfg
                           ${GO}/pv_boot.cfg ${GO}/pv_boot_hcpage.cfg ${GO}/long64.cfg
                           ${GO}/pv_user.cfg ${GO}/pv_nouser.cfg ${GO}/pv_badkstack.cfg ${GO}/pv_priv.cfg
                           ${GO}/pv_time.cfg ${GO}/pv_seg.cfg ${GO}/pv_segnofs.cfg)
    endforeach()
    # The hostile modes next to a well-behaved PV guest and an HVM one on
    # two CPUs: each hostile domain crashes for its own reason, the others
    # power off, every frame returns (rv-run checks the rest).
    find_package(Python3 3.8 COMPONENTS Interpreter)
    if(NOT Python3_FOUND)
        return()
    endif()
    set(crash "^\\(d[0-9]+ ")
    add_test(NAME pv_hostile
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "${crash}pv_nohandler\\) crash: v0: pv: unhandled #BP .*no trap handler registered$"
                     --stdout "^\\(d[0-9]+ pv_badiret\\) v0: pv: iret to .* refused: bad instruction pointer; #GP to the guest$"
                     --stdout "${crash}pv_badiret\\) crash: v0: pv: unhandled #GP \\(error 0\\) at 0x800000000000, .*no trap handler registered$"
                     --stdout "^\\(d[0-9]+ pv_badcs\\) v0: pv: iret to cs 0xe008 .* refused: bad code selector; #GP to the guest$"
                     --stdout "${crash}pv_badcs\\) crash: v0: pv: unhandled #GP \\(error 0xe008\\) at .*no trap handler registered$"
                     --stdout "${crash}pv_badstack\\) crash: v0: pv: #BP at 0x[0-9a-f]+: cannot write the frame at 0xffff8400000fffc8 on the guest stack$"
                     --stdout "^pv_hello: PASS event-upcall$"
                     --stdout "^pv_hello: PASS regs-across-interrupts$"
                     --stdout "^\\(d[0-9]+ pv_hello\\) v0: pv: [0-9]+ exits: [0-9]+ hypercalls, [1-9][0-9]* interrupts"
                     --stdout "^pv_mmu: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv_nohandler.cfg ${GO}/pv_badiret.cfg
                        ${GO}/pv_badcs.cfg ${GO}/pv_badstack.cfg ${GO}/pv_hello.cfg ${GO}/pv_mmu.cfg
                        ${GO}/long64.cfg)
    # pv_built (the kernel rv create builds from dom0, linux_dom0) built by
    # the hypervisor's own builder: every layout check passes, it powers off.
    add_test(NAME pv_built
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_built: PASS built-m2p-inverse$"
                     --stdout "^pv_built: PASS built-boot-stack$"
                     --stdout "^pv_built: PASS built-pt-read-only$"
                     --stdout "^pv_built: RV-PV-BUILT: a PV domain up, 0xc passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv_built.cfg)
    set_tests_properties(pv_built PROPERTIES LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
                         REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_built.elf")
    # The MMU hypercalls (pv_mmu.c): every check passes and the domain
    # powers off; the 100,000-entry batch was continued by the hypervisor
    # (its vCPU line counts the continuations: at least 100, one per 1,000
    # checks); every frame returns.
    add_test(NAME pv_mmu
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_mmu: PASS batch-100000$"
                     --stdout "^pv_mmu: PASS batch-100000-entries$"
                     --stdout "^pv_mmu: PASS new-baseptr-slot6-readable$"
                     --stdout "^pv_mmu: PASS back-slot6-absent$"
                     --stdout "^pv_mmu: PASS uvm-invlpg-local$"
                     --stdout "^pv_mmu: PASS deep-pin-continued$"
                     --stdout "^pv_mmu: PASS reqs-in-hypervisor-range$"
                     --stdout "^pv_mmu: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^\\(d[0-9]+ pv_mmu\\) v0: pv: .* [1-9][0-9]* MMU hypercalls, [1-9][0-9]{2,} continuations$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv_mmu.cfg)
    # pv_boot (pv_boot.c, 2 CPUs, 3 vCPUs each): the M2P, initrd, INIT_P2M,
    # hypercall page, multicall and secondary-vCPU checks pass in both kernels; the multicalls were continued
    # by the hypervisor (the vCPU's line counts them); every frame returns.
    add_test(NAME pv_boot
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_boot: PASS m2p-inverse-of-p2m$"
                     --stdout "^pv_boot: PASS m2p-write-faults$"
                     --stdout "^pv_boot: PASS machphys-compat-mfn-list-64bit-caller$"
                     --stdout "^pv_boot: PASS machphys-compat-mfn-list-8byte-entries$"
                     --stdout "^pv_boot: PASS machphys-compat-mfn-list-bad-handle-efault$"
                     --stdout "^pv_boot: PASS compat-m2p-frame-map-refused$"
                     --stdout "^pv_boot: PASS initrd-bytes$"
                     --stdout "^pv_boot: PASS p2m-at-init-p2m$"
                     --stdout "^pv_boot: PASS multicall-preempted-entry-done$"
                     --stdout "^pv_boot: PASS vcpu-init-cr3-not-l4$"
                     --stdout "^pv_boot: PASS vcpu1-ran$"
                     --stdout "^pv_boot: PASS vcpu1-fs-base$"
                     --stdout "^pv_boot_hcpage: PASS vcpu1-ran$"
                     --stdout "^pv_boot: from a multicall$"
                     --stdout "^pv_boot: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^pv_boot_hcpage: PASS hypercall-page-bytes$"
                     --stdout "^pv_boot_hcpage: PASS initrd-bytes$"
                     --stdout "^pv_boot_hcpage: PASS multicall-preempted-entry-done$"
                     --stdout "^pv_boot_hcpage: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^\\(d[0-9]+ pv_boot\\) v0: pv: [0-9]+ multicalls, [1-9][0-9]* multicall continuations$"
                     --stdout "^\\(d[0-9]+ pv_boot\\) v0: pv: .* [1-9][0-9]* MMU hypercalls, [1-9][0-9]* continuations$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv_boot.cfg ${GO}/pv_boot_hcpage.cfg)
    set_tests_properties(pv_boot PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_boot.elf;${GO}/pv_boot_hcpage.elf;${GO}/pv_boot.initrd")
    # User mode (pv_user.c): every check passes, the vCPU line counts the
    # entries into user mode and the SYSCALLs from it; next to it a kernel
    # that irets to user mode without user page tables crashes (Xen).
    add_test(NAME pv_user
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_user: PASS user-syscall-frame-ok$"
                     --stdout "^pv_user: PASS user-pf-on-kernel-stack$"
                     --stdout "^pv_user: PASS user-nm-once$"
                     --stdout "^pv_user: PASS user-int81-gp$"
                     --stdout "^pv_user: PASS kernel-nm-frame-cs-rpl0$"
                     --stdout "^pv_user: PASS user-event-on-kernel-stack$"
                     --stdout "^pv_user: PASS iret-bad-cs-gp-frame$"
                     --stdout "^\\(d[0-9]+ pv_user\\) v0: pv: iret to cs 0xe008 .* refused: bad code selector; #GP to the guest$"
                     --stdout "^pv_user: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^\\(d[0-9]+ pv_user\\) v0: pv: user mode: [1-9][0-9]* entries, [1-9][0-9]* SYSCALLs from it, 2 #NM after fpu_taskswitch$"
                     --stdout "${crash}pv_nouser\\) crash: v0: pv: iret to user mode \\(cs 0xe033\\) without user page tables$"
                     --stdout "${crash}pv_badkstack\\) crash: v0: pv: #NM at 0x[0-9a-f]+: cannot write the frame at 0xffff8400000fffc8 on the guest stack$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv_user.cfg ${GO}/pv_nouser.cfg
                        ${GO}/pv_badkstack.cfg)
    # Console, time and vcpu_info (pv_time.c): every check passes; the
    # ring's first line appears once, the console_io line written after
    # the ring took over never; the back end says it connected.
    add_test(NAME pv_time
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_time: console_io before the ring$"
                     --stdout "^\\(d[0-9]+ pv_time\\) pv: console ring mfn 0x[0-9a-f]+, event channel [1-9][0-9]*$"
                     --stdout "^\\(d[0-9]+ pv_time\\) PV console connected"
                     --stdout-count 1 "^pv_time: first line through the ring$"
                     --stdout-count 0 "hidden console_io line"
                     --stdout "^pv_time: PASS vcpu-info-on-l1-refused$"
                     --stdout "^pv_time: PASS vcpu-info-page-pin-refused$"
                     --stdout "^pv_time: PASS upcall-through-new-vcpu-info$"
                     --stdout "^pv_time: PASS singleshot-wake-after-deadline$"
                     --stdout "^pv_time: PASS wallclock-plus-pvclock-is-a-date$"
                     --stdout "^pv_time: PASS runstate-blocked-time-grew$"
                     --stdout "^pv_time: PASS time-area-end-in-hv-range-refused$"
                     --stdout "^pv_time: PASS time-area-version-even$"
                     --stdout "^pv_time: PASS time-area-equals-vcpu-info$"
                     --stdout "^pv_time: PASS time-area-vcpu1$"
                     --stdout "^pv_time: PASS memory-map-ram-nr-pages$"
                     --stdout "^pv_time: PASS platform-parameters-virt-start$"
                     --stdout "^pv_time: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv_time.cfg)
    set_tests_properties(pv_time PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_time.elf")
    set_tests_properties(pv_user PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_user.elf;${GO}/pv_hello.elf")
    # Privileged instructions and the writable-page-table assist
    # (pv_priv.c): every check passes, the domain powers off, its vCPU
    # line counts the emulated instructions and page-table writes (with the
    # refused ones), every frame returns.
    add_test(NAME pv_priv
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_priv: PASS ptwr-l4-store$"
                     --stdout "^pv_priv: PASS ptwr-cmpxchg-equal$"
                     --stdout "^pv_priv: PASS ptwr-l2-mapping$"
                     --stdout "^pv_priv: PASS ptwr-hostile-changed-nothing$"
                     --stdout "^pv_priv: PASS forced-cpuid-signature$"
                     --stdout "^pv_priv: PASS fs-base-used$"
                     --stdout "^pv_priv: PASS msr-refusals-bounced$"
                     --stdout "^pv_priv: PASS rep-insb$"
                     --stdout "^pv_priv: PASS unknown-privileged-gp$"
                     --stdout "^pv_priv: PASS data-breakpoint-fires$"
                     --stdout "^pv_priv: PASS insn-breakpoint-fires$"
                     --stdout "^pv_priv: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^\\(d[0-9]+ pv_priv\\) v0: pv: [1-9][0-9]* privileged instructions emulated, [1-9][0-9]* page-table writes emulated \\([1-9][0-9]* refused, 0 continued\\)$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv_priv.cfg)
    set_tests_properties(pv_priv PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_priv.elf")
    # The guest's GDT, LDT and selectors (pv_seg.c): every check passes;
    # next to it pv_hello (the yields switch domains) and pv_segnofs (no
    # failsafe callback: crashes with its line).
    add_test(NAME pv_seg
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_seg: PASS tls-through-fs$"
                     --stdout "^pv_seg: PASS ldt-through-gs$"
                     --stdout "^pv_seg: PASS kept-across-yield$"
                     --stdout "^pv_seg: PASS iret-ldt-code$"
                     --stdout "^pv_seg: PASS iret-data-cs-gp-error$"
                     --stdout "^pv_seg: PASS iret-np-code-cs-np-error$"
                     --stdout "^pv_seg: PASS iret-np-ss-ss-error$"
                     --stdout "^pv_seg: PASS iret-np-both-error$"
                     --stdout "^pv_seg: PASS iret-data-cs-np-ss-gp$"
                     --stdout "^pv_seg: PASS failsafe-frame-ds$"
                     --stdout "^pv_seg: PASS user-cs-0x33$"
                     --stdout "^pv_seg: PASS user-tls-kept$"
                     --stdout "^pv_seg: PASS vcpu1-cs-ss-from-its-gdt$"
                     --stdout "^pv_seg: PASS vcpu1-tls-through-fs$"
                     --stdout "^pv_seg: PASS vcpu1-sees-gdt-change$"
                     --stdout "^pv_seg: PASS vcpu1-sees-ldt-change$"
                     --stdout "^pv_seg: PASS compat-tls-through-fs$"
                     --stdout "^pv_seg: PASS compat-bp-frame-cs$"
                     --stdout "^pv_seg: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^\\(d[0-9]+ pv_seg\\) v0: pv: iret to cs 0x18 .* refused: bad code selector; #GP to the guest$"
                     --stdout "^\\(d[0-9]+ pv_seg\\) v0: pv: segments: [1-9][0-9]* loads, 1 failsafe callbacks, [1-9][0-9]* copies$"
                     --stdout "${crash}pv_segnofs\\) crash: v0: pv: cannot load data selectors ds 0x2b es 0x2b fs 0 gs 0 at rip 0x[0-9a-f]+: no failsafe callback$"
                     --stdout "${crash}pv_segdesc\\) crash: v0: pv: cannot return to cs 0x13 rip 0x[0-9a-f]+ ss 0x1b rsp 0x[0-9a-f]+: bad code selector$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv_seg.cfg ${GO}/pv_segnofs.cfg
                        ${GO}/pv_segdesc.cfg ${GO}/pv_hello.cfg)
    set_tests_properties(pv_seg PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_seg.elf;${GO}/pv_hello.elf")
    # rv-bench's PV kernel (pv_bench.c): both figure lines printed, the
    # domain powers off, every frame returns; the figures are not judged.
    add_test(NAME pv_bench
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_bench: pv bench: hypercall round trip: [1-9][0-9]* ns \\([1-9][0-9]* TSC ticks\\)$"
                     --stdout "^pv_bench: pv bench: mmu_update: [1-9][0-9]* entries/s in 1000-entry batches"
                     --stdout-count 0 "pv bench: FAIL"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv_bench.cfg)
    set_tests_properties(pv_bench PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_bench.elf")
    set_tests_properties(pv_mmu PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_mmu.elf")
    set_tests_properties(pv_hostile PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_hello.elf;${GO}/pv_mmu.elf;${GO}/long64.elf")
    # pv_mem (pv_mem.c): memory_op reservations by MFN (pv/pv_memory.c),
    # the I/O bitmap and INVLPG (pv/pv_emul_ext.c), the runstate update
    # flag (pv/pv_vtime.c), VCPUOP_down/up and the rest of
    # VCPUOP_initialise (pv/pv_smp.c); it ends by taking its last vCPU
    # down (a poweroff).
    add_test(NAME pv_mem
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_mem: PASS decrease-mapped-refused$"
                     --stdout "^pv_mem: PASS decrease-pinned-refused$"
                     --stdout "^pv_mem: PASS decrease-released$"
                     --stdout "^pv_mem: PASS decrease-m2p-invalid$"
                     --stdout "^pv_mem: PASS released-frame-not-mappable$"
                     --stdout "^pv_mem: PASS populate-back$"
                     --stdout "^pv_mem: PASS populate-m2p-updated$"
                     --stdout "^pv_mem: PASS populate-zeroed$"
                     --stdout "^pv_mem: PASS increase-3$"
                     --stdout "^pv_mem: PASS increase-3-given-back$"
                     --stdout "^pv_mem: PASS increase-order2-aligned$"
                     --stdout "^pv_mem: PASS decrease-unaligned-refused$"
                     --stdout "^pv_mem: PASS decrease-order2$"
                     --stdout "^pv_mem: PASS decrease-foreign-refused$"
                     --stdout "^pv_mem: PASS order10-refused$"
                     --stdout "^pv_mem: PASS huge-encoding-refused$"
                     --stdout "^pv_mem: PASS hostile-count-bounded$"
                     --stdout "^pv_mem: PASS populate-beyond-max-refused$"
                     --stdout "^pv_mem: PASS iobitmap-port-allowed$"
                     --stdout "^pv_mem: PASS iobitmap-next-port-refused$"
                     --stdout "^pv_mem: PASS iobitmap-read-at-each-check$"
                     --stdout "^pv_mem: PASS iobitmap-word-both-allowed$"
                     --stdout "^pv_mem: PASS iobitmap-dword-over-set-bit-refused$"
                     --stdout "^pv_mem: PASS iobitmap-beyond-nr-ports-refused$"
                     --stdout "^pv_mem: PASS iobitmap-too-many-ports$"
                     --stdout "^pv_mem: PASS iobitmap-removed$"
                     --stdout "^pv_mem: PASS invlpg-register$"
                     --stdout "^pv_mem: PASS invlpg-sib-rip-gs$"
                     --stdout "^pv_mem: PASS invlpg-hypervisor-and-noncanonical-ignored$"
                     --stdout "^pv_mem: PASS runstate-flag-enable$"
                     --stdout "^pv_mem: PASS runstate-flag-clear-after-updates$"
                     --stdout "^pv_mem: PASS vcpu1-bad-user-l4-refused$"
                     --stdout "^pv_mem: PASS vcpu1-init-with-user-l4$"
                     --stdout "^pv_mem: PASS vcpu1-gs-base-user$"
                     --stdout "^pv_mem: PASS vcpu1-user-mode-syscall-on-kernel-sp$"
                     --stdout "^pv_mem: PASS vcpu1-down$"
                     --stdout "^pv_mem: PASS vcpu1-runstate-offline$"
                     --stdout "^pv_mem: PASS vcpu1-down-stops-running$"
                     --stdout "^pv_mem: PASS vcpu1-up-resumes$"
                     --stdout "^pv_mem: PASS vcpu1-self-down$"
                     --stdout "^pv_mem: PASS vcpu1-self-down-returns-after-up$"
                     --stdout "^pv_mem: PASS vcpu1-down-again$"
                     --stdout "^pv_mem: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^pv_mem: last vCPU down$"
                     --stdout-count 0 "still running after the last VCPUOP_down"
                     --stdout "^\\(d[0-9]+ pv_mem\\) v0: pv: VCPUOP_down of v0, the last vCPU up: the domain powers off$"
                     --stdout "^\\(d[0-9]+ pv_mem\\) v0: pv: reservations: [1-9][0-9]* extents, ([5-9]|[1-9][0-9]+) continuations$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv_mem.cfg)
    set_tests_properties(pv_mem PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_mem.elf")
    # 32-bit user space (pv_user32.c): INT 0x80, SYSCALL (syscall32
    # callback, then the 64-bit one as fallback) and SYSENTER (Xen's null
    # frame) from code on 0xe023, each back in user mode; VMASST m2p_strict
    # hides the M2P from user mode only; every check passes, the vCPU line
    # counts the 32-bit entries; every frame returns.
    add_test(NAME pv_user32
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_user32: PASS m2p-user-read-without-strict$"
                     --stdout "^pv_user32: PASS m2p-strict-user-faults$"
                     --stdout "^pv_user32: PASS m2p-strict-user-fault-not-present-user$"
                     --stdout "^pv_user32: PASS m2p-strict-kernel-reads$"
                     --stdout "^pv_user32: PASS m2p-strict-second-user-l4-faults$"
                     --stdout "^pv_user32: PASS m2p-unstrict-user-reads$"
                     --stdout "^pv_user32: PASS compat-int80-frame-cs$"
                     --stdout "^pv_user32: PASS compat-int80-result-in-user$"
                     --stdout "^pv_user32: PASS compat-syscall32-frame-rip$"
                     --stdout "^pv_user32: PASS compat-syscall32-result-in-user$"
                     --stdout "^pv_user32: PASS compat-sysenter-xen-frame$"
                     --stdout "^pv_user32: PASS compat-sysenter-result-in-user$"
                     --stdout "^pv_user32: PASS compat-user-cs$"
                     --stdout "^pv_user32: PASS compat-syscall32-via-syscall-callback$"
                     --stdout "^pv_user32: PASS sysenter-nocb-(ud-rip|gp-xen-frame)$"
                     --stdout "^pv_user32: PASS syscall32-nocb-ud-rip$"
                     --stdout "^pv_user32: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^\\(d[0-9]+ pv_user32\\) v0: pv: 32-bit user space: 4 SYSCALLs, 3 SYSENTERs$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv_user32.cfg)
    set_tests_properties(pv_user32 PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_user32.elf")
    # The same on Bochs: its Intel model must take SYSENTER's #GP(0) path
    # (Xen's null frame without a callback) and give #UD for SYSCALL from
    # compatibility mode; its AMD model runs that SYSCALL and takes
    # whichever fault SYSENTER raises (#UD on AMD hardware, #GP(0) in
    # Bochs).  Every check passes either way.
    foreach(model corei7_skylake_x ryzen)
        if(model STREQUAL "corei7_skylake_x")
            set(_u32_extra --stdout "^pv_user32: PASS sysenter-nocb-gp-xen-frame$")
        else()
            set(_u32_extra --stdout "^pv_user32: PASS sysenter-nocb-(ud-rip|gp-xen-frame)$")
        endif()
        add_test(NAME pv_user32_bochs_${model}
                 COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                         --stdout "^pv_user32: PASS compat-sysenter-xen-frame$"
                         --stdout "^pv_user32: PASS m2p-strict-user-faults$"
                         ${_u32_extra}
                         --stdout "^pv_user32: 0x[0-9a-f]+ passed, 0x0 failed$"
                         --stdout "frames all returned$"
                         -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                            --bochs ${model} --timeout 600 --smp 1 --mem 512M ${GO}/pv_user32.cfg)
        set_tests_properties(pv_user32_bochs_${model} PROPERTIES LABELS "integration;bochs;pv" TIMEOUT 660
                             RUN_SERIAL TRUE REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.iso;${GO}/pv_user32.elf")
    endforeach()
    # The initial domain's interfaces (pv_dom0.c): pv_dom0, an ordinary
    # domain (every privileged call refused, nothing written back), and
    # pv_dom0p, the same kernel with dom0 = 1 (domain 0, each call served);
    # separate runs, since dom0's poweroff takes the host down.  pv_dom0_down:
    # dom0 powers off at once and the other domain (on_poweroff = restart)
    # is shut down and destroyed, not restarted.
    foreach(c pv_dom0p pv_dom0down pv_dom0spin)
        configure_file(${P}/${c}.cfg ${GO}/${c}.cfg COPYONLY)
    endforeach()
    add_test(NAME pv_dom0
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_dom0: PASS domu-flags-clear$"
                     --stdout "^pv_dom0: PASS domu-machine-memory-map-refused$"
                     --stdout "^pv_dom0: PASS domu-machine-memory-map-untouched$"
                     --stdout "^pv_dom0: PASS domu-platform-cpuinfo-refused$"
                     --stdout "^pv_dom0: PASS domu-platform-cpuinfo-untouched$"
                     --stdout "^pv_dom0: PASS domu-platform-settime-refused$"
                     --stdout "^pv_dom0: PASS domu-platform-bad-version-refused$"
                     --stdout "^pv_dom0: PASS domu-apic-read-refused$"
                     --stdout "^pv_dom0: PASS domu-apic-read-untouched$"
                     --stdout "^pv_dom0: PASS domu-bios-frame-refused$"
                     --stdout "^pv_dom0: PASS domu-lapic-frame-refused$"
                     --stdout "^pv_dom0: PASS domu-ioapic-frame-refused$"
                     --stdout "^pv_dom0: PASS domu-console-read-refused$"
                     --stdout "^pv_dom0: PASS domu-pci-config-ones$"
                     --stdout "^pv_dom0: PASS domu-uart-ones$"
                     --stdout "^pv_dom0: PASS domu-foreign-mmu-update-refused$"
                     --stdout "^pv_dom0: PASS domu-alloc-unbound-in-dom0-refused$"
                     --stdout "^pv_dom0: PASS domu-alloc-unbound-untouched$"
                     --stdout "^pv_dom0: PASS domu-evtchn-status-of-dom0-refused$"
                     --stdout "^pv_dom0: PASS domu-evtchn-status-untouched$"
                     --stdout "^pv_dom0: PASS domu-map-pirq-refused$"
                     --stdout "^pv_dom0: PASS domu-map-pirq-untouched$"
                     --stdout "^pv_dom0: PASS domu-unmap-pirq-refused$"
                     --stdout "^pv_dom0: PASS domu-irq-status-refused$"
                     --stdout "^pv_dom0: PASS domu-irq-status-untouched$"
                     --stdout "^pv_dom0: PASS domu-eoi-refused$"
                     --stdout "^pv_dom0: PASS domu-eoi-gmfn-refused$"
                     --stdout "^pv_dom0: PASS domu-setup-gsi-refused$"
                     --stdout "^pv_dom0: PASS domu-manage-pci-add-refused$"
                     --stdout "^pv_dom0: PASS domu-restore-msi-refused$"
                     --stdout "^pv_dom0: PASS domu-pci-device-add-refused$"
                     --stdout "^pv_dom0: PASS domu-bind-pirq-refused$"
                     --stdout "^pv_dom0: PASS domu-bind-pirq-untouched$"
                     --stdout "^pv_dom0: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv_dom0.cfg)
    set_tests_properties(pv_dom0 PROPERTIES
        LABELS "integration;qemu;pv;dom0" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_dom0.elf")
    add_test(NAME pv_dom0p
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_dom0p: PASS dom0-flags$"
                     --stdout "^pv_dom0p: PASS dom0-domid-0-is-self$"
                     --stdout "^pv_dom0p: PASS dom0-machine-memory-map$"
                     --stdout "^pv_dom0p: PASS dom0-machine-memory-map-host$"
                     --stdout "^pv_dom0p: PASS dom0-machine-memory-map-room-1$"
                     --stdout "^pv_dom0p: PASS dom0-machine-memory-map-one$"
                     --stdout "^pv_dom0p: PASS dom0-platform-cpuinfo$"
                     --stdout "^pv_dom0p: PASS dom0-platform-cpuinfo-cpu0-online$"
                     --stdout "^pv_dom0p: PASS dom0-platform-cpuinfo-4095$"
                     --stdout "^pv_dom0p: PASS dom0-platform-cpuinfo-4095-invalid$"
                     --stdout "^pv_dom0p: PASS dom0-platform-bad-version$"
                     --stdout "^pv_dom0p: PASS dom0-platform-settime-bad-nsecs$"
                     --stdout "^pv_dom0p: PASS dom0-platform-settime-mbz$"
                     --stdout "^pv_dom0p: PASS dom0-platform-settime-huge-secs$"
                     --stdout "^pv_dom0p: PASS dom0-platform-settime$"
                     --stdout "^pv_dom0p: PASS dom0-platform-firmware-info-none$"
                     --stdout "^pv_dom0p: PASS dom0-apic-read-kept$"
                     --stdout "^pv_dom0p: PASS dom0-bios-frame-maps$"
                     --stdout "^pv_dom0p: PASS dom0-bios-frame-reads$"
                     --stdout "^pv_dom0p: PASS dom0-hypercall-arg-in-device-memory$"
                     --stdout "^pv_dom0p: PASS dom0-lapic-frame-refused$"
                     --stdout "^pv_dom0p: PASS dom0-ioapic-frame-refused$"
                     --stdout "^pv_dom0p: PASS dom0-ram-frame-refused$"
                     --stdout "^pv_dom0p: PASS dom0-own-frame-back$"
                     --stdout "^pv_dom0p: PASS dom0-console-read-empty$"
                     --stdout "^pv_dom0p: PASS dom0-pci-config-host-bridge$"
                     --stdout "^pv_dom0p: PASS dom0-uart-kept$"
                     --stdout "^pv_dom0p: PASS dom0-no-store-evtchn$"
                     --stdout "^pv_dom0p: PASS dom0-map-shared-info$"
                     --stdout "^pv_dom0p: PASS dom0-store-alloc-unbound$"
                     --stdout "^pv_dom0p: PASS dom0-store-unbound-status$"
                     --stdout "^pv_dom0p: PASS dom0-store-unbound-for-0$"
                     --stdout "^pv_dom0p: PASS dom0-store-bind-loopback$"
                     --stdout "^pv_dom0p: PASS dom0-store-kernel-end$"
                     --stdout "^pv_dom0p: PASS dom0-store-daemon-end$"
                     --stdout "^pv_dom0p: PASS dom0-store-send-daemon$"
                     --stdout "^pv_dom0p: PASS dom0-store-daemon-to-kernel$"
                     --stdout "^pv_dom0p: PASS dom0-store-send-kernel$"
                     --stdout "^pv_dom0p: PASS dom0-store-kernel-to-daemon$"
                     --stdout "^pv_dom0p: PASS dom0-store-daemon-close$"
                     --stdout "^pv_dom0p: PASS dom0-store-unbound-again$"
                     --stdout "^pv_dom0p: PASS dom0-map-gsi-pirq$"
                     --stdout "^pv_dom0p: PASS dom0-map-uart-gsi-refused$"
                     --stdout "^pv_dom0p: PASS dom0-map-pit-gsi-refused$"
                     --stdout "^pv_dom0p: PASS dom0-map-gsi-out-of-range$"
                     --stdout "^pv_dom0p: PASS dom0-map-for-other-domain$"
                     --stdout "^pv_dom0p: PASS dom0-irq-status-level-needs-eoi$"
                     --stdout "^pv_dom0p: PASS dom0-setup-uart-gsi-refused$"
                     --stdout "^pv_dom0p: PASS dom0-eoi-gmfn-foreign-refused$"
                     --stdout "^pv_dom0p: PASS dom0-eoi-gmfn$"
                     --stdout "^pv_dom0p: PASS dom0-eoi-gmfn-twice$"
                     --stdout "^pv_dom0p: PASS dom0-bind-pirq-port$"
                     --stdout "^pv_dom0p: PASS dom0-bind-pirq-twice$"
                     --stdout "^pv_dom0p: PASS dom0-bind-pirq-unmapped$"
                     --stdout "^pv_dom0p: PASS dom0-bind-pirq-out-of-range$"
                     --stdout "^pv_dom0p: PASS dom0-pirq-port-state$"
                     --stdout "^pv_dom0p: PASS dom0-unmap-bound-busy$"
                     --stdout "^pv_dom0p: PASS dom0-pirq-port-close$"
                     --stdout "^pv_dom0p: PASS dom0-unmap-gsi$"
                     --stdout "^pv_dom0p: PASS dom0-map-msix-no-capability$"
                     --stdout "^pv_dom0p: PASS dom0-msix-device$"
                     --stdout "^pv_dom0p: PASS dom0-map-msix$"
                     --stdout "^pv_dom0p: PASS dom0-map-msix-pirq$"
                     --stdout "^pv_dom0p: PASS dom0-map-msix-twice$"
                     --stdout "^pv_dom0p: PASS dom0-map-msix-entry-beyond$"
                     --stdout "^pv_dom0p: PASS dom0-map-msi-on-msix-device$"
                     --stdout "^pv_dom0p: PASS dom0-map-msix-entry-1$"
                     --stdout "^pv_dom0p: PASS dom0-map-msix-entry-1-own-pirq$"
                     --stdout "^pv_dom0p: PASS dom0-msix-table-maps$"
                     --stdout "^pv_dom0p: PASS dom0-msix-address-programmed$"
                     --stdout "^pv_dom0p: PASS dom0-msix-data-vector$"
                     --stdout "^pv_dom0p: PASS dom0-msix-entry-unmasked$"
                     --stdout "^pv_dom0p: PASS dom0-unmap-msix$"
                     --stdout "^pv_dom0p: PASS dom0-unmap-msix-masks$"
                     --stdout "^pv_dom0p: PASS dom0-unmap-msix-entry-1$"
                     --stdout "^pv_dom0p: PASS dom0-msix-own-frame-back$"
                     --stdout "^pv_dom0p: PASS dom0-map-msi-pirq$"
                     --stdout "^pv_dom0p: PASS dom0-msi-address-programmed$"
                     --stdout "^pv_dom0p: PASS dom0-msi-data-vector$"
                     --stdout "^pv_dom0p: PASS dom0-msi-address-write-dropped$"
                     --stdout "^pv_dom0p: PASS dom0-unmap-msi$"
                     --stdout "^pv_dom0p: PASS dom0-unmap-msi-disables$"
                     --stdout "^pv_dom0p: PASS dom0-pci-device-add$"
                     --stdout "^pv_dom0p: PASS dom0-pci-device-add-absent$"
                     --stdout "^\\(d0 pv_dom0p\\) created: "
                     --stdout "^pv_dom0p: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M
                        # A device with MSI-X and no back end to set up, for the MSI-X checks.
                        --qemu-arg=-device --qemu-arg=virtio-rng-pci,addr=0x5
                        ${GO}/pv_dom0p.cfg)
    set_tests_properties(pv_dom0p PROPERTIES
        LABELS "integration;qemu;pv;dom0" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_dom0.elf")
    add_test(NAME pv_dom0_down
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^\\(d0 pv_dom0down\\) the initial domain shut down: the host goes down \\(1 other domain\\(s\\) shut down\\)$"
                     --stdout "^\\(d[1-9][0-9]* pv_dom0spin\\) acting as destroy: the host is going down$"
                     --stdout "^\\(d[1-9][0-9]* pv_dom0spin\\) shut down \\(poweroff\\)$"
                     --stdout-count 0 "rebuilt from its file"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv_dom0down.cfg ${GO}/pv_dom0spin.cfg)
    set_tests_properties(pv_dom0_down PROPERTIES
        LABELS "integration;qemu;pv;dom0" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_dom0.elf")
    # Debug registers and #DB (pv_dbg.c): execute and data breakpoints,
    # single step, refusals, and the MOV SS attack (mov ss,[bp] then
    # SYSCALL / INT3 with a breakpoint on [bp], the kernel's GS base on
    # junk).  QEMU TCG raises the #DB right after MOV SS (the guest's line
    # says "not delayed"); Bochs holds it past SYSCALL as hardware does, so
    # there the #DB is taken in the hypervisor's ring 0 at its SYSCALL
    # entry and delivered on the way back: the runs on Bochs (Intel and
    # AMD, next to an HVM guest on the same CPU) require that line and the
    # vCPU's count of it.  Every frame returns.
    set(_dbg_pass)
    foreach(c exec-one-db exec-dr6-b1 exec-rip write-one-db write-dr6-b0 write-rip-after-store
              hypervisor-write-no-db step-count step-dr6-bs step-rip-3 step-tf-off-after
              dr0-hypervisor-image-eperm dr7-io-armed-eperm movss-nop-one-db
              movss-syscall-survived-result movss-syscall-one-db movss-syscall-dr6-b0 movss-syscall-rip
              movss-int3-survived-bp movss-int3-db)
        list(APPEND _dbg_pass --stdout "^pv_dbg: PASS ${c}$")
    endforeach()
    list(APPEND _dbg_pass --stdout "^pv_dbg: 0x[0-9a-f]+ passed, 0x0 failed$" --stdout "frames all returned$")
    foreach(v qemu skylake ryzen)
        if(v STREQUAL "qemu")
            set(name pv_dbg)
            set(emu --direct)
            set(extra)
            set(cfgs ${GO}/pv_dbg.cfg)
            set(timeout 240)
            set(labels "integration;qemu;pv")
            set(files "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_dbg.elf")
        else()
            set(name pv_dbg_bochs_${v})
            if(v STREQUAL "skylake")
                set(emu --bochs corei7_skylake_x)
            else()
                set(emu --bochs ryzen)
            endif()
            set(extra --stdout "^pv_dbg: movss-syscall #DB at return from the hypercall \\(taken in ring 0\\)$"
                      --stdout "^\\(d[0-9]+ pv_dbg\\) v0: pv: [1-9][0-9]* #DB taken in the hypervisor's ring 0 delivered$")
            set(cfgs ${GO}/pv_dbg.cfg ${GO}/long64.cfg)
            set(timeout 600)
            set(labels "integration;bochs;pv")
            set(files "${CMAKE_BINARY_DIR}/ringvisor.iso;${GO}/pv_dbg.elf;${GO}/long64.elf")
        endif()
        add_test(NAME ${name}
                 COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                         ${_dbg_pass} ${extra}
                         -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                            ${emu} --timeout ${timeout} --smp 1 --mem 512M ${cfgs})
        math(EXPR ctest_timeout "${timeout} + 60")
        set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT ${ctest_timeout} RUN_SERIAL TRUE
                             REQUIRED_FILES "${files}")
    endforeach()
    # An HVM guest's debug registers (dr_keep: DR0-3, DR6, DR7 read back
    # after each of 200 yields) next to pv_dbg_hold (pv_dbg.elf "hold": a
    # data breakpoint armed across 200 yields, one #DB after each) on one
    # CPU: the PV stints load and put back DR0-3/DR6 around the HVM
    # guest's, whose DR7 the VMCS/VMCB keeps.  QEMU (SVM), Bochs Skylake
    # (VMX, where DR6 and DR0-3 are not switched at all) and Ryzen (SVM).
    configure_file(${P}/pv_dbg_hold.cfg ${GO}/pv_dbg_hold.cfg COPYONLY)
    foreach(v qemu skylake ryzen)
        if(v STREQUAL "qemu")
            set(emu --direct)
            set(timeout 240)
            set(labels "integration;qemu;pv")
            set(files "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_dbg.elf;${GO}/dr_keep.elf")
        else()
            if(v STREQUAL "skylake")
                set(emu --bochs corei7_skylake_x)
            else()
                set(emu --bochs ryzen)
            endif()
            set(timeout 600)
            set(labels "integration;bochs;pv")
            set(files "${CMAKE_BINARY_DIR}/ringvisor.iso;${GO}/pv_dbg.elf;${GO}/dr_keep.elf")
        endif()
        add_test(NAME pv_dbg_hvm_${v}
                 COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                         --stdout "^pv_dbg_hold: PASS hold-db-after-every-yield$"
                         --stdout "^pv_dbg_hold: PASS hold-yields$"
                         --stdout "^pv_dbg_hold: 0x[0-9a-f]+ passed, 0x0 failed$"
                         --stdout "dr_keep.*PASS dr-kept-across-switch$"
                         --stdout "dr_keep.*PASS dr-yields$"
                         --stdout "frames all returned$"
                         -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                            ${emu} --timeout ${timeout} --smp 1 --mem 512M ${GO}/pv_dbg_hold.cfg ${GO}/dr_keep.cfg)
        math(EXPR ctest_timeout "${timeout} + 60")
        set_tests_properties(pv_dbg_hvm_${v} PROPERTIES LABELS "${labels}" TIMEOUT ${ctest_timeout} RUN_SERIAL TRUE
                             REQUIRED_FILES "${files}")
    endforeach()
    # pv_tlb (pv_tlb.c): vCPU 0 remaps (400 rounds) and then unmaps a page
    # vCPU 1 reads in a loop, with no flush asked for: the hypervisor's
    # flush of the domain's dirty CPUs (pv/pv_tlb.c) leaves vCPU 1 no stale
    # translation; the counters line shows the cross-CPU flushes.
    add_test(NAME pv_tlb
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_tlb: PASS tree-built$"
                     --stdout "^pv_tlb: PASS vcpu1-ran$"
                     --stdout "^pv_tlb: PASS remap-rounds$"
                     --stdout "^pv_tlb: PASS no-stale-read-after-remap$"
                     --stdout "^pv_tlb: PASS no-fault-while-mapped$"
                     --stdout "^pv_tlb: PASS unmap-seen$"
                     --stdout "^pv_tlb: PASS read-after-unmap-faults$"
                     --stdout "^pv_tlb: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^\\(d[0-9]+ pv_tlb\\) v0: pv: exits: [0-9]+ syscall, .*TLB flushes: [0-9]+ local only, [0-9]+ cross-CPU"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv_tlb.cfg)
    set_tests_properties(pv_tlb PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_tlb.elf")
    # Grant mappings into PV page tables (pv_gnt.c; docs/grant-tables.md "PV
    # mappings"): pv_gnt_a (d1) grants, pv_gnt (d2) maps by VA and by PTE
    # address, unmaps, is refused what it must be (writable mappings and
    # copies of page tables, wrong addresses), zaps and devalidates grant
    # entries itself; pv_gnt_c (d3) powers off while mapped.  Every check
    # passes in the three, all power off, every frame returns.
    configure_file(${P}/pv_gnt_a.cfg ${GO}/pv_gnt_a.cfg COPYONLY)
    configure_file(${P}/pv_gnt_c.cfg ${GO}/pv_gnt_c.cfg COPYONLY)
    add_test(NAME pv_gnt
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_gnt_a: PASS setup-table-gives-mfn$"
                     --stdout "^pv_gnt_a: PASS map-own-table-frame$"
                     --stdout "^pv_gnt_a: PASS granter-sees-mapper-write$"
                     --stdout "^pv_gnt_a: PASS flags-while-mapped$"
                     --stdout "^pv_gnt_a: PASS granter-sees-copy$"
                     --stdout "^pv_gnt_a: PASS zapped-mappings-keep-pin$"
                     --stdout "^pv_gnt_a: PASS unmapped-flags-clear$"
                     --stdout "^pv_gnt_a: PASS own-l1-still-pinned$"
                     --stdout "^pv_gnt_a: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^pv_gnt: PASS map-by-va$"
                     --stdout "^pv_gnt: PASS dev-bus-addr-is-the-mfn$"
                     --stdout "^pv_gnt: PASS pte-p-rw-a-d-nx$"
                     --stdout "^pv_gnt: PASS write-to-readonly-faults$"
                     --stdout "^pv_gnt: PASS pte-avail-bits$"
                     --stdout "^pv_gnt: PASS unmap-device-wrong-bus-addr$"
                     --stdout "^pv_gnt: PASS device-bus-addr-is-the-mfn$"
                     --stdout "^pv_gnt: PASS map-contains-pte$"
                     --stdout "^pv_gnt: PASS contains-pte-alias-sees-write$"
                     --stdout "^pv_gnt: PASS unmap-wrong-address-refused$"
                     --stdout "^pv_gnt: PASS unmap-by-va$"
                     --stdout "^pv_gnt: PASS unmapped-va-faults$"
                     --stdout "^pv_gnt: PASS unmap-readonly-handle-on-rw-pte-refused$"
                     --stdout "^pv_gnt: PASS unmap-by-pte-address$"
                     --stdout "^pv_gnt: PASS batch-unmap-bad-handle-in-middle$"
                     --stdout "^pv_gnt: PASS batch-unmap-last$"
                     --stdout "^pv_gnt: PASS batch-unmapped-first-faults$"
                     --stdout "^pv_gnt: PASS batch-unmapped-last-faults$"
                     --stdout "^pv_gnt: PASS batch-unmap-faulting-element-efault$"
                     --stdout "^pv_gnt: PASS batch-unmap-before-fault-done$"
                     --stdout "^pv_gnt: PASS batch-unmapped-before-fault-faults$"
                     --stdout "^pv_gnt: PASS batch-unmap-before-fault-handle-gone$"
                     --stdout "^pv_gnt: PASS writable-map-of-granter-l1-refused$"
                     --stdout "^pv_gnt: PASS copy-into-granter-l1-refused$"
                     --stdout "^pv_gnt: PASS copy-into-own-l1-refused$"
                     --stdout "^pv_gnt: PASS guest-reinstall-foreign-refused$"
                     --stdout "^pv_gnt: PASS unmap-after-zap-refused$"
                     --stdout "^pv_gnt: PASS unmap-in-pinned-l1$"
                     --stdout "^pv_gnt: PASS unmap-after-l1-devalidated-refused$"
                     --stdout "^pv_gnt: PASS repin-with-foreign-entry-refused$"
                     --stdout "^pv_gnt: PASS page-of-dead-granter-readable$"
                     --stdout "^pv_gnt: PASS unmap-after-granter-died$"
                     --stdout "^pv_gnt: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^pv_gnt_c: PASS mapped-by-peer$"
                     --stdout "^pv_gnt_c: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout-count 0 "FAIL"
                     --stdout "all domains stopped: 3 powered off, 0 crashed; frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv_gnt_a.cfg ${GO}/pv_gnt.cfg
                        ${GO}/pv_gnt_c.cfg)
    set_tests_properties(pv_gnt PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_gnt.elf")
    # domctl / sysctl / log-dirty (pv_domctl.c, docs/toolstack.md "domctl and
    # sysctl", docs/shadow.md "Log-dirty"): the control domain pv_domctlp
    # (dom0 = 1) queries, pauses, tracks the dirty pages of and destroys
    # domctl_hvm (HVM) and pv_domctl (PV); both first find every operation
    # refused; every frame comes back.
    configure_file(${P}/pv_domctlp.cfg ${GO}/pv_domctlp.cfg COPYONLY)
    # The log-dirty checks pv_domctl and shadow_pv_domctl both require.
    set(_ld_checks
        --stdout "^pv_domctlp: PASS ld-peek-before-enable$"
        --stdout "^pv_domctlp: PASS ld-pv-not-yet$"
        --stdout "^pv_domctlp: PASS ld-enable$"
        --stdout "^pv_domctlp: PASS ld-enable-twice$"
        --stdout "^pv_domctlp: PASS ld-clean-first$"
        --stdout "^pv_domctlp: PASS ld-clean$"
        --stdout "^pv_domctlp: PASS ld-clean-exact$"
        --stdout "^pv_domctlp: PASS ld-clean-pages$"
        --stdout "^pv_domctlp: PASS ld-clean-stats$"
        --stdout "^pv_domctlp: PASS ld-peek$"
        --stdout "^pv_domctlp: PASS ld-peek-exact$"
        --stdout "^pv_domctlp: PASS ld-peek-again$"
        --stdout "^pv_domctlp: PASS ld-peek-does-not-clear$"
        --stdout "^pv_domctlp: PASS ld-clean-2$"
        --stdout "^pv_domctlp: PASS ld-clean-2-exact$"
        --stdout "^pv_domctlp: PASS ld-clean-paused-1$"
        --stdout "^pv_domctlp: PASS ld-clean-paused-2$"
        --stdout "^pv_domctlp: PASS ld-paused-nothing-written$"
        --stdout "^pv_domctlp: PASS ld-clean-resumed$"
        --stdout "^pv_domctlp: PASS ld-resumed-exact$"
        --stdout "^pv_domctlp: PASS ld-partial-clean$"
        --stdout "^pv_domctlp: PASS ld-partial-clean-one$"
        --stdout "^pv_domctlp: PASS ld-partial-peek$"
        --stdout "^pv_domctlp: PASS ld-partial-rest-kept$"
        --stdout "^pv_domctlp: PASS ld-off$"
        --stdout "^pv_domctlp: PASS ld-clean-after-off$"
        --stdout "^pv_domctlp: PASS ld-enable-again$"
        --stdout "^pv_domctlp: PASS ld-again-clean-1$"
        --stdout "^pv_domctlp: PASS ld-again-clean-2$"
        --stdout "^pv_domctlp: PASS ld-again-exact$"
    )
    add_test(NAME pv_domctl
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_domctlp: PASS dom0-physinfo$"
                     --stdout "^pv_domctlp: PASS dom0-physinfo-cpus$"
                     --stdout "^pv_domctlp: PASS dom0-physinfo-pages$"
                     --stdout "^pv_domctlp: PASS dom0-physinfo-caps$"
                     --stdout "^pv_domctlp: PASS dom0-physinfo-khz$"
                     --stdout "^pv_domctlp: PASS dom0-sysctl-bad-version$"
                     --stdout "^pv_domctlp: PASS dom0-sysctl-unknown$"
                     --stdout "^pv_domctlp: PASS dom0-debug-keys$"
                     --stdout "^pv_domctlp: PASS dom0-debug-keys-ran$"
                     --stdout "^pv_domctlp: PASS dom0-debug-keys-too-many$"
                     --stdout "^pv_domctlp: PASS dom0-debug-keys-bad-pointer$"
                     --stdout "^pv_domctlp: PASS dom0-domctl-bad-version$"
                     --stdout "^pv_domctlp: PASS dom0-getdomaininfolist$"
                     --stdout "^pv_domctlp: PASS dom0-getdomaininfolist-three$"
                     --stdout "^pv_domctl: PASS domu-domctl-all-eperm$"
                     --stdout "^pv_domctl: PASS domu-domctl-untouched$"
                     --stdout "^pv_domctl: PASS domu-sysctl-all-eperm$"
                     --stdout "^pv_domctl: PASS domu-sysctl-untouched$"
                     --stdout "^pv_domctl: PASS domu-domctl-bad-pointer-eperm$"
                     # the domain builder's calls (core/domctl_build.c, pv/pv_foreign.c)
                     --stdout "^pv_domctl: PASS domu-foreign-eperm$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-with-vpci$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-unknown-emu-bit$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-high-emu-bit$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-no-emu$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-subset$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-lapic-ioapic$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-no-hap$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-no-hap-info$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-no-hap-destroy$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-nested$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-vcpus$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-info$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-no-entries$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-too-many$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-bad-buffer$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-gap$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-last-reserved$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-wraps$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-ebda-ram$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-three-of-four$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-self$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-no-domain$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-hvm$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-hvm-again$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-destroy$"
                     --stdout "^pv_domctlp: PASS dom0-create-hvm-gone$"
                     --stdout "^pv_domctl: PASS domu-acquire-resource-eperm$"
                     --stdout "^pv_domctlp: PASS dom0-create-pv-emulation$"
                     --stdout "^pv_domctlp: PASS dom0-create-pv-hap$"
                     --stdout "^pv_domctlp: PASS dom0-create-no-vcpus$"
                     --stdout "^pv_domctlp: PASS dom0-create-pvh$"
                     --stdout "^pv_domctlp: PASS dom0-create-pvh-id$"
                     --stdout "^pv_domctlp: PASS dom0-create-pvh-info$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-bad-magic$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-paging-not-yet$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-no-end$"
                     --stdout "^pv_domctlp: PASS dom0-setmap-pvh-not-yet$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-long-mode$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-long-mode-32bit-cs$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-long-mode-cs-l-and-d$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-long-mode-cr3-unaligned$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-long-mode-cr3-high$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-long-mode-cr4-pge$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-long-mode-efer-nx-sce$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-pae-paging$"
                     --stdout "^pv_domctlp: PASS dom0-sethvmctx-pvh$"
                     --stdout "^pv_domctlp: PASS dom0-populate-over-max$"
                     --stdout "^pv_domctlp: PASS dom0-populate-max-mem$"
                     --stdout "^pv_domctlp: PASS dom0-populate-4$"
                     --stdout "^pv_domctlp: PASS dom0-populate-again-refused$"
                     --stdout "^pv_domctlp: PASS dom0-populate-2m-over-max$"
                     --stdout "^pv_domctlp: PASS dom0-populate-tot-pages$"
                     --stdout "^pv_domctlp: PASS dom0-foreign-map-hole$"
                     --stdout "^pv_domctlp: PASS dom0-foreign-map-no-translate$"
                     --stdout "^pv_domctlp: PASS dom0-foreign-map-preserve-ad$"
                     --stdout "^pv_domctlp: PASS dom0-foreign-map$"
                     --stdout "^pv_domctlp: PASS dom0-foreign-map-reads-zero$"
                     --stdout "^pv_domctlp: PASS dom0-foreign-set-param$"
                     --stdout "^pv_domctlp: PASS dom0-foreign-get-param$"
                     --stdout "^pv_domctlp: PASS dom0-foreign-param-value$"
                     --stdout "^pv_domctlp: PASS dom0-foreign-set-other-param$"
                     --stdout "^pv_domctlp: PASS dom0-create-destroy$"
                     --stdout "^pv_domctlp: PASS dom0-create-gone$"
                     --stdout "^pv_domctlp: PASS dom0-destroy-waits-for-mapping$"
                     --stdout "^pv_domctlp: PASS dom0-mapped-page-still-there$"
                     --stdout "^pv_domctlp: PASS dom0-foreign-unmap$"
                     --stdout "^pv_domctlp: PASS dom0-own-page-back$"
                     --stdout "^pv_domctlp: PASS dom0-create-frames-back$"
                     --stdout "^pv_domctlp: PASS dom0-getdomaininfolist-ids$"
                     --stdout "^pv_domctlp: PASS dom0-getdomaininfolist-from-1$"
                     --stdout "^pv_domctlp: PASS dom0-getdomaininfolist-max-1$"
                     --stdout "^pv_domctlp: PASS dom0-info-self$"
                     --stdout "^pv_domctlp: PASS dom0-info-self-values$"
                     --stdout "^pv_domctlp: PASS dom0-info-hvm$"
                     --stdout "^pv_domctlp: PASS dom0-info-hvm-flags$"
                     --stdout "^pv_domctlp: PASS dom0-info-hvm-live$"
                     --stdout "^pv_domctlp: PASS dom0-info-hvm-pages$"
                     --stdout "^pv_domctlp: PASS dom0-info-hvm-vcpus$"
                     --stdout "^pv_domctlp: PASS dom0-info-pv$"
                     --stdout "^pv_domctlp: PASS dom0-info-pv-values$"
                     --stdout "^pv_domctlp: PASS dom0-info-next-up$"
                     --stdout "^pv_domctlp: PASS dom0-info-next-up-id$"
                     --stdout "^pv_domctlp: PASS dom0-info-none-esrch$"
                     --stdout "^pv_domctlp: PASS dom0-pause-self$"
                     --stdout "^pv_domctlp: PASS dom0-unpause-self$"
                     --stdout "^pv_domctlp: PASS dom0-destroy-self$"
                     --stdout "^pv_domctlp: PASS dom0-pause-none-esrch$"
                     --stdout "^pv_domctlp: PASS dom0-destroy-none-esrch$"
                     --stdout "^pv_domctlp: PASS dom0-unpause-not-paused$"
                     --stdout "^pv_domctlp: PASS dom0-domctl-unknown$"
                     --stdout "^pv_domctlp: PASS dom0-max-vcpus-same$"
                     --stdout "^pv_domctlp: PASS dom0-max-vcpus-change-refused$"
                     --stdout "^pv_domctlp: PASS dom0-max-mem$"
                     --stdout "^pv_domctlp: PASS dom0-max-mem-applied$"
                     --stdout "^pv_domctlp: PASS dom0-vcpuinfo-hvm$"
                     --stdout "^pv_domctlp: PASS dom0-vcpuinfo-no-vcpu$"
                     --stdout "^pv_domctlp: PASS dom0-getvcpuaffinity$"
                     --stdout "^pv_domctlp: PASS dom0-getvcpuaffinity-cpus$"
                     --stdout "^pv_domctlp: PASS dom0-setvcpuaffinity$"
                     --stdout "^pv_domctlp: PASS dom0-setvcpuaffinity-effective$"
                     --stdout "^pv_domctlp: PASS dom0-setvcpuaffinity-moves$"
                     --stdout "^pv_domctlp: PASS dom0-getvcpuaffinity-pinned$"
                     --stdout "^pv_domctlp: PASS dom0-getvcpuaffinity-pinned-mask$"
                     --stdout "^pv_domctlp: PASS dom0-setvcpuaffinity-empty$"
                     --stdout "^pv_domctlp: PASS dom0-setvcpuaffinity-offline-cpu$"
                     --stdout "^pv_domctlp: PASS dom0-setvcpuaffinity-no-flags$"
                     --stdout "^pv_domctlp: PASS dom0-setvcpuaffinity-no-vcpu$"
                     --stdout "^pv_domctlp: PASS dom0-setvcpuaffinity-all$"
                     ${_ld_checks}
                     --stdout "^pv_domctlp: PASS dom0-pause-hvm$"
                     --stdout "^pv_domctlp: PASS dom0-paused-flag$"
                     --stdout "^pv_domctlp: PASS dom0-paused-not-running$"
                     --stdout "^pv_domctlp: PASS dom0-paused-no-cpu-time$"
                     --stdout "^pv_domctlp: PASS dom0-unpause-hvm$"
                     --stdout "^pv_domctlp: PASS dom0-unpause-twice$"
                     --stdout "^pv_domctlp: PASS dom0-resumed-cpu-time$"
                     --stdout "^pv_domctlp: PASS dom0-unpaused-flag$"
                     --stdout "^pv_domctlp: PASS dom0-pause-hvm-2$"
                     --stdout "^pv_domctlp: PASS dom0-unpause-hvm-2$"
                     --stdout "^pv_domctlp: PASS dom0-pv-domu-blocked$"
                     --stdout "^pv_domctlp: PASS dom0-pause-pv$"
                     --stdout "^pv_domctlp: PASS dom0-pv-paused-flag$"
                     # XENMEM_acquire_resource (pv/pv_exchange.c)
                     --stdout "^pv_domctlp: PASS dom0-acquire-hvm-size$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-hvm-frames$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-hvm-same-mfn$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-hvm-status-einval$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-hvm-ioreq-refused$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-hvm-type-eopnotsupp$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-hvm-beyond-einval$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-hvm-e2big$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-hvm-pad-einval$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-hvm-list-without-nr$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-pv-size$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-pv-frames$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-pv-same-mfn$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-pv-status-einval$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-pv-ioreq-refused$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-pv-type-eopnotsupp$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-pv-beyond-einval$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-pv-e2big$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-pv-pad-einval$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-pv-list-without-nr$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-self-eperm$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-missing-esrch$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-bad-list-efault$"
                     --stdout "^pv_domctlp: PASS dom0-acquire-map-not-yet$"
                     --stdout "^pv_domctlp: PASS dom0-readconsole$"
                     --stdout "^pv_domctlp: PASS dom0-readconsole-log$"
                     --stdout "^pv_domctlp: PASS dom0-readconsole-incremental$"
                     --stdout "^pv_domctlp: PASS dom0-readconsole-index$"
                     --stdout "^pv_domctlp: PASS dom0-destroy-hvm$"
                     --stdout "^pv_domctlp: PASS dom0-destroy-pv$"
                     --stdout "^pv_domctlp: PASS dom0-destroyed-gone$"
                     --stdout "^pv_domctlp: PASS dom0-destroyed-pause-esrch$"
                     --stdout "^pv_domctlp: PASS dom0-destroy-frames-back$"
                     --stdout "^pv_domctlp: PASS dom0-only-self-left$"
                     --stdout "^pv_domctlp: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^pv_domctl: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^domctl_hvm: PASS hvm-domctl-all-eperm$"
                     --stdout "^domctl_hvm: PASS hvm-domctl-untouched$"
                     --stdout "^domctl_hvm: PASS hvm-sysctl-all-eperm$"
                     --stdout "^\\(d[0-9]+ domctl_hvm\\) destroyed by the control domain \\(d0\\)$"
                     --stdout-count 0 "FAIL"
                     # a 64-bit PV domain built from here (build_calls_pv, pv/pv_ctl.c)
                     --stdout "^pv_domctlp: PASS pvb-populate-m2p$"
                     --stdout "^pv_domctlp: PASS pvb-machphys-value$"
                     --stdout "^pv_domctlp: PASS pvb-machphys-not-its-frame$"
                     --stdout "^pv_domctlp: PASS pvb-hypercall-init-not-its-frame$"
                     --stdout "^pv_domctlp: PASS pvb-hypercall-init-shared-info$"
                     --stdout "^pv_domctlp: PASS pvb-hypercall-page$"
                     --stdout "^pv_domctlp: PASS pvb-map-not-its-frame$"
                     --stdout "^pv_domctlp: PASS pvb-pin-not-its-frame$"
                     --stdout "^pv_domctlp: PASS pvb-ext-other-op$"
                     --stdout "^pv_domctlp: PASS pvb-ext-batch-17$"
                     --stdout "^pv_domctlp: PASS pvb-ext-batch-17-unpin$"
                     --stdout "^pv_domctlp: PASS pvb-pin-l4$"
                     --stdout "^pv_domctlp: PASS pvb-pin-l4-again$"
                     --stdout "^pv_domctlp: PASS pvb-map-pinned-l4-writable$"
                     --stdout "^pv_domctlp: PASS pvb-ctx-no-vcpu$"
                     --stdout "^pv_domctlp: PASS pvb-ctx-null$"
                     --stdout "^pv_domctlp: PASS pvb-ctx-rip-in-hypervisor$"
                     --stdout "^pv_domctlp: PASS pvb-ctx-cr3-not-its-frame$"
                     --stdout "^pv_domctlp: PASS pvb-ctx-cr3-not-l4$"
                     --stdout "^pv_domctlp: PASS pvb-ctx$"
                     --stdout "^pv_domctlp: PASS pvb-ctx-twice$"
                     --stdout "^pv_domctlp: PASS pvb-ctx-bad-vm-assist$"
                     --stdout "^pv_domctlp: PASS pvb-pin-after-start$"
                     --stdout "^pv_domctlp: PASS pvb-ctx-after-start$"
                     --stdout "^pv_domctlp: PASS pvb-ctx-on-self$"
                     --stdout "^pv_domctlp: PASS pvb-frames-back$"
                     # foreign pins (pv_domctl_pin.c, pv/pv_ctl.c): L1-L4, batches of any
                     # count, preempted and continued
                     --stdout "^pv_domctlp: PASS pin-tree-written$"
                     --stdout "^pv_domctlp: PASS pin-bad-entry-deep$"
                     --stdout "^pv_domctlp: PASS pin-bad-entry-done$"
                     --stdout "^pv_domctlp: PASS pin-bad-entry-unwound$"
                     --stdout "^pv_domctlp: PASS pin-bad-not-pinned$"
                     --stdout "^pv_domctlp: PASS pin-tree-fixed$"
                     --stdout "^pv_domctlp: PASS pin-l4-tree$"
                     --stdout "^pv_domctlp: PASS pin-l4-tree-done$"
                     --stdout "^pv_domctlp: PASS pin-l4-tree-typed$"
                     --stdout "^pv_domctlp: PASS pin-l4-tree-again$"
                     --stdout "^pv_domctlp: PASS unpin-not-pinned-l1$"
                     --stdout "^pv_domctlp: PASS unpin-not-pinned-data$"
                     --stdout "^pv_domctlp: PASS unpin-bad-frame$"
                     --stdout "^pv_domctlp: PASS pin-other-domains-frame$"
                     --stdout "^pv_domctlp: PASS pin-other-domains-frame-rev$"
                     --stdout "^pv_domctlp: PASS pin-our-frame$"
                     --stdout "^pv_domctlp: PASS pin-l1-second$"
                     --stdout "^pv_domctlp: PASS unpin-l1-second$"
                     --stdout "^pv_domctlp: PASS pin-frames-back-2$"
                     --stdout "^pv_domctlp: PASS pin-l1-l2-l3$"
                     --stdout "^pv_domctlp: PASS pin-l1-l2-l3-typed$"
                     --stdout "^pv_domctlp: PASS unpin-l1-l2-l3$"
                     --stdout "^pv_domctlp: PASS unpin-l1-l2-l3-done$"
                     --stdout "^pv_domctlp: PASS unpin-l1-l2-l3-again$"
                     --stdout "^pv_domctlp: PASS pin-batch-huge$"
                     --stdout "^pv_domctlp: PASS pin-batch-huge-done$"
                     --stdout "^pv_domctlp: PASS pin-batch-huge-unpinned$"
                     --stdout "^pv_domctlp: PASS pin-batch-bad-op$"
                     --stdout "^pv_domctlp: PASS pin-batch-bad-op-done$"
                     --stdout "^pv_domctlp: PASS pin-batch-bad-op-left-pinned$"
                     --stdout "^pv_domctlp: PASS pin-frames-back$"
                     --stdout "^\\(d[0-9]+ pv_domctlp\\) v0: pv: ([3-9]|[1-9][0-9]+) continuations of foreign mmuext_op$"
                     # a 2-vCPU PV domain: both down until a context is set, vCPU 1's
                     # taken (online, vCPU 0 still down), destroyed with it up
                     --stdout "^pv_domctlp: PASS pvs-info-offline$"
                     --stdout "^pv_domctlp: PASS pvs-vcpu1-offline$"
                     --stdout "^pv_domctlp: PASS pvs-ctx-vcpu2$"
                     --stdout "^pv_domctlp: PASS pvs-ctx-vcpu1$"
                     --stdout "^pv_domctlp: PASS pvs-ctx-vcpu1-twice$"
                     --stdout "^pv_domctlp: PASS pvs-vcpu1-online$"
                     --stdout "^pv_domctlp: PASS pvs-frames-back$"
                     # set_address_size (Xen's errnos) and a 32-bit PV domain built
                     # (docs/toolstack.md "A 32-bit PV domain from dom0")
                     --stdout "^pv_domctlp: PASS dom0-address-size-hvm-set$"
                     --stdout "^pv_domctlp: PASS dom0-address-size-pv-with-memory$"
                     --stdout "^pv_domctlp: PASS pv32b-size-48-refused$"
                     --stdout "^pv_domctlp: PASS pv32b-size-32$"
                     --stdout "^pv_domctlp: PASS pv32b-size-64-back-refused$"
                     --stdout "^pv_domctlp: PASS pv32b-size-after-populate-eacces$"
                     --stdout "^pv_domctlp: PASS pv32b-pin-l3$"
                     --stdout "^pv_domctlp: PASS pv32b-hypercall-page-int82$"
                     --stdout "^pv_domctlp: PASS pv32b-ctx$"
                     --stdout "^pv_domctlp: PASS pv32b-frames-back$"
                     # a domain's grant-table frame and shared_info mapped here, the
                     # reserved entry written and used, destroyed while mapped
                     # (docs/grant-tables.md "Lifetime of the table's frames")
                     --stdout "^pv_domctlp: PASS gmap-past-frame-table$"
                     --stdout "^pv_domctlp: PASS gmap-pin-as-l1$"
                     --stdout "^pv_domctlp: PASS gmap-acquire-paused-same$"
                     --stdout "^pv_domctlp: PASS gmap-map-grant-frame$"
                     --stdout "^pv_domctlp: PASS gmap-entry-written-is-used$"
                     --stdout "^pv_domctlp: PASS gmap-map-shared-info$"
                     --stdout "^pv_domctlp: PASS gmap-destroy-keeps-two$"
                     --stdout "^pv_domctlp: PASS gmap-write-after-destroy$"
                     --stdout "^pv_domctlp: PASS gmap-unmap-frees-one$"
                     --stdout "^pv_domctlp: PASS gmap-frames-back-2$"
                     --stdout "^pv_domctl: PASS domu-no-translate-eperm$"
                     # SCHEDOP_remote_shutdown from the control domain
                     --stdout "^pv_domctlp: PASS rsd-bad-reason$"
                     --stdout "^pv_domctlp: PASS rsd-no-domain$"
                     --stdout "^pv_domctlp: PASS rsd-refusals-change-nothing$"
                     --stdout "^pv_domctlp: PASS rsd-shut-down-with-reason$"
                     --stdout "^pv_domctlp: PASS rsd-frames-back$"
                     # three from files, the PVH domain (build_calls), the four 64-bit PV
                     # ones (two of them foreign_pins'), the two 32-bit ones, the HVM one, the two of gmap-*
                     # and rsd-*'s
                     --stdout "all domains stopped: 15 powered off, 0 crashed; frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv_domctlp.cfg ${GO}/domctl_hvm.cfg
                        ${GO}/pv_domctl.cfg)
    set_tests_properties(pv_domctl PROPERTIES
        LABELS "integration;qemu;pv;dom0;shadow" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_domctl.elf;${GO}/domctl_hvm.elf")
    # The same with the HVM domU on the shadow pager (hap = 0, docs/shadow.md
    # "Log-dirty on shadow paging"): every log-dirty check of pv_domctl, and
    # getdomaininfo without XEN_DOMINF_hap (hap0 on the control domain's
    # command line).
    file(READ ${G}/domctl_hvm.cfg _cfg)
    string(REPLACE "name = \"domctl_hvm\"" "name = \"domctl_hvm_hap0\"" _cfg "${_cfg}")
    file(CONFIGURE OUTPUT ${GO}/domctl_hvm_hap0.cfg CONTENT "${_cfg}hap = 0\n" @ONLY)
    file(READ ${P}/pv_domctlp.cfg _cfg)
    string(REPLACE "cmdline = \"pv_domctlp\"" "cmdline = \"pv_domctlp hap0\"" _cfg "${_cfg}")
    file(CONFIGURE OUTPUT ${GO}/pv_domctlp_hap0.cfg CONTENT "${_cfg}" @ONLY)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${G}/domctl_hvm.cfg ${P}/pv_domctlp.cfg)
    add_test(NAME shadow_pv_domctl
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     ${_ld_checks}
                     --stdout "^pv_domctlp: PASS dom0-info-hvm-flags$"
                     --stdout "^pv_domctlp: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^pv_domctl: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "^\\(d[0-9]+ domctl_hvm_hap0\\) shadow paging, "
                     --stdout "^\\(d[0-9]+ domctl_hvm_hap0\\) v0 shadow: .* [1-9][0-9]* log-dirty; "
                     --stdout "^\\(d[0-9]+ domctl_hvm_hap0\\) destroyed by the control domain \\(d0\\)$"
                     --stdout-count 0 "FAIL"
                     --stdout "all domains stopped: 15 powered off, 0 crashed; frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv_domctlp_hap0.cfg
                        ${GO}/domctl_hvm_hap0.cfg ${GO}/pv_domctl.cfg)
    set_tests_properties(shadow_pv_domctl PROPERTIES
        LABELS "integration;qemu;pv;dom0;shadow" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_domctl.elf;${GO}/domctl_hvm.elf")
    # The log-dirty race (pv_ldctl.c, ldirty_guest.c; docs/shadow.md
    # "Log-dirty"): CLEAN/PEEK rounds while the domU's two vCPUs write known
    # pages (4 KiB PTEs with D clear and set, a 4 MiB page, a page only the
    # hypervisor writes, real mode on vCPU1): no write after a CLEAN missing
    # from the next PEEK, and each round's CLEAN exactly the 26 pages.  On
    # nested paging (logdirty_race) and on the shadow pager
    # (shadow_logdirty_race, hap = 0).
    configure_file(${P}/pv_ldctl.cfg ${GO}/pv_ldctl.cfg COPYONLY)
    file(READ ${P}/pv_ldctl.cfg _cfg)
    string(REPLACE "cmdline = \"pv_ldctl\"" "cmdline = \"pv_ldctl hap0\"" _cfg "${_cfg}")
    file(CONFIGURE OUTPUT ${GO}/pv_ldctl_hap0.cfg CONTENT "${_cfg}" @ONLY)
    string(REPLACE "cmdline = \"pv_ldctl hap0\"" "cmdline = \"pv_ldctl hap0 bochs\"" _cfg "${_cfg}")
    file(CONFIGURE OUTPUT ${GO}/pv_ldctl_hap0_bochs.cfg CONTENT "${_cfg}" @ONLY)
    file(CONFIGURE OUTPUT ${GO}/pv_ldctl_hap0_bochs_pin.cfg CONTENT "${_cfg}cpus = \"0\"\n" @ONLY)
    file(READ ${G}/ldirty_guest.cfg _cfg)
    string(REPLACE "name = \"ldirty_guest\"" "name = \"ldirty_guest_hap0\"" _cfg "${_cfg}")
    file(CONFIGURE OUTPUT ${GO}/ldirty_guest_hap0.cfg CONTENT "${_cfg}hap = 0\n" @ONLY)
    file(CONFIGURE OUTPUT ${GO}/ldirty_guest_hap0_pin.cfg CONTENT "${_cfg}hap = 0\ncpus = \"1\"\n" @ONLY)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${G}/ldirty_guest.cfg ${P}/pv_ldctl.cfg)
    # What both runs must print (the control domain's checks, the AP's).
    set(_ldctl_checks
        --stdout "^pv_ldctl: PASS ldctl-physinfo$"
        --stdout "^pv_ldctl: PASS ldctl-list$"
        --stdout "^pv_ldctl: PASS ldctl-hvm-found$"
        --stdout "^pv_ldctl: PASS ldctl-hvm-paging-mode$"
        --stdout "^pv_ldctl: PASS ldctl-enable$"
        --stdout "^pv_ldctl: PASS ldctl-warm-exact$"
        --stdout "^pv_ldctl: PASS ldctl-race-markers$"
        --stdout "^pv_ldctl: PASS ldctl-race-peek-no-miss$"
        --stdout "^pv_ldctl: PASS ldctl-race-clean-no-miss$"
        --stdout "^pv_ldctl: PASS ldctl-race-clean-exact$"
        --stdout "^pv_ldctl: PASS ldctl-race-dirty-count$"
        --stdout "^pv_ldctl: PASS ldctl-race-faults$"
        --stdout "^pv_ldctl: PASS ldctl-off$"
        --stdout "^pv_ldctl: PASS ldctl-clean-after-off$"
        --stdout "^pv_ldctl: PASS ldctl-destroy$"
        --stdout "^pv_ldctl: 0x[0-9a-f]+ passed, 0x0 failed$"
        --stdout "^ldirty_guest(_hap0)?: PASS ldirty-ap-running$"
        --stdout "^pv_ldctl: figures: ENABLE of 0x4000 pages "
    )
    add_test(NAME logdirty_race
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     ${_ldctl_checks}
                     --stdout "^\\(d[0-9]+ ldirty_guest\\) destroyed by the control domain \\(d0\\)$"
                     --stdout-count 0 "FAIL"
                     --stdout "all domains stopped: 2 powered off, 0 crashed; frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv_ldctl.cfg ${GO}/ldirty_guest.cfg)
    set_tests_properties(logdirty_race PROPERTIES
        LABELS "integration;qemu;pv;dom0;hvm" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_ldctl.elf;${GO}/ldirty_guest.elf")
    add_test(NAME shadow_logdirty_race
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     ${_ldctl_checks}
                     --stdout "^\\(d[0-9]+ ldirty_guest_hap0\\) shadow paging, "
                     --stdout "^\\(d[0-9]+ ldirty_guest_hap0\\) v1 shadow: .* [1-9][0-9]* log-dirty; "
                     --stdout "^\\(d[0-9]+ ldirty_guest_hap0\\) destroyed by the control domain \\(d0\\)$"
                     --stdout-count 0 "FAIL"
                     --stdout "all domains stopped: 2 powered off, 0 crashed; frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pv_ldctl_hap0.cfg ${GO}/ldirty_guest_hap0.cfg)
    set_tests_properties(shadow_logdirty_race PROPERTIES
        LABELS "integration;qemu;pv;dom0;shadow" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_ldctl.elf;${GO}/ldirty_guest.elf")
    # The same on VMX shadow paging under Bochs (docs/shadow.md "Log-dirty on
    # VMX shadow paging: the stall and its fix"), on skylake with hap = 0 and
    # on penryn (no EPT), 6 rounds after the warm-up ("bochs" on pv_ldctl's
    # command line), each as strict.  vCPU1 loops in real mode (virtual-8086
    # mode) with IF clear and, between CLEANs, without an exit: Bochs then
    # delivers no host interrupt to its CPU, not even the slice timer, so the
    # scheduler (and a flush, a stop) must get it out with an NMI.  The
    # longest CLEAN is bounded (ldctl-clean-bounded, Bochs's emulated time),
    # no flush waits 1 s ("still waiting"), the domain is destroyed and its
    # frames come back.
    # _pin: the control domain pinned to cpu0, the domU's two vCPUs to cpu1,
    # so a CLEAN's flush waits for vCPU1 running on the other CPU (unpinned,
    # the scheduler puts vCPU1 next to the control domain, whose flush then
    # skips it): the flush's own NMI kick must fire (a count of at least 1;
    # with 6+ rounds of flushes, vCPU1 is in its exit-free loop at one of
    # them).
    foreach(variant skylake penryn skylake_pin)
        set(_name shadow_logdirty_bochs_${variant})
        set(_pin "")
        set(_kicks "[0-9]+")
        if(variant STREQUAL "penryn")
            set(model core2_penryn_t9600)
        else()
            set(model corei7_skylake_x)
        endif()
        if(variant STREQUAL "skylake_pin")
            set(_pin _pin)
            set(_kicks "[1-9][0-9]*")
        endif()
        add_test(NAME ${_name}
                 COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                         ${_ldctl_checks}
                         --stdout "^pv_ldctl: PASS ldctl-clean-bounded$"
                         --stdout "^\\(d[0-9]+ ldirty_guest_hap0\\) shadow paging, "
                         --stdout "^\\(d[0-9]+ ldirty_guest_hap0\\) v1 shadow: .* [1-9][0-9]* log-dirty; "
                         --stdout "^\\(d[0-9]+ ldirty_guest_hap0\\) log-dirty: ${_kicks} NMI kicks in physmap_flush$"
                         --stdout "^\\(d[0-9]+ ldirty_guest_hap0\\) destroyed by the control domain \\(d0\\)$"
                         --stdout-count 0 "physmap_flush still waiting"
                         --stdout-count 0 "FAIL"
                         --stdout "all domains stopped: 2 powered off, 0 crashed; frames all returned$"
                         -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                            --bochs ${model} --timeout 900 --smp 2 --mem 512M
                            ${GO}/pv_ldctl_hap0_bochs${_pin}.cfg ${GO}/ldirty_guest_hap0${_pin}.cfg)
        # skylake runs by default; penryn and _pin add minutes of Bochs each
        # (117-260 s at a host load of 15-20): long.
        set(_labels "integration;bochs;pv;dom0;shadow")
        if(NOT variant STREQUAL "skylake")
            set(_labels "${_labels};long")
        endif()
        set_tests_properties(${_name} PROPERTIES
            LABELS "${_labels}" TIMEOUT 960 RUN_SERIAL TRUE
            REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_ldctl.elf;${GO}/ldirty_guest.elf")
    endforeach()
    # pv_nmi: the NMI callback and VCPUOP_send_nmi (pv/pv_nmi.c).
    add_test(NAME pv_nmi
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_nmi: PASS map-shared-info$"
                     --stdout "^pv_nmi: PASS nmi-callback-noncanonical-einval$"
                     --stdout "^pv_nmi: PASS nmi-callback-hv-range-einval$"
                     --stdout "^pv_nmi: PASS nmi-callback-register$"
                     --stdout "^pv_nmi: PASS send-nmi-self$"
                     --stdout "^pv_nmi: PASS nmi-delivered-twice$"
                     --stdout "^pv_nmi: PASS nmi-frame-rip-after-hypercall$"
                     --stdout "^pv_nmi: PASS nmi-frame-cs-saved-mask$"
                     --stdout "^pv_nmi: PASS nmi-frame-rflags-rsp-ss$"
                     --stdout "^pv_nmi: PASS nmi-handler-events-masked$"
                     --stdout "^pv_nmi: PASS second-nmi-held-until-iret$"
                     --stdout "^pv_nmi: PASS second-nmi-after-iret$"
                     --stdout "^pv_nmi: PASS events-unmasked-after-iret$"
                     --stdout "^pv_nmi: PASS send-nmi-arg-einval$"
                     --stdout "^pv_nmi: PASS send-nmi-no-vcpu-enoent$"
                     --stdout "^pv_nmi: PASS nmi-callback-unregister$"
                     --stdout "^pv_nmi: PASS nmi-without-callback-dropped$"
                     --stdout "^pv_nmi: PASS nmi-dropped-stays-dropped$"
                     --stdout "^pv_nmi: PASS nmi-after-reregister$"
                     --stdout "^pv_nmi: 0x[0-9a-f]+ passed, 0x0 failed$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv_nmi.cfg)
    set_tests_properties(pv_nmi PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_nmi.elf")
    # pv_exch (pv_exch.c): XENMEM_exchange by MFN (pv/pv_exchange.c).
    add_test(NAME pv_exch
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pv_exch: PASS tree$"
                     --stdout "^pv_exch: PASS exch-mapped-input-refused$"
                     --stdout "^pv_exch: PASS exch-foreign-frame-refused$"
                     --stdout "^pv_exch: PASS exch-duplicate-refused$"
                     --stdout "^pv_exch: PASS exch-order10-refused$"
                     --stdout "^pv_exch: PASS exch-address-bits-too-small$"
                     --stdout "^pv_exch: PASS exch-size-mismatch$"
                     --stdout "^pv_exch: PASS exch-bad-domain$"
                     --stdout "^pv_exch: PASS exch-domid-mismatch$"
                     --stdout "^pv_exch: PASS exch-nr-exchanged-beyond$"
                     --stdout "^pv_exch: PASS exch-bad-out-list$"
                     --stdout "^pv_exch: PASS exch-8-for-order3$"
                     --stdout "^pv_exch: PASS exch-contiguous-below-4g$"
                     --stdout "^pv_exch: PASS exch-m2p-new$"
                     --stdout "^pv_exch: PASS exch-m2p-old-invalid$"
                     --stdout "^pv_exch: PASS exch-reservation-unchanged$"
                     --stdout "^pv_exch: PASS exch-old-frame-not-mappable$"
                     --stdout "^pv_exch: PASS exch-extent-zeroed-and-laid-out$"
                     --stdout "^pv_exch: PASS exch-back-while-mapped-refused$"
                     --stdout "^pv_exch: PASS exch-back-to-singles$"
                     --stdout "^pv_exch: PASS exch-partial-nr-exchanged$"
                     --stdout "^pv_exch: PASS exch-partial-consistent$"
                     --stdout "^pv_exch: PASS exch-long-got-1024$"
                     --stdout "^pv_exch: PASS exch-long-continued$"
                     --stdout "^pv_exch: PASS exch-long-given-back$"
                     --stdout "^pv_exch: 0x[0-9a-f]+ passed, 0x0 failed$"
                     # increase and decrease of 1024 frames: one continuation each; the exchange the third
                     --stdout "^\\(d[0-9]+ pv_exch\\) v0: pv: reservations: 1026 extents, 3 continuations$"
                     --stdout "frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 1 --mem 512M ${GO}/pv_exch.cfg)
    set_tests_properties(pv_exch PROPERTIES
        LABELS "integration;qemu;pv" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pv_exch.elf")
    # PV GRUB images and their ctests (list-pvgrub.cmake).
    pvgrub_guests_build()
endfunction()
