/*
 * msr_matrix: the MSR policy (src/hvm/msr.c, src/hvm/cpu_policy.c) as a
 * guest sees it.  The guest reads its CPUID first and derives what to
 * expect from it, so the same image checks Ringvisor on Intel (VMX) and
 * AMD (SVM) hosts:
 *
 * - an MSR that a CPUID feature enumerates (SPEC_CTRL, PRED_CMD,
 *   FLUSH_CMD, ARCH_CAPABILITIES, TSC_AUX, XSS, PKRS, BNDCFGS, the MCA
 *   banks, OSVW, VIRT_SPEC_CTRL, the AMD DR masks, TSC_ADJUST, the MTRRs,
 *   PAT) exists exactly when that bit is set: RDMSR/WRMSR #GP otherwise;
 * - MSRs Xen never offers (TSX_CTRL, CET, CORE_CAPABILITIES,
 *   MCU_OPT_CTRL, PPIN) and unknown ones #GP on read and write;
 * - the values Xen gives (PLATFORM_INFO, MISC_ENABLE, FEATURE_CONTROL,
 *   MTRRcap, DE_CFG, HWCR, SYSCFG/TOP_MEM, ...), vendor by vendor;
 * - writes checked bit by bit: every reserved bit of MISC_FEATURES_ENABLES,
 *   DEBUGCTL, MTRR_DEF_TYPE, the variable and fixed MTRRs (types, bits
 *   above MAXPHYADDR) is #GP with the MSR unchanged; allowed values read
 *   back;
 * - CPUID faulting: with MISC_FEATURES_ENABLES bit 0 set, CPUID at CPL 3
 *   raises #GP(0) and at CPL 0 still works; cleared, CPL 3 runs CPUID
 *   again (lib/ring3.c gives the CPL 3 part).
 */
#include "guest.h"

/* The guest's CPUID, as far as the checks need it. */
static struct {
    bool intel, amd;
    uint32_t l1c, l1d, l6a, l6c, l7b, l7c, l7d, ld1a, e1c, e1d, e8b;
    unsigned maxphys;
} id;

#define HAS(word, bit) ((id.word >> (bit)) & 1u)

static void read_cpuid(void)
{
    uint32_t a, b, c, d, max, emax;

    cpuid(0, &max, &b, &c, &d);
    id.intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;      /* GenuineIntel */
    id.amd = (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163) ||   /* AuthenticAMD */
             (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975);     /* HygonGenuine */
    cpuid(1, &a, &b, &id.l1c, &id.l1d);
    if (max >= 6)
        cpuid(6, &id.l6a, &b, &id.l6c, &d);
    if (max >= 7)
        cpuid_count(7, 0, &a, &id.l7b, &id.l7c, &id.l7d);
    if (max >= 0xd)
        cpuid_count(0xd, 1, &id.ld1a, &b, &c, &d);
    cpuid(0x80000000, &emax, &b, &c, &d);
    if (emax >= 0x80000001)
        cpuid(0x80000001, &a, &b, &id.e1c, &id.e1d);
    id.maxphys = HAS(l1d, 6) ? 36 : 32;
    if (emax >= 0x80000008) {
        cpuid(0x80000008, &a, &id.e8b, &c, &d);
        if (a & 0xff)
            id.maxphys = a & 0xff;
    }
    printf("note: vendor %s, MAXPHYADDR %u, 1:%08x/%08x 7:%08x/%08x/%08x 80000001:%08x/%08x 80000008:EBX %08x\n",
           id.intel ? "Intel" : id.amd ? "AMD" : "other", id.maxphys, id.l1c, id.l1d, id.l7b, id.l7c, id.l7d,
           id.e1c, id.e1d, id.e8b);
}

static const char *vstr(int vec)
{
    return vec == NO_FAULT ? "no exception" : exc_name((unsigned)vec);
}

/* RDMSR gives #GP exactly when !exists; WRMSR of val likewise (when
 * check_write). */
static void expect_exists(uint32_t msr, bool exists, bool check_write, uint64_t val, const char *name)
{
    uint64_t v = 0;
    int r = rdmsr_safe(msr, &v);
    int w = check_write ? wrmsr_safe(msr, val) : (exists ? NO_FAULT : EXC_GP);
    bool ok = exists ? (r == NO_FAULT && w == NO_FAULT) : (r == EXC_GP && w == EXC_GP);
    check(ok, name, "MSR %#x (%s by CPUID): RDMSR %s, WRMSR %#llx %s", msr, exists ? "present" : "absent",
          vstr(r), (unsigned long long)val, vstr(w));
}

