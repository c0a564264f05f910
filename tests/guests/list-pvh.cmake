# PVH test guests (tests/guests/pvh): event channels, grant tables and the PVH
# start of day.  Unlike the HVM guests they are single ELF64 images with the
# Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (pvh/lib/entry.S), linked by
# lib/pvh_link.ld, and they are not in ALL.txt: some only make sense as a
# pair of cooperating domains, so their runs are declared here.
#
#   ctest -L pvh                  the PVH runs (QEMU TCG, AMD SVM)
#   tools/rv-bench --pv-only      the event-channel / grant-copy benchmark, and
#                                 pvh_bench_a's hypercall round trip (vs pv_bench)
#
# Included (like every list-*.cmake) at the top of CMakeLists.txt; the build
# rules need guest_compile(), so CMakeLists.txt calls pvh_guests_build()
# once the library rules exist.

set(GUESTS_PVH pvh_basics pvh_ring_a pvh_ring_b pvh_hostile pvh_hostile_peer pvh_bench_a pvh_bench_b
    pvh_orphan_a pvh_orphan_b pvh_hcmatrix pvh_reboot pvh_console pvh_platform pvh_hello pvh_blk pvh_net)
set(GUEST_PVH_LIB pvh/lib/entry.S pvh/lib/lib.c pvh/lib/xs_client.c pvh/lib/xs_abuse.c pvh/lib/xenbus_fe.c lib/pvh_common.c lib/idt.c lib/results.c lib/cmdline.c lib/string.c
    lib/hcall64.S lib/idt64.S)

