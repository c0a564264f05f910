/*
 * The 64-bit PV initial-region layout (src/pv/pv_layout.c) against
 * numbers worked out by hand from Xen's builder (docs/pv-builder-facts.md
 * section 10, here with the p2m list inside the region), the OR-not-round-up
 * end, the refusals, and the invariants over random kernels; and with an
 * initrd (mapped after the kernel, or by pfn after the region) and the p2m
 * list at an INIT_P2M address (section 10 as Linux asks for both).
 */
#include <stdbool.h>
#include "test.h"
#include "pv/pv_layout.h"
#include "lib/errno.h"

#define VB 0xffffffff80000000ull

/* Debian 6.1's kernel (0xffffffff81000000-0xffffffff84a00000), 512 MiB:
 * p2m 256 pages at 0x4a00; start_info, xenstore, console at 0x4b00-2;
 * tables L4 + L3 + L2 + 38 L1s (2 MiB blocks 0..37 up to 0xffffffff84bfffff)
 * = 41 at 0x4b03; stack 0x4b2c; end 0x4c00. */
static void debian_kernel(void)
{
    struct pv_layout l;
    char err[128] = "";

    CHECK_EQ(pv_layout(VB, 0xffffffff81000000ull, 0xffffffff84a00000ull, 0x20000, &l, err, sizeof(err)), 0);
    CHECK_EQ(l.pfn_kernel, 0x1000);
    CHECK_EQ(l.pfn_p2m, 0x4a00);
    CHECK_EQ(l.nr_p2m, 0x100);
    CHECK_EQ(l.pfn_start_info, 0x4b00);
    CHECK_EQ(l.pfn_store, 0x4b01);
    CHECK_EQ(l.pfn_console, 0x4b02);
    CHECK_EQ(l.pfn_pt, 0x4b03);
    CHECK_EQ(l.n3, 1);
    CHECK_EQ(l.n2, 1);
    CHECK_EQ(l.n1, 38);
    CHECK_EQ(l.nr_pt, 41);
    CHECK_EQ(l.pfn_stack, 0x4b2c);
    CHECK_EQ(l.pfn_end, 0x4c00);
}

/* pv_hello as the hypervisor logs it: kernel pfn 0x100 (6 pages, the end
 * not page-aligned), 64 MiB: p2m 0x106, start_info 0x126, 5 tables at
 * 0x129, stack 0x12e, end 0x400. */
static void pv_hello_kernel(void)
{
    struct pv_layout l;
    char err[128] = "";

    CHECK_EQ(pv_layout(VB, VB + 0x100000, VB + 0x100000 + 6 * 4096 - 100, 0x4000, &l, err, sizeof(err)), 0);
    CHECK_EQ(l.pfn_kernel, 0x100);
    CHECK_EQ(l.pfn_p2m, 0x106);
    CHECK_EQ(l.nr_p2m, 0x20);
    CHECK_EQ(l.pfn_start_info, 0x126);
    CHECK_EQ(l.pfn_pt, 0x129);
    CHECK_EQ(l.nr_pt, 5);
    CHECK_EQ(l.pfn_stack, 0x12e);
    CHECK_EQ(l.pfn_end, 0x400);
}

/* Next free address + 129 pages exactly on a 4 MiB boundary: Xen's OR
 * takes the whole next block (end 8 MiB, 4 L1s), not that boundary. */
static void aligned_end(void)
{
    struct pv_layout l;
    char err[128] = "";

    /* 16 MiB: p2m 8 pages; kernel 0x100..0x374 -> console at 0x37e, next 0x37f; 0x37f + 129 = 0x400. */
    CHECK_EQ(pv_layout(VB, VB + 0x100000, VB + 0x374000, 0x1000, &l, err, sizeof(err)), 0);
    CHECK_EQ(l.pfn_pt, 0x37f);
    CHECK_EQ(l.n1, 4);
    CHECK_EQ(l.nr_pt, 7);
    CHECK_EQ(l.pfn_end, 0x800);
}

