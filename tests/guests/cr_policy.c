/*
 * cr_policy: MOV to CR0/CR4 and WRMSR EFER with a bit the guest may not set
 * raise #GP and leave the register unchanged (Intel SDM vol. 2B MOV to CR,
 * vol. 3A 2.5; AMD APM vol. 2 3.1).  "May not set" follows the guest's
 * CPUID: Ringvisor hides XSAVE, PKU, VMX/SMX, CET, LA57, ..., so their CR4
 * enables are reserved, as on a CPU without them, even though the host CPU
 * would accept them.  Also the invalid combinations (CR0.PG without PE,
 * NW without CD, paging with EFER.LME but no PAE, CR4.PCIDE outside long
 * mode) and, as positive controls, bits that are allowed do change.  The
 * instructions are also issued with a segment prefix and as CLTS/LMSW, the
 * forms a decoder without hardware assists must handle (SVM under QEMU).
 *
 * QEMU's own TCG CPU (7.2) differs from hardware here: it does not check
 * CR0 bit combinations, ignores EFER bits it does not implement, and a
 * reserved CR4 bit in an SVM guest fails the VMRUN instead of raising #GP;
 * Ringvisor intercepts the writes on SVM, so the guest sees hardware's #GP.
 */
#include "guest.h"

#define CR0_TS  (1u << 3)
#define CR0_NW  (1u << 29)
#define CR0_CD  (1u << 30)

/* write_cr0_safe / write_cr4_safe: lib/x86.h */

/* The same with a CS segment prefix (2e 0f 22 e0: mov %eax, %cr4). */
static int write_cr4_prefixed_safe(uint32_t v)
{
    exc_clear();
    asm volatile("1: .byte 0x2e, 0x0f, 0x22, 0xe0\n2:\n\t" EXC_FIXUP("1b", "2b") : : "a"(v) : "memory");
    return exc_caught;
}

struct cr4_bit { unsigned bit; const char *name; uint32_t leaf, reg, fbit; };     /* reg: 1 EBX 2 ECX 3 EDX */

/* CR4 bits and the CPUID feature that offers each; leaf 0: never offered. */
static const struct cr4_bit cr4_bits[] = {
    { 11, "umip", 7, 2, 2 },
    { 12, "la57", 7, 2, 16 },
    { 13, "vmxe", 1, 2, 5 },
    { 14, "smxe", 1, 2, 6 },
    { 15, "bit15", 0, 0, 0 },
    { 16, "fsgsbase", 7, 1, 0 },
    { 17, "pcide", 0, 0, 0 },     /* needs long mode: #GP here whatever CPUID says */
    { 18, "osxsave", 1, 2, 26 },
    { 19, "kl", 7, 2, 23 },
    { 22, "pke", 7, 2, 3 },
    { 23, "cet", 7, 2, 7 },
    { 24, "pks", 7, 2, 31 },
    { 25, "uintr", 7, 3, 5 },
    { 26, "bit26", 0, 0, 0 },
    { 28, "bit28", 0, 0, 0 },
    { 31, "bit31", 0, 0, 0 },
};

static bool offered(const struct cr4_bit *b)
{
    uint32_t r[4], max;

    if (!b->leaf)
        return false;
    cpuid(0, &r[0], &r[1], &r[2], &r[3]);
    max = r[0];
    if (b->leaf > max)
        return false;
    cpuid_count(b->leaf, 0, &r[0], &r[1], &r[2], &r[3]);
    return (r[b->reg] >> b->fbit) & 1;
}

