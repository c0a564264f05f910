/*
 * pv_dbg: debug registers and #DB for a 64-bit PV kernel (docs/pv.md
 * "Debug registers and #DB"; entry and shared handlers: pv_entry.S).
 * The kernel:
 *  - arms an execute breakpoint (DR1, via set_debugreg) on one of its
 *    functions and a data write breakpoint (DR0) on one of its variables:
 *    each gives one #DB to its handler, DR6 (get_debugreg) reports B1 /
 *    B0 and the RIP is the function's / the one after the store (the
 *    execute one is a fault: the handler returns with RF set);
 *  - single-steps (TF through POPF): one #DB per instruction with BS in
 *    DR6 and RIP moving by one NOP, until the handler clears TF;
 *  - the MOV SS attack (XSA-260 / CVE-2018-8897), with the kernel's GS
 *    base pointing at junk: a read/write breakpoint
 *    on the word `mov ss, [w]` loads, followed by SYSCALL (a hypercall:
 *    xen_version) and by INT3.  Where the CPU delays the #DB past the next
 *    instruction (hardware, Bochs) it arrives in the hypervisor's ring 0 at
 *    its entry; the hypervisor survives, the hypercall returns its value /
 *    the #BP is bounced, and the guest gets exactly one #DB with B0, after
 *    the hypercall (RIP after SYSCALL) or on top of the #BP bounce (RIP =
 *    the #BP handler's first instruction, the #DB handler runs first).  An
 *    emulator that raises it before the next instruction (QEMU TCG) gives
 *    one ordinary #DB with RIP on the SYSCALL / INT3: accepted too, and
 *    the line "movss-... #DB at" says which (Bochs 2.7 holds it past
 *    SYSCALL but drops it when INT3 delivers: accepted for INT3);
 *  - a data breakpoint on a buffer the hypervisor writes (xen_version
 *    extraversion): no #DB (the hypervisor writes through its own mapping);
 *  - a breakpoint address in the hypervisor's range: -EPERM; an enabled
 *    I/O breakpoint and GD: -EPERM.
 */
#include "pv_lib.h"
#include "public/version.h"

#define EPERM   1
#define RF_TF   0x100ull
#define RF_RF   0x10000ull
#define DR6_B0  0x1ull
#define DR6_B1  0x2ull
#define DR6_BS  0x4000ull
#define DR6_RESET 0xffff0ff0ull

#define EQ(name, got, want) do { uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want); \
                                 check(g_ == w_, name, "value", g_, w_); } while (0)

void unexpected_0(void), unexpected_6(void);

static uint64_t dbg_get(unsigned reg)
{
    return (uint64_t)hc(__HYPERVISOR_get_debugreg, reg, 0, 0, 0);
}

static long dbg_set(unsigned reg, uint64_t val)
{
    return hc(__HYPERVISOR_set_debugreg, reg, val, 0, 0);
}

/* ---- Handlers (KTRAP, pv_lib.h) ------------------------------------------- */

KTRAP(db_entry, 1, 0);
KTRAP(bp_entry, 3, 0);

static volatile uint64_t seq;                   /* orders the handlers' runs */
static volatile uint64_t db_count, db_dr6, db_rip, db_seq, db_rflags;
static volatile uint64_t bp_cnt, bp_rip_seen, bp_seq;
static volatile uint64_t step_limit, step_rips[8];

void trap_c(uint64_t vec, uint64_t *f)
{
    /* f: RCX, R11, RIP, CS, RFLAGS, RSP, SS. */
    if (vec == 1) {
        uint64_t dr6 = dbg_get(6);
        if (db_count < 8)
            step_rips[db_count] = f[2];
        db_count++;
        db_dr6 = dr6;
        db_rip = f[2];
        db_rflags = f[4];
        db_seq = ++seq;
        dbg_set(6, 0);                          /* the bits are sticky: clear for the next */
        /* An execute breakpoint is a fault: return with RF or it hits
         * again.  The single-step test stops after step_limit steps. */
        f[4] |= RF_RF;
        if ((dr6 & DR6_BS) && db_count >= step_limit)
            f[4] &= ~RF_TF;
    } else if (vec == 3) {
        bp_cnt++;
        bp_rip_seen = f[2];
        bp_seq = ++seq;
    }
}

