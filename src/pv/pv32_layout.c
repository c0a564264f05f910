/*
 * The x86_32 forms of a 32-bit PAE PV domain's start of day (pv32_layout.h):
 * the 4-byte p2m list, the PAE bootstrap tables and the x86_32 start_info,
 * as Xen's builder writes them for a PAE kernel.  Pure (no hypervisor
 * state): the boot-module builder (pv32_build.c) and `rv create`
 * (tools/rv/pv32_build.c) share it.
 */
#include "pv/pv32_layout.h"
#include "lib/errno.h"
#include "lib/fmt.h"

#define PT32_L3     0x001ull    /* P: a PAE PDPTE (pgtype.c adds RW US A under the long-mode L4) */
#define PT32_L2     0x067ull    /* P RW US A D */
#define PT32_L1_RW  0x023ull    /* P RW A */
#define PT32_L1_RO  0x021ull    /* P A: the bootstrap page-table frames */

int pv32_region_check(uint64_t virt_base, uint64_t pfn_end, uint64_t *n2, char *err, size_t errlen)
{
    uint64_t last = virt_base + (pfn_end << 12) - 1;

    if (!pfn_end || last >= PV32_LAYOUT_HV_START || last < virt_base) {
        fmt_snprintf(err, errlen, "pv32: the initial mapping %#lx-%#lx reaches the hypervisor's range at %#lx",
                     (unsigned long)virt_base, (unsigned long)last, (unsigned long)PV32_LAYOUT_HV_START);
        return -ENOEXEC;
    }
    *n2 = (last >> 30) - (virt_base >> 30) + 1;
    return 0;
}

int pv32_write_p2m(const uint64_t *p2m, uint64_t nr_pages, uint64_t pfn_p2m, pv32_page_fn page, void *ctx,
                   char *err, size_t errlen)
{
    for (uint64_t pfn = 0; pfn < nr_pages; pfn++)
        if (p2m[pfn] >> 32) {
            fmt_snprintf(err, errlen, "pv32: frame %#lx does not fit a 32-bit mfn", (unsigned long)p2m[pfn]);
            return -ENOMEM;
        }
    for (uint64_t pfn = 0; pfn < nr_pages; pfn++)
        ((uint32_t *)page(ctx, pfn_p2m + (pfn >> 10)))[pfn & 1023] = (uint32_t)p2m[pfn];
    return 0;
}

void pv32_write_tables(uint64_t virt_base, uint64_t pfn_pt, uint64_t nr_pt, uint64_t pfn_end, uint64_t n2,
                       const uint64_t *p2m, pv32_page_fn page, void *ctx)
{
    uint64_t from = virt_base;
    uint64_t base2 = pfn_pt + 1, base1 = base2 + n2;
    uint64_t *l3 = page(ctx, pfn_pt);

    for (uint64_t pfn = 0; pfn < pfn_end; pfn++) {
        uint64_t va = from + (pfn << 12);
        uint64_t t2 = base2 + (va >> 30) - (from >> 30);
        uint64_t t1 = base1 + (va >> 21) - (from >> 21);
        uint64_t *l2 = page(ctx, t2), *l1 = page(ctx, t1);
        int is_pt = pfn >= pfn_pt && pfn < pfn_pt + nr_pt;

        l3[(va >> 30) & 3] = (p2m[t2] << 12) | PT32_L3;
        l2[(va >> 21) & 511] = (p2m[t1] << 12) | PT32_L2;
        l1[(va >> 12) & 511] = (p2m[pfn] << 12) | (is_pt ? PT32_L1_RO : PT32_L1_RW);
    }
}

void pv32_start_info_init(struct compat_start_info *si, const char *cmdline)
{
    static const char magic[] = "xen-3.0-x86_32p";
    uint8_t *b = (uint8_t *)si;

    for (size_t i = 0; i < sizeof(*si); i++)
        b[i] = 0;
    for (size_t i = 0; i < sizeof(magic); i++)
        si->magic[i] = magic[i];
    for (size_t i = 0; cmdline && cmdline[i] && i < sizeof(si->cmd_line) - 1; i++)
        si->cmd_line[i] = (int8_t)cmdline[i];
}
