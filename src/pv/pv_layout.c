/*
 * The initial-region layout of a 64-bit PV domain (pv_layout.h).  In
 * ascending pfn order: padding up to the kernel, the kernel, the p2m list,
 * start_info, the xenstore page, the console page, the page tables, the
 * boot stack, padding to the end.  The end and the number of tables come
 * from the fixpoint of Xen's builder: start with room for the stack and
 * 512 KiB; the candidate end is (next free address + room) OR (4 MiB - 1),
 * the last byte of its 4 MiB block (an OR, not a round-up: an end that is
 * already aligned gets a whole extra block); count the tables that map
 * [virt_base, end] (one L4; one L3 per 512 GiB, one L2 per 1 GiB, one L1
 * per 2 MiB touched); repeat with room = tables + stack + 512 KiB until it
 * fits.
 */
#include "pv/pv_layout.h"
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
    const uint64_t mask48 = (1ull << 48) - 1, four_mib = 4ull << 20, extra = 1 + 128;

    if ((kstart & 0xfff) || kstart < vb || kend < kstart) {
        fmt_snprintf(err, errlen, "pv: kernel %#llx-%#llx not page-aligned at or above VIRT_BASE %#llx",
                     (unsigned long long)kstart, (unsigned long long)kend, (unsigned long long)vb);
        return -ENOEXEC;
    }
    l->pfn_kernel = (kstart - vb) >> 12;
    uint64_t cur = l->pfn_kernel + ((kend - kstart + 4095) >> 12);
    l->pfn_p2m = cur;
    l->nr_p2m = (nr_pages * 8 + 4095) >> 12;
    cur += l->nr_p2m;
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
        pages = 1 + l->n3 + l->n2 + l->n1 + extra;
        if (cur_va + (pages << 12) <= try_end + 1)
            break;
    }
    l->pfn_pt = cur;
    l->nr_pt = 1 + l->n3 + l->n2 + l->n1;
    cur += l->nr_pt;
    l->pfn_stack = cur;
    l->pfn_end = (try_end + 1 - vb) >> 12;
    if (l->pfn_end > nr_pages) {
        fmt_snprintf(err, errlen, "pv: the initial mapping needs %llu MiB, the domain has %llu MiB",
                     (unsigned long long)((l->pfn_end << 12) >> 20), (unsigned long long)((nr_pages << 12) >> 20));
        return -ENOMEM;
    }
    return 0;
}
