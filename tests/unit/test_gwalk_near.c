/*
 * unit_gwalk_near: the shadow pager's prefetch source, gwalk_near
 * (src/mm/gwalk.c; docs/shadow.md "Prefetch on fill").  Every page it
 * gives is checked against a full gwalk() of that page (no A/D update,
 * a supervisor read: the walk that decides the rights without the access
 * rules), and every page of the block it leaves out must be one a rule
 * excludes.  Each rule has a hand-built case and the random runs check them
 * all together, so dropping any rule (A, D, reserved bits, not present,
 * the block's bounds, the rights) fails here.
 */
#include "test.h"
#include "gwalk_fake.h"

#include "mm/pte_bits.h"

/* Short names for the entry bits (mm/pte_bits.h). */
static const uint64_t P = E_P, RW = E_RW, US = E_US, A = E_A, D = E_D, PS = E_PS, G = E_G, XD = E_NX;

#define CR0_PG   (1ull << 31)
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

static struct fake_mem fm;
static struct gwalk_mem ops;
static struct gwalk_near out[512];

static struct gwalk_cpu cpu_of(enum gwalk_mode m)
{
    struct gwalk_cpu c;
    memset(&c, 0, sizeof(c));
    c.cr0 = CR0_PG;
    c.cr3 = 0x1000;
    c.maxphyaddr = 40;
    c.gbpages = true;
    if (m == GW_MODE_32)
        c.cr4 = CR4_PSE;
    if (m == GW_MODE_PAE) {
        c.cr4 = CR4_PAE;
        c.efer = EFER_NXE;
    }
    if (m == GW_MODE_4L) {
        c.cr4 = CR4_PAE;
        c.efer = EFER_LMA | EFER_NXE;
    }
    return c;
}

/*
 * Tables for linear addresses 0x00400000-0x007fffff (32-bit: PDE 1; PAE:
 * PDPTE 0, PDE 2 and 3; 4-level: PML4E 0, PDPTE 0, PDE 2 and 3).  Upper
 * entries get flags up; the page tables are 0x4000 (and 0x5000 for the
 * second PAE/4-level one).  Returns the entry size.
 */
static unsigned build(enum gwalk_mode m, uint64_t up)
{
    fake_mem_init(&fm, &ops);
    if (m == GW_MODE_32) {
        fake_set(&fm, 0x1004, 4, 0x4000 | up);
        fake_at(&fm, 0x4000, 1);
        return 4;
    }
    if (m == GW_MODE_PAE) {
        fake_set(&fm, 0x1000, 8, 0x3000 | P);
    } else {
        fake_set(&fm, 0x1000, 8, 0x2000 | up);
        fake_set(&fm, 0x2000, 8, 0x3000 | up);
    }
    fake_set(&fm, 0x3010, 8, 0x4000 | up);
    fake_set(&fm, 0x3018, 8, 0x5000 | up);
    fake_at(&fm, 0x4000, 1);
    fake_at(&fm, 0x5000, 1);
    return 8;
}

/* The page-table entry of va (in 0x00400000-0x007fffff). */
static uint64_t pte_gpa(enum gwalk_mode m, uint64_t va)
{
    if (m == GW_MODE_32)
        return 0x4000 + ((va >> 12) & 1023) * 4;
    return ((va >> 21) & 1 ? 0x5000 : 0x4000) + ((va >> 12) & 511) * 8;
}

static int walk_for(const struct gwalk_cpu *c, uint64_t va, unsigned acc, struct gwalk_result *r)
{
    memset(r, 0xa5, sizeof(*r));
    return gwalk(c, &ops, va, acc, r);
}

/* The invariants for one gwalk_near answer: each page inside the block, not
 * the faulting page, in ascending order, its leaf with A, W only with D, and
 * exactly what a full walk of it gives.  Returns the number of pages given. */