static void test_cr4(void)
{
    uint32_t old = read_cr4(), a, b, c, d;
    char name[32];

    cpuid(1, &a, &b, &c, &d);
    check(!(c & (1u << 26)), "cpuid-no-xsave", "CPUID.1:ECX = %#x offers XSAVE (the policy hides it)", c);
    for (unsigned i = 0; i < ARRAY_SIZE(cr4_bits); i++) {
        const struct cr4_bit *e = &cr4_bits[i];
        if (offered(e)) {
            skip(e->name, "CPUID offers it: not a reserved bit here");
            continue;
        }
        int vec = write_cr4_safe(old | (1u << e->bit));
        uint32_t now = read_cr4();
        memcpy(name, "cr4-", 4);
        memcpy(name + 4, e->name, strlen(e->name) + 1);
        check(vec == EXC_GP && now == old, name, "CR4 |= bit %u: vector %d, CR4 %#x -> %#x (expected #GP, unchanged)",
              e->bit, vec, old, now);
    }
    /* The prefixed encoding: same check (OSXSAVE), same result. */
    int vec = write_cr4_prefixed_safe(old | (1u << 18));
    check(vec == EXC_GP && read_cr4() == old, "cr4-prefixed-osxsave", "cs: mov cr4 with OSXSAVE: vector %d", vec);

    /* Positive controls: PCE and TSD are always offered; PGE when CPUID has it. */
    vec = write_cr4_safe(old | (1u << 8) | (1u << 2));
    check(vec == NO_FAULT && read_cr4() == (old | (1u << 8) | (1u << 2)), "cr4-pce-tsd-set",
          "CR4 |= PCE|TSD: vector %d, CR4 %#x", vec, (unsigned)read_cr4());
    vec = write_cr4_prefixed_safe(old);
    check(vec == NO_FAULT && read_cr4() == old, "cr4-restore-prefixed", "cs: mov cr4 back: vector %d, CR4 %#x", vec,
          (unsigned)read_cr4());
    if (d & (1u << 13)) {
        vec = write_cr4_safe(old | (1u << 7));
        check(vec == NO_FAULT && (read_cr4() & (1u << 7)), "cr4-pge-set", "CR4 |= PGE: vector %d", vec);
        write_cr4_safe(old);
    }
}

/*
 * LMSW with a memory operand (SDM vol. 2A LMSW: CR0 bits 3:0 from the
 * source, PE can be set but not cleared, bits 15:4 ignored, #GP at CPL >
 * 0).  VMX gives the operand it read in the exit qualification; SVM's
 * decode assist gives nothing for LMSW, so the hypervisor emulates it
 * (the emulator computes the address and reads the operand).  The effects
 * are checked by the x87: FNOP raises #NM when CR0.EM or CR0.TS is set,
 * FWAIT only when MP and TS both are (SDM vol. 3A 2.5, table 2-2).
 */
#define CR0_MP  (1u << 1)
#define CR0_EM  (1u << 2)
#define EXC_NM  7

static int lmsw_mem_safe(const volatile uint16_t *p)
{
    exc_clear();
    asm volatile("1: lmsw %0\n2:\n\t" EXC_FIXUP("1b", "2b") : : "m"(*p) : "memory");
    return exc_caught;
}

/* The same with a CS prefix and a base-plus-displacement address. */
static int lmsw_mem_prefixed_safe(const volatile uint16_t *p)
{
    exc_clear();
    asm volatile("1: lmsw %%cs:2(%0)\n2:\n\t" EXC_FIXUP("1b", "2b") : : "r"(p - 1) : "memory");
    return exc_caught;
}

static int fnop_safe(void)
{
    exc_clear();
    asm volatile("1: fnop\n2:\n\t" EXC_FIXUP("1b", "2b") : : : "memory");
    return exc_caught;
}

static int fwait_safe(void)
{
    exc_clear();
    asm volatile("1: fwait\n2:\n\t" EXC_FIXUP("1b", "2b") : : : "memory");
    return exc_caught;
}

static volatile uint16_t lmsw_src;
/* Two pages: an operand across their boundary. */
static volatile uint8_t lmsw_pages[8192] __attribute__((aligned(4096)));

static unsigned long ring3_lmsw(unsigned long arg)
{
    return (unsigned long)lmsw_mem_safe((const volatile uint16_t *)arg);
}