static void expect_gp_rw(uint32_t msr, const char *name)
{
    uint64_t v = 0;
    int r = rdmsr_safe(msr, &v), w = wrmsr_safe(msr, 0);
    check(r == EXC_GP && w == EXC_GP, name, "MSR %#x: RDMSR %s, WRMSR 0 %s, expected #GP for both", msr,
          vstr(r), vstr(w));
}

static void expect_value(uint32_t msr, uint64_t want, const char *name)
{
    uint64_t v = ~want;
    int r = rdmsr_safe(msr, &v);
    check(r == NO_FAULT && v == want, name, "MSR %#x: %s, value %#llx, expected %#llx", msr, vstr(r),
          (unsigned long long)v, (unsigned long long)want);
}

static void expect_write(uint32_t msr, uint64_t val, int want_vec, const char *name)
{
    int w = wrmsr_safe(msr, val);
    check(w == want_vec, name, "WRMSR %#x <- %#llx: %s, expected %s", msr, (unsigned long long)val, vstr(w),
          vstr(want_vec));
}

/* Writes base | each bit of rsvd in turn: every one must #GP and leave the
 * MSR at base (written first, and restored to orig at the end). */
static void expect_rsvd_bits(uint32_t msr, uint64_t base, uint64_t rsvd, uint64_t orig, const char *name)
{
    int bad_bit = -1, bad_vec = NO_FAULT;
    uint64_t after = base;

    wrmsr_safe(msr, base);
    for (int b = 0; b < 64 && bad_bit < 0; b++) {
        if (!((rsvd >> b) & 1))
            continue;
        int w = wrmsr_safe(msr, base | (1ull << b));
        rdmsr_safe(msr, &after);
        if (w != EXC_GP || after != base) {
            bad_bit = b;
            bad_vec = w;
        }
    }
    wrmsr_safe(msr, orig);
    check(bad_bit < 0, name, "MSR %#x: setting reserved bit %d gave %s, value now %#llx (want #GP, %#llx)", msr,
          bad_bit, vstr(bad_vec), (unsigned long long)after, (unsigned long long)base);
}

static void test_cpuid_gated(void)
{
    bool ibrs = HAS(l7d, 26) || HAS(e8b, 14), ibpb = HAS(l7d, 26) || HAS(e8b, 12);
    uint64_t v = 0;

    expect_exists(0x48, ibrs, true, 0, "spec-ctrl-by-cpuid");
    /* PRED_CMD and FLUSH_CMD are write-only: RDMSR is #GP either way. */
    check(rdmsr_safe(0x49, &v) == EXC_GP, "pred-cmd-read-gp", "RDMSR PRED_CMD: %s", vstr(exc_caught));
    expect_write(0x49, 0, ibpb ? NO_FAULT : EXC_GP, "pred-cmd-by-cpuid");
    check(rdmsr_safe(0x10b, &v) == EXC_GP, "flush-cmd-read-gp", "RDMSR FLUSH_CMD: %s", vstr(exc_caught));
    expect_write(0x10b, 0, HAS(l7d, 28) ? NO_FAULT : EXC_GP, "flush-cmd-by-cpuid");
    expect_exists(0x10a, HAS(l7d, 29), false, 0, "arch-caps-by-cpuid");
    expect_write(0x10a, 0, EXC_GP, "arch-caps-read-only");
    expect_exists(0xc0000103, HAS(e1d, 27) || HAS(l7c, 22), true, 0, "tsc-aux-by-cpuid");
    expect_exists(0xda0, HAS(ld1a, 3), true, 0, "xss-by-cpuid");
    expect_exists(0x6e1, HAS(l7c, 31), true, 0, "pkrs-by-cpuid");
    expect_exists(0xd90, HAS(l7b, 14), true, 0, "bndcfgs-by-cpuid");
    expect_exists(0x179, HAS(l1d, 14), false, 0, "mcg-cap-by-cpuid");
    expect_exists(0x17a, HAS(l1d, 14), true, 0, "mcg-status-by-cpuid");
    expect_exists(0x401, HAS(l1d, 14), true, 0, "mc0-status-by-cpuid");
    expect_exists(0xc0010140, HAS(e1c, 9), false, 0, "osvw-by-cpuid");
    expect_exists(0xc001011f, HAS(e8b, 25), true, 0, "virt-spec-ctrl-by-cpuid");
    expect_exists(0xc0011027, HAS(e1c, 26), true, 0, "dr0-mask-by-cpuid");
    expect_exists(0x3b, HAS(l7b, 1), false, 0, "tsc-adjust-by-cpuid");
    /* Thermal and power management (leaf 6): unchecked accesses of Linux
     * met these before the table covered leaf 6. */
    expect_exists(0xe8, HAS(l6c, 0), false, 0, "aperf-by-cpuid");
    expect_exists(0xe7, HAS(l6c, 0), false, 0, "mperf-by-cpuid");
    expect_exists(0x1b0, HAS(l6c, 3), true, 6, "energy-perf-bias-by-cpuid");
    expect_exists(0x770, HAS(l6a, 7), false, 0, "pm-enable-by-cpuid");
    expect_exists(0x1b1, HAS(l6a, 6), false, 0, "package-therm-status-by-cpuid");
    expect_exists(0xfe, HAS(l1d, 12), false, 0, "mtrrcap-by-cpuid");
    expect_exists(0x277, HAS(l1d, 16), false, 0, "pat-by-cpuid");
}

