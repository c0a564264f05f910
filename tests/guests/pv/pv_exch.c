/*
 * pv_exch: XENMEM_exchange for a 64-bit PV kernel (src/pv/pv_exchange.c,
 * docs/pv.md "Exchange"), what Linux's xen_create_contiguous_region does
 * for swiotlb-xen:
 *  - eight single frames (unmapped, at the top of RAM) for one order-3
 *    extent below 4 GiB: answer 0, nr_exchanged 8, the new MFN aligned to
 *    8, M2P[mfn + j] = gpfn + j, the old frames' M2P invalid and the old
 *    frames no longer mappable, the new eight mapped in a row and zeroed,
 *    current_reservation unchanged;
 *  - and back (one order-3 extent for eight single frames);
 *  - refused with nothing changed (nr_exchanged 0, the M2P of the inputs
 *    as before, current_reservation as before): an input frame still
 *    mapped (-EBUSY), a frame not the domain's and an extent named twice
 *    (-EINVAL), order 10 (-EPERM), address_bits below the extent (-ENOMEM),
 *    an unknown domain (-ESRCH), in.domid != out.domid, in and out sizes
 *    that differ, nr_exchanged beyond nr_extents (-EINVAL), an output list
 *    the hypervisor cannot write (-EFAULT);
 *  - partial success: sixteen frames for two order-3 extents, the second
 *    chunk holding a foreign frame: -EINVAL, nr_exchanged 8, the first
 *    extent done and written back, the second slot untouched;
 *  - 1024 frames got with increase_reservation exchanged for two order-9
 *    extents (more than one stint: a continuation), then given back.
 */
#include "pv_lib.h"

#define XENMEM_increase_reservation     0
#define XENMEM_decrease_reservation     1
#define XENMEM_current_reservation      3
#define XENMEM_exchange                 11
#define EPERM   1
#define ESRCH   3
#define ENOMEM  12
#define EFAULT  14
#define EBUSY   16
#define EINVAL  22
#define PTE_TABLE   0x67ull
#define M2P         ((volatile const uint64_t *)0xffff800000000000ull)
#define SLOT_T  5ull
#define VA_T    (SLOT_T << 39)
#define MMUEXT_PIN_L1_TABLE     0
#define MMUEXT_PIN_L2_TABLE     1
#define MMUEXT_PIN_L3_TABLE     2

struct xen_reservation {
    uint64_t extent_start, nr_extents;
    uint32_t extent_order, mem_flags;
    uint16_t domid, pad[3];
};
struct xen_memory_exchange {
    struct xen_reservation in, out;
    uint64_t nr_exchanged;
};

static struct xen_memory_exchange x;

static long exch(uint64_t *in, uint64_t nin, unsigned oin, uint64_t *out, uint64_t nout, unsigned oout,
                 unsigned bits)
{
    x = (struct xen_memory_exchange){ { (uint64_t)in, nin, oin, 0, DOMID_SELF, { 0 } },
                                      { (uint64_t)out, nout, oout, bits, DOMID_SELF, { 0 } }, 0 };
    return hc(__HYPERVISOR_memory_op, XENMEM_exchange, (uint64_t)&x, 0, 0);
}

static long cur(void)
{
    uint16_t self = DOMID_SELF;
    return hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, (uint64_t)&self, 0, 0);
}

static long map_at(uint64_t a, unsigned k, uint64_t f)
{
    return mmu1(a << 12 | k * 8, f ? (f << 12 | PTE_TABLE) : 0);
}

static uint64_t big_list[1024], in[16], out[2];

/* The M2P of the inputs still says gpfn g + i for each. */
static int m2p_kept(const uint64_t *frames, unsigned nr, uint64_t g)
{
    for (unsigned i = 0; i < nr; i++)
        if (M2P[frames[i]] != g + i)
            return 0;
    return 1;
}

