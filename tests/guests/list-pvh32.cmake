# 32-bit PVH test guests (tests/guests/pvh32): ELF32 (EM_386) images with the
# Xen note XEN_ELFNOTE_PHYS32_ENTRY that stay in 32-bit protected mode, with
# a paging mode chosen at build time (pvh32/lib/pvh32.h).  Built -m32 and
# linked by lib/pvh_link.ld; not in ALL.txt, their runs are declared here.
#
#   ctest -R '^pvh32_'            the runs (QEMU TCG AMD SVM; Bochs VMX/SVM)
#
# Each GUESTS_PVH32 entry is "<guest>|<paging mode>|<source in pvh32/>": the
# library is compiled once per paging mode (objpvh32/<mode>/), the guest's
# cfg is pvh32/<guest>.cfg.  Another guest set can call pvh32_guests_build()
# logic by appending to GUESTS_PVH32 before CMakeLists.txt runs it.

# The HVM (multiboot) counterpart of pvh32_pae: PAE paging, then hypercall
# pointers, MMIO emulation and string I/O through it (ISSUE13 item 3).  In
# GUESTS, so it is in ALL.txt and gets the hvm_pae32 run and the plain-QEMU
# self-check like every HVM guest.
list(APPEND GUESTS pae32)

list(APPEND GUESTS_PVH32
    "pvh32_none|NONE|pvh32_demo.c"
    "pvh32_pse|PSE|pvh32_demo.c"
    "pvh32_pae|PAE|pvh32_demo.c")
set(GUEST_PVH32_LIB pvh32/lib/entry.S pvh32/lib/lib.c pvh32/lib/paging.c lib/pvh_common.c lib/idt.c lib/results.c
    lib/cmdline.c lib/string.c
    lib/hcall32.S lib/idt32.S lib/libgcc32.c)

function(pvh32_guests_build)
    set(P ${G}/pvh32)
    set(modes_built)
    foreach(entry ${GUESTS_PVH32})
        string(REPLACE "|" ";" entry "${entry}")
        list(GET entry 0 t)
        list(GET entry 1 mode)
        list(GET entry 2 src)
        set(flags ${GUEST_CFLAGS_32} -I${P}/lib -DPVH32_PAGING=PVH32_PAGING_${mode})
        if(NOT mode IN_LIST modes_built)
            pvh_lib_objects(libobjs_${mode} BITS 32 DIR ${GB}/objpvh32/${mode} FLAGS ${flags}
                            SOURCES ${GUEST_PVH32_LIB})
            list(APPEND modes_built ${mode})
        endif()
        pvh_guest(${t} BITS 32 DIR ${GB}/objpvh32/${mode} SOURCE pvh32/${src} CFG ${P}/${t}.cfg FLAGS ${flags}
                  LIBOBJS ${libobjs_${mode}})
    endforeach()
    set(GUEST_ELFS ${GUEST_ELFS} PARENT_SCOPE)

    # ---- runs under Ringvisor ----
    # One run per demo guest under QEMU TCG (AMD SVM with NPT).
    foreach(t pvh32_none pvh32_pse pvh32_pae)
        guest_rv_test(${t} TIMEOUT 120 LABELS integration qemu hvm pvh pvh32 REQUIRES ${GO}/${t}.elf
                      ARGS --direct --smp 1 --mem 256M ${GO}/${t}.cfg)
    endforeach()
    # The PAE guests of both kinds on Intel VMX with EPT and on AMD SVM with
    # NPT as Bochs models them (ISSUE13 item 3: PAE under every backend).
    foreach(model corei7_skylake_x ryzen)
        guest_rv_test(pvh32_pae_bochs_${model} TIMEOUT 600 LABELS integration bochs hvm pvh pvh32
                      REQUIRES ${CMAKE_BINARY_DIR}/ringvisor.iso ${GO}/pvh32_pae.elf ${GO}/pae32.elf
                      ARGS --bochs ${model} --smp 1 --mem 256M ${GO}/pvh32_pae.cfg ${GO}/pvh32_pse.cfg ${GO}/pae32.cfg)
    endforeach()
endfunction()
