/*
 * A fake machine for src/mm/pgtype.c, shared by the unit test and the fuzz
 * harness: NF frames of 512 entries owned by domain DOM unless a test says
 * otherwise, general references counted in frame.count, and a checker that
 * recounts every reference from the validated tables and the pins.  The
 * includer defines PGF_FAIL(fmt, ...) (report, or abort) and PGF_CHECKED()
 * (count one check).
 */
#ifndef RV_TESTS_PGTYPE_FAKE_H
#define RV_TESTS_PGTYPE_FAKE_H

#include <stdio.h>
#include <string.h>

#include "mm/pgtype.h"
#include "lib/errno.h"

#define NF 96
#define DOM 1
#define OTHER 2

#define P   0x1ull
#define RW  0x2ull
#define US  0x4ull
#define PCD 0x10ull
#define PS  0x80ull
#define G   0x100ull
#define NX  (1ull << 63)

static struct frame ft[NF];
static uint64_t mem[NF][512] __attribute__((aligned(4096)));
static int preempt_every;       /* 0: never; n: every n-th call says stop */
static int preempt_calls;
static int bugs, l4_inits, flushes;
/* References held outside any table or pin (a vCPU's base pointers in the
 * fuzz harness): counted by the checker too. */
static uint64_t held_gen[NF], held_typ[NF];

static uint64_t *env_map(const struct pgt_env *e, uint64_t mfn) { (void)e; return mem[mfn]; }
static bool env_get_ref(const struct pgt_env *e, uint64_t mfn, uint16_t dom)
{
    (void)e;
    if (mfn >= NF || ft[mfn].owner != dom)
        return false;
    ft[mfn].count++;
    return true;
}
static void env_put_ref(const struct pgt_env *e, uint64_t mfn)
{
    (void)e;
    if (ft[mfn].count == 0)
        bugs++;
    else
        ft[mfn].count--;
}
static bool env_preempt(const struct pgt_env *e)
{
    (void)e;
    return preempt_every && ++preempt_calls % preempt_every == 0;
}
static uint64_t env_adjust(const struct pgt_env *e, uint64_t pte) { (void)e; return pte | US; }
static void env_init_l4(const struct pgt_env *e, uint64_t mfn) { (void)e; (void)mfn; l4_inits++; }
static void env_flush(const struct pgt_env *e, uint64_t mfn) { (void)e; (void)mfn; flushes++; }
static void env_bug(const struct pgt_env *e, const char *what) { (void)e; fprintf(stderr, "bug: %s\n", what); bugs++; }

static struct pgt_env env = {
    .ft = ft, .nr_frames = NF, .map = env_map, .get_ref = env_get_ref, .put_ref = env_put_ref,
    .preempt = env_preempt, .adjust_l1e = env_adjust, .init_l4 = env_init_l4, .writable_gone = env_flush,
    .bug = env_bug,
};

static void reset(void)
{
    memset(ft, 0, sizeof(ft));
    memset(mem, 0, sizeof(mem));
    for (int i = 0; i < NF; i++)
        ft[i].owner = DOM;
    memset(held_gen, 0, sizeof(held_gen));
    memset(held_typ, 0, sizeof(held_typ));
    preempt_every = preempt_calls = bugs = l4_inits = flushes = 0;
    env.cache_attrs_ok = false;
}

static inline uint64_t pte(uint64_t mfn, uint64_t flags) { return (mfn << 12) | flags; }
static inline uint64_t tcount(int f) { return ft[f].type_info & PGT_COUNT_MASK; }
static inline unsigned ttype(int f) { return frame_type_of(&ft[f]); }
static inline bool validated(int f) { return ft[f].type_info & PGT_VALIDATED; }

/* Recounts every reference from the tables that are validated now and the
 * pins, and compares with the frame table (no partial tables allowed). */
static void check_consistent(const char *where)
{
    uint64_t gen[NF] = { 0 }, typ[NF] = { 0 };
    int16_t lin[NF] = { 0 };

    for (int t = 0; t < NF; t++) {
        uint64_t x = ft[t].type_info;
        unsigned lvl = pgt_level(ttype(t));
        if (x & PGT_PARTIAL) {
            PGF_FAIL("%s: frame %d partial\n", where, t);
        }
        if (x & PGT_PINNED) {
            gen[t]++;
            typ[t]++;
        }
        gen[t] += held_gen[t];
        typ[t] += held_typ[t];
        if (!lvl || !(x & PGT_VALIDATED))
            continue;
        for (int i = 0; i < 512; i++) {
            uint64_t e = mem[t][i];
            if (!(e & P) || (lvl == 4 && i >= PGT_L4_HV_FIRST && i <= PGT_L4_HV_LAST) ||
                (ttype(t) == FRAME_TYPE_PT_L2X && i >= PGT_L2X_HV_FIRST))
                continue;
            int c = (int)(e >> 12);
            gen[c]++;
            if (lvl == 1) {
                if (e & RW)
                    typ[c]++;
            } else if (c != t) {
                typ[c]++;
                if (pgt_level(ttype(c)) == lvl) {
                    lin[t]++;
                    lin[c]--;
                }
            }
        }
    }
    for (int f = 0; f < NF; f++) {
        if (ft[f].count != gen[f] || tcount(f) != typ[f] || ft[f].linear != lin[f]) {
            PGF_FAIL("%s: frame %d: count %u (want %llu), type count %llu (want %llu), linear %d (want %d)\n",
                     where, f, ft[f].count, (unsigned long long)gen[f], (unsigned long long)tcount(f),
                     (unsigned long long)typ[f], ft[f].linear, lin[f]);
        }
    }
    PGF_CHECKED();
    if (bugs)
        PGF_FAIL("%s: %d unbalanced references\n", where, bugs);
}

static void check_all_zero(const char *where)
{
    for (int f = 0; f < NF; f++)
        if (ft[f].count || tcount(f) || ft[f].linear || (ft[f].type_info & ~PGT_TYPE_MASK)) {
            PGF_FAIL("%s: frame %d left count %u type_info %#llx linear %d\n", where, f, ft[f].count,
                     (unsigned long long)ft[f].type_info, ft[f].linear);
        }
    PGF_CHECKED();
    if (bugs)
        PGF_FAIL("%s: %d unbalanced references\n", where, bugs);
}

#endif
