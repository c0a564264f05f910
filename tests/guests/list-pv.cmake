# 64-bit PV test kernels (tests/guests/pv, docs/pv.md): ELF64 images linked
# at VIRT_BASE 0xffffffff80000000 + 1 MiB with the Xen PV ELF notes, no
# guest library (they run in ring 3 and call the hypervisor with SYSCALL).
#
#   ctest -L pv                   the PV runs (QEMU TCG; PV needs no VMX/SVM)
#
# Included at the top of CMakeLists.txt like every list-*.cmake;
# CMakeLists.txt calls pv_guests_build() once the compiler is known.

set(GUESTS_PV pv_hello)

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
                    ${D}/pv_entry.o ${D}/${t}.o
            DEPENDS ${D}/pv_entry.o ${D}/${t}.o ${P}/pv_link.ld
            COMMENT "Linking 64-bit PV guest ${t}.elf"
            VERBATIM)
        configure_file(${P}/${t}.cfg ${GO}/${t}.cfg COPYONLY)
        list(APPEND GUEST_ELFS ${GO}/${t}.elf)
    endforeach()
    set(GUEST_ELFS ${GUEST_ELFS} PARENT_SCOPE)

    # ---- runs under Ringvisor ----
    guest_rv_test(pv_hello TIMEOUT 240 LABELS integration qemu pv REQUIRES ${GO}/pv_hello.elf
                  ARGS --direct --smp 1 --mem 512M ${GO}/pv_hello.cfg)
endfunction()
