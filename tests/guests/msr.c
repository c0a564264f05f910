/*
 * msr: the MSRs a guest kernel touches while it sets itself up: EFER (the
 * long-mode and SYSCALL enables), PAT, the TSC, the APIC base, the SYSCALL
 * MSRs; and an unknown MSR, which must raise #GP as on hardware that lacks
 * it.  Each write is a round trip (write, read back, restore).
 *
 * Checks marked "hypervisor" depend on Ringvisor's MSR policy: plain QEMU
 * TCG accepts reserved bits and unknown MSRs silently.
 */
#include "guest.h"

#define MSR_UNKNOWN     0x12345678u
#define PAT_RESET       0x0007040600070406ull   /* Intel SDM vol. 3, 13.12.4: WB WT UC- UC, twice */
#define PAT_TEST        0x0007010600070106ull   /* entries 1 and 5 WC instead of WT */

static const char *vec_str(int vec)
{
    return vec == NO_FAULT ? "no exception" : exc_name((unsigned)vec);
}

static bool read_ok(uint32_t msr, uint64_t *v, const char *name)
{
    int vec = rdmsr_safe(msr, v);
    return check(vec == NO_FAULT, name, "RDMSR %#x raised %s", msr, vec_str(vec));
}

/* Writes val, reads it back, restores old; true if the read gave val. */
static bool round_trip(uint32_t msr, uint64_t old, uint64_t val, const char *name)
{
    uint64_t got = ~val;
    int vec = wrmsr_safe(msr, val);
    if (vec == NO_FAULT)
        rdmsr_safe(msr, &got);
    wrmsr_safe(msr, old);
    return check(vec == NO_FAULT && got == val, name, "MSR %#x: wrote %#llx (%s), read back %#llx", msr,
                 (unsigned long long)val, vec_str(vec), (unsigned long long)got);
}

static void test_efer(bool hv)
{
    uint64_t efer;
    if (!read_ok(MSR_EFER, &efer, "efer-read"))
        return;
    check(!(efer & (EFER_LME | EFER_LMA)), "efer-initial", "EFER = %#llx with paging off: LME/LMA set",
          (unsigned long long)efer);
    round_trip(MSR_EFER, efer, efer | EFER_SCE, "efer-sce");
    /*
     * LME may be set while paging is off; LMA follows only when CR0.PG is
     * set (Intel SDM vol. 3, 10.8.5), so the value reads back as written.
     * Opt-in ("efer_lme" on the command line): under QEMU TCG's SVM the
     * guest makes no progress after this WRMSR (it passes under Bochs), so
     * by default long64 covers LME, set on the way into long mode.
     */
    if (cmdline_has("efer_lme"))
        round_trip(MSR_EFER, efer, efer | EFER_LME, "efer-lme");
    else
        skip("efer-lme", "LME with paging off is opt-in (cmdline efer_lme): it hangs under QEMU TCG SVM");
    if (hv) {
        int vec = wrmsr_safe(MSR_EFER, efer | (1u << 1));      /* bit 1: reserved, must be zero */
        wrmsr_safe(MSR_EFER, efer);
        check(vec == EXC_GP, "efer-reserved-gp", "setting reserved EFER bit 1: %s, expected #GP", vec_str(vec));
    }
}

static void test_pat(bool hv)
{
    uint64_t pat;
    if (!read_ok(MSR_PAT, &pat, "pat-read"))
        return;
    check(pat == PAT_RESET, "pat-reset", "PAT = %#llx, the power-on value is %#llx", (unsigned long long)pat,
          PAT_RESET);
    round_trip(MSR_PAT, pat, PAT_TEST, "pat-roundtrip");
    if (hv) {
        int vec = wrmsr_safe(MSR_PAT, (PAT_RESET & ~0xffull) | 2);  /* type 2 is reserved */
        wrmsr_safe(MSR_PAT, pat);
        check(vec == EXC_GP, "pat-invalid-gp", "PAT entry 0 = 2 (reserved type): %s, expected #GP", vec_str(vec));
    }
}

/* Hypervisor check: plain QEMU TCG reads the TSC MSR as 0. */
static void test_tsc(void)
{
    uint64_t t1 = 0, t3 = 0;
    if (!read_ok(MSR_TSC, &t1, "tsc-read"))
        return;
    uint64_t t2 = rdtsc();
    rdmsr_safe(MSR_TSC, &t3);
    check(t1 <= t2 && t2 <= t3 && t1 < t3, "tsc-increasing", "RDMSR %#llx, RDTSC %#llx, RDMSR %#llx",
          (unsigned long long)t1, (unsigned long long)t2, (unsigned long long)t3);
}

static void test_apic_base(void)
{
    uint64_t v;
    if (!read_ok(MSR_APIC_BASE, &v, "apic-base-read"))
        return;
    /* Reset value: base 0xFEE00000, enabled (bit 11), BSP (bit 8) on the
     * boot vCPU (Intel SDM vol. 3, 11.4.4). */
    check((v & ~0xfffull) == 0xfee00000u && (v & (1u << 8)), "apic-base",
          "IA32_APIC_BASE = %#llx: expected base 0xfee00000 with the BSP flag", (unsigned long long)v);
}

static void test_syscall_msrs(void)
{
    static const struct {
        uint32_t msr;
        uint64_t val;
        const char *read_name, *name;
    } t[] = {
        { MSR_STAR, 0x0023001012345678ull, "star-read", "star" },
        { MSR_LSTAR, 0xffffffff81234560ull, "lstar-read", "lstar" },
        { MSR_CSTAR, 0xffffffff81234570ull, "cstar-read", "cstar" },
        { MSR_SFMASK, 0x47700ull, "sfmask-read", "sfmask" },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
        uint64_t old;
        if (read_ok(t[i].msr, &old, t[i].read_name))
            round_trip(t[i].msr, old, t[i].val, t[i].name);
    }
}

void test_main(void)
{
    bool hv = hv_require();

    test_efer(hv);
    test_pat(hv);
    if (hv)
        test_tsc();
    else
        skip("tsc-msr", "needs the hypervisor (QEMU TCG reads MSR 0x10 as 0)");
    test_apic_base();
    test_syscall_msrs();
    if (hv) {
        uint64_t v;
        int vec = rdmsr_safe(MSR_UNKNOWN, &v);
        check(vec == EXC_GP, "unknown-rdmsr-gp", "RDMSR %#x: %s, expected #GP", MSR_UNKNOWN, vec_str(vec));
        vec = wrmsr_safe(MSR_UNKNOWN, 0);
        check(vec == EXC_GP, "unknown-wrmsr-gp", "WRMSR %#x: %s, expected #GP", MSR_UNKNOWN, vec_str(vec));
    } else {
        skip("unknown-msr-gp", "needs the hypervisor (QEMU TCG ignores unknown MSRs)");
    }
}
