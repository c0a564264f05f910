# dr_keep (an HVM guest's debug registers kept while a PV guest with armed
# breakpoints shares its CPU): built here, run by the pv_dbg_hvm_* ctests
# of list-pv.cmake next to pv_dbg_hold.
list(APPEND GUESTS dr_keep)
# Two HVM guests on one CPU, each with its own DR0-3/DR6 (hvm/hvm.c keeps
# them per vCPU between stints: the guests write them without an exit), on
# QEMU (SVM) and Bochs (VMX skylake, where DR6 is not in the VMCS; SVM ryzen).
configure_file(${G}/dr_keep_b.cfg ${GO}/dr_keep_b.cfg COPYONLY)
guest_rv_test(hvm_dr_keep_neighbour TIMEOUT 240 LABELS integration qemu hvm REQUIRES ${GO}/dr_keep.elf
              ARGS --smp 1 ${GO}/dr_keep.cfg ${GO}/dr_keep_b.cfg)
foreach(model corei7_skylake_x ryzen)
    guest_rv_test(bochs_dr_keep_neighbour_${model} TIMEOUT 600 LABELS integration bochs hvm
                  REQUIRES ${CMAKE_BINARY_DIR}/ringvisor.iso ${GO}/dr_keep.elf
                  ARGS --bochs ${model} --smp 1 --mem 1G ${GO}/dr_keep.cfg ${GO}/dr_keep_b.cfg)
endforeach()
