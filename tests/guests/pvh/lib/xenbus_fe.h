/* A PVH test frontend's xenbus side (pvh/lib/xenbus_fe.c): what pvh_blk and
 * pvh_net share before their rings differ. */
#ifndef PVH_LIB_XENBUS_FE_H
#define PVH_LIB_XENBUS_FE_H

#include "pvh.h"

/* One frontend device: its directory (relative to /local/domain/D), the
 * backend's directory read from DIR/backend, and the unbound event channel
 * the frontend offers dom0.  Owned by the guest's one frontend, no locks
 * (single vCPU, no upcalls). */
struct xfe {
    char fe[64], be[96];
    evtchn_port_t port;
};

/* "a" + "b" into one of two static buffers (paths; no snprintf here). */
const char *xfe_cat(const char *a, const char *b);
/* Decimal text of v, one of four static buffers. */
const char *xfe_utoa(uint64_t v);
/* The leading decimal digits of s. */
uint64_t xfe_atou(const char *s);

/* The backend's state node, -1 if unreadable. */
long xfe_be_state(const struct xfe *x);
/* Polls the backend's state until it is want: the time it took (ns, at
 * least 1) or 0 after timeout_ns. */
uint64_t xfe_wait_be(const struct xfe *x, long want, uint64_t timeout_ns);
/* Writes the frontend's node DIR/name; 0 or more, -1 on an error reply. */
long xfe_write(const struct xfe *x, const char *name, const char *value);

/* Closing, Closed, then Initialising: a backend disconnects, goes to 6 and,
 * the device still online, back to 2 (InitWait) for a new connection.
 * Prints "PREFIX: close and reopen: ..." with what it saw; true if it saw
 * 5, 6 and 2 (10 s each at most). */
bool xfe_close_and_reopen(const struct xfe *x, const char *prefix);

/* Frontend state 9 (past Reconfigured: no frontend may take it); a
 * backend gives up on the device (xenbus fatal error, state 5 Closing).
 * The time until the backend showed 5, or 0 after 10 s. */
uint64_t xfe_bad_state(const struct xfe *x);

/* The start every test frontend shares: DIR = "device/KIND/ID", its
 * backend path, a fresh unbound port for dom0, the backend in state 2
 * (InitWait, 30 s at most) and grant table frame 0 mapped.  Each step is a
 * check named "<tag>-..." (frontend-dir, evtchn, backend-initwait,
 * gnttab); *initwait_ns gets the wait for InitWait.  False at the first
 * failure. */
bool xfe_open(struct xfe *x, const char *kind, uint64_t id, const char *tag, uint64_t *initwait_ns);

#endif
