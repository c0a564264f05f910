/*
 * The global M2P table (m2p.h).  Only the pages needed for the host's
 * frames are allocated (one 4 KiB page per 512 frames, in 2 MiB chunks and
 * a smaller tail); the hypervisor keeps their direct-map addresses to write
 * entries.  The guest-visible window is built by hand
 * rather than with paging_map: its entries need US at every level (ring 3
 * reads it) and RW at none (ring 3 must not write it; the L4 entry without
 * RW already makes the whole slot read-only, the lower levels repeat it).
 */
#include "mm/m2p.h"
#include "mm/mm.h"
#include "core/console.h"
#include "lib/string.h"

static uint64_t **pages;            /* (i) direct-map address of each table page */
static uint64_t nr_pages, nr_entries;   /* (i) */

uint64_t m2p_nr_entries(void) { return nr_entries; }

uint64_t m2p_nr_extents(void)
{
    return (nr_pages + 511) >> 9;
}

uint64_t m2p_extent_mfn(uint64_t i)
{
    return i < m2p_nr_extents() ? virt_to_phys(pages[i << 9]) >> 12 : INVALID_M2P_ENTRY;
}

/* A zeroed table page of the window; its physical address, 0 if none. */
static uint64_t table_page(void)
{
    void *p = alloc_pages(0, DOMID_XEN);
    return p ? virt_to_phys(p) : 0;
}

/* The entry for va at 'level' in the window's tree, creating tables. */
static uint64_t *walk(uint64_t va, unsigned level, uint64_t upper)
{
    uint64_t *t = phys_to_virt(mm_root_phys());

    for (unsigned l = 4; l > level; l--) {
        uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
        if (!(*e & PTE_P)) {
            uint64_t pa = table_page();
            if (!pa)
                return NULL;
            *e = pa | upper;
        }
        t = phys_to_virt(*e & PTE_ADDR);
    }
    return &t[(va >> 12) & 511];
}

void m2p_init(void)
{
    uint64_t frames;
    const uint64_t nx = mm_nx_enabled() ? PTE_NX : 0;
    /* Present and user, never writable: read-only for the guest, and for
     * the hypervisor too through this window (it writes via the direct map). */
    const uint64_t upper = PTE_P | PTE_US | PTE_A, leaf = PTE_P | PTE_US | PTE_A | nx;

    (void)mm_frame_table(&frames);
    if (frames > MACH2PHYS_NR_ENTRIES)
        frames = MACH2PHYS_NR_ENTRIES;
    uint64_t want = (frames * 8 + 4095) >> 12;
    pages = xzalloc(want * sizeof(*pages), HEAP_PV);
    if (!pages) {
        log_err("m2p: no memory for the page list: PV guests get no M2P\n");
        return;
    }
    /* 2 MiB chunks (XENMEM_machphys_mfn_list names each by its first
     * frame, so each must be contiguous); the tail in the smallest block
     * that holds it. */
    while (nr_pages < want) {
        unsigned order = 0;
        while (order < 9 && (1ull << order) < want - nr_pages)
            order++;
        uint8_t *chunk = alloc_pages(order, DOMID_XEN);
        if (!chunk) {
            log_err("m2p: out of memory after %lu of %lu pages: the table covers fewer frames\n",
                    (unsigned long)nr_pages, (unsigned long)want);
            break;
        }
        memset(chunk, 0xff, 4096ull << order);     /* INVALID_M2P_ENTRY everywhere */
        uint64_t n = MIN(1ull << order, want - nr_pages), done = 0;
        for (; done < n; done++) {
            uint64_t *e = walk(MACH2PHYS_VIRT_START + ((nr_pages + done) << 12), 1, upper);
            if (!e)
                break;
            pages[nr_pages + done] = (uint64_t *)(chunk + (done << 12));
            *e = virt_to_phys(chunk + (done << 12)) | leaf;
        }
        nr_pages += done;
        if (done < n) {
            log_err("m2p: out of memory for the window's tables: the table covers fewer frames\n");
            break;
        }
    }
    nr_entries = MIN(frames, nr_pages * 512);
    m2p_compat_init(frames);
    log_info("m2p: %lu entries in %lu pages at %#lx (read-only for PV guests)\n", (unsigned long)nr_entries,
             (unsigned long)nr_pages, (unsigned long)MACH2PHYS_VIRT_START);
}

bool m2p_set(uint64_t mfn, uint64_t pfn)
{
    if (mfn >= nr_entries)
        return false;
    __atomic_store_n(&pages[mfn >> 9][mfn & 511], pfn, __ATOMIC_RELAXED);
    m2p_compat_set(mfn, pfn);
    return true;
}

uint64_t m2p_get(uint64_t mfn)
{
    return mfn < nr_entries ? __atomic_load_n(&pages[mfn >> 9][mfn & 511], __ATOMIC_RELAXED) : INVALID_M2P_ENTRY;
}

void m2p_invalidate(uint64_t mfn, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++)
        if (mfn + i < nr_entries)
            __atomic_store_n(&pages[(mfn + i) >> 9][(mfn + i) & 511], INVALID_M2P_ENTRY, __ATOMIC_RELAXED);
    for (uint64_t i = 0; i < count; i++)
        m2p_compat_set(mfn + i, INVALID_M2P_ENTRY);
}
