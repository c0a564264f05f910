/*
 * shadow_hostile: 32-bit paging (4 KiB and PSE 4 MiB pages) that a shadow
 * pager must get right, written for hap = 0 (docs/shadow.md) and correct
 * under nested paging too.  A page directory that maps itself (the PDE
 * 1023 self-map: page tables read and rewritten as data, then INVLPG);
 * #PF delivery with the architectural error code and CR2 (not present,
 * write to read-only, CR0.WP = 0 letting a supervisor write through);
 * accessed and dirty flags set as the CPU sets them; 10,000 MOV to CR3
 * between two address spaces that map one linear page to two frames; and
 * 512 distinct 2 MiB regions touched (more shadow tables than the
 * default budget of a 16 MiB domain holds: the pager must reclaim and
 * still translate every one right).  Global pages (CR4.PGE): after a MOV
 * to CR3 a non-global page must show the new space's frame; a global one
 * may keep the old (the shadow pager keeps it: docs/shadow.md "Global
 * leaves across CR3 switches"), until INVLPG or a CR4.PGE toggle, after
 * which the current tables must show.  A shadow pager that caches a shadow
 * per CR3 (docs/shadow.md "Cached shadows per CR3") must not show a space
 * its old translation: space A's PTE, or the PDE above it, changed while
 * space B is current, with no INVLPG, must show after the switch back to
 * A, and a PTE made not present must fault.
 */
#include "guest.h"

#define P       0x001u
#define RW      0x002u
#define A       0x020u
#define D       0x040u
#define PS      0x080u
#define G       0x100u
#define CR4_PSE 0x010u
#define CR4_PGE 0x080u
#define CR0_WP  0x10000u

#define WIN     0x40000000u             /* PDE 256: a 4 KiB-page window through pt_win */
#define HOLE    0x50000000u             /* PDE 320: nothing */
#define PRESS   0x80000000u             /* PDEs 512-767: 4 MiB pages, all onto phys 8-12 MiB */
#define SELF    0xffc00000u             /* PDE 1023 -> the page directory itself */
#define GLOB    0xc0000000u             /* PDE 768 -> pt_glob: page 0 global, per space */
#define NGLOB   0x60000000u             /* PDE 384 -> pt_glob too: page 1 not global (another
                                         * GiB: a shadow keeps or drops per root slot) */

static uint32_t pd_a[1024] __attribute__((aligned(4096)));
static uint32_t pd_b[1024] __attribute__((aligned(4096)));
static uint32_t pt_low[2][1024] __attribute__((aligned(4096)));     /* 0-8 MiB, 4 KiB pages */
static uint32_t pt_win[1024] __attribute__((aligned(4096)));
static uint32_t pt_win_b[1024] __attribute__((aligned(4096)));
static uint32_t pt_glob[2][1024] __attribute__((aligned(4096)));
static volatile uint32_t frame_a[1024] __attribute__((aligned(4096)));
static volatile uint32_t frame_b[1024] __attribute__((aligned(4096)));
static volatile uint32_t frame_c[1024] __attribute__((aligned(4096)));
static uint32_t pt_win_c[1024] __attribute__((aligned(4096)));