static unsigned check_near(const struct gwalk_cpu *c, uint64_t va, const struct gwalk_result *r, unsigned n,
                           unsigned cnt)
{
    uint64_t base = va & ~(((uint64_t)n << 12) - 1);
    unsigned before_xchgs = fm.xchgs;
    for (unsigned i = 0; i < cnt; i++) {
        struct gwalk_result full;
        CHECK(out[i].va >= base && out[i].va < base + ((uint64_t)n << 12));
        CHECK(out[i].va != (va & ~0xfffull));
        CHECK((out[i].va & 0xfff) == 0);
        if (i)
            CHECK(out[i].va > out[i - 1].va);
        if (c->cr0 & CR0_PG) {
            CHECK(out[i].leaf & A);
            if (!(out[i].leaf & D))
                CHECK(!(out[i].perms & GW_PERM_W));
        }
        CHECK_EQ(walk_for(c, out[i].va, 0, &full), 0);
        CHECK_EQ(out[i].gpa, full.gpa & ~0xfffull);
        CHECK_EQ(out[i].leaf, full.leaf);
        unsigned want = full.perms & ((!(c->cr0 & CR0_PG) || (full.leaf & D)) ? ~0u : ~GW_PERM_W);
        CHECK_EQ(out[i].perms, want);
        /* Same upper levels: the same page table (or the same large leaf). */
        if (r->page_shift == 12 && (c->cr0 & CR0_PG))
            CHECK_EQ(full.leaf_gpa & ~0xfffull, r->leaf_gpa & ~0xfffull);
    }
    CHECK_EQ(fm.xchgs, before_xchgs);            /* the walks above do not set A/D either */
    return cnt;
}

/* Hand-built: one page table, a block of 16 with one entry per rule. */
static void test_rules_4l(void)
{
    struct gwalk_cpu c = cpu_of(GW_MODE_4L);
    struct gwalk_result r;
    build(GW_MODE_4L, P | RW | US | A);
    uint64_t va = 0x00400000 + 5 * 4096 + 0x123;    /* entry 5 of the table at 0x4000 */
    fake_set(&fm, pte_gpa(GW_MODE_4L, va), 8, 0x100000 | P | RW | US);
    uint64_t e[16] = {
        [0] = 0x200000 | P | RW | US | A | D,       /* given, writable */
        [1] = 0x201000 | P | RW | US | A,           /* given, not writable: D clear */
        [2] = 0x202000 | P | RW | US,               /* left out: A clear */
        [3] = 0x203000 | RW | US | A | D,           /* left out: not present */
        [4] = 0x204000 | P | RW | US | A | D | (1ull << 45),   /* left out: reserved (MAXPHYADDR 40) */
        [6] = 0x206000 | P | US | A | D,            /* given, read-only */
        [7] = 0x207000 | P | RW | A | D,            /* given, supervisor */
        [8] = 0x208000 | P | RW | US | A | D | XD,  /* given, no execute */
        [9] = 0x209000 | P | RW | US | A | D | G,   /* given, global */
        [10] = 0x20a000 | P | RW | US | A | D | PS, /* given: bit 7 of a PTE is PAT, not reserved */
    };
    for (unsigned i = 0; i < 16; i++)
        if (i != 5)
            fake_set(&fm, 0x4000 + i * 8, 8, e[i]);
    CHECK_EQ(walk_for(&c, va, GW_SET_AD, &r), 0);
    CHECK_EQ(r.leaf_gpa, 0x4028);
    CHECK_EQ(r.up_perms, GW_PERM_W | GW_PERM_U | GW_PERM_X);
    unsigned xchgs = fm.xchgs;
    unsigned cnt = gwalk_near(&c, &ops, va, &r, 16, out);
    CHECK_EQ(fm.xchgs, xchgs);                    /* a prefetch writes nothing */
    CHECK_EQ(check_near(&c, va, &r, 16, cnt), 7);
    uint64_t want_va[7] = { 0x400000, 0x401000, 0x406000, 0x407000, 0x408000, 0x409000, 0x40a000 };
    unsigned want_perms[7] = { 7, 6, 6, 5, 3, 7, 7 };
    for (unsigned i = 0; i < 7 && i < cnt; i++) {
        CHECK_EQ(out[i].va, want_va[i]);
        CHECK_EQ(out[i].perms, want_perms[i]);
        CHECK_EQ(out[i].gpa, want_va[i] - 0x400000 + 0x200000);
    }
    /* The A/D flags of the neighbours stayed as they were. */
    CHECK_EQ(fake_get(&fm, 0x4010, 8), e[2]);
    CHECK_EQ(fake_get(&fm, 0x4008, 8), e[1]);
    /* The upper levels' rights apply: a read-only, supervisor PDE makes
     * every neighbour read-only and supervisor, whatever its own flags. */
    fake_set(&fm, 0x3010, 8, 0x4000 | P | A | XD);
    CHECK_EQ(walk_for(&c, va, GW_SET_AD, &r), 0);
    CHECK_EQ(r.up_perms, 0);
    cnt = gwalk_near(&c, &ops, va, &r, 16, out);
    CHECK_EQ(check_near(&c, va, &r, 16, cnt), 7);
    for (unsigned i = 0; i < cnt; i++)
        CHECK_EQ(out[i].perms, 0);
    /* A result whose leaf lacks A (not from a walk that set it): nothing. */
    r.leaf &= ~A;
    CHECK_EQ(gwalk_near(&c, &ops, va, &r, 16, out), 0);
    /* Bad sizes: nothing. */
    CHECK_EQ(walk_for(&c, va, GW_SET_AD, &r), 0);
    CHECK_EQ(gwalk_near(&c, &ops, va, &r, 1, out), 0);
    CHECK_EQ(gwalk_near(&c, &ops, va, &r, 24, out), 0);
    CHECK_EQ(gwalk_near(&c, &ops, va, &r, 1024, out), 0);
}

