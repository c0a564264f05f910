/*
 * The domain builder's domctls (docs/toolstack.md "Building a domain from
 * dom0"): XEN_DOMCTL_createdomain and XEN_DOMCTL_sethvmcontext, in Xen
 * 4.17's layouts, so that the builder runs in dom0's user space as Xen's
 * libxenguest does: createdomain makes an empty domain (no RAM, no kernel,
 * vCPUs made, paused by the controller), the toolstack populates its memory
 * (XENMEM_populate_physmap naming it), maps and fills it (mmu_update with
 * it as the foreign domain, pv/pv_foreign.c), sets vCPU 0's registers here
 * and unpauses it.
 *
 * PVH domains (flags CDF_hvm | CDF_hap, emulation flags LAPIC alone, as
 * libxl asks for a PVH guest), HVM domains (CDF_hvm | CDF_hap, emulation
 * flags XEN_X86_EMU_ALL minus VPCI, as libxl asks for an HVM guest: the
 * same virtual PC a boot-built HVM domain gets, hvm/platform.c) and 64-bit
 * PV domains (no CDF_hvm; their vCPU state by setvcpucontext, the kind's
 * op: pv/pv_ctl.c).  Called from domctl() after the privilege and version
 * checks; no lock of its own.
 */
#include "core/domctl.h"
#include "core/domain.h"
#include "core/domain_kind.h"
#include "core/domcfg.h"
#include "core/guest_access.h"
#include "core/console.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include "mm/mm.h"
#include "core/virt_caps.h"
#include "public/domctl.h"
#include "public/hvm_save.h"
#include "public/memory.h"
#include "mm/e820.h"

#define DOMID_FIRST_RESERVED 0x7ff0u
/* A hvmcontext buffer larger than this is refused before it is copied: a
 * HEADER, one CPU record per vCPU and END fit far below it. */
#define HVMCTX_MAX          (64u * 1024)

/* Limits and policies both kinds of toolstack-built domain share. */
static bool common_limits_ok(const struct xen_domctl_createdomain *c)
{
    return c->max_vcpus != 0 && c->max_vcpus <= MAX_VCPUS && c->max_grant_frames <= DOMCFG_MAX_GRANT_FRAMES &&
           c->max_maptrack_frames <= DOMCFG_MAX_MAPTRACK_FRAMES && c->max_evtchn_port < DOMCFG_MAX_EVTCHN;
}

static void common_cfg(struct domcfg *cfg, const struct xen_domctl_createdomain *c)
{
    /* The name shows in the log; the toolstack names the domain in
     * xenstore.  Limits as xl's defaults when the caller says "default". */
    strlcpy(cfg->name, "domU", sizeof(cfg->name));
    cfg->ctl_built = true;
    cfg->vcpus = cfg->maxvcpus = c->max_vcpus;
    memset(cfg->cpus_mask, 0xff, sizeof(cfg->cpus_mask));
    /* As on Xen, the hypervisor acts on no on_* key of a domain the
     * toolstack built: it stays shut down (kept, its reason in
     * getdomaininfo) until the toolstack destroys it -- and rebuilds it if
     * its own on_reboot says restart (rv's monitor). */
    cfg->on_poweroff = cfg->on_reboot = cfg->on_crash = cfg->on_watchdog = DOMCFG_PRESERVE;
    strlcpy(cfg->rv_expect, "poweroff", sizeof(cfg->rv_expect));
    cfg->cpu_weight = 256;
    cfg->max_event_channels = c->max_evtchn_port ? c->max_evtchn_port + 1 : 1023;
    cfg->max_grant_frames = c->max_grant_frames > 0 ? (unsigned)c->max_grant_frames : 64;
    cfg->max_maptrack_frames = c->max_maptrack_frames > 0 ? (unsigned)c->max_maptrack_frames : 1024;
    cfg->fw_cfg = false;
    cfg->hpet = false;
}

/* The part both kinds share once their flags are checked: the common
 * limits, the domain made (paused, no memory), its id handed back. */