static void test_lmsw_mem(uint32_t old)
{
    uint32_t base = old & ~(CR0_MP | CR0_EM | CR0_TS), now;
    int vec, nm1, nm2;

    /* TS from memory; MP clear: FNOP #NM, FWAIT runs. */
    lmsw_src = (uint16_t)(base | CR0_TS);
    vec = lmsw_mem_safe(&lmsw_src);
    now = read_cr0();
    nm1 = fnop_safe();
    nm2 = fwait_safe();
    check(vec == NO_FAULT && now == (base | CR0_TS), "lmsw-mem-ts", "vector %d, CR0 %#x (expected %#x)", vec, now,
          base | CR0_TS);
    check(nm1 == EXC_NM && nm2 == NO_FAULT, "lmsw-mem-ts-effect", "TS: FNOP vector %d (expected 7), FWAIT %d (none)",
          nm1, nm2);

    /* MP and TS: FWAIT #NM too. */
    lmsw_src = (uint16_t)(base | CR0_MP | CR0_TS);
    vec = lmsw_mem_safe(&lmsw_src);
    now = read_cr0();
    nm2 = fwait_safe();
    check(vec == NO_FAULT && now == (base | CR0_MP | CR0_TS) && nm2 == EXC_NM, "lmsw-mem-mp",
          "vector %d, CR0 %#x (expected %#x), FWAIT vector %d (expected 7)", vec, now, base | CR0_MP | CR0_TS, nm2);

    /* EM without TS, and PE clear in the source: PE stays, FNOP #NM,
     * FWAIT runs (MP set, TS clear). */
    lmsw_src = (uint16_t)((base | CR0_MP | CR0_EM) & ~CR0_PE);
    vec = lmsw_mem_safe(&lmsw_src);
    now = read_cr0();
    nm1 = fnop_safe();
    nm2 = fwait_safe();
    check(vec == NO_FAULT && now == (base | CR0_MP | CR0_EM), "lmsw-mem-em-keeps-pe",
          "vector %d, CR0 %#x (expected %#x: PE kept)", vec, now, base | CR0_MP | CR0_EM);
    check(nm1 == EXC_NM && nm2 == NO_FAULT, "lmsw-mem-em-effect", "EM: FNOP vector %d (expected 7), FWAIT %d (none)",
          nm1, nm2);

    /* Bits 15:4 of the source are ignored (ET, NE and the reserved ones
     * keep their values); prefixed form, operand across a page boundary. */
    volatile uint16_t *cross = (volatile uint16_t *)(lmsw_pages + 4095);
    *cross = (uint16_t)(0xfff0u | (old & 0xf));
    vec = lmsw_mem_prefixed_safe(cross);
    now = read_cr0();
    nm1 = fnop_safe();
    check(vec == NO_FAULT && now == old && nm1 == (old & (CR0_EM | CR0_TS) ? EXC_NM : NO_FAULT),
          "lmsw-mem-high-bits-ignored", "source %#x across a page boundary: vector %d, CR0 %#x (expected %#x), FNOP %d",
          (unsigned)*cross, vec, now, old, nm1);

    /* CPL 3: #GP, CR0 unchanged. */
    lmsw_src = (uint16_t)(old | CR0_TS);
    vec = (int)ring3_call(ring3_lmsw, (unsigned long)&lmsw_src);
    now = read_cr0();
    check(vec == EXC_GP && now == old, "lmsw-mem-cpl3-gp", "vector %d, CR0 %#x (expected #GP, %#x)", vec, now, old);
    write_cr0_safe(old);
}

