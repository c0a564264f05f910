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
int rv_xs_introduce(struct rv_xs *x, uint16_t domid, uint64_t gfn, uint32_t port);
int rv_xs_release(struct rv_xs *x, uint16_t domid);

#endif
