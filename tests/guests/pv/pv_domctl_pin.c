/*
 * pv_domctl's foreign pins (included by pv_domctl.c, which defines the
 * helpers used here; one translation unit per PV test kernel): the
 * control domain pins and unpins the page tables of a PV domain it
 * builds, as Xen 4.17's libxenguest does (restore and the PV builder pin
 * L1-L4 tables in batches).  pv/pv_ctl.c pv_foreign_mmuext: any level,
 * batches of any count, preempted and continued as the guest's own MMU
 * calls; docs/toolstack.md "Building a PV domain from dom0".
 *
 * Hostile: a tree whose last L1 entry names a frame of ours (the pin
 * fails after preemptions, and every table it had validated is plain
 * memory again); unpin of tables never pinned; pins naming one domain
 * with another's frame; a batch failing part-way after continuations
 * (pdone counts the ones done across them).  Good: the same tree pinned
 * (its validation preempted: ~2,050 entries of levels 2-4 against a
 * budget of 1,000 checks per call), L1/L2/L3 pins, a batch of 3,000 pin/unpin
 * operations.  The continuations themselves are counted by the
 * hypervisor ("continuations of foreign mmuext_op" on this vCPU's line,
 * required by the ctest).
 */

#define PIN_L1_CMD  0           /* public/xen.h mmuext_op commands */
#define PIN_L2_CMD  1
#define PIN_NL2     4           /* L2 tables of the tree: 4 x 512 entries, each a preemption check */
#define PIN_BATCH   3000
#define PTE_TABLE   0x27ull     /* P RW US A: an upper entry naming a table */
#define PTE_RO      0x25ull     /* P US A: a read-only mapping */

/* Frames of the pinned domain: tree (L4, L3, L2 x PIN_NL2, L1), the data
 * frame the L1 maps, three empty ones for the L1/L2/L3 pins. */
enum { F_L4, F_L3, F_L2, F_L1 = F_L2 + PIN_NL2, F_DATA, F_B1, F_B2, F_B3, F_NR };

static struct mmuext_op pin_ops[PIN_BATCH];
static uint64_t pin_ma, pin_old;

/* Frame mfn of domain d mapped writable at scratch (by MFN, naming d):
 * the mapping's rc (-EINVAL while the frame is a page table). */
static long pin_map(uint16_t d, uint64_t mfn)
{
    pin_ma = l1e_maddr((uint64_t)scratch);
    pin_old = l1e_read(pin_ma);
    struct mmu_update m = { pin_ma, (pin_old & ~PTE_ADDR) | (mfn << 12) };
    return hc(__HYPERVISOR_mmu_update, (uint64_t)&m, 1, 0, d);
}

static long pin_unmap(void)
{
    return mmu1(pin_ma, pin_old);
}

/* Frame mfn of d: entries 0..n-1 'val' (or vals[i] if vals), the rest 0,
 * then entry 'at' (< 512) 'atval'.  0, or the first failing rc. */
static long pin_fill(uint16_t d, uint64_t mfn, const uint64_t *vals, unsigned n, uint64_t val, unsigned at,
                     uint64_t atval)
{
    long rc = pin_map(d, mfn);
    if (rc)
        return rc;
    volatile uint64_t *e = (volatile uint64_t *)scratch;
    for (unsigned i = 0; i < 512; i++)
        e[i] = i < n ? (vals ? vals[i] : val) : 0;
    if (at < 512)
        e[at] = atval;
    return pin_unmap();
}

/* A batch of n operations from pin_ops naming d; *done from pdone. */
static long pin_batch(uint16_t d, unsigned n, uint32_t *done)
{
    static uint32_t pdone;
    pdone = 0xdeadbeef;
    long rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)pin_ops, n, (uint64_t)&pdone, d);
    *done = pdone;
    return rc;
}

/* "foreign pins: <what> took (us) 0x..." (measured, not checked: timing under TCG). */
static void pin_show_us(const char *what, uint64_t t0)
{
    uint64_t us = (rdtsc_() - t0) * 1000 / (khz ? khz : 1);
    put("foreign pins: ");
    put(what);
    put(" took (us) ");
    put_hex(us);
    flush();
}

