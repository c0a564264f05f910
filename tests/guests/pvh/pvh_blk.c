/*
 * pvh_blk: a blkfront test frontend for dom0's xen-blkback
 * (docs/split-drivers.md; test linux_dom0_blk).  Built by `rv create` from
 * dom0 with disk = [ 'FILE,raw,xvda,rw' ]; dom0 wrote a known text at
 * sectors 0 and 7 of FILE and checks sector 8 after the domain is gone.
 *
 * The handshake, as Xen's public io/blkif.h and io/xenbus.h describe it:
 * the frontend's directory device/vbd/VDEV names the backend; once the
 * backend is in state 2 (InitWait) the frontend grants one ring page to
 * the backend domain (grant table v1), allocates an unbound event channel
 * for it, writes ring-ref, event-channel and protocol = x86_64-abi and
 * goes to state 3 (Initialised); the backend maps the ring, binds the
 * channel, publishes sectors / sector-size / info and goes to 4
 * (Connected); the frontend goes to 4.
 *
 * Then: a 4 KiB READ of sectors 0-7 (the text dom0 wrote), a WRITE of
 * sectors 8-15 with a pattern, FLUSH_DISKCACHE, a READ back compared byte
 * for byte; hostile requests (an ungranted grant reference, too many
 * segments, first_sect after last_sect, a sector past the end), each
 * answered BLKIF_RSP_ERROR while the device keeps serving; a storm of
 * requests filling the ring 20 times (its sectors/s printed); last, a
 * req_prod far beyond the ring, after which blkback stops serving this
 * ring (no response may come), and a frontend state no frontend may
 * take (9), after which blkback closes the device; dom0 carries on.  It
 * then blocks until dom0 destroys it.
 *
 * With jump=1 on its command line (test linux_dom0_split) it runs the
 * state jumps instead: Connected straight from Initialising (no
 * Initialised), back to Initialising while connected, an orderly close and
 * a reconnect from Closed, and last a jump to Connected with a ring-ref
 * that names no grant (jump_checks).
 *
 * Built a second time as a 64-bit PV kernel, pv_blk.elf (-DPVH_LIB_ON_PV,
 * tests/guests/pv/pv_fe.c; test linux_dom0_pvhostile): its grants name
 * MFNs, and pvhostile=1 / badring=N name frames a PV frontend can reach
 * but must not get mapped (pv_grant_checks, pv_bad_ring).
 */
#include "pvh.h"
#include "xenbus_fe.h"
#include "xs_client.h"

#include "public/sched.h"

const char pvh_guest_name[] = "pvh_blk";

/* ---- Xen's public io/ring.h and io/blkif.h layouts (x86_64 ABI) ---- */
#define BLKIF_OP_READ            0
#define BLKIF_OP_WRITE           1
#define BLKIF_OP_FLUSH_DISKCACHE 3
#define BLKIF_MAX_SEGMENTS       11
#define BLKIF_RSP_ERROR          (-1)
#define BLKIF_RSP_OKAY           0

struct blkif_segment {
    uint32_t gref;
    uint8_t first_sect, last_sect;      /* 512-byte sectors within the page, inclusive */
    uint16_t pad;
};

struct blkif_request {
    uint8_t operation, nr_segments;
    uint16_t handle;
    uint32_t pad;
    uint64_t id, sector_number;
    struct blkif_segment seg[BLKIF_MAX_SEGMENTS];
};

struct blkif_response {
    uint64_t id;
    uint8_t operation, pad;
    int16_t status;
    uint32_t pad2;
};

union blkif_entry {
    struct blkif_request req;
    struct blkif_response rsp;
};

/* The shared ring: producer/event indexes, 48 bytes of padding, then the
 * entries: (4096 - 64) / 112 rounded down to a power of two = 32. */
struct blkif_sring {
    volatile uint32_t req_prod, req_event, rsp_prod, rsp_event;
    uint8_t pad[48];
    union blkif_entry ring[];
};
#define RING_SIZE 32u

