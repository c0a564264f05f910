/*
 * The 32-bit part of the PV builder (docs/pv.md "Ring 1 and compat"):
 * pv_build.c allocates the RAM, loads the kernel and lays the region out
 * (pv_layout.c with the compat option: 4-byte p2m entries, one L3, L2s and
 * L1s); here the pieces whose form is the 32-bit one, as Xen's builder
 * writes them for a PAE kernel:
 *
 *   - the p2m list, 4-byte mfns;
 *   - the bootstrap tables: the L3 (entries 0-3, P only, as PAE PDPTEs
 *     are), one L2 per GiB touched (P RW US A D), one L1 per 2 MiB (P RW A,
 *     the table frames P A), every page of the region mapped;
 *   - start_info in the x86_32 layout, magic "xen-3.0-x86_32p";
 *   - the L3 validated and pinned through mm/pgtype.c (pgt_env.compat).
 *
 * Machine addresses the guest gets as 32-bit words (shared_info, the
 * mfns) must fit: a frame above 16 TiB, or shared_info above 4 GiB,
 * refuses the build with its line.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "core/console.h"
#include "mm/mm.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "public/xen.h"
#include "pv/pv32_layout.h"

static void *pfn_ptr(const struct pv_domain *pd, uint64_t pfn)
{
    return phys_to_virt(pd->p2m[pfn] << 12);
}

void pv32_hypercall_page(void *page)
{
    uint8_t *p = page;

    memset(p, 0xcc, 4096);      /* INT3 between the stubs */
    for (unsigned nr = 0; nr < 128; nr++) {
        uint8_t *s = p + nr * 32;
        if (nr == __HYPERVISOR_iret) {
            /* PUSH %eax; MOV $23, %eax; INT $0x82: the iret frame below EAX */
            const uint8_t st[] = { 0x50, 0xb8, 23, 0, 0, 0, 0xcd, 0x82 };
            memcpy(s, st, sizeof(st));
            continue;
        }
        const uint8_t st[] = { 0xb8, (uint8_t)nr, 0, 0, 0, 0xcd, 0x82, 0xc3 };
        memcpy(s, st, sizeof(st));
    }
}

/* pv32_layout.c's page callback: the domain's frame through the direct map. */
static void *page_of(void *ctx, uint64_t pfn)
{
    return pfn_ptr(ctx, pfn);
}

static void write_start_info(struct domain *d, struct pv_domain *pd)
{
    uint64_t vb = pd->img.virt_base;
    struct compat_start_info *si = pfn_ptr(pd, pd->pfn_start_info);
    pv32_start_info_init(si, d->cfg->cmdline);
    si->nr_pages = (uint32_t)pd->nr_pages;
    si->shared_info = (uint32_t)(d->shared_info_mfn << 12);
    si->flags = SIF_VIRT_P2M_4TOOLS | (pd->nr_mod && pd->mod_unmapped ? SIF_MOD_START_PFN : 0);
    si->store_mfn = (uint32_t)pd->p2m[pd->pfn_store];
    si->console_mfn = (uint32_t)pd->p2m[pd->pfn_console];
    si->pt_base = (uint32_t)(vb + (pd->pfn_pt << 12));
    si->nr_pt_frames = (uint32_t)pd->nr_pt;
    si->mfn_list = (uint32_t)pd->p2m_va;
    si->mod_start = !pd->nr_mod ? 0 : (uint32_t)(pd->mod_unmapped ? pd->pfn_mod : vb + (pd->pfn_mod << 12));
    si->mod_len = (uint32_t)(pd->nr_mod << 12);
    pd->start_info_va = vb + (pd->pfn_start_info << 12);
    /* Interrupts off initially, on every legacy vcpu_info slot (the
     * mask's offset is the same in both layouts). */
    for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
        d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;
}

void pv32_start_info_console(void *si, uint32_t port)
{
    ((struct compat_start_info *)si)->console_evtchn = port;
}

void pv32_start_info_store(void *si, uint32_t port)
{
    ((struct compat_start_info *)si)->store_evtchn = port;
}

int pv32_build_tables(struct domain *d, struct pv_domain *pd, char *err, size_t errlen)
{
    uint64_t vb = pd->img.virt_base;
    /* The bootstrap tables: 1 L3, then the L2s, then the L1s (pv_layout's
     * counts, no L4). */
    uint64_t n2;
    int rc = pv32_region_check(vb, pd->pfn_end, &n2, err, errlen);
    if (rc)
        return rc;
    if (d->shared_info_mfn >= (1ull << 20)) {
        fmt_snprintf(err, errlen, "pv32: shared_info at %#lx is above 4 GiB", (unsigned long)(d->shared_info_mfn << 12));
        return -ENOMEM;
    }
    if ((rc = pv32_write_p2m(pd->p2m, pd->nr_pages, pd->pfn_p2m, page_of, pd, err, errlen)))
        return rc;
    pv32_write_tables(vb, pd->pfn_pt, pd->nr_pt, pd->pfn_end, n2, pd->p2m, page_of, pd);
    write_start_info(d, pd);

    pv_env_init(d, &pd->env);   /* pgt_env.compat: pd->compat is set */
    pd->l4_mfn = pd->p2m[pd->pfn_pt];
    rc = pgt_pin(&pd->env, d->domid, pd->l4_mfn, 3, 0);
    if (rc) {
        fmt_snprintf(err, errlen, "pv32: the bootstrap page tables were refused (%d)", rc);
        return -EINVAL;
    }
    pd->l4_pinned = true;
    return 0;
}
