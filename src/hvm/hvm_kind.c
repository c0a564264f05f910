/*
 * The hvm and pvh domain kinds (core/domain_kind.h): guest RAM in the
 * mm/e820.h layout behind the p2m, the kernel loaders, the vendor vCPU
 * (SVM or VMX), the virtual platform, and for PVH the PV console ring.
 */
#include "core/domain_kind.h"
#include "core/domain.h"
#include "core/pvconsole.h"
#include "boot/bootopts.h"
#include "hvm/hvm.h"
#include "hvm/ioreq.h"
#include "hvm/vmstate.h"
#include "core/console.h"
#include "hvm/platform.h"
#include "hvm/vlapic.h"
#include "hvm/loader.h"
#include "mm/e820.h"
#include "hvm/shadow.h"
#include "mm/mm.h"
#include "lib/fmt.h"
#include "lib/errno.h"
#include "arch/x86/time.h"

int hvm_ctl_set_cpu(struct vcpu *v, const struct hvm_hw_cpu *c);     /* hvm_ctl_cpu.c */

/* Both kinds share one engine: it starts once. */
static int hvm_kind_init(void)
{
    static int state;       /* (i) 0 not tried, 1 ready, -1 unavailable */

    if (!state) {
        state = hvm_init() < 0 ? -1 : 1;
        if (state > 0 && boot_opts.hvm_fep)
            hvm_fep_enable();       /* before any vCPU exists: it decides the #UD intercept */
        hvm_vmstate_check = boot_opts.vmstate_check;
        if (state > 0 && hvm_vmstate_check)
            log_info("hvm: vmstate_check: guest state checked before every VM entry\n");
    }
    return state > 0 ? 0 : -ENODEV;
}

/* Guest RAM: 1 GiB and 2 MiB blocks where alignment and the allocator
 * allow (fewer p2m levels, fewer TLB misses), 4 KiB pages otherwise.  The
 * ranges are those of the guest's memory map (mm/e820.h): everything below
 * min(bytes, GPA_LOWMEM_LIMIT), 0xA0000-0xFFFFF included (the BIOS area
 * holds the ACPI tables), and the rest from 4 GiB up. */
static int alloc_guest_ram_range(struct domain *d, uint64_t gpa, uint64_t end)
{
    while (gpa < end) {
        uint64_t left = end - gpa;
        unsigned order = 0;
        /* Block sizes the nested page tables of this CPU support. */
        if (!hvm_vendor->p2m_no_1g && IS_ALIGNED(gpa, GiB(1)) && left >= GiB(1))
            order = 18;
        else if (!hvm_vendor->p2m_no_2m && IS_ALIGNED(gpa, MiB(2)) && left >= MiB(2))
            order = 9;
        void *mem = alloc_pages(order, d->domid);
        while (!mem && order) {
            order = order == 18 && !hvm_vendor->p2m_no_2m ? 9 : 0;    /* fragmented: smaller blocks */
            mem = alloc_pages(order, d->domid);
        }
        if (!mem)
            return -ENOMEM;
        if (domain_note_ram(d, virt_to_phys(mem) >> 12, order)) {
            free_pages(mem, order);
            return -ENOMEM;
        }
        int rc = p2m_set_entry(&d->p2m, gpa >> 12, virt_to_phys(mem) >> 12, order, P2M_R | P2M_W | P2M_X);
        if (rc)
            return rc;      /* freed with the other blocks when the domain is destroyed */
        gpa += 4096ull << order;
    }
    return 0;
}

