/*
 * Frame types and direct-paging validation (src/mm/pgtype.c) over a small
 * fake machine: NF frames of 512 entries, owned by domain 1 unless a test
 * says otherwise.  Every test ends by checking that the reference counts
 * agree with what the validated tables hold (recounted from scratch), and
 * the teardowns that every count returns to 0.
 */
#include "test.h"

#define PGF_FAIL(...) do { fprintf(stderr, __VA_ARGS__); t_failures++; } while (0)
#define PGF_CHECKED() (t_checks++)
#include "pgtype_fake.h"

/* L4 10 -> L3 11 -> L2 12 -> L1 13 -> data 20 (RW), 21 (RO); L2 12 also -> L1 14 -> 22. */
static void build_tree(void)
{
    mem[10][0] = pte(11, P | RW | US);
    mem[11][3] = pte(12, P | RW | US);
    mem[12][0] = pte(13, P | RW);
    mem[12][1] = pte(14, P | RW);
    mem[13][0] = pte(20, P | RW);
    mem[13][1] = pte(21, P | NX);
    mem[14][7] = pte(22, P | RW | G);
}

static void test_tree_pin_unpin(void)
{
    reset();
    build_tree();
    CHECK_EQ(pgt_pin(&env, DOM, 10, 4, 0), 0);
    CHECK_EQ(ttype(10), FRAME_TYPE_PT_L4);
    CHECK_EQ(ttype(11), FRAME_TYPE_PT_L3);
    CHECK_EQ(ttype(12), FRAME_TYPE_PT_L2);
    CHECK_EQ(ttype(13), FRAME_TYPE_PT_L1);
    CHECK_EQ(ttype(20), FRAME_TYPE_WRITABLE);
    CHECK(validated(10) && validated(13));
    CHECK_EQ(tcount(20), 1);
    CHECK_EQ(tcount(21), 0);
    CHECK_EQ(ft[21].count, 1);
    CHECK_EQ(l4_inits, 1);
    CHECK(mem[13][0] & US);         /* adjust_l1e ran on accepted entries */
    check_consistent("tree pinned");
    CHECK_EQ(pgt_pin(&env, DOM, 10, 4, 0), -EINVAL);    /* already pinned */
    CHECK_EQ(pgt_pin(&env, DOM, 10, 3, 0), -EINVAL);    /* another type */
    CHECK_EQ(pgt_pin(&env, DOM, 12, 2, 0), 0);          /* an inner table may be pinned too */
    check_consistent("inner pinned");
    CHECK_EQ(pgt_unpin(&env, DOM, 10), 0);
    CHECK_EQ(pgt_unpin(&env, DOM, 10), -EINVAL);
    CHECK(validated(12) && validated(13));              /* kept by the inner pin */
    check_consistent("outer unpinned");
    CHECK_EQ(pgt_unpin(&env, DOM, 12), 0);
    check_all_zero("tree unpinned");
    /* A frame whose type count dropped to 0 can take another type: 13 as
     * an L2 makes the (empty) data frames it names L1 tables. */
    CHECK_EQ(pgt_pin(&env, DOM, 13, 2, 0), 0);
    CHECK_EQ(ttype(20), FRAME_TYPE_PT_L1);
    check_consistent("retyped");
    CHECK_EQ(pgt_unpin(&env, DOM, 13), 0);
    check_all_zero("retyped unpinned");
    /* ... unless one of them is mapped writable somewhere. */
    mem[30][0] = pte(21, P | RW);
    CHECK_EQ(pgt_pin(&env, DOM, 30, 1, 0), 0);
    CHECK_EQ(pgt_pin(&env, DOM, 13, 2, 0), -EINVAL);
    CHECK_EQ(ttype(20), FRAME_TYPE_PT_L1);              /* validated, then dropped again */
    CHECK_EQ(tcount(20), 0);
    CHECK_EQ(pgt_unpin(&env, DOM, 30), 0);
    check_all_zero("retype refused");
}

