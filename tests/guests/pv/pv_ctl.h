/*
 * What the control-domain test guests (pv_domctl.c, pv_ldctl.c) share: the
 * domctl call with its header filled in, a time base and a wait that
 * yields, and a substring search over console text.  Header-only so that
 * each guest stays one translation unit besides pv_lib.
 */
#ifndef RV_TEST_PV_CTL_H
#define RV_TEST_PV_CTL_H

#include "pv_lib.h"
#include "public/domctl.h"

static inline void eq(const char *what, long got, long want)
{
    check(got == want, what, "rc", (uint64_t)got, (uint64_t)want);
}

static inline long domctl(struct xen_domctl *op)
{
    return hc(__HYPERVISOR_domctl, (uint64_t)op, 0, 0, 0);
}

static inline void ctl_zero(void *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        ((uint8_t *)p)[i] = 0;
}

/* op zeroed, then its command, interface version and domain. */
static inline void dc_init(struct xen_domctl *op, uint32_t cmd, uint16_t dom)
{
    ctl_zero(op, sizeof(*op));
    op->cmd = cmd;
    op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
}

static inline uint64_t rdtsc_(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* TSC ticks per millisecond, set by the guest from its time info. */
static uint32_t khz;

/* About ms milliseconds of the host's time, yielding meanwhile. */
static inline void wait_ms(unsigned ms)
{
    uint64_t t0 = rdtsc_();
    while (rdtsc_() - t0 < (uint64_t)ms * khz)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
}

/* Whether buf[0..len) holds the NUL-terminated string w. */
static inline unsigned contains(const char *buf, unsigned len, const char *w)
{
    unsigned n = 0;
    while (w[n])
        n++;
    for (unsigned i = 0; i + n <= len; i++) {
        unsigned j = 0;
        while (j < n && buf[i + j] == w[j])
            j++;
        if (j == n)
            return 1;
    }
    return 0;
}

#endif
