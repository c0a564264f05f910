/*
 * msr_switch: the MSRs Ringvisor offers when the host has them and loads
 * into the CPU around every entry of the vCPU that owns them (src/hvm/msr.c,
 * docs/hvm-platform.md "The MSR table"):
 *
 * - IA32_TSC_AUX (0xc0000103) with RDTSCP (80000001h:EDX[27]) or RDPID
 *   (7.0:ECX[22]): 0 at start, bits 31:0 writable, 63:32 #GP with the value
 *   unchanged; RDTSCP returns it in ECX and the TSC with the guest's offset
 *   in EDX:EAX (between two RDTSCs, also after a WRMSR to IA32_TSC moved it
 *   by 2^40); RDPID returns it.
 * - IA32_SPEC_CTRL (0x48) with IBRS (7.0:EDX[26] / 80000008h:EBX[14]):
 *   IBRS, STIBP and SSBD where CPUID offers them, every other bit #GP.
 * - IA32_PRED_CMD (0x49) with IBRS or IBPB (80000008h:EBX[12]): write-only,
 *   bit 0 (IBPB) only.
 * - IA32_ARCH_CAPABILITIES (0x10a) with 7.0:EDX[29]: read-only, no bit
 *   that would enumerate something the guest does not get.
 * - XSAVES (0xd.1:EAX[3]) and IA32_XSS (0xda0) hidden: XSAVE is.
 * Absent features: the MSRs #GP on read and write.
 *
 * With "fep=on" (msr_switch_b.cfg; hvm_fep on the hypervisor's command
 * line) RDTSCP also runs through the forced-emulation prefix.
 *
 * Then the values must stay the vCPU's own while another domain runs on the
 * same CPU: the ctest msr_switch_neighbour boots this image twice on one
 * CPU, "seed=1" holding a TSC_AUX and SPEC_CTRL of its own and "seed=2"
 * holding 0 (the host's value, so that only the restore after the other
 * domain's exits gives it back), each yielding to the other and checking
 * RDMSR, RDTSCP's ECX and RDPID after every switch.
 */
#include "guest.h"

#define MSR_SPEC_CTRL   0x48
#define MSR_PRED_CMD    0x49
#define MSR_ARCH_CAPS   0x10a
#define MSR_XSS         0xda0
#define MSR_TSC_AUX     0xc0000103

/* ARCH_CAPABILITIES bits the guest may see (src/hvm/msr.c ARCH_CAPS_GUEST). */
#define ARCH_CAPS_OK    (0x7full | (1ull << 8) | (7ull << 13) | (1ull << 17) | (3ull << 19) | \
                         (1ull << 24) | (7ull << 26))

static struct {
    bool rdtscp, rdpid, ibrs, stibp, ssbd, ibpb, arch_caps, xsaves;
} f;

static const char *vstr(int vec)
{
    return vec == NO_FAULT ? "no exception" : exc_name((unsigned)vec);
}

static void read_cpuid(void)
{
    uint32_t a, b, c, d, max, emax, l7c = 0, l7d = 0, e1d = 0, e8b = 0, d1a = 0;

    cpuid(0, &max, &b, &c, &d);
    if (max >= 7)
        cpuid_count(7, 0, &a, &b, &l7c, &l7d);
    if (max >= 0xd)
        cpuid_count(0xd, 1, &d1a, &b, &c, &d);
    cpuid(0x80000000, &emax, &b, &c, &d);
    if (emax >= 0x80000001)
        cpuid(0x80000001, &a, &b, &c, &e1d);
    if (emax >= 0x80000008)
        cpuid(0x80000008, &a, &e8b, &c, &d);
    f.rdtscp = e1d & (1u << 27);
    f.rdpid = l7c & (1u << 22);
    f.ibrs = (l7d & (1u << 26)) || (e8b & (1u << 14));
    f.stibp = (l7d & (1u << 27)) || (e8b & (1u << 15));
    f.ssbd = (l7d & (1u << 31)) || (e8b & (1u << 24));
    f.ibpb = (l7d & (1u << 26)) || (e8b & (1u << 12));
    f.arch_caps = l7d & (1u << 29);
    f.xsaves = d1a & (1u << 3);
    printf("note: offered: RDTSCP %d RDPID %d IBRS %d STIBP %d SSBD %d IBPB %d ARCH_CAPS %d XSAVES %d "
           "(7:ECX %08x EDX %08x, 80000001:EDX %08x, 80000008:EBX %08x)\n", f.rdtscp, f.rdpid, f.ibrs,
           f.stibp, f.ssbd, f.ibpb, f.arch_caps, f.xsaves, l7c, l7d, e1d, e8b);
}