static void test_writable_vs_table(void)
{
    reset();
    /* L1 30 maps frame 31 writable; 31 cannot become a table. */
    mem[30][0] = pte(31, P | RW);
    CHECK_EQ(pgt_pin(&env, DOM, 30, 1, 0), 0);
    CHECK_EQ(pgt_pin(&env, DOM, 31, 1, 0), -EINVAL);
    check_consistent("writable frame not a table");
    /* A pinned table cannot be mapped writable: L1 32 names L1 30 RW. */
    mem[32][5] = pte(30, P | RW);
    CHECK_EQ(pgt_pin(&env, DOM, 32, 1, 0), -EINVAL);
    CHECK_EQ(ft[32].type_info & PGT_COUNT_MASK, 0);
    check_consistent("table not writable");
    /* ... but read-only it can (guests map their own tables read-only). */
    mem[32][5] = pte(30, P);
    CHECK_EQ(pgt_pin(&env, DOM, 32, 1, 0), 0);
    check_consistent("table read-only");
    /* Once nothing maps 31 writable it can become a table, after a flush. */
    CHECK_EQ(pgt_unpin(&env, DOM, 30), 0);
    CHECK_EQ(tcount(31), 0);
    check_consistent("after unpin");
    CHECK_EQ(pgt_unpin(&env, DOM, 32), 0);
    check_all_zero("all unpinned");
    flushes = 0;
    CHECK_EQ(pgt_pin(&env, DOM, 31, 1, 0), 0);
    CHECK_EQ(flushes, 1);
    CHECK_EQ(pgt_unpin(&env, DOM, 31), 0);
    check_all_zero("writable retyped");
}

static void test_entry_rules(void)
{
    reset();
    struct { int level; uint64_t e; int rc; const char *what; } cases[] = {
        { 2, pte(41, P | RW | PS), -EINVAL, "L2 superpage" },
        { 3, pte(41, P | RW | PS), -EINVAL, "L3 superpage" },
        { 2, pte(41, P | RW | G), -EINVAL, "global bit in an L2" },
        { 1, pte(41, P | PCD), -EINVAL, "cache attribute without devices" },
        { 1, pte(41, P | (1ull << 52) | (1ull << 62)), 0, "available high bits" },
        { 1, pte(41, P | 0xe00), 0, "available low bits" },
        { 1, pte(NF + 5, P), -EINVAL, "beyond the frame table" },
        { 1, pte(42, P), -EINVAL, "another domain's frame" },
        { 1, pte(43, P), -EINVAL, "a hypervisor frame" },
        { 1, 0xdeadbeef000ull & ~P, 0, "non-present: anything" },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        reset();
        ft[42].owner = OTHER;
        ft[43].owner = DOMID_XEN;
        mem[40][9] = cases[i].e;
        int rc = pgt_pin(&env, DOM, 40, cases[i].level, 0);
        if (rc != cases[i].rc) {
            fprintf(stderr, "entry rule '%s': rc %d, want %d\n", cases[i].what, rc, cases[i].rc);
            t_failures++;
        }
        t_checks++;
        if (rc == 0)
            CHECK_EQ(pgt_unpin(&env, DOM, 40), 0);
        check_all_zero(cases[i].what);
    }
    reset();
    env.cache_attrs_ok = true;
    mem[40][0] = pte(41, P | PCD);
    CHECK_EQ(pgt_pin(&env, DOM, 40, 1, 0), 0);
    CHECK_EQ(pgt_unpin(&env, DOM, 40), 0);
    check_all_zero("cache attribute with devices");
    /* Pinning another domain's frame, or one beyond the table. */
    reset();
    ft[44].owner = OTHER;
    CHECK_EQ(pgt_pin(&env, DOM, 44, 1, 0), -EINVAL);
    CHECK_EQ(pgt_pin(&env, DOM, NF, 1, 0), -EINVAL);
    CHECK_EQ(pgt_pin(&env, DOM, 44, 0, 0), -EINVAL);
    CHECK_EQ(pgt_unpin(&env, DOM, 44), -EINVAL);
    check_all_zero("foreign pin");
}