static void foreign_pins(void)
{
    uint64_t free0 = free_pages();
    uint64_t own = (l1e_read(l1e_maddr((uint64_t)scratch)) & PTE_ADDR) >> 12;  /* a frame of ours */
    static uint64_t f[F_NR];
    uint32_t done;

    uint16_t d = create_pv_domu("pin-create", 1);
    for (unsigned i = 0; i < F_NR; i++)
        f[i] = i;
    static const char *const fill[2] = { "pin-max-mem", "pin-populate" };
    fill_pv_domu(d, f, F_NR, fill);

    /* The tree: L4[0] -> L3[0..3] -> four L2s whose 512 entries all name
     * one L1, which maps the data frame read-only in all its entries
     * (validation checks for preemption between entries of levels 2-4:
     * about 2,050 checks).  The last L2's last entry names a frame of
     * ours (not the domain's) as an L1: bad. */
    static uint64_t l3e[PIN_NL2];
    long rc = 0;
    for (unsigned k = 0; k < PIN_NL2; k++) {
        l3e[k] = f[F_L2 + k] << 12 | PTE_TABLE;
        rc |= pin_fill(d, f[F_L2 + k], 0, 512, f[F_L1] << 12 | PTE_TABLE, k == PIN_NL2 - 1 ? 511 : 512,
                       own << 12 | PTE_TABLE);
    }
    rc |= pin_fill(d, f[F_L1], 0, 512, f[F_DATA] << 12 | PTE_RO, 512, 0);
    rc |= pin_fill(d, f[F_L3], l3e, PIN_NL2, 0, 512, 0);
    rc |= pin_fill(d, f[F_L4], 0, 1, f[F_L3] << 12 | PTE_TABLE, 512, 0);
    rc |= pin_fill(d, f[F_DATA], 0, 0, 0, 512, 0);
    eq("pin-tree-written", rc, 0);

    /* The bad tree: refused after its validation was continued; every
     * table it validated (the L1, the first three L2s, the L3) is plain
     * memory again (mappable writable), the L4 not pinned. */
    pin_ops[0] = (struct mmuext_op){ MMUEXT_PIN_L4, 0, f[F_L4], 0 };
    uint64_t t0 = rdtsc_();
    eq("pin-bad-entry-deep", pin_batch(d, 1, &done), -EINVAL);
    pin_show_us("pin of the bad tree", t0);
    check(done == 0, "pin-bad-entry-done", "done", done, 0);
    unsigned plain = 0;
    for (unsigned i = F_L4; i < F_DATA; i++)
        plain += pin_map(d, f[i]) == 0 && pin_unmap() == 0;
    check(plain == F_DATA, "pin-bad-entry-unwound", "tables writable again", plain, F_DATA);
    eq("pin-bad-not-pinned", ext_on(d, MMUEXT_UNPIN, f[F_L4], 1), -EINVAL);

    /* Fixed: pinned (preempted on the way), its tables typed (a writable
     * mapping of the last L2 refused), pinned once only. */
    eq("pin-tree-fixed", pin_fill(d, f[F_L2 + PIN_NL2 - 1], 0, 512, f[F_L1] << 12 | PTE_TABLE, 512, 0), 0);
    t0 = rdtsc_();
    eq("pin-l4-tree", pin_batch(d, 1, &done), 0);
    pin_show_us("pin of the good tree", t0);
    check(done == 1, "pin-l4-tree-done", "done", done, 1);
    eq("pin-l4-tree-typed", pin_map(d, f[F_L2 + PIN_NL2 - 1]), -EINVAL);
    eq("pin-l4-tree-again", ext_on(d, MMUEXT_PIN_L4, f[F_L4], 1), -EINVAL);

    /* Unpin of tables that are not pinned (an L1 of the pinned tree, the
     * data frame, a frame past the frame table). */
    eq("unpin-not-pinned-l1", ext_on(d, MMUEXT_UNPIN, f[F_L1], 1), -EINVAL);
    eq("unpin-not-pinned-data", ext_on(d, MMUEXT_UNPIN, f[F_DATA], 1), -EINVAL);
    eq("unpin-bad-frame", ext_on(d, MMUEXT_UNPIN, ~0ull >> 12, 1), -EINVAL);

    /* Another domain's frames: a second built domain's frame pinned
     * naming the first and the reverse, ours naming it: -EINVAL; the
     * second domain's own frame as an L1 naming it: 0. */
    uint64_t free_b = free_pages();
    uint16_t d2 = create_pv_domu("pin-create-2", 1);
    static uint64_t g[1] = { 0 };
    static const char *const fill2[2] = { "pin-max-mem-2", "pin-populate-2" };
    fill_pv_domu(d2, g, 1, fill2);
    eq("pin-other-domains-frame", ext_on(d, PIN_L1_CMD, g[0], 1), -EINVAL);
    eq("pin-other-domains-frame-rev", ext_on(d2, PIN_L1_CMD, f[F_B1], 1), -EINVAL);
    eq("pin-our-frame", ext_on(d2, PIN_L1_CMD, own, 1), -EINVAL);
    eq("pin-l1-second", ext_on(d2, PIN_L1_CMD, g[0], 1), 0);
    eq("unpin-l1-second", ext_on(d2, MMUEXT_UNPIN, g[0], 1), 0);
    static const char *const gone2[3] = { "pin-destroy-2", "pin-gone-2", "pin-frames-back-2" };
    destroy_all_back(d2, free_b, gone2);

    /* L1, L2 and L3 pins (empty frames), then unpinned. */
    pin_ops[0] = (struct mmuext_op){ PIN_L1_CMD, 0, f[F_B1], 0 };
    pin_ops[1] = (struct mmuext_op){ PIN_L2_CMD, 0, f[F_B2], 0 };
    pin_ops[2] = (struct mmuext_op){ MMUEXT_PIN_L3, 0, f[F_B3], 0 };
    eq("pin-l1-l2-l3", pin_batch(d, 3, &done), 0);
    eq("pin-l1-l2-l3-typed", pin_map(d, f[F_B2]), -EINVAL);
    for (unsigned i = 0; i < 3; i++)
        pin_ops[i] = (struct mmuext_op){ MMUEXT_UNPIN, 0, f[F_B1 + i], 0 };
    eq("unpin-l1-l2-l3", pin_batch(d, 3, &done), 0);
    check(done == 3, "unpin-l1-l2-l3-done", "done", done, 3);
    eq("unpin-l1-l2-l3-again", ext_on(d, MMUEXT_UNPIN, f[F_B2], 1), -EINVAL);

    /* A batch of 3,000 (pin L1, unpin) pairs on one frame: more than one
     * call's budget, so it is continued; all done, the frame unpinned. */
    for (unsigned i = 0; i < PIN_BATCH; i++)
        pin_ops[i] = (struct mmuext_op){ (i & 1) ? MMUEXT_UNPIN : PIN_L1_CMD, 0, f[F_B1], 0 };
    t0 = rdtsc_();
    eq("pin-batch-huge", pin_batch(d, PIN_BATCH, &done), 0);
    pin_show_us("batch of 3000", t0);
    check(done == PIN_BATCH, "pin-batch-huge-done", "done", done, PIN_BATCH);
    eq("pin-batch-huge-unpinned", ext_on(d, MMUEXT_UNPIN, f[F_B1], 1), -EINVAL);
    /* The same with operation [2001] pinning a frame of ours: it fails
     * there, after continuations, with 2,001 done (1,000 pairs and one
     * more pin: that frame is left pinned). */
    pin_ops[2001] = (struct mmuext_op){ PIN_L1_CMD, 0, own, 0 };
    eq("pin-batch-bad-op", pin_batch(d, PIN_BATCH, &done), -EINVAL);
    check(done == 2001, "pin-batch-bad-op-done", "done", done, 2001);
    eq("pin-batch-bad-op-left-pinned", ext_on(d, MMUEXT_UNPIN, f[F_B1], 1), 0);

    /* Destroyed with the tree still pinned (the pin dropped at teardown):
     * every page back. */
    static const char *const gone[3] = { "pin-destroy", "pin-gone", "pin-frames-back" };
    destroy_all_back(d, free0, gone);
}