_Static_assert(sizeof(struct blkif_request) == 112, "blkif_request is 112 bytes on x86_64");
_Static_assert(sizeof(struct blkif_response) == 16, "blkif_response is 16 bytes");
_Static_assert(sizeof(union blkif_entry) * RING_SIZE + 64 <= 4096, "ring fits its page");

/* Grant references: 0-7 are the toolstack's (Xen reserves them). */
#define REF_RING  16
#define REF_READ  17
#define REF_WRITE 18
#define REF_BACK  19
#define REF_BAD   400                   /* never granted */

static uint8_t ring_page[4096] __attribute__((aligned(4096)));
static uint8_t rd_page[4096] __attribute__((aligned(4096)));
static uint8_t wr_page[4096] __attribute__((aligned(4096)));
static uint8_t back_page[4096] __attribute__((aligned(4096)));

static struct blkif_sring *sring;
static uint32_t req_prod_pvt, rsp_cons;
static uint16_t handle;
static struct xfe x;                    /* device/vbd/VDEV and its backend */

static void push(uint8_t op, uint64_t id, uint64_t sector, unsigned nseg, uint32_t gref, uint8_t first,
                 uint8_t last)
{
    struct blkif_request *r = &sring->ring[req_prod_pvt % RING_SIZE].req;
    memset(r, 0, sizeof(*r));
    r->operation = op;
    r->nr_segments = (uint8_t)nseg;
    r->handle = handle;
    r->id = id;
    r->sector_number = sector;
    for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS; i++) {
        r->seg[i].gref = gref;
        r->seg[i].first_sect = first;
        r->seg[i].last_sect = last;
    }
    req_prod_pvt++;
}

static void kick(void)
{
    mb();                               /* requests before the index that publishes them */
    sring->req_prod = req_prod_pvt;
    mb();
    evtchn_send(x.port);
}

/* Waits for the next response; false after timeout. */
static bool next_rsp(struct blkif_response *out, uint64_t timeout_ns)
{
    uint64_t t0 = pvclock_ns();
    for (;;) {
        if (rsp_cons != sring->rsp_prod) {
            mb();
            *out = sring->ring[rsp_cons % RING_SIZE].rsp;
            rsp_cons++;
            return true;
        }
        sring->rsp_event = rsp_cons + 1;    /* an event for the next one */
        mb();
        if (rsp_cons != sring->rsp_prod)
            continue;
        if (pvclock_ns() - t0 >= timeout_ns)
            return false;
        evtchn_wait(x.port, 20000000ull);
    }
}

/* One request, its response's status (or 99 with no response in 10 s). */
static int one(uint8_t op, uint64_t id, uint64_t sector, unsigned nseg, uint32_t gref, uint8_t first, uint8_t last)
{
    push(op, id, sector, nseg, gref, first, last);
    kick();
    struct blkif_response r;
    if (!next_rsp(&r, 10000000000ull))
        return 99;
    return r.id == id ? r.status : 98;
}