static int hvm_kind_build(struct domain *d, char *err, size_t errlen)
{
    uint64_t ranges[2][2];

    if (d->cfg->ctl_built) {
        /* Built by the toolstack (core/domctl_build.c): no RAM yet (it
         * comes by populate_physmap), no kernel (the toolstack loads it),
         * vCPU 0's registers by sethvmcontext; the others wait for a SIPI
         * as a PVH guest's APs do. */
        struct loaded_kernel *lk = xzalloc(sizeof(*lk), HEAP_HVM);
        if (!lk) {
            fmt_snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        lk->pvh = d->type == DOMCFG_PVH;
        lk->aps_wait_for_sipi = true;
        d->kind_priv = lk;
        /* Shadow paging when createdomain left out CDF_hap (its budget
         * set there, core/domctl_build.c); else nested paging. */
        return hvm_shadow_domain_init(d, d->cfg->hap, d->cfg->shadow_memory_mib, err, errlen);
    }
    unsigned n = e820_ram_ranges(d->mem_bytes, ranges);
    int rc = hvm_shadow_domain_init(d, d->cfg->hap, d->cfg->shadow_memory_mib, err, errlen);

    if (rc)
        return rc;

    uint64_t t0 = now_ns();
    for (unsigned i = 0; i < n; i++)
        if (alloc_guest_ram_range(d, ranges[i][0], ranges[i][1])) {
            fmt_snprintf(err, errlen, "not enough memory for %lu MiB of RAM",
                         (unsigned long)(d->mem_bytes >> 20));
            return -ENOMEM;
        }
    uint64_t t1 = now_ns();
    d->build_ram_ns = t1 - t0;
    struct loaded_kernel *lk = xzalloc(sizeof(*lk), HEAP_HVM);
    if (!lk) {
        fmt_snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    d->kind_priv = lk;
    t1 = now_ns();
    rc = loader_load(d, d->cfg, d->mods, d->nr_mods, lk, err, errlen);
    if (rc)
        return rc;
    d->build_kernel_ns = now_ns() - t1;
    d->kernel_entry = lk->entry;
    return 0;
}

static int hvm_kind_vcpu_create(struct vcpu *v)
{
    int rc = hvm_vendor->vcpu_create(v);
    if (rc)
        return rc;
    loader_init_vcpu(v, v->domain->kind_priv);
    return hvm_shadow_vcpu_create(v);       /* after the loader: takes over its control registers */
}

static int hvm_kind_finish(struct domain *d, char *err, size_t errlen)
{
    const struct loaded_kernel *lk = d->kind_priv;
    int rc = hvm_platform_create(d);

    if (rc) {
        fmt_snprintf(err, errlen, "cannot create the virtual platform (%d)", rc);
        return rc;
    }
    if (lk->aps_wait_for_sipi)
        for (unsigned i = 1; i < d->nr_vcpus; i++)
            vlapic_set_wait_sipi(d->vcpus[i]);
    if (lk->console_gfn && (rc = pvconsole_create(d, lk->console_gfn))) {      /* PVH, firmware_override */
        fmt_snprintf(err, errlen, "cannot set up the PV console (%d)", rc);
        return rc;
    }
    return 0;
}

static void hvm_kind_destroy(struct domain *d)
{
    hvm_ioreq_domain_destroy(d);
    hvm_platform_destroy(d);
    xfree(d->kind_priv);
    d->kind_priv = NULL;
}

static void hvm_kind_vcpu_destroy(struct vcpu *v)
{
    hvm_print_exit_stats(v);
    hvm_shadow_vcpu_destroy(v);
    hvm_vendor->vcpu_destroy(v);
}

static int hvm_kind_gva_to_gpa(struct vcpu *v, uint64_t gva, uint64_t *gpa)
{
    uint32_t pfec;
    return hvm_translate(v, gva, HVM_XLAT_WRITE | HVM_XLAT_AC, gpa, &pfec) ? -EFAULT : 0;
}

/* XENMEM_set_memory_map's size for a domain the control domain builds
 * (core/domctl_build.c): as a boot-built domain's from its file. */
static void hvm_kind_set_mem_bytes(struct domain *d, uint64_t bytes)
{
    d->mem_bytes = bytes;
    vrtc_set_memory(d);
}

#define HVM_KIND_OPS                                    \
    .init = hvm_kind_init,                              \
    .build = hvm_kind_build,                            \
    .vcpu_create = hvm_kind_vcpu_create,                \
    .finish = hvm_kind_finish,                          \
    .destroy = hvm_kind_destroy,                        \
    .vcpu_destroy = hvm_kind_vcpu_destroy,              \
    .vcpu_run = hvm_vcpu_run,                           \
    .gva_to_gpa = hvm_kind_gva_to_gpa,                  \
    .copy_to_gphys = hvm_copy_to_gphys,                 \
    .print_stats = hvm_tlb_print_stats,                \
    .ctl_set_cpu = hvm_ctl_set_cpu,                     \
    .ctl_set_mem_bytes = hvm_kind_set_mem_bytes

DOMAIN_KIND(hvm_kind) = { .type = DOMCFG_HVM, .name = "hvm", HVM_KIND_OPS };
DOMAIN_KIND(pvh_kind) = { .type = DOMCFG_PVH, .name = "pvh", HVM_KIND_OPS };
