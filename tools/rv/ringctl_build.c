/*
 * libringctl's domain-builder calls (ringctl.h, "building a domain"): the
 * hypercalls a user-space builder makes, in Xen 4.17's layouts, through
 * privcmd.  docs/toolstack.md "Building a domain from dom0".
 *
 * Foreign mappings: IOCTL_PRIVCMD_MMAPBATCH_V2 is _IOC(_IOC_NONE, 'P', 4,
 * 32) on { u32 num; u16 dom; u64 addr; const u64 *arr; int *err; } (Linux's
 * uapi xen/privcmd.h), issued on a MAP_SHARED mapping of the privcmd file;
 * in a PV dom0 the kernel turns it into mmu_update calls naming the domain.
 */
#include "ringctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "public/memory.h"
#include "public/hvm.h"
#include "public/arch-x86_64.h"

#define HYPERVISOR_memory_op 12
#define HYPERVISOR_mmuext_op 26
#define HYPERVISOR_hvm_op    34
#define XENMEM_populate_op   6      /* XENMEM_populate_physmap */
#define XENMEM_set_map_op    13     /* XENMEM_set_memory_map */
#define HVMOP_set_param_op   0

struct privcmd_mmapbatch_v2 {
    uint32_t num;
    uint16_t dom;
    uint64_t addr;
    const uint64_t *arr;
    int *err;
};
#define IOCTL_PRIVCMD_MMAPBATCH_V2 _IOC(_IOC_NONE, 'P', 4, sizeof(struct privcmd_mmapbatch_v2))

/* IOCTL_PRIVCMD_MMAP_RESOURCE (Linux uapi xen/privcmd.h): number 7 on
 * { u16 dom; u32 type; u32 id; u32 idx; u64 num; u64 addr; } (32 bytes):
 * XENMEM_acquire_resource, then the frames mapped at addr (in a PV dom0,
 * mmu_update MMU_PT_UPDATE_NO_TRANSLATE naming dom). */
struct privcmd_mmap_resource {
    uint16_t dom;
    uint32_t type;
    uint32_t id;
    uint32_t idx;
    uint64_t num;
    uint64_t addr;
};
#define IOCTL_PRIVCMD_MMAP_RESOURCE _IOC(_IOC_NONE, 'P', 7, sizeof(struct privcmd_mmap_resource))

/* An HVM container with HAP (or, hap false, shadow paging: CDF_hap left
 * out, as libxl does for hap = 0), default grant/maptrack limits, the
 * given emulated devices (createdomain's arch_emulation_flags). */
static long create_hvm_container(struct rc_handle *h, unsigned vcpus, uint32_t emulation, bool hap, uint16_t *domid)
{
    struct xen_domctl d = { .cmd = XEN_DOMCTL_createdomain, .domain = 0 };
    struct xen_domctl_createdomain *c = &d.u.createdomain;
    c->flags = XEN_DOMCTL_CDF_hvm | (hap ? XEN_DOMCTL_CDF_hap : 0);
    c->max_vcpus = vcpus;
    c->max_evtchn_port = 1023;
    c->max_grant_frames = -1;
    c->max_maptrack_frames = -1;
    c->grant_opts = 1;
    c->arch_emulation_flags = emulation;
    long rc = rc_domctl(h, &d);
    if (rc >= 0)
        *domid = d.domain;
    return rc;
}

long rc_create_domain(struct rc_handle *h, unsigned vcpus, uint16_t *domid)
{
    /* What libxl asks for a PVH guest: the local APIC the only emulated device. */
    return create_hvm_container(h, vcpus, XEN_X86_EMU_LAPIC, true, domid);
}

long rc_create_hvm_domain(struct rc_handle *h, unsigned vcpus, bool hap, uint16_t *domid)
{
    /* What libxl asks for an HVM guest: every emulated device but vPCI
     * (which is PVH dom0's). */
    return create_hvm_container(h, vcpus, XEN_X86_EMU_HVM_DOMU, hap, domid);
}