static bool connect(uint32_t vdev)
{
    uint64_t t0 = pvclock_ns(), w2 = 0;
    if (!xfe_open(&x, "vbd", vdev, "blk", &w2))
        return false;
    /* The ring, granted to the backend domain, and the event channel. */
    memset(ring_page, 0, sizeof(ring_page));
    sring = (struct blkif_sring *)ring_page;
    sring->req_event = sring->rsp_event = 1;
    gnttab_grant(REF_RING, 0, grant_frame(ring_page), false);
    handle = (uint16_t)vdev;
    long w = xfe_write(&x, "ring-ref", xfe_utoa(REF_RING));
    w |= xfe_write(&x, "event-channel", xfe_utoa(x.port));
    w |= xfe_write(&x, "protocol", "x86_64-abi");
    w |= xfe_write(&x, "state", "3");
    check(w >= 0, "blk-frontend-nodes", "ring-ref/event-channel/protocol/state writes");
    uint64_t w4 = xfe_wait_be(&x, 4, 30000000000ull);
    check(w4 != 0, "blk-backend-connected", "backend in state %ld after 30 s, want 4 (Connected)", xfe_be_state(&x));
    if (!w4)
        return false;
    xfe_write(&x, "state", "4");
    uint64_t dt = pvclock_ns() - t0;
    char sectors[24] = "", ssz[24] = "", info[24] = "", flush[8] = "";
    xsc_read(xfe_cat(x.be, "/sectors"), sectors, sizeof(sectors));
    xsc_read(xfe_cat(x.be, "/sector-size"), ssz, sizeof(ssz));
    xsc_read(xfe_cat(x.be, "/info"), info, sizeof(info));
    xsc_read(xfe_cat(x.be, "/feature-flush-cache"), flush, sizeof(flush));
    uint64_t want = cmdline_uint("sectors", 0);
    check(xfe_atou(sectors) == want && xfe_atou(ssz) == 512 && xfe_atou(flush) == 1, "blk-connected-info",
          "sectors '%s' (want %llu), sector-size '%s', info '%s', feature-flush-cache '%s'", sectors,
          (unsigned long long)want, ssz, info, flush);
    printf("RV-PVH-BLK: connected to %s: port %u, ring-ref %u, %s sectors of %s bytes, info %s; "
           "handshake %llu us (InitWait seen after %llu us)\n", x.be, x.port, REF_RING, sectors, ssz, info,
           (unsigned long long)(dt / 1000), (unsigned long long)(w2 / 1000));
    return true;
}

static void io_checks(void)
{
    static const char s0[] = "RV-BLK-SECTOR-0", s7[] = "RV-BLK-SECTOR-7", wtag[] = "RV-BLK-WRITTEN-BY-DOMU";
    gnttab_grant(REF_READ, 0, grant_frame(rd_page), false);     /* the backend writes into it */
    memset(rd_page, 0xee, sizeof(rd_page));
    int st = one(BLKIF_OP_READ, 1, 0, 1, REF_READ, 0, 7);
    check(st == BLKIF_RSP_OKAY && !memcmp(rd_page, s0, sizeof(s0) - 1) &&
          !memcmp(rd_page + 7 * 512, s7, sizeof(s7) - 1), "blk-read", "status %d, sector 0 '%.15s', sector 7 '%.15s'",
          st, (const char *)rd_page, (const char *)rd_page + 7 * 512);

    memcpy(wr_page, wtag, sizeof(wtag) - 1);
    for (unsigned i = sizeof(wtag) - 1; i < sizeof(wr_page); i++)
        wr_page[i] = (uint8_t)(i * 7 + 3);
    gnttab_grant(REF_WRITE, 0, grant_frame(wr_page), true);     /* the backend only reads it */
    st = one(BLKIF_OP_WRITE, 2, 8, 1, REF_WRITE, 0, 7);
    int fl = one(BLKIF_OP_FLUSH_DISKCACHE, 3, 0, 0, 0, 0, 0);
    gnttab_grant(REF_BACK, 0, grant_frame(back_page), false);
    int rb = one(BLKIF_OP_READ, 4, 8, 1, REF_BACK, 0, 7);
    check(st == 0 && fl == 0 && rb == 0 && !memcmp(back_page, wr_page, sizeof(wr_page)), "blk-write-flush-readback",
          "write %d, flush %d, read back %d, '%.22s'", st, fl, rb, (const char *)back_page);
}

