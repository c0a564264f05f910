/*
 * pv_mmu: the MMU hypercalls from a 64-bit PV kernel in its own domain
 * (docs/pv.md "MMU hypercalls"; entry and handlers: pv_entry.S, as
 * pv_hello).  With free frames of its own (the top of its RAM, outside
 * the builder's region):
 *  - CLEAR_PAGE, then an L3 -> L2 -> L1 -> data tree written with
 *    mmu_update into frames that are not tables yet, pinned bottom up
 *    (MMUEXT_PIN_L1/L2/L3_TABLE), hooked into the live L4 (slot 5) and a
 *    second mapping added to the pinned L1 through mmu_update; writes
 *    through one mapping read back through the other;
 *  - refusals (-EINVAL, nothing changed): a writable mapping of a pinned
 *    page-table frame (mmu_update and update_va_mapping), a made-up frame
 *    outside its allocation, an L2 superpage, an L4 hypervisor slot;
 *    update_va_mapping_otherdomain for another domain (-EPERM);
 *  - a 100,000-entry mmu_update batch (issue 14's hostile size) that
 *    completes (the hypervisor stops it every 1,000 checks, about 100
 *    times, and the guest re-issues it transparently), pdone = 100,000
 *    and every entry as the last of its 250 writes left them (the value
 *    alternates between rounds, so a round lost or replayed shows), read
 *    through a read-only linear mapping of the L1;
 *  - update_va_mapping with UVMF_INVLPG (local) and UVMF_INVLPG|UVMF_ALL:
 *    the next access sees the new frame, not a stale translation;
 *    TLB_FLUSH_ALL and INVLPG_MULTI;
 *  - set_gdt / update_descriptor: a GDT frame cannot be mapped writable,
 *    a call gate is refused;
 *  - NEW_BASEPTR to a new L4 that also maps the tree at slot 6: slot 6
 *    readable there, then back to the boot L4 where slot 6 faults (CR3
 *    really switched both ways);
 *  - guest pointers (request arrays, the GDT list) in the hypervisor's
 *    range, past the lower half or unmapped: -EFAULT; pdone there: ignored;
 *  - a pin whose validation the hypervisor stops and continues (an L3
 *    over 1,024 present L2 entries), left pinned for teardown;
 *  - unpin: a second unpin is -EINVAL; the former L2 takes plain writes.
 * Powers off when every check passed, crashes otherwise.
 */
#include "pv_lib.h"

void bp_handler(void), pf_handler(void), gp_handler(void);
void unexpected_0(void), unexpected_6(void);

#define MMU_NORMAL_PT_UPDATE    0
#define MMUEXT_PIN_L1_TABLE     0
#define MMUEXT_PIN_L2_TABLE     1
#define MMUEXT_PIN_L3_TABLE     2
#define MMUEXT_UNPIN_TABLE      4
#define MMUEXT_NEW_BASEPTR      5
#define MMUEXT_INVLPG_MULTI     9
#define MMUEXT_TLB_FLUSH_ALL    10
#define MMUEXT_CLEAR_PAGE       16
#define UVMF_INVLPG             2ull
#define UVMF_ALL                4ull

#define EPERM   1
#define EFAULT  14
#define EINVAL  22

#define PTE_TABLE   0x67ull     /* P RW US A D */
#define PTE_RO      0x65ull     /* P US A D */

static long uvm(uint64_t va, uint64_t val, uint64_t flags)
{
    return hc(__HYPERVISOR_update_va_mapping, va, val, flags, 0);
}

#define SLOT_T  5ull                        /* the test tree's L4 slot */
#define SLOT_N  6ull                        /* mapped only in the new L4 */
#define VA_T    (SLOT_T << 39)
#define VA_N    (SLOT_N << 39)
#define NBATCH  100000                      /* 1.6 MB of requests, in .bss */
#define BATCH_FIRST 8                       /* L1 entries the batch writes: 8 .. 8 + 399, 250 rounds */
#define BATCH_SPAN  400

static struct mmu_update batch[NBATCH];

