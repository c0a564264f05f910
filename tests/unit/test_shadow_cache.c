/*
 * unit_shadow_cache: cached shadow roots and their revalidation
 * (src/mm/shadow.c shadow_switch, shadow_revalidate; docs/shadow.md
 * "Cached shadows per CR3").  The revalidation's check is built here as
 * the hypervisor builds it (hvm/shadow_hvm.c reval_check) on the real
 * walker (src/mm/gwalk.c) over a fake guest memory, minus the p2m (a fixed
 * offset from guest-physical to "machine").  The CPU's use of a leaf (its
 * hardware A flag, and the A flags on the way) is set by touch().
 */
#define _GNU_SOURCE
#include "test.h"
#include "mm/shadow.h"
#include "mm/gwalk.h"

#include <string.h>
#include <sys/mman.h>

#define NPOOL 64
#define NROOTS 4
static uint64_t pool_pa[NPOOL];

/* Guest entry bits. */
#define GP 0x1ull
#define GRW 0x2ull
#define GUS 0x4ull
#define GA 0x20ull
#define GD 0x40ull
#define GG 0x100ull
#define UPPER (GP | GRW | GUS | GA)
#define MA_OFF 0x100000000ull       /* guest-physical to "machine" */

static uint8_t gmem[64 * 4096];     /* guest-physical 0..256 KiB */

static void *to_va(uint64_t pa)
{
    return (void *)(uintptr_t)pa;
}

static void pool_setup(void)
{
    uint8_t *m = mmap(NULL, NPOOL * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (m == MAP_FAILED) {
        perror("mmap MAP_32BIT");
        exit(1);
    }
    for (unsigned i = 0; i < NPOOL; i++)
        pool_pa[i] = (uint64_t)(uintptr_t)(m + i * 4096);
}

static int g_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    (void)ctx;
    if (gpa + size > sizeof(gmem))
        return -5;
    *val = 0;
    memcpy(val, gmem + gpa, size);
    return 0;
}

static int g_cmpxchg(void *ctx, uint64_t gpa, unsigned size, uint64_t old, uint64_t new_val)
{
    (void)ctx, (void)gpa, (void)size, (void)old, (void)new_val;
    CHECK(!"revalidation wrote to guest memory");
    return -5;
}

static const struct gwalk_mem gm = { NULL, g_read, g_cmpxchg };
static struct gwalk_cpu gcpu = {
    .cr0 = (1ull << 31) | (1ull << 16) | 1, .cr3 = 0x1000, .cr4 = (1ull << 5) | (1ull << 7),
    .efer = (1ull << 8) | (1ull << 10) | (1ull << 11), .maxphyaddr = 40,
};

static void wr(uint64_t gpa, uint64_t v)
{
    memcpy(gmem + gpa, &v, 8);
}

static uint64_t rd(uint64_t gpa)
{
    uint64_t v;
    memcpy(&v, gmem + gpa, 8);
    return v;
}

/* What a fill of va would write now (hvm/shadow_hvm.c reval_check). */
static unsigned checks;
static bool check(void *ctx, uint64_t va, uint64_t *ma, unsigned *fl)
{
    struct gwalk_result res;

    (void)ctx;
    checks++;
    if (gwalk(&gcpu, &gm, va, GW_PROBE, &res) || !res.accessed)
        return false;
    unsigned f = 0;
    if (res.perms & GW_PERM_U)
        f |= SH_U;
    if (!(res.perms & GW_PERM_X))
        f |= SH_NX;
    if ((res.perms & GW_PERM_W) && (res.leaf & GD))
        f |= SH_W;
    if (res.leaf & GG)
        f |= SH_GLOBAL;
    if (res.page_shift > 12)
        f |= SH_LARGE;
    *ma = (res.gpa & ~0xfffull) + MA_OFF;
    *fl = f;
    return true;
}

