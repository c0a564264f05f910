/*
 * rv create's builders' shared parts (build_common.h).
 */
#include "build_common.h"
#include "ringctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "public/event_channel.h"

#define HYPERVISOR_event_channel_op 32

uint64_t rv_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int rv_build_fail(char *err, size_t errlen, const char *what, long rc)
{
    snprintf(err, errlen, "%s: %s", what, rc_strerror(rc));
    return -1;
}

int rv_populate(struct rc_handle *h, uint16_t domid, uint64_t pages, int progress, uint64_t *p2m, char *err,
                size_t errlen)
{
    uint64_t gfn = 0, next_report = (uint64_t)RV_BUILD_PROGRESS_MIB << 8;
    static uint64_t list[512];
    while (gfn < pages) {
        /* 2 MiB extents while aligned and enough is left, else 4 KiB
         * pages up to the next 2 MiB boundary (or the end). */
        unsigned order;
        uint64_t n = 0, first = gfn;
        if (gfn % 512 == 0 && pages - gfn >= 512) {
            order = 9;
            while (n < 512 && pages - gfn >= 512) {
                list[n++] = gfn;
                gfn += 512;
            }
        } else {
            order = 0;
            while (n < 512 && gfn < pages && !(gfn % 512 == 0 && pages - gfn >= 512))
                list[n++] = gfn++;
        }
        long rc = rc_populate(h, domid, list, n, order, p2m ? list : NULL);
        if (rc < 0)
            return rv_build_fail(err, errlen, "XENMEM_populate_physmap", rc);
        /* A PV domain's extents came back as their first MFNs: each
         * extent's frames are contiguous. */
        for (uint64_t i = 0; p2m && i < n; i++)
            for (uint64_t j = 0; j < (1ull << order); j++)
                p2m[first + (i << order) + j] = list[i] + j;
        if (progress && gfn >= next_report) {
            printf("rv create: d%u: %llu of %llu MiB populated\n", domid, (unsigned long long)(gfn >> 8),
                   (unsigned long long)(pages >> 8));
            fflush(stdout);
            next_report += (uint64_t)RV_BUILD_PROGRESS_MIB << 8;
        }
    }
    return 0;
}

long rv_alloc_unbound(struct rc_handle *h, uint16_t domid, uint16_t remote, uint32_t *port)
{
    struct evtchn_alloc_unbound *a = rc_buf_alloc(sizeof(*a));
    if (!a)
        return -ENOMEM;
    memset(a, 0, sizeof(*a));
    a->dom = domid;
    a->remote_dom = remote;
    long rc = rc_hypercall(h, HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)(uintptr_t)a, 0, 0, 0);
    if (rc >= 0)
        *port = a->port;
    rc_buf_free(a, sizeof(*a));
    return rc;
}
