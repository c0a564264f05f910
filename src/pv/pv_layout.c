/*
 * The initial-region layout of a 64-bit PV domain (pv_layout.h).  In
 * ascending pfn order: padding up to the kernel, the kernel, the initrd
 * (when mapped), the p2m list (unless INIT_P2M), start_info, the xenstore
 * page, the console page, the page tables, the boot stack, padding to the
 * end.  The end and the number of tables come from the fixpoint of Xen's
 * builder: start with room for the stack and 512 KiB; the candidate end is
 * (next free address + room) OR (4 MiB - 1), the last byte of its 4 MiB
 * block (an OR, not a round-up: an end that is already aligned gets a
 * whole extra block); count the tables that map [virt_base, end] (one L4;
 * one L3 per 512 GiB, one L2 per 1 GiB, one L1 per 2 MiB touched); repeat
 * with room = tables + stack + 512 KiB until it fits.
 *
 * After the region, as Xen's builder places its deferred pieces: the
 * initrd when the kernel takes it by pfn (MOD_START_PFN), then, with
 * INIT_P2M, the p2m list followed by the L3s, L2s and L1s that map it at
 * the note's address with 4 KiB pages (the region's L4 is shared).
 */
#include "pv/pv_layout.h"
#include <stdbool.h>
#include "lib/errno.h"
#include "lib/fmt.h"

/* Tables of one level for [from, to] (48-bit addresses): one per 2^shift
 * region touched. */
static uint64_t tables_for(uint64_t from, uint64_t to, unsigned shift)
{
    return (to >> shift) - (from >> shift) + 1;
}

int pv_layout(uint64_t vb, uint64_t kstart, uint64_t kend, uint64_t nr_pages, struct pv_layout *l, char *err,
              size_t errlen)
{
    return pv_layout_ex(vb, kstart, kend, nr_pages, NULL, l, err, errlen);
}

/* INIT_P2M as Xen's builder accepts it (page-aligned, below virt_base),
 * canonical and clear of the hypervisor's slots, and (our restriction, see
 * pv_layout.h) in L4 slots the region does not use: its tables are then
 * all new. */
static bool p2m_va_usable(uint64_t va, uint64_t bytes, uint64_t vb)
{
    const uint64_t mask48 = (1ull << 48) - 1;
    uint64_t last = va + bytes - 1;

    if (va == ~0ull || (va & 4095) || va >= vb || last < va || last >= vb)
        return false;
    if ((uint64_t)((int64_t)(va << 16) >> 16) != va || (uint64_t)((int64_t)(last << 16) >> 16) != last)
        return false;
    if (last >= 0xffff800000000000ull && va < 0xffff880000000000ull)
        return false;
    return ((last & mask48) >> 39) < ((vb & mask48) >> 39) || (va & mask48) >> 39 > (vb & mask48) >> 39;
}

int pv_layout_ex(uint64_t vb, uint64_t kstart, uint64_t kend, uint64_t nr_pages, const struct pv_layout_opts *o,
                 struct pv_layout *l, char *err, size_t errlen)
{
    const uint64_t mask48 = (1ull << 48) - 1, four_mib = 4ull << 20, extra = 1 + 128;
    const struct pv_layout_opts none = { 0, 0, ~0ull, 0 };

    if (!o)
        o = &none;
    *l = (struct pv_layout){ 0 };
    if ((kstart & 0xfff) || kstart < vb || kend < kstart) {
        fmt_snprintf(err, errlen, "pv: kernel %#llx-%#llx not page-aligned at or above VIRT_BASE %#llx",
                     (unsigned long long)kstart, (unsigned long long)kend, (unsigned long long)vb);
        return -ENOEXEC;
    }
    if (o->mod_bytes > (nr_pages << 12)) {
        fmt_snprintf(err, errlen, "pv: the initrd (%llu KiB) is larger than the domain",
                     (unsigned long long)(o->mod_bytes >> 10));
        return -ENOMEM;
    }
    l->pfn_kernel = (kstart - vb) >> 12;
    uint64_t cur = l->pfn_kernel + ((kend - kstart + 4095) >> 12);
    l->nr_mod = (o->mod_bytes + 4095) >> 12;
    if (l->nr_mod && !o->mod_unmapped) {
        l->pfn_mod = cur;
        cur += l->nr_mod;
    }
    l->nr_p2m = (nr_pages * (o->compat ? 4 : 8) + 4095) >> 12;
    bool p2m_out = !o->compat && p2m_va_usable(o->init_p2m, l->nr_p2m << 12, vb);
    const uint64_t nr_l4 = o->compat ? 0 : 1;   /* a PAE kernel's top level is its (one) L3 */
    if (!p2m_out) {
        l->pfn_p2m = cur;
        cur += l->nr_p2m;
    }
    l->pfn_start_info = cur++;
    l->pfn_store = cur++;
    l->pfn_console = cur++;

    uint64_t cur_va = vb + (cur << 12), pages = extra, try_end;
    for (unsigned guard = 0;; guard++) {
        try_end = (cur_va + (pages << 12)) | (four_mib - 1);
        if (guard > 64 || try_end < cur_va || cur_va < vb) {
            fmt_snprintf(err, errlen, "pv: no layout for the initial mapping (it would wrap)");
            return -ENOEXEC;
        }
        uint64_t from = vb & mask48, to = try_end & mask48;
        l->n3 = tables_for(from, to, 39);
        l->n2 = tables_for(from, to, 30);
        l->n1 = tables_for(from, to, 21);
        pages = nr_l4 + l->n3 + l->n2 + l->n1 + extra;
        if (cur_va + (pages << 12) <= try_end + 1)
            break;
    }
    l->pfn_pt = cur;
    l->nr_pt = nr_l4 + l->n3 + l->n2 + l->n1;
    cur += l->nr_pt;
    l->pfn_stack = cur;
    l->pfn_end = (try_end + 1 - vb) >> 12;

    /* The deferred pieces. */
    uint64_t next = l->pfn_end;
    if (l->nr_mod && o->mod_unmapped) {
        l->pfn_mod = next;
        next += l->nr_mod;
    }
    if (p2m_out) {
        uint64_t from = o->init_p2m & mask48, to = (o->init_p2m + (l->nr_p2m << 12) - 1) & mask48;
        l->p2m_va = o->init_p2m;
        l->pfn_p2m = next;
        next += l->nr_p2m;
        l->p2m_n3 = tables_for(from, to, 39);
        l->p2m_n2 = tables_for(from, to, 30);
        l->p2m_n1 = tables_for(from, to, 21);
        l->pfn_p2m_pt = next;
        next += l->p2m_n3 + l->p2m_n2 + l->p2m_n1;
    } else {
        l->p2m_va = vb + (l->pfn_p2m << 12);
    }
    if (next > nr_pages) {
        fmt_snprintf(err, errlen, "pv: the initial mapping%s needs %llu MiB, the domain has %llu MiB",
                     next > l->pfn_end ? " with the initrd and p2m" : "",
                     (unsigned long long)((next << 12) >> 20), (unsigned long long)((nr_pages << 12) >> 20));
        return -ENOMEM;
    }
    return 0;
}