static void test_never_and_unknown(void)
{
    expect_gp_rw(0x122, "tsx-ctrl-gp");
    expect_gp_rw(0x6a0, "u-cet-gp");
    expect_gp_rw(0x6a2, "s-cet-gp");
    expect_gp_rw(0x6a4, "pl0-ssp-gp");
    expect_gp_rw(0xcf, "core-caps-gp");
    expect_gp_rw(0x123, "mcu-opt-ctrl-gp");
    expect_gp_rw(0x4e, "ppin-ctl-gp");
    expect_gp_rw(0x12345678, "unknown-12345678-gp");
    expect_gp_rw(0x1fff, "unknown-1fff-gp");
    expect_gp_rw(0xc0001000, "unknown-c0001000-gp");
    expect_gp_rw(0xc0012345, "unknown-c0012345-gp");
    expect_gp_rw(0x40000001, "unknown-40000001-gp");
}

static void test_platform_info_and_faulting_msr(void)
{
    uint64_t v = 0;

    /* Xen gives both to HVM guests of either vendor. */
    expect_value(0xce, 1ull << 31, "platform-info");
    expect_write(0xce, 1ull << 31, EXC_GP, "platform-info-read-only");
    expect_value(0x140, 0, "misc-features-initial");
    expect_write(0x140, 1, NO_FAULT, "misc-features-set");
    check(rdmsr_safe(0x140, &v) == NO_FAULT && v == 1, "misc-features-readback", "read %#llx",
          (unsigned long long)v);
    expect_rsvd_bits(0x140, 0, ~1ull, 0, "misc-features-reserved");
}

