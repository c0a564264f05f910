/*
 * pv_priv: privileged-instruction emulation and the writable-page-table
 * assist from a 64-bit PV kernel in ring 3 (docs/pv.md "Privileged
 * instructions", "The writable-page-table assist"; entry and handlers:
 * pv_entry.S as pv_mmu, plus a #DB handler here).
 *  - vm_assist: writable_pagetables on/off, unknown types -EINVAL, unknown
 *    command -ENOSYS;
 *  - page-table writes through read-only mappings of its own pinned tables
 *    (an L3 -> L2 -> L1 tree hooked into the boot L4 by a plain store into
 *    the L4): MOV r64, MOV imm32, XCHG, LOCK CMPXCHG (both outcomes) into
 *    the L1, a MOV into the L2; each visible through the new mapping.  Without
 *    the assist the same store is a #PF.  Hostile ones -- a writable
 *    mapping of the L1 itself, a frame the domain does not own, an L2
 *    superpage, an L4 hypervisor slot, a 4-byte store of a self-map -- are
 *    bounced as #PF and leave the entry as it was; 4-byte and 1-byte
 *    stores inside one entry are merged with the rest of it (Xen);
 *  - Xen's forced CPUID (ud2; "xen"; cpuid): the signature leaf, the PV
 *    masking (no VMX, no APIC, no x2APIC), the hypervisor bit;
 *  - RDMSR/WRMSR: FS/GS/shadow-GS bases (the FS base really used), EFER,
 *    PAT, TSC; unknown MSRs, APIC_BASE, a non-canonical or hypervisor-range
 *    base, a changed EFER or PAT: #GP bounced;
 *  - IN/OUT/INS/OUTS: #GP without IOPL; PHYSDEVOP_set_iopl(1) then all-ones
 *    reads and dropped writes, string forms with REP; set_iopl(4) -EINVAL;
 *  - MOV from CR0/CR2/CR3/CR4, MOV to CR0 (TS only), CLTS; MOV to CR3 and
 *    CR8, a CR0 change beyond TS: #GP;
 *  - set_debugreg/get_debugreg and MOV DR: guest addresses only (-EPERM for
 *    the hypervisor's range and non-canonical), DR7 without GD, I/O
 *    breakpoints or upper bits; an armed data breakpoint and an
 *    instruction one fire once each, none once disarmed (pv_dbg.c: more);
 *  - HLT, LIDT, WBINVD, CLI/STI: HLT blocks (a past single-shot timer
 *    ends it), LIDT (not emulated) bounced as #GP, the others
 *    emulated (INVLPG is emulated now: pv_mem checks it).
 * Powers off when every check passed, crashes otherwise.
 */
#include "pv_lib.h"
#include "public/vcpu.h"

uint64_t db_count, db_rip;
void pf_handler(void), gp_handler(void), db_handler(void);
void unexpected_0(void), unexpected_6(void);

/* #DB: count, record RIP, return with RF set in the frame (an instruction
 * breakpoint is a fault: without RF the instruction would hit it again;
 * the CPU does not set RF in that frame, the handler must). */
__asm__(".text\n.globl db_handler\ndb_handler:\n"
        "  pop %rcx\n  pop %r11\n  incq db_count(%rip)\n  orq $0x10000, 16(%rsp)\n"
        "  push %rax\n  mov 8(%rsp), %rax\n"
        "  mov %rax, db_rip(%rip)\n  pop %rax\n"
        "  pushq $0\n  push %rcx\n  push %r11\n  push %rax\n  mov $23, %eax\n  syscall\n");

#define MMUEXT_PIN_L1_TABLE     0
#define MMUEXT_PIN_L2_TABLE     1
#define MMUEXT_PIN_L3_TABLE     2
#define MMUEXT_CLEAR_PAGE       16
#define PHYSDEVOP_set_iopl      6
#define VMASST_CMD_enable       0
#define VMASST_CMD_disable      1
#define VMASST_TYPE_writable_pagetables 2
#define VMASST_TYPE_architectural_iopl  4

#define EPERM   1
#define EINVAL  22
#define ENOSYS  38

#define PTE_TABLE   0x67ull     /* P RW US A D */
#define PTE_RO      0x65ull     /* P US A D */

