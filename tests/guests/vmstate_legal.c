/*
 * vmstate_legal: every CR0/CR4/EFER value the guest may legally load is
 * entered again without the CPU refusing it.  Each bit the guest's CPUID
 * offers is set on its own and then all together, with a CPUID after each
 * write so that the hypervisor enters the guest with the new state (a VM
 * exit and a VMRUN / VMRESUME), and the bit must still read back set.  A
 * bit the guest's policy offers but the CPU lacks (an emulated feature)
 * must be kept out of the VMCB/VMCS: rv-run boots with vmstate_check, so
 * the guest-state checker fails the run if any entry would break the
 * manuals' consistency checks (docs/hvm.md), and the CPU would refuse it
 * (VMEXIT_INVALID, "invalid guest state") without the checker.  The
 * illegal values are cr_policy's and cr_policy64's (#GP, never entered).
 */
#include "guest.h"

#define CR0_MP  (1u << 1)
#define CR0_EM  (1u << 2)
#define CR0_TS  (1u << 3)
#define CR0_NE  (1u << 5)
#define CR0_WP  (1u << 16)
#define CR0_AM  (1u << 18)
#define CR0_NW  (1u << 29)
#define CR0_CD  (1u << 30)

/* write_cr0_safe / write_cr4_safe: lib/x86.h */

/* A VM exit and a fresh entry with the current state. */
static void reenter(void)
{
    uint32_t a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
}

/* CR4 bits that can be set in 32-bit protected mode with paging off, and
 * the CPUID bit offering each (reg: 1 EBX 2 ECX 3 EDX; leaf 0: always). */
struct cr4_bit { unsigned bit; const char *name; uint32_t leaf, reg, fbit; };
static const struct cr4_bit cr4_bits[] = {
    { 0, "vme", 1, 3, 1 }, { 1, "pvi", 1, 3, 1 }, { 2, "tsd", 1, 3, 4 }, { 3, "de", 1, 3, 2 },
    { 4, "pse", 1, 3, 3 }, { 5, "pae", 1, 3, 6 }, { 6, "mce", 1, 3, 7 }, { 7, "pge", 1, 3, 13 },
    { 8, "pce", 0, 0, 0 }, { 9, "osfxsr", 1, 3, 24 }, { 10, "osxmmexcpt", 1, 3, 25 },
    { 11, "umip", 7, 2, 2 }, { 12, "la57", 7, 2, 16 }, { 16, "fsgsbase", 7, 1, 0 },
    { 18, "osxsave", 1, 2, 26 }, { 20, "smep", 7, 1, 7 }, { 21, "smap", 7, 1, 20 }, { 22, "pke", 7, 2, 3 },
};

static bool offered(const struct cr4_bit *e)
{
    uint32_t r[4];

    if (!e->leaf)
        return true;
    cpuid(0, &r[0], &r[1], &r[2], &r[3]);
    if (e->leaf > r[0])
        return false;
    cpuid_count(e->leaf, 0, &r[0], &r[1], &r[2], &r[3]);
    return (r[e->reg] >> e->fbit) & 1;
}

static void test_cr4(void)
{
    uint32_t old = (uint32_t)read_cr4(), all = old;
    char name[40];
    unsigned n = 0;

    for (unsigned i = 0; i < ARRAY_SIZE(cr4_bits); i++) {
        const struct cr4_bit *e = &cr4_bits[i];
        if (!offered(e))
            continue;
        uint32_t want = old | (1u << e->bit);
        int vec = write_cr4_safe(want);
        reenter();
        uint32_t now = (uint32_t)read_cr4();
        memcpy(name, "cr4-", 4);
        memcpy(name + 4, e->name, strlen(e->name) + 1);
        check(vec == NO_FAULT && now == want, name, "CR4 %#x -> %#x: vector %d, reads %#x after an exit", old, want,
              vec, now);
        write_cr4_safe(old);
        reenter();
        all |= 1u << e->bit;
        n++;
    }
    int vec = write_cr4_safe(all);
    reenter();
    check(vec == NO_FAULT && read_cr4() == all, "cr4-all-offered", "CR4 %#x (%u offered bits): vector %d, reads %#x",
          all, n, vec, (unsigned)read_cr4());
    write_cr4_safe(old);
    reenter();
    check(read_cr4() == old, "cr4-restored", "CR4 %#x, was %#x", (unsigned)read_cr4(), old);
}