/* ---- The tests ------------------------------------------------------------ */

static volatile uint64_t watch;
static volatile uint64_t other;

__attribute__((noinline)) static uint64_t exec_target(uint64_t x)
{
    __asm__ __volatile__("" ::: "memory");
    return x * 3;
}

static void reset_db(void)
{
    db_count = 0, db_dr6 = 0, db_rip = 0, db_seq = 0;
}

static void test_refusals(void)
{
    EQ("dr0-hypervisor-image-eperm", dbg_set(0, 0xffff830000000000ull), -EPERM);
    EQ("dr3-hypervisor-directmap-eperm", dbg_set(3, 0xffff840000001000ull), -EPERM);
    EQ("dr2-m2p-eperm", dbg_set(2, 0xffff800000000000ull), -EPERM);
    EQ("dr7-io-armed-eperm", dbg_set(7, 0x400 | 1 | 2ull << 16), -EPERM);
    EQ("dr7-gd-eperm", dbg_set(7, 0x400 | 1ull << 13), -EPERM);
    EQ("dr7-still-off", dbg_get(7), 0x400);
}

static void test_exec_and_data(void)
{
    /* Execute breakpoint: DR1 = exec_target, G1, R/W 00, LEN 00. */
    reset_db();
    EQ("dr1-set", dbg_set(1, (uint64_t)exec_target), 0);
    EQ("dr7-exec-armed", dbg_set(7, 0x400 | 1ull << 3), 0);
    uint64_t v = exec_target(14);
    EQ("exec-result", v, 42);
    EQ("exec-one-db", db_count, 1);
    EQ("exec-dr6-b1", db_dr6 & 0xf, DR6_B1);
    EQ("exec-rip", db_rip, (uint64_t)exec_target);
    EQ("dr7-off", dbg_set(7, 0x400), 0);

    /* Data write breakpoint: DR0 = &watch, L0, R/W 01, LEN 10 (8 bytes).
     * A trap: RIP is the instruction after the store. */
    reset_db();
    EQ("dr0-set", dbg_set(0, (uint64_t)&watch), 0);
    EQ("dr7-write-armed", dbg_set(7, 0x400 | 1 | (1ull | 2ull << 2) << 16), 0);
    uint64_t after;
    __asm__ __volatile__("movq $7, %1\n1: lea 1b(%%rip), %0" : "=r"(after), "=m"(watch) :: "memory");
    EQ("write-one-db", db_count, 1);
    EQ("write-dr6-b0", db_dr6 & 0xf, DR6_B0);
    EQ("write-rip-after-store", db_rip, after);
    uint64_t r = watch;                         /* a read: a write breakpoint ignores it */
    EQ("read-no-db", db_count + (r != 7), 1);
    other = 5;
    EQ("other-no-db", db_count, 1);
    EQ("dr6-reads-back", dbg_get(6), DR6_RESET);    /* the handler cleared it */

    /* The hypervisor writing the guest's buffer: no #DB. */
    static char extra[16] __attribute__((aligned(16)));
    EQ("dr0-on-buffer", dbg_set(0, (uint64_t)extra), 0);
    reset_db();
    EQ("xenver-extraversion", hc(__HYPERVISOR_xen_version, XENVER_extraversion, (uint64_t)extra, 0, 0), 0);
    EQ("hypervisor-write-no-db", db_count, 0);
    EQ("dr7-off-2", dbg_set(7, 0x400), 0);
}