static void test_hypervisor_slots(void)
{
    reset();
    ft[51].owner = OTHER;
    mem[50][PGT_L4_HV_FIRST] = pte(51, P | RW);     /* would be refused if it were checked */
    mem[50][PGT_L4_HV_LAST] = pte(NF + 100, P | RW);
    CHECK_EQ(pgt_pin(&env, DOM, 50, 4, 0), 0);
    CHECK_EQ(ft[51].count, 0);
    CHECK_EQ(l4_inits, 1);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 50, PGT_L4_HV_FIRST + 3, 0, 0), -EINVAL);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 50, PGT_L4_HV_LAST, 0, 0), -EINVAL);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 50, 255, 0, 0), 0);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 50, 272, 0, 0), 0);
    CHECK_EQ(pgt_unpin(&env, DOM, 50), 0);
    check_all_zero("hypervisor slots");
}

static void test_linear(void)
{
    reset();
    /* Read-only self-map of an L4 (the usual recursive slot). */
    mem[60][5] = pte(60, P);
    CHECK_EQ(pgt_pin(&env, DOM, 60, 4, 0), 0);
    check_consistent("self-map");
    CHECK_EQ(pgt_unpin(&env, DOM, 60), 0);
    check_all_zero("self-map unpinned");
    /* A writable self-map is refused. */
    mem[60][5] = pte(60, P | RW);
    CHECK_EQ(pgt_pin(&env, DOM, 60, 4, 0), -EINVAL);
    check_all_zero("writable self-map");
    /* L2 61 linearly maps validated L2 62 (read-only): allowed, one deep. */
    reset();
    mem[62][0] = pte(63, P);                /* 63 an empty L1 */
    CHECK_EQ(pgt_pin(&env, DOM, 62, 2, 0), 0);
    mem[61][1] = pte(62, P);
    CHECK_EQ(pgt_pin(&env, DOM, 61, 2, 0), 0);
    CHECK_EQ(ft[61].linear, 1);
    CHECK_EQ(ft[62].linear, -1);
    check_consistent("linear L2");
    /* 62, a linear target, may not take a linear entry; 64 may not map 61
     * (which holds one) linearly. */
    CHECK_EQ(pgt_mod_entry(&env, DOM, 62, 9, pte(61, P), 0), -EINVAL);
    mem[64][0] = pte(61, P);
    CHECK_EQ(pgt_pin(&env, DOM, 64, 2, 0), -EINVAL);
    /* Writable linear entries are refused. */
    CHECK_EQ(pgt_mod_entry(&env, DOM, 61, 2, pte(62, P | RW), 0), -EINVAL);
    check_consistent("linear refusals");
    CHECK_EQ(pgt_unpin(&env, DOM, 62), 0);  /* still referenced by 61's linear entry */
    CHECK(validated(62));
    CHECK_EQ(pgt_unpin(&env, DOM, 61), 0);
    check_all_zero("linear unpinned");
}