static void test_mtrr(void)
{
    uint64_t above = id.maxphys >= 64 ? 0 : ~0ull << id.maxphys, v = 0;

    if (!HAS(l1d, 12)) {
        skip("mtrr", "CPUID.1:EDX.MTRR clear");
        return;
    }
    expect_value(0xfe, 0x508, "mtrrcap");               /* 8 variable, fixed, WC */
    expect_write(0xfe, 0x508, EXC_GP, "mtrrcap-read-only");
    expect_value(0x2ff, 0x806, "mtrr-def-initial");     /* enabled, write-back */
    expect_rsvd_bits(0x2ff, 0xc06, ~0xcffull & ~0ull, 0x806, "mtrr-def-reserved");
    expect_write(0x2ff, 0x802, EXC_GP, "mtrr-def-type2-gp");
    expect_write(0x2ff, 0x807, EXC_GP, "mtrr-def-type7-gp");
    expect_write(0x2ff, 0xc00, NO_FAULT, "mtrr-def-uc-fe");
    expect_value(0x2ff, 0xc00, "mtrr-def-readback");
    wrmsr_safe(0x2ff, 0x806);
    /* Variable range 0: base 1 MiB WB, mask 1 MiB valid. */
    uint64_t base = 0x100006, mask = (~0ull << 20 & ~above) | 0x800;
    expect_rsvd_bits(0x200, base, 0xf00ull | above, 0, "mtrr-physbase-reserved");
    expect_rsvd_bits(0x201, mask, 0x7ffull | above, 0, "mtrr-physmask-reserved");
    expect_write(0x200, 0x100003, EXC_GP, "mtrr-physbase-type3-gp");
    expect_write(0x200, base, NO_FAULT, "mtrr-physbase-write");
    expect_write(0x201, mask, NO_FAULT, "mtrr-physmask-write");
    check(rdmsr_safe(0x200, &v) == NO_FAULT && v == base, "mtrr-physbase-readback", "%#llx",
          (unsigned long long)v);
    check(rdmsr_safe(0x201, &v) == NO_FAULT && v == mask, "mtrr-physmask-readback", "%#llx",
          (unsigned long long)v);
    expect_value(0x20f, 0, "mtrr-physmask7");
    expect_gp_rw(0x210, "mtrr-var8-absent");            /* VCNT = 8 */
    wrmsr_safe(0x200, 0);
    wrmsr_safe(0x201, 0);
    /* Fixed ranges: each byte a valid type. */
    static const uint32_t fixed[] = { 0x250, 0x258, 0x259, 0x268, 0x26f };
    for (unsigned i = 0; i < ARRAY_SIZE(fixed); i++)
        expect_value(fixed[i], 0x0606060606060606ull, "mtrr-fixed-initial");
    int bad = -1;
    for (unsigned byte = 0; byte < 8 && bad < 0; byte++)
        if (wrmsr_safe(0x258, 0x0606060606060606ull ^ (4ull << (8 * byte))) != EXC_GP)   /* 6 -> 2 */
            bad = (int)byte;
    check(bad < 0, "mtrr-fixed-invalid-type", "type 2 in byte %d of FIX16K_80000 was accepted", bad);
    expect_write(0x258, 0x0001040506000106ull, NO_FAULT, "mtrr-fixed-write");
    expect_value(0x258, 0x0001040506000106ull, "mtrr-fixed-readback");
    wrmsr_safe(0x258, 0x0606060606060606ull);
    expect_gp_rw(0x251, "mtrr-fixed-gap-absent");
}

static void test_debugctl(void)
{
    expect_value(0x1d9, 0, "debugctl-initial");
    expect_write(0x1d9, 1, NO_FAULT, "debugctl-lbr");
    expect_value(0x1d9, 1, "debugctl-lbr-readback");
    expect_write(0x1d9, 2, NO_FAULT, "debugctl-btf");
    expect_value(0x1d9, 2, "debugctl-btf-readback");
    /* RTM (15) is allowed on Intel where CPUID offers RTM (7.0:EBX[11]). */
    uint64_t rtm = id.intel && HAS(l7b, 11) ? 1ull << 15 : 0;
    expect_rsvd_bits(0x1d9, 0, ~3ull & ~rtm, 0, "debugctl-reserved");
    if (rtm) {
        expect_write(0x1d9, rtm, NO_FAULT, "debugctl-rtm");
        expect_value(0x1d9, rtm, "debugctl-rtm-readback");
        expect_write(0x1d9, 0, NO_FAULT, "debugctl-rtm-clear");
    }
    /* The last-branch/last-exception MSRs: 0, no branch is recorded; a
     * write is accepted as on Xen: dropped on Intel, kept on AMD. */
    for (uint32_t m = 0x1db; m <= 0x1de; m++) {
        uint64_t val = 0xffffffff80001000ull + m;
        expect_value(m, 0, "lbr-msr-zero");
        expect_write(m, val, NO_FAULT, "lbr-msr-write");
        expect_value(m, id.amd ? val : 0, id.amd ? "lbr-msr-amd-kept" : "lbr-msr-intel-dropped");
    }
}