long rc_create_pv_domain(struct rc_handle *h, unsigned vcpus, uint16_t *domid)
{
    struct xen_domctl d = { .cmd = XEN_DOMCTL_createdomain, .domain = 0 };
    struct xen_domctl_createdomain *c = &d.u.createdomain;
    /* What libxl asks for a PV guest: no flags, no emulated devices. */
    c->max_vcpus = vcpus;
    c->max_evtchn_port = 1023;
    c->max_grant_frames = -1;
    c->max_maptrack_frames = -1;
    c->grant_opts = 1;
    long rc = rc_domctl(h, &d);
    if (rc >= 0)
        *domid = d.domain;
    return rc;
}

long rc_pin_table(struct rc_handle *h, uint16_t domid, uint64_t mfn, unsigned level)
{
    struct mmuext_op {
        uint32_t cmd, pad;
        uint64_t arg1, arg2;
    } *op = rc_buf_alloc(sizeof(*op));
    if (!op)
        return -ENOMEM;
    memset(op, 0, sizeof(*op));
    op->cmd = level == 0 ? 4 : level - 1;      /* MMUEXT_UNPIN_TABLE 4; MMUEXT_PIN_L1_TABLE 0 .. L4 3 */
    op->arg1 = mfn;
    long rc = rc_hypercall(h, HYPERVISOR_mmuext_op, (uint64_t)(uintptr_t)op, 1, 0, domid, 0);
    rc_buf_free(op, sizeof(*op));
    return rc;
}

long rc_setvcpucontext_raw(struct rc_handle *h, uint16_t domid, unsigned vcpu, const void *c, size_t len)
{
    void *b = rc_buf_alloc(len);
    if (!b)
        return -ENOMEM;
    memcpy(b, c, len);
    struct xen_domctl d = { .cmd = XEN_DOMCTL_setvcpucontext, .domain = domid };
    d.u.vcpucontext.vcpu = vcpu;
    d.u.vcpucontext.ctxt = (uint64_t)(uintptr_t)b;
    long rc = rc_domctl(h, &d);
    rc_buf_free(b, len);
    return rc;
}

long rc_setvcpucontext(struct rc_handle *h, uint16_t domid, unsigned vcpu, const struct vcpu_guest_context *c)
{
    return rc_setvcpucontext_raw(h, domid, vcpu, c, sizeof(*c));
}

long rc_set_address_size(struct rc_handle *h, uint16_t domid, uint32_t bits)
{
    struct xen_domctl d = { .cmd = XEN_DOMCTL_set_address_size, .domain = domid };
    d.u.address_size.size = bits;
    return rc_domctl(h, &d);
}

long rc_hypercall_init(struct rc_handle *h, uint16_t domid, uint64_t mfn)
{
    struct xen_domctl d = { .cmd = XEN_DOMCTL_hypercall_init, .domain = domid };
    d.u.hypercall_init.gmfn = mfn;
    return rc_domctl(h, &d);
}

long rc_max_mem(struct rc_handle *h, uint16_t domid, uint64_t kib)
{
    struct xen_domctl d = { .cmd = XEN_DOMCTL_max_mem, .domain = domid };
    d.u.max_mem.max_memkb = kib;
    return rc_domctl(h, &d);
}

long rc_populate(struct rc_handle *h, uint16_t domid, const uint64_t *gfns, uint64_t n, unsigned order,
                 uint64_t *out)
{
    size_t len = n * sizeof(uint64_t);
    uint64_t *list = rc_buf_alloc(len);
    struct xen_reservation *r = rc_buf_alloc(sizeof(*r));
    long rc = -ENOMEM;
    if (list && r) {
        memcpy(list, gfns, len);
        memset(r, 0, sizeof(*r));
        r->extent_start = (uint64_t)(uintptr_t)list;
        r->nr_extents = n;
        r->extent_order = order;
        r->domid = domid;
        rc = rc_hypercall(h, HYPERVISOR_memory_op, XENMEM_populate_op, (uint64_t)(uintptr_t)r, 0, 0, 0);
        /* The extents done: all of them or the call failed part-way. */
        if (rc >= 0 && (uint64_t)rc != n)
            rc = -ENOMEM;
        if (rc >= 0 && out)
            memcpy(out, list, len);     /* a PV domain's: the MFNs written back */
    }
    rc_buf_free(list, len);
    rc_buf_free(r, sizeof(*r));
    return rc;
}