static void test_single_step(void)
{
    reset_db();
    step_limit = 3;
    uint64_t nops;
    __asm__ __volatile__("lea 1f(%%rip), %0\n"
                         "pushfq\n orq $0x100, (%%rsp)\n popfq\n"
                         "1: nop\n nop\n nop\n nop\n nop\n nop\n"
                         : "=r"(nops) :: "memory", "cc");
    step_limit = 0;
    EQ("step-count", db_count, 3);
    EQ("step-dr6-bs", db_dr6 & (DR6_BS | 0xf), DR6_BS);
    EQ("step-rip-1", step_rips[0], nops + 1);
    EQ("step-rip-2", step_rips[1], nops + 2);
    EQ("step-rip-3", step_rips[2], nops + 3);
    uint64_t fl;
    __asm__ __volatile__("pushfq\n pop %0" : "=r"(fl));
    EQ("step-tf-off-after", fl & RF_TF, 0);
}

/* `mov ss, [ssw]; syscall` / `; int3` with a read/write breakpoint on
 * ssw (L0, R/W 11, LEN 01: 2 bytes). */
static volatile uint16_t ssw __attribute__((aligned(8)));

static uint64_t junk[8] = { 0x4141414141414141ull, 0x4141414141414141ull, 0x4141414141414141ull,
                            0x4141414141414141ull, 0x4141414141414141ull, 0x4141414141414141ull,
                            0x4141414141414141ull, 0x4141414141414141ull };

static void test_movss(void)
{
    /* The kernel's GS base points at junk while the attacks run: a ring-0
     * #DB handler that used GS without swapping would take 0x4141... as
     * its per-CPU pointer and fault in the hypervisor. */
    EQ("gs-base-junk", hc(__HYPERVISOR_set_segment_base, SEGBASE_GS_KERNEL, (uint64_t)junk, 0, 0), 0);
    __asm__ __volatile__("mov %%ss, %0" : "=m"(ssw));
    EQ("dr0-on-ss-word", dbg_set(0, (uint64_t)&ssw), 0);
    EQ("dr7-rw-armed", dbg_set(7, 0x400 | 1 | (3ull | 1ull << 2) << 16), 0);

    /* The breakpoint works at all: MOV SS then NOP gives one #DB, after
     * the NOP (delayed) or right after the MOV SS. */
    reset_db();
    uint64_t at_nop, after_nop;
    __asm__ __volatile__("lea 1f(%%rip), %0\n lea 2f(%%rip), %1\n"
                         "mov %2, %%ss\n1: nop\n2:\n"
                         : "=&r"(at_nop), "=&r"(after_nop) : "m"(ssw) : "memory");
    EQ("movss-nop-one-db", db_count, 1);
    EQ("movss-nop-dr6-b0", db_dr6 & 0xf, DR6_B0);
    check(db_rip == at_nop || db_rip == after_nop, "movss-nop-rip", "rip", db_rip, after_nop);
    put(db_rip == after_nop ? "movss-nop #DB at the instruction after NOP (delayed by MOV SS)"
                            : "movss-nop #DB at the NOP (not delayed)");
    flush();

    /* SYSCALL: xen_version(XENVER_version) right after MOV SS. */
    uint64_t version = (uint64_t)hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0);
    reset_db();
    uint64_t at_sc, after_sc, ret;
    __asm__ __volatile__("lea 1f(%%rip), %1\n lea 2f(%%rip), %2\n"
                         "mov $17, %%eax\n xor %%edi, %%edi\n"
                         "mov %3, %%ss\n1: syscall\n2:\n"
                         : "=a"(ret), "=&r"(at_sc), "=&r"(after_sc) : "m"(ssw)
                         : "rdi", "rcx", "r11", "memory");
    check(ret == version && version, "movss-syscall-survived-result", "rax", ret, version);
    EQ("movss-syscall-one-db", db_count, 1);
    EQ("movss-syscall-dr6-b0", db_dr6 & 0xf, DR6_B0);
    check(db_rip == at_sc || db_rip == after_sc, "movss-syscall-rip", "rip", db_rip, after_sc);
    put(db_rip == after_sc ? "movss-syscall #DB at return from the hypercall (taken in ring 0)"
                           : "movss-syscall #DB at the SYSCALL (not delayed)");
    flush();

    /* INT3: the #BP is bounced, the #DB too. */
    reset_db();
    bp_cnt = 0, seq = 0;
    uint64_t at_i3, after_i3;
    __asm__ __volatile__("lea 1f(%%rip), %0\n lea 2f(%%rip), %1\n"
                         "mov %2, %%ss\n1: int3\n2:\n"
                         : "=&r"(at_i3), "=&r"(after_i3) : "m"(ssw) : "memory");
    EQ("movss-int3-survived-bp", bp_cnt, 1);
    EQ("movss-int3-bp-rip", bp_rip_seen, after_i3);
    /* Three outcomes, by CPU: held past INT3 (hardware), so taken in
     * ring 0 and delivered on top of the #BP bounce; raised right after
     * MOV SS, at the INT3 (QEMU TCG); or dropped when INT3 delivers its
     * #BP (Bochs 2.7 discards the held trap then).  Never more than one,
     * always B0, the hypervisor alive either way. */
    int ring0 = db_count == 1 && db_rip == (uint64_t)bp_entry && db_seq < bp_seq;
    int early = db_count == 1 && db_rip == at_i3 && db_seq < bp_seq;
    check(db_count == 0 || ((db_dr6 & 0xf) == DR6_B0 && (ring0 || early)), "movss-int3-db", "#DB count",
          db_count, 1);
    put(ring0 ? "movss-int3 #DB on top of the #BP bounce (taken in ring 0)"
              : early ? "movss-int3 #DB at the INT3 (not delayed)" : "movss-int3 no #DB (dropped at INT3)");
    flush();

    EQ("dr7-off-3", dbg_set(7, 0x400), 0);
    EQ("gs-base-back", hc(__HYPERVISOR_set_segment_base, SEGBASE_GS_KERNEL, 0, 0, 0), 0);
}

