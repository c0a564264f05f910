/*
 * pvh_net_pv: the test netfront's PV-only modes (pv_net.elf only; the PVH
 * build does not compile this file: a PVH guest's grants name its own
 * guest frames, it cannot name anyone else's).  A PV frontend's grant
 * entries name machine frames (pv_fe.c's grant_frame), so it can name
 * frames that are not plain RAM of its own; these modes hand such grants
 * to dom0's netback (docs/split-drivers.md "Hostile frontends as PV
 * domUs").
 */
#include "pvh_net.h"

/* ---- mode pvrx (PV only, pv_net.elf): RX buffers named by machine frames
 * that are not plain RAM of ours: past any RAM, our own L4 and an L1
 * (page tables, writable), another domU's page (foreign= from dom0, else
 * the frame above our range).  netback's copy into each must fail (an
 * error answer, not a fatal error), the tables stay as they were, and a
 * good buffer afterwards gets its frame. */
#define REF_PVBAD 20                    /* 20..23 */

void pv_rx_checks(void)
{
    static uint8_t l4_before[4096], l1_before[4096];
    my_ip = cmdline_ip("ip");
    peer_ip = cmdline_ip("peer");
    gnttab_grant(REF_TXBUF, 0, grant_frame(txbuf), true);
    struct pv_fe_frames f;
    pv_fe_frames(&f);
    uint64_t foreign = cmdline_uint("foreign", 0);
    const uint64_t bad[4] = { 0xffffffffull, f.l4, f.l1, foreign ? foreign : f.max_own + 1 };
    memcpy(l4_before, f.l4_va, 4096);
    memcpy(l1_before, f.l1_va, 4096);
    for (unsigned i = 0; i < 4; i++) {
        gnttab_grant(REF_PVBAD + i, 0, bad[i], false);
        rx_post((uint16_t)i, REF_PVBAD + i);
    }
    rx_kick();
    unsigned got = 0, errors = 0, sent = 0;
    for (unsigned t = 0; t < 20 && got < 4; t++) {
        sent += send_arp(1, NULL, peer_ip) == XEN_NETIF_RSP_OKAY;
        rx_count(500000000ull, 4, &got, &errors);
    }
    bool same = !memcmp(l4_before, f.l4_va, 4096) && !memcmp(l1_before, f.l1_va, 4096);
    printf("RV-PVH-NET: pvrx: MFNs %#llx %#llx (L4) %#llx (L1) %#llx (%s): %u ARP requests, %u answers, %u errors\n",
           (unsigned long long)bad[0], (unsigned long long)bad[1], (unsigned long long)bad[2],
           (unsigned long long)bad[3], foreign ? "another domU's" : "above ours", sent, got, errors);
    check(got == 4 && errors == 4 && same, "net-pv-rx-bad-frames",
          "%u ARP requests sent, %u RX answers, %u errors (want 4 and 4); our page tables %s", sent, got, errors,
          same ? "unchanged" : "WRITTEN");
    /* A good buffer: netback still serves the vif. */
    gnttab_grant(REF_RXBUF, 0, grant_frame(rxbuf[0]), false);
    rx_post(5, REF_RXBUF);
    rx_kick();
    unsigned got2 = 0, errors2 = 0;
    for (unsigned t = 0; t < 20 && !got2; t++) {
        send_arp(1, NULL, peer_ip);
        rx_count(500000000ull, 1, &got2, &errors2);
    }
    check(got2 == 1 && errors2 == 0, "net-pv-rx-serves-after", "a good RX buffer: %u answers, %u errors", got2,
          errors2);
}

/* ---- mode pvtx: TX slots named by such machine frames, on netback's map
 * path.  netback grant-copies the first XEN_NETBACK_TX_COPY_LEN (128)
 * bytes of a frame into its own buffer and grant-maps (read-only) every
 * byte after them: the rest of the first slot and every further slot.
 * Each frame below is sent three times:
 *  - "map": two slots, the first 128 bytes of our frame page (copied
 *    whole), the second 64 bytes of the hostile grant (mapped only);
 *  - "copy": two slots, 60 bytes of our frame page, then 60 of the hostile
 *    grant: 120 bytes, all of them copied (netback's header copy spans
 *    slots), nothing mapped;
 *  - "copy+map": one 200-byte slot of the hostile grant (its first 128
 *    bytes copied, the other 72 mapped).
 * Frames not ours must be refused (the hostile slot answered with an
 * error: netback's map or copy failed; nothing of another domU's page may
 * go out on the wire).  Our own page tables are served (netback maps them
 * read-only, which the hypervisor allows a domain's own table frames, as
 * Xen: the bytes that go out are ours to read anyway) and must read the
 * same afterwards.  Of our special frames the grant-table frame and
 * shared_info are not plain RAM of ours (refused), start_info is (served).
 * No answer at all would be netback's fatal error (the vif disabled).
 * Then a good frame of each shape and a ping of peer=: the vif still
 * serves. */
