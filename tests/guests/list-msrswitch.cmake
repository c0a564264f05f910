# The MSRs loaded around every entry (src/hvm/msr.c hvm_msr_guest_load):
# TSC_AUX (RDTSCP, RDPID), SPEC_CTRL, with PRED_CMD and ARCH_CAPABILITIES,
# offered when the host has them.  msr_switch alone runs as hvm_msr_switch
# and in bochs_hvm_skylake_all; the neighbour tests boot it twice on one CPU
# (seed=1 with values of its own, seed=2 with the host's) so that each
# vCPU's values must survive the other domain's entries and exits, on QEMU
# (SVM) and Bochs (VMX skylake, SVM ryzen; Bochs 2.7's tigerlake is the model
# with SPEC_CTRL, PRED_CMD, ARCH_CAPABILITIES and RDPID).
list(APPEND GUESTS msr_switch)
configure_file(${G}/msr_switch_b.cfg ${GO}/msr_switch_b.cfg COPYONLY)
guest_rv_test(hvm_msr_switch_neighbour TIMEOUT 240 LABELS integration qemu hvm REQUIRES ${GO}/msr_switch.elf
              ARGS --smp 1 --cmdline hvm_fep ${GO}/msr_switch.cfg ${GO}/msr_switch_b.cfg)
foreach(model corei7_skylake_x ryzen tigerlake)
    guest_rv_test(bochs_msr_switch_neighbour_${model} TIMEOUT 600 LABELS integration bochs hvm
                  REQUIRES ${CMAKE_BINARY_DIR}/ringvisor.iso ${GO}/msr_switch.elf
                  ARGS --bochs ${model} --smp 1 --mem 1G --cmdline hvm_fep ${GO}/msr_switch.cfg ${GO}/msr_switch_b.cfg)
endforeach()
# msr_switch_b has fep=on: the neighbour runs have hvm_fep on, and its RDTSCP
# through the forced-emulation prefix must give the same TSC_AUX.