static void test_cr0(void)
{
    static const struct { uint32_t set, clear; const char *name; } vals[] = {
        { CR0_CD, 0, "cr0-cd" }, { CR0_CD | CR0_NW, 0, "cr0-cd-nw" }, { 0, CR0_CD | CR0_NW, "cr0-cached" },
        { CR0_WP, 0, "cr0-wp" }, { CR0_AM, 0, "cr0-am" }, { CR0_NE, 0, "cr0-ne" }, { 0, CR0_NE, "cr0-no-ne" },
        { CR0_MP | CR0_TS, 0, "cr0-mp-ts" }, { CR0_EM, 0, "cr0-em" },
    };
    uint32_t old = (uint32_t)read_cr0();

    for (unsigned i = 0; i < ARRAY_SIZE(vals); i++) {
        uint32_t want = (old | vals[i].set) & ~vals[i].clear;
        int vec = write_cr0_safe(want);
        reenter();
        uint32_t now = (uint32_t)read_cr0();
        /* Back to the old value before printing: CR0.EM/TS would fault
         * any x87 instruction the library might use. */
        write_cr0_safe(old);
        reenter();
        check(vec == NO_FAULT && now == want, vals[i].name, "CR0 %#x -> %#x: vector %d, reads %#x after an exit", old,
              want, vec, now);
    }
    check(read_cr0() == old, "cr0-restored", "CR0 %#x, was %#x", (unsigned)read_cr0(), old);
}

static void test_efer(void)
{
    uint32_t a, b, c, d;
    uint64_t old = rdmsr(MSR_EFER), all = old;

    cpuid(0x80000000, &a, &b, &c, &d);
    if (a < 0x80000001) {
        skip("efer", "no CPUID leaf 0x80000001");
        return;
    }
    cpuid(0x80000001, &a, &b, &c, &d);
    static const struct { uint32_t fbit; uint64_t bit; const char *name; } bits[] = {
        { 11, EFER_SCE, "efer-sce" }, { 20, EFER_NXE, "efer-nxe" },
    };
    /* EFER.LME with paging off is tried with CR4.PAE set only: under QEMU
     * 7.2's TCG SVM an exit while the guest has EFER.LME = 1 and CR4.PAE = 0
     * breaks the host (see cr_policy.c). */
    for (unsigned i = 0; i < ARRAY_SIZE(bits); i++) {
        if (!(d & (1u << bits[i].fbit)))
            continue;
        int vec = wrmsr_safe(MSR_EFER, old | bits[i].bit);
        reenter();
        uint64_t now = rdmsr(MSR_EFER);
        check(vec == NO_FAULT && now == (old | bits[i].bit), bits[i].name,
              "EFER %#llx -> %#llx: vector %d, reads %#llx after an exit", (unsigned long long)old,
              (unsigned long long)(old | bits[i].bit), vec, (unsigned long long)now);
        wrmsr(MSR_EFER, old);
        reenter();
        all |= bits[i].bit;
    }
    int vec = wrmsr_safe(MSR_EFER, all);
    reenter();
    check(vec == NO_FAULT && rdmsr(MSR_EFER) == all, "efer-all-offered", "EFER %#llx: vector %d",
          (unsigned long long)all, vec);
    wrmsr(MSR_EFER, old);
    reenter();

    /* LME with PAE, paging still off: the state just before long mode. */
    uint32_t cr4 = (uint32_t)read_cr4();
    if (!(d & (1u << 29)) || write_cr4_safe(cr4 | (1u << 5)) != NO_FAULT) {
        skip("efer-lme", "no long mode, or CR4.PAE refused");
        return;
    }
    vec = wrmsr_safe(MSR_EFER, old | (1u << 8));
    reenter();
    uint64_t now = rdmsr(MSR_EFER);
    wrmsr(MSR_EFER, old);
    reenter();
    write_cr4_safe(cr4);
    reenter();
    check(vec == NO_FAULT && now == (old | (1u << 8)), "efer-lme", "EFER.LME with CR4.PAE, paging off: vector %d, "
          "EFER %#llx after an exit", vec, (unsigned long long)now);
}

void test_main(void)
{
    if (!hv_require())
        return;
    test_cr4();
    test_cr0();
    test_efer();
}