#define REF_PVTX 20                     /* 20..31, one a frame, never revoked (netback may map late) */

enum { PVTX_NOT_OURS, PVTX_TABLE, PVTX_SPECIAL };

struct pvtx_frame {
    uint64_t mfn;
    bool ro;                            /* the grant entry read-only (netback maps read-only either way) */
    uint8_t kind;
    int8_t want;                        /* both sends' expected status */
    const char *what;
};

static uint16_t pvtx_id = 200;

enum { PVTX_MAP, PVTX_COPY, PVTX_COPY_MAP, PVTX_SHAPES };

/* Sends one frame of the shape (above) and returns the hostile slot's
 * status (99: no answer within 10 s; 98: an answer for a request we did
 * not send); *first gets the first slot's in the two-slot shapes. */
static int pvtx_send(uint32_t gref, unsigned shape, int *first)
{
    bool two_slot = shape != PVTX_COPY_MAP;
    uint16_t own = shape == PVTX_MAP ? 128 : 60, rest = shape == PVTX_MAP ? 64 : 60;
    uint16_t id0 = pvtx_id, id1 = (uint16_t)(pvtx_id + 1);
    pvtx_id = (uint16_t)(pvtx_id + 2);
    unsigned n = 1;
    if (two_slot) {
        tx_push(REF_FRAME, 0, NETTXF_MORE_DATA, id0, (uint16_t)(own + rest));
        tx_push(gref, 0, 0, id1, rest);
        n = 2;
    } else
        tx_push(gref, 0, 0, id1, 200);
    tx_kick();
    int st = 99;
    *first = 99;
    struct netif_tx_response rsp;
    for (unsigned got = 0; got < n && tx_next(&rsp, 10000000000ull); got++) {
        if (rsp.id == id1)
            st = rsp.status;
        else if (two_slot && rsp.id == id0)
            *first = rsp.status;
        else
            st = 98;
    }
    return st;
}

