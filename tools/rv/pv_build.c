/*
 * `rv create`'s 64-bit PV domain builder, in dom0's user space as Xen's
 * libxenguest builds a PV guest (docs/toolstack.md "Building a PV domain
 * from dom0"; the layout facts in docs/pv-builder-facts.md).  The kernel's
 * notes are read by the hypervisor's own PV image reader (src/pv/pv_image.c)
 * and the initial region laid out by its own layout code (src/pv/pv_layout.c),
 * both built here for the host: a domain built from dom0 is laid out exactly
 * as one the hypervisor builds at boot.  The kernel arrives as its ELF (rv.c
 * unpacks a bzImage first: kimage.c).
 *
 *   1. XEN_DOMCTL_createdomain without CDF_hvm (paused, no memory), max_mem;
 *   2. XENMEM_populate_physmap naming it: the MFNs come back, the hypervisor
 *      writes the M2P (m2p[mfn] = pfn) as it populates;
 *   3. with rings: two unbound event channels of the domain, remote dom0
 *      (console and xenstore, as libxl allocates them);
 *   4. the pages it starts with mapped here by MFN (privcmd MMAPBATCH_V2):
 *      the kernel's segments, the initrd, the p2m list, start_info, the
 *      bootstrap page tables (L4, L3s, L2s, L1s: 0x67 upper levels, 0x23 in
 *      L1s, 0x21 for the tables' own frames); after the region, as Xen's
 *      builder defers them, the initrd when the kernel's MOD_START_PFN note
 *      takes it by pfn (SIF_MOD_START_PFN) and the p2m list with its own L3s,
 *      L2s and L1s when the kernel's INIT_P2M note gives its address; then
 *      unmapped;
 *   5. the hypercall page if the kernel asks (XEN_DOMCTL_hypercall_init);
 *   6. MMUEXT_PIN_L4_TABLE naming the domain; XEN_DOMCTL_setvcpucontext:
 *      RIP = entry, RSP = top of the boot stack, RSI = start_info, CS
 *      0xe033, SS 0xe02b, CR3 = the L4, in kernel mode and online;
 *   7. the caller's before_unpause (xenstore entries, INTRODUCE), then
 *      unpausedomain.
 * Any failure after createdomain destroys the half-built domain.
 *
 * A 32-bit PAE kernel (ELF32, PAE_MODE "yes"/"bimodal"): the same steps
 * with XEN_DOMCTL_set_address_size 32 after step 1, and the x86_32 forms
 * of the p2m list, tables, start_info, pin (an L3) and vCPU context
 * (pv32_build.c).
 */
#include "pv_build.h"
#include "ringctl.h"
#include "build_common.h"
#include "pv32_build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv/pv_image.h"
#include "pv/pv_layout.h"
#include "image/elf.h"
#include "public/arch-x86_64.h"
#include "public/features.h"

#define PG              4096ull
#define PT_UPPER        0x067ull    /* P RW US A D */
#define PT_L1_RW        0x023ull    /* P RW A */
#define PT_L1_RO        0x021ull    /* P A: the bootstrap page-table frames */
#define PV_MEM_MAX_MIB  4096        /* more: not yet (the p2m list must fit the 1 GiB the region may span) */
/* Features a kernel may require that the hypervisor gives PV guests. */
#define PV_FEATURES_OK  ((1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_writable_page_tables))

struct pv_plan {
    struct pv_image img;
    struct pv_layout lo;
    uint64_t nr_pages;
    uint64_t map_end;           /* pfns [0, map_end) are written at build time */
    int compat;                 /* a 32-bit PAE kernel (pv32_build.c) */
};