/*
 * Guest tables at CR3 0x1000 (4-level): user pages 0x400000 + i * 4 KiB
 * -> 0x10000 + i * 4 KiB (i < 4) through PDPT 0x2000, PD 0x3000, PT
 * 0x4000; a kernel page 0xffff800000000000 -> 0x20000 through 0x5000,
 * 0x6000, 0x7000, global when kglobal.  Every entry accessed, the user
 * ones dirty.
 */
#define UVA 0x400000ull
#define KVA 0xffff800000000000ull
static bool kglobal;
static void guest_build(void)
{
    memset(gmem, 0, sizeof(gmem));
    wr(0x1000, 0x2000 | UPPER);
    wr(0x2000, 0x3000 | UPPER);
    wr(0x3000 + 2 * 8, 0x4000 | UPPER);
    for (unsigned i = 0; i < 4; i++)
        wr(0x4000 + i * 8, (0x10000 + i * 0x1000) | UPPER | GD);
    wr(0x1000 + 256 * 8, 0x5000 | GP | GRW | GA);
    wr(0x5000, 0x6000 | GP | GRW | GA);
    wr(0x6000, 0x7000 | GP | GRW | GA);
    wr(0x7000, 0x20000 | GP | GRW | GA | GD | (kglobal ? GG : 0));
}

/* A fill, as a #PF would make it. */
static void fill(struct shadow *s, uint64_t va)
{
    uint64_t ma;
    unsigned fl;
    bool up;

    CHECK(check(NULL, va, &ma, &fl));
    CHECK(shadow_fill(s, va, ma, fl, &up) >= 0);
}

/* The CPU uses va: A on every shadow entry on the way (none in a PAE PDPTE). */
static void touch(struct shadow *s, uint64_t va)
{
    uint64_t *t = to_va(shadow_root(s));
    for (int lvl = s->format; lvl >= 1; lvl--) {
        unsigned idx = (s->format == SHADOW_PAE && lvl == 3) ? (unsigned)(va >> 30) & 3
                                                             : (unsigned)(va >> (12 + 9 * (lvl - 1))) & 511;
        CHECK(t[idx] & 1);
        if (!(t[idx] & 1))
            return;
        if (!(s->format == SHADOW_PAE && lvl == 3))
            t[idx] |= GA;
        if (lvl == 1)
            return;
        t = to_va(t[idx] & 0x000ffffffffff000ull);
    }
}

/* Fresh guest and shadow with the user pages 0 and 1 and the kernel page filled. */
static void start(struct shadow *s)
{
    guest_build();
    CHECK_EQ(shadow_init_roots(s, pool_pa, to_va, NPOOL, SHADOW_4L, NROOTS), 0);
    shadow_set_tag(s, 0x1000);
    fill(s, UVA);
    fill(s, UVA + 0x1000);
    fill(s, KVA);
}

static unsigned reval(struct shadow *s, unsigned budget)
{
    return shadow_revalidate(s, check, NULL, budget);
}

