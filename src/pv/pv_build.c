/*
 * The 64-bit PV domain builder (docs/pv.md "Builder", the facts it follows
 * in docs/pv-builder-facts.md).  It lays the domain out as Xen's toolstack
 * does, so a kernel cannot tell the difference:
 *
 *   vaddr = VIRT_BASE + pfn * 4096 over the whole initial region;
 *   [padding to the kernel] kernel, p2m list, start_info, xenstore page,
 *   console page, bootstrap page tables (L4, L3s, L2s, L1s), boot stack,
 *   padding to a 4 MiB boundary with at least 512 KiB after the stack.
 *
 * Every page of the region is mapped by a 4 KiB L1 entry: RW (0x23) except
 * the page-table frames (RO, 0x21); upper levels 0x67.  The L4 is then
 * validated and pinned through mm/pgtype.c like any guest table, which
 * also fills the hypervisor's L4 slots (the read-only M2P in slot 256).
 * The initrd goes after the kernel, or after the region by pfn when the
 * kernel's MOD_START_PFN note asks; the p2m list at the kernel's INIT_P2M
 * address (mapped by its own tables after everything else) when it gives
 * one; bzImage and compressed kernels are unpacked first (pv_boot.c).
 */
#include "pv/pv.h"
#include "pv/pv_layout.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "core/console.h"
#include "boot/bootinfo.h"
#include "hvm/loader_pvh.h"     /* loader_find_module: boot modules by name */
#include "image/elf.h"
#include "mm/mm.h"
#include "mm/m2p.h"
#include "lib/fmt.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "public/features.h"
#include "core/compat/xlat.h"   /* compat_latch_shinfo */

#define PT_UPPER    0x067ull    /* P RW US A D */
#define PT_L1_RW    0x023ull    /* P RW A */
#define PT_L1_RO    0x021ull    /* P A: the bootstrap page-table frames */

static void *pfn_ptr(const struct pv_domain *pd, uint64_t pfn)
{
    return phys_to_virt(pd->p2m[pfn] << 12);
}

/* Guest RAM: 2 MiB blocks while at least 512 pages remain (contiguous
 * mfns within each 2 MiB-aligned pfn group, as Xen's builder gets them),
 * single pages for the rest. */
static int alloc_ram(struct domain *d, struct pv_domain *pd)
{
    uint64_t pfn = 0;

    while (pfn < pd->nr_pages) {
        unsigned order = pd->nr_pages - pfn >= 512 ? 9 : 0;
        /* A 32-bit domain's below the compat M2P's end (pv_mem_frame_limit). */
        void *mem = pv_mem_alloc(d, order, 0);
        if (!mem && order)
            mem = pv_mem_alloc(d, order = 0, 0);
        if (!mem)
            return -ENOMEM;
        uint64_t mfn = virt_to_phys(mem) >> 12;
        if (domain_note_ram(d, mfn, order)) {
            free_pages(mem, order);
            return -ENOMEM;
        }
        for (uint64_t i = 0; i < (1ull << order); i++)
            pd->p2m[pfn + i] = mfn + i;
        pfn += 1ull << order;
    }
    return 0;
}

struct load_ctx {
    const struct elf_image *elf;
    struct pv_domain *pd;
    uint64_t virt_offset;
    char *err;
    size_t errlen;
};

static int load_segment(void *arg, unsigned index, const struct elf_phdr *ph)
{
    struct load_ctx *c = arg;
    struct pv_domain *pd = c->pd;
    uint64_t va = ph->paddr + c->virt_offset;

    /* pv_image_parse derived [kstart, kend) from these very headers; the
     * check only keeps this copy honest if that changes. */
    if (va < pd->img.virt_kstart || ph->memsz > pd->img.virt_kend - va) {
        fmt_snprintf(c->err, c->errlen, "pv: segment %u outside the kernel range", index);
        return -ENOEXEC;
    }
    for (uint64_t off = 0; off < ph->filesz;) {
        uint64_t cur = va + off;
        uint64_t pfn = (cur - pd->img.virt_base) >> 12;
        size_t n = (size_t)MIN(ph->filesz - off, 4096 - (cur & 0xfff));
        memcpy((uint8_t *)pfn_ptr(pd, pfn) + (cur & 0xfff), c->elf->p + ph->offset + off, n);
        off += n;
    }
    return 0;     /* the rest of memsz (.bss) is zero: fresh pages are */
}

