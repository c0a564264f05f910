/*
 * rv's xenstore client (rv_xs.h).  A request is the 16-byte header (type,
 * req_id, tx_id, len) and its payload; the reply carries the same type, or
 * XS_ERROR with the error's name ("ENOENT"...).  Watch events never arrive
 * here: rv sets no watches.
 */
#include "rv_xs.h"
#include "xs_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct rv_xs {
    int fd;
    int is_dev;         /* a character device (/dev/xen/xenbus): write(), not send() */
    uint32_t next_id;
    uint32_t tx;        /* the open transaction's id (rv_xs_transaction_start), 0 = none */
    unsigned events;    /* watch events read while waiting for a reply, not yet taken */
};

struct rv_xs *rv_xs_open(void)
{
    return rv_xs_open_at(getenv("XENSTORED_PATH"));
}

struct rv_xs *rv_xs_open_at(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (!path || !*path)
        path = "/run/xenstored/socket";
    if (!strncmp(path, "/dev/", 5)) {
        /* The kernel's xenbus device: the same messages, relayed by dom0's
         * kernel over its store ring. */
        int dfd = open(path, O_RDWR | O_CLOEXEC);
        if (dfd < 0)
            return NULL;
        struct rv_xs *x = calloc(1, sizeof(*x));
        if (!x) {
            close(dfd);
            errno = ENOMEM;
            return NULL;
        }
        x->fd = dfd;
        x->is_dev = 1;
        x->next_id = 1;
        return x;
    }
    if (strlen(path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    struct rv_xs *x = calloc(1, sizeof(*x));
    if (!x) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    x->fd = fd;
    x->next_id = 1;
    return x;
}

void rv_xs_close(struct rv_xs *x)
{
    if (x) {
        close(x->fd);
        free(x);
    }
}

static int io_all(int fd, void *buf, size_t len, int wr, int is_dev)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = !wr ? read(fd, p, len) : is_dev ? write(fd, p, len) : send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static const struct {
    const char *name;
    int err;
} errnames[] = {
    { "EINVAL", EINVAL }, { "EACCES", EACCES }, { "EEXIST", EEXIST }, { "EISDIR", EISDIR },
    { "ENOENT", ENOENT }, { "ENOMEM", ENOMEM }, { "ENOSPC", ENOSPC }, { "EIO", EIO },
    { "ENOTEMPTY", ENOTEMPTY }, { "ENOSYS", ENOSYS }, { "EROFS", EROFS }, { "EBUSY", EBUSY },
    { "EAGAIN", EAGAIN }, { "EISCONN", EISCONN }, { "E2BIG", E2BIG }, { "EPERM", EPERM },
    { "EQUOTA", EDQUOT },
};

/* One request; the reply's payload into out (up to outlen bytes, the rest
 * read and dropped).  The payload length, or -errno. */
static long request(struct rv_xs *x, uint32_t type, const void *payload, size_t len, char *out, size_t outlen)
{
    if (len > XENSTORE_PAYLOAD_MAX)
        return -E2BIG;
    struct xsd_msg_hdr h = { type, x->next_id++, type == XS_TRANSACTION_START ? 0 : x->tx, (uint32_t)len };
    if (x->is_dev) {
        /* The device takes one whole message per write. */
        static uint8_t msg[sizeof(struct xsd_msg_hdr) + XENSTORE_PAYLOAD_MAX];
        memcpy(msg, &h, sizeof(h));
        memcpy(msg + sizeof(h), payload, len);
        if (io_all(x->fd, msg, sizeof(h) + len, 1, 1))
            return -EIO;
    } else if (io_all(x->fd, &h, sizeof(h), 1, 0) || io_all(x->fd, (void *)payload, len, 1, 0))
        return -EIO;
    struct xsd_msg_hdr r;
    static char buf[XENSTORE_PAYLOAD_MAX + 1];
    for (;;) {
        if (io_all(x->fd, &r, sizeof(r), 0, x->is_dev) || r.len > XENSTORE_PAYLOAD_MAX ||
            io_all(x->fd, buf, r.len, 0, x->is_dev))
            return -EIO;
        if (r.type != XS_WATCH_EVENT)
            break;
        x->events++;        /* a watch fired meanwhile (rv_xs_watch): noted, not a reply */
    }
    buf[r.len] = 0;
    if (r.req_id != h.req_id)
        return -EIO;
    if (r.type == XS_ERROR) {
        for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
            if (!strcmp(buf, errnames[i].name))
                return -errnames[i].err;
        return -EIO;
    }
    if (r.type != type)
        return -EIO;
    if (out && outlen) {
        size_t n = r.len < outlen ? r.len : outlen - 1;
        memcpy(out, buf, n);
        out[n] = 0;
    }
    return (long)r.len;
}

/* Strings joined with their NULs, as the requests with several arguments
 * want them; with_last_nul = 0 for WRITE (the value has none). */
static long request_args(struct rv_xs *x, uint32_t type, const char *const *args, unsigned n, int with_last_nul,
                         char *out, size_t outlen)
{
    static char buf[XENSTORE_PAYLOAD_MAX];
    size_t len = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t l = strlen(args[i]) + (i + 1 < n || with_last_nul);
        if (l > sizeof(buf) - len)
            return -E2BIG;
        memcpy(buf + len, args[i], l);
        len += l;
    }
    return request(x, type, buf, len, out, outlen);
}

int rv_xs_write(struct rv_xs *x, const char *path, const char *value)
{
    const char *a[2] = { path, value };
    long rc = request_args(x, XS_WRITE, a, 2, 0, NULL, 0);
    return rc < 0 ? (int)rc : 0;
}

int rv_xs_mkdir(struct rv_xs *x, const char *path)
{
    long rc = request_args(x, XS_MKDIR, &path, 1, 1, NULL, 0);
    return rc < 0 ? (int)rc : 0;
}

int rv_xs_rm(struct rv_xs *x, const char *path)
{
    long rc = request_args(x, XS_RM, &path, 1, 1, NULL, 0);
    return rc < 0 ? (int)rc : 0;
}

int rv_xs_set_perms(struct rv_xs *x, const char *path, const char *const *perms, unsigned n)
{
    const char *a[9];
    if (n > 8)
        return -E2BIG;
    a[0] = path;
    for (unsigned i = 0; i < n; i++)
        a[i + 1] = perms[i];
    long rc = request_args(x, XS_SET_PERMS, a, n + 1, 1, NULL, 0);
    return rc < 0 ? (int)rc : 0;
}

long rv_xs_read(struct rv_xs *x, const char *path, char *buf, size_t len)
{
    return request_args(x, XS_READ, &path, 1, 1, buf, len);
}

long rv_xs_get_perms(struct rv_xs *x, const char *path, char *buf, size_t len)
{
    long n = request_args(x, XS_GET_PERMS, &path, 1, 1, buf, len);
    if (n <= 0)
        return n;
    size_t m = (size_t)n < len ? (size_t)n : len - 1;     /* the bytes request() copied */
    /* "n0\0r5\0": NULs between entries become commas, the last one ends it. */
    for (size_t i = 0; i < m; i++)
        if (!buf[i])
            buf[i] = ',';
    while (m && buf[m - 1] == ',')
        buf[--m] = 0;
    return (long)m;
}

int rv_xs_introduce(struct rv_xs *x, uint16_t domid, uint64_t gfn, uint32_t port)
{
    char d[8], g[24], p[12];
    snprintf(d, sizeof(d), "%u", domid);
    snprintf(g, sizeof(g), "%llu", (unsigned long long)gfn);
    snprintf(p, sizeof(p), "%u", port);
    const char *a[3] = { d, g, p };
    long rc = request_args(x, XS_INTRODUCE, a, 3, 1, NULL, 0);
    return rc < 0 ? (int)rc : 0;
}

int rv_xs_release(struct rv_xs *x, uint16_t domid)
{
    char d[8];
    snprintf(d, sizeof(d), "%u", domid);
    const char *a = d;
    long rc = request_args(x, XS_RELEASE, &a, 1, 1, NULL, 0);
    return rc < 0 ? (int)rc : 0;
}

int rv_xs_transaction_start(struct rv_xs *x)
{
    char id[16];
    const char *a = "";
    if (x->tx)
        return -EBUSY;
    long rc = request_args(x, XS_TRANSACTION_START, &a, 1, 1, id, sizeof(id));
    if (rc < 0)
        return (int)rc;
    x->tx = (uint32_t)strtoul(id, NULL, 10);
    return x->tx ? 0 : -EIO;
}

int rv_xs_transaction_end(struct rv_xs *x, int commit)
{
    const char *a = commit ? "T" : "F";
    long rc = request_args(x, XS_TRANSACTION_END, &a, 1, 1, NULL, 0);
    x->tx = 0;                  /* ended either way (EAGAIN: aborted by the daemon) */
    return rc < 0 ? (int)rc : 0;
}

long rv_xs_directory(struct rv_xs *x, const char *path, char *buf, size_t len)
{
    long n = request_args(x, XS_DIRECTORY, &path, 1, 1, buf, len);
    if (n < 0)
        return n;
    size_t m = (size_t)n < len ? (size_t)n : len - 1;
    /* "a\0b\0": ends with a NUL, so buf holds NUL-separated names; count them. */
    long cnt = 0;
    for (size_t i = 0; i < m; i++)
        if (!buf[i])
            cnt++;
    if (m && buf[m - 1])
        cnt++;                  /* cut short: the last name is partial but terminated by request() */
    return cnt;
}

int rv_xs_watch(struct rv_xs *x, const char *path, const char *token)
{
    const char *a[2] = { path, token };
    long rc = request_args(x, XS_WATCH, a, 2, 1, NULL, 0);
    return rc < 0 ? (int)rc : 0;
}

int rv_xs_wait_event(struct rv_xs *x, int timeout_ms)
{
    if (x->events) {
        x->events--;
        return 1;
    }
    struct pollfd pfd = { .fd = x->fd, .events = POLLIN };
    int n = poll(&pfd, 1, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    if (n == 0)
        return 0;
    struct xsd_msg_hdr r;
    static char buf[XENSTORE_PAYLOAD_MAX + 1];
    if (io_all(x->fd, &r, sizeof(r), 0, x->is_dev) || r.len > XENSTORE_PAYLOAD_MAX ||
        io_all(x->fd, buf, r.len, 0, x->is_dev))
        return -EIO;
    return r.type == XS_WATCH_EVENT ? 1 : 0;
}

int rv_xs_fd(const struct rv_xs *x)
{
    return x->fd;
}

unsigned rv_xs_pending(const struct rv_xs *x)
{
    return x->events;
}
