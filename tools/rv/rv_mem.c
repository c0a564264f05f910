/*
 * rv mem-set DOMAIN SIZE: a domain's memory target, as xl mem-set sets it
 * (libxl_set_memory_target with enforcement): the balloon target the guest's
 * balloon driver watches, /local/domain/N/memory/target in KiB, and the
 * hypervisor's limit (XEN_DOMCTL_max_mem) at the target plus 1 MiB of slack,
 * the constant libxl adds.  A guest without a balloon driver keeps what it
 * has (a limit below its current size only stops it from growing).
 * SIZE is in MiB, or with a suffix k, m, g (xl's units).
 */
#include "rv_cmds.h"
#include "rv_xs.h"
#include "ringctl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXMEM_SLACK_KIB 1024ull

/* SIZE in KiB, or 0 if malformed. */
static uint64_t parse_size_kib(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *s == '-' || errno || end == s)
        return 0;
    unsigned shift = 10;                /* MiB by default */
    if (*end) {
        switch (*end == 'K' || *end == 'M' || *end == 'G' ? *end + ('a' - 'A') : *end) {
        case 'k': shift = 0; break;
        case 'm': shift = 10; break;
        case 'g': shift = 20; break;
        default: return 0;
        }
        if (end[1])
            return 0;
    }
    if (v > (~0ull >> (shift + 2)))     /* the domctl takes KiB in 64 bits; keep pages in range too */
        return 0;
    return v << shift;
}

int rv_cmd_mem_set(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: rv mem-set DOMAIN SIZE (MiB, or with a k/m/g suffix)\n");
        return 2;
    }
    uint64_t kib = parse_size_kib(argv[2]);
    if (!kib) {
        fprintf(stderr, "rv mem-set: '%s' is not a size (a positive number of MiB, or with a k/m/g suffix)\n",
                argv[2]);
        return 1;
    }
    struct rc_handle *h = rv_open("mem-set");
    if (!h)
        return 1;
    uint16_t domid;
    if (rv_lookup_domain(h, "mem-set", argv[1], &domid)) {
        rc_close(h);
        return 1;
    }
    struct xen_sysctl_physinfo pi;
    long rc = rc_physinfo(h, &pi);
    if (rc >= 0 && kib > pi.total_pages * 4) {
        fprintf(stderr, "rv mem-set: %llu KiB is more than the host's %llu KiB\n", (unsigned long long)kib,
                (unsigned long long)pi.total_pages * 4);
        rc_close(h);
        return 1;
    }
    struct xen_domctl_getdomaininfo before, after;
    if ((rc = rc_domain_info(h, domid, &before)) < 0 || before.domain != domid) {
        fprintf(stderr, "rv mem-set: domain %u: %s\n", domid, rc < 0 ? rc_strerror(rc) : "gone");
        rc_close(h);
        return 1;
    }
    /* The limit first when the target grows, the target first when it
     * shrinks: the guest never sees a target above its limit. */
    struct rv_xs *x = rv_xs_open();
    if (!x) {
        fprintf(stderr, "rv mem-set: no xenstored: %s\n", strerror(errno));
        rc_close(h);
        return 1;
    }
    char path[64], val[32];
    snprintf(path, sizeof(path), "/local/domain/%u/memory/target", domid);
    snprintf(val, sizeof(val), "%llu", (unsigned long long)kib);
    bool grow = kib + MAXMEM_SLACK_KIB > before.max_pages * 4;
    int xrc = 0;
    if (!grow)
        xrc = rv_xs_write(x, path, val);
    if (!xrc && (rc = rc_max_mem(h, domid, kib + MAXMEM_SLACK_KIB)) < 0) {
        fprintf(stderr, "rv mem-set: max_mem of domain %u: %s\n", domid, rc_strerror(rc));
        rv_xs_close(x);
        rc_close(h);
        return 1;
    }
    if (grow && !xrc)
        xrc = rv_xs_write(x, path, val);
    rv_xs_close(x);
    if (xrc) {
        fprintf(stderr, "rv mem-set: writing %s: %s\n", path, strerror(-xrc));
        rc_close(h);
        return 1;
    }
    rc = rc_domain_info(h, domid, &after);
    rc_close(h);
    if (rc < 0 || after.domain != domid) {
        fprintf(stderr, "rv mem-set: domain %u went away\n", domid);
        return 1;
    }
    printf("rv mem-set: domain %u: memory/target %llu KiB, max %llu KiB (was %llu KiB), has %llu KiB\n", domid,
           (unsigned long long)kib, (unsigned long long)after.max_pages * 4,
           (unsigned long long)before.max_pages * 4, (unsigned long long)after.tot_pages * 4);
    return 0;
}
