/*
 * pv_mem: memory_op's reservations for a 64-bit PV kernel (docs/pv.md
 * "Reservations", src/pv/pv_memory.c), in a domain with maxmem above
 * memory:
 *  - a frame still mapped, and a pinned page-table frame, given back with
 *    decrease_reservation: refused (0 extents done), nothing changed;
 *  - the frame unmapped, given back: 1 done, current_reservation one
 *    less, its M2P entry invalid, and mapping it again is refused;
 *  - populate_physmap for the same gpfn: a frame whose data is zero, its
 *    M2P entry = the gpfn, the reservation back where it was;
 *  - increase_reservation: 3 order-0 extents and one order-2 extent
 *    (aligned), mapped and written, then given back;
 *  - refusals: a made-up frame, an unaligned order-1 extent, order 10,
 *    a count the continuation encoding cannot carry;
 *  - a hostile count (2^40 extents, null handle): stops exactly at
 *    maximum_reservation after several continuations (the hypervisor's
 *    log line), and a populate beyond the maximum does nothing.
 * The frames of the hostile call are left to teardown: "frames all
 * returned" checks that frames no RAM block lists are freed.
 */
#include "pv_lib.h"

void pf_handler(void), unexpected_0(void), unexpected_6(void);

#define MMUEXT_PIN_L1_TABLE     0
#define MMUEXT_PIN_L2_TABLE     1
#define MMUEXT_PIN_L3_TABLE     2
#define XENMEM_increase_reservation     0
#define XENMEM_decrease_reservation     1
#define XENMEM_current_reservation      3
#define XENMEM_maximum_reservation      4
#define XENMEM_populate_physmap         6
#define EINVAL  22
#define PTE_TABLE   0x67ull
#define M2P         ((volatile const uint64_t *)0xffff800000000000ull)
#define SLOT_T  5ull
#define VA_T    (SLOT_T << 39)

struct xen_reservation {
    uint64_t extent_start, nr_extents;
    uint32_t extent_order, mem_flags;
    uint16_t domid, pad[3];
};

static long resv(unsigned op, uint64_t *list, uint64_t nr, unsigned order)
{
    struct xen_reservation r = { (uint64_t)list, nr, order, 0, DOMID_SELF, { 0 } };
    return hc(__HYPERVISOR_memory_op, op, (uint64_t)&r, 0, 0);
}

static long cur(void)
{
    uint16_t self = DOMID_SELF;
    return hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, (uint64_t)&self, 0, 0);
}

static long maxr(void)
{
    uint16_t self = DOMID_SELF;
    return hc(__HYPERVISOR_memory_op, XENMEM_maximum_reservation, (uint64_t)&self, 0, 0);
}

/* Entry k of the test L1 (frame a) maps frame f (0: unmapped). */
static long map_at(uint64_t a, unsigned k, uint64_t f)
{
    return mmu1(a << 12 | k * 8, f ? (f << 12 | PTE_TABLE) : 0);
}

