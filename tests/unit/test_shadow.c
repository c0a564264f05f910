/*
 * unit_shadow: the shadow pager's tables (src/mm/shadow.c).  Each shadow
 * built here is read back by a walker written in this file from the
 * architectural formats (AMD APM vol. 2 5.3-5.4: a PAE PDPTE has only P,
 * PWT, PCD and the address; non-leaf entries of 4-level and PAE page
 * directories carry R/W, U/S), so a wrong level, index or bit fails.
 */
#define _GNU_SOURCE
#include "test.h"
#include "mm/shadow.h"

#include <sys/mman.h>

#define NPOOL 64
static uint64_t pool_pa[NPOOL];
static uint8_t *pool_mem;

static void *to_va(uint64_t pa)
{
    return (void *)(uintptr_t)pa;
}

static void pool_setup(void)
{
    pool_mem = mmap(NULL, NPOOL * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (pool_mem == MAP_FAILED) {
        perror("mmap MAP_32BIT");
        exit(1);
    }
    for (unsigned i = 0; i < NPOOL; i++)
        pool_pa[i] = (uint64_t)(uintptr_t)(pool_mem + i * 4096);
}

static bool in_pool(uint64_t pa)
{
    for (unsigned i = 0; i < NPOOL; i++)
        if (pool_pa[i] == pa)
            return true;
    return false;
}

/* What the CPU would find for va: the leaf, or 0 when not present; every
 * non-leaf entry is checked for its format on the way. */
static uint64_t hw_walk(const struct shadow *s, uint64_t va)
{
    const uint64_t addr = 0x000ffffffffff000ull;
    uint64_t *t = to_va(shadow_root(s));

    for (int lvl = s->format; lvl >= 1; lvl--) {
        unsigned idx = (s->format == SHADOW_PAE && lvl == 3) ? (unsigned)(va >> 30) & 3
                                                             : (unsigned)(va >> (12 + 9 * (lvl - 1))) & 511;
        uint64_t e = t[idx];
        if (!(e & 1))
            return 0;
        if (lvl == 1)
            return e;
        if (s->format == SHADOW_PAE && lvl == 3)
            CHECK_EQ(e & ~addr, 1);                 /* PDPTE: P only (the rest is reserved) */
        else
            CHECK_EQ(e & ~addr & ~0x20ull, 0x7);    /* P RW US, A or not, no PS */
        CHECK(in_pool(e & addr));
        t = to_va(e & addr);
    }
    return 0;
}

static void test_init(void)
{
    struct shadow s;

    CHECK_EQ(shadow_init(&s, pool_pa, to_va, SHADOW_MIN_PAGES - 1, SHADOW_PAE), -22);
    uint64_t high[SHADOW_MIN_PAGES];
    for (unsigned i = 0; i < SHADOW_MIN_PAGES; i++)
        high[i] = (1ull << 32) + i * 4096;
    CHECK_EQ(shadow_init(&s, high, to_va, SHADOW_MIN_PAGES, SHADOW_PAE), -22);   /* root above 4 GiB */
    CHECK_EQ(shadow_init(&s, pool_pa, to_va, NPOOL, SHADOW_PAE), 0);
    CHECK_EQ(s.used, 5);
    CHECK_EQ(shadow_root(&s), pool_pa[0]);
    uint64_t *pdpt = to_va(pool_pa[0]);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(pdpt[i], pool_pa[1 + i] | 1);
    CHECK_EQ(pdpt[4], 0);
    shadow_flush(&s, SHADOW_4L);
    CHECK_EQ(s.used, 1);
    CHECK_EQ(pdpt[0], 0);
}

static void test_pae_fill(void)
{
    struct shadow s;
    bool up;

    CHECK_EQ(shadow_init(&s, pool_pa, to_va, NPOOL, SHADOW_PAE), 0);
    CHECK_EQ(shadow_fill(&s, 0xc0401abc, 0x12345000, SH_W | SH_U, &up), 0);
    CHECK(!up);
    uint64_t e = hw_walk(&s, 0xc0401000);
    CHECK_EQ(e, 0x12345000ull | 0x67);              /* P RW US A D */
    CHECK_EQ(shadow_lookup(&s, 0xc0401fff), e);
    CHECK_EQ(hw_walk(&s, 0xc0402000), 0);           /* the neighbour stays empty */
    CHECK_EQ(hw_walk(&s, 0x00401000), 0);           /* another PDPTE's range */
    CHECK_EQ(s.used, 6);                            /* one page table */

    /* Read-only (guest D clear), then the write upgrades it. */
    CHECK_EQ(shadow_fill(&s, 0x1000, 0x7000, SH_U | SH_NX | SH_PCD | SH_PWT, &up), 0);
    CHECK_EQ(hw_walk(&s, 0x1000), 0x7000ull | (1ull << 63) | 0x3d);   /* P US PWT PCD A, NX */
    CHECK_EQ(shadow_fill(&s, 0x1000, 0x7000, SH_W, &up), 0);
    CHECK(up);
    CHECK_EQ(s.upgrades, 1);
    CHECK_EQ(hw_walk(&s, 0x1000), 0x7000ull | 0x63);  /* P RW A D, supervisor only */

    /* 32-bit linear addresses: bits above 31 are not part of the index. */
    CHECK_EQ(shadow_fill(&s, 0x100002000ull, 0x9000, 0, &up), 0);
    CHECK_EQ(hw_walk(&s, 0x2000), 0x9000ull | 0x21);
    CHECK_EQ(s.fills, 4);
}

static void test_invlpg(void)
{
    struct shadow s;
    bool up;

    CHECK_EQ(shadow_init(&s, pool_pa, to_va, NPOOL, SHADOW_4L), 0);
    CHECK_EQ(shadow_fill(&s, 0x400000, 0x11000, SH_W, &up), 0);
    CHECK_EQ(shadow_fill(&s, 0x401000, 0x12000, SH_W, &up), 0);
    CHECK(shadow_invlpg(&s, 0x400123));
    CHECK_EQ(hw_walk(&s, 0x400000), 0);
    CHECK(hw_walk(&s, 0x401000) != 0);
    CHECK(!shadow_invlpg(&s, 0x400000));            /* nothing left there */
    CHECK(!shadow_invlpg(&s, 0x7f0000000000ull));   /* no tables there */
    /* A piece of a large guest page under this root slot: INVLPG drops
     * the 4 MiB region around its address (two page tables), the rest stays. */
    CHECK_EQ(shadow_fill(&s, 0x600000, 0x13000, SH_LARGE, &up), 0);
    CHECK_EQ(shadow_fill(&s, 0x800000, 0x15000, SH_W, &up), 0);
    CHECK_EQ(s.used, 6);                            /* PML4, PDPT, PD, 3 PTs */
    CHECK(shadow_invlpg(&s, 0x7ff123));
    CHECK_EQ(hw_walk(&s, 0x401000), 0);
    CHECK_EQ(hw_walk(&s, 0x600000), 0);
    CHECK_EQ(hw_walk(&s, 0x800000), 0x15000ull | 0x63);
    CHECK_EQ(s.used, 4);                            /* both page tables given back */
    CHECK(!shadow_invlpg(&s, 0x123000));            /* nothing left in 0-4 MiB */
    CHECK_EQ(s.invlpgs, 5);
    /* Another root slot without large pages: INVLPG is precise there. */
    uint64_t hi = 0x8000000000ull;                  /* PML4 index 1 */
    CHECK_EQ(shadow_fill(&s, hi + 0x401000, 0x12000, SH_W, &up), 0);
    CHECK_EQ(shadow_fill(&s, hi + 0x402000, 0x14000, SH_W, &up), 0);
    CHECK(shadow_invlpg(&s, hi + 0x401000));
    CHECK(hw_walk(&s, hi + 0x402000) != 0);
    /* A 1 GiB guest page: INVLPG drops its 1 GiB region (a PDPT entry). */
    CHECK_EQ(shadow_fill(&s, hi + 0x40000000, 0x16000, SH_HUGE, &up), 0);
    CHECK_EQ(shadow_fill(&s, hi + 0x7ffff000, 0x17000, SH_W, &up), 0);
    CHECK(shadow_invlpg(&s, hi + 0x5abcd000));
    CHECK_EQ(hw_walk(&s, hi + 0x40000000), 0);
    CHECK_EQ(hw_walk(&s, hi + 0x7ffff000), 0);
    CHECK(hw_walk(&s, hi + 0x402000) != 0);         /* another GiB */
    /* A full flush forgets the large pages: precise again. */
    shadow_flush(&s, SHADOW_4L);
    CHECK_EQ(shadow_fill(&s, 0x401000, 0x12000, SH_W, &up), 0);
    CHECK_EQ(shadow_fill(&s, 0x402000, 0x14000, SH_W, &up), 0);
    CHECK(shadow_invlpg(&s, 0x401000));
    CHECK(hw_walk(&s, 0x402000) != 0);
}

/* A MOV to CR3 (shadow_flush_nonglobal): root slots with only global
 * leaves stay, the others go and their tables are reused. */
static void test_global(void)
{
    struct shadow s;
    bool up;
    uint64_t dmap = 0xffff888000001000ull, text = 0xffffffff81000000ull;   /* PML4 273, 511 */

    CHECK_EQ(shadow_init(&s, pool_pa, to_va, NPOOL, SHADOW_4L), 0);
    CHECK_EQ(shadow_fill(&s, dmap, 0x21000, SH_W | SH_GLOBAL, &up), 0);
    CHECK_EQ(shadow_fill(&s, text, 0x22000, SH_GLOBAL, &up), 0);
    CHECK_EQ(shadow_fill(&s, 0x400000, 0x23000, SH_W | SH_U, &up), 0);
    CHECK_EQ(shadow_fill(&s, 0x7ffffffff000ull, 0x24000, SH_W | SH_U, &up), 0);
    CHECK_EQ(s.used, 13);                           /* root + 4 paths of 3 */
    CHECK(shadow_flush_nonglobal(&s));
    CHECK_EQ(hw_walk(&s, 0x400000), 0);
    CHECK_EQ(hw_walk(&s, 0x7ffffffff000ull), 0);
    CHECK_EQ(hw_walk(&s, dmap), 0x21000ull | 0x63);
    CHECK_EQ(hw_walk(&s, text), 0x22000ull | 0x21);
    CHECK_EQ(s.used, 7);
    CHECK_EQ(s.kept_slots, 2);
    CHECK(!shadow_flush_nonglobal(&s));             /* nothing non-global left */
    CHECK_EQ(s.kept_slots, 4);
    /* The freed tables are handed out again: the pool's high-water mark
     * does not move. */
    CHECK_EQ(shadow_fill(&s, 0x400000, 0x25000, SH_U, &up), 0);
    CHECK_EQ(shadow_fill(&s, 0x7ffffffff000ull, 0x26000, SH_U, &up), 0);
    CHECK_EQ(s.used, 13);
    CHECK_EQ(s.peak_used, 13);
    CHECK_EQ(s.next, 13);
    /* A non-global leaf in a kernel slot: the whole slot goes, its global
     * leaves too (a TLB may drop anything). */
    CHECK_EQ(shadow_fill(&s, text + 0x1000, 0x27000, 0, &up), 0);
    CHECK(shadow_flush_nonglobal(&s));
    CHECK_EQ(hw_walk(&s, text), 0);
    CHECK_EQ(hw_walk(&s, dmap), 0x21000ull | 0x63);
    CHECK_EQ(s.used, 4);
    /* INVLPG drops a global leaf too. */
    CHECK(shadow_invlpg(&s, dmap));
    CHECK_EQ(hw_walk(&s, dmap), 0);

    /* PAE: the user slots' directories are emptied, their PDPTEs stay
     * (checked by hw_walk's format check on the way to the kernel's). */
    CHECK_EQ(shadow_init(&s, pool_pa, to_va, NPOOL, SHADOW_PAE), 0);
    CHECK_EQ(shadow_fill(&s, 0xc0001000, 0x31000, SH_W | SH_GLOBAL, &up), 0);
    CHECK_EQ(shadow_fill(&s, 0x08048000, 0x32000, SH_U, &up), 0);
    CHECK_EQ(shadow_fill(&s, 0xbffff000, 0x33000, SH_U | SH_W, &up), 0);
    CHECK_EQ(s.used, 8);
    CHECK(shadow_flush_nonglobal(&s));
    CHECK_EQ(hw_walk(&s, 0x08048000), 0);
    CHECK_EQ(hw_walk(&s, 0xbffff000), 0);
    CHECK_EQ(hw_walk(&s, 0xc0001000), 0x31000ull | 0x63);
    CHECK_EQ(s.used, 6);
    CHECK_EQ(hw_walk(&s, 0x08049000), 0);
    CHECK_EQ(shadow_fill(&s, 0x08049000, 0x34000, SH_U, &up), 0);
    CHECK_EQ(hw_walk(&s, 0x08049000), 0x34000ull | 0x25);

    /* Many switches and scattered fills: never beyond the pool, every
     * table in it, global leaves intact unless a reclaim took them. */
    CHECK_EQ(shadow_init(&s, pool_pa, to_va, SHADOW_MIN_PAGES, SHADOW_4L), 0);
    uint64_t x = 777;
    for (unsigned i = 0; i < 20000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t va = (x >> 16) & 0xfffffffff000ull;
        bool g = va >> 47;
        if (g)
            va |= 0xffff000000000000ull;
        uint64_t before = s.reclaims;
        CHECK(shadow_fill(&s, va, 0x1000, g ? SH_GLOBAL : SH_U, &up) >= 0);
        CHECK_EQ(hw_walk(&s, va), g ? 0x21ull | 0x1000 : 0x25ull | 0x1000);
        if (i % 7 == 0) {
            shadow_flush_nonglobal(&s);
            CHECK(s.reclaims != before || !g || hw_walk(&s, va) != 0);
            CHECK(g || hw_walk(&s, va) == 0);
        }
        CHECK(s.used <= SHADOW_MIN_PAGES);
    }
    CHECK(s.peak_used <= SHADOW_MIN_PAGES);
}

static void test_4level(void)
{
    struct shadow s;
    bool up;

    CHECK_EQ(shadow_init(&s, pool_pa, to_va, NPOOL, SHADOW_4L), 0);
    uint64_t va = 0xffff800000201000ull;            /* PML4 index 256 */
    CHECK_EQ(shadow_fill(&s, va, 0x5000, SH_W | SH_U, &up), 0);
    CHECK_EQ(hw_walk(&s, va), 0x5000ull | 0x67);
    uint64_t *pml4 = to_va(shadow_root(&s));
    CHECK(pml4[256] & 1);
    CHECK_EQ(pml4[0], 0);
    CHECK_EQ(s.used, 4);
    CHECK_EQ(hw_walk(&s, 0x201000), 0);             /* the lower half is another PML4 entry */
}

/* Pool exhaustion: a fill that finds no free page empties the shadow and
 * maps its page in the emptied tables; the pool is never exceeded. */
static void test_reclaim(void)
{
    struct shadow s;
    bool up;

    CHECK_EQ(shadow_init(&s, pool_pa, to_va, SHADOW_MIN_PAGES, SHADOW_4L), 0);
    /* Each 512 GiB region costs 3 tables: 1 + 3 * 5 = 16 pages. */
    for (uint64_t k = 0; k < 5; k++)
        CHECK_EQ(shadow_fill(&s, k << 39, 0x1000 * (k + 1), SH_W, &up), 0);
    CHECK_EQ(s.used, 16);
    CHECK_EQ(shadow_fill(&s, 5ull << 39, 0x6000, SH_W, &up), 1);
    CHECK_EQ(s.reclaims, 1);
    CHECK_EQ(s.used, 4);
    CHECK_EQ(hw_walk(&s, 0), 0);                    /* the others went */
    CHECK_EQ(hw_walk(&s, 5ull << 39), 0x6000ull | 0x63);

    /* Many scattered fills stay within the pool, in either format. */
    uint64_t x = 12345;
    for (unsigned i = 0; i < 10000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t va = (x >> 16) & 0x7ffffffff000ull;
        CHECK(shadow_fill(&s, va, 0x1000, SH_U, &up) >= 0);
        CHECK_EQ(hw_walk(&s, va), 0x1000ull | 0x25);
        if (i == 5000)
            shadow_flush(&s, SHADOW_PAE);
    }
    CHECK(s.peak_used <= SHADOW_MIN_PAGES);
    CHECK(s.reclaims > 100);
}

/* shadow_fill_near: only into a page table that exists, only where no
 * leaf is present, with the slot bookkeeping of a fill. */
static void test_fill_near(void)
{
    struct shadow s;
    bool up;

    CHECK_EQ(shadow_init(&s, pool_pa, to_va, NPOOL, SHADOW_4L), 0);
    unsigned used = s.used;
    CHECK(!shadow_fill_near(&s, 0x401000, 0x8000, SH_U));      /* no table there: never allocates */
    CHECK_EQ(shadow_near_free(&s, 0x401000, 16), 0);
    CHECK_EQ(s.used, used);
    CHECK_EQ(hw_walk(&s, 0x401000), 0);
    CHECK_EQ(shadow_fill(&s, 0x400000, 0x7000, SH_U | SH_GLOBAL, &up), 0);
    used = s.used;
    CHECK_EQ(shadow_near_free(&s, 0x401000, 16), 0xfffe);      /* all but 0x400000 */
    CHECK_EQ(shadow_near_free(&s, 0x40f000, 64), ~1ull);
    CHECK_EQ(shadow_near_free(&s, 0x401000, 24), 0);           /* not a power of two */
    CHECK_EQ(shadow_near_free(&s, 0x401000, 128), 0);
    CHECK(shadow_fill_near(&s, 0x401000, 0x8000, SH_U | SH_W | SH_NX));
    CHECK_EQ(shadow_near_free(&s, 0x400000, 4), 0xc);
    CHECK_EQ(hw_walk(&s, 0x401000), 0x8000ull | (1ull << 63) | 0x47);  /* A clear: not used yet */
    CHECK_EQ(s.used, used);
    CHECK_EQ(s.prefetched, 1);
    CHECK_EQ(s.fills, 1);
    /* A present leaf is never changed (the TLB may hold it). */
    CHECK(!shadow_fill_near(&s, 0x400000, 0x9000, SH_U | SH_W));
    CHECK_EQ(hw_walk(&s, 0x400000), 0x7000ull | 0x25);
    /* The 1 GiB region's neighbour in another page table: not there. */
    CHECK(!shadow_fill_near(&s, 0x600000, 0x9000, SH_U));
    /* Slot bookkeeping: the fill was global, the prefetched leaf not, so
     * a MOV to CR3 drops the slot with both. */
    CHECK(shadow_flush_nonglobal(&s));
    CHECK_EQ(hw_walk(&s, 0x400000), 0);
    CHECK_EQ(hw_walk(&s, 0x401000), 0);
    /* A global prefetch in a global slot survives it. */
    CHECK_EQ(shadow_fill(&s, 0xffff800000400000ull, 0x7000, SH_GLOBAL, &up), 0);
    CHECK(shadow_fill_near(&s, 0xffff800000401000ull, 0x8000, SH_GLOBAL));
    CHECK(!shadow_flush_nonglobal(&s));
    CHECK_EQ(hw_walk(&s, 0xffff800000401000ull), 0x8000ull | 0x1);
    /* A prefetch from a large guest page widens INVLPG as a fill does. */
    CHECK(shadow_fill_near(&s, 0xffff800000402000ull, 0x9000, SH_GLOBAL | SH_LARGE));
    CHECK(shadow_invlpg(&s, 0xffff800000400000ull));
    CHECK_EQ(hw_walk(&s, 0xffff800000401000ull), 0);
    /* PAE: 32-bit addresses. */
    shadow_flush(&s, SHADOW_PAE);
    CHECK_EQ(shadow_fill(&s, 0xc0400000, 0x7000, 0, &up), 0);
    CHECK(shadow_fill_near(&s, 0x1c0401000ull, 0x8000, 0));
    CHECK_EQ(hw_walk(&s, 0xc0401000), 0x8000ull | 0x1);
}

int main(void)
{
    pool_setup();
    test_init();
    test_pae_fill();
    test_invlpg();
    test_4level();
    test_global();
    test_reclaim();
    test_fill_near();
    return t_finish("unit_shadow");
}