static long create_kind(struct vcpu *caller, struct xen_domctl *op, int type)
{
    const struct xen_domctl_createdomain *c = &op->u.createdomain;
    if (!common_limits_ok(c))
        return -EINVAL;
    struct domcfg *cfg = xzalloc(sizeof(*cfg), HEAP_CORE);
    if (!cfg)
        return -ENOMEM;
    common_cfg(cfg, c);
    cfg->type = type;
    /* HVM: the whole PC of a boot-built HVM domain, HPET included (its
     * emulation flag is in the only HVM set accepted).  fw_cfg stays off:
     * it describes the RAM, which such a domain does not have yet when its
     * devices are made here (docs/toolstack.md "An HVM domain from dom0"). */
    cfg->hpet = type == DOMCFG_HVM;
    /* And the Xen platform device, as xl's default xen_platform_pci = 1
     * (no createdomain field says otherwise: under Xen it is the device
     * model's choice). */
    cfg->xen_platform_pci = type == DOMCFG_HVM;
    /* Without CDF_hap, the shadow pager (HVM only).  Its pool is taken when
     * the vCPUs are made, before any RAM exists, so it is sized now: Xen's
     * default for the vCPUs plus 8 KiB per MiB of a 256 MiB guest.  The
     * pager reclaims when the pool is full, so a bigger guest runs, only
     * with more refills (docs/toolstack.md "hap = 0"). */
    cfg->hap = c->flags & XEN_DOMCTL_CDF_hap;
    if (!cfg->hap)
        cfg->shadow_memory_mib = c->max_vcpus + 2;
    struct domain *d = domain_create(cfg, NULL, 0);
    xfree(cfg);                 /* domain_build keeps its own copy */
    if (!d)
        return -ENOMEM;         /* the reason is in the log */
    domain_log(d, LOG_INFO, "created by the control domain (d%u): %s, %u vCPU(s), paused, no memory yet\n",
               caller->domain->domid, type == DOMCFG_PV ? "PV" : type == DOMCFG_HVM ? "HVM" : "PVH",
               d->nr_vcpus);
    op->domain = d->domid;
    return 0;
}

/* A 64-bit PV domain (no CDF_hvm): paused, without memory, its vCPUs
 * offline until XEN_DOMCTL_setvcpucontext (pv/pv_ctl.c). */
static long create_pv(struct vcpu *caller, struct xen_domctl *op)
{
    const struct xen_domctl_createdomain *c = &op->u.createdomain;

    if (c->flags & ~XEN_DOMCTL_CDF_oos_off)
        return -EINVAL;         /* HAP, nested virt, IOMMU, ... mean nothing for PV here */
    if (c->arch_emulation_flags)
        return -EINVAL;         /* a PV domU emulates no device (xl asks for none) */
    if (c->iommu_opts || c->vmtrace_size || c->cpupool_id || c->arch_misc_flags)
        return -EOPNOTSUPP;
    return create_kind(caller, op, DOMCFG_PV);
}

long domctl_setvcpucontext(struct vcpu *caller, struct domain *d, const struct xen_domctl_vcpucontext *vc)
{
    if (!d->kind->ctl_set_vcpu_context)
        return -EINVAL;         /* HVM/PVH vCPUs: sethvmcontext */
    return d->kind->ctl_set_vcpu_context(caller, d, vc->vcpu, vc->ctxt);
}

long domctl_hypercall_init(struct domain *d, uint64_t gmfn)
{
    if (!d->kind->ctl_hypercall_init)
        return -EINVAL;         /* an HVM guest's page comes from its MSR write */
    return d->kind->ctl_hypercall_init(d, gmfn);
}

/* Xen's rule: HVM and PVH domains have no address size to set (-EOPNOTSUPP
 * for both calls); a PV domain's answer is its kind's. */
long domctl_set_address_size(struct domain *d, uint32_t size)
{
    if (!d->kind->ctl_set_address_size)
        return -EOPNOTSUPP;
    return d->kind->ctl_set_address_size(d, size);
}

long domctl_get_address_size(struct domain *d, uint32_t *size)
{
    if (!d->kind->ctl_address_size)
        return -EOPNOTSUPP;
    *size = d->kind->ctl_address_size(d);
    return 0;
}