/* The checks that need no hypervisor: the kernel and the layout. */
static int plan(const struct pvh_build_req *req, struct pv_plan *p, char *err, size_t errlen)
{
    if (req->memory_mib == 0 || req->memory_mib > PV_MEM_MAX_MIB) {
        snprintf(err, errlen, "memory = %llu: a PV domain from dom0 takes 1-%u MiB here (not yet more)",
                 (unsigned long long)req->memory_mib, PV_MEM_MAX_MIB);
        return -1;
    }
    if (pv_image_parse(req->kernel, req->kernel_size, &p->img, err, errlen))
        return -1;
    p->compat = !p->img.is64;  /* pv_image_parse refused a 32-bit one without PAE */
    if (p->img.f_required & ~PV_FEATURES_OK) {
        snprintf(err, errlen, "the kernel requires features %#x not offered to PV guests",
                 p->img.f_required & ~PV_FEATURES_OK);
        return -1;
    }
    p->nr_pages = req->memory_mib << 8;
    /* The initrd after the kernel, or after the region by pfn when the
     * kernel takes it so; the p2m list at INIT_P2M when the kernel gives
     * an address pv_layout accepts (else in the region). */
    const struct pv_layout_opts o = { req->ramdisk ? req->ramdisk_size : 0, p->img.mod_start_pfn, p->img.init_p2m,
                                      p->compat };
    if (req->ramdisk && !req->ramdisk_size) {
        snprintf(err, errlen, "the ramdisk is empty");
        return -1;
    }
    if (pv_layout_ex(p->img.virt_base, p->img.virt_kstart, p->img.virt_kend, p->nr_pages, &o, &p->lo, err, errlen))
        return -1;
    if (p->compat && rv_pv32_check(p->img.virt_base, &p->lo, err, errlen))
        return -1;
    /* Every page the builder writes: the region and the deferred pieces. */
    const struct pv_layout *lo = &p->lo;
    p->map_end = lo->pfn_end;
    if (lo->nr_mod && lo->pfn_mod + lo->nr_mod > p->map_end)
        p->map_end = lo->pfn_mod + lo->nr_mod;
    if (lo->p2m_n3)
        p->map_end = lo->pfn_p2m_pt + lo->p2m_n3 + lo->p2m_n2 + lo->p2m_n1;
    return 0;
}

/* ---- filling the region through one foreign mapping ---- */

struct fill {
    uint8_t *m;                 /* pfn 0 of the region at m */
    const struct pv_plan *p;
    const uint8_t *kernel;
    uint64_t virt_offset;
};

static uint8_t *at_pfn(const struct fill *f, uint64_t pfn)
{
    return f->m + pfn * PG;
}

static int load_segment(void *arg, unsigned index, const struct elf_phdr *ph)
{
    struct fill *f = arg;
    uint64_t va = ph->paddr + f->virt_offset;
    (void)index;
    /* Inside [kstart, kend) by pv_image_parse's own reading of these headers. */
    if (va < f->p->img.virt_kstart || ph->memsz > f->p->img.virt_kend - va)
        return -ENOEXEC;
    uint8_t *dst = f->m + (va - f->p->img.virt_base);
    memcpy(dst, f->kernel + ph->offset, ph->filesz);
    memset(dst + ph->filesz, 0, ph->memsz - ph->filesz);
    return 0;
}

/* The bootstrap tables map pfns [0, pfn_end) at virt_base + pfn * 4096. */
static void write_tables(const struct fill *f, const uint64_t *p2m)
{
    const struct pv_layout *lo = &f->p->lo;
    const uint64_t mask48 = (1ull << 48) - 1;
    uint64_t from = f->p->img.virt_base & mask48;
    uint64_t base3 = lo->pfn_pt + 1, base2 = base3 + lo->n3, base1 = base2 + lo->n2;
    uint64_t *l4 = (uint64_t *)at_pfn(f, lo->pfn_pt);

    for (uint64_t pfn = 0; pfn < lo->pfn_end; pfn++) {
        uint64_t va = (from + (pfn << 12)) & mask48;
        uint64_t t3 = base3 + (va >> 39) - (from >> 39);
        uint64_t t2 = base2 + (va >> 30) - (from >> 30);
        uint64_t t1 = base1 + (va >> 21) - (from >> 21);
        uint64_t *l3 = (uint64_t *)at_pfn(f, t3), *l2 = (uint64_t *)at_pfn(f, t2), *l1 = (uint64_t *)at_pfn(f, t1);
        int is_pt = pfn >= lo->pfn_pt && pfn < lo->pfn_pt + lo->nr_pt;

        l4[(va >> 39) & 511] = (p2m[t3] << 12) | PT_UPPER;
        l3[(va >> 30) & 511] = (p2m[t2] << 12) | PT_UPPER;
        l2[(va >> 21) & 511] = (p2m[t1] << 12) | PT_UPPER;
        l1[(va >> 12) & 511] = (p2m[pfn] << 12) | (is_pt ? PT_L1_RO : PT_L1_RW);
    }
}