function(pvh_guests_build)
    set(P ${G}/pvh)
    set(flags ${GUEST_CFLAGS_64} -I${P}/lib)
    pvh_lib_objects(libobjs BITS 64 DIR ${GB}/objpvh FLAGS ${flags} SOURCES ${GUEST_PVH_LIB})
    # pvh_net's other parts (pvh/pvh_net.h; pvh_net_pv.c is pv_net.elf's only).
    set(PVH_NET_EXTRA pvh/pvh_net_tx.c pvh/pvh_net_frames.c)
    foreach(t ${GUESTS_PVH})
        set(extra)
        if(t STREQUAL "pvh_net")
            set(extra EXTRA ${PVH_NET_EXTRA})
        endif()
        pvh_guest(${t} BITS 64 DIR ${GB}/objpvh SOURCE pvh/${t}.c CFG ${P}/${t}.cfg FLAGS ${flags} LIBOBJS ${libobjs}
                  ${extra})
    endforeach()
    set(GUEST_ELFS ${GUEST_ELFS} PARENT_SCOPE)

    # ---- runs under Ringvisor (QEMU TCG, AMD SVM), as tests/integration's ----
    find_package(Python3 3.8 COMPONENTS Interpreter)
    if(NOT Python3_FOUND)
        return()
    endif()
    set(run ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR})
    # name, rv-run timeout, rv-run arguments (domain files)
    set(pvh_runs
        "pvh_basics|240|--smp 1 --mem 512M ${GO}/pvh_basics.cfg"
        "pvh_ring|240|--smp 2 --mem 512M ${GO}/pvh_ring_a.cfg ${GO}/pvh_ring_b.cfg"
        "pvh_hostile|240|--smp 2 --mem 512M ${GO}/pvh_hostile.cfg ${GO}/pvh_hostile_peer.cfg"
        # Every hypercall, good and bad arguments, 64-bit caller (and from
        # compatibility mode on the same vCPU); the 32-bit builds of the same
        # source are in list-pvh32.cmake.
        "pvh_hcmatrix|240|--smp 1 --mem 512M ${GO}/pvh_hcmatrix.cfg")
    foreach(r ${pvh_runs})
        string(REPLACE "|" ";" r "${r}")
        list(GET r 0 name)
        list(GET r 1 timeout)
        list(GET r 2 args)
        separate_arguments(args UNIX_COMMAND "${args}")
        guest_rv_test(${name} TIMEOUT ${timeout} LABELS integration qemu hvm pvh REQUIRES ${GO}/pvh_basics.elf
                      ARGS --direct ${args})
    endforeach()
    # A granter that dies with its page still mapped: the page stays valid for
    # the mapper, is freed only at its unmap (the hypervisor says so when the
    # granter is destroyed; rv-run fails on any frame not returned at the end).
    add_test(NAME pvh_orphan
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^\\(d1 pvh_orphan_a\\) 1 page\\(s\\) still mapped by other domains"
                     --stdout "^pvh_orphan_b: PASS page-intact$" --stdout "^pvh_orphan_b: PASS unmap-orphan$"
                     --stdout "frames all returned$"
                     -- ${run} --direct --timeout 240 --smp 2 --mem 512M ${GO}/pvh_orphan_a.cfg ${GO}/pvh_orphan_b.cfg)
    set_tests_properties(pvh_orphan PROPERTIES
        LABELS "integration;qemu;hvm;pvh" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pvh_orphan_a.elf")
    # Code in a granted page never runs: the mapper calling into it is
    # crashed by the hypervisor, under NPT (the p2m entry's execute right)
    # and under shadow paging (a no-execute shadow leaf, hap = 0); the
    # granter powers off as usual and every frame comes back.
    foreach(v "" _hap0)
        set(_cfg "name = \"pvh_grant_exec${v}\"\ntype = \"pvh\"\nkernel = \"pvh_orphan_b.elf\"\n")
        string(APPEND _cfg "cmdline = \"peer=1 exec=1\"\nmemory = 32\nvcpus = 1\non_poweroff = \"destroy\"\n")
        string(APPEND _cfg "on_crash = \"destroy\"\nrv_expect = \"crash\"\n")
        if(v STREQUAL "_hap0")
            string(APPEND _cfg "hap = 0\n")
        endif()
        file(CONFIGURE OUTPUT ${GO}/pvh_grant_exec${v}.cfg CONTENT "${_cfg}" @ONLY)
        add_test(NAME pvh_grant_exec${v}
                 COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                         --stdout "^pvh_grant_exec${v}: note: calling into the granted page"
                         --stdout "^\\(d2 pvh_grant_exec${v}\\) .*instruction fetch from 0x[0-9a-f]+, mapped not executable \\(a grant mapping\\)"
                         --stdout-count 0 "grant-exec-refused"
                         --stdout "frames all returned$"
                         -- ${run} --direct --timeout 240 --smp 2 --mem 512M ${GO}/pvh_orphan_a.cfg
                            ${GO}/pvh_grant_exec${v}.cfg)
        set_tests_properties(pvh_grant_exec${v} PROPERTIES
            LABELS "integration;qemu;hvm;pvh" TIMEOUT 300 RUN_SERIAL TRUE
            REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pvh_orphan_b.elf")
    endforeach()
    set_property(TEST pvh_grant_exec_hap0 APPEND PROPERTY LABELS shadow)
    # One domain's console through console_io and its PV console ring,
    # halves of lines interleaved: every line exactly once and whole;
    # console_io hidden once the ring is connected (docs/running-domains.md).
    set(l "^pvh_console: console-test: ")
    add_test(NAME pvh_console
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout-count 1 "${l}cio-A first half, cio-A second half$"
                     --stdout-count 1 "${l}cio-E half a line when the ring connects$"
                     --stdout-count 1 "${l}ring-C first half, ring-C second half$"
                     --stdout-count 0 "cio-D"
                     --stdout-count 0 "cio-G"
                     --stdout-count 1 "${l}ring burst 1 of 100$"
                     --stdout-count 100 "${l}ring burst [0-9]+ of 100$"
                     --stdout-count 103 "console-test"
                     --stdout-count 1 "^\\(d1 pvh_console\\) PV console connected"
                     --stdout "^pvh_console: PASS ring-wrapped$"
                     -- ${run} --direct --timeout 240 --smp 1 --mem 512M ${GO}/pvh_console.cfg)
    set_tests_properties(pvh_console PROPERTIES
        LABELS "integration;qemu;hvm;pvh" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pvh_console.elf")
    # Xen's PVH platform (docs/pvh.md "Devices"): pvh_platform probes the
    # legacy ports (all ones, writes ignored) and its ACPI tables (MADT with
    # local APICs only, hardware-reduced FADT).  Its I/O exits are its own
    # probes, PVH_PLATFORM_PROBES of them (the guest prints the count), and
    # pvh_basics, which uses only hypercalls and its local APIC, takes none:
    # the hypervisor's shutdown statistics say so (expect_run --io-exits-max).
    set(PVH_PLATFORM_PROBES 130)
    add_test(NAME pvh_platform
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pvh_platform: PASS absent-ports$"
                     --stdout "^pvh_platform: PASS madt-no-ioapic$"
                     --stdout "^pvh_platform: note: ${PVH_PLATFORM_PROBES} port accesses made$"
                     --stdout-count 0 "^pvh_platform: FAIL"
                     --io-exits-max pvh_platform ${PVH_PLATFORM_PROBES}
                     --io-exits-max pvh_basics 0
                     -- ${run} --direct --timeout 240 --smp 2 --mem 512M ${GO}/pvh_platform.cfg ${GO}/pvh_basics.cfg)
    # The same guest with rv_pvh_pit_ones = 1 and rv_exit_stats = 1
    # (pvh_platform_xen.cfg): port 0x42 reads all ones too, as under Xen,
    # and the MSR exit histogram is printed at the end (the hypercall page
    # MSR, written once); without the key it is not.
    configure_file(${P}/pvh_platform_xen.cfg ${GO}/pvh_platform_xen.cfg COPYONLY)
    add_test(NAME pvh_platform_xen
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^pvh_platform_xen: PASS absent-ports$"
                     --stdout "^pvh_platform_xen: note: ${PVH_PLATFORM_PROBES} port accesses made$"
                     --stdout "^\\(d[0-9]+ pvh_platform_xen\\) v0: MSR exits: 0x[0-9a-f]+ (r[0-9]+ )?w1(,|$)"
                     --stdout-count 0 "^pvh_platform_xen: FAIL"
                     --stdout-count 0 "^\\(d[0-9]+ pvh_platform\\) v[0-9]+: MSR exits:"
                     --io-exits-max pvh_platform_xen ${PVH_PLATFORM_PROBES}
                     -- ${run} --direct --timeout 240 --smp 2 --mem 512M ${GO}/pvh_platform_xen.cfg
                        ${GO}/pvh_platform.cfg)
    set_tests_properties(pvh_platform_xen PROPERTIES
        LABELS "integration;qemu;hvm;pvh" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pvh_platform.elf")
    set_tests_properties(pvh_platform PROPERTIES
        LABELS "integration;qemu;hvm;pvh" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pvh_platform.elf")
    # The same guests on Intel VMX (Bochs Skylake model): basics and the
    # hostile pair in one run (the pair first: its domids are 1 and 2).
    guest_rv_test(pvh_bochs_skylake TIMEOUT 600 LABELS integration bochs hvm pvh
                  REQUIRES ${CMAKE_BINARY_DIR}/ringvisor.iso ${GO}/pvh_basics.elf
                  ARGS --bochs corei7_skylake_x --smp 2 --mem 512M
                       ${GO}/pvh_hostile.cfg ${GO}/pvh_hostile_peer.cfg ${GO}/pvh_basics.cfg ${GO}/pvh_console.cfg
                       ${GO}/pvh_platform.cfg)
endfunction()