static void test_cr0(void)
{
    uint32_t old = read_cr0();
    int vec;

    vec = write_cr0_safe((old & ~CR0_PE) | CR0_PG);
    check(vec == EXC_GP && read_cr0() == old, "cr0-pg-without-pe", "vector %d, CR0 %#x -> %#x", vec, old,
          (unsigned)read_cr0());
    vec = write_cr0_safe((old & ~CR0_CD) | CR0_NW);
    check(vec == EXC_GP && read_cr0() == old, "cr0-nw-without-cd", "vector %d, CR0 %#x -> %#x", vec, old,
          (unsigned)read_cr0());

    /* Paging with EFER.LME set but CR4.PAE clear (SDM vol. 3A 4.1.2).
     * Not on AMD: under QEMU's TCG (7.2) SVM, any #VMEXIT taken while the
     * guest has EFER.LME = 1 with CR0.PG = CR4.PAE = 0 breaks the host
     * (QEMU reloads the host's CR0 while the guest's CR4 and EFER are still
     * in place, refuses paging without PAE and leaves the hypervisor
     * running unpaged), and the MOV to CR0 here is such an exit. */
    uint32_t a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
    bool amd = b == 0x68747541;             /* "Auth"enticAMD */
    cpuid(0x80000001, &a, &b, &c, &d);
    if (amd) {
        skip("cr0-pg-lme-without-pae", "AMD CPU: QEMU TCG SVM loses the host when EFER.LME is set without PAE");
    } else if (d & (1u << 29)) {
        uint64_t efer = rdmsr(MSR_EFER);
        wrmsr(MSR_EFER, efer | EFER_LME);
        vec = write_cr0_safe(old | CR0_PG);
        uint32_t now = read_cr0();
        wrmsr(MSR_EFER, efer);
        check(vec == EXC_GP && now == old, "cr0-pg-lme-without-pae", "vector %d, CR0 %#x -> %#x", vec, old, now);
    }

    /* Allowed: TS through MOV, CLTS and LMSW (register form). */
    vec = write_cr0_safe(old | CR0_TS);
    check(vec == NO_FAULT && (read_cr0() & CR0_TS), "cr0-ts-set", "vector %d, CR0 %#x", vec, (unsigned)read_cr0());
    asm volatile("clts" : : : "memory");
    check(!(read_cr0() & CR0_TS), "clts", "CR0 %#x after CLTS", (unsigned)read_cr0());
    uint16_t msw = (uint16_t)(read_cr0() | CR0_TS);
    asm volatile("lmsw %0" : : "r"(msw) : "memory");
    check(read_cr0() & CR0_TS, "lmsw-sets-ts", "CR0 %#x after LMSW with TS", (unsigned)read_cr0());
    msw = (uint16_t)(read_cr0() & ~(CR0_TS | CR0_PE));
    asm volatile("lmsw %0" : : "r"(msw) : "memory");
    check(!(read_cr0() & CR0_TS) && (read_cr0() & CR0_PE), "lmsw-keeps-pe",
          "CR0 %#x after LMSW clearing TS and PE (PE must stay)", (unsigned)read_cr0());
    test_lmsw_mem(old);
    check(read_cr0() == old, "cr0-restored", "CR0 %#x, was %#x", (unsigned)read_cr0(), old);
}

static void test_efer(void)
{
    static const struct { unsigned bit; const char *name; } bad[] = {
        { 1, "efer-bit1" }, { 9, "efer-bit9" }, { 12, "efer-svme" }, { 13, "efer-lmsle" },
        { 15, "efer-tce" }, { 16, "efer-bit16" }, { 31, "efer-bit31" }, { 40, "efer-bit40" }, { 63, "efer-bit63" },
    };
    uint64_t old = rdmsr(MSR_EFER);

    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        int vec = wrmsr_safe(MSR_EFER, old | (1ull << bad[i].bit));
        uint64_t now = rdmsr(MSR_EFER);
        check(vec == EXC_GP && now == old, bad[i].name, "EFER |= bit %u: vector %d, EFER %#llx -> %#llx", bad[i].bit,
              vec, (unsigned long long)old, (unsigned long long)now);
    }
    uint32_t a, b, c, d;
    cpuid(0x80000001, &a, &b, &c, &d);
    if (d & (1u << 20)) {
        int vec = wrmsr_safe(MSR_EFER, old | EFER_NXE);
        check(vec == NO_FAULT && (rdmsr(MSR_EFER) & EFER_NXE), "efer-nxe-allowed", "vector %d", vec);
        wrmsr(MSR_EFER, old);
    } else {
        int vec = wrmsr_safe(MSR_EFER, old | EFER_NXE);
        check(vec == EXC_GP, "efer-nxe-not-offered", "CPUID has no NX, EFER.NXE: vector %d", vec);
    }
}

void test_main(void)
{
    if (!hv_require())
        return;
    test_cr4();
    test_cr0();
    test_efer();
}