long domctl_createdomain(struct vcpu *caller, struct xen_domctl *op)
{
    const struct xen_domctl_createdomain *c = &op->u.createdomain;

    if (op->domain && op->domain < DOMID_FIRST_RESERVED)
        return -EOPNOTSUPP;     /* a chosen domain id: not yet, the hypervisor picks */
    if (!(c->flags & XEN_DOMCTL_CDF_hvm))
        return create_pv(caller, op);
    /* Xen 4.17's rule (arch_domain_create): bits it does not define are
     * -EINVAL; of the defined ones, an HVM domU takes LAPIC alone (PVH) or
     * everything but VPCI (HVM), any other combination -EOPNOTSUPP. */
    if (c->arch_emulation_flags & ~XEN_X86_EMU_ALL)
        return -EINVAL;
    bool hvm = c->arch_emulation_flags == XEN_X86_EMU_HVM_DOMU;
    if (!hvm && c->arch_emulation_flags != XEN_X86_EMU_LAPIC)
        return -EOPNOTSUPP;
    bool hap = c->flags & XEN_DOMCTL_CDF_hap;
    if (!hap && !hvm)
        return -EOPNOTSUPP;     /* shadow paging for PVH from the toolstack: not yet */
    if (hap && !virt_caps()->hap)
        return -EINVAL;         /* HAP asked for on a CPU without it (Xen: -EINVAL) */
    if (!hap && !virt_caps()->shadow)
        return -EOPNOTSUPP;     /* no shadow pager with this vendor yet */
    if (c->iommu_opts || c->vmtrace_size || c->cpupool_id || c->arch_misc_flags)
        return -EOPNOTSUPP;     /* an IOMMU, trace buffers, CPU pools, MSR relaxations: none here */
    if (c->flags & ~(XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_oos_off))
        return -EINVAL;         /* iommu, nested virt, vpmu, xs_domain, s3: not offered */
    return create_kind(caller, op, hvm ? DOMCFG_HVM : DOMCFG_PVH);
}

/* Segment attributes: the save record's VMX access-rights form to the
 * packed form of hvm_seg (type/S/DPL/P in bits 0-7, AVL/L/DB/G in 8-11). */
long domctl_sethvmcontext(struct vcpu *caller, struct domain *d, const struct xen_domctl_hvmcontext *hc)
{
    if (d->type != DOMCFG_PVH && d->type != DOMCFG_HVM)
        return -EINVAL;
    if (!d->kind->ctl_set_cpu)
        return -EOPNOTSUPP;
    /* Only before the domain first runs (a domain the toolstack builds,
     * still paused by it): the vCPUs' state is then nobody else's. */
    if (hc->size < sizeof(struct hvm_save_descriptor) || hc->size > HVMCTX_MAX)
        return -EINVAL;
    uint8_t *buf = xmalloc(hc->size, HEAP_CORE);
    if (!buf)
        return -ENOMEM;
    if (copy_from_guest(caller, buf, hc->buffer, hc->size)) {
        xfree(buf);
        return -EFAULT;
    }
    /* Held across the check and the writes (domain_ctl_build_begin): no
     * unpause from another control-domain vCPU starts it meanwhile. */
    if (!domain_ctl_build_begin(d)) {
        xfree(buf);
        return -EBUSY;
    }
    long rc = 0;
    for (unsigned i = 0; i < d->nr_vcpus && !rc; i++)
        if (READ_ONCE(d->vcpus[i]->ran_on))
            rc = -EOPNOTSUPP;       /* restoring a domain that ran: not yet */

    /* Two passes: everything is checked before any vCPU changes. */
    for (int pass = 0; pass < 2 && !rc; pass++) {
        uint32_t off = 0;
        bool header = false, end = false;
        while (!rc && !end) {
            struct hvm_save_descriptor desc;
            if (hc->size - off < sizeof(desc)) {
                rc = -EINVAL;       /* no END record */
                break;
            }
            memcpy(&desc, buf + off, sizeof(desc));
            off += sizeof(desc);
            if (desc.length > hc->size - off) {
                rc = -EINVAL;
                break;
            }
            const uint8_t *body = buf + off;
            off += desc.length;
            switch (desc.typecode) {
            case HVM_SAVE_CODE_END:
                end = true;
                break;
            case HVM_SAVE_CODE_HEADER: {
                struct hvm_save_header h;
                if (header || desc.length != sizeof(h)) {
                    rc = -EINVAL;
                    break;
                }
                memcpy(&h, body, sizeof(h));
                if (h.magic != HVM_FILE_MAGIC || h.version != HVM_FILE_VERSION)
                    rc = -EINVAL;
                header = true;
                break;
            }
            case HVM_SAVE_CODE_CPU: {
                /* Aligned copy: the record may sit anywhere in the buffer. */
                struct hvm_hw_cpu *cpu = xmalloc(sizeof(*cpu), HEAP_CORE);
                if (!header || desc.length != sizeof(*cpu) || desc.instance >= d->nr_vcpus) {
                    xfree(cpu);
                    rc = -EINVAL;
                    break;
                }
                if (!cpu) {
                    rc = -ENOMEM;
                    break;
                }
                memcpy(cpu, body, sizeof(*cpu));
                /* Pass 0 checks (on a scratch: the kind validates without
                 * applying when v is NULL); pass 1 applies. */
                rc = d->kind->ctl_set_cpu(pass ? d->vcpus[desc.instance] : NULL, cpu);
                xfree(cpu);
                break;
            }
            default:
                break;              /* other records (LAPIC, MTRR, ...): not taken yet, skipped */
            }
        }
        if (!rc && !header)
            rc = -EINVAL;
    }
    domain_ctl_build_end(d);
    xfree(buf);
    if (!rc)
        domain_log(d, LOG_INFO, "vCPU state set by the control domain (d%u)\n", caller->domain->domid);
    return rc;
}

