/*
 * pv32_exch: XENMEM_exchange from a 32-bit PV kernel (ring 1; the 44-byte
 * x86_32 xen_memory_exchange with 4-byte extent lists, src/pv/pv_exchange.c,
 * docs/pv.md "Exchange"):
 *  - every frame of its memory named by the compat M2P (pv32_exch_m2p_cap:
 *    the same with the window cut to 64 Ki frames, so the domain's memory
 *    must come from below 256 MiB);
 *  - eight unmapped frames at the top of RAM for one order-3 extent below
 *    4 GiB: answer 0, nr_exchanged (the word at 40) 8, the word after the
 *    structure untouched, the new MFN aligned, the compat M2P (0xf5800000)
 *    = gpfn + j for its frames and invalid for the old ones,
 *    current_reservation unchanged; mapped, its pages read zero;
 *  - and back: the extent for eight single frames;
 *  - refused with nothing changed: in and out sizes that differ, order 10,
 *    a frame not the domain's, an output list it cannot write.
 */
#include "pv32_lib.h"

#define XENMEM_current_reservation  3
#define XENMEM_exchange             11
#define DOMID_SELF                  0x7ff0u
#define EPERM   1
#define EFAULT  14
#define EINVAL  22
#define M2P32   ((volatile const uint32_t *)0xf5800000u)
#define UVMF_NONE 0

struct res32 { uint32_t extent_start, nr_extents, extent_order, mem_flags; uint16_t domid, pad; };
struct exch32 { struct res32 in, out; uint32_t nr_exchanged; uint32_t canary; };
_Static_assert(sizeof(struct exch32) == 48, "44-byte exchange + canary");

static struct exch32 x;
static uint32_t in[8], out[8];

static long exch(uint32_t *i, uint32_t ni, uint32_t oi, uint32_t *o, uint32_t no, uint32_t oo, uint32_t bits)
{
    x = (struct exch32){ { (uint32_t)i, ni, oi, 0, DOMID_SELF, 0 }, { (uint32_t)o, no, oo, bits, DOMID_SELF, 0 },
                         0, 0x5a5a5a5au };
    return hc(HC_memory_op, XENMEM_exchange, (uint32_t)&x, 0, 0);
}

static long cur(void)
{
    static uint16_t self = DOMID_SELF;
    return hc(HC_memory_op, XENMEM_current_reservation, (uint32_t)&self, 0, 0);
}

static int m2p_kept(const uint32_t *f, uint32_t g)
{
    for (unsigned i = 0; i < 8; i++)
        if (M2P32[f[i]] != g + i)
            return 0;
    return 1;
}

/* A scratch page of the kernel, remapped to frame mfn (0: back to its own). */
static uint8_t scratch[4096] __attribute__((aligned(4096)));

void pv32_main(const struct start_info32 *si)
{
    const uint32_t *p2m = (const uint32_t *)si->mfn_list;
    uint32_t n = si->nr_pages, g = n - 16;
    long rc;

    put("pv32_exch: XENMEM_exchange from ring 1");
    flush();
    long r0 = cur();
    for (unsigned i = 0; i < 8; i++)
        in[i] = p2m[g + i];
    uint32_t maxm = 0;
    for (uint32_t i = 0; i < n; i++)
        if (p2m[i] > maxm)
            maxm = p2m[i];
    check(m2p_kept(in, g), "m2p-before", "m2p", M2P32[in[0]], g);
    /* Every frame of its memory is one the compat M2P covers (the
     * hypervisor allocates a 32-bit domain's memory below the window's
     * end): each entry names its pfn.  A frame past the window would read
     * 0xffffffff (the last chunk's rest) or fault (past it). */
    uint32_t named = 0;
    for (uint32_t i = 0; i < n; i++)
        named += M2P32[p2m[i]] == i;
    put("highest MFN ");
    put_hex(maxm);
    flush();
    check(named == n, "m2p-all-frames", "frames named", named, n);

    out[0] = g;
    rc = exch(in, 8, 0, out, 2, 3, 32);
    check(rc == -EINVAL && x.nr_exchanged == 0 && m2p_kept(in, g) && cur() == r0, "exch32-size-mismatch", "rc",
          (uint32_t)rc, (uint32_t)-EINVAL);
    rc = exch(in, 1024, 0, out, 1, 10, 0);
    check(rc == -EPERM && m2p_kept(in, g), "exch32-order10-refused", "rc", (uint32_t)rc, (uint32_t)-EPERM);
    uint32_t keep = in[6];
    in[6] = maxm + 0x321;
    rc = exch(in, 8, 0, out, 1, 3, 32);
    check(rc == -EINVAL && x.nr_exchanged == 0 && out[0] == g && cur() == r0, "exch32-foreign-frame-refused", "rc",
          (uint32_t)rc, (uint32_t)-EINVAL);
    in[6] = keep;
    rc = exch(in, 8, 0, (uint32_t *)0x1000, 1, 3, 32);
    check(rc == -EFAULT && x.nr_exchanged == 0 && m2p_kept(in, g) && cur() == r0, "exch32-bad-out-list", "rc",
          (uint32_t)rc, (uint32_t)-EFAULT);

    rc = exch(in, 8, 0, out, 1, 3, 32);
    uint32_t M = out[0];
    check(rc == 0 && x.nr_exchanged == 8 && x.canary == 0x5a5a5a5au, "exch32-8-for-order3", "rc", (uint32_t)rc, 0);
    unsigned good = 0, gone = 0;
    for (unsigned j = 0; j < 8; j++) {
        good += M2P32[M + j] == g + j;
        gone += M2P32[in[j]] == 0xffffffffu;
    }
    check((M & 7) == 0 && M + 8 <= (1u << 20) && good == 8 && gone == 8, "exch32-contiguous-m2p", "entries right",
          good, 8);
    check(cur() == r0, "exch32-reservation-unchanged", "current", (uint32_t)cur(), (uint32_t)r0);
    /* Frame M + 7 mapped over the scratch page: zero; then the page back. */
    uint32_t own = pv32_mfn_of(si, (uint32_t)scratch);
    scratch[5] = 0x77;
    rc = hc(HC_update_va_mapping, (uint32_t)scratch, (M + 7) << 12 | 0x67, 0, UVMF_INVLPG);
    uint32_t nz = 0;
    for (unsigned i = 0; i < 4096; i++)
        nz |= ((volatile uint8_t *)scratch)[i];
    long rc2 = hc(HC_update_va_mapping, (uint32_t)scratch, own << 12 | 0x67, 0, UVMF_INVLPG);
    check(rc == 0 && rc2 == 0 && nz == 0 && scratch[5] == 0x77, "exch32-new-frame-zeroed", "or of the page", nz, 0);

    uint32_t ml[1] = { M };
    for (unsigned j = 0; j < 8; j++)
        out[j] = g + j;
    rc = exch(ml, 1, 3, out, 8, 0, 0);
    good = 0;
    for (unsigned j = 0; j < 8; j++)
        good += out[j] != g + j && M2P32[out[j]] == g + j;
    check(rc == 0 && x.nr_exchanged == 1 && good == 8 && M2P32[M] == 0xffffffffu && cur() == r0,
          "exch32-back-to-singles", "rc", (uint32_t)rc, 0);
    pv32_finish();
}