/* RDTSCP: the vector it raised or NO_FAULT; *tsc and *aux when none. */
static int rdtscp_safe(uint64_t *tsc, uint32_t *aux)
{
    uint32_t lo = 0, hi = 0, c = 0;
    exc_clear();
    asm volatile("1: rdtscp\n2:\n\t" EXC_FIXUP("1b", "2b") : "+a"(lo), "+d"(hi), "+c"(c) : : "memory");
    *tsc = ((uint64_t)hi << 32) | lo;
    *aux = c;
    return exc_caught;
}

/* RDPID %eax (F3 0F C7 /7, mod 11 rm 000): binutils may predate it. */
static int rdpid_safe(uint32_t *out)
{
    uint32_t v = 0;
    exc_clear();
    asm volatile("1: .byte 0xf3, 0x0f, 0xc7, 0xf8\n2:\n\t" EXC_FIXUP("1b", "2b") : "+a"(v) : : "memory");
    *out = v;
    return exc_caught;
}

static void expect_gp_both(uint32_t msr, uint64_t val, const char *name)
{
    uint64_t v = 0;
    int r = rdmsr_safe(msr, &v);
    int w = wrmsr_safe(msr, val);
    check(r == EXC_GP && w == EXC_GP, name, "MSR %#x: RDMSR %s, WRMSR %#llx %s (want #GP, #GP)", msr, vstr(r),
          (unsigned long long)val, vstr(w));
}

static void expect_readback(uint32_t msr, uint64_t val, const char *name)
{
    uint64_t v = ~0ull;
    int w = wrmsr_safe(msr, val);
    int r = rdmsr_safe(msr, &v);
    check(w == NO_FAULT && r == NO_FAULT && v == val, name, "MSR %#x: WRMSR %#llx %s, read back %#llx (%s)", msr,
          (unsigned long long)val, vstr(w), (unsigned long long)v, vstr(r));
}

/* Every bit of rsvd set on top of base: #GP and the MSR still holds base. */
static void expect_rsvd(uint32_t msr, uint64_t base, uint64_t rsvd, const char *name)
{
    unsigned bad = 0;
    int w0 = wrmsr_safe(msr, base);
    if (w0 != NO_FAULT) {
        check(false, name, "MSR %#x: WRMSR of the base value %#llx: %s", msr, (unsigned long long)base, vstr(w0));
        return;
    }
    for (unsigned b = 0; b < 64; b++) {
        if (!((rsvd >> b) & 1))
            continue;
        uint64_t v = ~0ull;
        int w = wrmsr_safe(msr, base | (1ull << b));
        int r = rdmsr_safe(msr, &v);
        if (w != EXC_GP || r != NO_FAULT || v != base) {
            if (!bad++)
                printf("note: %s: bit %u: WRMSR %s, value now %#llx\n", name, b, vstr(w), (unsigned long long)v);
        }
    }
    check(!bad, name, "MSR %#x: %u reserved bits did not #GP or changed the value", msr, bad);
}

static bool fep;                /* "fep=on": also through the forced-emulation prefix */

