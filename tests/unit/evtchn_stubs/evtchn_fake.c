/* Fake surroundings of the event-channel subsystem (see evtchn_fake.h). */
#include "evtchn_fake.h"
#include "core/guest_access.h"
#include "mm/mm.h"
#include "mm/physmap.h"
#include "lib/errno.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Thread_local int evtchn_test_locks_held;
int fake_alloc_fail_after = -1;
long fake_live_allocs;
int fake_domain_refs;
static struct fake_dom *fake_table[FAKE_MAX_DOMS];
char fake_log[8192];
static size_t fake_log_len;

/* The console: lines are collected in fake_log (the dump test reads them). */
void printk(int level, const char *fmt, ...)
{
    va_list ap;
    (void)level;
    if (fake_log_len >= sizeof(fake_log) - 1)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(fake_log + fake_log_len, sizeof(fake_log) - fake_log_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        fake_log_len += (size_t)n < sizeof(fake_log) - fake_log_len ? (size_t)n : sizeof(fake_log) - 1 - fake_log_len;
}

void fake_log_clear(void)
{
    fake_log_len = 0;
    fake_log[0] = 0;
}

/* lib/fmt.c's contract is C99 snprintf's for the conversions used here. */
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void *xzalloc(size_t size, enum heap_tag tag)
{
    void *p;

    (void)tag;
    if (fake_alloc_fail_after == 0) {
        fake_alloc_fail_after = -1;
        return NULL;
    }
    if (fake_alloc_fail_after > 0)
        fake_alloc_fail_after--;
    p = calloc(1, size);
    if (p)
        __atomic_fetch_add(&fake_live_allocs, 1, __ATOMIC_RELAXED);
    return p;
}

void xfree(void *p)
{
    if (p)
        __atomic_fetch_sub(&fake_live_allocs, 1, __ATOMIC_RELAXED);
    free(p);
}

static struct fake_dom *fake_of(struct domain *d) { return container_of(d, struct fake_dom, d); }

void *physmap_map_ram(struct domain *d, uint64_t gfn)
{
    return gfn < FAKE_RAM_PAGES ? fake_of(d)->ram + 4096u * gfn : NULL;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    if (gva > FAKE_ARGS_BYTES || len > FAKE_ARGS_BYTES - gva)
        return -EFAULT;
    memcpy(dst, fake_of(v->domain)->args + gva, len);
    return 0;
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    if (gva > FAKE_ARGS_BYTES || len > FAKE_ARGS_BYTES - gva)
        return -EFAULT;
    memcpy(fake_of(v->domain)->args + gva, src, len);
    return 0;
}

struct domain *domain_get_by_id(uint16_t domid)
{
    struct fake_dom *fd = domid < FAKE_MAX_DOMS ? __atomic_load_n(&fake_table[domid], __ATOMIC_ACQUIRE) : NULL;

    if (!fd)
        return NULL;
    __atomic_fetch_add(&fd->d.refcnt, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&fake_domain_refs, 1, __ATOMIC_RELAXED);
    return &fd->d;
}

void domain_put(struct domain *d)
{
    __atomic_fetch_sub(&d->refcnt, 1, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&fake_domain_refs, 1, __ATOMIC_RELAXED);
}

void evtchn_arch_upcall(struct vcpu *v)
{
    __atomic_fetch_add(&fake_of(v->domain)->upcalls[v->vcpu_id], 1, __ATOMIC_RELAXED);
}

void evtchn_arch_wake_poller(struct vcpu *v)
{
    __atomic_fetch_add(&fake_of(v->domain)->wakes[v->vcpu_id], 1, __ATOMIC_RELAXED);
}

struct fake_dom *fake_dom_new(uint16_t domid, unsigned nr_vcpus, unsigned max_ports, int *rc)
{
    struct fake_dom *fd = calloc(1, sizeof(*fd));
    unsigned i;
    int r;

    fd->si = aligned_alloc(4096, 4096);
    fd->ram = aligned_alloc(4096, 4096u * FAKE_RAM_PAGES);
    memset(fd->si, 0, 4096);
    memset(fd->ram, 0, 4096u * FAKE_RAM_PAGES);
    fd->d.domid = domid;
    fd->d.shared_info = fd->si;
    fd->d.nr_vcpus = nr_vcpus > FAKE_VCPUS ? FAKE_VCPUS : nr_vcpus;
    for (i = 0; i < fd->d.nr_vcpus; i++) {
        fd->v[i].domain = &fd->d;
        fd->v[i].vcpu_id = i;
        fd->v[i].vcpu_info = &fd->si->vcpu_info[i];
        fd->d.vcpus[i] = &fd->v[i];
    }
    r = evtchn_domain_init(&fd->d, max_ports);
    if (rc)
        *rc = r;
    if (r) {
        free(fd->si);
        free(fd->ram);
        free(fd);
        return NULL;
    }
    if (domid < FAKE_MAX_DOMS)
        __atomic_store_n(&fake_table[domid], fd, __ATOMIC_RELEASE);
    return fd;
}

void fake_dom_free(struct fake_dom *fd)
{
    if (!fd)
        return;
    if (fd->d.domid < FAKE_MAX_DOMS && fake_table[fd->d.domid] == fd)
        __atomic_store_n(&fake_table[fd->d.domid], NULL, __ATOMIC_RELEASE);
    evtchn_domain_destroy(&fd->d);
    free(fd->si);
    free(fd->ram);
    free(fd);
}

long fake_op(struct fake_dom *fd, unsigned vcpu, unsigned cmd, void *arg, size_t len)
{
    long rc;

    if (len > FAKE_ARGS_BYTES)
        return -EFAULT;
    memcpy(fd->args, arg, len);
    rc = evtchn_hypercall(&fd->v[vcpu], cmd, 0);
    memcpy(arg, fd->args, len);
    return rc;
}