/* INIT_P2M: the list's pages mapped at p2m_va (4 KiB entries, P RW A as the
 * region's) through the L3s, L2s and L1s after it (pfn_p2m_pt: L3s, L2s,
 * L1s, each level in address order), hung from the region's L4 in slots
 * pv_layout kept clear of the region. */
static void write_p2m_tables(const struct fill *f, const uint64_t *p2m)
{
    const struct pv_layout *lo = &f->p->lo;
    const uint64_t mask48 = (1ull << 48) - 1;
    uint64_t from = lo->p2m_va & mask48;
    uint64_t base3 = lo->pfn_p2m_pt, base2 = base3 + lo->p2m_n3, base1 = base2 + lo->p2m_n2;
    uint64_t *l4 = (uint64_t *)at_pfn(f, lo->pfn_pt);

    for (uint64_t i = 0; i < lo->nr_p2m; i++) {
        uint64_t va = from + (i << 12);
        uint64_t t3 = base3 + (va >> 39) - (from >> 39);
        uint64_t t2 = base2 + (va >> 30) - (from >> 30);
        uint64_t t1 = base1 + (va >> 21) - (from >> 21);
        uint64_t *l3 = (uint64_t *)at_pfn(f, t3), *l2 = (uint64_t *)at_pfn(f, t2), *l1 = (uint64_t *)at_pfn(f, t1);

        l4[(va >> 39) & 511] = (p2m[t3] << 12) | PT_UPPER;
        l3[(va >> 30) & 511] = (p2m[t2] << 12) | PT_UPPER;
        l2[(va >> 21) & 511] = (p2m[t1] << 12) | PT_UPPER;
        l1[(va >> 12) & 511] = (p2m[lo->pfn_p2m + i] << 12) | PT_L1_RW;
    }
}

static void write_start_info(const struct fill *f, const uint64_t *p2m, uint64_t shared_info_mfn,
                             const char *cmdline, const struct rv_rings *rings)
{
    const struct pv_layout *lo = &f->p->lo;
    uint64_t vb = f->p->img.virt_base;
    struct start_info *si = (struct start_info *)at_pfn(f, lo->pfn_start_info);

    memset(si, 0, sizeof(*si));
    strncpy(si->magic, "xen-3.0-x86_64", sizeof(si->magic) - 1);
    si->nr_pages = f->p->nr_pages;
    si->shared_info = shared_info_mfn << 12;
    si->flags = SIF_VIRT_P2M_4TOOLS;
    si->store_mfn = p2m[lo->pfn_store];
    si->console.domU.mfn = p2m[lo->pfn_console];
    if (rings) {
        si->store_evtchn = rings->store_port;
        si->console.domU.evtchn = rings->console_port;
    }
    si->pt_base = vb + (lo->pfn_pt << 12);
    si->nr_pt_frames = lo->nr_pt;
    si->mfn_list = lo->p2m_va;
    if (lo->p2m_n3) {
        /* The list and its tables: what the kernel may free once it has
         * moved the list (xen.h: "covers both page table and p->m table
         * frames"). */
        si->first_p2m_pfn = lo->pfn_p2m;
        si->nr_p2m_frames = lo->nr_p2m + lo->p2m_n3 + lo->p2m_n2 + lo->p2m_n1;
    }
    if (lo->nr_mod) {
        /* As Xen's builder: whole pages; by pfn with SIF_MOD_START_PFN, else
         * its virtual address in the region. */
        si->flags |= lo->pfn_mod >= lo->pfn_end ? SIF_MOD_START_PFN : 0;
        si->mod_start = lo->pfn_mod >= lo->pfn_end ? lo->pfn_mod : vb + (lo->pfn_mod << 12);
        si->mod_len = lo->nr_mod << 12;
    }
    if (cmdline)
        strncpy((char *)si->cmd_line, cmdline, sizeof(si->cmd_line) - 1);
}