/* A 64-bit store that may fault (#PF bounced): 1 if it did not. */
static int try_store(volatile uint64_t *p, uint64_t val)
{
    uint64_t before = pf_count;
    __asm__ __volatile__("lea 1f(%%rip), %%rax\n mov %%rax, pf_resume(%%rip)\n"
                         "mov %1, (%0)\n"
                         "1:\n" :: "r"(p), "r"(val) : "rax", "memory");
    return pf_count == before;
}

/* ---- #GP-guarded privileged instructions: 1 if no #GP was bounced ---- */

#define GP_GUARD_BEGIN "lea 1f(%%rip), %%r11\n mov %%r11, gp_resume(%%rip)\n"
#define GP_GUARD_END   "1:\n"

static int rdmsr_g(uint32_t msr, uint64_t *val)
{
    uint64_t before = gp_count;
    uint32_t lo = 0, hi = 0;
    __asm__ __volatile__(GP_GUARD_BEGIN "rdmsr\n" GP_GUARD_END
                         : "+a"(lo), "+d"(hi) : "c"(msr) : "r11", "memory");
    *val = (uint64_t)hi << 32 | lo;
    return gp_count == before;
}

static int wrmsr_g(uint32_t msr, uint64_t val)
{
    uint64_t before = gp_count;
    __asm__ __volatile__(GP_GUARD_BEGIN "wrmsr\n" GP_GUARD_END
                         :: "a"((uint32_t)val), "d"((uint32_t)(val >> 32)), "c"(msr) : "r11", "memory");
    return gp_count == before;
}