/* Fills the bootstrap page tables for pfns [0, pfn_end). */
static void write_page_tables(struct pv_domain *pd, uint64_t n3, uint64_t n2)
{
    const uint64_t mask48 = (1ull << 48) - 1;
    uint64_t from = pd->img.virt_base & mask48;
    uint64_t base3 = pd->pfn_pt + 1, base2 = base3 + n3, base1 = base2 + n2;
    uint64_t *l4 = pfn_ptr(pd, pd->pfn_pt);

    for (uint64_t pfn = 0; pfn < pd->pfn_end; pfn++) {
        uint64_t va = (from + (pfn << 12)) & mask48;
        uint64_t t3 = base3 + (va >> 39) - (from >> 39);
        uint64_t t2 = base2 + (va >> 30) - (from >> 30);
        uint64_t t1 = base1 + (va >> 21) - (from >> 21);
        uint64_t *l3 = pfn_ptr(pd, t3), *l2 = pfn_ptr(pd, t2), *l1 = pfn_ptr(pd, t1);
        bool is_pt = pfn >= pd->pfn_pt && pfn < pd->pfn_pt + pd->nr_pt;

        l4[(va >> 39) & 511] = (pd->p2m[t3] << 12) | PT_UPPER;
        l3[(va >> 30) & 511] = (pd->p2m[t2] << 12) | PT_UPPER;
        l2[(va >> 21) & 511] = (pd->p2m[t1] << 12) | PT_UPPER;
        l1[(va >> 12) & 511] = (pd->p2m[pfn] << 12) | (is_pt ? PT_L1_RO : PT_L1_RW);
    }
}

/* Copies len bytes to the domain's pages from pfn on (fresh pages: the
 * rest of the last one stays zero). */
static void copy_to_pfns(struct pv_domain *pd, uint64_t pfn, const uint8_t *src, uint64_t len)
{
    for (uint64_t off = 0; off < len; off += 4096, pfn++)
        memcpy(pfn_ptr(pd, pfn), src + off, (size_t)MIN(4096, len - off));
}

static void write_start_info(struct domain *d, struct pv_domain *pd)
{
    struct start_info *si = pfn_ptr(pd, pd->pfn_start_info);
    uint64_t vb = pd->img.virt_base;

    memset(si, 0, sizeof(*si));
    strlcpy(si->magic, "xen-3.0-x86_64", sizeof(si->magic));
    si->nr_pages = pd->nr_pages;
    si->shared_info = d->shared_info_mfn << 12;
    si->flags = SIF_VIRT_P2M_4TOOLS;
    si->store_mfn = pd->p2m[pd->pfn_store];
    si->store_evtchn = 0;           /* no xenstore yet */
    if (domain_is_privileged(d)) {
        /* The initial domain: Linux takes the privileged paths from these
         * two flags (xen_initial_domain()); its console is console_io, and
         * console.dom0 says no VGA/VESA text console (info_size 0). */
        si->flags |= SIF_PRIVILEGED | SIF_INITDOMAIN;
        si->console.dom0.info_off = 0;
        si->console.dom0.info_size = 0;
    } else {
        si->console.domU.mfn = pd->p2m[pd->pfn_console];
        si->console.domU.evtchn = 0;    /* set when the console back end connects (pv_time.c, kind finish) */
    }
    si->pt_base = vb + (pd->pfn_pt << 12);
    si->nr_pt_frames = pd->nr_pt;
    si->mfn_list = pd->p2m_va;
    if (pd->p2m_n3) {
        /* The list and its tables: the range Linux frees once it has moved
         * the list (xen.h: "covers both page table and p->m table frames"). */
        si->first_p2m_pfn = pd->pfn_p2m;
        si->nr_p2m_frames = pd->nr_p2m_pages + pd->p2m_n3 + pd->p2m_n2 + pd->p2m_n1;
    }
    if (pd->nr_mod) {
        /* Xen's builder: the module's whole pages in both cases; its first
         * pfn with SIF_MOD_START_PFN, else its virtual address. */
        si->flags |= pd->mod_unmapped ? SIF_MOD_START_PFN : 0;
        si->mod_start = pd->mod_unmapped ? pd->pfn_mod : vb + (pd->pfn_mod << 12);
        si->mod_len = pd->nr_mod << 12;
    }
    strlcpy((char *)si->cmd_line, d->cfg->cmdline, sizeof(si->cmd_line));
    pd->start_info_va = vb + (pd->pfn_start_info << 12);

    /* Events masked on every legacy vcpu_info slot: "interrupts are off
     * initially" for the kernel. */
    for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;
}

