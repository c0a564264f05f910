/*
 * The compat M2P (docs/pv.md "Ring 1 and compat"): the machine-to-phys
 * table as a 32-bit PV guest reads it, 4-byte entries at Xen's x86_64
 * compat address MACH2PHYS_COMPAT_VIRT_START 0xf5800000 (up to
 * 0xffe00000: 43.6 M frames, 166 GiB).  Built at boot with the 64-bit
 * table (m2p.c) and written with it by every m2p_set/m2p_invalidate, so
 * no domain can see the two differ for longer than one store.  Mapped
 * read-only: its pages by L1 tables of the hypervisor's, which each
 * 32-bit guest's L2X table names in its entries 428 on (pgtype.h,
 * PGT_L2X_HV_FIRST; filled by the PV environment's init_l2x).
 *
 * Owner: the hypervisor; (i) set at boot, the entries written by whoever
 * writes the 64-bit ones.
 */
#include "mm/m2p.h"
#include "mm/mm.h"
#include "mm/pgtype.h"
#include "core/console.h"
#include "boot/bootopts.h"
#include "lib/string.h"

#define NR_L2_SLOTS (512 - PGT_L2X_HV_FIRST)        /* 84 entries of 2 MiB */

/* (i) the table in 2 MiB chunks (one hypervisor L1 each, 512 Ki entries),
 * direct-map addresses; the entries (r/w as above) */
static uint32_t *chunks[NR_L2_SLOTS];
static uint64_t nr_entries;     /* (i) */
static uint64_t l2e[NR_L2_SLOTS];   /* (i) what an L2X table holds in entries 428-511 */

void m2p_compat_init(uint64_t frames)
{
    const uint64_t nx = mm_nx_enabled() ? PTE_NX : 0;
    uint64_t max = (MACH2PHYS_COMPAT_VIRT_END - MACH2PHYS_COMPAT_VIRT_START) / 4;
    uint64_t want = frames < max ? frames : max, have = 0;
    if (boot_opts.compat_m2p_frames && boot_opts.compat_m2p_frames < want)
        want = boot_opts.compat_m2p_frames;     /* a test's smaller window (bootopts.h) */

    /* Each chunk: its pages read-only through one L1 (supervisor and user
     * may read, nobody writes through the window). */
    for (unsigned c = 0; have < want && c < NR_L2_SLOTS; c++) {
        uint64_t pages = ((want - have) * 4 + 4095) >> 12;
        unsigned order = 0;
        while (order < 9 && (1ull << order) < pages)
            order++;
        uint32_t *chunk = alloc_pages(order, DOMID_XEN);
        uint64_t *l1 = alloc_pages(0, DOMID_XEN);
        if (!chunk || !l1) {
            if (chunk)
                free_pages(chunk, order);
            if (l1)
                free_pages(l1, 0);
            log_err("m2p: out of memory for the compat table: it covers %lu of %lu frames\n",
                    (unsigned long)have, (unsigned long)want);
            break;
        }
        memset(chunk, 0xff, 4096ull << order);     /* invalid (~0) everywhere */
        for (uint64_t i = 0; i < (1ull << order); i++)
            l1[i] = (virt_to_phys(chunk) + (i << 12)) | PTE_P | PTE_US | PTE_A | nx;
        chunks[c] = chunk;
        l2e[c] = virt_to_phys(l1) | PTE_P | PTE_US | PTE_A;
        have += MIN(want - have, (4096ull << order) / 4);
    }
    nr_entries = have;
    log_info("m2p: compat table of %lu entries at %#lx (read-only for 32-bit PV guests)\n",
             (unsigned long)nr_entries, (unsigned long)MACH2PHYS_COMPAT_VIRT_START);
}

void m2p_compat_set(uint64_t mfn, uint64_t pfn)
{
    if (mfn < nr_entries)
        __atomic_store_n(&chunks[mfn >> 19][mfn & 0x7ffff], (uint32_t)pfn, __ATOMIC_RELAXED);
}

void m2p_compat_l2x(uint64_t *l2)
{
    for (unsigned i = 0; i < NR_L2_SLOTS; i++)
        l2[PGT_L2X_HV_FIRST + i] = l2e[i];
}

uint64_t m2p_compat_nr_entries(void)
{
    return nr_entries;
}

/* XENMEM_machphys_mfn_list for 32-bit callers (pv32_m2p.c): the table in
 * chunks of up to 2 MiB, each contiguous (one order-n allocation), as
 * Xen's compat answer lists the 2 MiB mappings of its compat table. */
uint64_t m2p_compat_nr_extents(void)
{
    unsigned n = 0;
    while (n < NR_L2_SLOTS && chunks[n])
        n++;
    return n;
}

uint64_t m2p_compat_extent_mfn(uint64_t i)
{
    return i < m2p_compat_nr_extents() ? virt_to_phys(chunks[i]) >> 12 : INVALID_M2P_ENTRY;
}