static void test_mod_entry(void)
{
    reset();
    CHECK_EQ(pgt_pin(&env, DOM, 70, 1, 0), 0);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 0, pte(71, P), 0), 0);        /* was not present: no flush */
    CHECK_EQ(ft[71].count, 1);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 0, pte(72, P | RW), 0), 1);
    CHECK_EQ(ft[71].count, 0);
    CHECK_EQ(tcount(72), 1);
    CHECK(mem[70][0] & US);
    /* Only accessed/dirty change: no reference moves. */
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 0, pte(72, P | RW | 0x60), 0), 1);
    CHECK_EQ(tcount(72), 1);
    CHECK_EQ(ft[72].count, 1);
    check_consistent("mod L1");
    /* Refused: the table itself writable; the old entry stays. */
    uint64_t before = mem[70][0];
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 0, pte(70, P | RW), 0), -EINVAL);
    CHECK_EQ(mem[70][0], before);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 512, 0, 0), -EINVAL);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 73, 0, 0, 0), -EINVAL);          /* not a table */
    CHECK_EQ(pgt_mod_entry(&env, OTHER, 70, 0, 0, 0), -EINVAL);        /* not the caller's */
    check_consistent("mod refusals");
    /* L2 entry to a fresh L1: validated on the way in. */
    CHECK_EQ(pgt_pin(&env, DOM, 74, 2, 0), 0);
    mem[75][3] = pte(76, P | RW);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 74, 0, pte(75, P | RW), 0), 0);
    CHECK_EQ(ttype(75), FRAME_TYPE_PT_L1);
    CHECK_EQ(ttype(76), FRAME_TYPE_WRITABLE);
    check_consistent("mod L2");
    CHECK_EQ(pgt_mod_entry(&env, DOM, 74, 0, 0, 0), 1);                /* 75 devalidated */
    CHECK_EQ(tcount(75), 0);
    CHECK_EQ(tcount(76), 0);
    CHECK_EQ(pgt_unpin(&env, DOM, 74), 0);
    CHECK_EQ(pgt_unpin(&env, DOM, 70), 0);
    check_all_zero("mod done");
}

/* pgt_env.l1_put: an environment that holds an L1 entry's references back
 * (pv/pv_mmu_env.c, until its TLB flush) gets each removed entry's frame
 * and RW once, pgtype drops nothing itself, and pgt_put_l1_frame later
 * drops exactly what the entry held; entries of upper levels are not
 * affected. */
static uint64_t held_back[16];
static unsigned nr_held_back;
static void hold_back(const struct pgt_env *e, uint64_t mfn, bool rw)
{
    (void)e;
    if (nr_held_back < 16)
        held_back[nr_held_back++] = mfn << 1 | rw;
}

static void test_l1_put_deferred(void)
{
    reset();
    nr_held_back = 0;
    env.l1_put = hold_back;
    CHECK_EQ(pgt_pin(&env, DOM, 70, 1, 0), 0);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 0, pte(71, P | RW), 0), 0);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 1, pte(72, P), 0), 0);
    CHECK_EQ(nr_held_back, 0u);                                       /* nothing was removed */
    /* Changed to another frame, then cleared: the old frames still hold
     * their references until the environment lets them go. */
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 0, pte(73, P), 0), 1);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 1, 0, 0), 1);
    CHECK_EQ(nr_held_back, 2u);
    CHECK_EQ(held_back[0], 71u << 1 | 1);
    CHECK_EQ(held_back[1], 72u << 1);
    CHECK_EQ(ft[71].count, 1);
    CHECK_EQ(tcount(71), 1);
    CHECK_EQ(ttype(71), FRAME_TYPE_WRITABLE);
    CHECK_EQ(ft[72].count, 1);
    /* Only an A/D change: nothing removed, nothing held back. */
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 0, pte(73, P | 0x20), 0), 1);
    CHECK_EQ(nr_held_back, 2u);
    for (unsigned i = 0; i < nr_held_back; i++)
        pgt_put_l1_frame(&env, held_back[i] >> 1, held_back[i] & 1);
    CHECK_EQ(ft[71].count, 0);
    CHECK_EQ(tcount(71), 0);
    CHECK_EQ(ft[72].count, 0);
    /* A table's own devalidation goes through the hook entry by entry. */
    nr_held_back = 0;
    CHECK_EQ(pgt_pin(&env, DOM, 74, 2, 0), 0);
    mem[75][3] = pte(76, P | RW);
    mem[75][4] = pte(77, P);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 74, 0, pte(75, P | RW), 0), 0);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 74, 0, 0, 0), 1);
    CHECK_EQ(nr_held_back, 2u);
    CHECK_EQ(tcount(75), 0);                                          /* the L1's own type went */
    CHECK_EQ(tcount(76), 1);
    for (unsigned i = 0; i < nr_held_back; i++)
        pgt_put_l1_frame(&env, held_back[i] >> 1, held_back[i] & 1);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 0, 0, 0), 1);
    CHECK_EQ(nr_held_back, 3u);
    pgt_put_l1_frame(&env, held_back[2] >> 1, held_back[2] & 1);
    env.l1_put = NULL;
    CHECK_EQ(pgt_unpin(&env, DOM, 74), 0);
    CHECK_EQ(pgt_unpin(&env, DOM, 70), 0);
    CHECK_EQ(bugs, 0);
    check_all_zero("l1_put done");
}

