# dr_keep (an HVM guest's debug registers kept while a PV guest with armed
# breakpoints shares its CPU): built here, run by the pv_dbg_hvm_* ctests
# of list-pv.cmake next to pv_dbg_hold.
list(APPEND GUESTS dr_keep)
