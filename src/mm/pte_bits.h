/*
 * Bits of an x86 page-table entry (PAE and 4-level formats; Intel SDM vol. 3A
 * 4.5, AMD APM vol. 2 5.4), for the code in src/mm that builds or checks
 * entries and also builds for the host (pgtype.c, shadow.c, gwalk.c).
 */
#ifndef RV_MM_PTE_BITS_H
#define RV_MM_PTE_BITS_H

#define E_P        (1ull << 0)
#define E_RW       (1ull << 1)
#define E_US       (1ull << 2)
#define E_PWT      (1ull << 3)
#define E_PCD      (1ull << 4)
#define E_A        (1ull << 5)
#define E_D        (1ull << 6)
#define E_PS       (1ull << 7)      /* page size in an L2/L3 entry; PAT in an L1 entry */
#define E_G        (1ull << 8)
#define E_AVAIL    (7ull << 9)
#define E_ADDR     0x000ffffffffff000ull
#define E_AVAIL_HI (0x7ffull << 52)
#define E_NX       (1ull << 63)     /* XD: execute-disable when EFER.NXE */

#endif