static void write_cr0(uint32_t v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static void write_cr3(uint32_t v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static void write_cr4(uint32_t v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static uint32_t read_cr2_(void) { uint32_t v; asm volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static void invlpg(uint32_t va) { asm volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static uint32_t pa(const volatile void *p) { return (uint32_t)(uintptr_t)p; }

/* A read or write that reports #PF instead of stopping the guest. */
static int read_safe(uint32_t va, uint32_t *val)
{
    uint32_t v = 0;
    exc_clear();
    asm volatile("1: movl (%1), %0\n2:\n\t" EXC_FIXUP("1b", "2b") : "+r"(v) : "r"(va) : "memory");
    *val = v;
    return exc_caught;
}

static int write_safe(uint32_t va, uint32_t val)
{
    exc_clear();
    asm volatile("1: movl %1, (%0)\n2:\n\t" EXC_FIXUP("1b", "2b") : : "r"(va), "r"(val) : "memory");
    return exc_caught;
}

static void build(void)
{
    for (uint32_t t = 0; t < 2; t++)
        for (uint32_t i = 0; i < 1024; i++)
            pt_low[t][i] = (t << 22) + (i << 12) + (P | RW);
    pd_a[0] = pa(pt_low[0]) | P | RW;
    pd_a[1] = pa(pt_low[1]) | P | RW;
    for (uint32_t i = 2; i < 4; i++)                            /* 8-16 MiB: PSE pages */
        pd_a[i] = (i << 22) | P | RW | PS;
    pd_a[0xfec00000u >> 22] = 0xfec00000u | P | RW | PS;        /* IOAPIC/LAPIC */
    pd_a[WIN >> 22] = pa(pt_win) | P | RW;
    pt_win[0] = pa(frame_a) | P | RW;
    pt_win[1] = pa(frame_b) | P;                                /* read-only */
    pt_win[2] = pa(frame_b) | P | RW;                           /* A and D clear */
    for (uint32_t i = PRESS >> 22; i < (PRESS >> 22) + 256; i++)
        pd_a[i] = 0x00800000u | P | RW | PS;
    pd_a[SELF >> 22] = pa(pd_a) | P | RW;                       /* the self-map */
    for (uint32_t i = 0; i < 1024; i++) {
        pd_b[i] = pd_a[i];
        pt_win_b[i] = pt_win[i];
    }
    pd_b[WIN >> 22] = pa(pt_win_b) | P | RW;
    pt_win_b[0] = pa(frame_b) | P | RW;
    pd_b[SELF >> 22] = pa(pd_b) | P | RW;
    pt_glob[0][0] = pa(frame_a) | P | RW | G;
    pt_glob[0][1] = pa(frame_a) | P | RW;
    pt_glob[1][0] = pa(frame_b) | P | RW | G;
    pt_glob[1][1] = pa(frame_b) | P | RW;
    pd_a[GLOB >> 22] = pa(pt_glob[0]) | P | RW;
    pd_b[GLOB >> 22] = pa(pt_glob[1]) | P | RW;
    pd_a[NGLOB >> 22] = pa(pt_glob[0]) | P | RW;
    pd_b[NGLOB >> 22] = pa(pt_glob[1]) | P | RW;
}

/* Space A's tables change while B is current; MOV to CR3 back to A must
 * show them (a MOV to CR3 empties the non-global TLB entries, so no INVLPG
 * is needed).  New entries have A and D set already, so that a cache that
 * only looks at A is caught too. */
static void switch_back_sees_changes(void)
{
    volatile uint32_t *w = (volatile uint32_t *)WIN;
    uint32_t orig = pt_win[0], v = 0;
    unsigned wrong = 0;

    frame_c[0] = 0xcccc0003u;
    for (unsigned i = 0; i < 1000; i++) {
        bool c = i & 1;
        write_cr3(pa(pd_a));
        uint32_t want = c ? 0xaaaa0001u : 0xcccc0003u, got0 = *w;
        if (got0 != (c ? 0xcccc0003u : 0xaaaa0001u) && i)
            wrong++;
        write_cr3(pa(pd_b));
        if (*w != 0xbbbb0002u)
            wrong++;
        pt_win[0] = pa(c ? frame_a : frame_c) | P | RW | A | D;    /* no INVLPG */
        write_cr3(pa(pd_a));
        if (*w != want)
            wrong++;
    }
    check(wrong == 0, "cr3-cache-pte-changed", "%u of 3000 reads showed a stale or wrong frame", wrong);

    /* Not present while B is current: A's read must fault. */
    write_cr3(pa(pd_a));
    (void)*w;
    write_cr3(pa(pd_b));
    pt_win[0] = 0;
    write_cr3(pa(pd_a));
    int vec = read_safe(WIN, &v);
    check(vec == EXC_PF && exc_error == 0 && read_cr2_() == WIN, "cr3-cache-pte-cleared",
          "vector %d error %#lx value %#x", vec, exc_error, v);

    /* The PDE above it now points at another page table. */
    pt_win[0] = orig | A | D;
    (void)*w;
    for (unsigned i = 0; i < 1024; i++)
        pt_win_c[i] = pt_win[i];
    pt_win_c[0] = pa(frame_c) | P | RW | A | D;
    write_cr3(pa(pd_b));
    pd_a[WIN >> 22] = pa(pt_win_c) | P | RW | A;
    write_cr3(pa(pd_a));
    uint32_t got = *w;
    check(got == 0xcccc0003u, "cr3-cache-pde-changed", "window reads %#x", got);
    write_cr3(pa(pd_b));
    pd_a[WIN >> 22] = pa(pt_win) | P | RW | A;
    pt_win[0] = orig;
    write_cr3(pa(pd_a));
    got = *w;
    check(got == 0xaaaa0001u, "cr3-cache-restored", "window reads %#x", got);
}

/* Global pages across MOV to CR3 (SDM vol. 3A 4.10.4.1).  Only GLOB's
 * pages are touched between the switches (code, data and stack are below
 * 16 MiB). */
static void global_pages(void)
{
    volatile uint32_t *g = (volatile uint32_t *)GLOB, *ng = (volatile uint32_t *)(NGLOB + 0x1000);
    uint32_t cr4 = (uint32_t)read_cr4();

    write_cr4(cr4 | CR4_PGE);
    write_cr3(pa(pd_a));
    uint32_t g0 = *g, ng0 = *ng;
    check(g0 == 0xaaaa0001u && ng0 == 0xaaaa0001u, "global-space-a", "global %#x, non-global %#x", g0, ng0);
    write_cr3(pa(pd_b));
    uint32_t g1 = *g, ng1 = *ng;
    check(ng1 == 0xbbbb0002u, "global-cr3-drops-nonglobal", "non-global page after MOV to CR3 reads %#x", ng1);
    check(g1 == 0xaaaa0001u || g1 == 0xbbbb0002u, "global-cr3", "global page reads %#x", g1);
    printf("global page after MOV to CR3: %s\n", g1 == 0xaaaa0001u ? "kept" : "refetched");
    invlpg(GLOB);
    uint32_t g2 = *g;
    check(g2 == 0xbbbb0002u, "global-invlpg", "global page after INVLPG reads %#x", g2);
    write_cr3(pa(pd_a));
    write_cr4(cr4 & ~CR4_PGE);
    uint32_t g3 = *g;
    check(g3 == 0xaaaa0001u, "global-pge-off", "global page after clearing CR4.PGE reads %#x", g3);
    write_cr4(cr4);
}

void test_main(void)
{
    uint32_t v = 0;
    int vec;

    if (!hv_require())
        return;
    frame_a[0] = 0xaaaa0001;
    frame_b[0] = 0xbbbb0002;
    build();
    write_cr4((uint32_t)read_cr4() | CR4_PSE);
    write_cr3(pa(pd_a));
    write_cr0((uint32_t)read_cr0() | CR0_PG | CR0_WP);
    check(*(volatile uint32_t *)WIN == 0xaaaa0001, "paging-on", "window reads %#x", *(volatile uint32_t *)WIN);

    /* The self-map: the window's PTE and PDE read as data. */
    volatile uint32_t *pte_win = (volatile uint32_t *)(SELF + (WIN >> 12) * 4);
    volatile uint32_t *pde_win = (volatile uint32_t *)(SELF + (SELF >> 12) * 4 + (WIN >> 22) * 4);
    check((*pte_win & ~(A | D)) == (pa(frame_a) | P | RW), "selfmap-pte", "PTE via self-map %#x", *pte_win);
    check((*pde_win & ~A) == (pa(pt_win) | P | RW), "selfmap-pde", "PDE via self-map %#x", *pde_win);
    /* Rewritten through the self-map, then INVLPG: the new frame shows. */
    *pte_win = pa(frame_b) | P | RW;
    invlpg(WIN);
    check(*(volatile uint32_t *)WIN == 0xbbbb0002, "selfmap-remap", "window after remap %#x",
          *(volatile uint32_t *)WIN);
    *pte_win = pa(frame_a) | P | RW;
    invlpg(WIN);
    check(*(volatile uint32_t *)WIN == 0xaaaa0001, "selfmap-remap-back", "window %#x", *(volatile uint32_t *)WIN);

    /* #PF: not present (read 0, write 2), CR2 the address. */
    vec = read_safe(HOLE + 0x123, &v);
    check(vec == EXC_PF && exc_error == 0 && read_cr2_() == HOLE + 0x123, "pf-not-present-read",
          "vector %d error %#lx CR2 %#x", vec, exc_error, read_cr2_());
    vec = write_safe(HOLE + 0x2000, 1);
    check(vec == EXC_PF && exc_error == 2 && read_cr2_() == HOLE + 0x2000, "pf-not-present-write",
          "vector %d error %#lx CR2 %#x", vec, exc_error, read_cr2_());
    /* Read-only page: readable; a write is #PF 3 with WP = 1, allowed with WP = 0. */
    vec = read_safe(WIN + 0x1000, &v);
    check(vec == NO_FAULT && v == frame_b[0], "ro-read", "vector %d value %#x", vec, v);
    vec = write_safe(WIN + 0x1004, 0x1234);
    check(vec == EXC_PF && exc_error == 3 && read_cr2_() == WIN + 0x1004, "pf-write-protect",
          "vector %d error %#lx CR2 %#x", vec, exc_error, read_cr2_());
    write_cr0((uint32_t)read_cr0() & ~CR0_WP);
    vec = write_safe(WIN + 0x1004, 0x5678);
    check(vec == NO_FAULT && frame_b[1] == 0x5678, "wp0-supervisor-write", "vector %d frame %#x", vec, frame_b[1]);
    write_cr0((uint32_t)read_cr0() | CR0_WP);
    vec = write_safe(WIN + 0x1004, 0x9abc);
    check(vec == EXC_PF && exc_error == 3 && frame_b[1] == 0x5678, "wp1-again", "vector %d error %#lx", vec,
          exc_error);

    /* Accessed and dirty, as the CPU sets them: a read sets A only. */
    volatile uint32_t *pte2 = (volatile uint32_t *)(SELF + ((WIN + 0x2000) >> 12) * 4);
    check((*pte2 & (A | D)) == 0, "ad-clear", "PTE %#x", *pte2);
    (void)*(volatile uint32_t *)(WIN + 0x2000);
    check((*pte2 & (A | D)) == A, "accessed-on-read", "PTE %#x", *pte2);
    *(volatile uint32_t *)(WIN + 0x2008) = 0x77;
    check((*pte2 & (A | D)) == (A | D) && frame_b[2] == 0x77, "dirty-on-write", "PTE %#x", *pte2);

    /* 10,000 address-space switches: each sees its own frame at WIN. */
    unsigned wrong = 0;
    for (unsigned i = 0; i < 10000; i++) {
        bool b = i & 1;
        write_cr3(b ? pa(pd_b) : pa(pd_a));
        if (*(volatile uint32_t *)WIN != (b ? 0xbbbb0002u : 0xaaaa0001u))
            wrong++;
    }
    write_cr3(pa(pd_a));
    check(wrong == 0, "cr3-switch-10000", "%u of 10000 switches read the other space's frame", wrong);
    switch_back_sees_changes();
    global_pages();

    /* 512 distinct 2 MiB regions through 4 MiB pages, all onto phys 8-12
     * MiB (two markers): more shadow page tables than the budget holds. */
    volatile uint32_t *m0 = (volatile uint32_t *)0x00800100u, *m1 = (volatile uint32_t *)0x00a00100u;
    *m0 = 0x5eed0000;
    *m1 = 0x5eed0001;
    wrong = 0;
    for (unsigned round = 0; round < 2; round++)
        for (uint32_t k = 0; k < 512; k++) {
            uint32_t got = *(volatile uint32_t *)(PRESS + (k << 21) + 0x100);
            if (got != 0x5eed0000u + (k & 1))
                wrong++;
        }
    check(wrong == 0, "pool-pressure", "%u of 1024 reads wrong", wrong);
    /* The page tables still read right through the self-map afterwards. */
    check((*pte_win & ~(A | D)) == (pa(frame_a) | P | RW), "selfmap-after-pressure", "PTE %#x", *pte_win);
}