/* The vMCE, as Xen's: two banks, nothing ever reported. */
static void test_mce(void)
{
    if (!HAS(l1d, 14)) {
        skip("vmce", "CPUID.1:EDX.MCA clear");
        return;
    }
    expect_value(0x179, id.intel ? 0x1000c02 : 2, "mcg-cap");
    expect_write(0x179, 0, NO_FAULT, "mcg-cap-write-ignored");
    expect_value(0x179, id.intel ? 0x1000c02 : 2, "mcg-cap-unchanged");
    expect_value(0x17a, 0, "mcg-status");
    expect_write(0x17a, 7, NO_FAULT, "mcg-status-write");
    expect_value(0x17a, 7, "mcg-status-readback");
    expect_rsvd_bits(0x17a, 0, ~7ull, 0, "mcg-status-reserved");
    expect_value(0x17b, 0, "mcg-ctl");
    for (uint32_t bank = 0; bank < 2; bank++) {
        uint32_t m = 0x400 + 4 * bank;
        expect_value(m, ~0ull, "mci-ctl-all-ones");
        expect_write(m, 0, NO_FAULT, "mci-ctl-write-ignored");
        expect_value(m, ~0ull, "mci-ctl-unchanged");
        for (uint32_t r = 1; r < 4; r++) {
            expect_value(m + r, 0, "mci-status-addr-misc");
            expect_write(m + r, 0, NO_FAULT, "mci-status-addr-misc-write0");
            expect_write(m + r, 1, EXC_GP, "mci-status-addr-misc-nonzero-gp");
        }
    }
    expect_gp_rw(0x408, "mc2-absent");
    expect_gp_rw(0x4d0, "mcg-ext-ctl-absent");
    if (id.intel) {
        expect_value(0x280, 0, "mc0-ctl2");
        expect_write(0x280, (1ull << 30) | 5, NO_FAULT, "mc0-ctl2-cmci-en");
        expect_value(0x280, (1ull << 30) | 5, "mc0-ctl2-readback");
        expect_rsvd_bits(0x281, 0, ~((1ull << 30) | 0x7fffull), 0, "mc1-ctl2-reserved");
        wrmsr_safe(0x280, 0);
        expect_gp_rw(0x282, "mc2-ctl2-absent");
    } else {
        expect_gp_rw(0x280, "mci-ctl2-absent-on-amd");
    }
}

static void test_intel(void)
{
    uint64_t v = 0;

    expect_value(0x1a0, (1ull << 0) | (1ull << 11) | (1ull << 12) | (1ull << 23), "misc-enable");
    expect_write(0x1a0, (1ull << 0) | (1ull << 11) | (1ull << 12) | (1ull << 23), NO_FAULT, "misc-enable-same");
    expect_write(0x1a0, (1ull << 11) | (1ull << 12) | (1ull << 23), EXC_GP, "misc-enable-change-gp");
    expect_write(0x1a0, (1ull << 0) | (1ull << 11) | (1ull << 12) | (1ull << 23) | (1ull << 18), EXC_GP,
                 "misc-enable-monitor-gp");
    expect_value(0x3a, 1, "feature-control-locked");
    expect_write(0x3a, 1, EXC_GP, "feature-control-read-only");
    check(rdmsr_safe(0x17, &v) == NO_FAULT, "platform-id-read", "%s", vstr(exc_caught));
    expect_write(0x17, 0, EXC_GP, "platform-id-read-only");
    check(rdmsr_safe(0x8b, &v) == NO_FAULT, "ucode-rev-read", "%s", vstr(exc_caught));
    expect_write(0x8b, 0, NO_FAULT, "ucode-rev-write0");
    expect_write(0x8b, 1, EXC_GP, "ucode-rev-write1-gp");
    expect_value(0x198, 0, "perf-status-raz");
    expect_write(0x199, 0x1234, NO_FAULT, "perf-ctl-wi");
    expect_value(0x199, 0, "perf-ctl-raz");
    expect_value(0x19c, 0, "therm-status-raz");
    expect_write(0x19c, 0, EXC_GP, "therm-status-read-only");
    /* The model-specific LBR stack: read 0, writes dropped (Xen). */
    static const uint32_t lbr_stack[] = { 0x1c9, 0x680, 0x69f, 0x6c0, 0x6df, 0xdc0, 0xddf };
    for (unsigned i = 0; i < sizeof lbr_stack / sizeof lbr_stack[0]; i++) {
        expect_write(lbr_stack[i], 0xffffffff81000000ull, NO_FAULT, "lbr-stack-write-dropped");
        expect_value(lbr_stack[i], 0, "lbr-stack-raz");
    }
    /* AMD's registers are absent. */
    expect_gp_rw(0xc0010015, "hwcr-absent-on-intel");
    expect_gp_rw(0xc0011029, "de-cfg-absent-on-intel");
    expect_gp_rw(0xc0010010, "syscfg-absent-on-intel");
}