static void hostile_checks(void)
{
    /* Each answered with an error, the device still serving afterwards. */
    int bad_ref = one(BLKIF_OP_READ, 10, 0, 1, REF_BAD, 0, 7);
    int too_many = one(BLKIF_OP_READ, 11, 0, BLKIF_MAX_SEGMENTS + 1, REF_READ, 0, 0);
    int backwards = one(BLKIF_OP_READ, 12, 0, 1, REF_READ, 5, 2);
    uint64_t sectors = cmdline_uint("sectors", 0);
    int past_end = one(BLKIF_OP_READ, 13, sectors, 1, REF_READ, 0, 7);
    int after = one(BLKIF_OP_READ, 14, 0, 1, REF_READ, 0, 0);
    check(bad_ref == BLKIF_RSP_ERROR && too_many == BLKIF_RSP_ERROR && backwards == BLKIF_RSP_ERROR &&
          past_end == BLKIF_RSP_ERROR, "blk-hostile-requests",
          "ungranted ref %d, 12 segments %d, first_sect > last_sect %d, past the end %d (want -1 each)", bad_ref,
          too_many, backwards, past_end);
    check(after == BLKIF_RSP_OKAY, "blk-serves-after-hostile", "a good read afterwards: %d", after);

    /* The storm: the ring filled (32 requests of 4 KiB) 20 times over. */
    enum { ROUNDS = 20 };
    unsigned ok = 0, got = 0;
    uint64_t t0 = pvclock_ns();
    for (unsigned r = 0; r < ROUNDS; r++) {
        for (unsigned i = 0; i < RING_SIZE; i++)
            push(BLKIF_OP_READ, 1000 + r * RING_SIZE + i, (i % 4) * 8, 1, REF_READ, 0, 7);
        kick();
        for (unsigned i = 0; i < RING_SIZE; i++) {
            struct blkif_response rsp;
            if (!next_rsp(&rsp, 10000000000ull))
                break;
            got++;
            ok += rsp.status == BLKIF_RSP_OKAY;
        }
    }
    uint64_t dt = pvclock_ns() - t0;
    check(ok == ROUNDS * RING_SIZE && got == ok, "blk-storm", "%u of %u answered, %u OK", got,
          (unsigned)(ROUNDS * RING_SIZE), ok);
    printf("RV-PVH-BLK: storm: %u requests of 8 sectors in %llu us: %llu sectors/s\n", got,
           (unsigned long long)(dt / 1000), (unsigned long long)(dt ? got * 8ull * 1000000000ull / dt : 0));

    /* req_prod far beyond the ring: blkback must refuse to walk it (it
     * stops serving this ring until the device is torn down). */
    uint32_t before = sring->rsp_prod;
    mb();
    sring->req_prod = rsp_cons + 1000;
    mb();
    evtchn_send(x.port);
    struct blkif_response rsp;
    bool any = next_rsp(&rsp, 2000000000ull);
    check(!any && sring->rsp_prod == before, "blk-bogus-req-prod", "responses after req_prod + 1000: rsp_prod %u -> %u",
          before, sring->rsp_prod);

    /* A state no frontend may take: blkback closes the device. */
    uint64_t w5 = xfe_bad_state(&x);
    check(w5 != 0, "blk-bad-state", "backend state %ld 10 s after frontend state 9, want 5 (Closing)", xfe_be_state(&x));
}

/* ---- jump=1: xenbus state jumps (io/xenbus.h states 1-6) ---- */

/* Publishes the ring (grant ref) and a fresh unbound port, then state st. */
static long publish(uint32_t ref, const char *st)
{
    memset(ring_page, 0, sizeof(ring_page));
    sring = (struct blkif_sring *)ring_page;
    sring->req_event = sring->rsp_event = 1;
    req_prod_pvt = rsp_cons = 0;
    long rc = evtchn_alloc_unbound(0, &x.port);
    if (rc)
        return rc;
    long w = xfe_write(&x, "ring-ref", xfe_utoa(ref));
    w |= xfe_write(&x, "event-channel", xfe_utoa(x.port));
    w |= xfe_write(&x, "protocol", "x86_64-abi");
    w |= xfe_write(&x, "state", st);
    return w;
}