void pv_main(const struct start_info *si)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 14, 0, FLAT_KERNEL_CS, (uint64_t)pf_handler },
        { 0, 0, 0, 0 },
    };
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    uint64_t n = si->nr_pages, list[8];
    long rc, r0;

    put("hello");
    flush();
    check(hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0) == 0, "set-trap-table", "rc", 0, 0);

    /* A small tree at L4 slot 5 (frames at the top of RAM, outside the
     * builder's region), as pv_mmu builds it. */
    uint64_t A = p2m[n - 1], B = p2m[n - 2], C = p2m[n - 3], X = p2m[n - 4];
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

    r0 = cur();
    long mx = maxr();
    check(r0 == (long)n && mx > r0 + 64, "reservations", "current", (uint64_t)r0, n);

    /* Mapped, then pinned: refused. */
    volatile uint64_t *p = (volatile uint64_t *)VA_T;
    rc = map_at(A, 0, X);
    p[7] = 0x5151515151515151ull;
    list[0] = X;
    rc = resv(XENMEM_decrease_reservation, list, 1, 0);
    check(rc == 0 && cur() == r0 && p[7] == 0x5151515151515151ull, "decrease-mapped-refused", "rc", (uint64_t)rc, 0);
    list[0] = A;
    rc = resv(XENMEM_decrease_reservation, list, 1, 0);
    check(rc == 0 && cur() == r0, "decrease-pinned-refused", "rc", (uint64_t)rc, 0);

    /* Unmapped: given back. */
    rc = map_at(A, 0, 0);
    check(rc == 0, "unmap", "rc", (uint64_t)rc, 0);
    check(M2P[X] == n - 4, "m2p-before", "m2p", M2P[X], n - 4);
    list[0] = X;
    rc = resv(XENMEM_decrease_reservation, list, 1, 0);
    check(rc == 1 && cur() == r0 - 1, "decrease-released", "rc", (uint64_t)rc, 1);
    check(M2P[X] == ~0ull, "decrease-m2p-invalid", "m2p", M2P[X], ~0ull);
    rc = map_at(A, 0, X);
    check(rc == -EINVAL, "released-frame-not-mappable", "rc", (uint64_t)rc, (uint64_t)-EINVAL);

    /* Populated back at the same gpfn: zeroed, M2P written. */
    list[0] = n - 4;
    rc = resv(XENMEM_populate_physmap, list, 1, 0);
    uint64_t Y = list[0];
    check(rc == 1 && cur() == r0, "populate-back", "rc", (uint64_t)rc, 1);
    check(M2P[Y] == n - 4, "populate-m2p-updated", "m2p", M2P[Y], n - 4);
    rc = map_at(A, 0, Y);
    uint64_t nz = 0;
    for (unsigned i = 0; i < 512; i++)
        nz |= p[i];
    check(rc == 0 && nz == 0, "populate-zeroed", "or of the page", nz, 0);
    p[9] = 99;
    check(p[9] == 99, "populate-writable", "value", p[9], 99);

    /* increase_reservation: 3 single frames and one order-2 extent. */
    rc = resv(XENMEM_increase_reservation, list, 3, 0);
    check(rc == 3 && cur() == r0 + 3 && list[0] != list[1] && list[1] != list[2] && list[0] != list[2],
          "increase-3", "rc", (uint64_t)rc, 3);
    rc = map_at(A, 1, list[2]);
    volatile uint64_t *q = (volatile uint64_t *)(VA_T + 4096);
    q[1] = 7;
    check(rc == 0 && q[1] == 7, "increase-mappable", "rc", (uint64_t)rc, 0);
    rc = map_at(A, 1, 0);
    rc = resv(XENMEM_decrease_reservation, list, 3, 0);
    check(rc == 3 && cur() == r0, "increase-3-given-back", "rc", (uint64_t)rc, 3);
    rc = resv(XENMEM_increase_reservation, list, 1, 2);
    uint64_t big = list[0];
    check(rc == 1 && (big & 3) == 0 && cur() == r0 + 4, "increase-order2-aligned", "mfn", big, big & ~3ull);
    rc = map_at(A, 2, big + 3);
    check(rc == 0, "order2-last-frame-mappable", "rc", (uint64_t)rc, 0);
    rc = map_at(A, 2, 0);
    list[0] = big + 1;
    rc = resv(XENMEM_decrease_reservation, list, 1, 1);
    check(rc == 0 && cur() == r0 + 4, "decrease-unaligned-refused", "rc", (uint64_t)rc, 0);
    list[0] = big;
    rc = resv(XENMEM_decrease_reservation, list, 1, 2);
    check(rc == 1 && cur() == r0, "decrease-order2", "rc", (uint64_t)rc, 1);

    /* Refusals. */
    uint64_t maxm = 0;
    for (uint64_t i = 0; i < n; i++)
        if (p2m[i] > maxm)
            maxm = p2m[i];
    list[0] = maxm + 0x1234;
    rc = resv(XENMEM_decrease_reservation, list, 1, 0);
    check(rc == 0 && cur() == r0, "decrease-foreign-refused", "rc", (uint64_t)rc, 0);
    rc = resv(XENMEM_increase_reservation, list, 1, 10);
    check(rc == 0 && cur() == r0, "order10-refused", "rc", (uint64_t)rc, 0);
    rc = resv(XENMEM_increase_reservation, list, 1ull << 60, 0);
    check(rc == 0 && cur() == r0, "huge-encoding-refused", "rc", (uint64_t)rc, 0);

    /* A hostile count: bounded by maxmem, continued by the hypervisor. */
    rc = resv(XENMEM_increase_reservation, 0, 1ull << 40, 0);
    check(rc == mx - r0 && cur() == mx, "hostile-count-bounded", "rc", (uint64_t)rc, (uint64_t)(mx - r0));
    list[0] = n + 5;
    rc = resv(XENMEM_populate_physmap, list, 1, 0);
    check(rc == 0 && cur() == mx, "populate-beyond-max-refused", "rc", (uint64_t)rc, 0);

    pv_finish();
}