long rc_set_memory_map(struct rc_handle *h, uint16_t domid, const uint64_t (*entries)[3], unsigned n)
{
    size_t len = (size_t)n * 20;
    uint8_t *recs = rc_buf_alloc(len);
    struct xen_foreign_memory_map *fm = rc_buf_alloc(sizeof(*fm));
    long rc = -ENOMEM;
    if (recs && fm) {
        for (unsigned i = 0; i < n; i++) {      /* packed 20-byte records */
            uint32_t type = (uint32_t)entries[i][2];
            memcpy(recs + 20 * i, &entries[i][0], 8);
            memcpy(recs + 20 * i + 8, &entries[i][1], 8);
            memcpy(recs + 20 * i + 16, &type, 4);
        }
        memset(fm, 0, sizeof(*fm));
        fm->domid = domid;
        fm->map.nr_entries = n;
        fm->map.buffer = (uint64_t)(uintptr_t)recs;
        rc = rc_hypercall(h, HYPERVISOR_memory_op, XENMEM_set_map_op, (uint64_t)(uintptr_t)fm, 0, 0, 0);
    }
    rc_buf_free(recs, len);
    rc_buf_free(fm, sizeof(*fm));
    return rc;
}

void *rc_map_foreign(struct rc_handle *h, uint16_t domid, const uint64_t *gfns, uint32_t n, int *first_err)
{
    size_t len = (size_t)n * 4096;
    void *va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rc_fd(h), 0);
    if (va == MAP_FAILED)
        return NULL;
    int *errs = calloc(n, sizeof(int));
    if (!errs) {
        munmap(va, len);
        errno = ENOMEM;
        return NULL;
    }
    struct privcmd_mmapbatch_v2 b = { n, domid, (uint64_t)(uintptr_t)va, gfns, errs };
    int rc = ioctl(rc_fd(h), IOCTL_PRIVCMD_MMAPBATCH_V2, &b);
    int saved = errno;
    *first_err = 0;
    for (uint32_t i = 0; i < n && !*first_err; i++)
        *first_err = errs[i];
    free(errs);
    if (rc < 0 || *first_err) {
        munmap(va, len);
        errno = rc < 0 ? saved : -*first_err;
        return NULL;
    }
    return va;
}

void *rc_map_resource(struct rc_handle *h, uint16_t domid, uint32_t type, uint32_t id, uint32_t idx, uint32_t n)
{
    size_t len = (size_t)n * 4096;
    void *va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rc_fd(h), 0);
    if (va == MAP_FAILED)
        return NULL;
    struct privcmd_mmap_resource r = { domid, type, id, idx, n, (uint64_t)(uintptr_t)va };
    if (ioctl(rc_fd(h), IOCTL_PRIVCMD_MMAP_RESOURCE, &r) < 0) {
        int saved = errno;
        munmap(va, len);
        errno = saved;
        return NULL;
    }
    return va;
}

void rc_unmap_foreign(void *va, uint32_t n)
{
    if (va)
        munmap(va, (size_t)n * 4096);
}

long rc_set_hvm_param(struct rc_handle *h, uint16_t domid, unsigned idx, uint64_t val)
{
    struct xen_hvm_param *p = rc_buf_alloc(sizeof(*p));
    if (!p)
        return -ENOMEM;
    memset(p, 0, sizeof(*p));
    p->domid = domid;
    p->index = idx;
    p->value = val;
    long rc = rc_hypercall(h, HYPERVISOR_hvm_op, HVMOP_set_param_op, (uint64_t)(uintptr_t)p, 0, 0, 0);
    rc_buf_free(p, sizeof(*p));
    return rc;
}

long rc_sethvmcontext(struct rc_handle *h, uint16_t domid, const void *buf, uint32_t len)
{
    void *b = rc_buf_alloc(len);
    if (!b)
        return -ENOMEM;
    memcpy(b, buf, len);
    struct xen_domctl d = { .cmd = XEN_DOMCTL_sethvmcontext, .domain = domid };
    d.u.hvmcontext.size = len;
    d.u.hvmcontext.buffer = (uint64_t)(uintptr_t)b;
    long rc = rc_domctl(h, &d);
    rc_buf_free(b, len);
    return rc;
}
