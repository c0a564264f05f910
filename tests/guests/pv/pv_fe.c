/*
 * pv_fe: the PVH test frontends (tests/guests/pvh/pvh_blk.c, pvh_net.c,
 * their xenbus and xenstore code in pvh/lib) built as 64-bit PV kernels
 * (docs/split-drivers.md "Hostile frontends as PV domUs").  The frontends'
 * sources are compiled unchanged with -DPVH_LIB_ON_PV; this file is the
 * part of the PVH library that a PV kernel does differently:
 *
 *  - the start: pv_entry.S calls pv_main(start_info); the command line comes
 *    from start_info, shared_info is mapped with update_va_mapping over a
 *    page of the image (its machine address is in start_info);
 *  - hypercalls: SYSCALL (pv_lib.c's hc()), not a hypercall page;
 *  - the console and xenstore rings: their MFNs and ports are in
 *    start_info, not HVM params; hvm_get_param answers those four params
 *    from it (the pfn found through the p2m list), so xs_client.c is the
 *    same code for both;
 *  - grant table frames: setup_table's MFNs mapped with update_va_mapping;
 *  - grant entries name MFNs: grant_frame() looks the page's pfn up in the
 *    p2m list (start_info's mfn_list).
 *
 * Also what the PV hostile modes need: the frames a PV frontend can name
 * that are not ordinary RAM of its own (page tables, start_info,
 * shared_info, its grant-table frame) and a page given back with
 * XENMEM_decrease_reservation.
 *
 * State: single vCPU, no upcalls, no locks; pv_si / p2m are set once by
 * pv_main before test_main runs.
 */
#include "pvh.h"

#include "public/sched.h"
#include "public/arch-x86_64.h"     /* struct start_info */

/* pv_lib.c (not its header: its check() is another one than testlib's,
 * which the frontends' objects are built to call as fe_check). */
long hc(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);
void pv_main(const struct start_info *si);

#define PTE_DATA     0x63ull        /* P RW A D */
#define UVMF_INVLPG_ 2ull           /* public/xen.h UVMF_INVLPG */
#define GT_WINDOWS   4u

static const struct start_info *pv_si;
static uint64_t *p2m;               /* the builder's mfn_list (writable RAM of ours) */
static uint64_t gt_mfn[GT_WINDOWS];
static uint8_t shinfo_window[4096] __attribute__((aligned(4096)));
static uint8_t gt_window[GT_WINDOWS][4096] __attribute__((aligned(4096)));

long hypercall(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
               unsigned long a5)
{
    (void)a5;                       /* no frontend call takes a fifth argument */
    return hc(nr, a1, a2, a3, a4);
}

uint64_t grant_frame(const void *p)
{
    uint64_t pfn = ptr_gfn(p);
    return pfn < pv_si->nr_pages ? p2m[pfn] : ~0ull;
}

/* The pfn holding mfn, ~0 if none (a linear search: a few thousand pages). */
static uint64_t pfn_of(uint64_t mfn)
{
    for (uint64_t i = 0; i < pv_si->nr_pages; i++)
        if (p2m[i] == mfn)
            return i;
    return ~0ull;
}

long hvm_get_param(unsigned index, uint64_t *value)
{
    switch (index) {
    case HVM_PARAM_STORE_PFN:
        *value = pfn_of(pv_si->store_mfn);
        break;
    case HVM_PARAM_STORE_EVTCHN:
        *value = pv_si->store_evtchn;
        break;
    case HVM_PARAM_CONSOLE_PFN:
        *value = pfn_of(pv_si->console.domU.mfn);
        break;
    case HVM_PARAM_CONSOLE_EVTCHN:
        *value = pv_si->console.domU.evtchn;
        break;
    default:
        return -EINVAL;             /* a PV domain has no HVM params */
    }
    return *value == ~0ull ? -ENOENT : 0;
}

