/*
 * pv32_ptwr: the writable-page-table assist for a 32-bit PV kernel (ring
 * 1, compat mode; docs/pv.md "The writable-page-table assist").  With
 * VMASST_TYPE_writable_pagetables enabled, the kernel writes the PAE
 * entries of a pinned L1 (hooked into its L2 at 0xe0000000) through its
 * read-only mapping: two 32-bit MOVs (high half, then low), LOCK
 * CMPXCHG8B (equal and unequal), and reads the pages it mapped.  Hostile
 * writes are refused with the #PF delivered and nothing mapped: a
 * writable mapping of the L1 itself, a frame the domain does not own, a
 * low half that would complete an entry naming a frame beyond RAM.  A
 * high half written first that makes a present entry invalid is stored
 * not present (Xen's rule for PAE kernels).  A store through FS (a
 * guest GDT segment with a base) with 16-bit addressing.
 */
#include "pv32_lib.h"

#define VMASST_CMD_enable               0
#define VMASST_TYPE_writable_pagetables 2
#define WIN                             0xe0000000u     /* what the test L1 maps */

static const struct start_info32 *si;
/* A GDT of one data segment (selector 0x09): base the L1's 64 KiB
 * region, limit 0xffff, for a store with 16-bit addressing and FS. */
static uint64_t gdt_page[512] __attribute__((aligned(4096)));
#define HC_set_gdt 2

/* One 32-bit store to *p; false if it faulted (the #PF reached us). */
static int try_store32(volatile uint32_t *p, uint32_t v)
{
    uint32_t before = pf_count;
    __asm__ __volatile__("movl $1f, pf_resume\n movl %1, (%0)\n 1:" :: "r"(p), "r"(v) : "memory");
    return pf_count == before;
}

/* A 32-bit load; false if it faulted. */
static int try_load32(volatile uint32_t *p, uint32_t *out)
{
    uint32_t before = pf_count, v = 0xffffffffu;
    __asm__ __volatile__("movl $1f, pf_resume\n movl (%1), %0\n 1:" : "+r"(v) : "r"(p) : "memory");
    *out = v;
    return pf_count == before;
}

/* LOCK CMPXCHG8B on *p: 1 if it held *expect (then it holds val), else 0
 * with *expect the entry. */
static int cmpxchg8b(volatile uint64_t *p, uint64_t *expect, uint64_t val)
{
    uint8_t ok;
    __asm__ __volatile__("lock cmpxchg8b %1\n setz %0"
                         : "=q"(ok), "+m"(*p), "+A"(*expect)
                         : "b"((uint32_t)val), "c"((uint32_t)(val >> 32))
                         : "memory");
    return ok;
}