/* The block never leaves the page table: the last entry of one table with
 * the next table's entries all valid. */
static void test_table_bound(void)
{
    for (enum gwalk_mode m = GW_MODE_PAE; m <= GW_MODE_4L; m++) {
        struct gwalk_cpu c = cpu_of(m);
        struct gwalk_result r;
        build(m, P | RW | US | A);
        for (unsigned i = 0; i < 512; i++) {
            fake_set(&fm, 0x4000 + i * 8, 8, (0x200000 + i * 4096ull) | P | RW | US | A | D);
            fake_set(&fm, 0x5000 + i * 8, 8, (0x400000 + i * 4096ull) | P | RW | US | A | D);
        }
        uint64_t va = 0x00400000 + 511 * 4096ull;     /* the last page of table 0x4000 */
        CHECK_EQ(walk_for(&c, va, GW_SET_AD, &r), 0);
        for (unsigned n = 2; n <= 512; n *= 2) {
            unsigned cnt = gwalk_near(&c, &ops, va, &r, n, out);
            CHECK_EQ(check_near(&c, va, &r, n, cnt), n - 1);
            for (unsigned i = 0; i < cnt; i++)
                CHECK(out[i].va < 0x00600000 && out[i].gpa < 0x400000);
        }
    }
}

/* 32-bit paging (4-byte entries, 1024 per table) and a 4 MiB page. */
static void test_32bit(void)
{
    struct gwalk_cpu c = cpu_of(GW_MODE_32);
    struct gwalk_result r;
    build(GW_MODE_32, P | RW | US | A);
    for (unsigned i = 0; i < 1024; i++)
        fake_set(&fm, 0x4000 + i * 4, 4, (0x300000 + i * 4096ull) | P | RW | US | A | (i & 1 ? D : 0));
    uint64_t va = 0xffffffff00400000ull + 600 * 4096ull;    /* bits 63:32 ignored */
    CHECK_EQ(walk_for(&c, va, GW_SET_AD, &r), 0);
    unsigned cnt = gwalk_near(&c, &ops, va, &r, 32, out);
    CHECK_EQ(check_near(&c, va & 0xffffffffull, &r, 32, cnt), 31);
    for (unsigned i = 0; i < cnt; i++) {
        CHECK(out[i].va >> 32 == 0);
        CHECK_EQ(out[i].gpa, 0x300000 + ((out[i].va >> 12) & 1023) * 4096);
        CHECK_EQ(!!(out[i].perms & GW_PERM_W), (out[i].va >> 12) & 1);
    }
    /* 4 MiB page at PDE 2 (PSE-36: frame bits 39:32 = 1), D clear. */
    fake_set(&fm, 0x1008, 4, 0x00c00000 | (1u << 13) | P | RW | US | A | PS);
    va = 0x00800000 + 0x123456;
    CHECK_EQ(walk_for(&c, va, GW_SET_AD, &r), 0);
    CHECK_EQ(r.page_shift, 22);
    CHECK_EQ(r.gpa, 0x100c00000ull + 0x123456);
    cnt = gwalk_near(&c, &ops, va, &r, 64, out);
    CHECK_EQ(check_near(&c, va, &r, 64, cnt), 63);
    for (unsigned i = 0; i < cnt; i++) {
        CHECK_EQ(out[i].gpa, 0x100c00000ull + (out[i].va & 0x3fffff));
        CHECK_EQ(out[i].perms, GW_PERM_U | GW_PERM_X);        /* no W: D clear */
    }
}

