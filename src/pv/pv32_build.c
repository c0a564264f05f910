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

#define PV32_HV_START   0xf5800000ull
#define PT32_L3     0x001ull    /* P: a PAE PDPTE (pgtype.c adds RW US A under the long-mode L4) */
#define PT32_L2     0x067ull    /* P RW US A D */
#define PT32_L1_RW  0x023ull    /* P RW A */
#define PT32_L1_RO  0x021ull    /* P A: the bootstrap page-table frames */

/* Xen's start_info as an x86_32 guest sees it (unsigned long and
 * xen_pfn_t are 32 bits there). */
struct compat_start_info {
    char magic[32];
    uint32_t nr_pages;
    uint32_t shared_info;
    uint32_t flags;
    uint32_t store_mfn;
    uint32_t store_evtchn;
    uint32_t console_mfn;
    uint32_t console_evtchn;
    uint32_t pt_base;
    uint32_t nr_pt_frames;
    uint32_t mfn_list;
    uint32_t mod_start;
    uint32_t mod_len;
    int8_t cmd_line[1024];
    uint32_t first_p2m_pfn;
    uint32_t nr_p2m_frames;
};
_Static_assert(__builtin_offsetof(struct compat_start_info, nr_pages) == 32, "compat start_info");
_Static_assert(__builtin_offsetof(struct compat_start_info, pt_base) == 60, "compat start_info");
_Static_assert(__builtin_offsetof(struct compat_start_info, cmd_line) == 80, "compat start_info");
_Static_assert(sizeof(struct compat_start_info) == 1112, "compat start_info");

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

static void write_tables(struct pv_domain *pd, uint64_t n2)
{
    uint64_t from = pd->img.virt_base;
    uint64_t base2 = pd->pfn_pt + 1, base1 = base2 + n2;
    uint64_t *l3 = pfn_ptr(pd, pd->pfn_pt);

    for (uint64_t pfn = 0; pfn < pd->pfn_end; pfn++) {
        uint64_t va = from + (pfn << 12);
        uint64_t t2 = base2 + (va >> 30) - (from >> 30);
        uint64_t t1 = base1 + (va >> 21) - (from >> 21);
        uint64_t *l2 = pfn_ptr(pd, t2), *l1 = pfn_ptr(pd, t1);
        bool is_pt = pfn >= pd->pfn_pt && pfn < pd->pfn_pt + pd->nr_pt;

        l3[(va >> 30) & 3] = (pd->p2m[t2] << 12) | PT32_L3;
        l2[(va >> 21) & 511] = (pd->p2m[t1] << 12) | PT32_L2;
        l1[(va >> 12) & 511] = (pd->p2m[pfn] << 12) | (is_pt ? PT32_L1_RO : PT32_L1_RW);
    }
}

static void write_start_info(struct domain *d, struct pv_domain *pd)
{
    struct compat_start_info *si = pfn_ptr(pd, pd->pfn_start_info);
    uint64_t vb = pd->img.virt_base;

    memset(si, 0, sizeof(*si));
    strlcpy(si->magic, "xen-3.0-x86_32p", sizeof(si->magic));
    si->nr_pages = (uint32_t)pd->nr_pages;
    si->shared_info = (uint32_t)(d->shared_info_mfn << 12);
    si->flags = SIF_VIRT_P2M_4TOOLS;
    si->store_mfn = (uint32_t)pd->p2m[pd->pfn_store];
    si->console_mfn = (uint32_t)pd->p2m[pd->pfn_console];
    si->pt_base = (uint32_t)(vb + (pd->pfn_pt << 12));
    si->nr_pt_frames = (uint32_t)pd->nr_pt;
    si->mfn_list = (uint32_t)pd->p2m_va;
    if (pd->nr_mod) {
        si->flags |= pd->mod_unmapped ? SIF_MOD_START_PFN : 0;
        si->mod_start = (uint32_t)(pd->mod_unmapped ? pd->pfn_mod : vb + (pd->pfn_mod << 12));
        si->mod_len = (uint32_t)(pd->nr_mod << 12);
    }
    strlcpy((char *)si->cmd_line, d->cfg->cmdline, sizeof(si->cmd_line));
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
    uint64_t last = vb + (pd->pfn_end << 12) - 1;
    uint64_t n2 = (last >> 30) - (vb >> 30) + 1;

    if (last >= PV32_HV_START || last < vb) {
        fmt_snprintf(err, errlen, "pv32: the initial mapping %#lx-%#lx reaches the hypervisor's range at %#lx",
                     (unsigned long)vb, (unsigned long)last, (unsigned long)PV32_HV_START);
        return -ENOEXEC;
    }
    if (d->shared_info_mfn >= (1ull << 20)) {
        fmt_snprintf(err, errlen, "pv32: shared_info at %#lx is above 4 GiB", (unsigned long)(d->shared_info_mfn << 12));
        return -ENOMEM;
    }
    for (uint64_t pfn = 0; pfn < pd->nr_pages; pfn++) {
        if (pd->p2m[pfn] >> 32) {
            fmt_snprintf(err, errlen, "pv32: frame %#lx does not fit a 32-bit mfn", (unsigned long)pd->p2m[pfn]);
            return -ENOMEM;
        }
        ((uint32_t *)pfn_ptr(pd, pd->pfn_p2m + (pfn >> 10)))[pfn & 1023] = (uint32_t)pd->p2m[pfn];
    }
    write_tables(pd, n2);
    write_start_info(d, pd);

    pv_env_init(d, &pd->env);   /* pgt_env.compat: pd->compat is set */
    pd->l4_mfn = pd->p2m[pd->pfn_pt];
    int rc = pgt_pin(&pd->env, d->domid, pd->l4_mfn, 3, 0);
    if (rc) {
        fmt_snprintf(err, errlen, "pv32: the bootstrap page tables were refused (%d)", rc);
        return -EINVAL;
    }
    pd->l4_pinned = true;
    return 0;
}
