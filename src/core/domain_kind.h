/*
 * Kinds of domain (ARCHITECTURE.md, "Domain kinds behind one table"): core/
 * builds, runs and tears down a domain through the operations of its kind
 * (hvm, pvh, later pv) and includes nothing of hvm/ or pv/.  A kind
 * registers itself with DOMAIN_KIND() (a table the linker collects), so the
 * arrows run one way: the kinds use core/, never the reverse.
 */
#ifndef RV_CORE_DOMAIN_KIND_H
#define RV_CORE_DOMAIN_KIND_H

#include <stddef.h>
#include <stdint.h>

#include <stdbool.h>

#include "lib/compiler.h"

struct domain;
struct vcpu;
struct hvm_hw_cpu;

struct domain_kind {
    int type;               /* enum domcfg_type */
    const char *name;       /* "hvm", "pvh", ... */
    /* Once at boot, before any domain of this kind: 0 if this host can run
     * it; otherwise < 0 (the kind logged why).  Kinds sharing one engine
     * may share the call: it must be idempotent. */
    int (*init)(void);
    /* Guest memory and the kernel image, after core set up d (id, config
     * copy, shared_info) and before any vCPU exists.  Kind-private state
     * goes in d->kind_priv (the kind frees it in 'destroy').  0, or < 0
     * with a one-line reason in err. */
    int (*build)(struct domain *d, char *err, size_t errlen);
    /* A vCPU's backend state and initial registers (core filled in the
     * generic fields of v); < 0 fails the build. */
    int (*vcpu_create)(struct vcpu *v);
    /* After every vCPU, event channels and grant tables exist: devices,
     * consoles, whatever needs them.  0, or < 0 with a reason in err. */
    int (*finish)(struct domain *d, char *err, size_t errlen);
    /* Teardown, in this order: 'destroy' before any vCPU goes (devices and
     * their timers; must cope with a half-built domain), then
     * 'vcpu_destroy' for each vCPU. */
    void (*destroy)(struct domain *d);
    void (*vcpu_destroy)(struct vcpu *v);
    /* Runs v on this CPU until it blocks, is descheduled or its domain
     * stops (core/sched.c); returns to the scheduler. */
    void (*vcpu_run)(struct vcpu *v);
    /* The runstate area (core/time_info.c): v's guest-virtual address, as
     * the hypervisor's own supervisor write would translate it, to where
     * the domain's memory holds it (0 or -EFAULT), and a copy there. */
    int (*gva_to_gpa)(struct vcpu *v, uint64_t gva, uint64_t *gpa);
    int (*copy_to_gphys)(struct domain *d, uint64_t gpa, const void *src, size_t len);
    /* Optional: counters printed when every domain has stopped. */
    void (*print_stats)(void);
    /* Optional: v's state for the 'd' key and the hang report, for kinds
     * whose vCPUs the HVM sampling cannot read (pv); a snapshot, any CPU. */
    void (*vcpu_dump)(struct vcpu *v);
    /* Optional (pv): grant mappings in the guest's own page tables
     * (gnttab/gnttab_pv.c).  addr is the machine address of an L1 entry
     * (contains_pte) or a virtual address of v's current tables.
     * gnt_map_pte: that entry becomes pte, which maps frame pte >> 12 of
     * domain owner; the entry holds the references any L1 entry holds.
     * gnt_unmap_pte: the entry must still map what pte maps (frame, P, RW);
     * it is cleared, but CPUs may keep the translation until gnt_flush.
     * Both: a GNTST_* code.  gnt_flush: no CPU keeps a translation of an
     * entry cleared before it (the grant side calls it once per batch of
     * unmaps, before it drops the frames' references: gnttab_defer.h). */
    int (*gnt_map_pte)(struct vcpu *v, uint64_t addr, bool contains_pte, uint64_t pte, uint16_t owner);
    int (*gnt_unmap_pte)(struct vcpu *v, uint64_t addr, bool contains_pte, uint64_t pte);
    void (*gnt_flush)(struct vcpu *v);
    /* Optional (hvm, pvh): XEN_DOMCTL_sethvmcontext's CPU record (public/
     * hvm_save.h) for v, which has never run (core/domctl_build.c checks):
     * its registers become the record's.  0, or < 0 when the record asks
     * for a state this kind does not take (-EOPNOTSUPP) or is invalid. */
    int (*ctl_set_cpu)(struct vcpu *v, const struct hvm_hw_cpu *c);
    /* XEN_DOMCTL_setvcpucontext and XEN_DOMCTL_hypercall_init for a domain
     * the toolstack builds (PV: pv/pv_ctl.c); NULL: -EINVAL.  ctxt is the
     * caller's guest handle of a vcpu_guest_context. */
    long (*ctl_set_vcpu_context)(struct vcpu *caller, struct domain *d, uint32_t vcpu, uint64_t ctxt);
    long (*ctl_hypercall_init)(struct domain *d, uint64_t mfn);
    /* Optional (hvm): the domain's RAM size becomes bytes (XENMEM_set_memory_map
     * from the control domain, core/domctl_build.c, while it builds the
     * domain): mem_bytes and what the platform reports of it (the CMOS
     * memory-size bytes). */
    void (*ctl_set_mem_bytes)(struct domain *d, uint64_t bytes);
    /* Optional (pv): XEN_DOMCTL_set_address_size / get_address_size, the
     * guest word size in bits; NULL: -EOPNOTSUPP (Xen's answer for HVM). */
    long (*ctl_set_address_size)(struct domain *d, uint32_t size);
    uint32_t (*ctl_address_size)(const struct domain *d);
    /* Optional (pv): whether v is down in the guest's sense (never
     * initialised, or VCPUOP_down), though the scheduler still holds it:
     * getdomaininfo and getvcpuinfo count it offline, as Xen's VPF_down.
     * A snapshot, any CPU. */
    bool (*vcpu_is_down)(struct vcpu *v);
} __aligned(32);    /* the linker's table is an array: no padding between entries; 32 = what GCC
                       gives a static object this large anyway (ringvisor.ld) */

#define DOMAIN_KIND(var) \
    static const struct domain_kind var __section(".domain_kinds") __used

/* The kind of a domcfg type, or NULL if none is registered. */
const struct domain_kind *domain_kind_get(int type);
/* Runs every kind's init once; returns how many kinds are ready. */
unsigned domain_kinds_init(void);
/* Whether the kind's init succeeded (false before domain_kinds_init). */
bool domain_kind_ready(const struct domain_kind *k);
/* Every kind's print_stats. */
void domain_kinds_print_stats(void);

#endif