static void refusals(void)
{
    struct pv_layout l;
    char err[128] = "";

    /* The region needs 4 MiB; 3 MiB of RAM is not enough. */
    CHECK_EQ(pv_layout(VB, VB + 0x100000, VB + 0x106000, 0x300, &l, err, sizeof(err)), -ENOMEM);
    CHECK_CONTAINS(err, "needs 4 MiB");
    CHECK_EQ(pv_layout(VB, VB + 0x100800, VB + 0x106000, 0x4000, &l, err, sizeof(err)), -ENOEXEC);
    CHECK_CONTAINS(err, "page-aligned");
    CHECK_EQ(pv_layout(VB, VB - 0x1000, VB + 0x106000, 0x4000, &l, err, sizeof(err)), -ENOEXEC);
    CHECK_EQ(pv_layout(VB, VB + 0x2000, VB + 0x1000, 0x4000, &l, err, sizeof(err)), -ENOEXEC);
}

/* Random kernels and sizes: the elements in order and packed, the end on
 * a 4 MiB boundary with at least 512 KiB after the stack, and the table
 * counts exactly those that map [VIRT_BASE, end). */
static void invariants(void)
{
    for (unsigned i = 0; i < 20000; i++) {
        struct pv_layout l;
        char err[128] = "";
        uint64_t kstart = VB + (t_rand() % 0x20000) * 4096;
        uint64_t kend = kstart + 1 + t_rand() % (64ull << 20);
        uint64_t pages = 0x800 + t_rand() % 0x200000;
        int rc = pv_layout(VB, kstart, kend, pages, &l, err, sizeof(err));
        if (rc) {
            CHECK_EQ(rc, -ENOMEM);
            continue;
        }
        CHECK_EQ(l.pfn_kernel, (kstart - VB) >> 12);
        CHECK_EQ(l.pfn_p2m, l.pfn_kernel + ((kend - kstart + 4095) >> 12));
        CHECK_EQ(l.pfn_start_info, l.pfn_p2m + l.nr_p2m);
        CHECK_EQ(l.pfn_pt, l.pfn_console + 1);
        CHECK_EQ(l.pfn_stack, l.pfn_pt + l.nr_pt);
        CHECK_EQ(l.pfn_end % 1024, 0);
        CHECK(l.pfn_end >= l.pfn_stack + 1 + 128);
        CHECK(l.pfn_end <= pages);
        uint64_t last = (VB + (l.pfn_end << 12) - 1) & ((1ull << 48) - 1), first = VB & ((1ull << 48) - 1);
        CHECK_EQ(l.n1, (last >> 21) - (first >> 21) + 1);
        CHECK_EQ(l.n2, (last >> 30) - (first >> 30) + 1);
        CHECK_EQ(l.n3, (last >> 39) - (first >> 39) + 1);
        CHECK_EQ(l.nr_pt, 1 + l.n3 + l.n2 + l.n1);
        if (t_failures)
            break;
    }
}

/* Section 10 as written: Debian 6.1, 512 MiB, a 30 MiB initrd by pfn
 * (MOD_START_PFN), INIT_P2M 0x8000000000: no list in the region, so
 * start_info at 0x4a00, tables (41) at 0x4a03, stack 0x4a2c, end 0x4c00;
 * the initrd at 0x4c00 (0x1e00 pages), the list at 0x6a00 (0x100 pages)
 * and its L3, L2, L1 at 0x6b00. */