/*
 * XENMEM_set_memory_map naming an HVM domain the control domain builds
 * (libxl sets every HVM guest's map this way, xc_domain_set_memory_map).
 * Taken only before the domain first runs and only as the mm/e820.h map of
 * some RAM size: the layout every HVM domain has.  That size becomes the
 * domain's mem_bytes, as a boot-built domain's: what its XENMEM_memory_map
 * returns, the CMOS memory-size bytes (hvm/vrtc.c), the log-dirty ranges.
 * Whether the builder populated that RAM is its own business: a guest told
 * of RAM that is not there faults itself only.
 */
long domctl_set_memory_map(struct vcpu *caller, uint64_t arg)
{
    struct xen_foreign_memory_map fm;
    struct e820_entry in[E820_MAX_ENTRIES], want[E820_MAX_ENTRIES];

    if (copy_from_guest(caller, &fm, arg, sizeof(fm)))
        return -EFAULT;
    unsigned n = fm.map.nr_entries;
    if (n == 0 || n > E820_MAX_ENTRIES)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++) {
        uint8_t rec[20];    /* the packed e820 record */
        if (copy_from_guest(caller, rec, fm.map.buffer + i * 20ull, sizeof(rec)))
            return -EFAULT;
        memcpy(&in[i].addr, rec, 8);
        memcpy(&in[i].size, rec + 8, 8);
        memcpy(&in[i].type, rec + 16, 4);
    }
    /* The RAM size whose map ends where this one does, then the whole map
     * compared with that size's. */
    const struct e820_entry *last = &in[n - 1];
    if (last->type != E820_RAM || !last->size || last->addr + last->size < last->addr)
        return -EINVAL;
    uint64_t end = last->addr + last->size, mem;
    if (end <= GPA_LOWMEM_LIMIT)
        mem = end;
    else if (end > GPA_HIGHMEM_START && last->addr >= GPA_HIGHMEM_START)
        mem = GPA_LOWMEM_LIMIT + (end - GPA_HIGHMEM_START);
    else
        return -EINVAL;
    if (e820_build(mem, want) != n)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++)
        if (in[i].addr != want[i].addr || in[i].size != want[i].size || in[i].type != want[i].type)
            return -EINVAL;

    struct domain *d = domain_get_by_id(fm.domid);
    if (!d)
        return -ESRCH;
    long rc = 0;
    if (d == caller->domain)
        rc = -EINVAL;
    else if (d->type != DOMCFG_HVM || !d->cfg->ctl_built || !d->kind->ctl_set_mem_bytes)
        rc = -EOPNOTSUPP;           /* PV and PVH domains: their builders hand the map over themselves */
    else if (!domain_ctl_build_begin(d))
        rc = -EBUSY;                /* running already: its memory size is what it was told */
    if (!rc) {
        d->kind->ctl_set_mem_bytes(d, mem);
        domain_ctl_build_end(d);
        domain_log(d, LOG_INFO, "memory map set by the control domain (d%u): %lu MiB of RAM\n",
                   caller->domain->domid, (unsigned long)(mem >> 20));
    }
    domain_put(d);
    return rc;
}