void pv_tx_checks(void)
{
    static uint8_t l4_before[4096], l1_before[4096];
    struct pv_fe_frames f;
    pv_fe_frames(&f);
    uint64_t foreign = cmdline_uint("foreign", 0);
    const struct pvtx_frame frames[] = {
        { 0xffffffffull, false, PVTX_NOT_OURS, XEN_NETIF_RSP_ERROR, "MFN 0xffffffff" },
        { 0x7ffffffull, false, PVTX_NOT_OURS, XEN_NETIF_RSP_ERROR, "MFN 0x7ffffff (past RAM)" },
        { f.max_own + 1, false, PVTX_NOT_OURS, XEN_NETIF_RSP_ERROR, "the frame above ours" },
        { foreign, false, PVTX_NOT_OURS, XEN_NETIF_RSP_ERROR, "another domU's page" },
        { foreign, true, PVTX_NOT_OURS, XEN_NETIF_RSP_ERROR, "another domU's page, read-only grant" },
        { f.l4, false, PVTX_TABLE, XEN_NETIF_RSP_OKAY, "our L4" },
        { f.l4, true, PVTX_TABLE, XEN_NETIF_RSP_OKAY, "our L4, read-only grant" },
        { f.l1, false, PVTX_TABLE, XEN_NETIF_RSP_OKAY, "our L1" },
        { f.l1, true, PVTX_TABLE, XEN_NETIF_RSP_OKAY, "our L1, read-only grant" },
        { f.gnttab, false, PVTX_SPECIAL, XEN_NETIF_RSP_ERROR, "our grant-table frame" },
        { f.start_info, false, PVTX_SPECIAL, XEN_NETIF_RSP_OKAY, "our start_info" },
        { f.shared_info, false, PVTX_SPECIAL, XEN_NETIF_RSP_ERROR, "our shared_info" },
    };
    _Static_assert(ARRAY_SIZE(frames) <= 12, "refs 20..31");
    memcpy(l4_before, f.l4_va, 4096);
    memcpy(l1_before, f.l1_va, 4096);
    unsigned tried[3] = { 0 }, refused[3] = { 0 }, as_wanted[3] = { 0 };
    uint64_t t0 = pvclock_ns();
    for (unsigned i = 0; i < ARRAY_SIZE(frames); i++) {
        const struct pvtx_frame *fr = &frames[i];
        /* No foreign= given, or the frame above ours is ours or special
         * after all: not a frame that is not ours. */
        if (fr->kind == PVTX_NOT_OURS && (!fr->mfn || pv_fe_owns(fr->mfn) || fr->mfn == f.shared_info ||
                                          fr->mfn == f.gnttab))
            continue;
        gnttab_grant(REF_PVTX + i, 0, fr->mfn, fr->ro);
        int st[PVTX_SHAPES], first[PVTX_SHAPES];
        for (unsigned k = 0; k < PVTX_SHAPES; k++) {
            st[k] = pvtx_send(REF_PVTX + i, k, &first[k]);
            tried[fr->kind]++;
            refused[fr->kind] += st[k] == XEN_NETIF_RSP_ERROR;
            as_wanted[fr->kind] += st[k] == fr->want;
        }
        printf("RV-PVH-NET: pvtx: %s (MFN %#llx): map %d (first slot %d), copy %d (first slot %d), copy+map %d\n",
               fr->what, (unsigned long long)fr->mfn, st[PVTX_MAP], first[PVTX_MAP], st[PVTX_COPY], first[PVTX_COPY],
               st[PVTX_COPY_MAP]);
    }
    bool same = !memcmp(l4_before, f.l4_va, 4096) && !memcmp(l1_before, f.l1_va, 4096);
    printf("RV-PVH-NET: pvtx: %u frames in %llu ms; not ours %u of %u refused, page tables %u of %u refused, "
           "special %u of %u refused\n", tried[0] + tried[1] + tried[2], (unsigned long long)((pvclock_ns() - t0) / 1000000),
           refused[0], tried[0], refused[1], tried[1], refused[2], tried[2]);
    check(tried[PVTX_NOT_OURS] >= 9 + 6 * (foreign != 0) && as_wanted[PVTX_NOT_OURS] == tried[PVTX_NOT_OURS],
          "net-pv-tx-not-owned", "%u of %u TX slots naming frames not ours refused (foreign=%#llx)",
          refused[PVTX_NOT_OURS], tried[PVTX_NOT_OURS], (unsigned long long)foreign);
    check(tried[PVTX_TABLE] == 12 && as_wanted[PVTX_TABLE] == 12 && same, "net-pv-tx-page-table",
          "%u of %u TX slots naming our L4/L1 served read-only (%u refused; want 12 and 0); our page tables %s",
          as_wanted[PVTX_TABLE], tried[PVTX_TABLE], refused[PVTX_TABLE], same ? "unchanged" : "WRITTEN");
    check(tried[PVTX_SPECIAL] == 9 && as_wanted[PVTX_SPECIAL] == 9, "net-pv-tx-own-special",
          "%u of %u TX slots naming our grant table, start_info, shared_info as wanted (refused %u; want the "
          "grant table's and shared_info's 6)", as_wanted[PVTX_SPECIAL], tried[PVTX_SPECIAL], refused[PVTX_SPECIAL]);
    /* netback still serves the vif: a good frame of each shape, a ping. */
    int first = 99;
    int good1 = one(REF_FRAME, 0, 200, pvtx_id++, 10000000000ull);
    int good2 = pvtx_send(REF_FRAME, PVTX_MAP, &first);
    serve_setup();
    unsigned replies = peer_ip ? ping_peer("pvtx") : 0;
    check(good1 == XEN_NETIF_RSP_OKAY && good2 == XEN_NETIF_RSP_OKAY && first == XEN_NETIF_RSP_OKAY && replies >= 1,
          "net-pv-tx-serves-after", "good frames: one slot %d, two slots %d/%d (want 0); %u echo replies from peer",
          good1, first, good2, replies);
}
