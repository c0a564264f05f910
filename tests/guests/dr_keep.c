/*
 * dr_keep: an HVM guest's debug registers stay its own while a PV guest
 * with armed breakpoints shares its CPU (docs/pv.md "Debug registers and
 * #DB"; ctests pv_dbg_hvm_*, next to pv_dbg_hold).  HVM guests write DR0-3,
 * DR6 and DR7 without an exit: DR7 is switched by the VMCS/VMCB, DR6 by
 * the VMCB on SVM, and on VMX DR6 and DR0-3 are whatever the CPU holds, so
 * a PV stint that loads its own must put back what it found.
 *
 * The guest writes DR0-3 (instruction breakpoints on addresses it never
 * executes), DR7 (all four enabled) and DR6 (B1, a value the CPU only
 * keeps), then after each of 200 SCHEDOP_yields reads all six back.
 * `seed=N` on its command line moves the addresses and picks another DR6
 * bit, so two instances on one CPU (dr_keep_b.cfg; ctests
 * hvm_dr_keep_neighbour*) each see only their own values.
 */
#include "guest.h"

#define RD(n) ({ uint32_t v_; __asm__ __volatile__("mov %%db" #n ", %0" : "=r"(v_)); v_; })
#define WR(n, v) __asm__ __volatile__("mov %0, %%db" #n :: "r"((uint32_t)(v)))

#define DR6_REPORT  0xe00fu     /* B0-B3, BD, BS, BT: the bits software sets and reads */

static uint32_t want_dr[4] = { 0x00ffe000, 0x00ffe100, 0x00ffe200, 0x00ffe300 };
static const uint32_t want_dr7 = 0x455;          /* L0-L3, execute, 1 byte */
static uint32_t want_dr6 = 0xffff0ff2;           /* B1 (seed 0), B2 (seed != 0) */

static unsigned bad_regs(uint32_t got[6])
{
    got[0] = RD(0), got[1] = RD(1), got[2] = RD(2), got[3] = RD(3);
    got[4] = RD(6), got[5] = RD(7);
    unsigned bad = 0;
    for (unsigned i = 0; i < 4; i++)
        bad += got[i] != want_dr[i];
    bad += (got[4] & DR6_REPORT) != (want_dr6 & DR6_REPORT);
    bad += got[5] != want_dr7;
    return bad;
}

void test_main(void)
{
    unsigned rounds = cmdline_uint("rounds", 200), yields = 0, bad_rounds = 0;
    uint32_t got[6];

    if (!hv_require())
        return;
    uint32_t seed = cmdline_uint("seed", 0);
    for (unsigned i = 0; i < 4; i++)
        want_dr[i] += (seed & 0xff) << 16;
    if (seed)
        want_dr6 = 0xffff0ff4;
    WR(0, want_dr[0]);
    WR(1, want_dr[1]);
    WR(2, want_dr[2]);
    WR(3, want_dr[3]);
    WR(6, want_dr6);
    WR(7, want_dr7);
    unsigned bad0 = bad_regs(got);
    check(!bad0, "dr-written", "DR0-3 %#x %#x %#x %#x DR6 %#x DR7 %#x", got[0], got[1], got[2], got[3],
          got[4], got[5]);
    for (unsigned i = 0; i < rounds; i++) {
        if (hv_sched_yield() == 0)
            yields++;
        if (bad_regs(got) && !bad_rounds++)
            printf("note: round %u: DR0-3 %#x %#x %#x %#x DR6 %#x DR7 %#x\n", i, got[0], got[1], got[2], got[3],
                   got[4], got[5]);
    }
    check(yields == rounds, "dr-yields", "%u of %u SCHEDOP_yield succeeded", yields, rounds);
    check(!bad_rounds, "dr-kept-across-switch", "wrong after %u of %u switches", bad_rounds, rounds);
    WR(7, 0x400);
}
