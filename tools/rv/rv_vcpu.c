/*
 * rv vcpu-pin: a vCPU's hard affinity, as xl vcpu-pin sets it
 * (XEN_DOMCTL_setvcpuaffinity; the hypervisor moves the vCPU at its CPU's
 * next scheduling pass, core/sched.c).  Soft affinity does not exist here:
 * only "-" or "all" is accepted for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "ringctl.h"
#include "rv_cmds.h"

static int pin_one(struct rc_handle *h, uint16_t domid, unsigned vcpu, uint64_t mask, unsigned nr_cpus)
{
    uint64_t eff = mask;
    long rc = rc_vcpu_set_affinity(h, domid, vcpu, &eff);
    if (rc < 0) {
        fprintf(stderr, "rv vcpu-pin: domain %u vCPU %u: setvcpuaffinity: %s%s\n", domid, vcpu, rc_strerror(rc),
                rc == -EINVAL ? " (no such vCPU, or no online CPU in the list)" : "");
        return 1;
    }
    char want[128], got[128];
    cpulist_format(mask, nr_cpus, want, sizeof(want));
    cpulist_format(eff, nr_cpus, got, sizeof(got));
    if ((eff & mask) != eff)
        fprintf(stderr, "rv vcpu-pin: domain %u vCPU %u: asked %s, the hypervisor keeps %s\n", domid, vcpu, want, got);
    return 0;
}

int rv_cmd_vcpu_pin(int argc, char **argv)
{
    int a = 1;
    if (a < argc && (!strcmp(argv[a], "-f") || !strcmp(argv[a], "--force")))
        a++;        /* xl's -f only matters for soft affinity and cpupools: accepted */
    if (argc - a != 3 && argc - a != 4) {
        fprintf(stderr, "usage: rv vcpu-pin [-f] DOMAIN VCPU|all CPUS [SOFT]\n"
                "  CPUS: all, N, N-M, comma lists, ^N to leave N out; SOFT: - or all\n");
        return 2;
    }
    const char *dom = argv[a], *vc = argv[a + 1], *hard = argv[a + 2], *soft = argc - a == 4 ? argv[a + 3] : "-";
    if (strcmp(soft, "-") && strcmp(soft, "all")) {
        fprintf(stderr, "rv vcpu-pin: soft affinity '%s': not supported (no soft affinity here: give - or all)\n",
                soft);
        return 2;
    }
    uint64_t mask;
    char err[160];
    if (!strcmp(hard, "-")) {
        fprintf(stderr, "rv vcpu-pin: nothing to do: hard affinity '-' and no soft affinity\n");
        return 2;
    }
    if (cpulist_parse(hard, &mask, err, sizeof(err))) {
        fprintf(stderr, "rv vcpu-pin: %s\n", err);
        return 2;
    }
    struct rc_handle *h = rv_open("vcpu-pin");
    if (!h)
        return 1;
    uint16_t domid;
    struct xen_sysctl_physinfo pi;
    int ret = 1;
    if (rv_lookup_domain(h, "vcpu-pin", dom, &domid))
        goto out;
    if (rc_physinfo(h, &pi) < 0)
        pi.nr_cpus = 64;
    struct xen_domctl_getdomaininfo info;
    long rc = rc_domain_info(h, domid, &info);
    if (rc >= 0 && info.domain != domid)
        rc = -ESRCH;        /* getdomaininfo answers with the next domain up */
    if (rc < 0) {
        fprintf(stderr, "rv vcpu-pin: domain %u: %s\n", domid, rc_strerror(rc));
        goto out;
    }
    if (!strcmp(vc, "all")) {
        ret = 0;
        for (unsigned v = 0; v <= info.max_vcpu_id; v++)
            ret |= pin_one(h, domid, v, mask, pi.nr_cpus);
    } else {
        char *end;
        errno = 0;
        unsigned long v = strtoul(vc, &end, 10);
        if (!*vc || *end || errno || v > info.max_vcpu_id) {
            fprintf(stderr, "rv vcpu-pin: '%s': domain %u has vCPUs 0-%u (or give all)\n", vc, domid,
                    info.max_vcpu_id);
            goto out;
        }
        ret = pin_one(h, domid, (unsigned)v, mask, pi.nr_cpus);
    }
out:
    rc_close(h);
    return ret;
}