static int fill_region(struct rc_handle *h, uint16_t domid, const struct pvh_build_req *req, const struct pv_plan *p,
                       const uint64_t *p2m, uint64_t shared_info_mfn, char *err, size_t errlen)
{
    const struct pv_layout *lo = &p->lo;
    uint64_t n = p->map_end;
    int ferr = 0;
    uint8_t *m = rc_map_foreign(h, domid, p2m, (uint32_t)n, &ferr);
    if (!m) {
        snprintf(err, errlen, "mapping the domain's memory (privcmd MMAPBATCH_V2): %s", strerror(errno));
        return -1;
    }
    struct fill f = { m, p, req->kernel, p->img.virt_base - p->img.paddr_offset };
    struct elf_image elf;
    int rc = elf_open(&elf, req->kernel, req->kernel_size, ELF_OPEN_X86 | ELF_OPEN_EXEC | ELF_OPEN_DYN, err, errlen);
    if (!rc)
        rc = elf_for_each_load(&elf, load_segment, &f, err, errlen);
    if (rc) {
        if (!err[0])
            snprintf(err, errlen, "a kernel segment outside its range");
        rc_unmap_foreign(m, (uint32_t)n);
        return -1;
    }
    /* Nothing of a populated page's earlier contents is assumed: the pages
     * after the kernel that the guest reads at start are cleared first. */
    if (lo->nr_mod) {
        memcpy(at_pfn(&f, lo->pfn_mod), req->ramdisk, req->ramdisk_size);
        memset(at_pfn(&f, lo->pfn_mod) + req->ramdisk_size, 0, lo->nr_mod * PG - req->ramdisk_size);
    }
    /* start_info, store, console, tables, stack, padding: clear. */
    memset(at_pfn(&f, lo->pfn_start_info), 0, (lo->pfn_end - lo->pfn_start_info) * PG);
    if (p->compat) {
        memset(at_pfn(&f, lo->pfn_p2m), 0, lo->nr_p2m * PG);
        const struct pv32_fill_in in = { lo, p->img.virt_base, p->nr_pages, p2m, shared_info_mfn, req->cmdline,
                                         req->rings };
        int rc32 = rv_pv32_fill(m, &in, err, errlen);
        rc_unmap_foreign(m, (uint32_t)n);
        return rc32;
    }
    /* The p2m list the guest reads: 8-byte MFNs. */
    memset(at_pfn(&f, lo->pfn_p2m), 0, lo->nr_p2m * PG);
    memcpy(at_pfn(&f, lo->pfn_p2m), p2m, p->nr_pages * 8);
    write_tables(&f, p2m);
    if (lo->p2m_n3) {
        memset(at_pfn(&f, lo->pfn_p2m_pt), 0, (lo->p2m_n3 + lo->p2m_n2 + lo->p2m_n1) * PG);
        write_p2m_tables(&f, p2m);
    }
    write_start_info(&f, p2m, shared_info_mfn, req->cmdline, req->rings);
    /* Unmapped before the pin: the tables must have no writable mapping. */
    rc_unmap_foreign(m, (uint32_t)n);
    return 0;
}

