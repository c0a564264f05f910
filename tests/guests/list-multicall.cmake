# multicall from HVM guests (src/core/multicall.c, docs/pv.md "multicall"):
# the 32-bit compat layout and (multicall64) the 64-bit one.  PV's
# multicall is tested by pv_boot (list-pv.cmake).
list(APPEND GUESTS multicall multicall64)
list(APPEND GUESTS_64 multicall64)