static void jump_checks(uint32_t vdev)
{
    const char *f = xfe_cat("device/vbd/", xfe_utoa(vdev));
    memcpy(x.fe, f, strlen(f) + 1);
    handle = (uint16_t)vdev;
    long n = xsc_read(xfe_cat(x.fe, "/backend"), x.be, sizeof(x.be));
    long rc = n > 0 ? evtchn_alloc_unbound(0, &x.port) : -1;
    uint64_t w2 = rc == 0 ? xfe_wait_be(&x, 2, 30000000000ull) : 0;
    rc = w2 ? gnttab_map_frames(1) : -1;
    check(rc == 0, "blk-jump-initwait", "backend '%s' state %ld, grant table %ld", x.be, xfe_be_state(&x), rc);
    if (rc)
        return;
    gnttab_grant(REF_RING, 0, grant_frame(ring_page), false);
    gnttab_grant(REF_READ, 0, grant_frame(rd_page), false);

    /* 1. Connected straight from Initialising: blkback connects on 3 or 4. */
    long w = publish(REF_RING, "4");
    uint64_t w4 = xfe_wait_be(&x, 4, 30000000000ull);
    int rd = w4 ? one(BLKIF_OP_READ, 1, 0, 1, REF_READ, 0, 7) : 99;
    check(w >= 0 && w4 && rd == BLKIF_RSP_OKAY, "blk-jump-1-to-4", "writes %ld, backend state %ld, read %d", w,
          xfe_be_state(&x), rd);

    /* 2. Back to Initialising while connected: blkback acts on 1 only when
     * closed, so it stays connected and serves. */
    xfe_write(&x, "state", "1");
    uint64_t moved = xfe_wait_be(&x, 5, 2000000000ull) | xfe_wait_be(&x, 2, 1000000000ull);
    long st = xfe_be_state(&x);
    rd = one(BLKIF_OP_READ, 2, 0, 1, REF_READ, 0, 7);
    check(!moved && st == 4 && rd == BLKIF_RSP_OKAY, "blk-jump-back-to-1", "backend state %ld, read %d", st, rd);

    /* 3. The orderly close and a new connection from Closed (a new port, the
     * ring page zeroed and granted again under the same reference). */
    bool re = xfe_close_and_reopen(&x, "RV-PVH-BLK");
    w = re ? publish(REF_RING, "3") : -1;
    w4 = w >= 0 ? xfe_wait_be(&x, 4, 30000000000ull) : 0;
    if (w4)
        xfe_write(&x, "state", "4");
    rd = w4 ? one(BLKIF_OP_READ, 3, 0, 1, REF_READ, 0, 7) : 99;
    check(re && w4 && rd == BLKIF_RSP_OKAY, "blk-jump-reconnect", "reopened %d, backend state %ld, read %d", re,
          xfe_be_state(&x), rd);

    /* 4. Closed again, then Connected at once with a ring-ref that names no
     * grant: blkback cannot map the ring, reports a fatal error, closes. */
    re = xfe_close_and_reopen(&x, "RV-PVH-BLK");
    w = re ? publish(REF_BAD, "4") : -1;
    uint64_t w5 = w >= 0 ? xfe_wait_be(&x, 5, 10000000000ull) : 0;
    check(re && w5, "blk-jump-bad-ring", "reopened %d, backend state %ld, want 5 (Closing)", re, xfe_be_state(&x));
}

#ifdef PVH_LIB_ON_PV
/* ---- PV only (pv_blk.elf): grants that name machine frames ----
 *
 * A PV frontend's grant entries name MFNs, so it can name frames that are
 * not plain RAM of its own.  Each is granted writable and named by a READ
 * of one sector into the page's last 512 bytes (first_sect = last_sect = 7;
 * disk sector 1, zeros), so that a backend write that got through would
 * land where it harms least and still show.  blkback must answer each with
 * BLKIF_RSP_ERROR: the hypervisor refuses its map. */
#define REF_HOSTILE 24
static uint8_t gone_page[4096] __attribute__((aligned(4096)));
static uint64_t hostile_id = 100;