/* pgt_cmpxchg_entry (the writable-page-table assist's atomic merge): over
 * a value that is not the entry's it changes nothing and takes no
 * reference; over the entry's it is pgt_mod_entry. */
static void test_cmpxchg_entry(void)
{
    reset();
    CHECK_EQ(pgt_pin(&env, DOM, 70, 1, 0), 0);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 70, 0, pte(71, P), 0), 0);
    uint64_t cur = mem[70][0];
    CHECK_EQ(pgt_cmpxchg_entry(&env, DOM, 70, 0, cur ^ 0x20, pte(72, P | RW), 0), -EAGAIN);
    CHECK_EQ(mem[70][0], cur);
    CHECK_EQ(ft[71].count, 1);
    CHECK_EQ(ft[72].count, 0);
    CHECK_EQ(tcount(72), 0);
    check_consistent("cmpxchg refused");
    CHECK_EQ(pgt_cmpxchg_entry(&env, DOM, 70, 0, cur, pte(72, P | RW), 0), 1);
    CHECK_EQ(ft[71].count, 0);
    CHECK_EQ(tcount(72), 1);
    /* A refused value is refused before the comparison matters. */
    cur = mem[70][0];
    CHECK_EQ(pgt_cmpxchg_entry(&env, DOM, 70, 0, cur, pte(70, P | RW), 0), -EINVAL);
    CHECK_EQ(mem[70][0], cur);
    check_consistent("cmpxchg");
    CHECK_EQ(pgt_cmpxchg_entry(&env, DOM, 70, 0, cur, 0, 0), 1);
    CHECK_EQ(pgt_unpin(&env, DOM, 70), 0);
    check_all_zero("cmpxchg done");
}

/* A tree wide enough that preemption bites at every level. */
static void build_wide(void)
{
    /* L4 80 -> L3 81, 82 -> L2 83, 84 (each L3 two L2s, shared) -> L1 85..88 -> data 89..95 */
    mem[80][0] = pte(81, P | RW);
    mem[80][1] = pte(82, P | RW);
    for (int i = 0; i < 3; i++) {
        mem[81][i] = pte(83 + (i & 1), P | RW);
        mem[82][i * 7] = pte(84 - (i & 1), P | RW);
    }
    for (int i = 0; i < 4; i++) {
        mem[83][i] = pte(85 + i, P | RW);
        mem[84][i * 3] = pte(85 + ((i + 1) & 3), P | RW);
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 7; j++)
            mem[85 + i][j * 11] = pte(89 + (i + j) % 7, (i + j) & 1 ? P | RW : P);
}

