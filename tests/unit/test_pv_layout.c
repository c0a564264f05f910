/*
 * The 64-bit PV initial-region layout (src/pv/pv_layout.c) against
 * numbers worked out by hand from Xen's builder (docs/pv-builder-facts.md
 * section 10, here with the p2m list inside the region), the OR-not-round-up
 * end, the refusals, and the invariants over random kernels.
 */
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

int main(void)
{
    RUN(debian_kernel);
    RUN(pv_hello_kernel);
    RUN(aligned_end);
    RUN(refusals);
    RUN(invariants);
    return t_finish("pv_layout");
}