static void debian_initrd_init_p2m(void)
{
    struct pv_layout l;
    char err[128] = "";
    const struct pv_layout_opts o = { 30ull << 20, 1, 0x8000000000ull , 0 };

    CHECK_EQ(pv_layout_ex(VB, 0xffffffff81000000ull, 0xffffffff84a00000ull, 0x20000, &o, &l, err, sizeof(err)), 0);
    CHECK_EQ(l.pfn_kernel, 0x1000);
    CHECK_EQ(l.pfn_start_info, 0x4a00);
    CHECK_EQ(l.pfn_console, 0x4a02);
    CHECK_EQ(l.pfn_pt, 0x4a03);
    CHECK_EQ(l.nr_pt, 41);
    CHECK_EQ(l.pfn_stack, 0x4a2c);
    CHECK_EQ(l.pfn_end, 0x4c00);
    CHECK_EQ(l.pfn_mod, 0x4c00);
    CHECK_EQ(l.nr_mod, 0x1e00);
    CHECK_EQ(l.pfn_p2m, 0x6a00);
    CHECK_EQ(l.nr_p2m, 0x100);
    CHECK_EQ(l.p2m_va, 0x8000000000ull);
    CHECK_EQ(l.pfn_p2m_pt, 0x6b00);
    CHECK_EQ(l.p2m_n3, 1);
    CHECK_EQ(l.p2m_n2, 1);
    CHECK_EQ(l.p2m_n1, 1);
}

/* A mapped initrd (no MOD_START_PFN): right after the kernel, whole pages,
 * then the p2m list, the rest shifted; INIT_P2M the layout cannot use
 * (not page-aligned, at or above VIRT_BASE, sharing the region's L4 slot,
 * in the hypervisor's slots) leaves the list in the region. */
static void mapped_initrd_and_unusable_p2m(void)
{
    struct pv_layout l;
    char err[128] = "";
    const uint64_t bad_p2m[] = { 0x8000000800ull, VB, 0xffffff8000000000ull, 0xffff800000000000ull, ~0ull };

    for (unsigned i = 0; i < sizeof(bad_p2m) / sizeof(bad_p2m[0]); i++) {
        const struct pv_layout_opts o = { 12411, 0, bad_p2m[i] , 0 };
        CHECK_EQ(pv_layout_ex(VB, VB + 0x100000, VB + 0x106000, 0x4000, &o, &l, err, sizeof(err)), 0);
        CHECK_EQ(l.pfn_mod, 0x106);
        CHECK_EQ(l.nr_mod, 4);
        CHECK_EQ(l.pfn_p2m, 0x10a);
        CHECK_EQ(l.p2m_va, VB + (0x10aull << 12));
        CHECK_EQ(l.p2m_n3, 0);
        CHECK_EQ(l.pfn_start_info, 0x12a);
        CHECK_EQ(l.pfn_end, 0x400);
    }
    /* pv_boot's own layout (64 MiB, initrd by pfn, INIT_P2M). */
    const struct pv_layout_opts o = { 12411, 1, 0x8000000000ull , 0 };
    CHECK_EQ(pv_layout_ex(VB, VB + 0x100000, VB + 0x106000, 0x4000, &o, &l, err, sizeof(err)), 0);
    CHECK_EQ(l.pfn_start_info, 0x106);
    CHECK_EQ(l.pfn_end, 0x400);
    CHECK_EQ(l.pfn_mod, 0x400);
    CHECK_EQ(l.pfn_p2m, 0x404);
    CHECK_EQ(l.pfn_p2m_pt, 0x424);
    /* An initrd larger than the domain, or pieces past its end. */
    const struct pv_layout_opts big = { 65ull << 20, 1, ~0ull , 0 };
    CHECK_EQ(pv_layout_ex(VB, VB + 0x100000, VB + 0x106000, 0x4000, &big, &l, err, sizeof(err)), -ENOMEM);
    const struct pv_layout_opts tight = { 60ull << 20, 1, 0x8000000000ull , 0 };
    CHECK_EQ(pv_layout_ex(VB, VB + 0x100000, VB + 0x106000, 0x4000, &tight, &l, err, sizeof(err)), -ENOMEM);
    CHECK_CONTAINS(err, "with the initrd and p2m");
}

/* Random kernels, initrds and INIT_P2M addresses: every piece in Xen's
 * order, none overlapping, all inside the domain. */
