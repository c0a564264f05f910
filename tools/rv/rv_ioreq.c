/*
 * rv ioreq-test: a small device model in dom0 for an HVM domain, over
 * Linux's privcmd (IOCTL_PRIVCMD_DM_OP, IOCTL_PRIVCMD_MMAP_RESOURCE) and
 * evtchn (/dev/xen/evtchn) devices, as QEMU uses them (docs/ioreq.md).  The
 * device it serves is tests/guests/ioreq_dev.c's: ports 0x5a0-0x5a7 latch
 * what is written; a read of 0x5a0+k answers latch + k, a 4-byte read of
 * 0x5a4 the count of requests served.
 *
 *   -m echo     (default) create a server, map its page, bind its ports,
 *               claim the ports, serve until the guest writes 0xd0e5 to
 *               0x5a6; then destroy the server without answering that
 *               write (which releases it), unmap the page; the hypervisor's
 *               free pages are read at each step (the page must stay
 *               allocated while mapped and come back at the unmap).
 *   -m stall    the same up to the first request, which it leaves
 *               unanswered: it exits with the server in place.
 *   -m destroy -s ID   destroy server ID (another process's) of DOMAIN.
 *   -m hostile  Xen's refusals: bad ids, pads, flags, ranges, overlaps,
 *               the caps on servers and ranges, other domains (-p PVDOM:
 *               a PV or PVH domain), acquire_resource of frames that do
 *               not exist; the frames come back after the servers go.
 * Every check prints "rv ioreq-test: PASS name ..." or "FAIL name ..."; the
 * exit status is 1 when one failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ringctl.h"
#include "rv_cmds.h"
#include "public/dm_op.h"
#include "public/memory.h"

/* Linux uapi xen/privcmd.h and xen/evtchn.h (numbers and layouts). */
struct pc_dm_op_buf {
    void *uptr;
    size_t size;
};
struct pc_dm_op {
    uint16_t dom;
    uint16_t num;
    const struct pc_dm_op_buf *ubufs;
};
#define PC_IOCTL_DM_OP          _IOC(_IOC_NONE, 'P', 5, sizeof(struct pc_dm_op))
struct ev_bind_interdomain {
    unsigned remote_domain, remote_port;
};
struct ev_port {
    unsigned port;
};
#define EV_IOCTL_BIND_INTERDOMAIN   _IOC(_IOC_NONE, 'E', 1, sizeof(struct ev_bind_interdomain))
#define EV_IOCTL_NOTIFY             _IOC(_IOC_NONE, 'E', 4, sizeof(struct ev_port))

#define DEV_PORT        0x5a0
#define DEV_LAST        0x5a7
#define DONE_WORD       0xd0e5
#define PG              4096
#define MAX_VCPUS_DM    64
#define IOREQ_MAX_SERVERS_DM 8     /* the hypervisor's cap (hvm/ioreq.h) */

struct dm {
    struct rc_handle *h;
    int privcmd, evtchn;
    uint16_t dom;
    unsigned nr_vcpus;
    unsigned fails, checks;
};