static void test_tsc_aux(uint32_t mine)
{
    uint64_t v = ~0ull, tsc, t0, t1;
    uint32_t aux = 0, pid = 0;

    if (!f.rdtscp && !f.rdpid) {
        expect_gp_both(MSR_TSC_AUX, 0, "tsc-aux-absent-gp");
        return;
    }
    check(rdmsr_safe(MSR_TSC_AUX, &v) == NO_FAULT && v == 0, "tsc-aux-initial", "TSC_AUX %#llx (%s), want 0",
          (unsigned long long)v, vstr(exc_caught));
    expect_readback(MSR_TSC_AUX, 0xffffffffull, "tsc-aux-32-bits");
    expect_readback(MSR_TSC_AUX, 0x12345678, "tsc-aux-readback");
    expect_rsvd(MSR_TSC_AUX, 0x12345678, ~0xffffffffull, "tsc-aux-upper-gp");
    if (fep && f.rdtscp) {
        /* RDTSCP through the forced-emulation prefix (hvm_fep): the
         * hypervisor's version must read the same TSC_AUX and TSC. */
        uint32_t lo = 0, hi = 0, c = 0;
        t0 = rdtsc();
        exc_clear();
        asm volatile("1: ud2; .ascii \"xen\"; rdtscp\n2:\n\t" EXC_FIXUP("1b", "2b")
                     : "+a"(lo), "+d"(hi), "+c"(c) : : "memory");
        t1 = rdtsc();
        tsc = ((uint64_t)hi << 32) | lo;
        check(exc_caught == NO_FAULT && c == 0x12345678 && t0 <= tsc && tsc <= t1, "rdtscp-fep",
              "%s, ECX %#x (want 0x12345678), RDTSC %#llx, RDTSCP %#llx, RDTSC %#llx", vstr(exc_caught), c,
              (unsigned long long)t0, (unsigned long long)tsc, (unsigned long long)t1);
    }
    if (fep) {
        /* RDPID %ecx (modrm 0xf9) through the forced-emulation prefix: the
         * TSC_AUX where CPUID offers RDPID, #UD where it does not (a fault
         * of an emulated instruction points after the prefix). */
        uint32_t c = 0;
        exc_clear();
        asm volatile("ud2; .ascii \"xen\"\n1: .byte 0xf3, 0x0f, 0xc7, 0xf9\n2:\n\t" EXC_FIXUP("1b", "2b")
                     : "+c"(c) : : "memory");
        if (f.rdpid)
            check(exc_caught == NO_FAULT && c == 0x12345678, "rdpid-fep", "%s, ECX %#x (want 0x12345678)",
                  vstr(exc_caught), c);
        else
            check(exc_caught == EXC_UD, "rdpid-fep-ud", "%s (want #UD: RDPID not offered)", vstr(exc_caught));
    }
    expect_readback(MSR_TSC_AUX, mine, "tsc-aux-set");
    if (f.rdtscp) {
        t0 = rdtsc();
        int e = rdtscp_safe(&tsc, &aux);
        t1 = rdtsc();
        check(e == NO_FAULT && aux == mine, "rdtscp-aux", "RDTSCP %s, ECX %#x, want %#x", vstr(e), aux, mine);
        check(e == NO_FAULT && t0 <= tsc && tsc <= t1, "rdtscp-tsc", "RDTSC %#llx, RDTSCP %#llx, RDTSC %#llx",
              (unsigned long long)t0, (unsigned long long)tsc, (unsigned long long)t1);
        /* Move this vCPU's TSC 2^40 ticks ahead: RDTSCP must follow the
         * offset as RDTSC does (no time bound: only order). */
        uint64_t target = t1 + (1ull << 40);
        int w = wrmsr_safe(MSR_TSC, target);
        t0 = rdtsc();
        e = rdtscp_safe(&tsc, &aux);
        t1 = rdtsc();
        check(w == NO_FAULT && e == NO_FAULT && target <= t0 && t0 <= tsc && tsc <= t1 && aux == mine,
              "rdtscp-offset", "WRMSR TSC %#llx (%s), then RDTSC %#llx, RDTSCP %#llx ECX %#x, RDTSC %#llx",
              (unsigned long long)target, vstr(w), (unsigned long long)t0, (unsigned long long)tsc, aux,
              (unsigned long long)t1);
    } else {
        skip("rdtscp-aux", "RDTSCP not offered (TSC_AUX through RDPID only)");
    }
    if (f.rdpid) {
        int e = rdpid_safe(&pid);
        check(e == NO_FAULT && pid == mine, "rdpid-aux", "RDPID %s, %#x, want %#x", vstr(e), pid, mine);
    } else {
        skip("rdpid-aux", "RDPID not offered");
    }
}

static uint64_t spec_valid(void)
{
    return 1 | (f.stibp ? 2 : 0) | (f.ssbd ? 4 : 0);
}

