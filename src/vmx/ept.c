/*
 * EPT entries for the shared p2m (src/mm/p2m.c builds the tree; this file
 * only encodes entries) and the TLB tags: VPIDs from the common generation
 * scheme (hvm/tlb_tag.c) plus INVEPT for guest-physical translations, which
 * VPIDs do not tag (SDM vol. 3C 28.3).
 */
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/console.h"

#define EPT_R           (1ull << 0)
#define EPT_W           (1ull << 1)
#define EPT_X           (1ull << 2)
#define EPT_MT_WB       (6ull << 3)
#define EPT_LARGE       (1ull << 7)

/* EPT paging-structure entries (28.2.2, tables 28-1 to 28-6): bits 2:0 are
 * read/write/execute; a leaf holds the memory type in 5:3 and, above level
 * 1, bit 7 marks a 2 MiB / 1 GiB page.  Non-leaf entries allow everything:
 * the leaf decides. */
uint64_t vmx_ept_encode(uint64_t addr, unsigned level, bool leaf, unsigned perms)
{
    if (!leaf)
        return addr | EPT_R | EPT_W | EPT_X;
    uint64_t e = addr;
    if (perms & P2M_R)
        e |= EPT_R;
    /* Write without read is a misconfiguration, and so is execute-only
     * where the CPU does not offer it (28.2.3.1). */
    if (perms & P2M_W)
        e |= EPT_W | EPT_R;
    if (perms & P2M_X)
        e |= EPT_X | (vmx_cfg.exec_only ? 0 : EPT_R);
    if (!(e & (EPT_R | EPT_W | EPT_X)))
        return 0;
    /* Write-back, with "ignore PAT" clear: the guest's PAT combines with it
     * as on hardware (28.2.6.2). */
    e |= EPT_MT_WB;
    if (level > 1)
        e |= EPT_LARGE;
    return e;
}

__hot_path void vmx_tlb_prepare(struct vcpu *v, unsigned cpu)
{
    struct vmx_vcpu *x = v->vendor;
    bool stale;

    if (vmx_cfg.vpid) {
        /* Read before hvm_tlb_tag_select consumes it: a p2m change also
         * needs INVEPT below. */
        stale = __atomic_load_n(&v->tlb_flush_pending, __ATOMIC_ACQUIRE);
        bool flush_all;
        uint16_t vpid = (uint16_t)hvm_tlb_tag_select(v, 65536, &flush_all);
        /* A new generation recycles VPIDs: drop every VPID-tagged
         * translation on this CPU (INVVPID type 2, 30.3). */
        if (flush_all && !vmx_invvpid(INVVPID_ALL, 0, 0))
            domain_log(v->domain, LOG_ERR, "v%u: INVVPID all-context failed\n", v->vcpu_id);
        if (vpid != x->vpid) {
            vmwrite(VMCS_VPID, vpid);
            x->vpid = vpid;
        }
    } else {
        /* Without VPIDs every entry and exit flushes linear translations
         * (28.3.3.3); only the flag needs consuming. */
        stale = __atomic_exchange_n(&v->tlb_flush_pending, false, __ATOMIC_SEQ_CST);
    }
    if (x->shadow) {
        /* No EPT: linear translations only, tagged by the VPID above (a
         * shadow change set tlb_flush_pending: a fresh VPID). */
        x->last_cpu = (int)cpu;
        return;
    }
    uint64_t eptp = v->domain->p2m.root_pa | vmx_cfg.eptp_flags;
    if (eptp != x->eptp) {
        vmwrite(VMCS_EPT_POINTER, eptp);
        x->eptp = eptp;
        stale = true;
    }
    /* Guest-physical translations are tagged by the EPTP only, per CPU: a
     * p2m change, or arriving on a CPU that may hold older ones (from this
     * domain, or from a dead domain whose p2m root page was reused), needs
     * INVEPT here (28.3.3.4). */
    if (stale || x->last_cpu != (int)cpu) {
        bool ok = vmx_cfg.invept_single ? vmx_invept(INVEPT_SINGLE, eptp) : vmx_invept(INVEPT_ALL, 0);
        if (!ok)
            domain_log(v->domain, LOG_ERR, "v%u: INVEPT failed\n", v->vcpu_id);
    }
    x->last_cpu = (int)cpu;
}