static int start_vcpu0(struct rc_handle *h, uint16_t domid, const struct pv_plan *p, const uint64_t *p2m, char *err,
                       size_t errlen)
{
    const struct pv_layout *lo = &p->lo;
    uint64_t vb = p->img.virt_base;
    struct vcpu_guest_context *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->flags = VGCF_in_kernel | VGCF_online;
    c->user_regs.rip = p->img.virt_entry;
    c->user_regs.rsp = vb + ((lo->pfn_stack + 1) << 12);
    c->user_regs.rsi = vb + (lo->pfn_start_info << 12);
    c->user_regs.rflags = 0x200;
    c->user_regs.cs = FLAT_KERNEL_CS;
    c->user_regs.ss = FLAT_KERNEL_SS;
    c->kernel_ss = FLAT_KERNEL_SS;
    c->kernel_sp = c->user_regs.rsp;
    c->debugreg[6] = 0xffff0ff0;
    c->debugreg[7] = 0x400;
    c->ctrlreg[3] = p2m[lo->pfn_pt] << 12;
    long rc = rc_setvcpucontext(h, domid, 0, c);
    free(c);
    return rc < 0 ? rv_build_fail(err, errlen, "XEN_DOMCTL_setvcpucontext", rc) : 0;
}

/* A 32-bit kernel's vCPU 0 (pv32_build.c): the same values as start_vcpu0. */
static int start_vcpu0_32(struct rc_handle *h, uint16_t domid, const struct pv_plan *p, const uint64_t *p2m,
                          char *err, size_t errlen)
{
    const struct pv_layout *lo = &p->lo;
    uint64_t vb = p->img.virt_base;
    return rv_pv32_start_vcpu0(h, domid, (uint32_t)p->img.virt_entry, (uint32_t)(vb + ((lo->pfn_stack + 1) << 12)),
                               (uint32_t)(vb + (lo->pfn_start_info << 12)), p2m[lo->pfn_pt], err, errlen);
}

/* The console and xenstore rings: the region's two pages, and an unbound
 * event channel of the domain for each with dom0 as the remote end. */
static int alloc_rings(struct rc_handle *h, uint16_t domid, struct rv_rings *r, const struct pv_plan *p,
                       const uint64_t *p2m, char *err, size_t errlen)
{
    if (!r)
        return 0;
    r->console_mfn = p2m[p->lo.pfn_console];
    r->store_mfn = p2m[p->lo.pfn_store];
    long rc;
    if ((rc = rv_alloc_unbound(h, domid, 0, &r->console_port)) < 0 ||
        (rc = rv_alloc_unbound(h, domid, 0, &r->store_port)) < 0)
        return rv_build_fail(err, errlen, "EVTCHNOP_alloc_unbound for the domain", rc);
    return 0;
}

