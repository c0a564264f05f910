/*
 * hvm_fep64: hvm_fep.c's checks with test_main in 64-bit mode (long mode,
 * identity paging: the library's 64-bit half), so the prefix is fetched
 * through the guest's page tables and RIP is not truncated.
 */
#include "hvm_fep.c"
