# PV bootloaders (docs/pv.md "PV bootloaders", issue 15 item 4): Debian's
# x86_64-xen GRUB (package grub-xen-bin, tools/install-deps) built into a
# PV image with grub-mkimage, its memdisk (a tar) holding grub.cfg and the
# kernel to load; booted as a `type = "pv"` domain, GRUB starts on the PV
# console, reads its config and boots the kernel inside the same domain.
#
#   ctest -L pvgrub
#
# pvgrub_guests_build() is called at the end of pv_guests_build()
# (list-pv.cmake), whose P, D, flags and GO it uses.  Without
# grub-mkimage or /usr/lib/grub/x86_64-xen the images are not built and the
# ctests report themselves skipped (exit 77) with the reason.

# GRUB modules in every image: the memdisk and its tar file system, the
# config and its commands, the Xen loader ("linux"), and the decompressors
# for Debian's xz bzImage payload.
set(PVGRUB_MODULES memdisk tar configfile normal echo linux test gzio xzio)

function(pvgrub_guests_build)
    find_package(Python3 3.8 COMPONENTS Interpreter)
    find_program(GRUB_MKIMAGE NAMES grub-mkimage)
    set(xen64 /usr/lib/grub/x86_64-xen)
    set(xen32 /usr/lib/grub/i386-xen)
    set(S ${G}/pvgrub)

    # The kernel GRUB boots (pv_grubbed.c): built whether or not GRUB is there.
    add_custom_command(
        OUTPUT ${D}/pv_grubbed.o
        COMMAND ${GUEST_GCC} ${flags} -MD -MF ${D}/pv_grubbed.o.d -c ${P}/pv_grubbed.c -o ${D}/pv_grubbed.o
        DEPENDS ${P}/pv_grubbed.c
        DEPFILE ${D}/pv_grubbed.o.d
        COMMENT "Building 64-bit PV guest object tests/guests/pv/pv_grubbed.c"
        VERBATIM)
    add_custom_command(
        OUTPUT ${GO}/pv_grubbed.elf
        COMMAND ${GUEST_LD} -m elf_x86_64 ${GUEST_LDFLAGS} -T ${P}/pv_link.ld -o ${GO}/pv_grubbed.elf
                ${D}/pv_entry.o ${D}/pv_grubbed.o ${D}/pv_lib.o
        DEPENDS ${D}/pv_entry.o ${D}/pv_grubbed.o ${D}/pv_lib.o ${P}/pv_link.ld
        COMMENT "Linking 64-bit PV guest pv_grubbed.elf"
        VERBATIM)
    # The 32-bit kernel the i386-xen GRUB boots (pv32/pv32_grubbed.c), on
    # pv32_guests_build()'s entry and library objects.
    set(P32 ${G}/pv32)
    set(D32 ${GB}/objpv32)
    add_custom_command(
        OUTPUT ${D32}/pv32_grubbed.o
        COMMAND ${GUEST_GCC} ${GUEST_CFLAGS_32} -MD -MF ${D32}/pv32_grubbed.o.d -c ${P32}/pv32_grubbed.c
                -o ${D32}/pv32_grubbed.o
        DEPENDS ${P32}/pv32_grubbed.c
        DEPFILE ${D32}/pv32_grubbed.o.d
        COMMENT "Building 32-bit PV guest object tests/guests/pv32/pv32_grubbed.c"
        VERBATIM)
    add_custom_command(
        OUTPUT ${GO}/pv32_grubbed.elf
        COMMAND ${GUEST_LD} -m elf_i386 ${GUEST_LDFLAGS} -T ${P32}/pv32_link.ld -o ${GO}/pv32_grubbed.elf
                ${D32}/pv32_entry.o ${D32}/pv32_grubbed.o ${D32}/pv32_lib.o
        DEPENDS ${D32}/pv32_entry.o ${D32}/pv32_grubbed.o ${D32}/pv32_lib.o ${P32}/pv32_link.ld
        COMMENT "Linking 32-bit PV guest pv32_grubbed.elf"
        VERBATIM)
    set(outs ${GO}/pv_grubbed.elf ${GO}/pv32_grubbed.elf)

    if(NOT GRUB_MKIMAGE OR NOT EXISTS ${xen64}/kernel.img OR NOT EXISTS ${xen32}/kernel.img)
        set(why "grub-xen-bin is not installed (no grub-mkimage, ${xen64} or ${xen32}; tools/install-deps installs it)")
        message(STATUS "pvgrub: ${why}: the pvgrub ctests will be skipped")
        foreach(t pvgrub_hello pvgrub_linux pvgrub32_hello)
            add_test(NAME ${t} COMMAND ${CMAKE_COMMAND} -E env sh -c "echo '${t}: skipped: ${why}'; exit 77")
            set_tests_properties(${t} PROPERTIES LABELS "integration;qemu;pv;pvgrub" SKIP_RETURN_CODE 77)
        endforeach()
        add_custom_target(pvgrub_images ALL DEPENDS ${outs})
        return()
    endif()

    # pvgrub_hello.bin: GRUB with a memdisk of grub.cfg and pv_grubbed.elf
    # (pvgrub/mkimage.cmake runs tar and grub-mkimage).
    string(REPLACE ";" "," mods "${PVGRUB_MODULES}")
    set(mk ${CMAKE_COMMAND} -DMKIMAGE=${GRUB_MKIMAGE} -DFORMAT=x86_64-xen -DEMBEDDED=${S}/embedded.cfg
           -DMODULES=${mods})
    add_custom_command(
        OUTPUT ${GO}/pvgrub_hello.bin
        COMMAND ${mk} -DOUT=${GO}/pvgrub_hello.bin -DWORK=${GB}/pvgrub/pvgrub_hello
                -DGRUBCFG=${S}/grub-pv_grubbed.cfg -DFILES=${GO}/pv_grubbed.elf -P ${S}/mkimage.cmake
        DEPENDS ${GO}/pv_grubbed.elf ${S}/grub-pv_grubbed.cfg ${S}/embedded.cfg ${S}/mkimage.cmake
        COMMENT "grub-mkimage -O x86_64-xen: pvgrub_hello.bin (memdisk: grub.cfg, pv_grubbed.elf)"
        VERBATIM)
    configure_file(${S}/pvgrub_hello.cfg ${GO}/pvgrub_hello.cfg COPYONLY)
    list(APPEND outs ${GO}/pvgrub_hello.bin)
    # pvgrub32_hello.bin: the i386-xen GRUB with a memdisk of grub.cfg and
    # pv32_grubbed.elf.
    set(mk32 ${CMAKE_COMMAND} -DMKIMAGE=${GRUB_MKIMAGE} -DFORMAT=i386-xen -DEMBEDDED=${S}/embedded.cfg
             -DMODULES=${mods})
    add_custom_command(
        OUTPUT ${GO}/pvgrub32_hello.bin
        COMMAND ${mk32} -DOUT=${GO}/pvgrub32_hello.bin -DWORK=${GB}/pvgrub/pvgrub32_hello
                -DGRUBCFG=${S}/grub-pv32_grubbed.cfg -DFILES=${GO}/pv32_grubbed.elf -P ${S}/mkimage.cmake
        DEPENDS ${GO}/pv32_grubbed.elf ${S}/grub-pv32_grubbed.cfg ${S}/embedded.cfg ${S}/mkimage.cmake
        COMMENT "grub-mkimage -O i386-xen: pvgrub32_hello.bin (memdisk: grub.cfg, pv32_grubbed.elf)"
        VERBATIM)
    configure_file(${S}/pvgrub32_hello.cfg ${GO}/pvgrub32_hello.cfg COPYONLY)
    list(APPEND outs ${GO}/pvgrub32_hello.bin)
    add_custom_target(pvgrub_images ALL DEPENDS ${outs})

    if(NOT Python3_FOUND)
        return()
    endif()
    # (a) GRUB starts on the PV console, asks the stand-in store its one
    # question, reads grub.cfg, loads pv_grubbed.elf and boots it; the
    # kernel's checks of what GRUB built all pass and it powers off.
    add_test(NAME pvgrub_hello
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^\\(d[0-9]+ pvgrub_hello\\) pv: stand-in xenstore \\(empty\\) on mfn 0x[0-9a-f]+, event channel [1-9][0-9]*$"
                     --stdout "^\\(d[0-9]+ pvgrub_hello\\) xenstore \\(empty\\): XS_DIRECTORY \"device/vbd\" -> XS_ERROR ENOENT$"
                     --stdout "Welcome to GRUB!"
                     --stdout "pvgrub: embedded config$"
                     --stdout "pvgrub: grub.cfg read$"
                     --stdout "^pvgrub_hello: pvgrub: kernel loaded$"
                     --stdout "^pvgrub_hello: pv_grubbed: started by GRUB, console ring at pfn 0x[0-9a-f]+$"
                     --stdout "^pvgrub_hello: PASS start-info-magic$"
                     --stdout "^pvgrub_hello: PASS start-info-nr-pages$"
                     --stdout "^pvgrub_hello: PASS start-info-cmdline$"
                     --stdout "^pvgrub_hello: PASS start-info-in-region$"
                     --stdout "^pvgrub_hello: PASS stack-in-region$"
                     --stdout "^pvgrub_hello: PASS start-info-pt-base$"
                     --stdout "^pvgrub_hello: PASS p2m-matches-m2p$"
                     --stdout "^pvgrub_hello: PASS store-frame-in-p2m$"
                     --stdout "^pvgrub_hello: PASS store-evtchn$"
                     --stdout "^pvgrub_hello: PASS xen-version$"
                     --stdout "^pvgrub_hello: PASS update-va-mapping-on-grub-tables$"
                     --stdout "^pvgrub_hello: pv_grubbed: 0xb passed, 0x0 failed$"
                     --stdout-count 0 "FAIL"
                     --stdout "^\\(d[0-9]+ pvgrub_hello\\) shut down \\(poweroff\\)$"
                     --stdout "all domains stopped: 1 powered off, 0 crashed; frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pvgrub_hello.cfg)
    set_tests_properties(pvgrub_hello PROPERTIES
        LABELS "integration;qemu;pv;pvgrub" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pvgrub_hello.bin")

    # (c) The i386-xen GRUB as a 32-bit PV domain (ring 1): the same
    # steps through INT $0x82 and the compat layer, then pv32_grubbed
    # checks the x86_32 start_info, p2m and PAE tables GRUB built.  Every
    # failed 32-bit hypercall is logged: the only one is pv32_grubbed's
    # own m2p_strict refusal (GRUB's requests all succeed).
    add_test(NAME pvgrub32_hello
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^\\(d[0-9]+ pvgrub32_hello\\) xenstore \\(empty\\): XS_DIRECTORY \"device/vbd\" -> XS_ERROR ENOENT$"
                     --stdout "Welcome to GRUB!"
                     --stdout "pvgrub: embedded config$"
                     --stdout "pvgrub: grub.cfg read$"
                     --stdout "^pvgrub32_hello: pvgrub: kernel loaded$"
                     --stdout "^pvgrub32_hello: pv32_grubbed: started by GRUB, console ring at pfn 0x[0-9a-f]+$"
                     --stdout "^pvgrub32_hello: PASS start-info-magic$"
                     --stdout "^pvgrub32_hello: PASS start-info-nr-pages$"
                     --stdout "^pvgrub32_hello: PASS start-info-cmdline$"
                     --stdout "^pvgrub32_hello: PASS start-info-in-region$"
                     --stdout "^pvgrub32_hello: PASS stack-in-region$"
                     --stdout "^pvgrub32_hello: PASS start-info-pt-base$"
                     --stdout "^pvgrub32_hello: PASS cr3-is-pt-base$"
                     --stdout "^pvgrub32_hello: PASS p2m-matches-m2p$"
                     --stdout "^pvgrub32_hello: PASS store-frame-in-p2m$"
                     --stdout "^pvgrub32_hello: PASS store-evtchn$"
                     --stdout "^pvgrub32_hello: PASS xen-version$"
                     --stdout "^pvgrub32_hello: PASS vm-assist-compat-types$"
                     --stdout "^pvgrub32_hello: PASS update-va-mapping-on-grub-tables$"
                     --stdout "^pvgrub32_hello: pv32_grubbed: 0xd passed, 0x0 failed$"
                     --stdout-count 0 "FAIL"
                     --stdout-count 1 "pv32: hypercall [0-9]+ .* -> -"
                     --stdout "^\\(d[0-9]+ pvgrub32_hello\\) v0: pv32: hypercall 21 \\(0, 0x20, 0, 0, [0-9a-fx]+\\) at 0x[0-9a-f]+ -> -22$"
                     --stdout "^\\(d[0-9]+ pvgrub32_hello\\) shut down \\(poweroff\\)$"
                     --stdout "all domains stopped: 1 powered off, 0 crashed; frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 240 --smp 2 --mem 512M ${GO}/pvgrub32_hello.cfg)
    set_tests_properties(pvgrub32_hello PROPERTIES
        LABELS "integration;qemu;pv;pv32;pvgrub" TIMEOUT 300 RUN_SERIAL TRUE
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf;${GO}/pvgrub32_hello.bin")

    # (b) Debian's PV kernel from the same GRUB: the image is made at test
    # time (fixture pvgrub_linux_image), after linux_assets fetched the
    # kernel; GRUB loads the xz bzImage and the linux_pv1 initramfs and
    # boots them; /init forks and execs 300 processes and powers off.
    # Linux's xenbus meets the stand-in store (an empty one).  Linux's
    # earliest lines (earlyprintk=xen, console_io) are not shown: GRUB
    # connected the PV console ring first (docs/pv.md "PV bootloaders").
    set(ldir ${CMAKE_BINARY_DIR}/linux)
    configure_file(${S}/pvgrub_linux.cfg ${GO}/pvgrub_linux.cfg COPYONLY)
    add_test(NAME pvgrub_linux_image
             COMMAND ${mk} -DOUT=${GO}/pvgrub_linux.bin -DWORK=${GB}/pvgrub/pvgrub_linux
                     -DGRUBCFG=${S}/grub-linux.cfg -DFILES=${ldir}/vmlinuz,${ldir}/linux_pv1.cpio.gz
                     -P ${S}/mkimage.cmake)
    set_tests_properties(pvgrub_linux_image PROPERTIES
        LABELS "integration;pv;linux;pvgrub" TIMEOUT 120
        FIXTURES_REQUIRED linux_assets FIXTURES_SETUP pvgrub_linux_image)
    add_test(NAME pvgrub_linux
             COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/integration/expect_run.py --status 0
                     --stdout "^\\(d[0-9]+ pvgrub_linux\\) xenstore \\(empty\\): XS_DIRECTORY \"device/vbd\" -> XS_ERROR ENOENT$"
                     --stdout "pvgrub: grub.cfg read$"
                     --stdout "^pvgrub_linux: pvgrub: kernel and initrd loaded$"
                     --stdout "^pvgrub_linux: RV-LINUX: clocksource xen; consoles hvc0"
                     --stdout "^pvgrub_linux: .*printk: console \\[hvc0\\] enabled"
                     --stdout "^pvgrub_linux: RV-LINUX-MARKER: init reached$"
                     --stdout "^pvgrub_linux: PASS linux-fork-exec \\(300 processes\\)$"
                     --stdout "^pvgrub_linux: PASS linux-pv1$"
                     --stdout-count 0 "FAIL"
                     --stdout "^\\(d[0-9]+ pvgrub_linux\\) shut down \\(poweroff\\)$"
                     --stdout "all domains stopped: 1 powered off, 0 crashed; frames all returned$"
                     -- ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/rv-run --build-dir ${CMAKE_BINARY_DIR}
                        --direct --timeout 900 --smp 1 --mem 1G ${GO}/pvgrub_linux.cfg)
    set_tests_properties(pvgrub_linux PROPERTIES
        LABELS "integration;qemu;pv;linux;pvgrub" TIMEOUT 960 RUN_SERIAL TRUE
        FIXTURES_REQUIRED "linux_assets;pvgrub_linux_image"
        REQUIRED_FILES "${CMAKE_BINARY_DIR}/ringvisor.elf")
endfunction()