static void forced_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ __volatile__("ud2; .ascii \"xen\"; cpuid"
                         : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static uint64_t dbg_get(unsigned reg)
{
    return (uint64_t)hc(__HYPERVISOR_get_debugreg, reg, 0, 0, 0);
}

static long dbg_set(unsigned reg, uint64_t val)
{
    return hc(__HYPERVISOR_set_debugreg, reg, val, 0, 0);
}

#define SLOT_T  5ull
#define VA_T    (SLOT_T << 39)

static volatile uint64_t watch;

__attribute__((noinline)) static uint64_t bp_target(uint64_t x)
{
    __asm__ __volatile__("" ::: "memory");
    return x + 1;
}
static uint64_t fs_probe = 0x5a5a5a5a12345678ull;
static uint8_t iobuf[64];

static void test_ptwr(const struct start_info *si)
{
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    uint64_t n = si->nr_pages;
    uint64_t A = p2m[n - 1], B = p2m[n - 2], C = p2m[n - 3], D = p2m[n - 4], E = p2m[n - 5];
    uint64_t L4 = p2m[(si->pt_base - VIRT_BASE) >> 12];
    volatile uint64_t *l4 = (volatile uint64_t *)si->pt_base;      /* read-only mapping of the boot L4 */
    long rc;
    uint64_t x;

    const uint64_t fr[5] = { A, B, C, D, E };
    for (int i = 0; i < 5; i++)
        rc = ext1(MMUEXT_CLEAR_PAGE, fr[i], 0);
    /* C (L3)[0] -> B (L2)[0] -> A (L1); A[0] = D writable, A[2] = A read-only
     * (the L1 seen through itself), A[3] = B read-only. */
    rc = mmu1(C << 12, B << 12 | PTE_TABLE);
    rc |= mmu1(B << 12, A << 12 | PTE_TABLE);
    rc |= mmu1(A << 12, D << 12 | PTE_TABLE);
    rc |= mmu1(A << 12 | 2 * 8, A << 12 | PTE_RO);
    rc |= mmu1(A << 12 | 3 * 8, B << 12 | PTE_RO);
    rc |= ext1(MMUEXT_PIN_L1_TABLE, A, 0);
    rc |= ext1(MMUEXT_PIN_L2_TABLE, B, 0);
    rc |= ext1(MMUEXT_PIN_L3_TABLE, C, 0);
    check(rc == 0, "tree-pinned", "rc", (uint64_t)rc, 0);

    /* Without the assist: a store into the L4 is a #PF for the guest. */
    rc = hc(__HYPERVISOR_vm_assist, VMASST_CMD_disable, VMASST_TYPE_writable_pagetables, 0, 0);
    check(rc == 0, "vmassist-disable", "rc", (uint64_t)rc, 0);
    check(!try_store(&l4[SLOT_T], C << 12 | PTE_TABLE) && l4[SLOT_T] == 0, "ptwr-off-faults", "l4 entry",
          l4[SLOT_T], 0);
    check(pf_err == 3, "ptwr-off-pf-error-code", "error code", pf_err, 3);   /* P W; U cleared for the kernel */

    rc = hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_writable_pagetables, 0, 0);
    check(rc == 0, "vmassist-enable", "rc", (uint64_t)rc, 0);
    rc = hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable, 6, 0, 0);
    check(rc == -EINVAL, "vmassist-unknown-type", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable, 64, 0, 0);
    check(rc == -EINVAL, "vmassist-type-64", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_architectural_iopl, 0, 0);
    check(rc == -EINVAL, "vmassist-architectural-iopl-not-offered", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = hc(__HYPERVISOR_vm_assist, 7, VMASST_TYPE_writable_pagetables, 0, 0);
    check(rc == -ENOSYS, "vmassist-unknown-cmd", "rc", (uint64_t)rc, (uint64_t)-ENOSYS);
    rc = hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable, 32 /* m2p_strict */, 0, 0);
    check(rc == 0, "vmassist-m2p-strict", "rc", (uint64_t)rc, 0);
    /* XENVER_get_features as Xen gives it to a PV domU: preserve_ad,
     * highmem_assist, gnttab_map_avail_bits (Linux needs both), no HVM or
     * translated bits; pae_pgdir_above_4gb with VMASST pae_extended_cr3. */
    struct { uint32_t idx, map; } fi = { 0, 0 };
    rc = hc(__HYPERVISOR_xen_version, 6 /* XENVER_get_features */, (uint64_t)&fi, 0, 0);
    check(rc == 0 && (fi.map & 0xe0) == 0xe0 && !(fi.map & 0x30f), "xenver-features-pv", "submap", fi.map, 0x100e0);
    rc = hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable, 3 /* pae_extended_cr3 */, 0, 0);
    fi.map = 0;
    hc(__HYPERVISOR_xen_version, 6, (uint64_t)&fi, 0, 0);
    check(rc == 0 && (fi.map & 0x10), "xenver-features-pae-pgdir", "submap", fi.map, 0x100f0);

    /* The L4 (level 4): hook the tree in with a plain store of a
     * supervisor entry (no US, as Linux writes its kernel's): the
     * hypervisor sets US, as Xen does for a 64-bit guest, or the ring-3
     * kernel could not walk through it. */
    check(try_store(&l4[SLOT_T], C << 12 | 0x63), "ptwr-l4-store", "faulted", 1, 0);
    check((l4[SLOT_T] & ~0x60ull) == (C << 12 | (PTE_TABLE & ~0x60ull)), "ptwr-l4-entry-us-set", "entry",
          l4[SLOT_T], C << 12 | PTE_TABLE);
    volatile uint64_t *p0 = (volatile uint64_t *)VA_T;
    volatile uint64_t *a_va = (volatile uint64_t *)(VA_T + 2 * 4096);  /* the L1, read-only */
    volatile uint64_t *b_va = (volatile uint64_t *)(VA_T + 3 * 4096);  /* the L2, read-only */
    p0[5] = 0xfeedfacecafebeefull;
    check(p0[5] == 0xfeedfacecafebeefull, "tree-reachable", "value", p0[5], 0xfeedfacecafebeefull);

    /* MOV r64 into the L1. */
    check(try_store(&a_va[10], D << 12 | PTE_TABLE), "ptwr-mov-r64", "faulted", 1, 0);
    volatile uint64_t *p10 = (volatile uint64_t *)(VA_T + 10 * 4096);
    check(p10[5] == 0xfeedfacecafebeefull, "ptwr-mov-r64-mapping", "value", p10[5], 0xfeedfacecafebeefull);
    /* XCHG. */
    uint64_t v = D << 12 | PTE_RO;
    __asm__ __volatile__("xchg %0, (%1)" : "+r"(v) : "r"(&a_va[11]) : "memory");
    check(v == 0 && (a_va[11] & ~0x60ull) == (D << 12 | (PTE_RO & ~0x60ull)), "ptwr-xchg", "old", v, 0);
    int ok = try_read(VA_T + 11 * 4096 + 5 * 8, &x);
    check(ok && x == 0xfeedfacecafebeefull, "ptwr-xchg-mapping", "value", x, 0xfeedfacecafebeefull);
    /* LOCK CMPXCHG: first with the right expected value, then a wrong one. */
    uint64_t exp = 0, nv = D << 12 | PTE_TABLE;
    uint8_t zf;
    __asm__ __volatile__("lock cmpxchg %2, (%3)\n setz %1" : "+a"(exp), "=q"(zf) : "r"(nv), "r"(&a_va[12])
                         : "memory", "cc");
    check(zf == 1 && (a_va[12] & ~0x60ull) == (nv & ~0x60ull), "ptwr-cmpxchg-equal", "zf", zf, 1);
    exp = 0x1234;
    __asm__ __volatile__("lock cmpxchg %2, (%3)\n setz %1" : "+a"(exp), "=q"(zf) : "r"(0ull), "r"(&a_va[12])
                         : "memory", "cc");
    check(zf == 0 && (exp & ~0x60ull) == (nv & ~0x60ull) && (a_va[12] & ~0x60ull) == (nv & ~0x60ull),
          "ptwr-cmpxchg-differs", "rax", exp, nv);
    /* MOV imm32 (sign-extended 0): clears entry 10, its mapping goes. */
    __asm__ __volatile__("movq $0, (%0)" :: "r"(&a_va[10]) : "memory");
    ok = try_read(VA_T + 10 * 4096, &x);
    check(a_va[10] == 0 && !ok, "ptwr-mov-imm32-clear", "entry", a_va[10], 0);
    /* The L2 (level 2): entry 1 names the same L1, so VA_T + 2 MiB maps D too. */
    check(try_store(&b_va[1], A << 12 | PTE_TABLE), "ptwr-l2-store", "faulted", 1, 0);
    ok = try_read(VA_T + (2ull << 20) + 5 * 8, &x);
    check(ok && x == 0xfeedfacecafebeefull, "ptwr-l2-mapping", "value", x, 0xfeedfacecafebeefull);

    /* Parts of an entry (Xen merges them with the rest): a 4-byte store of
     * the low half into entry 14 (its high half is 0), then a 1-byte AND
     * clearing its A bit as Linux's fork clears RW ("andb $0xfd"). */
    {
        uint64_t before = pf_count;
        __asm__ __volatile__("movl %1, (%0)" :: "r"(&a_va[14]), "r"((uint32_t)(D << 12 | 0x65)) : "memory");
        ok = try_read(VA_T + 14 * 4096 + 5 * 8, &x);
        check(pf_count == before && a_va[14] == (D << 12 | 0x65) && ok && x == 0xfeedfacecafebeefull,
              "ptwr-4-byte-store-merged", "entry", a_va[14], D << 12 | 0x65);
        __asm__ __volatile__("andb $0xdf, (%0)" :: "r"(&a_va[14]) : "memory");
        check(pf_count == before && (a_va[14] & ~0x40ull) == (D << 12 | 0x05), "ptwr-1-byte-and-merged", "entry",
              a_va[14], D << 12 | 0x45);
    }

    /* Hostile writes: a #PF each, the entry unchanged. */
    uint64_t maxm = 0;
    for (uint64_t i = 0; i < n; i++)
        if (p2m[i] > maxm)
            maxm = p2m[i];
    uint64_t pf0 = pf_count;
    check(!try_store(&a_va[13], A << 12 | PTE_TABLE) && a_va[13] == 0, "ptwr-writable-self-map-refused", "entry",
          a_va[13], 0);
    check(!try_store(&a_va[13], (maxm + 0x1234) << 12 | PTE_RO) && a_va[13] == 0, "ptwr-foreign-frame-refused",
          "entry", a_va[13], 0);
    check(!try_store(&a_va[13], B << 12 | PTE_TABLE) && a_va[13] == 0, "ptwr-writable-l2-refused", "entry",
          a_va[13], 0);
    check(!try_store(&b_va[2], (D & ~511ull) << 12 | 0xe7) && b_va[2] == 0, "ptwr-l2-superpage-refused", "entry",
          b_va[2], 0);
    check(!try_store(&l4[260], C << 12 | PTE_TABLE), "ptwr-l4-hypervisor-slot-refused", "faulted", 0, 1);
    {
        /* A 4-byte store of a writable self-map into entry 13: merged with
         * the entry's other half (0) and refused whole. */
        uint64_t before = pf_count;
        __asm__ __volatile__("lea 1f(%%rip), %%rax\n mov %%rax, pf_resume(%%rip)\n"
                             "movl %1, (%0)\n1:\n" :: "r"(&a_va[13]), "r"((uint32_t)(A << 12 | PTE_TABLE))
                             : "rax", "memory");
        check(pf_count == before + 1 && a_va[13] == 0, "ptwr-4-byte-self-map-refused", "entry", a_va[13], 0);
    }
    check(pf_count == pf0 + 6 && pf_err == 3, "ptwr-hostile-bounced", "#PF count", pf_count - pf0, 6);
    check((a_va[11] & ~0x60ull) == (D << 12 | (PTE_RO & ~0x60ull)) && p0[5] == 0xfeedfacecafebeefull,
          "ptwr-hostile-changed-nothing", "entry 11", a_va[11], D << 12 | PTE_RO);

    /* Unhook from the L4 by a store again (the tree stays pinned: teardown). */
    ok = try_store(&l4[SLOT_T], 0);
    ok = ok && !try_read(VA_T, &x);
    check(ok, "ptwr-l4-unhook", "entry", l4[SLOT_T], 0);
    (void)L4;
}