/* Each guest change that a TLB would not survive drops the leaf. */
static void test_revalidate(void)
{
    struct shadow s;

    /* Unchanged: kept, with A cleared (bit for bit the leaf otherwise). */
    start(&s);
    uint64_t before = shadow_lookup(&s, UVA);
    CHECK(before & GA);
    CHECK_EQ(reval(&s, 1024), 3);
    CHECK_EQ(shadow_lookup(&s, UVA), before & ~GA);
    CHECK_EQ(s.rv_checked, 3);
    CHECK_EQ(s.rv_kept, 3);

    /* Not used since (no touch): dropped unused; in a table the CPU did
     * not walk either, unseen with the table. */
    touch(&s, KVA);
    touch(&s, UVA);
    CHECK_EQ(reval(&s, 1024), 2);
    CHECK(shadow_lookup(&s, UVA) != 0);
    CHECK_EQ(shadow_lookup(&s, UVA + 0x1000), 0);
    CHECK_EQ(s.rv_unused, 1);
    touch(&s, KVA);
    CHECK_EQ(reval(&s, 1024), 1);
    CHECK_EQ(shadow_lookup(&s, UVA), 0);
    CHECK(shadow_lookup(&s, KVA) != 0);
    CHECK_EQ(s.rv_unused, 1);
    CHECK_EQ(s.used, NROOTS * SHADOW_ROOT_PAGES + 3);    /* only the kernel page's PDPT, PD, PT */
    CHECK_EQ(reval(&s, 1024), 0);
    CHECK_EQ(s.used, NROOTS * SHADOW_ROOT_PAGES);

    /* The guest PTE now maps another frame: dropped; the neighbour stays. */
    start(&s);
    wr(0x4000, 0x13000 | UPPER | GD);
    CHECK_EQ(reval(&s, 1024), 2);
    CHECK_EQ(shadow_lookup(&s, UVA), 0);
    CHECK(shadow_lookup(&s, UVA + 0x1000) != 0);

    /* P cleared. */
    start(&s);
    wr(0x4000, rd(0x4000) & ~GP);
    CHECK_EQ(reval(&s, 1024), 2);
    CHECK_EQ(shadow_lookup(&s, UVA), 0);

    /* A cleared in the guest's leaf (the guest watches for accesses). */
    start(&s);
    wr(0x4000, rd(0x4000) & ~GA);
    CHECK_EQ(reval(&s, 1024), 2);
    CHECK_EQ(shadow_lookup(&s, UVA), 0);

    /* A cleared in the guest's PDE: both pages under it go. */
    start(&s);
    wr(0x3000 + 2 * 8, rd(0x3000 + 2 * 8) & ~GA);
    CHECK_EQ(reval(&s, 1024), 1);
    CHECK_EQ(shadow_lookup(&s, UVA + 0x1000), 0);

    /* D cleared: no longer writable, a different leaf. */
    start(&s);
    wr(0x4008, rd(0x4008) & ~GD);
    CHECK_EQ(reval(&s, 1024), 2);
    CHECK_EQ(shadow_lookup(&s, UVA + 0x1000), 0);
    CHECK(shadow_lookup(&s, UVA) != 0);

    /* The PDE now points at another page table mapping other frames. */
    start(&s);
    for (unsigned i = 0; i < 4; i++)
        wr(0x8000 + i * 8, (0x30000 + i * 0x1000) | UPPER | GD);
    wr(0x3000 + 2 * 8, 0x8000 | UPPER);
    CHECK_EQ(reval(&s, 1024), 1);
    CHECK_EQ(shadow_lookup(&s, UVA), 0);
    CHECK_EQ(shadow_lookup(&s, UVA + 0x1000), 0);
    /* ... or at an identical copy: the same translations, kept. */
    start(&s);
    memcpy(gmem + 0x8000, gmem + 0x4000, 4096);
    wr(0x3000 + 2 * 8, 0x8000 | UPPER);
    CHECK_EQ(reval(&s, 1024), 3);

    /* The PML4E (same CR3) now leads to another chain: dropped. */
    start(&s);
    wr(0x9000, 0xa000 | UPPER);
    wr(0xa000 + 2 * 8, 0xb000 | UPPER);
    wr(0xb000, 0x31000 | UPPER | GD);
    wr(0x1000, 0x9000 | UPPER);
    CHECK_EQ(reval(&s, 1024), 1);
    CHECK_EQ(shadow_lookup(&s, UVA), 0);
    CHECK(shadow_lookup(&s, KVA) != 0);

    /* The user bit gone from an upper level: the rights differ. */
    start(&s);
    wr(0x2000, rd(0x2000) & ~GUS);
    CHECK_EQ(reval(&s, 1024), 1);

    /* A prefetched leaf the CPU never used: dropped; used: kept. */
    start(&s);
    CHECK(shadow_fill_near(&s, UVA + 0x2000, 0x12000 + MA_OFF, SH_U | SH_W));
    CHECK(shadow_fill_near(&s, UVA + 0x3000, 0x13000 + MA_OFF, SH_U | SH_W));
    touch(&s, UVA + 0x3000);
    CHECK_EQ(reval(&s, 1024), 4);
    CHECK_EQ(shadow_lookup(&s, UVA + 0x2000), 0);
    CHECK(shadow_lookup(&s, UVA + 0x3000) != 0);
    CHECK_EQ(s.rv_unused, 1);

    /* The budget: the used leaves beyond it are dropped, counted. */
    start(&s);
    checks = 0;
    CHECK_EQ(reval(&s, 2), 2);
    CHECK_EQ(checks, 2);
    CHECK_EQ(s.rv_capped, 1);

    /* A root slot with global leaves only is kept unchecked, as a TLB
     * keeps global entries across a MOV to CR3: a change without INVLPG
     * may stay unseen, an INVLPG (in any root) drops it. */
    kglobal = true;
    start(&s);
    checks = 0;
    wr(0x7000, 0x21000 | GP | GRW | GA | GD | GG);
    CHECK_EQ(reval(&s, 1024), 2);
    CHECK_EQ(checks, 2);
    CHECK_EQ(shadow_lookup(&s, KVA) & ~0xfffull, 0x20000 + MA_OFF);
    /* The slot bookkeeping is rebuilt: the kernel slot survives
     * shadow_flush_nonglobal, the user slot does not. */
    shadow_flush_nonglobal(&s);
    CHECK_EQ(shadow_lookup(&s, UVA), 0);
    CHECK(shadow_lookup(&s, KVA) != 0);
    CHECK(!shadow_switch(&s, 0x2000));
    CHECK(shadow_invlpg(&s, KVA) == false);        /* nothing there in this root */
    CHECK(shadow_switch(&s, 0x1000));
    CHECK_EQ(shadow_lookup(&s, KVA), 0);            /* but gone from the other */
    kglobal = false;
}