/* Features a kernel may require that this hypervisor provides for PV now. */
#define PV_FEATURES_OK ((1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_writable_page_tables))

static int pv_build_image(struct domain *d, struct pv_domain *pd, const void *image, size_t size,
                          const struct boot_module *rd, uint64_t rd_size, char *err, size_t errlen);

int pv_build(struct domain *d, char *err, size_t errlen)
{
    struct pv_domain *pd = d->kind_priv;
    const struct boot_module *m = loader_find_module(d->cfg->kernel, d->mods, d->nr_mods);
    const struct boot_module *rd;
    uint64_t rd_size;
    void *unpacked = NULL;
    unsigned unpacked_order = 0;
    int rc;

    if (!m) {
        fmt_snprintf(err, errlen, "kernel '%s' is not among the boot modules", d->cfg->kernel);
        return -ENOENT;
    }
    if ((rc = loader_find_ramdisk(d->cfg, d->mods, d->nr_mods, &rd, &rd_size, err, errlen)))
        return rc;
    const void *image;
    size_t size;
    if ((rc = pv_boot_unpack(d, phys_to_virt(m->start), (size_t)(m->end - m->start), &unpacked, &unpacked_order,
                             &image, &size, err, errlen)))
        return rc;
    rc = pv_build_image(d, pd, image, size, rd, rd_size, err, errlen);
    if (unpacked)
        free_pages(unpacked, unpacked_order);
    return rc;
}