static void test_amd(void)
{
    uint64_t v = 0;

    expect_gp_rw(0x1a0, "misc-enable-absent-on-amd");
    expect_gp_rw(0x680, "lbr-stack-absent-on-amd");
    expect_gp_rw(0x1c9, "lbr-tos-absent-on-amd");
    expect_gp_rw(0x3a, "feature-control-absent-on-amd");
    expect_gp_rw(0x199, "perf-ctl-absent-on-amd");
    check(rdmsr_safe(0x8b, &v) == NO_FAULT, "patch-level-read", "%s", vstr(exc_caught));
    expect_write(0x8b, 0, EXC_GP, "patch-level-read-only");
    expect_value(0xc0010015, 0, "hwcr");
    expect_write(0xc0010015, 0, NO_FAULT, "hwcr-write-same");
    expect_rsvd_bits(0xc0010015, 0, ~0ull, 0, "hwcr-no-writable-bit");
    expect_value(0xc001001f, 0, "nb-cfg");
    expect_write(0xc001001f, 1ull << 46, NO_FAULT, "nb-cfg-write-dropped");
    expect_value(0xc001001f, 0, "nb-cfg-unchanged");
    expect_value(0xc0011029, 2, "de-cfg-lfence-serialising");
    expect_write(0xc0011029, 0, NO_FAULT, "de-cfg-write-dropped");
    expect_value(0xc0011029, 2, "de-cfg-unchanged");
    static const uint32_t raz[] = { 0xc0010010, 0xc001001a, 0xc001001d, 0xc0010114 };
    static const char *const names[] = { "syscfg", "top-mem", "top-mem2", "vm-cr" };
    for (unsigned i = 0; i < ARRAY_SIZE(raz); i++) {
        expect_write(raz[i], 0x1000, NO_FAULT, names[i]);
        expect_value(raz[i], 0, names[i]);
    }
}

/* ---- CPUID faulting: user_cpuid runs at CPL 3 (lib/ring3.c). ---- */

static unsigned cpl_now(void)
{
    uint16_t cs;
    asm volatile("mov %%cs, %0" : "=r"(cs));
    return cs & 3;
}
static volatile int u_vec;
static volatile unsigned u_cpl, u_err;

static unsigned long user_cpuid(unsigned long leaf)
{
    uint32_t a = (uint32_t)leaf, b, c = 0, d;
    exc_clear();
    asm volatile("1: cpuid\n2:\n\t" EXC_FIXUP("1b", "2b") : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
    u_vec = exc_caught;
    u_err = (unsigned)exc_error;
    u_cpl = cpl_now();
    return a;
}

static void run_user_cpuid(uint32_t leaf, int want_vec, const char *name)
{
    u_vec = -2;
    u_cpl = 99;
    ring3_call(user_cpuid, leaf);
    check(u_cpl == 3 && u_vec == want_vec && u_err == 0, name,
          "CPUID %#x at CPL %u: %s, error code %u (want %s at CPL 3, error code 0)", leaf, u_cpl, vstr(u_vec),
          u_err, vstr(want_vec));
}

static void test_cpuid_faulting(void)
{
    uint32_t a, b, c, d;

    wrmsr_safe(0x140, 0);
    run_user_cpuid(0, NO_FAULT, "cpuid-cpl3-no-faulting");
    expect_write(0x140, 1, NO_FAULT, "cpuid-faulting-on");
    run_user_cpuid(0, EXC_GP, "cpuid-cpl3-faults");
    run_user_cpuid(0x80000000, EXC_GP, "cpuid-cpl3-faults-ext");
    cpuid(0, &a, &b, &c, &d);           /* CPL 0: unaffected (an exception here ends the test) */
    check(a >= 1, "cpuid-cpl0-still-works", "CPUID(0).EAX = %u", a);
    expect_write(0x140, 0, NO_FAULT, "cpuid-faulting-off");
    run_user_cpuid(1, NO_FAULT, "cpuid-cpl3-after-off");
}

void test_main(void)
{
    if (!hv_require())
        return;
    read_cpuid();
    test_cpuid_gated();
    test_never_and_unknown();
    test_platform_info_and_faulting_msr();
    test_mtrr();
    test_debugctl();
    test_mce();
    if (id.intel)
        test_intel();
    else if (id.amd)
        test_amd();
    else
        skip("vendor-msrs", "neither Intel nor AMD");
    test_cpuid_faulting();
}