static void test_cpuid(void)
{
    uint32_t r[4], h[4];

    forced_cpuid(0x40000000, 0, r);
    check(r[1] == 0x566e6558 && r[2] == 0x65584d4d && r[3] == 0x4d4d566e && r[0] >= 0x40000002,
          "forced-cpuid-signature", "ebx", r[1], 0x566e6558);
    forced_cpuid(0, 0, r);
    uint32_t a, b, c, d;
    __asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    check(r[1] == b && r[2] == c && r[3] == d, "forced-cpuid-vendor", "ebx", r[1], b);
    forced_cpuid(1, 0, h);
    check(!(h[2] & (1u << 5)) && !(h[2] & (1u << 21)) && !(h[3] & (1u << 9)) && (h[2] >> 31),
          "forced-cpuid-pv-masking", "leaf 1 ecx", h[2], h[2] & ~((1u << 5) | (1u << 21)));
    forced_cpuid(0x40000004, 0, r);
    check(!r[0] && !r[1] && !r[2] && !r[3], "forced-cpuid-hvm-leaf-empty", "eax", r[0], 0);
    /* Plain CPUID does not fault (no CPUID faulting): nothing bounced. */
    uint64_t gp0 = gp_count;
    __asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    check(gp_count == gp0, "plain-cpuid-native", "#GP", gp_count - gp0, 0);
}