static bool check(struct dm *m, bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool check(struct dm *m, bool ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    m->checks++;
    m->fails += !ok;
    printf("rv ioreq-test: %s %s: ", ok ? "PASS" : "FAIL", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    return ok;
}

/* dm_op with one buffer of len bytes: 0 or -errno. */
static long dmop_raw(struct dm *m, uint16_t dom, void *buf, size_t len, unsigned nbufs)
{
    struct pc_dm_op_buf b[3] = { { buf, len }, { buf, len }, { buf, len } };
    struct pc_dm_op op = { dom, (uint16_t)nbufs, b };
    return ioctl(m->privcmd, PC_IOCTL_DM_OP, &op) < 0 ? -errno : 0;
}

static long dmop(struct dm *m, uint16_t dom, struct xen_dm_op *op)
{
    return dmop_raw(m, dom, op, sizeof(*op), 1);
}

static long create(struct dm *m, uint16_t dom, uint8_t buf, uint8_t pad, ioservid_t *id)
{
    struct xen_dm_op op = { .op = XEN_DMOP_create_ioreq_server };
    op.u.create_ioreq_server.handle_bufioreq = buf;
    op.u.create_ioreq_server.pad[1] = pad;
    long rc = dmop(m, dom, &op);
    if (!rc && id)
        *id = op.u.create_ioreq_server.id;
    return rc;
}

static long range(struct dm *m, uint16_t dom, bool map, ioservid_t id, uint32_t type, uint64_t s, uint64_t e,
                  uint16_t pad)
{
    struct xen_dm_op op = { .op = map ? XEN_DMOP_map_io_range_to_ioreq_server
                                      : XEN_DMOP_unmap_io_range_from_ioreq_server };
    op.u.map_io_range_to_ioreq_server = (struct xen_dm_op_ioreq_server_range){ id, pad, type, s, e };
    return dmop(m, dom, &op);
}

static long set_state(struct dm *m, uint16_t dom, ioservid_t id, uint8_t en, uint8_t pad)
{
    struct xen_dm_op op = { .op = XEN_DMOP_set_ioreq_server_state };
    op.u.set_ioreq_server_state = (struct xen_dm_op_set_ioreq_server_state){ id, en, pad };
    return dmop(m, dom, &op);
}

static long destroy(struct dm *m, uint16_t dom, ioservid_t id, uint16_t pad)
{
    struct xen_dm_op op = { .op = XEN_DMOP_destroy_ioreq_server };
    op.u.destroy_ioreq_server = (struct xen_dm_op_destroy_ioreq_server){ id, pad };
    return dmop(m, dom, &op);
}

static long get_info(struct dm *m, uint16_t dom, ioservid_t id, uint16_t flags)
{
    struct xen_dm_op op = { .op = XEN_DMOP_get_ioreq_server_info };
    op.u.get_ioreq_server_info.id = id;
    op.u.get_ioreq_server_info.flags = flags;
    return dmop(m, dom, &op);
}

/* The server's frame idx mapped at a fresh privcmd mapping: NULL and *rc. */
static void *map_frame(struct dm *m, uint16_t dom, ioservid_t id, unsigned idx, long *rc)
{
    void *va = rc_map_resource(m->h, dom, XENMEM_resource_ioreq_server, id, idx, 1);
    *rc = va ? 0 : -errno;
    return va;
}

static long free_pages(struct dm *m)
{
    struct xen_sysctl_physinfo pi;
    return rc_physinfo(m->h, &pi) < 0 ? -1 : (long)pi.free_pages;
}

static const char *en(long rc)
{
    return rc ? strerror((int)-rc) : "ok";
}

/* ---- serving ---- */

struct server {
    ioservid_t id;
    volatile struct ioreq *page;
    unsigned local[MAX_VCPUS_DM];   /* dom0's port bound to each vCPU's */
    uint32_t latch;
    unsigned served, reads, writes;
};

static int setup(struct dm *m, struct server *s)
{
    long rc = create(m, m->dom, 0, 0, &s->id);
    if (!check(m, !rc, "create", "d%u: server %d (%s)", m->dom, rc ? -1 : s->id, en(rc)))
        return -1;
    rc = get_info(m, m->dom, s->id, XEN_DMOP_no_gfns);
    check(m, !rc, "get-info", "no_gfns: %s", en(rc));
    s->page = map_frame(m, m->dom, s->id, XENMEM_resource_ioreq_server_frame_ioreq(0), &rc);
    if (!check(m, s->page != NULL, "acquire-map", "synchronous page of server %u: %s", s->id, en(rc)))
        return -1;
    for (unsigned i = 0; i < m->nr_vcpus; i++) {
        struct ev_bind_interdomain b = { m->dom, s->page[i].vp_eport };
        int p = ioctl(m->evtchn, EV_IOCTL_BIND_INTERDOMAIN, &b);
        if (!check(m, p >= 0, "bind", "vCPU %u's port %u: local %d (%s)", i, s->page[i].vp_eport, p,
                   p < 0 ? strerror(errno) : "ok"))
            return -1;
        s->local[i] = (unsigned)p;
    }
    rc = range(m, m->dom, true, s->id, XEN_DMOP_IO_RANGE_PORT, DEV_PORT, DEV_LAST, 0);
    if (!check(m, !rc, "map-range", "ports %#x-%#x: %s", DEV_PORT, DEV_LAST, en(rc)))
        return -1;
    rc = set_state(m, m->dom, s->id, 1, 0);
    return check(m, !rc, "enable", "%s", en(rc)) ? 0 : -1;
}

/* One request of slot q answered as the device; false for the stop word. */
static bool answer(struct dm *m, struct server *s, unsigned vcpu, bool stall)
{
    volatile struct ioreq *q = &s->page[vcpu];
    uint8_t bits = __atomic_load_n(&q->bits, __ATOMIC_ACQUIRE);
    if (IOREQ_BITS_STATE(bits) != STATE_IOREQ_READY)
        return true;
    bool rd = (bits >> IOREQ_BITS_DIR_SHIFT) & 1;
    uint64_t port = q->addr;
    uint32_t size = q->size, mask = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    if (stall) {
        printf("rv ioreq-test: left unanswered: vCPU %u %s port %#llx size %u\n", vcpu, rd ? "read" : "write",
               (unsigned long long)port, size);
        return false;
    }
    if (q->type != IOREQ_TYPE_PIO || q->count != 1 || (bits & IOREQ_BITS_DATA_IS_PTR) || port < DEV_PORT ||
        port + size - 1 > DEV_LAST || (size != 1 && size != 2 && size != 4)) {
        check(m, false, "request", "unexpected request: type %u count %u bits %#x port %#llx size %u", q->type,
              q->count, bits, (unsigned long long)port, size);
        return false;
    }
    if (!rd && port == DEV_PORT + 6 && size == 2 && (q->data & 0xffff) == DONE_WORD)
        return false;               /* the stop word: left for the destroy to release */
    s->served++;
    if (rd) {
        s->reads++;
        q->data = (port == DEV_PORT + 4 && size == 4) ? s->served : ((s->latch + (uint32_t)(port - DEV_PORT)) & mask);
    } else {
        s->writes++;
        s->latch = (uint32_t)q->data & mask;
    }
    __atomic_store_n(&q->bits, (uint8_t)(STATE_IORESP_READY | (bits & ~0xfu)), __ATOMIC_RELEASE);
    struct ev_port n = { s->local[vcpu] };
    ioctl(m->evtchn, EV_IOCTL_NOTIFY, &n);
    return true;
}

/* Serve until the stop word (false: a time-out or a failure). */
static bool serve(struct dm *m, struct server *s, bool stall, unsigned timeout_s)
{
    time_t end = time(NULL) + timeout_s;
    for (;;) {
        for (unsigned i = 0; i < m->nr_vcpus; i++)
            if (!answer(m, s, i, stall))
                return true;
        if (time(NULL) > end)
            return false;
        struct pollfd p = { m->evtchn, POLLIN, 0 };
        if (poll(&p, 1, 1000) > 0) {
            uint32_t ports[16];
            ssize_t n = read(m->evtchn, ports, sizeof(ports));
            if (n > 0)
                (void)!write(m->evtchn, ports, (size_t)n);     /* unmask them again */
        }
    }
}

static int mode_echo(struct dm *m, bool stall)
{
    struct server s;
    memset(&s, 0, sizeof(s));
    long fp0 = free_pages(m);
    if (setup(m, &s))
        return 1;
    long fp1 = free_pages(m);
    bool done = serve(m, &s, stall, 180);
    if (!check(m, done, stall ? "stall" : "serve", "%u requests served (%u reads, %u writes)%s", s.served, s.reads,
               s.writes, done ? "" : ": timed out"))
        return 1;
    if (stall) {
        printf("rv ioreq-test: server %u of d%u left with a request pending\n", s.id, m->dom);
        return 0;               /* the page stays mapped until exit; the server stays */
    }
    long rc = destroy(m, m->dom, s.id, 0);
    long fp2 = free_pages(m);
    munmap((void *)s.page, PG);
    long fp3 = free_pages(m);
    check(m, !rc, "destroy", "server %u: %s", s.id, en(rc));
    printf("rv ioreq-test: free pages: %ld before, %ld with the server, %ld after destroy (page still mapped), "
           "%ld after unmap\n", fp0, fp1, fp2, fp3);
    check(m, fp3 == fp2 + 1, "frame-lifetime", "the page stayed allocated while mapped (%ld) and came back at the "
          "unmap (%ld)", fp2, fp3);
    return 0;
}

static int mode_hostile(struct dm *m, int pvdom)
{
    ioservid_t id, ids[IOREQ_MAX_SERVERS_DM];
    long rc, rc2;

    rc = create(m, m->dom, 1, 0, NULL);
    check(m, rc == -EOPNOTSUPP, "bufioreq", "handle_bufioreq 1: %s (EOPNOTSUPP: no buffered ring)", en(rc));
    rc = create(m, m->dom, 3, 0, NULL);
    check(m, rc == -EINVAL, "bufioreq-bad", "handle_bufioreq 3: %s", en(rc));
    rc = create(m, m->dom, 0, 1, NULL);
    check(m, rc == -EINVAL, "create-pad", "pad set: %s", en(rc));
    rc = create(m, 0, 0, 0, NULL);
    check(m, rc == -EPERM, "self", "on dom0 itself: %s", en(rc));
    rc = create(m, 0x7ef0, 0, 0, NULL);
    check(m, rc == -ESRCH, "no-domain", "domain 0x7ef0: %s", en(rc));
    if (pvdom >= 0) {
        rc = create(m, (uint16_t)pvdom, 0, 0, NULL);
        check(m, rc == -EINVAL, "not-hvm", "PV/PVH domain %d: %s", pvdom, en(rc));
    }
    struct xen_dm_op op = { .op = 99 };
    rc = dmop(m, m->dom, &op);
    check(m, rc == -EOPNOTSUPP, "unknown-op", "op 99: %s", en(rc));
    op = (struct xen_dm_op){ .op = XEN_DMOP_create_ioreq_server, .pad = 1 };
    rc = dmop(m, m->dom, &op);
    check(m, rc == -EINVAL, "op-pad", "xen_dm_op.pad set: %s", en(rc));
    op = (struct xen_dm_op){ .op = XEN_DMOP_create_ioreq_server };
    rc = dmop_raw(m, m->dom, &op, 10, 1);
    check(m, rc == -EFAULT, "short-buffer", "10-byte buffer: %s", en(rc));

    /* The domain's server table comes with its first server and stays
     * until the domain goes: made (and the server destroyed) before the
     * frames are counted. */
    rc = create(m, m->dom, 0, 0, &id);
    rc2 = rc ? rc : destroy(m, m->dom, id, 0);
    check(m, !rc && !rc2, "create-destroy", "%s, %s", en(rc), en(rc2));
    long fp0 = free_pages(m);
    rc = create(m, m->dom, 0, 0, &id);
    if (!check(m, !rc, "create", "server %u: %s", rc ? 0 : id, en(rc)))
        return 1;
    rc = get_info(m, m->dom, id, 0);
    check(m, rc == -EOPNOTSUPP, "info-gfns", "without no_gfns: %s (frames through acquire_resource only)", en(rc));
    rc = get_info(m, m->dom, id, 0x8);
    check(m, rc == -EINVAL, "info-flags", "flags 0x8: %s", en(rc));
    rc = get_info(m, m->dom, 7, XEN_DMOP_no_gfns);
    check(m, rc == -ENOENT, "info-bad-id", "server 7: %s", en(rc));
    rc = range(m, m->dom, true, id, XEN_DMOP_IO_RANGE_PORT, 0x5a8, 0x5a0, 0);
    check(m, rc == -EINVAL, "range-reversed", "start > end: %s", en(rc));
    rc = range(m, m->dom, true, id, XEN_DMOP_IO_RANGE_PORT, 0xfff0, 0x10000, 0);
    check(m, rc == -EINVAL, "range-port-beyond", "port 0x10000: %s", en(rc));
    rc = range(m, m->dom, true, id, 5, 0x10, 0x20, 0);
    check(m, rc == -EINVAL, "range-type", "type 5: %s", en(rc));
    rc = range(m, m->dom, true, id, XEN_DMOP_IO_RANGE_PCI, 0, 0, 0);
    check(m, rc == -EOPNOTSUPP, "range-pci", "PCI: %s", en(rc));
    rc = range(m, m->dom, true, id, XEN_DMOP_IO_RANGE_PORT, 0x5a0, 0x5a7, 1);
    check(m, rc == -EINVAL, "range-pad", "pad set: %s", en(rc));
    rc = range(m, m->dom, true, 9, XEN_DMOP_IO_RANGE_PORT, 0x5a0, 0x5a7, 0);
    check(m, rc == -ENOENT, "range-bad-id", "server 9: %s", en(rc));
    rc = range(m, m->dom, true, id, XEN_DMOP_IO_RANGE_PORT, 0x5a0, 0x5a7, 0);
    rc2 = range(m, m->dom, true, id, XEN_DMOP_IO_RANGE_PORT, 0x5a4, 0x5ab, 0);
    check(m, !rc && rc2 == -EEXIST, "range-overlap", "0x5a0-0x5a7: %s; then 0x5a4-0x5ab: %s", en(rc), en(rc2));
    rc = range(m, m->dom, true, id, XEN_DMOP_IO_RANGE_MEMORY, 0xf0000000ull, 0xf0000fffull, 0);
    check(m, !rc, "range-memory", "MMIO 0xf0000000-0xf0000fff: %s", en(rc));
    rc = range(m, m->dom, false, id, XEN_DMOP_IO_RANGE_PORT, 0x5a0, 0x5a3, 0);
    check(m, rc == -ENOENT, "unmap-partial", "0x5a0-0x5a3 of 0x5a0-0x5a7: %s", en(rc));
    unsigned n = 2;
    for (rc = 0; !rc && n < 64; n++)
        rc = range(m, m->dom, true, id, XEN_DMOP_IO_RANGE_PORT, 0x6000 + n, 0x6000 + n, 0);
    check(m, rc == -ENOSPC && n == 33, "range-cap", "range %u of the server refused: %s (32 per server)", n, en(rc));

    /* A second server may not claim the first one's ports. */
    ioservid_t id2;
    rc = create(m, m->dom, 0, 0, &id2);
    rc2 = rc ? rc : range(m, m->dom, true, id2, XEN_DMOP_IO_RANGE_PORT, 0x5a7, 0x5a7, 0);
    check(m, !rc && rc2 == -EEXIST, "range-other-server", "server %u claiming port 0x5a7: %s", id2, en(rc2));
    rc = set_state(m, m->dom, 8, 1, 0);
    check(m, rc == -ENOENT, "state-bad-id", "server 8: %s", en(rc));
    rc = set_state(m, m->dom, id2, 1, 1);
    check(m, rc == -EINVAL, "state-pad", "pad set: %s", en(rc));

    long mrc;
    void *f0 = map_frame(m, m->dom, id, XENMEM_resource_ioreq_server_frame_bufioreq, &mrc);
    check(m, !f0 && mrc == -ENOENT, "acquire-bufioreq", "frame 0 (no buffered ring): %s", en(mrc));
    void *f2 = map_frame(m, m->dom, id, XENMEM_resource_ioreq_server_frame_ioreq(1), &mrc);
    check(m, !f2 && mrc == -EINVAL, "acquire-beyond", "frame 2: %s", en(mrc));
    void *f9 = map_frame(m, m->dom, 6, XENMEM_resource_ioreq_server_frame_ioreq(0), &mrc);
    check(m, !f9 && mrc == -ENOENT, "acquire-bad-id", "server 6: %s", en(mrc));

    /* The cap on servers: IOREQ_MAX_SERVERS_DM, two of them made above. */
    unsigned made = 0;
    for (rc = 0; !rc && made < IOREQ_MAX_SERVERS_DM; made++)
        rc = create(m, m->dom, 0, 0, &ids[made]);
    check(m, rc == -ENOSPC && made == IOREQ_MAX_SERVERS_DM - 1, "server-cap",
          "server %u refused: %s (%d per domain)", made + 2, en(rc), IOREQ_MAX_SERVERS_DM);
    for (unsigned i = 0; i + 1 < made; i++)
        destroy(m, m->dom, ids[i], 0);
    rc = destroy(m, m->dom, id2, 1);
    check(m, rc == -EINVAL, "destroy-pad", "pad set: %s", en(rc));
    rc = destroy(m, m->dom, id2, 0);
    rc2 = destroy(m, m->dom, id2, 0);
    check(m, !rc && rc2 == -ENOENT, "destroy-twice", "%s, then %s", en(rc), en(rc2));
    rc = destroy(m, m->dom, id, 0);
    long fp1 = free_pages(m);
    printf("rv ioreq-test: free pages: %ld before the servers, %ld after destroying all %u\n", fp0, fp1, made + 1);
    check(m, !rc && fp1 == fp0, "frames-back", "servers destroyed (%s): free pages %ld -> %ld", en(rc), fp0, fp1);
    return 0;
}

int rv_cmd_ioreq_test(int argc, char **argv)
{
    const char *mode = "echo";
    int sid = -1, pvdom = -1, c;
    optind = 1;
    while ((c = getopt(argc, argv, "m:s:p:")) != -1) {
        if (c == 'm')
            mode = optarg;
        else if (c == 's')
            sid = atoi(optarg);
        else if (c == 'p')
            pvdom = atoi(optarg);
        else
            return 2;
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "usage: rv ioreq-test [-m echo|stall|destroy|hostile] [-s ID] [-p PVDOM] DOMAIN\n");
        return 2;
    }
    struct dm m = { .privcmd = -1, .evtchn = -1 };
    if (rv_domain_arg("ioreq-test", argv[optind], &m.dom))
        return 1;
    if (!(m.h = rv_open("ioreq-test")))
        return 1;
    struct xen_domctl_getdomaininfo di;
    if (rc_domain_info(m.h, m.dom, &di) < 0) {
        fprintf(stderr, "rv ioreq-test: no domain %u\n", m.dom);
        return 1;
    }
    m.nr_vcpus = di.max_vcpu_id + 1 < MAX_VCPUS_DM ? di.max_vcpu_id + 1 : MAX_VCPUS_DM;
    m.privcmd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
    m.evtchn = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
    if (m.privcmd < 0 || m.evtchn < 0) {
        fprintf(stderr, "rv ioreq-test: /dev/xen/privcmd or /dev/xen/evtchn: %s\n", strerror(errno));
        return 1;
    }
    int rc;
    if (!strcmp(mode, "echo") || !strcmp(mode, "stall")) {
        rc = mode_echo(&m, mode[0] == 's');
    } else if (!strcmp(mode, "destroy") && sid >= 0) {
        long r = destroy(&m, m.dom, (ioservid_t)sid, 0);
        rc = !check(&m, !r, "destroy", "server %d of d%u: %s", sid, m.dom, en(r));
    } else if (!strcmp(mode, "hostile")) {
        rc = mode_hostile(&m, pvdom);
    } else {
        fprintf(stderr, "rv ioreq-test: unknown mode '%s' (or destroy without -s)\n", mode);
        return 2;
    }
    printf("rv ioreq-test: %s: %u checks, %u failed\n", mode, m.checks, m.fails);
    return rc || m.fails ? 1 : 0;
}