long pvh_map_shared_info(void)
{
    if (pvh.sh)
        return 0;
    long rc = hc(__HYPERVISOR_update_va_mapping, (uint64_t)shinfo_window, pv_si->shared_info | PTE_DATA,
                 UVMF_INVLPG_, 0);
    if (rc)
        return rc;
    pvh.sh = (struct shared_info *)shinfo_window;
    pvh.vi = &pvh.sh->vcpu_info[0];
    return 0;
}

long gnttab_map_frames(unsigned n)
{
    if (n > GT_WINDOWS)
        return -EINVAL;
    if (n > pvh.gt_frames) {
        struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = n, .frame_list = (uintptr_t)gt_mfn };
        long rc = gnttab_op(GNTTABOP_setup_table, &st, 1);
        if (rc || st.status)
            return rc ? rc : st.status;
        for (unsigned i = pvh.gt_frames; i < n; i++) {
            rc = hc(__HYPERVISOR_update_va_mapping, (uint64_t)gt_window[i], (gt_mfn[i] << 12) | PTE_DATA,
                    UVMF_INVLPG_, 0);
            if (rc)
                return rc;
            pvh.gt_frames = i + 1;
        }
    }
    pvh.gt = (struct grant_entry_v1 *)gt_window[0];
    return 0;
}

void pv_fe_frames(struct pv_fe_frames *f)
{
    uint64_t l4_pfn = ptr_gfn((const void *)pv_si->pt_base);
    f->start_info = grant_frame(pv_si);
    f->shared_info = pv_si->shared_info >> 12;
    f->gnttab = gt_mfn[0];
    f->l4 = p2m[l4_pfn];
    /* The bootstrap tables are one block of pfns (tools/rv/pv_build.c): the
     * last of them is an L1 (L4, L3, L2 come first). */
    f->l1 = p2m[l4_pfn + pv_si->nr_pt_frames - 1];
    f->l4_va = (const void *)pv_si->pt_base;
    f->l1_va = gfn_ptr(l4_pfn + pv_si->nr_pt_frames - 1);
    f->min_own = ~0ull;
    f->max_own = 0;
    for (uint64_t i = 0; i < pv_si->nr_pages; i++) {
        if (p2m[i] < f->min_own)
            f->min_own = p2m[i];
        if (p2m[i] > f->max_own)
            f->max_own = p2m[i];
    }
}

bool pv_fe_owns(uint64_t mfn)
{
    return pfn_of(mfn) != ~0ull;
}

long pv_fe_give_back(void *page, uint64_t *mfn)
{
    uint64_t pfn = ptr_gfn(page);
    *mfn = p2m[pfn];
    /* Our own mapping first (its reference), then the reservation. */
    long rc = hc(__HYPERVISOR_update_va_mapping, (uint64_t)page, 0, UVMF_INVLPG_, 0);
    if (rc)
        return rc;
    uint64_t e = *mfn;
    struct xen_reservation r = { .extent_start = (uintptr_t)&e, .nr_extents = 1, .domid = DOMID_SELF };
    rc = memory_op(XENMEM_decrease_reservation, &r);
    p2m[pfn] = ~0ull;               /* as Linux marks a ballooned-out pfn */
    return rc;
}

void pv_main(const struct start_info *si)
{
    pv_si = si;
    p2m = (uint64_t *)si->mfn_list;
    pvh.hv = true;                  /* printf's lines go to console_io */
    pvh.start_info_ok = true;
    unsigned i = 0;
    for (; i + 1 < sizeof(pvh.cmdline) && si->cmd_line[i]; i++)
        pvh.cmdline[i] = (char)si->cmd_line[i];
    pvh.cmdline[i] = 0;
    long rc = pvh_map_shared_info();
    printf("\n%s: 64-bit PV frontend, %lu pages, command line \"%s\"\n", pvh_guest_name, si->nr_pages,
           pvh.cmdline);
    if (!check(rc == 0, "pv-shared-info", "update_va_mapping of shared_info %#lx: %ld", si->shared_info, rc))
        finish();
    test_main();
    finish();
}