#define MSR_EFER            0xc0000080u
#define MSR_FS_BASE         0xc0000100u
#define MSR_GS_BASE         0xc0000101u
#define MSR_SHADOW_GS_BASE  0xc0000102u

static void test_msr(void)
{
    uint64_t v, w;
    uint64_t gp0 = gp_count;

    check(wrmsr_g(MSR_FS_BASE, (uint64_t)&fs_probe), "wrmsr-fs-base", "#GP", 1, 0);
    check(rdmsr_g(MSR_FS_BASE, &v) && v == (uint64_t)&fs_probe, "rdmsr-fs-base", "value", v, (uint64_t)&fs_probe);
    __asm__ __volatile__("mov %%fs:0, %0" : "=r"(w));
    check(w == fs_probe, "fs-base-used", "value", w, fs_probe);
    check(wrmsr_g(MSR_FS_BASE, 0), "wrmsr-fs-base-0", "#GP", 1, 0);
    check(wrmsr_g(MSR_SHADOW_GS_BASE, 0x7000123000ull) && rdmsr_g(MSR_SHADOW_GS_BASE, &v) && v == 0x7000123000ull,
          "msr-shadow-gs-roundtrip", "value", v, 0x7000123000ull);
    check(rdmsr_g(MSR_GS_BASE, &w), "rdmsr-gs-base", "#GP", 1, 0);
    check(wrmsr_g(MSR_GS_BASE, 0x6000000000ull) && rdmsr_g(MSR_GS_BASE, &v) && v == 0x6000000000ull,
          "msr-gs-roundtrip", "value", v, 0x6000000000ull);
    wrmsr_g(MSR_GS_BASE, w);
    uint64_t efer;
    check(rdmsr_g(MSR_EFER, &efer) && (efer & 0x501) == 0x501, "rdmsr-efer", "value", efer, 0xd01);
    check(wrmsr_g(MSR_EFER, efer), "wrmsr-efer-same", "#GP", 1, 0);
    uint64_t t1, t2;
    check(rdmsr_g(0x10, &t1) && rdmsr_g(0x10, &t2) && t2 >= t1 && t1, "rdmsr-tsc", "tsc", t1, t2);
    check(rdmsr_g(0x277, &v) && v, "rdmsr-pat", "pat", v, 1);
    check(wrmsr_g(0x277, v), "wrmsr-pat-same", "#GP", 1, 0);
    uint64_t gp1 = gp_count;
    check(gp1 == gp0, "msr-allowed-no-gp", "#GP", gp1 - gp0, 0);
    /* Refused: #GP bounced to the handler, error code 0. */
    check(!wrmsr_g(0x277, v ^ 0x7), "wrmsr-pat-changed-gp", "no #GP", 0, 1);
    check(!wrmsr_g(MSR_EFER, efer & ~1ull), "wrmsr-efer-changed-gp", "no #GP", 0, 1);
    check(!rdmsr_g(0x1234, &v), "rdmsr-unknown-gp", "no #GP", 0, 1);
    check(!wrmsr_g(0x1234, 0), "wrmsr-unknown-gp", "no #GP", 0, 1);
    check(!rdmsr_g(0x1b, &v), "rdmsr-apic-base-gp", "no #GP", 0, 1);
    check(!rdmsr_g(0xc0000082u, &v), "rdmsr-lstar-gp", "no #GP", 0, 1);
    check(!wrmsr_g(MSR_FS_BASE, 0x0000900000000000ull), "wrmsr-fs-noncanonical-gp", "no #GP", 0, 1);
    check(!wrmsr_g(MSR_GS_BASE, 0xffff830000000000ull), "wrmsr-gs-hypervisor-gp", "no #GP", 0, 1);
    check(gp_count == gp1 + 8 && gp_err == 0, "msr-refusals-bounced", "#GP count", gp_count - gp1, 8);
}