/* A fake guest for PAE: only want[0] is mapped, to want[1], global. */
static bool pae_check(void *ctx, uint64_t va, uint64_t *m, unsigned *f)
{
    const uint64_t *want = ctx;
    if (va != want[0])
        return false;
    *m = want[1];
    *f = SH_GLOBAL;
    return true;
}

/* PAE: the fixed directories stay, their entries are revalidated. */
static void test_revalidate_pae(void)
{
    struct shadow s;
    bool up;

    CHECK_EQ(shadow_init_roots(&s, pool_pa, to_va, NPOOL, SHADOW_PAE, 2), 0);
    CHECK_EQ(shadow_fill(&s, 0xc0001000, 0x5000, 0, &up), 0);
    CHECK_EQ(shadow_fill(&s, 0xc0002000, 0x7000, 0, &up), 0);
    CHECK_EQ(shadow_fill(&s, 0x08048000, 0x6000, SH_U, &up), 0);
    /* 0xc0001000 still maps 0x5000; the others no longer. */
    uint64_t want[2] = { 0xc0001000, 0x5000 };
    CHECK_EQ(shadow_revalidate(&s, pae_check, want, 16), 1);
    CHECK(shadow_lookup(&s, 0xc0001000) != 0);
    CHECK_EQ(shadow_lookup(&s, 0xc0002000), 0);
    CHECK_EQ(shadow_lookup(&s, 0x08048000), 0);
    uint64_t *pdpt = to_va(shadow_root(&s));
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(pdpt[i], pool_pa[1 + i] | 1);      /* the PDPTEs never change */
    CHECK_EQ(s.used, 2 * SHADOW_ROOT_PAGES + 1);    /* one page table left */
    /* A global-only slot (the fourth PDPTE) is kept unchecked. */
    shadow_flush(&s, SHADOW_PAE);
    CHECK_EQ(shadow_fill(&s, 0xc0002000, 0x7000, SH_GLOBAL, &up), 0);
    CHECK_EQ(shadow_revalidate(&s, pae_check, want, 16), 0);
    CHECK(shadow_lookup(&s, 0xc0002000) != 0);
}

