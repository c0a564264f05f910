/*
 * The machine-to-phys table (M2P) of 64-bit PV domains (docs/pv.md "The
 * M2P"): one global table, entry mfn = the pseudo-physical frame the owning
 * PV domain calls that machine frame, INVALID_M2P_ENTRY (~0) for every
 * frame that is no PV domain's.  Sized to the host's frames at boot.
 *
 * Guests read it at Xen's RO_MPT_VIRT_START (0xffff800000000000, L4 slot
 * 256 of every PV L4, copied from the hypervisor's own L4 like slots
 * 257-271): the slot's entries carry US but never RW, so ring 3 reads and
 * cannot write; the hypervisor writes through its direct map.
 */
#ifndef RV_MM_M2P_H
#define RV_MM_M2P_H

#include <stdbool.h>
#include <stdint.h>

#define INVALID_M2P_ENTRY   (~0ull)
/* Xen's 64-bit ABI (public/arch-x86/xen-x86_64.h): the guest-visible window. */
#define MACH2PHYS_VIRT_START    0xffff800000000000ull
#define MACH2PHYS_VIRT_END      0xffff804000000000ull
#define MACH2PHYS_NR_ENTRIES    ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)

/* Xen's x86_64 compat window (32-bit PV guests, m2p_compat.c): 4-byte entries. */
#define MACH2PHYS_COMPAT_VIRT_START 0xf5800000ull
#define MACH2PHYS_COMPAT_VIRT_END   0xffe00000ull
/* m2p_compat.c: built by m2p_init for this many frames; written by
 * m2p_set/m2p_invalidate; the entries 428-511 of a 32-bit guest's L2X
 * table (pgtype.h) that map it. */
void m2p_compat_init(uint64_t frames);
void m2p_compat_set(uint64_t mfn, uint64_t pfn);
void m2p_compat_l2x(uint64_t *l2);
uint64_t m2p_compat_nr_entries(void);
/* The compat table's chunks (up to 2 MiB each, contiguous): how many,
 * and the first machine frame of chunk i (XENMEM_machphys_mfn_list). */
uint64_t m2p_compat_nr_extents(void);
uint64_t m2p_compat_extent_mfn(uint64_t i);

/* Boot, after mm_init: allocates and maps the table (every entry invalid). */
void m2p_init(void);
/* Frames the table covers (0 before m2p_init or when it failed). */
uint64_t m2p_nr_entries(void);
/* XENMEM_machphys_mfn_list: the table in 2 MiB extents (the last may be
 * shorter), each contiguous; the first machine frame of extent i. */
uint64_t m2p_nr_extents(void);
uint64_t m2p_extent_mfn(uint64_t i);
/* m2p[mfn] = pfn; false if mfn is beyond the table. */
bool m2p_set(uint64_t mfn, uint64_t pfn);
uint64_t m2p_get(uint64_t mfn);
/* Frames leaving a domain: their entries become invalid. */
void m2p_invalidate(uint64_t mfn, uint64_t count);

#endif