static int grant_read(uint64_t mfn, uint8_t first)
{
    gnttab_grant(REF_HOSTILE, 0, mfn, false);
    int st = one(BLKIF_OP_READ, hostile_id++, first ? 1 : 0, 1, REF_HOSTILE, first, 7);
    gnttab_revoke(REF_HOSTILE);
    return st;
}

static void pv_grant_checks(void)
{
    struct pv_fe_frames f;
    pv_fe_frames(&f);
    printf("RV-PV-BLK: frames: start_info %#llx, shared_info %#llx, grant table %#llx, L4 %#llx, L1 %#llx, "
           "own MFNs %#llx-%#llx\n", (unsigned long long)f.start_info, (unsigned long long)f.shared_info,
           (unsigned long long)f.gnttab, (unsigned long long)f.l4, (unsigned long long)f.l1,
           (unsigned long long)f.min_own, (unsigned long long)f.max_own);

    /* Frames that are not ours: past any RAM, the frame below and above our
     * range (another domain's, the hypervisor's or free), a low frame, and
     * one of another domU (foreign= from dom0: that domU printed it). */
    uint64_t foreign = cmdline_uint("foreign", 0);
    const uint64_t not_ours[] = { 0xffffffffull, 0x7ffffffull, f.min_own - 1, f.max_own + 1, 0x10, foreign };
    const char *what[] = { "0xffffffff", "0x7ffffff", "below ours", "above ours", "0x10", "another domU's" };
    unsigned refused = 0, tried = 0;
    for (unsigned i = 0; i < ARRAY_SIZE(not_ours); i++) {
        uint64_t m = not_ours[i];
        if ((i == 5 && !foreign) || pv_fe_owns(m) || m == f.shared_info || m == f.gnttab)
            continue;               /* no foreign= given; or ours after all (then not hostile) */
        int st = grant_read(m, 0);
        tried++;
        refused += st == BLKIF_RSP_ERROR;
        printf("RV-PV-BLK: READ into MFN %#llx (%s): status %d\n", (unsigned long long)m, what[i], st);
    }
    check(tried >= 4 + (foreign != 0) && refused == tried, "blk-pv-not-owned",
          "%u of %u grants of frames not ours refused (foreign=%#llx)", refused, tried, (unsigned long long)foreign);

    /* Our own page tables, writable: the hypervisor never lets a grant write
     * a page table (they must read the same afterwards). */
    static uint8_t l4_before[4096], l1_before[4096];
    memcpy(l4_before, f.l4_va, 4096);
    memcpy(l1_before, f.l1_va, 4096);
    int l4 = grant_read(f.l4, 7), l1 = grant_read(f.l1, 7);
    check(l4 == BLKIF_RSP_ERROR && l1 == BLKIF_RSP_ERROR && !memcmp(l4_before, f.l4_va, 4096) &&
          !memcmp(l1_before, f.l1_va, 4096), "blk-pv-page-table",
          "READ into our L4 %d, L1 %d (want -1 each), tables unchanged %d %d", l4, l1,
          !memcmp(l4_before, f.l4_va, 4096), !memcmp(l1_before, f.l1_va, 4096));

    /* Our own special frames: the grant table, start_info, shared_info.  A
     * backend writing them would only harm us; the hypervisor's answer is
     * printed, dom0 must carry on either way (the last 512 bytes of each
     * are unused: zeros written there change nothing we use). */
    int gt = grant_read(f.gnttab, 7), si = grant_read(f.start_info, 7), sh = grant_read(f.shared_info, 7);
    printf("RV-PV-BLK: READ into our grant-table frame %d, start_info %d, shared_info %d\n", gt, si, sh);
    int after = one(BLKIF_OP_READ, hostile_id++, 0, 1, REF_READ, 0, 7);
    check(gt != 99 && si != 99 && sh != 99 && after == BLKIF_RSP_OKAY, "blk-pv-own-special",
          "grant table %d, start_info %d, shared_info %d (answered), a good read afterwards %d", gt, si, sh, after);

    /* A frame granted, then given back before the backend maps it: the
     * grant now names a frame that is not ours. */
    gnttab_grant(REF_HOSTILE, 0, grant_frame(gone_page), false);
    uint64_t gone = 0;
    long dr = pv_fe_give_back(gone_page, &gone);
    int st = one(BLKIF_OP_READ, hostile_id++, 0, 1, REF_HOSTILE, 0, 7);
    gnttab_revoke(REF_HOSTILE);
    check(dr == 1 && st == BLKIF_RSP_ERROR, "blk-pv-given-back", "decrease_reservation of MFN %#llx: %ld (want 1), "
          "READ into it afterwards %d (want -1)", (unsigned long long)gone, dr, st);
    after = one(BLKIF_OP_READ, hostile_id++, 0, 1, REF_READ, 0, 7);
    check(after == BLKIF_RSP_OKAY, "blk-pv-serves-after", "a good read after the hostile grants: %d", after);

    /* Last, the ring page given back while blkback has it mapped: the
     * hypervisor may refuse (0 extents) or take it from us and free it only
     * at blkback's unmap (at the teardown); dom0 checks the free pages. */
    uint64_t ring_mfn = 0;
    long rr = pv_fe_give_back(ring_page, &ring_mfn);
    check(rr == 0 || rr == 1, "blk-pv-ring-given-back", "decrease_reservation of the mapped ring MFN %#llx: %ld",
          (unsigned long long)ring_mfn, rr);
    printf("RV-PV-BLK: ring page MFN %#llx given back while mapped: %ld extent(s)\n", (unsigned long long)ring_mfn, rr);
}

