/*
 * The shared page of the two-domain PVH guests (pvh_ring_*, pvh_bench_*,
 * pvh_hostile*): domain A grants it to B and offers B an unbound port; the
 * header tells B the port.  Two single-producer/single-consumer rings of
 * 32-bit messages, one per direction, with free-running indices.  A side
 * notifies the other only when that side said it is waiting (cons_wait /
 * prod_wait, written by the waiting side and re-checked after a full
 * barrier), so a busy exchange makes few hypercalls.
 */
#ifndef PVH_LIB_RING_H
#define PVH_LIB_RING_H

#include "pvh.h"

#define RING_MAGIC      0x52564e47u     /* "RVNG" */
#define RING_REF        10u             /* grant ref of the shared page (0-7: toolstack convention) */
#define RING_SLOTS      256u

struct ring {
    volatile uint32_t prod, prod_wait;  /* written by the producer */
    uint32_t pad0[14];
    volatile uint32_t cons, cons_wait;  /* written by the consumer */
    uint32_t pad1[14];
    volatile uint32_t slot[RING_SLOTS];
};

struct ring_page {
    volatile uint32_t magic;            /* A: RING_MAGIC once the rest is valid */
    volatile uint32_t a_port;           /* A's port, offered to B */
    volatile uint32_t b_ready;          /* B: bound and mapped */
    volatile uint32_t b_done;           /* B: finished, about to unmap */
    volatile uint32_t a_done;
    volatile uint32_t phase;            /* bench: 1 ping-pong, 2 grant copy */
    volatile uint32_t info[10];         /* guest-specific (pvh_hostile_peer's ports and refs) */
    struct ring a2b, b2a;
};
_Static_assert(sizeof(struct ring_page) <= 4096, "ring page");

struct ring_stats {
    uint64_t sent, recvd, notifies, waits, ns;
    bool ok;
};

/*
 * Sends n messages on tx (payload seq * 2 + dir) and receives n on rx
 * (payload seq * 2 + !dir), checking every one.  Fails (FAIL line) on the
 * first wrong message or when nothing moves for 20 s.
 */
static inline bool ring_exchange(struct ring *tx, struct ring *rx, evtchn_port_t port, uint32_t n, uint32_t dir,
                                 struct ring_stats *st)
{
    uint32_t sent = 0, recvd = 0;
    uint64_t t0 = pvclock_ns(), stall_since = 0;
    memset(st, 0, sizeof(*st));
    while (sent < n || recvd < n) {
        bool progress = false, kick = false;
        uint32_t prod = tx->prod, room = RING_SLOTS - (prod - tx->cons);
        uint32_t k = n - sent < room ? n - sent : room;
        if (k) {
            for (uint32_t i = 0; i < k; i++)
                tx->slot[(prod + i) % RING_SLOTS] = (sent + i) * 2 + dir;
            barrier();              /* x86: stores stay in order; keep the compiler from reordering */
            tx->prod = prod + k;
            sent += k;
            progress = true;
            mb();
            kick |= tx->cons_wait != 0;
        }
        uint32_t rprod = rx->prod, rcons = rx->cons;
        if (rprod != rcons) {
            barrier();
            if (rprod - rcons > RING_SLOTS) {
                printf("FAIL ring-indices: prod %u cons %u: more than %u slots\n", rprod, rcons, RING_SLOTS);
                return false;
            }
            for (; rcons != rprod; rcons++, recvd++) {
                uint32_t v = rx->slot[rcons % RING_SLOTS], want = recvd * 2 + (dir ^ 1);
                if (v != want || recvd >= n) {
                    printf("FAIL ring-sequence: message %u: got %u (seq %u, dir %u), want %u (%s)\n", recvd, v,
                           v / 2, v & 1, want, recvd >= n ? "more than sent" : v / 2 < recvd ? "duplicate/old" :
                           v / 2 > recvd ? "lost/reordered" : "wrong direction");
                    return false;
                }
            }
            barrier();
            rx->cons = rcons;
            progress = true;
            mb();
            kick |= rx->prod_wait != 0;
        }
        if (kick) {
            evtchn_send(port);
            st->notifies++;
        }
        if (progress) {
            stall_since = 0;
            continue;
        }
        bool need_tx = sent < n, need_rx = recvd < n;
        if (need_rx)
            rx->cons_wait = 1;
        if (need_tx)
            tx->prod_wait = 1;
        mb();
        if (!((need_tx && tx->prod - tx->cons < RING_SLOTS) || (need_rx && rx->prod != rx->cons))) {
            st->waits++;
            if (!evtchn_wait(port, 1000000000ull)) {
                uint64_t now = pvclock_ns();
                if (!stall_since)
                    stall_since = now;
                else if (now - stall_since > 20000000000ull) {
                    printf("FAIL ring-stalled: no progress for 20 s: sent %u/%u, received %u/%u\n", sent, n,
                           recvd, n);
                    return false;
                }
            }
        }
        rx->cons_wait = 0;
        tx->prod_wait = 0;
    }
    st->sent = sent;
    st->recvd = recvd;
    st->ns = pvclock_ns() - t0;
    st->ok = true;
    return true;
}

/* Polls cond (an expression) with SCHEDOP_poll on port (or yields when
 * port is 0) until true or timeout_ns passes. */
#define WAIT_UNTIL(cond, port, timeout_ns) ({                                   \
    uint64_t _dl = pvclock_ns() + (timeout_ns);                                 \
    bool _ok;                                                                   \
    while (!(_ok = (cond)) && pvclock_ns() < _dl) {                             \
        if (port)                                                               \
            evtchn_wait((port), 100000000ull);                                  \
        else                                                                    \
            sched_op(SCHEDOP_yield, NULL);                                      \
    }                                                                           \
    _ok; })

#endif