void pv_main(const struct start_info *si)
{
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    uint64_t n = si->nr_pages;
    long rc;

    put("hello");
    flush();
    /* A small tree at L4 slot 5, as pv_mem builds it. */
    uint64_t A = p2m[n - 1], B = p2m[n - 2], C = p2m[n - 3];
    uint64_t L4 = p2m[(si->pt_base - VIRT_BASE) >> 12];
    rc = mmu1(C << 12, B << 12 | PTE_TABLE);
    rc |= mmu1(B << 12, A << 12 | PTE_TABLE);
    for (unsigned k = 0; k < 16; k++)
        rc |= map_at(A, k, 0);
    rc |= ext1(MMUEXT_PIN_L1_TABLE, A, 0);
    rc |= ext1(MMUEXT_PIN_L2_TABLE, B, 0);
    rc |= ext1(MMUEXT_PIN_L3_TABLE, C, 0);
    rc |= mmu1(L4 << 12 | SLOT_T * 8, C << 12 | PTE_TABLE);
    check(rc == 0, "tree", "rc", (uint64_t)rc, 0);
    volatile uint64_t *p = (volatile uint64_t *)VA_T;

    long r0 = cur();
    uint64_t g = n - 16;        /* gpfns g..g+7: unmapped frames at the top of RAM */
    for (unsigned i = 0; i < 8; i++)
        in[i] = p2m[g + i];
    uint64_t maxm = 0;
    for (uint64_t i = 0; i < n; i++)
        if (p2m[i] > maxm)
            maxm = p2m[i];

    /* ---- refusals: nothing changes ---- */
    uint64_t out0 = g;
    out[0] = out0;
    rc = map_at(A, 0, in[3]);
    p[0] = 0x3333;
    rc = exch(in, 8, 0, out, 1, 3, 32);
    check(rc == -EBUSY && x.nr_exchanged == 0 && out[0] == out0 && m2p_kept(in, 8, g) && cur() == r0 &&
              p[0] == 0x3333, "exch-mapped-input-refused", "rc", (uint64_t)rc, (uint64_t)-EBUSY);
    map_at(A, 0, 0);
    uint64_t keep = in[5];
    in[5] = maxm + 0x1234;
    rc = exch(in, 8, 0, out, 1, 3, 32);
    check(rc == -EINVAL && x.nr_exchanged == 0 && out[0] == out0 && cur() == r0, "exch-foreign-frame-refused",
          "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    in[5] = in[4];
    rc = exch(in, 8, 0, out, 1, 3, 32);
    check(rc == -EINVAL && x.nr_exchanged == 0 && M2P[keep] == g + 5 && M2P[in[4]] == g + 4 && cur() == r0,
          "exch-duplicate-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    in[5] = keep;
    rc = exch(in, 1024, 0, out, 1, 10, 0);
    check(rc == -EPERM && x.nr_exchanged == 0 && m2p_kept(in, 8, g), "exch-order10-refused", "rc", (uint64_t)rc,
          (uint64_t)-EPERM);
    rc = exch(in, 8, 0, out, 1, 3, 14);
    check(rc == -ENOMEM && x.nr_exchanged == 0 && m2p_kept(in, 8, g) && cur() == r0,
          "exch-address-bits-too-small", "rc", (uint64_t)rc, (uint64_t)-ENOMEM);
    rc = exch(in, 8, 0, out, 2, 3, 32);
    check(rc == -EINVAL && x.nr_exchanged == 0 && m2p_kept(in, 8, g), "exch-size-mismatch", "rc", (uint64_t)rc,
          (uint64_t)-EINVAL);
    x = (struct xen_memory_exchange){ { (uint64_t)in, 8, 0, 0, 0x7123, { 0 } },
                                      { (uint64_t)out, 1, 3, 32, 0x7123, { 0 } }, 0 };
    rc = hc(__HYPERVISOR_memory_op, XENMEM_exchange, (uint64_t)&x, 0, 0);
    check(rc == -ESRCH && m2p_kept(in, 8, g), "exch-bad-domain", "rc", (uint64_t)rc, (uint64_t)-ESRCH);
    x.in.domid = DOMID_SELF;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_exchange, (uint64_t)&x, 0, 0);
    check(rc == -EINVAL && m2p_kept(in, 8, g), "exch-domid-mismatch", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    x.out.domid = DOMID_SELF;
    x.nr_exchanged = 9;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_exchange, (uint64_t)&x, 0, 0);
    check(rc == -EINVAL && m2p_kept(in, 8, g), "exch-nr-exchanged-beyond", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = exch(in, 8, 0, (uint64_t *)0x1000, 1, 3, 32);
    check(rc == -EFAULT && x.nr_exchanged == 0 && m2p_kept(in, 8, g) && cur() == r0, "exch-bad-out-list",
          "rc", (uint64_t)rc, (uint64_t)-EFAULT);

    /* ---- eight frames for one order-3 extent below 4 GiB ---- */
    rc = exch(in, 8, 0, out, 1, 3, 32);
    uint64_t M = out[0];
    check(rc == 0 && x.nr_exchanged == 8, "exch-8-for-order3", "rc", (uint64_t)rc, 0);
    check((M & 7) == 0 && M + 8 <= (1ull << 20), "exch-contiguous-below-4g", "mfn", M, M & ~7ull);
    unsigned good = 0, gone = 0;
    for (unsigned j = 0; j < 8; j++) {
        good += M2P[M + j] == g + j;
        gone += M2P[in[j]] == ~0ull;
    }
    check(good == 8, "exch-m2p-new", "entries right", good, 8);
    check(gone == 8, "exch-m2p-old-invalid", "entries invalid", gone, 8);
    check(cur() == r0, "exch-reservation-unchanged", "current", (uint64_t)cur(), (uint64_t)r0);
    rc = map_at(A, 0, in[0]);
    check(rc == -EINVAL, "exch-old-frame-not-mappable", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    /* The new extent mapped in a row: zeroed, each page its own frame. */
    rc = 0;
    for (unsigned j = 0; j < 8; j++)
        rc |= map_at(A, j, M + j);
    uint64_t nz = 0;
    for (unsigned i = 0; i < 8 * 512; i++)
        nz |= p[i];
    for (unsigned j = 0; j < 8; j++)
        p[j * 512] = 0xc0de0000 + j;
    rc |= map_at(A, 8, M + 5);      /* frame M + 5 seen through a second entry */
    check(rc == 0 && nz == 0 && p[8 * 512] == 0xc0de0005, "exch-extent-zeroed-and-laid-out", "or of the pages",
          nz, 0);
    map_at(A, 8, 0);

    /* ---- and back: one order-3 extent for eight frames ---- */
    uint64_t mlist[1] = { M };
    for (unsigned j = 0; j < 8; j++)
        in[j] = g + j;          /* out gpfns this time */
    rc = exch(mlist, 1, 3, in, 8, 0, 0);
    check(rc == -EBUSY && x.nr_exchanged == 0 && in[0] == g && M2P[M] == g, "exch-back-while-mapped-refused",
          "rc", (uint64_t)rc, (uint64_t)-EBUSY);
    for (unsigned j = 0; j < 8; j++)
        map_at(A, j, 0);
    rc = exch(mlist, 1, 3, in, 8, 0, 0);
    good = 0;
    for (unsigned j = 0; j < 8; j++)
        good += in[j] != g + j && M2P[in[j]] == g + j;
    check(rc == 0 && x.nr_exchanged == 1 && good == 8 && M2P[M] == ~0ull && cur() == r0, "exch-back-to-singles",
          "rc", (uint64_t)rc, 0);

    /* ---- partial success: the second chunk holds a foreign frame ---- */
    for (unsigned j = 0; j < 8; j++)
        in[8 + j] = p2m[n - 24 + j];
    in[12] = maxm + 0x777;
    out[0] = g;
    out[1] = n - 24;
    rc = exch(in, 16, 0, out, 2, 3, 0);
    good = 0;
    for (unsigned j = 0; j < 8; j++)
        good += M2P[out[0] + j] == g + j && M2P[in[j]] == ~0ull;
    check(rc == -EINVAL && x.nr_exchanged == 8, "exch-partial-nr-exchanged", "nr_exchanged", x.nr_exchanged, 8);
    check(good == 8 && out[1] == n - 24 && M2P[in[8]] == n - 24 && cur() == r0, "exch-partial-consistent",
          "first chunk entries", good, 8);

    /* ---- a long one: 1024 frames for two order-9 extents ---- */
    rc = hc(__HYPERVISOR_memory_op, XENMEM_increase_reservation,
            (uint64_t)&(struct xen_reservation){ (uint64_t)big_list, 1024, 0, 0, DOMID_SELF, { 0 } }, 0, 0);
    check(rc == 1024 && cur() == r0 + 1024, "exch-long-got-1024", "rc", (uint64_t)rc, 1024);
    out[0] = 0x100000;
    out[1] = 0x100200;
    rc = exch(big_list, 1024, 0, out, 2, 9, 0);
    check(rc == 0 && x.nr_exchanged == 1024 && (out[0] & 511) == 0 && (out[1] & 511) == 0 && out[0] != out[1] &&
              M2P[out[0] + 511] == 0x1001ff && M2P[out[1]] == 0x100200 && M2P[big_list[700]] == ~0ull &&
              cur() == r0 + 1024, "exch-long-continued", "rc", (uint64_t)rc, 0);
    rc = hc(__HYPERVISOR_memory_op, XENMEM_decrease_reservation,
            (uint64_t)&(struct xen_reservation){ (uint64_t)out, 2, 9, 0, DOMID_SELF, { 0 } }, 0, 0);
    check(rc == 2 && cur() == r0, "exch-long-given-back", "rc", (uint64_t)rc, 2);
    pv_finish();
}