void pv_main(const struct start_info *si)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 14, 0, FLAT_KERNEL_CS, (uint64_t)pf_handler },
        { 0, 0, 0, 0 },
    };
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    uint64_t n = si->nr_pages;
    long rc;

    put("hello");
    flush();
    check(hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0) == 0, "set-trap-table", "rc", 0, 0);

    /* Free frames: the top of RAM, far beyond the builder's region. */
    uint64_t A = p2m[n - 1], B = p2m[n - 2], C = p2m[n - 3], D = p2m[n - 4], E = p2m[n - 5];
    uint64_t F = p2m[n - 6], G = p2m[n - 7];
    uint64_t L4 = p2m[(si->pt_base - VIRT_BASE) >> 12];
    const uint64_t *l4 = (const uint64_t *)si->pt_base;    /* read-only mapping of the boot L4 */

    /* Clear them, in one batch. */
    struct mmuext_op clr[7];
    const uint64_t fr[7] = { A, B, C, D, E, F, G };
    for (int i = 0; i < 7; i++)
        clr[i] = (struct mmuext_op){ MMUEXT_CLEAR_PAGE, 0, fr[i], 0 };
    uint32_t done = 0;
    rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)clr, 7, (uint64_t)&done, DOMID_SELF);
    check(rc == 0 && done == 7, "clear-page", "rc/done", (uint64_t)rc, done);

    /* The tree, written while the frames are plain memory, then pinned. */
    rc = mmu1(C << 12, B << 12 | PTE_TABLE);
    rc |= mmu1(B << 12, A << 12 | PTE_TABLE);
    rc |= mmu1(A << 12, D << 12 | PTE_TABLE);
    check(rc == 0, "write-plain-frames", "rc", (uint64_t)rc, 0);
    rc = ext1(MMUEXT_PIN_L1_TABLE, A, 0);
    check(rc == 0, "pin-l1", "rc", (uint64_t)rc, 0);
    rc = ext1(MMUEXT_PIN_L2_TABLE, B, 0);
    check(rc == 0, "pin-l2", "rc", (uint64_t)rc, 0);
    rc = ext1(MMUEXT_PIN_L3_TABLE, C, 0);
    check(rc == 0, "pin-l3", "rc", (uint64_t)rc, 0);
    rc = ext1(MMUEXT_PIN_L3_TABLE, C, 0);
    check(rc == -EINVAL, "pin-twice-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = mmu1(L4 << 12 | SLOT_T * 8, C << 12 | PTE_TABLE);
    check(rc == 0, "hook-into-l4", "rc", (uint64_t)rc, 0);
    /* A second mapping of D through the pinned L1 (pgt_mod_entry). */
    rc = mmu1(A << 12 | 1 * 8, D << 12 | PTE_TABLE);
    check(rc == 0, "map-through-mmu-update", "rc", (uint64_t)rc, 0);
    volatile uint64_t *p0 = (volatile uint64_t *)VA_T, *p1 = (volatile uint64_t *)(VA_T + 4096);
    p0[3] = 0x1234567890abcdefull;
    check(p1[3] == 0x1234567890abcdefull, "write-read-alias", "value", p1[3], 0x1234567890abcdefull);
    p1[4] = 42;
    check(p0[4] == 42, "write-read-alias-2", "value", p0[4], 42);

    /* Refusals. */
    rc = mmu1(A << 12 | 2 * 8, B << 12 | PTE_TABLE);
    check(rc == -EINVAL, "writable-map-of-l2-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = uvm(VA_T + 2 * 4096, A << 12 | PTE_TABLE, 0);
    check(rc == -EINVAL, "uvm-writable-map-of-l1-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    /* A made-up frame: above every frame of the domain. */
    uint64_t maxm = 0;
    for (uint64_t i = 0; i < n; i++)
        if (p2m[i] > maxm)
            maxm = p2m[i];
    rc = mmu1(A << 12 | 2 * 8, (maxm + 0x1234) << 12 | PTE_TABLE);
    check(rc == -EINVAL, "foreign-frame-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = mmu1(A << 12 | 2 * 8, 0x3fffffffffull << 12 | PTE_RO);
    check(rc == -EINVAL, "frame-beyond-memory-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = mmu1((maxm + 0x1234) << 12, 0);
    check(rc == -EINVAL, "update-in-foreign-frame-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = mmu1(B << 12 | 1 * 8, (D & ~511ull) << 12 | 0xe7);
    check(rc == -EINVAL, "l2-superpage-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = mmu1(L4 << 12 | 256 * 8, C << 12 | PTE_TABLE);
    check(rc == -EINVAL, "l4-hypervisor-slot-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = mmu1(L4 << 12 | 270 * 8, 0);
    check(rc == -EINVAL, "l4-hypervisor-slot-clear-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    /* Domain 1: another domain (-EPERM) or, in a run where this is d1, its own id (-ESRCH, as Xen). */
    rc = hc(__HYPERVISOR_update_va_mapping_otherdomain, VA_T + 2 * 4096, D << 12 | PTE_RO, 0, 1);
    check(rc == -EPERM || rc == -3, "uvm-otherdomain-refused", "rc", (uint64_t)rc, (uint64_t)-EPERM);
    uint64_t x;
    unsigned m;
    check(p0[3] == 0x1234567890abcdefull && !try_read(VA_T + 2 * 4096, &x), "refusals-changed-nothing", "value",
          p0[3], 0x1234567890abcdefull);

    /* A read-only linear mapping of the L1 itself (entry 2): allowed. */
    rc = mmu1(A << 12 | 2 * 8, A << 12 | PTE_RO);
    check(rc == 0, "linear-ro-l1", "rc", (uint64_t)rc, 0);
    volatile const uint64_t *a_va = (volatile const uint64_t *)(VA_T + 2 * 4096);

    /* 100,000 requests in one call: continued by the hypervisor.  Round r
     * (i / BATCH_SPAN) writes entry k read-only or writable by the parity
     * of r + k: the final state is the last round's, only if every round
     * ran, in order. */
    for (unsigned i = 0; i < NBATCH; i++) {
        unsigned k = BATCH_FIRST + i % BATCH_SPAN, r = i / BATCH_SPAN;
        batch[i].ptr = A << 12 | k * 8 | MMU_NORMAL_PT_UPDATE;
        batch[i].val = D << 12 | (((r + k) & 1) ? PTE_TABLE : PTE_RO);
    }
    done = 0;
    rc = hc(__HYPERVISOR_mmu_update, (uint64_t)batch, NBATCH, (uint64_t)&done, DOMID_SELF);
    check(rc == 0 && done == NBATCH, "batch-100000", "rc/done", (uint64_t)rc << 32 | done, NBATCH);
    unsigned bad = 0;
    const unsigned last = (NBATCH - 1) / BATCH_SPAN;
    for (unsigned k = BATCH_FIRST; k < BATCH_FIRST + BATCH_SPAN; k++) {
        uint64_t want = D << 12 | (((last + k) & 1) ? PTE_TABLE : PTE_RO);
        if ((a_va[k] & ~0x60ull) != (want & ~0x60ull))
            bad++;
    }
    check(bad == 0, "batch-100000-entries", "wrong entries", bad, 0);
    /* Through the batch's last mappings (entry 9: round 249, read-only;
     * entry 8 writable): both reach D. */
    volatile uint64_t *p9 = (volatile uint64_t *)(VA_T + 9 * 4096);
    volatile uint64_t *p8 = (volatile uint64_t *)(VA_T + 8 * 4096);
    check(p9[3] == 0x1234567890abcdefull && p8[3] == 0x1234567890abcdefull, "batch-mapping-works", "value", p9[3],
          0x1234567890abcdefull);

    /* update_va_mapping with INVLPG: the next access sees the new frame. */
    rc = mmu1(F << 12 | 16, 0xf00df00dull);         /* F is plain memory: a plain write */
    check(rc == 0, "write-plain-F", "rc", (uint64_t)rc, 0);
    (void)p0[2];                                    /* D's translation in the TLB */
    rc = uvm(VA_T, F << 12 | PTE_TABLE, UVMF_INVLPG);
    check(rc == 0 && p0[2] == 0xf00df00dull, "uvm-invlpg-local", "value", p0[2], 0xf00df00dull);
    (void)p1[2];
    rc = uvm(VA_T + 4096, F << 12 | PTE_RO, UVMF_INVLPG | UVMF_ALL);
    check(rc == 0 && p1[2] == 0xf00df00dull, "uvm-invlpg-all", "value", p1[2], 0xf00df00dull);
    rc = ext1(MMUEXT_TLB_FLUSH_ALL, 0, 0);
    check(rc == 0, "tlb-flush-all", "rc", (uint64_t)rc, 0);
    uint64_t vmask = 1;
    rc = ext1(MMUEXT_INVLPG_MULTI, VA_T, (uint64_t)&vmask);
    check(rc == 0, "invlpg-multi", "rc", (uint64_t)rc, 0);

    /* Descriptor frames: G becomes a GDT frame (all zero: valid). */
    rc = hc(__HYPERVISOR_set_gdt, (uint64_t)&G, 16, 0, 0);
    check(rc == 0, "set-gdt", "rc", (uint64_t)rc, 0);
    rc = uvm(VA_T + 3 * 4096, G << 12 | PTE_TABLE, UVMF_INVLPG);
    check(rc == -EINVAL, "gdt-frame-writable-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = hc(__HYPERVISOR_update_descriptor, G << 12 | 8, 0x00cf93000000ffffull, 0, 0);
    check(rc == 0, "update-descriptor-data", "rc", (uint64_t)rc, 0);
    rc = hc(__HYPERVISOR_update_descriptor, G << 12 | 16, 0x0000ec0000080000ull, 0, 0);   /* a call gate */
    check(rc == -EINVAL, "update-descriptor-gate-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = hc(__HYPERVISOR_set_gdt, 0, 0, 0, 0);
    check(rc == 0, "set-gdt-empty", "rc", (uint64_t)rc, 0);

    /* Guest pointers: only through its own page walk, never the
     * hypervisor's range; an unwritable pdone is ignored (as Xen). */
    rc = hc(__HYPERVISOR_mmu_update, 0xffff830000001000ull, 1, 0, DOMID_SELF);
    check(rc == -EFAULT, "reqs-in-hypervisor-range", "rc", (uint64_t)rc, (uint64_t)-EFAULT);
    rc = hc(__HYPERVISOR_mmu_update, 0x00007ffffffff000ull, 0x1000, 0, DOMID_SELF);
    check(rc == -EFAULT, "reqs-past-lower-half", "rc", (uint64_t)rc, (uint64_t)-EFAULT);
    rc = hc(__HYPERVISOR_mmuext_op, VA_T + 500 * 4096, 1, 0, DOMID_SELF);    /* past the batch's entries */
    check(rc == -EFAULT, "ops-unmapped", "rc", (uint64_t)rc, (uint64_t)-EFAULT);
    rc = hc(__HYPERVISOR_set_gdt, 0xffff830000000000ull, 16, 0, 0);
    check(rc == -EFAULT, "gdt-list-in-hypervisor-range", "rc", (uint64_t)rc, (uint64_t)-EFAULT);
    batch[0] = (struct mmu_update){ F << 12 | 24, 7 };
    rc = hc(__HYPERVISOR_mmu_update, (uint64_t)batch, 1, 0xffff830000000000ull, DOMID_SELF);
    check(rc == 0, "pdone-in-hypervisor-range-ignored", "rc", (uint64_t)rc, 0);
    rc = uvm(0xffff830000000000ull, D << 12 | PTE_RO, 0);
    check(rc == -EINVAL, "uvm-hypervisor-va", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = ext1(7 /* MMUEXT_INVLPG_LOCAL */, 0xffff830000000000ull, 0);
    check(rc == 0, "invlpg-hypervisor-va-ignored", "rc", (uint64_t)rc, 0);

    /* A pin whose validation is stopped and continued: an L3 (J) naming two
     * L2s (H, I) of 512 entries each, all naming the pinned L1 A: more
     * checks than one call may make.  Left pinned and hooked at slot 7 for
     * the domain's teardown to drop. */
    uint64_t H = p2m[n - 8], I = p2m[n - 9], J = p2m[n - 10];
    struct mmuext_op clr3[3] = { { MMUEXT_CLEAR_PAGE, 0, H, 0 }, { MMUEXT_CLEAR_PAGE, 0, I, 0 },
                                 { MMUEXT_CLEAR_PAGE, 0, J, 0 } };
    rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)clr3, 3, 0, DOMID_SELF);
    m = 0;
    for (unsigned i = 0; i < 512; i++) {
        batch[m++] = (struct mmu_update){ H << 12 | i * 8, A << 12 | PTE_TABLE };
        batch[m++] = (struct mmu_update){ I << 12 | i * 8, A << 12 | PTE_TABLE };
    }
    batch[m++] = (struct mmu_update){ J << 12, H << 12 | PTE_TABLE };
    batch[m++] = (struct mmu_update){ J << 12 | 8, I << 12 | PTE_TABLE };
    done = 0;
    rc |= hc(__HYPERVISOR_mmu_update, (uint64_t)batch, m, (uint64_t)&done, DOMID_SELF);
    check(rc == 0 && done == m, "deep-tree-written", "rc/done", (uint64_t)rc << 32 | done, m);
    rc = ext1(MMUEXT_PIN_L3_TABLE, J, 0);
    check(rc == 0, "deep-pin-continued", "rc", (uint64_t)rc, 0);
    rc = mmu1(L4 << 12 | 7 * 8, J << 12 | PTE_TABLE);
    check(rc == 0, "deep-tree-hooked", "rc", (uint64_t)rc, 0);
    /* slot 7, J[1] = I, I[300] = A, A[1] = the frame p1 maps. */
    int ok = try_read((7ull << 39) + (1ull << 30) + (300ull << 21) + 4096 + 16, &x);
    check(ok && x == p1[2], "deep-tree-read", "value", x, p1[2]);

    /* NEW_BASEPTR: E = the boot L4's guest slots plus slot 6. */
    struct mmu_update cp[512];
    m = 0;
    for (unsigned i = 0; i < 512; i++)
        if ((l4[i] & 1) && (i < 256 || i > 271))
            cp[m++] = (struct mmu_update){ E << 12 | i * 8, l4[i] };
    cp[m++] = (struct mmu_update){ E << 12 | SLOT_N * 8, C << 12 | PTE_TABLE };
    rc = hc(__HYPERVISOR_mmu_update, (uint64_t)cp, m, 0, DOMID_SELF);
    check(rc == 0, "write-new-l4", "rc", (uint64_t)rc, 0);
    check(!try_read(VA_N, &x), "slot6-absent-before", "readable", 1, 0);
    rc = ext1(MMUEXT_NEW_BASEPTR, E, 0);
    check(rc == 0, "new-baseptr", "rc", (uint64_t)rc, 0);
    /* Entry 1 maps F since the update_va_mapping checks. */
    ok = try_read(VA_N + 4096 + 16, &x);
    check(ok && x == 0xf00df00dull, "new-baseptr-slot6-readable", "value", x, 0xf00df00dull);
    rc = ext1(MMUEXT_NEW_BASEPTR, L4, 0);
    check(rc == 0, "new-baseptr-back", "rc", (uint64_t)rc, 0);
    check(!try_read(VA_N + 4096, &x), "back-slot6-absent", "readable", 1, 0);
    check(p0[2] == 0xf00df00dull, "back-slot5-works", "value", p0[2], 0xf00df00dull);

    /* Unpin, bottom-up order does not matter: the L4 entry still holds C. */
    rc = mmu1(L4 << 12 | SLOT_T * 8, 0);
    check(rc == 0, "unhook-from-l4", "rc", (uint64_t)rc, 0);
    check(!try_read(VA_T, &x), "unhooked-faults", "readable", 1, 0);
    rc = ext1(MMUEXT_UNPIN_TABLE, C, 0);
    rc |= ext1(MMUEXT_UNPIN_TABLE, B, 0);
    rc |= ext1(MMUEXT_UNPIN_TABLE, A, 0);
    check(rc == 0, "unpin", "rc", (uint64_t)rc, 0);
    rc = ext1(MMUEXT_UNPIN_TABLE, B, 0);
    check(rc == -EINVAL, "unpin-twice-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    /* B is plain memory again: an entry no table would accept is just stored. */
    rc = mmu1(B << 12 | 5 * 8, (maxm + 0x1234) << 12 | PTE_TABLE);
    check(rc == 0, "unpinned-frame-plain-again", "rc", (uint64_t)rc, 0);

    pv_finish();
}