static void test_preemption(void)
{
    for (int every = 1; every <= 4; every++) {
        reset();
        build_wide();
        preempt_every = every;
        int rc, rounds = 0;
        while ((rc = pgt_pin(&env, DOM, 80, 4, PGT_PREEMPTIBLE)) == -ERESTART && rounds < 1000)
            rounds++;
        CHECK_EQ(rc, 0);
        CHECK(rounds > 0);
        preempt_every = 0;
        check_consistent("preempted pin finished");
        CHECK_EQ(pgt_unpin(&env, DOM, 80), 0);
        check_all_zero("preempted pin unpinned");
    }
    /* Given up part-way: another type or a non-preemptible pin are refused,
     * relinquishing drops everything. */
    reset();
    build_wide();
    preempt_every = 2;
    CHECK_EQ(pgt_pin(&env, DOM, 80, 4, PGT_PREEMPTIBLE), -ERESTART);
    CHECK(ft[80].type_info & PGT_PARTIAL);
    CHECK_EQ(pgt_pin(&env, DOM, 80, 3, 0), -EBUSY);
    CHECK_EQ(pgt_get_type(&env, DOM, 80, FRAME_TYPE_WRITABLE, 0), -EBUSY);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 80, 3, 0, 0), -EINVAL);          /* not validated */
    CHECK_EQ(pgt_relinquish(&env, DOM, 80), 1);
    check_all_zero("abandoned pin relinquished");
    /* A preempted mod_entry continues when repeated. */
    reset();
    build_wide();
    CHECK_EQ(pgt_pin(&env, DOM, 79, 4, 0), 0);
    preempt_every = 1;
    int rc, rounds = 0;
    while ((rc = pgt_mod_entry(&env, DOM, 79, 7, pte(81, P | RW), PGT_PREEMPTIBLE)) == -ERESTART && rounds < 1000)
        rounds++;
    CHECK_EQ(rc, 0);
    CHECK(rounds > 0);
    preempt_every = 0;
    check_consistent("preempted mod finished");
    CHECK_EQ(pgt_unpin(&env, DOM, 79), 0);
    check_all_zero("preempted mod unpinned");
}

/* Random tables and operations; the counts must always agree and return
 * to zero. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_random(void)
{
    for (int round = 0; round < 300; round++) {
        reset();
        env.cache_attrs_ok = rnd() & 1;
        for (int n = 0; n < 200; n++) {
            int t = 1 + (int)(rnd() % (NF - 1)), i = (int)(rnd() % 8), c = (int)(rnd() % NF);
            uint64_t fl = P | (rnd() & 1 ? RW : 0) | (rnd() % 16 == 0 ? PS : 0) | (rnd() % 16 == 0 ? PCD : 0);
            mem[t][i] = pte(c, fl);
        }
        for (int op = 0; op < 60; op++) {
            int f = (int)(rnd() % NF), lvl = 1 + (int)(rnd() % 4);
            switch (rnd() % 4) {
            case 0: case 1: {
                preempt_every = rnd() % 3 == 0 ? 1 + (int)(rnd() % 3) : 0;
                int rc, k = 0;
                while ((rc = pgt_pin(&env, DOM, f, lvl, preempt_every ? PGT_PREEMPTIBLE : 0)) == -ERESTART &&
                       k++ < 10000)
                    ;
                CHECK(rc == 0 || rc == -EINVAL || rc == -EBUSY);
                break;
            }
            case 2:
                pgt_unpin(&env, DOM, f);
                break;
            default: {
                uint64_t v = rnd() % 3 ? pte(rnd() % NF, P | (rnd() & 1 ? RW : 0)) : 0;
                preempt_every = 0;
                int rc = pgt_mod_entry(&env, DOM, f, (unsigned)(rnd() % 8), v, 0);
                CHECK(rc == 0 || rc == 1 || rc == -EINVAL || rc == -EBUSY);
                break;
            }
            }
            preempt_every = 0;
            check_consistent("random op");
        }
        for (int f = 0; f < NF; f++)
            pgt_relinquish(&env, DOM, f);
        check_all_zero("random teardown");
        if (t_failures)
            break;
    }
}

/* 32-bit PV (pgt_env.compat): an L3 top level with entries 0-3, PDPTE
 * bits added, the L2 under entry 3 typed L2X with the hypervisor's
 * entries 428-511 (ignored, filled, refused, cleared), no linear L3, no
 * L4. */
