/*
 * pv_built: a 64-bit PV kernel that `rv create` builds from dom0
 * (tools/rv/pv_build.c; docs/toolstack.md "Building a PV domain from
 * dom0"), also bootable by the hypervisor's own builder (pv_built.cfg):
 * both must give it the same start-of-day state, the one Xen's builder
 * gives (docs/pv-builder-facts.md).  It checks
 *  - start_info: magic, nr_pages (mib=N on its command line), flags
 *    (SIF_VIRT_P2M_4TOOLS only: a domU), shared_info a page-aligned
 *    machine address, the command line;
 *  - the region's order: p2m list right after the kernel, start_info
 *    after the list, the xenstore and console pages after it (their MFNs
 *    the p2m list's for those pfns), the page tables after them, RSP at
 *    the top of the boot stack page after the tables;
 *  - the p2m list and the hypervisor's read-only M2P are inverses for
 *    every page of the domain (populate_physmap's M2P from dom0);
 *  - its L4 as validated: the hypervisor's slots filled (M2P readable),
 *    the page-table frames mapped read-only (a write faults).
 * Then the marker line; with stay=1 it blocks for ever (the toolstack
 * lists and destroys it), else it powers off.
 */
#include "pv_lib.h"

#define M2P_BASE 0xffff800000000000ull

extern char _end[];
void pf_handler(void);

static int has(const char *s, const char *w)
{
    for (; *s; s++) {
        const char *a = s, *b = w;
        while (*b && *a == *b)
            a++, b++;
        if (!*b && (*a == 0 || *a == ' '))
            return 1;
    }
    return 0;
}

static uint64_t arg_num(const char *s, const char *key)
{
    for (; *s; s++) {
        const char *a = s, *b = key;
        while (*b && *a == *b)
            a++, b++;
        if (!*b) {
            uint64_t v = 0;
            while (*a >= '0' && *a <= '9')
                v = v * 10 + (uint64_t)(*a++ - '0');
            return v;
        }
    }
    return 0;
}

static int same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

void pv_main(const struct start_info *si)
{
    const char *cmd = (const char *)si->cmd_line;
    uint64_t mib = arg_num(cmd, "mib=");
    uint64_t si_va = (uint64_t)si;

    static struct trap_info traps[] = {
        { 14, 0, FLAT_KERNEL_CS, (uint64_t)pf_handler },
        { 0, 0, 0, 0 },
    };
    hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0);
    check(same(si->magic, "xen-3.0-x86_64"), "built-magic", "first byte", (uint8_t)si->magic[0], 'x');
    flush();
    check(mib && si->nr_pages == mib << 8, "built-nr-pages", "nr_pages", si->nr_pages, mib << 8);
    flush();
    check(si->flags == SIF_VIRT_P2M_4TOOLS, "built-flags", "flags", si->flags, SIF_VIRT_P2M_4TOOLS);
    flush();
    check(si->shared_info && !(si->shared_info & 0xfff), "built-shared-info", "address", si->shared_info, 0);
    flush();
    check(has(cmd, "pv_built"), "built-cmdline", "first byte", (uint8_t)cmd[0], 'p');
    flush();

    /* The order of the region (pv-builder-facts.md section 1). */
    uint64_t kend = ((uint64_t)_end + 4095) & ~4095ull;
    uint64_t p2m_pages = (si->nr_pages * 8 + 4095) >> 12;
    check(si->mfn_list == kend, "built-p2m-after-kernel", "mfn_list", si->mfn_list, kend);
    flush();
    check(si_va == si->mfn_list + (p2m_pages << 12), "built-start-info-after-p2m", "start_info", si_va,
          si->mfn_list + (p2m_pages << 12));
    flush();
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    uint64_t si_pfn = (si_va - VIRT_BASE) >> 12;
    check(si->store_mfn == p2m[si_pfn + 1] && si->console.domU.mfn == p2m[si_pfn + 2], "built-store-console",
          "store_mfn", si->store_mfn, p2m[si_pfn + 1]);
    flush();
    check(si->pt_base == si_va + 3 * 4096, "built-pt-after-console", "pt_base", si->pt_base, si_va + 3 * 4096);
    flush();
    uint64_t stack_top = si->pt_base + (si->nr_pt_frames + 1) * 4096;
    check(entry_rsp == stack_top, "built-boot-stack", "rsp", entry_rsp, stack_top);
    flush();

    /* p2m and M2P inverses for every page. */
    uint64_t bad = 0, first_bad = ~0ull;
    for (uint64_t pfn = 0; pfn < si->nr_pages; pfn++) {
        uint64_t back = ~0ull;
        if (!try_read(M2P_BASE + p2m[pfn] * 8, &back) || back != pfn) {
            if (!bad)
                first_bad = pfn;
            bad++;
        }
    }
    check(!bad, "built-m2p-inverse", "mismatches (first pfn in the next)", bad, 0);
    if (bad) {
        put(" first ");
        put_hex(first_bad);
    }
    flush();

    /* The L4 maps itself read-only: a write faults. */
    uint64_t before = pf_count;
    __asm__ volatile("lea 1f(%%rip), %%rax\n\tmov %%rax, pf_resume(%%rip)\n\tmovq $0, 2048(%0)\n1:"
                     :: "r"(si->pt_base) : "rax", "memory");
    check(pf_count == before + 1, "built-pt-read-only", "page faults", pf_count - before, 1);
    flush();

    put("RV-PV-BUILT: a PV domain up, ");
    pv_report();
    if (arg_num(cmd, "stay=") == 1 && !nr_fail) {
        for (;;)
            hc(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0);
    }
    shutdown(nr_fail ? SHUTDOWN_crash : SHUTDOWN_poweroff);
    for (;;)
        ;
}