static void invariants_with_options(void)
{
    for (unsigned i = 0; i < 20000; i++) {
        struct pv_layout l;
        char err[128] = "";
        uint64_t kstart = VB + (t_rand() % 0x20000) * 4096;
        uint64_t kend = kstart + 1 + t_rand() % (64ull << 20);
        uint64_t pages = 0x800 + t_rand() % 0x200000;
        struct pv_layout_opts o = { t_rand() % 2 ? t_rand() % (64ull << 20) : 0, (int)(t_rand() % 2),
                                    t_rand() % 2 ? (t_rand() % 256) << 39 : ~0ull, 0 };
        int rc = pv_layout_ex(VB, kstart, kend, pages, &o, &l, err, sizeof(err));
        if (rc) {
            CHECK_EQ(rc, -ENOMEM);
            continue;
        }
        uint64_t kpages = (kend - kstart + 4095) >> 12, next = l.pfn_kernel + kpages;
        CHECK_EQ(l.nr_mod, (o.mod_bytes + 4095) >> 12);
        if (l.nr_mod && !o.mod_unmapped) {
            CHECK_EQ(l.pfn_mod, next);
            next += l.nr_mod;
        }
        bool out = o.init_p2m != ~0ull;       /* every random address here is usable */
        CHECK_EQ(l.p2m_n3 != 0, out);
        if (!out) {
            CHECK_EQ(l.pfn_p2m, next);
            CHECK_EQ(l.p2m_va, VB + (l.pfn_p2m << 12));
            next += l.nr_p2m;
        }
        CHECK_EQ(l.pfn_start_info, next);
        CHECK_EQ(l.pfn_end % 1024, 0);
        uint64_t after = l.pfn_end;
        if (l.nr_mod && o.mod_unmapped) {
            CHECK_EQ(l.pfn_mod, after);
            after += l.nr_mod;
        }
        if (out) {
            CHECK_EQ(l.p2m_va, o.init_p2m);
            CHECK_EQ(l.pfn_p2m, after);
            CHECK_EQ(l.pfn_p2m_pt, after + l.nr_p2m);
            CHECK_EQ(l.p2m_n3, 1);
            CHECK_EQ(l.p2m_n2, ((o.init_p2m + (l.nr_p2m << 12) - 1) >> 30) - (o.init_p2m >> 30) + 1);
            CHECK_EQ(l.p2m_n1, ((o.init_p2m + (l.nr_p2m << 12) - 1) >> 21) - (o.init_p2m >> 21) + 1);
            after = l.pfn_p2m_pt + l.p2m_n3 + l.p2m_n2 + l.p2m_n1;
        }
        CHECK(after <= pages);
        if (t_failures)
            break;
    }
}

/* A 32-bit PAE kernel (pv32_hello's: 0xc0100000, 64 MiB): 4-byte p2m
 * entries (16 pages), one L3 + one L2 + two L1s and no L4, the region to
 * 0xc0400000; INIT_P2M ignored. */
static void compat_pae(void)
{
    struct pv_layout l;
    char err[128] = "";
    const struct pv_layout_opts o = { 0, 0, 0x8000000ull, 1 };

    CHECK_EQ(pv_layout_ex(0xc0000000ull, 0xc0100000ull, 0xc0104a00ull, 0x4000, &o, &l, err, sizeof(err)), 0);
    CHECK_EQ(l.pfn_kernel, 0x100);
    CHECK_EQ(l.pfn_p2m, 0x105);
    CHECK_EQ(l.nr_p2m, 16);
    CHECK_EQ(l.p2m_va, 0xc0105000ull);
    CHECK_EQ(l.n3, 1);
    CHECK_EQ(l.n2, 1);
    CHECK_EQ(l.n1, 2);
    CHECK_EQ(l.nr_pt, 4);
    CHECK_EQ(l.pfn_pt, l.pfn_console + 1);
    CHECK_EQ(l.pfn_end, 0x400);
    CHECK_EQ(l.p2m_n3 + l.p2m_n2 + l.p2m_n1, 0);
}

int main(void)
{
    RUN(debian_kernel);
    RUN(pv_hello_kernel);
    RUN(aligned_end);
    RUN(refusals);
    RUN(invariants);
    RUN(debian_initrd_init_p2m);
    RUN(mapped_initrd_and_unusable_p2m);
    RUN(invariants_with_options);
    RUN(compat_pae);
    return t_finish("pv_layout");
}
