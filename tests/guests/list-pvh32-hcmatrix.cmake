# The hypercall matrix (pvh/pvh_hcmatrix.c) as 32-bit PVH guests, one per
# paging mode, built by pvh32_guests_build() (list-pvh32.cmake) from the same
# source as the 64-bit pvh_hcmatrix (list-pvh.cmake): every hypercall and
# sub-op with good and bad arguments through the compat translation layer.
# Included before list-pvh32.cmake (file order): only appends and declares runs.
#
#   ctest -R 'pvh(32)?_hcmatrix'     the runs (QEMU TCG AMD SVM; one Bochs VMX)
list(APPEND GUESTS_PVH32
    "pvh32_hcmatrix_none|NONE|../pvh/pvh_hcmatrix.c"
    "pvh32_hcmatrix_pse|PSE|../pvh/pvh_hcmatrix.c"
    "pvh32_hcmatrix_pae|PAE|../pvh/pvh_hcmatrix.c")

foreach(t pvh32_hcmatrix_none pvh32_hcmatrix_pse pvh32_hcmatrix_pae)
    guest_rv_test(${t} TIMEOUT 120 LABELS integration qemu hvm pvh pvh32 REQUIRES ${GO}/${t}.elf
                  ARGS --direct --smp 1 --mem 256M ${GO}/${t}.cfg)
endforeach()
# Intel VMX (Bochs Skylake model): the three 32-bit modes and the 64-bit
# matrix as four domains of one run.
guest_rv_test(pvh_hcmatrix_bochs_skylake TIMEOUT 600 LABELS integration bochs hvm pvh pvh32
              REQUIRES ${CMAKE_BINARY_DIR}/ringvisor.iso ${GO}/pvh32_hcmatrix_none.elf
              ARGS --bochs corei7_skylake_x --smp 2 --mem 512M ${GO}/pvh32_hcmatrix_none.cfg
                   ${GO}/pvh32_hcmatrix_pse.cfg ${GO}/pvh32_hcmatrix_pae.cfg ${GO}/pvh_hcmatrix.cfg)
