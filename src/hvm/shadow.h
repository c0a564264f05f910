/*
 * Shadow paging for HVM domains without nested paging (hap = 0, or a CPU
 * without NPT): the glue between the vendor backend, the guest walker
 * (mm/gwalk.c) and the shadow tables (mm/shadow.c).  docs/shadow.md.
 */
#ifndef RV_HVM_SHADOW_H
#define RV_HVM_SHADOW_H

#include "mm/shadow.h"
#include "hvm/vendor.h"
#include "mm/gwalk.h"
#include "boot/bootopts.h"

struct vcpu;
struct domain;

/* Per vCPU; owner: that vCPU (its exit handlers and entry path).  Other
 * CPUs only set flush_pending (atomically). */
struct hvm_shadow {
    struct shadow sh;           /* the tables and their statistics */
    uint64_t *pool;             /* (i) physical addresses of the pool pages */
    uint64_t key;               /* paging-relevant CR0/CR4/EFER bits at the last entry */
    uint64_t gcr3;              /* the guest's CR3 at the last entry */
    unsigned flush_pending;     /* (a) SHADOW_REQ_*: what to empty before the next entry */
    bool started;
    uint64_t pf_exits, pf_injected, pf_mmio;
    uint64_t pf_logdirty;       /* write #PFs that marked a frame dirty (log-dirty, mm/logdirty.c) */
    uint64_t fill_user, fill_near, last_fill;  /* statistics: user-page fills, fills within 2 MiB of the last */
    uint64_t fill_kernel_ng, last_kernel_ng;   /* statistics: supervisor fills without G, the last one's address */
    struct gwalk_near near[BOOTOPTS_SHADOW_PREFETCH_MAX];  /* the prefetch's scratch (shadow_hvm.c prefetch) */
};

/* Decides hap or shadow for a new HVM domain (d->shadow, d->shadow_pages)
 * from its configuration and the CPU.  -ENODEV with err filled when the
 * domain cannot run (no paging mode this CPU supports). */
int hvm_shadow_domain_init(struct domain *d, bool hap_wanted, unsigned shadow_mib, char *err, size_t errlen);
/* Pool and vendor switch for one vCPU of a shadow domain (no-op otherwise). */
int hvm_shadow_vcpu_create(struct vcpu *v);
void hvm_shadow_vcpu_destroy(struct vcpu *v);
/* Right before each entry: empties the shadow when the guest's CR3 or
 * paging mode changed, or a flush was asked for; after a MOV to CR3,
 * switches to (and revalidates) the new CR3's cached root. */
void hvm_shadow_before_entry(struct vcpu *v);
/* An intercepted #PF at linear gva with the CPU's error code.  Returns
 * false when the domain was crashed. */
bool hvm_shadow_page_fault(struct vcpu *v, const struct hvm_exit *x, uint64_t gva, uint32_t ec);
/* The guest's INVLPG of la (through the instruction emulator). */
void hvm_shadow_invlpg(struct vcpu *v, uint64_t la);
#define SHADOW_REQ_NONGLOBAL 1u     /* a MOV to CR3: the non-global leaves go */
#define SHADOW_REQ_ALL       2u     /* everything goes */

/* Everything must go (a paging bit changed, the p2m changed, ...). */
void hvm_shadow_request_flush(struct vcpu *v);
/* The guest's MOV to CR3: the non-global translations go, global ones
 * (G with CR4.PGE) may stay, as in a TLB. */
void hvm_shadow_request_cr3_flush(struct vcpu *v);
/* The control registers the CPU runs with for the guest's values: paging
 * always on (through the shadow), CR0.WP always on, CR4.PAE on (PAE
 * shadows outside long mode), EFER.LME off while the guest's paging is off.
 * For the vendor backends' set_ctrl. */
void hvm_shadow_hw_ctrl(uint64_t gcr0, uint64_t gcr4, uint64_t gefer, uint64_t *cr0, uint64_t *cr4,
                        uint64_t *efer);

#endif