static int l2x_inits;
static void env_init_l2x(const struct pgt_env *e, uint64_t mfn)
{
    (void)e;
    l2x_inits++;
    for (unsigned i = PGT_L2X_HV_FIRST; i < 512; i++)
        mem[mfn][i] = pte(NF + 7, P);       /* a frame the fake machine does not have: the hypervisor's */
}
static uint64_t env_upper_same(const struct pgt_env *e, unsigned level, uint64_t v)
{
    (void)e;
    (void)level;
    return v;
}

static void test_compat(void)
{
    const struct pgt_env saved = env;

    reset();
    env.compat = true;
    env.init_l2x = env_init_l2x;
    env.adjust_upper = env_upper_same;
    l2x_inits = 0;
    mem[60][0] = pte(61, P);
    mem[60][3] = pte(62, P);
    mem[61][0] = pte(63, P | RW | US);
    mem[62][0] = pte(65, P | RW);
    mem[62][PGT_L2X_HV_FIRST] = pte(64, P | RW);    /* the guest's value there is ignored */
    mem[63][0] = pte(20, P | RW);
    CHECK_EQ(pgt_pin(&env, DOM, 60, 3, 0), 0);
    CHECK_EQ(ttype(61), FRAME_TYPE_PT_L2);
    CHECK_EQ(ttype(62), FRAME_TYPE_PT_L2X);
    CHECK_EQ(ttype(65), FRAME_TYPE_PT_L1);
    CHECK_EQ(l2x_inits, 1);
    CHECK_EQ(ft[64].count, 0);
    CHECK_EQ(mem[62][PGT_L2X_HV_FIRST], pte(NF + 7, P));
    CHECK_EQ(mem[60][0] & (RW | US), RW | US);     /* a PDPTE under a long-mode L4 */
    check_consistent("compat pinned");
    CHECK_EQ(pgt_mod_entry(&env, DOM, 60, 4, pte(66, P), 0), -EINVAL);     /* beyond PAE's 4 */
    CHECK_EQ(pgt_mod_entry(&env, DOM, 60, 4, 0, 0), 0);                    /* empty stays allowed */
    CHECK_EQ(pgt_mod_entry(&env, DOM, 62, PGT_L2X_HV_FIRST + 2, 0, 0), -EINVAL);
    CHECK_EQ(pgt_mod_entry(&env, DOM, 60, 2, pte(62, P), 0), -EINVAL);     /* an L2X is no plain L2 */
    CHECK_EQ(pgt_mod_entry(&env, DOM, 60, 1, pte(60, P), 0), -EINVAL);     /* no self-map at L3 */
    CHECK_EQ(pgt_mod_entry(&env, DOM, 62, PGT_L2X_HV_FIRST - 1, pte(66, P | RW), 0), 0);
    CHECK_EQ(ttype(66), FRAME_TYPE_PT_L1);
    CHECK_EQ(pgt_pin(&env, DOM, 67, 4, 0), -EINVAL);                        /* no L4 for a 32-bit guest */
    check_consistent("compat refusals");
    CHECK_EQ(pgt_unpin(&env, DOM, 60), 0);
    CHECK_EQ(mem[62][PGT_L2X_HV_FIRST], 0);       /* cleared with the type */
    check_all_zero("compat unpinned");
    mem[68][5] = pte(61, P);
    CHECK_EQ(pgt_pin(&env, DOM, 68, 3, 0), -EINVAL);
    check_all_zero("compat l3 entry 5");
    env = saved;
}

int main(void)
{
    test_tree_pin_unpin();
    test_writable_vs_table();
    test_entry_rules();
    test_hypervisor_slots();
    test_linear();
    test_mod_entry();
    test_l1_put_deferred();
    test_cmpxchg_entry();
    test_preemption();
    test_random();
    test_compat();
    printf("pgtype: %d checks, %d failures\n", t_checks, t_failures);
    return t_failures != 0;
}