/* Large pages in 4-level mode: 2 MiB and 1 GiB, the same leaf for all. */
static void test_large_4l(void)
{
    struct gwalk_cpu c = cpu_of(GW_MODE_4L);
    struct gwalk_result r;
    build(GW_MODE_4L, P | RW | US | A);
    fake_set(&fm, 0x3020, 8, 0x40000000ull | P | RW | A | D | PS | G);    /* PDE 4: 2 MiB, dirty */
    uint64_t va = 0x00800000 + 0x7654;
    CHECK_EQ(walk_for(&c, va, GW_SET_AD, &r), 0);
    CHECK_EQ(r.page_shift, 21);
    unsigned cnt = gwalk_near(&c, &ops, va, &r, 8, out);
    CHECK_EQ(check_near(&c, va, &r, 8, cnt), 7);
    for (unsigned i = 0; i < cnt; i++)
        CHECK_EQ(out[i].perms, GW_PERM_W | GW_PERM_X);
    fake_set(&fm, 0x2008, 8, 0x80000000ull | P | RW | US | A | PS);         /* PDPTE 1: 1 GiB, clean */
    va = 0x40000000ull + 0x12345678;
    CHECK_EQ(walk_for(&c, va, GW_SET_AD, &r), 0);
    CHECK_EQ(r.page_shift, 30);
    cnt = gwalk_near(&c, &ops, va, &r, 64, out);
    CHECK_EQ(check_near(&c, va, &r, 64, cnt), 63);
    for (unsigned i = 0; i < cnt; i++)
        CHECK_EQ(out[i].perms, GW_PERM_U | GW_PERM_X);
}

/* Paging off: the identity, every right, nothing read. */
static void test_no_paging(void)
{
    struct gwalk_cpu c = cpu_of(GW_MODE_32);
    struct gwalk_result r;
    c.cr0 = 0;
    fake_mem_init(&fm, &ops);
    CHECK_EQ(walk_for(&c, 0x12345678, GW_SET_AD, &r), 0);
    unsigned cnt = gwalk_near(&c, &ops, 0x12345678, &r, 16, out);
    CHECK_EQ(cnt, 15);
    CHECK_EQ(fm.reads, 0);
    for (unsigned i = 0; i < cnt; i++) {
        CHECK_EQ(out[i].gpa, out[i].va);
        CHECK_EQ(out[i].perms, GW_PERM_W | GW_PERM_U | GW_PERM_X);
        CHECK(out[i].va >= 0x12340000 && out[i].va < 0x12350000 && out[i].va != 0x12345000);
    }
}