void pv32_main(const struct start_info32 *start)
{
    long r;
    uint32_t got = 0;
    int ld;
    si = start;
    put("pv32_ptwr: writable page tables from ring 1");
    flush();

    static struct trap_info32 traps[] = {
        { 14, 0, FLAT_RING1_CS, 0 },
        { 0, 0, 0, 0 },
    };
    traps[0].address = (uint32_t)pf_entry;
    check(hc(HC_set_trap_table, (uint32_t)traps, 0, 0, 0) == 0, "set-trap-table", "ret", 0, 0);

    r = hc(HC_vm_assist, VMASST_CMD_enable, VMASST_TYPE_writable_pagetables, 0, 0);
    check(r == 0, "vm-assist-writable-pagetables", "ret", (uint32_t)r, 0);

    /* Padding pages after the boot stack: an L1 and two data pages. */
    uint32_t pad = si->pt_base + (si->nr_pt_frames + 16) * 4096;
    uint32_t l1va = pad, d1 = pad + 4096, d2 = pad + 8192;
    uint32_t l1 = pv32_mfn_of(si, l1va), m1 = pv32_mfn_of(si, d1), m2 = pv32_mfn_of(si, d2);
    volatile uint32_t *e32 = (volatile uint32_t *)l1va;
    volatile uint64_t *e64 = (volatile uint64_t *)l1va;
    for (unsigned i = 0; i < 1024; i++)
        e32[i] = 0;
    *(volatile uint32_t *)d1 = 0x5eed1234;
    *(volatile uint32_t *)d2 = 0xabcdef01;
    r = hc(HC_update_va_mapping, l1va, (l1 << 12) | 0x21, 0, UVMF_INVLPG);
    struct mmuext_op32 op = { MMUEXT_PIN_L1_TABLE, l1, 0 };
    r |= hc(HC_mmuext_op, (uint32_t)&op, 1, 0, 0x7ff0 /* DOMID_SELF */);
    /* Hooked into the L2 of the top GiB (L3 entry 3) at WIN. */
    uint64_t l3e3 = ((volatile uint64_t *)si->pt_base)[3];
    struct mmu_update u = { (l3e3 & 0xfffff000ull) + ((WIN - VIRT_BASE) >> 21) * 8, ((uint64_t)l1 << 12) | 0x27 };
    r |= hc(HC_mmu_update, (uint32_t)&u, 1, 0, 0x7ff0);
    check(r == 0, "l1-pinned-and-hooked", "ret", (uint32_t)r, 0);
    uint32_t pf0 = pf_count;

    /* 1. Two 32-bit MOVs, high half first, then the low half (P RW). */
    __asm__ __volatile__("movl %1, 4(%0)\n movl %2, (%0)" :: "r"(&e32[0]), "r"(0u), "r"((m1 << 12) | 0x23)
                         : "memory");
    check(e64[0] == (((uint64_t)m1 << 12) | 0x23) && pf_count == pf0, "ptwr32-two-movs", "entry", e64[0],
          ((uint64_t)m1 << 12) | 0x23);
    ld = try_load32((volatile uint32_t *)WIN, &got);
    check(ld && got == 0x5eed1234, "ptwr32-mapped-read", "value", got,
          0x5eed1234);
    *(volatile uint32_t *)(WIN + 4) = 0x600d600d;
    check(*(volatile uint32_t *)(d1 + 4) == 0x600d600d, "ptwr32-mapped-write", "value",
          *(volatile uint32_t *)(d1 + 4), 0x600d600d);

    /* 2. LOCK CMPXCHG8B: 0 -> d2 read-only; then unequal (no write). */
    uint64_t expect = 0, want = ((uint64_t)m2 << 12) | 0x21;
    int ok = cmpxchg8b(&e64[1], &expect, want);
    check(ok && e64[1] == want && pf_count == pf0, "ptwr32-cmpxchg8b", "entry", e64[1], want);
    ld = try_load32((volatile uint32_t *)(WIN + 4096), &got);
    check(ld && got == 0xabcdef01, "ptwr32-cmpxchg8b-mapped-read",
          "value", got, 0xabcdef01);
    expect = 0;
    ok = cmpxchg8b(&e64[1], &expect, 0);
    check(!ok && expect == want && e64[1] == want, "ptwr32-cmpxchg8b-unequal", "edx:eax", expect, want);
    check(!try_store32((volatile uint32_t *)(WIN + 4096), 1) && pf_err == 3, "ptwr32-read-only-mapping",
          "err", pf_err, 3);

    /* 3. Hostile: the L1 mapped writable (through its own entry 2). */
    uint32_t pf1 = pf_count;
    check(!try_store32(&e32[4], (l1 << 12) | 0x23) && pf_count == pf1 + 1 && pf_err == 3 &&
              pf_eip != 0 && e64[2] == 0, "ptwr32-writable-table-refused", "entry", e64[2], 0);
    ld = try_load32((volatile uint32_t *)(WIN + 2 * 4096), &got);
    check(!ld, "ptwr32-writable-table-nothing-mapped", "value",
          got, 0);
    /* ... the frame the domain's L3 is in, writable: refused too. */
    check(!try_store32(&e32[4], (pv32_mfn_of(si, si->pt_base) << 12) | 0x23) && e64[2] == 0,
          "ptwr32-writable-l3-refused", "entry", e64[2], 0);

    /* 4. Hostile: a frame the domain does not own (machine frame 1). */
    check(!try_store32(&e32[6], (1u << 12) | 0x23) && e64[3] == 0, "ptwr32-foreign-frame-refused", "entry", e64[3],
          0);
    ld = try_load32((volatile uint32_t *)(WIN + 3 * 4096), &got);
    check(!ld, "ptwr32-foreign-nothing-mapped", "value", got, 0);

    /* 5. Xen's PAE rule: entry 0 (present, d1) gets a high half naming
     * a frame beyond RAM first: stored not present, no fault; the low
     * half cannot make it present; a good high half, then the low one
     * does. */
    uint32_t pf2 = pf_count;
    uint64_t before = e64[0];       /* d1, P RW A, D from the write above */
    uint64_t bad = (1ull << 32) | (before & ~1ull);
    ok = try_store32(&e32[1], 1);
    uint64_t now = e64[0];
    check(ok && now == bad && pf_count == pf2 && (before & 0xfffff001u) == ((m1 << 12) | 1),
          "ptwr32-high-half-first-not-present", "entry", now, bad);
    ld = try_load32((volatile uint32_t *)WIN, &got);
    check(!ld && (pf_err & 1) == 0, "ptwr32-high-half-unmapped", "err",
          pf_err, 0);
    ok = try_store32(&e32[0], (m1 << 12) | 0x23);
    now = e64[0];
    check(!ok && now == bad, "ptwr32-low-half-bad-entry-refused", "entry", now, bad);
    ok = try_store32(&e32[1], 0) && try_store32(&e32[0], (m2 << 12) | 0x23);
    now = e64[0];
    check(ok && now == (((uint64_t)m2 << 12) | 0x23), "ptwr32-halves-remap", "entry", now, ((uint64_t)m2 << 12) | 0x23);
    ld = try_load32((volatile uint32_t *)WIN, &got);
    check(ld && got == 0xabcdef01, "ptwr32-remapped-read", "value", got,
          0xabcdef01);

    /* 6. Compat addressing: FS = a guest segment based at the L1's 64
     * KiB region, 67 (16-bit addressing through BX; EBX's top half is
     * garbage): the linear address is base + BX. */
    uint32_t base = l1va & ~0xffffu;
    gdt_page[1] = (uint64_t)((base & 0xffff) << 16 | 0xffff) |
                  (uint64_t)(((base >> 16) & 0xff) | 0xb3u << 8 | 0x4u << 20 | (base >> 24) << 24) << 32;
    r = hc(HC_update_va_mapping,
           (uint32_t)gdt_page, (pv32_mfn_of(si, (uint32_t)gdt_page) << 12) | 0x21, 0, UVMF_INVLPG);
    uint32_t gf[1] = { pv32_mfn_of(si, (uint32_t)gdt_page) };
    r = r ? r : hc(HC_set_gdt, (uint32_t)gf, 16, 0, 0);
    check(r == 0, "set-gdt-fs-segment", "ret", (uint32_t)r, 0);
    uint16_t fs0;
    uint32_t pf3 = pf_count;
    __asm__ __volatile__("mov %%fs, %0" : "=r"(fs0));
    __asm__ __volatile__("mov %0, %%fs\n movl $1f, pf_resume\n"
                         ".byte 0x64, 0x67, 0x89, 0x0f\n"     /* mov %ecx,%fs:(%bx) */
                         "1: mov %3, %%fs"
                         :: "r"(0x09), "b"(0xdead0000u | ((l1va & 0xffff) + 5 * 8)), "c"((m1 << 12) | 0x21),
                            "r"((uint32_t)fs0)
                         : "memory");
    now = e64[5];
    check(now == (((uint64_t)m1 << 12) | 0x21) && pf_count == pf3, "ptwr32-fs-base-addr16", "entry", now,
          ((uint64_t)m1 << 12) | 0x21);
    ld = try_load32((volatile uint32_t *)(WIN + 5 * 4096), &got);
    check(ld && got == 0x5eed1234, "ptwr32-fs-base-mapped-read", "value", got, 0x5eed1234);

    pv32_finish();
}