static int pv_build_image(struct domain *d, struct pv_domain *pd, const void *image, size_t size,
                          const struct boot_module *rd, uint64_t rd_size, char *err, size_t errlen)
{
    struct elf_image elf;
    int rc;

    if ((rc = pv_image_parse(image, size, &pd->img, err, errlen)))
        return rc;
    /* A 32-bit PAE kernel (pv_image.c refused one without PAE) runs in
     * ring 1: its tables, p2m list and start_info in the 32-bit forms
     * (pv32_build.c), its shared_info in the 32-bit layout. */
    pd->compat = !pd->img.is64;
    if (pd->compat && domain_is_privileged(d)) {
        /* The initial domain's start_info and hypercalls are the 64-bit
         * ones only (docs/dom0.md). */
        fmt_snprintf(err, errlen, "pv: dom0 = 1 needs a 64-bit kernel (a 32-bit dom0 is not supported)");
        return -ENOEXEC;
    }
    if (pd->compat)
        compat_latch_shinfo(d, true);
    if (pd->img.f_required & ~PV_FEATURES_OK) {
        fmt_snprintf(err, errlen, "pv: the kernel requires features %#x this hypervisor does not offer PV guests yet",
                     pd->img.f_required & ~PV_FEATURES_OK);
        return -ENOEXEC;
    }
    /* The layout, in pfns (pv_layout.c: pv-builder-facts.md section 1). */
    pd->nr_pages = d->mem_bytes >> 12;
    uint64_t vb = pd->img.virt_base;
    struct pv_layout lo;
    const struct pv_layout_opts lopts = { rd_size, pd->img.mod_start_pfn, pd->img.init_p2m, pd->compat };
    if ((rc = pv_layout_ex(vb, pd->img.virt_kstart, pd->img.virt_kend, pd->nr_pages, &lopts, &lo, err, errlen)))
        return rc;
    pd->pfn_mod = lo.pfn_mod;
    pd->nr_mod = lo.nr_mod;
    pd->mod_bytes = rd_size;
    pd->mod_unmapped = lopts.mod_unmapped;
    pd->p2m_va = lo.p2m_va;
    pd->nr_p2m_pages = lo.nr_p2m;
    pd->pfn_p2m_pt = lo.pfn_p2m_pt;
    pd->p2m_n3 = lo.p2m_n3;
    pd->p2m_n2 = lo.p2m_n2;
    pd->p2m_n1 = lo.p2m_n1;
    pd->pfn_kernel = lo.pfn_kernel;
    pd->pfn_p2m = lo.pfn_p2m;
    pd->pfn_start_info = lo.pfn_start_info;
    pd->pfn_store = lo.pfn_store;
    pd->pfn_console = lo.pfn_console;
    pd->pfn_pt = lo.pfn_pt;
    pd->nr_pt = lo.nr_pt;
    pd->pfn_stack = lo.pfn_stack;
    pd->pfn_end = lo.pfn_end;

    /* Memory: the hypervisor's pfn -> mfn list first, then the RAM. */
    uint64_t p2m_bytes = pd->nr_pages * 8;
    pd->p2m_order = 0;
    while ((4096ull << pd->p2m_order) < p2m_bytes)
        pd->p2m_order++;
    pd->p2m = alloc_pages(pd->p2m_order, DOMID_XEN);
    if (!pd->p2m || alloc_ram(d, pd)) {
        fmt_snprintf(err, errlen, "not enough memory for %lu MiB of RAM", (unsigned long)(d->mem_bytes >> 20));
        return -ENOMEM;
    }
    /* The M2P: every frame of the domain names its pfn (Xen writes it as
     * it populates the domain); invalid again when the frames are freed. */
    for (uint64_t pfn = 0; pfn < pd->nr_pages; pfn++)
        m2p_set(pd->p2m[pfn], pfn);

    /* The kernel. */
    if (elf_open(&elf, image, size, ELF_OPEN_X86 | ELF_OPEN_EXEC | ELF_OPEN_DYN, err, errlen))
        return -ENOEXEC;
    struct load_ctx lc = { &elf, pd, vb - pd->img.paddr_offset, err, errlen };
    if ((rc = elf_for_each_load(&elf, load_segment, &lc, err, errlen)))
        return rc;

    if (pd->img.virt_hypercall != PV_UNSET) {
        void *page = pfn_ptr(pd, (pd->img.virt_hypercall - vb) >> 12);
        if (pd->compat)
            pv32_hypercall_page(page);
        else
            pv_boot_hypercall_page(page);
    }
    if (rd)
        copy_to_pfns(pd, pd->pfn_mod, phys_to_virt(rd->start), rd_size);

    if (pd->compat) {
        if ((rc = pv32_build_tables(d, pd, err, errlen)))
            return rc;
        goto built;
    }
    /* The p2m list the guest reads (8-byte mfns). */
    for (uint64_t pfn = 0; pfn < pd->nr_pages; pfn++)
        ((uint64_t *)pfn_ptr(pd, pd->pfn_p2m + (pfn >> 9)))[pfn & 511] = pd->p2m[pfn];

    write_page_tables(pd, lo.n3, lo.n2);
    if (pd->p2m_n3)
        pv_boot_p2m_tables(pd, pfn_ptr(pd, pd->pfn_pt));
    write_start_info(d, pd);

    /* Validate and pin the L4 as the guest's own MMUEXT_PIN_L4_TABLE would. */
    pv_env_init(d, &pd->env);
    pd->l4_mfn = pd->p2m[pd->pfn_pt];
    rc = pgt_pin(&pd->env, d->domid, pd->l4_mfn, 4, 0);
    if (rc) {
        fmt_snprintf(err, errlen, "pv: the bootstrap page tables were refused (%d)", rc);
        return -EINVAL;
    }
    pd->l4_pinned = true;
built:
    pd->entry = pd->img.virt_entry;
    pd->stack_top = vb + ((pd->pfn_stack + 1) << 12);
    d->kernel_entry = pd->entry;
    domain_log(d, LOG_INFO,
               "pv: kernel pfn %#lx, p2m %#lx, start_info %#lx, page tables %#lx (%lu), stack %#lx, end %#lx of %#lx\n",
               (unsigned long)pd->pfn_kernel, (unsigned long)pd->pfn_p2m, (unsigned long)pd->pfn_start_info,
               (unsigned long)pd->pfn_pt, (unsigned long)pd->nr_pt, (unsigned long)pd->pfn_stack,
               (unsigned long)pd->pfn_end, (unsigned long)pd->nr_pages);
    if (pd->nr_mod || pd->p2m_n3 || pd->img.virt_hypercall != PV_UNSET)
        domain_log(d, LOG_INFO, "pv: initrd pfn %#lx (%lu bytes, %s), p2m at %#lx (%lu tables), hypercall page %#lx\n",
                   (unsigned long)pd->pfn_mod, (unsigned long)pd->mod_bytes,
                   !pd->nr_mod ? "none" : pd->mod_unmapped ? "by pfn" : "mapped", (unsigned long)pd->p2m_va,
                   (unsigned long)(pd->p2m_n3 + pd->p2m_n2 + pd->p2m_n1),
                   (unsigned long)(pd->img.virt_hypercall == PV_UNSET ? 0 : pd->img.virt_hypercall));
    return 0;
}