/* Switching among roots keeps each one's leaves; LRU eviction. */
static void test_switch(void)
{
    struct shadow s;
    bool up;

    CHECK_EQ(shadow_init_roots(&s, pool_pa, to_va, NPOOL, SHADOW_4L, NROOTS), 0);
    CHECK_EQ(s.used, NROOTS * SHADOW_ROOT_PAGES);
    CHECK_EQ(shadow_init_roots(&s, pool_pa, to_va, SHADOW_MIN_PAGES + 14, SHADOW_4L, NROOTS), -22);
    CHECK_EQ(shadow_init_roots(&s, pool_pa, to_va, NPOOL, SHADOW_4L, SHADOW_MAX_ROOTS + 1), -22);
    CHECK_EQ(shadow_init_roots(&s, pool_pa, to_va, NPOOL, SHADOW_4L, NROOTS), 0);
    shadow_set_tag(&s, 1);
    uint64_t r1 = shadow_root(&s);
    CHECK_EQ(shadow_fill(&s, UVA, 0x11000, SH_U, &up), 0);
    CHECK(!shadow_switch(&s, 2));                   /* a free root */
    uint64_t r2 = shadow_root(&s);
    CHECK(r2 != r1);
    CHECK_EQ(shadow_lookup(&s, UVA), 0);            /* not the other space's leaf */
    CHECK_EQ(shadow_fill(&s, UVA, 0x22000, SH_U, &up), 0);
    CHECK(shadow_switch(&s, 1));
    CHECK_EQ(shadow_root(&s), r1);
    CHECK_EQ(shadow_lookup(&s, UVA) & ~0xfffull, 0x11000);
    CHECK(shadow_switch(&s, 2));
    CHECK_EQ(shadow_lookup(&s, UVA) & ~0xfffull, 0x22000);
    CHECK_EQ(s.hits, 2);
    /* INVLPG reaches every root (their global slots are kept unchecked). */
    CHECK(shadow_invlpg(&s, UVA));
    CHECK(shadow_switch(&s, 1));
    CHECK_EQ(shadow_lookup(&s, UVA), 0);
    CHECK_EQ(shadow_fill(&s, UVA, 0x11000, SH_U, &up), 0);

    /* LRU: 1 2 3 4 used in that order, then 1 again; 5 takes 2's root. */
    CHECK(!shadow_switch(&s, 3));
    CHECK(!shadow_switch(&s, 4));
    CHECK(shadow_switch(&s, 1));
    CHECK_EQ(s.evictions, 0);
    CHECK(!shadow_switch(&s, 5));
    CHECK_EQ(shadow_root(&s), r2);
    CHECK_EQ(s.evictions, 1);
    CHECK_EQ(shadow_lookup(&s, UVA), 0);            /* 2's non-global leaf went */
    CHECK(shadow_switch(&s, 1));
    CHECK(shadow_switch(&s, 4));
    CHECK(!shadow_switch(&s, 2));                   /* evicted: takes 3's root */
    CHECK(!shadow_switch(&s, 3));
    CHECK_EQ(s.evictions, 3);

    /* A full flush empties every root: each tag misses afterwards. */
    shadow_flush(&s, SHADOW_4L);
    CHECK(!shadow_switch(&s, 1));
    CHECK(!shadow_switch(&s, 4));
    CHECK_EQ(s.evictions, 3);                       /* free roots, nothing evicted */
}

/* Pool exhaustion with several roots: a reclaim empties them all, and
 * neither it nor 20000 random switches and fills exceed the pool or show
 * one address space's leaf in another's root. */
static uint64_t model_ma(uint64_t tag, uint64_t va)
{
    return ((tag * 0x9e3779b97f4a7c15ull ^ va) & 0xfffff000ull) + 0x1000;
}

