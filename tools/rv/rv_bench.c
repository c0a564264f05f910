/*
 * rv xs-bench: xenstore round trips from dom0, one request in flight, as a
 * toolstack makes them (issue 16's "xenstore read/write ops per second from
 * dom0").  Two ways in: xenstored's Unix socket (no hypervisor on the path)
 * and the kernel's /dev/xen/xenbus (dom0's kernel relays each request over
 * its own store ring, with an event channel each way: the path a kernel
 * driver's xenbus takes).  Writes then reads of one node under
 * /tool/rvbench, each value checked on the way back.
 */
#include "rv_cmds.h"
#include "rv_xs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define XSB_NODE "/tool/rvbench/k"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n writes, then n reads that must return what was written last; 0 or 1. */
static int bench_one(const char *path, unsigned n)
{
    struct rv_xs *x = rv_xs_open_at(path);
    if (!x) {
        fprintf(stderr, "rv xs-bench: %s: %s\n", path, strerror(errno));
        return 1;
    }
    char val[32], got[32];
    double t0 = now_s();
    for (unsigned i = 0; i < n; i++) {
        snprintf(val, sizeof(val), "%u", i);
        int rc = rv_xs_write(x, XSB_NODE, val);
        if (rc) {
            fprintf(stderr, "rv xs-bench: %s: write %u: %s\n", path, i, strerror(-rc));
            rv_xs_close(x);
            return 1;
        }
    }
    double t1 = now_s();
    for (unsigned i = 0; i < n; i++) {
        long rc = rv_xs_read(x, XSB_NODE, got, sizeof(got));
        if (rc < 0 || strcmp(got, val)) {
            fprintf(stderr, "rv xs-bench: %s: read %u: %s\n", path, i, rc < 0 ? strerror((int)-rc) : "wrong value");
            rv_xs_close(x);
            return 1;
        }
    }
    double t2 = now_s();
    rv_xs_rm(x, "/tool/rvbench");
    rv_xs_close(x);
    double w = t1 - t0, r = t2 - t1;
    printf("xs-bench: %s: %u writes in %.3f s (%.0f/s, %.1f us each), %u reads in %.3f s (%.0f/s, %.1f us each)\n",
           path, n, w, w > 0 ? n / w : 0.0, n ? w * 1e6 / n : 0.0, n, r, r > 0 ? n / r : 0.0,
           n ? r * 1e6 / n : 0.0);
    return 0;
}

int rv_cmd_xs_bench(int argc, char **argv)
{
    unsigned n = 1000;
    int opt;
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        if (opt != 'n') {
            fprintf(stderr, "usage: rv xs-bench [-n COUNT] [PATH ...]\n");
            return 2;
        }
        char *end;
        unsigned long v = strtoul(optarg, &end, 10);
        if (!*optarg || *end || v == 0 || v > 10000000) {
            fprintf(stderr, "rv xs-bench: -n %s: want a count from 1 to 10000000\n", optarg);
            return 2;
        }
        n = (unsigned)v;
    }
    static char *const dflt[] = { "/run/xenstored/socket", "/dev/xen/xenbus" };
    char *const *paths = optind < argc ? argv + optind : dflt;
    int np = optind < argc ? argc - optind : 2;
    int bad = 0;
    for (int i = 0; i < np; i++)
        bad |= bench_one(paths[i], n);
    return bad;
}
