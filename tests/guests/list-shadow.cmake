# The shadow pager (docs/shadow.md): shadow_hostile, and a subset of the HVM
# guests (three PVH ones too) run again with hap = 0.  For each guest G of RV_SHADOW_GUESTS the
# file G_hap0.cfg is G.cfg with the name G_hap0 and "hap = 0" appended (in
# the same directory as G.elf); these stay out of ALL.txt (the hvm runs
# of each guest are the NPT ones) and run here, each alone, label shadow.
list(APPEND GUESTS shadow_hostile)

set(RV_SHADOW_GUESTS
    boot32 realmode bigreal long64 exceptions smp2_boot cpuid hypercall_page console_io
    emul_pf_straddle emul_smc emul_ioapic pae32 cr_policy cr_policy64 triple_fault
    mmio_unbacked memsize_large umip umip64 emul_exc emul_exc64 multicall64 hvm_fep64
    lapic msr shadow_hostile pvh32_pae pvh32_pse)
# Not pvh_basics: it passes with hap = 0.  It was left out because its
# pvclock-rate check timed pvclock against RDTSC read a few instructions
# apart, and an exit between the two (a first-touch #PF under shadow
# paging, or the host descheduling QEMU: the NPT run failed that way in
# CI too) broke it; each end is now a pvclock read bracketed by TSC reads.
foreach(t ${RV_SHADOW_GUESTS})
    set(_src ${G}/${t}.cfg)
    if(t MATCHES "^pvh32_")
        set(_src ${G}/pvh32/${t}.cfg)
    elseif(t MATCHES "^pvh_")
        set(_src ${G}/pvh/${t}.cfg)
    endif()
    file(READ ${_src} _cfg)
    string(REGEX REPLACE "name = \"([^\"]*)\"" "name = \"\\1_hap0\"" _cfg "${_cfg}")
    file(CONFIGURE OUTPUT ${GO}/${t}_hap0.cfg CONTENT "${_cfg}hap = 0\n" @ONLY)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_src})
    guest_rv_test(shadow_${t} TIMEOUT 180 LABELS integration qemu hvm shadow
                  REQUIRES ${GO}/${t}.elf
                  ARGS --direct --smp 2 --mem 512M ${GO}/${t}_hap0.cfg)
endforeach()
# The same guest on a CPU without nested paging: the hypervisor picks
# shadow paging by itself (hap left at its default 1).
guest_rv_test(shadow_auto_nonpt TIMEOUT 180 LABELS integration qemu hvm shadow
              REQUIRES ${GO}/shadow_hostile.elf ${GO}/long64.elf ${GO}/realmode.elf
              ARGS --direct --smp 2 --mem 512M --qemu-cpu EPYC,+svm,-npt
                   ${GO}/shadow_hostile.cfg ${GO}/long64.cfg ${GO}/realmode.cfg)

# The shadow pager on VMX (docs/shadow.md "Shadow paging on VMX"), on Bochs:
# corei7_skylake_x has EPT but the domains ask for hap = 0; core2_penryn_t9600
# is first-generation VT-x (no EPT, VPID, unrestricted guest, secondary
# controls or EFER load/save), where every HVM domain is shadow-paged.  The
# same _hap0 guests as above, in two Bochs runs per model (about a minute
# each).  Not on penryn: umip/umip64 (no descriptor-table exiting, so UMIP
# cannot be emulated and CPUID rightly does not offer it; the guests require
# it).  Without unrestricted guest (penryn, and skylake under hap = 0) real
# mode runs in virtual-8086 mode (src/vmx/realmode.c): realmode (down to
# real mode and back, INT n / INT3 / #DE through its IVT) and smp2_boot (the
# AP starts in real mode after INIT-SIPI) are in the lists.
set(RV_VMX_SHADOW_A boot32 long64 exceptions cpuid hypercall_page console_io emul_pf_straddle emul_smc
    emul_ioapic pae32 cr_policy cr_policy64 triple_fault smp2_boot realmode bigreal)
set(RV_VMX_SHADOW_B mmio_unbacked memsize_large umip umip64 emul_exc emul_exc64 multicall64 hvm_fep64
    lapic msr shadow_hostile pvh32_pae pvh32_pse)
foreach(model skylake penryn)
    if(model STREQUAL "skylake")
        set(_cpu corei7_skylake_x)
    else()
        set(_cpu core2_penryn_t9600)
    endif()
    foreach(part A B)
        set(_cfgs)
        set(_elfs)
        foreach(t ${RV_VMX_SHADOW_${part}})
            if(model STREQUAL "penryn" AND t MATCHES "^umip")
                continue()
            endif()
            list(APPEND _cfgs ${GO}/${t}_hap0.cfg)
            list(APPEND _elfs ${GO}/${t}.elf)
        endforeach()
        string(TOLOWER ${part} _p)
        guest_rv_test(shadow_bochs_${model}_${_p} TIMEOUT 600 LABELS integration bochs hvm shadow
                      REQUIRES ${CMAKE_BINARY_DIR}/ringvisor.iso ${_elfs}
                      ARGS --bochs ${_cpu} --smp 2 --mem 1G ${_cfgs})
    endforeach()
endforeach()