/* "hold" on the command line (pv_dbg_hold.cfg, next to the HVM guest
 * dr_keep on one CPU): a data write breakpoint stays armed across 200
 * SCHEDOP_yields, and the store after each must still give one #DB (the
 * registers are loaded again for every stint, after the HVM guest's). */
static void test_hold(void)
{
    unsigned rounds = 200, yields = 0;
    EQ("hold-dr0", dbg_set(0, (uint64_t)&watch), 0);
    EQ("hold-dr7-armed", dbg_set(7, 0x400 | 1 | (1ull | 2ull << 2) << 16), 0);
    reset_db();
    for (unsigned i = 0; i < rounds; i++) {
        yields += hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0) == 0;
        watch = i;
        __asm__ __volatile__("" ::: "memory");
    }
    EQ("hold-yields", yields, rounds);
    EQ("hold-db-after-every-yield", db_count, rounds);
    EQ("hold-dr7-off", dbg_set(7, 0x400), 0);
}

static int has_word(const char *str, const char *w)
{
    for (const char *s = str; *s; s++) {
        const char *a = s, *b = w;
        while (*b && *a == *b)
            a++, b++;
        if (!*b && (*a == 0 || *a == ' ') && (s == str || s[-1] == ' '))
            return 1;
    }
    return 0;
}

void pv_main(const struct start_info *si)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 1, 0, FLAT_KERNEL_CS, (uint64_t)db_entry },
        { 3, 3, FLAT_KERNEL_CS, (uint64_t)bp_entry },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 0, 0, 0, 0 },
    };

    put("hello");
    flush();
    EQ("set-trap-table", hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0), 0);
    test_refusals();
    test_exec_and_data();
    test_single_step();
    test_movss();
    if (has_word((const char *)si->cmd_line, "hold"))
        test_hold();
    pv_finish();
}