/*
 * Random tables in each mode: every entry of both page tables random over
 * the flags that matter (P, RW, US, A, D, PS/PAT, G, XD, a reserved
 * address bit), random upper-level rights, a random faulting page and
 * block size.  What is given must pass check_near; what is left out must
 * be refused by a rule: not present, A clear, or a reserved bit (the full
 * walk faults with RSVD).  A dropped rule either gives a page it must not
 * or leaves out one it could give.
 */
static void test_random(void)
{
    const uint64_t flag_pool[] = { P, RW, US, A, D, PS, G, XD, 1ull << 44 };
    unsigned given = 0, left = 0, left_a = 0, left_np = 0, left_rsvd = 0;
    for (unsigned iter = 0; iter < 3000; iter++) {
        enum gwalk_mode m = (enum gwalk_mode)(GW_MODE_32 + iter % 3);
        struct gwalk_cpu c = cpu_of(m);
        if (t_rand() & 1)
            c.efer &= ~EFER_NXE;
        uint64_t up = P | A | (t_rand() & 1 ? RW : 0) | (t_rand() % 4 ? US : 0) |
                      (m != GW_MODE_32 && (c.efer & EFER_NXE) && !(t_rand() % 4) ? XD : 0);
        unsigned size = build(m, up);
        unsigned per = 4096 / size;
        for (unsigned t = 0; t < (m == GW_MODE_32 ? 1u : 2u); t++)
            for (unsigned i = 0; i < per; i++) {
                uint64_t e = (0x100000 + (t * per + i) * 4096ull);
                for (unsigned f = 0; f < sizeof(flag_pool) / sizeof(flag_pool[0]); f++)
                    if (t_rand() % 3 == 0 || (flag_pool[f] == P && t_rand() % 4))
                        e |= flag_pool[f];
                fake_set(&fm, 0x4000 + t * 0x1000 + i * size, size, e);
            }
        uint64_t va = 0x00400000 + (t_rand() % (m == GW_MODE_32 ? 1024 : 1024)) * 4096ull;
        fake_set(&fm, pte_gpa(m, va), size, 0x7f000 | P | RW | US);   /* the faulting page: valid */
        unsigned n = 2u << (t_rand() % 9);                            /* 2..512 */
        struct gwalk_result r;
        if (walk_for(&c, va, GW_SET_AD, &r)) {
            CHECK(0);
            continue;
        }
        unsigned cnt = gwalk_near(&c, &ops, va, &r, n, out);
        check_near(&c, va, &r, n, cnt);
        given += cnt;
        /* Completeness: each left-out page has a reason. */
        uint64_t base = va & ~(((uint64_t)n << 12) - 1);
        unsigned k = 0;
        for (unsigned j = 0; j < n; j++) {
            uint64_t pva = base + j * 4096ull;
            if (pva == (va & ~0xfffull))
                continue;
            if (k < cnt && out[k].va == pva) {
                k++;
                continue;
            }
            left++;
            uint64_t e = fake_get(&fm, pte_gpa(m, pva), size);
            struct gwalk_result full;
            int rc = walk_for(&c, pva, 0, &full);
            bool why_np = !(e & P), why_a = !(e & A), why_rsvd = rc == -EFAULT && (full.pfec & PFEC_RSVD);
            CHECK(why_np || why_a || why_rsvd);
            left_np += why_np;
            left_a += !why_np && why_a;
            left_rsvd += !why_np && !why_a && why_rsvd;
        }
        CHECK_EQ(k, cnt);
    }
    printf("random: %u pages given, %u left out (%u not present, %u A clear, %u reserved bits)\n", given, left,
           left_np, left_a, left_rsvd);
    CHECK(given > 1000 && left_np > 100 && left_a > 100 && left_rsvd > 100);
}

int main(void)
{
    RUN(test_rules_4l);
    RUN(test_table_bound);
    RUN(test_32bit);
    RUN(test_large_4l);
    RUN(test_no_paging);
    RUN(test_random);
    return t_finish("unit_gwalk_near");
}