static bool model_check(void *ctx, uint64_t va, uint64_t *ma, unsigned *fl)
{
    *ma = model_ma(*(uint64_t *)ctx, va);
    *fl = SH_U;
    return true;
}

static void test_pool(void)
{
    struct shadow s;
    bool up;
    unsigned nr = SHADOW_MIN_PAGES + SHADOW_ROOT_PAGES * (NROOTS - 1);

    CHECK_EQ(shadow_init_roots(&s, pool_pa, to_va, nr, SHADOW_4L, NROOTS), 0);
    shadow_set_tag(&s, 1);
    /* 31 pages: 20 for the roots, 11 for tables; 3 per 512 GiB region. */
    for (uint64_t t = 1; t <= 3; t++) {
        if (t > 1)
            CHECK(!shadow_switch(&s, t));
        CHECK_EQ(shadow_fill(&s, t << 39, 0x1000, SH_U, &up), 0);
    }
    CHECK_EQ(s.used, 29);
    CHECK_EQ(shadow_fill(&s, 9ull << 39, 0x2000, SH_U, &up), 1);   /* reclaim */
    CHECK_EQ(s.reclaims, 1);
    CHECK_EQ(s.used, 23);
    CHECK(shadow_lookup(&s, 9ull << 39) != 0);
    CHECK(!shadow_switch(&s, 1));                   /* emptied: a miss */
    CHECK_EQ(shadow_lookup(&s, 1ull << 39), 0);

    uint64_t x = 4242, tag = 1;
    nr = NPOOL;
    CHECK_EQ(shadow_init_roots(&s, pool_pa, to_va, nr, SHADOW_4L, NROOTS), 0);
    shadow_set_tag(&s, tag);
    for (unsigned i = 0; i < 20000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t va = (x >> 16) & ((x & 0x70) ? 0x3ff000ull : 0x7ffffffff000ull);  /* mostly 4 MiB */
        if ((x >> 60) < 3) {
            tag = 1 + (x >> 8) % 6;                 /* more spaces than roots */
            shadow_switch(&s, tag);
            shadow_revalidate(&s, model_check, &tag, 64);
        }
        if ((x >> 52) == 7)
            shadow_flush(&s, (x >> 57) & 1 ? SHADOW_PAE : SHADOW_4L);
        CHECK(shadow_fill(&s, va, model_ma(tag, va), SH_U, &up) >= 0);
        if (s.format == SHADOW_PAE)
            va &= 0xffffffffull;
        CHECK_EQ(shadow_lookup(&s, va), model_ma(tag, va) | 0x25);
        if (x & 1)
            touch(&s, va);
        /* Another address: absent, or this space's. */
        uint64_t other = (x >> 3) & ((x & 0x100) ? 0x3ff000ull : 0x7ffffffff000ull);
        if (s.format == SHADOW_PAE)
            other &= 0xffffffffull;
        uint64_t e = shadow_lookup(&s, other);
        CHECK(e == 0 || (e & ~0xfffull & ~(1ull << 63)) == model_ma(tag, other));
        CHECK(s.used <= nr);
    }
    CHECK(s.peak_used <= nr);
    printf("unit_shadow_cache: 20000 steps: %lu switches, %lu hits, %lu evictions, %lu reclaims, "
           "%lu leaves kept of %lu checked, %lu unused, %lu over the cap\n",
           (unsigned long)s.switches, (unsigned long)s.hits, (unsigned long)s.evictions,
           (unsigned long)s.reclaims, (unsigned long)s.rv_kept, (unsigned long)s.rv_checked,
           (unsigned long)s.rv_unused, (unsigned long)s.rv_capped);
    CHECK(s.hits > 100 && s.evictions > 10 && s.reclaims > 10 && s.rv_kept > 100 && s.rv_unused > 10);
}

int main(void)
{
    pool_setup();
    test_revalidate();
    test_revalidate_pae();
    test_switch();
    test_pool();
    return t_finish("unit_shadow_cache");
}