static uint8_t inb_g(uint16_t port, int *ok)
{
    uint64_t before = gp_count;
    uint8_t v = 0x11;
    __asm__ __volatile__(GP_GUARD_BEGIN "inb %w1, %0\n" GP_GUARD_END : "+a"(v) : "Nd"(port) : "r11", "memory");
    *ok = gp_count == before;
    return v;
}

static void test_io(void)
{
    int ok;
    long rc;

    inb_g(0x80, &ok);
    check(!ok, "inb-without-iopl-gp", "no #GP", 0, 1);
    /* CLI/STI need no IOPL from the kernel (Linux runs a native CLI
     * before its Xen operations are installed). */
    uint64_t gpc = gp_count;
    __asm__ __volatile__("cli\n sti" ::: "memory");
    check(gp_count == gpc, "cli-sti-without-iopl", "#GP", gp_count - gpc, 0);
    struct { uint32_t iopl; } io = { 4 };
    rc = hc(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, (uint64_t)&io, 0, 0);
    check(rc == -EINVAL, "set-iopl-4-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    io.iopl = 1;
    rc = hc(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, (uint64_t)&io, 0, 0);
    check(rc == 0, "set-iopl-1", "rc", (uint64_t)rc, 0);
    rc = hc(__HYPERVISOR_physdev_op, 23 /* get_free_pirq */, (uint64_t)&io, 0, 0);
    check(rc == -ENOSYS, "physdev-get-free-pirq", "rc", (uint64_t)rc, (uint64_t)-ENOSYS);
    uint64_t gp0 = gp_count;
    uint8_t b = inb_g(0x71, &ok);
    check(ok && b == 0xff, "inb-all-ones", "value", b, 0xff);
    uint64_t a = 0x1122334455667788ull;
    __asm__ __volatile__("inw %%dx, %%ax" : "+a"(a) : "d"(0x3f8));
    check(a == 0x112233445566ffffull, "inw-dx-merges", "rax", a, 0x112233445566ffffull);
    a = 0x1122334455667788ull;
    __asm__ __volatile__("inl $0x60, %%eax" : "+a"(a));
    check(a == 0xffffffffull, "inl-zero-extends", "rax", a, 0xffffffffull);
    __asm__ __volatile__("outb %%al, $0x80\n outw %%ax, %%dx\n outl %%eax, %%dx" :: "a"(0x12345678), "d"(0x3f8));
    uint8_t *dst = iobuf;
    uint64_t cnt = 16;
    __asm__ __volatile__("cld\n rep insb" : "+D"(dst), "+c"(cnt) : "d"(0x60) : "memory");
    int all = 1;
    for (int i = 0; i < 16; i++)
        all &= iobuf[i] == 0xff;
    check(all && iobuf[16] == 0 && cnt == 0 && dst == iobuf + 16, "rep-insb", "rcx", cnt, 0);
    const uint8_t *src = iobuf;
    cnt = 8;
    __asm__ __volatile__("cld\n rep outsw" : "+S"(src), "+c"(cnt) : "d"(0x80) : "memory");
    check(cnt == 0 && src == iobuf + 16, "rep-outsw", "rsi advance", (uint64_t)(src - iobuf), 16);
    /* CLI/STI with IOPL: the upcall mask (no fault). */
    __asm__ __volatile__("cli\n sti" ::: "memory");
    __asm__ __volatile__("wbinvd" ::: "memory");
    check(gp_count == gp0, "io-cli-sti-wbinvd-emulated", "#GP", gp_count - gp0, 0);
}

static void test_cr(uint64_t l4_mfn)
{
    uint64_t v, gp0 = gp_count;

    __asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
    check((v & 0x80000001ull) == 0x80000001ull && !(v & 8), "mov-from-cr0", "cr0", v, 0x80000001);
    uint64_t cr0 = v;
    __asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
    check(v == l4_mfn << 12, "mov-from-cr3", "cr3", v, l4_mfn << 12);
    __asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
    check(v & 0x20, "mov-from-cr4-pae", "cr4", v, 0x20);
    uint64_t x;
    try_read(0x12340000ull, &x);                     /* a #PF: CR2 = the address */
    __asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
    check(v == 0x12340000ull, "mov-from-cr2", "cr2", v, 0x12340000ull);
    __asm__ __volatile__("mov %0, %%cr0" :: "r"(cr0 | 8));
    __asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
    check(v & 8, "mov-to-cr0-ts", "cr0", v, cr0 | 8);
    __asm__ __volatile__("clts");
    __asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
    check(!(v & 8), "clts", "cr0", v, cr0);
    check(gp_count == gp0, "cr-reads-no-gp", "#GP", gp_count - gp0, 0);
    __asm__ __volatile__(GP_GUARD_BEGIN "mov %0, %%cr0\n" GP_GUARD_END :: "r"(cr0 & ~0x10000ull) : "r11", "memory");
    check(gp_count == gp0 + 1, "mov-to-cr0-wp-gp", "#GP", gp_count - gp0, 1);
    __asm__ __volatile__(GP_GUARD_BEGIN "mov %0, %%cr3\n" GP_GUARD_END :: "r"(l4_mfn << 12) : "r11", "memory");
    check(gp_count == gp0 + 2, "mov-to-cr3-gp", "#GP", gp_count - gp0, 2);
    __asm__ __volatile__(GP_GUARD_BEGIN "mov %0, %%cr8\n" GP_GUARD_END :: "r"(0ull) : "r11", "memory");
    check(gp_count == gp0 + 3, "mov-to-cr8-gp", "#GP", gp_count - gp0, 3);
    /* HLT blocks as SCHEDOP_block (Xen): a single-shot timer already in
     * the past (no VCPU_SSHOTTMR_future: it fires at once) ends the wait. */
    struct vcpu_set_singleshot_timer st = { .timeout_abs_ns = 1, .flags = 0 };
    long rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (uint64_t)&st, 0);
    __asm__ __volatile__(GP_GUARD_BEGIN "hlt\n" GP_GUARD_END ::: "r11", "memory");
    check(rc == 0 && gp_count == gp0 + 3, "hlt-blocks", "#GP", gp_count - gp0, 3);
    __asm__ __volatile__(GP_GUARD_BEGIN "lidt (%0)\n" GP_GUARD_END :: "r"(&watch) : "r11", "memory");
    check(gp_count == gp0 + 4 && gp_err == 0, "unknown-privileged-gp", "#GP", gp_count - gp0, 4);
}