/* badring=1: the ring named by an MFN past any RAM; badring=2: by our own
 * L4 (a page table, writable): blkback's map of the ring fails, it reports a
 * fatal error and closes (state 5). */
static void pv_bad_ring(uint32_t vdev, uint64_t kind)
{
    if (!xfe_open(&x, "vbd", vdev, "blk", NULL))
        return;
    struct pv_fe_frames f;
    pv_fe_frames(&f);
    uint64_t mfn = kind == 2 ? f.l4 : 0xffffffffull;
    gnttab_grant(REF_RING, 0, mfn, false);
    long w = publish(REF_RING, "3");
    uint64_t w5 = w >= 0 ? xfe_wait_be(&x, 5, 15000000000ull) : 0;
    check(w5 != 0, "blk-pv-bad-ring", "ring-ref naming MFN %#llx: backend state %ld, want 5 (Closing)",
          (unsigned long long)mfn, xfe_be_state(&x));
}
#endif

void test_main(void)
{
    uint64_t mib = cmdline_uint("mib", 16);
    uint32_t vdev = (uint32_t)cmdline_uint("vdev", 51712);     /* xvda */
    hello_console_start(mib);
    if (!xsc_init()) {
        check(false, "blk-xenstore", "no store ring (not built by rv create?)");
        finish();
    }
    if (cmdline_uint("jump", 0))
        jump_checks(vdev);
#ifdef PVH_LIB_ON_PV
    else if (cmdline_uint("badring", 0))
        pv_bad_ring(vdev, cmdline_uint("badring", 0));
#endif
    else if (connect(vdev)) {
        io_checks();
#ifdef PVH_LIB_ON_PV
        printf("RV-PV-BLK: my read page is MFN %llu\n", (unsigned long long)grant_frame(rd_page));
        if (cmdline_uint("pvhostile", 0))
            pv_grant_checks();
        else
#endif
        if (cmdline_uint("hostile", 1))
            hostile_checks();
    }
    printf("RV-PVH-BLK: done, %u passed %u failed\n", pvh.passed, pvh.failed);
    /* Until dom0 destroys it (the backend still holds its grants). */
    for (;;)
        sched_op(SCHEDOP_block, NULL);
}
