/*
 * rv's xenstore client: the wire protocol (tools/xenstored/xs_proto.h) over
 * xenstored's Unix socket ($XENSTORED_PATH, else /run/xenstored/socket),
 * one request at a time, as the privileged toolstack.  Used by rv create
 * (the domain's entries, INTRODUCE), destroy/shutdown (RELEASE, removal)
 * and list (names).
 *
 * Owner: one handle per process, used from one thread; no locking.
 */
#ifndef RV_TOOLS_RV_XS_H
#define RV_TOOLS_RV_XS_H

#include <stddef.h>
#include <stdint.h>

struct rv_xs;

/* NULL (errno set) if no daemon listens. */
struct rv_xs *rv_xs_open(void);
/* The same at path: a socket, or a /dev/ path (the kernel's /dev/xen/xenbus,
 * whose requests go over dom0's own store ring). */
struct rv_xs *rv_xs_open_at(const char *path);
void rv_xs_close(struct rv_xs *x);

/* Each returns 0, or -errno (the daemon's error name mapped back, -EIO for
 * a broken connection). */
int rv_xs_write(struct rv_xs *x, const char *path, const char *value);
int rv_xs_mkdir(struct rv_xs *x, const char *path);
int rv_xs_rm(struct rv_xs *x, const char *path);
/* perms: the wire form, e.g. "n0" "r5" (owner first), n of them. */
int rv_xs_set_perms(struct rv_xs *x, const char *path, const char *const *perms, unsigned n);
/* The value into buf (NUL-terminated, cut at len - 1); its length or -errno. */
long rv_xs_read(struct rv_xs *x, const char *path, char *buf, size_t len);
/* The node's permissions, comma-separated ("n0,r5"); length or -errno. */
long rv_xs_get_perms(struct rv_xs *x, const char *path, char *buf, size_t len);
/* One transaction at a time: requests in between belong to it.  End with
 * commit = 1 (-EAGAIN: a conflict, nothing written: start again) or 0. */
int rv_xs_transaction_start(struct rv_xs *x);
int rv_xs_transaction_end(struct rv_xs *x, int commit);
/* The children of path as NUL-separated names in buf; how many, or -errno. */
long rv_xs_directory(struct rv_xs *x, const char *path, char *buf, size_t len);
int rv_xs_introduce(struct rv_xs *x, uint16_t domid, uint64_t gfn, uint32_t port);
int rv_xs_release(struct rv_xs *x, uint16_t domid);

/* XS_WATCH path with token (events come on this connection only). */
int rv_xs_watch(struct rv_xs *x, const char *path, const char *token);
/* Waits up to timeout_ms (-1: for ever) for a watch event: 1 one came
 * (also one read while a request waited for its reply), 0 none, -errno
 * (the daemon went away: -EIO). */
int rv_xs_wait_event(struct rv_xs *x, int timeout_ms);
/* For a caller's own poll(): the connection's descriptor, and how many
 * events were read while a request waited (rv_xs_wait_event hands them out
 * without the descriptor becoming readable). */
int rv_xs_fd(const struct rv_xs *x);
unsigned rv_xs_pending(const struct rv_xs *x);

#endif