static void test_spec_ctrl(uint64_t mine)
{
    uint64_t v = ~0ull;

    if (!f.ibrs) {
        expect_gp_both(MSR_SPEC_CTRL, 0, "spec-ctrl-absent-gp");
    } else {
        check(rdmsr_safe(MSR_SPEC_CTRL, &v) == NO_FAULT && v == 0, "spec-ctrl-initial",
              "SPEC_CTRL %#llx (%s), want 0", (unsigned long long)v, vstr(exc_caught));
        expect_readback(MSR_SPEC_CTRL, 1, "spec-ctrl-ibrs");
        if (f.stibp)
            expect_readback(MSR_SPEC_CTRL, 2, "spec-ctrl-stibp");
        if (f.ssbd)
            expect_readback(MSR_SPEC_CTRL, 4, "spec-ctrl-ssbd");
        expect_readback(MSR_SPEC_CTRL, spec_valid(), "spec-ctrl-all");
        /* STIBP without its CPUID bit is left out: Intel ignores the bit
         * there, others may not (Ringvisor lets the host decide). */
        expect_rsvd(MSR_SPEC_CTRL, 1, ~spec_valid() & ~2ull, "spec-ctrl-reserved-gp");
        expect_readback(MSR_SPEC_CTRL, mine & spec_valid(), "spec-ctrl-set");
    }
    if (!f.ibpb) {
        check(wrmsr_safe(MSR_PRED_CMD, 1) == EXC_GP && rdmsr_safe(MSR_PRED_CMD, &v) == EXC_GP, "pred-cmd-absent-gp",
              "PRED_CMD exists without IBRS/IBPB in CPUID");
    } else {
        int w1 = wrmsr_safe(MSR_PRED_CMD, 1), w0 = wrmsr_safe(MSR_PRED_CMD, 0);
        int r = rdmsr_safe(MSR_PRED_CMD, &v);
        check(w1 == NO_FAULT && w0 == NO_FAULT && r == EXC_GP, "pred-cmd-ibpb",
              "WRMSR 1 %s, WRMSR 0 %s, RDMSR %s (want -, -, #GP)", vstr(w1), vstr(w0), vstr(r));
        unsigned bad = 0;
        for (unsigned b = 1; b < 64; b++)
            bad += wrmsr_safe(MSR_PRED_CMD, 1ull << b) != EXC_GP;
        check(!bad, "pred-cmd-reserved-gp", "%u reserved bits of PRED_CMD did not #GP", bad);
    }
    if (!f.arch_caps) {
        expect_gp_both(MSR_ARCH_CAPS, 0, "arch-caps-absent-gp");
    } else {
        uint64_t a = ~0ull, b = ~0ull;
        int r1 = rdmsr_safe(MSR_ARCH_CAPS, &a), r2 = rdmsr_safe(MSR_ARCH_CAPS, &b);
        printf("note: ARCH_CAPABILITIES %#llx\n", (unsigned long long)a);
        check(r1 == NO_FAULT && r2 == NO_FAULT && a == b && !(a & ~ARCH_CAPS_OK), "arch-caps-value",
              "%#llx then %#llx (%s): bits outside %#llx", (unsigned long long)a, (unsigned long long)b, vstr(r1),
              (unsigned long long)ARCH_CAPS_OK);
        check(wrmsr_safe(MSR_ARCH_CAPS, a) == EXC_GP, "arch-caps-read-only", "WRMSR %s", vstr(exc_caught));
    }
}

static void test_xss(void)
{
    /* Ringvisor hides XSAVE, so XSAVES and its MSR with it (docs). */
    check(!f.xsaves, "xsaves-hidden", "CPUID 0xd.1:EAX[3] set");
    expect_gp_both(MSR_XSS, 0, "xss-gp");
}

/* After each yield to the other domain (and while spinning, through the
 * timer), the vCPU's own values must be back in place. */
static void test_kept(uint32_t aux_mine, uint64_t spec_mine, unsigned rounds)
{
    unsigned bad_msr = 0, bad_rdtscp = 0, bad_rdpid = 0, bad_spec = 0, yields = 0;
    uint64_t v = 0, tsc = 0;
    uint32_t aux = 0;

    if (!f.rdtscp && !f.rdpid && !f.ibrs) {
        skip("kept-across-switch", "neither TSC_AUX nor SPEC_CTRL offered");
        return;
    }
    for (unsigned i = 0; i < rounds; i++) {
        if (hv_sched_yield() == 0)
            yields++;
        for (unsigned j = 0; j < 20; j++) {
            if ((f.rdtscp || f.rdpid) && (rdmsr_safe(MSR_TSC_AUX, &v) != NO_FAULT || v != aux_mine))
                bad_msr++;
            if (f.rdtscp && (rdtscp_safe(&tsc, &aux) != NO_FAULT || aux != aux_mine)) {
                if (!bad_rdtscp++)
                    printf("note: round %u: RDTSCP ECX %#x, want %#x\n", i, aux, aux_mine);
            }
            if (f.rdpid && (rdpid_safe(&aux) != NO_FAULT || aux != aux_mine))
                bad_rdpid++;
            if (f.ibrs && (rdmsr_safe(MSR_SPEC_CTRL, &v) != NO_FAULT || v != (spec_mine & spec_valid())))
                bad_spec++;
        }
    }
    check(yields == rounds, "kept-yields", "%u of %u SCHEDOP_yield succeeded", yields, rounds);
    check(!bad_msr && !bad_rdtscp && !bad_rdpid && !bad_spec, "kept-across-switch",
          "wrong after a switch: TSC_AUX RDMSR %u, RDTSCP %u, RDPID %u, SPEC_CTRL %u times", bad_msr, bad_rdtscp,
          bad_rdpid, bad_spec);
}

void test_main(void)
{
    uint32_t seed = cmdline_uint("seed", 1);
    /* seed 2 keeps the host's values (0): see the file comment. */
    uint32_t aux = seed == 2 ? 0 : 0xa5000000u | seed;
    uint64_t spec = seed == 2 ? 0 : 5;       /* IBRS, SSBD where offered */

    if (!hv_require())
        return;
    fep = cmdline_has("fep=on");
    read_cpuid();
    test_tsc_aux(aux);
    test_spec_ctrl(spec);
    test_xss();
    test_kept(aux, spec, cmdline_uint("rounds", 200));
}