static void test_dr(void)
{
    long rc;
    uint64_t v;

    rc = dbg_set(0, (uint64_t)&watch);
    check(rc == 0 && dbg_get(0) == (uint64_t)&watch, "set-get-dr0", "dr0", dbg_get(0), (uint64_t)&watch);
    rc = dbg_set(1, 0xffff830000000000ull);
    check(rc == -EPERM, "dr1-hypervisor-range-refused", "rc", (uint64_t)rc, (uint64_t)-EPERM);
    rc = dbg_set(1, 0x0000800000000000ull);
    check(rc == -EPERM, "dr1-noncanonical-refused", "rc", (uint64_t)rc, (uint64_t)-EPERM);
    rc = dbg_set(7, 0x400 | 1ull << 13);
    check(rc == -EPERM, "dr7-gd-refused", "rc", (uint64_t)rc, (uint64_t)-EPERM);
    rc = dbg_set(7, 0x400 | 1 | 2ull << 16);
    check(rc == -EPERM, "dr7-io-breakpoint-refused", "rc", (uint64_t)rc, (uint64_t)-EPERM);
    rc = dbg_set(7, 1ull << 32);
    check(rc == -EPERM, "dr7-upper-half-refused", "rc", (uint64_t)rc, (uint64_t)-EPERM);
    rc = dbg_set(8, 0);
    check(rc == -EINVAL, "dr8-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    /* MOV DR from the kernel: emulated as set/get_debugreg. */
    uint64_t gp0 = gp_count;
    __asm__ __volatile__("mov %0, %%db1" :: "r"(0x1000ull));
    __asm__ __volatile__("mov %%db1, %0" : "=r"(v));
    check(v == 0x1000 && dbg_get(1) == 0x1000 && gp_count == gp0, "mov-dr1", "dr1", v, 0x1000);
    __asm__ __volatile__("mov %%db7, %0" : "=r"(v));
    check(v == 0x400, "mov-from-dr7", "dr7", v, 0x400);
    __asm__ __volatile__(GP_GUARD_BEGIN "mov %0, %%db2\n" GP_GUARD_END :: "r"(0xffff840000000000ull) : "r11", "memory");
    check(gp_count == gp0 + 1, "mov-dr2-hypervisor-gp", "#GP", gp_count - gp0, 1);
    /* Armed breakpoints (docs/pv.md "Debug registers and #DB"; pv_dbg.c
     * tests them in depth): a data one (L0 on watch, write, 8 bytes) fires
     * once on the store; an instruction one (G1 on bp_target, armed by
     * MOV DR7) once on the call; disarmed, nothing
     * fires. */
    uint64_t db0 = db_count;
    rc = dbg_set(7, 0x400 | 1 | 1ull << 16 | 3ull << 18);
    check(rc == 0 && dbg_get(7) == (0x400 | 1 | 1ull << 16 | 3ull << 18), "dr7-data-breakpoint-accepted", "rc",
          (uint64_t)rc, 0);
    watch = 1;
    __asm__ __volatile__("" ::: "memory");
    check(db_count == db0 + 1, "data-breakpoint-fires", "#DB count", db_count - db0, 1);
    __asm__ __volatile__("mov %0, %%db1" :: "r"((uint64_t)bp_target));
    __asm__ __volatile__(GP_GUARD_BEGIN "mov %0, %%db7\n" GP_GUARD_END :: "r"(0x408ull) : "r11", "memory");
    check(gp_count == gp0 + 1 && dbg_get(7) == 0x408, "mov-dr7-armed", "#GP", gp_count - gp0, 1);
    v = bp_target(41);
    check(v == 42 && db_count == db0 + 2, "insn-breakpoint-fires", "#DB count", db_count - db0, 2);
    __asm__ __volatile__("mov %0, %%db7" :: "r"(0x400ull));
    watch = 2;
    v = bp_target(41);
    __asm__ __volatile__("" ::: "memory");
    check(v == 42 && db_count == db0 + 2 && dbg_get(7) == 0x400, "disarmed-nothing-fires", "#DB count",
          db_count - db0, 2);
}

void pv_main(const struct start_info *si)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 1, 0, FLAT_KERNEL_CS, (uint64_t)db_handler },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 13, 0, FLAT_KERNEL_CS, (uint64_t)gp_handler },
        { 14, 0, FLAT_KERNEL_CS, (uint64_t)pf_handler },
        { 0, 0, 0, 0 },
    };
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;

    put("hello");
    flush();
    check(hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0) == 0, "set-trap-table", "rc", 0, 0);
    test_ptwr(si);
    test_cpuid();
    test_msr();
    test_io();
    test_cr(p2m[(si->pt_base - VIRT_BASE) >> 12]);
    test_dr();

    pv_finish();
}