int rv_build_pv(struct rc_handle *h, const struct pvh_build_req *req, uint16_t *domid_out, char *err, size_t errlen)
{
    struct pv_plan p;
    uint64_t t0 = rv_now_us();

    memset(&p, 0, sizeof(p));
    if (errlen)
        err[0] = 0;
    if (plan(req, &p, err, errlen))
        return -1;
    if (!h)
        return 0;                   /* checks only */
    uint64_t *p2m = malloc(p.nr_pages * sizeof(*p2m));
    if (!p2m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uint16_t domid;
    long rc = rc_create_pv_domain(h, req->vcpus, &domid);
    if (rc < 0) {
        free(p2m);
        return rv_build_fail(err, errlen, "XEN_DOMCTL_createdomain", rc);
    }
    int progress = req->memory_mib >= 2 * RV_BUILD_PROGRESS_MIB;
    struct xen_domctl_getdomaininfo info;
    /* A 32-bit domain says so while it is empty (Xen: -EACCES once it has
     * memory).  RV_TEST_PV32_LATE_SIZE=1 asks only after populate_physmap:
     * the hypervisor's refusal, for the tests (docs/toolstack.md). */
    const char *late_env = getenv("RV_TEST_PV32_LATE_SIZE");
    int late = p.compat && late_env && !strcmp(late_env, "1");
    if (p.compat && !late && (rc = rc_set_address_size(h, domid, 32)) < 0)
        rv_build_fail(err, errlen, "XEN_DOMCTL_set_address_size 32", rc);
    else if ((rc = rc_max_mem(h, domid, req->memory_mib << 10)) < 0)
        rv_build_fail(err, errlen, "XEN_DOMCTL_max_mem", rc);
    else if ((rc = rc_domain_info(h, domid, &info)) < 0)
        rv_build_fail(err, errlen, "XEN_DOMCTL_getdomaininfo", rc);
    else if (!rv_populate(h, domid, p.nr_pages, progress, p2m, err, errlen) &&
             !(late && (rc = rc_set_address_size(h, domid, 32)) < 0 &&
               rv_build_fail(err, errlen, "XEN_DOMCTL_set_address_size 32 (after populate_physmap)", rc)) &&
             !alloc_rings(h, domid, req->rings, &p, p2m, err, errlen) &&
             !fill_region(h, domid, req, &p, p2m, info.shared_info_frame, err, errlen)) {
        if (p.img.virt_hypercall != PV_UNSET &&
            (rc = rc_hypercall_init(h, domid, p2m[(p.img.virt_hypercall - p.img.virt_base) >> 12])) < 0)
            rv_build_fail(err, errlen, "XEN_DOMCTL_hypercall_init", rc);
        else if ((rc = rc_pin_table(h, domid, p2m[p.lo.pfn_pt], p.compat ? 3 : 4)) < 0)
            rv_build_fail(err, errlen, p.compat ? "mmuext_op MMUEXT_PIN_L3_TABLE" : "mmuext_op MMUEXT_PIN_L4_TABLE", rc);
        else if (!(p.compat ? start_vcpu0_32(h, domid, &p, p2m, err, errlen) : start_vcpu0(h, domid, &p, p2m, err, errlen)) &&
                 !(req->before_unpause && req->before_unpause(h, domid, req->ctx, err, errlen))) {
            rc = rc_domain_simple(h, XEN_DOMCTL_unpausedomain, domid);
            if (rc >= 0) {
                *domid_out = domid;
                if (req->verbose)
                    printf("rv create: d%u: PV%s, %llu MiB, %u vCPU(s), kernel pfn %#llx, start_info pfn %#llx, "
                       "%llu page tables, region end pfn %#llx\n",
                       domid, p.compat ? " (32-bit PAE)" : "", (unsigned long long)req->memory_mib, req->vcpus,
                       (unsigned long long)p.lo.pfn_kernel, (unsigned long long)p.lo.pfn_start_info,
                       (unsigned long long)p.lo.nr_pt, (unsigned long long)p.lo.pfn_end);
                printf("rv create: d%u: initrd pfn %#llx (%llu pages, %s), p2m list at %#llx (%llu own tables); "
                       "built in %llu ms\n", domid, (unsigned long long)p.lo.pfn_mod,
                       (unsigned long long)p.lo.nr_mod,
                       !p.lo.nr_mod ? "none" : p.lo.pfn_mod >= p.lo.pfn_end ? "by pfn" : "mapped",
                       (unsigned long long)p.lo.p2m_va,
                       (unsigned long long)(p.lo.p2m_n3 + p.lo.p2m_n2 + p.lo.p2m_n1),
                       (unsigned long long)((rv_now_us() - t0) / 1000));
                free(p2m);
                return 0;
            }
            rv_build_fail(err, errlen, "XEN_DOMCTL_unpausedomain", rc);
        }
    }
    /* Half built: nothing of it stays. */
    rc_domain_simple(h, XEN_DOMCTL_destroydomain, domid);
    rv_build_pvh_failed_domid = domid;
    free(p2m);
    return -1;
}
