/*
 * The guest's own GDT, LDT and data selectors for 64-bit PV vCPUs
 * (docs/pv.md "Guest GDT, LDT and selectors", src/pv/pv_seg.c).
 */
#ifndef RV_PV_PV_SEG_H
#define RV_PV_PV_SEG_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct cpu_regs;

/* Per-vCPU state (struct pv_vcpu.seg). */
struct pv_seg {
    uint64_t *gdt;          /* (r) the GDT the CPU loads: guest entries, then the hypervisor's at 0xe000 */
    uint64_t *ldt;          /* (r) the LDT the CPU loads (checked copy), NULL until one is set */
    unsigned gdt_copied;    /* (r) guest entries in gdt[] (the rest below 0xe000 is zero) */
    unsigned ldt_copied;    /* (r) entries in ldt[] */
    uint64_t gen;           /* (r) the domain's seg_gen at the last copy */
    bool stale;             /* (r) copy again before the next entry (own set_gdt / SET_LDT / init) */
    bool loaded;            /* (r) GDT, LDT and data selectors loaded on this CPU for this stint */
    bool on_cpu;            /* (r) this vCPU's GDT is in GDTR (until the stint's end, whatever 'loaded' says) */
    bool just_copied;       /* (r) copied since the last entry: a newer seg_gen waits for the next one */
    uint16_t ds, es, fs, gs;/* (r) the guest's data selectors (saved at every exit) */
    uint64_t nr_loads, nr_failsafe, nr_copies;      /* (r) */
};

/* Before each entry, interrupts off: false = enter now (the GDT, LDT and
 * selectors are loaded and the frame's CS/SS checked against them);
 * true = something was done with interrupts on (a copy, a failsafe
 * callback, a crash): check everything again. */
bool pv_seg_prepare(struct vcpu *v);
/* After each exit, interrupts off: the guest's selectors as it left them. */
void pv_seg_after_exit(struct vcpu *v);
/* End of a stint: null selectors, the host GDT and no LDT again. */
void pv_seg_stint_end(struct vcpu *v);
/* MMU hypercall nr of v returned ret: copies of the domain's vCPUs that
 * may have gone stale are copied again before their next entry (only
 * update_descriptor, and page-table changes while an LDT is in use). */
void pv_seg_mmu_call(struct vcpu *v, uint64_t nr, long ret);
/* v changed page-table entries outside an MMU hypercall (the
 * writable-page-table assist): the same rule. */
void pv_seg_mappings_changed(struct vcpu *v);
/* The vCPU's own set_gdt frames or LDT range changed (env->reload, or
 * VCPUOP_initialise while it is offline): copied before its next entry. */
struct pv_vcpu;
void pv_seg_tables_changed(struct pv_vcpu *pv);
/* The frame IRETQ will load (CS, SS, RIP): NULL if it cannot fault, else
 * what is wrong.  Guest GDT/LDT selectors as the vCPU's copy has them.
 * Two answers mean a fault other than #GP (pv_user_iret_fault): */
#define PV_SEG_CS_NOT_PRESENT "code segment not present"     /* #NP(CS) */
#define PV_SEG_SS_NOT_PRESENT "stack segment not present"    /* #SS(SS) */
const char *pv_seg_frame_problem(struct vcpu *v, const struct cpu_regs *c);
/* SEGBASE_GS_USER_SEL: the selector (null if it cannot be loaded, as Xen's
 * fixup gives); the user GS base becomes its descriptor's base. */
void pv_seg_gs_user_sel(struct vcpu *v, uint16_t sel);
/* vCPU teardown: frees the copies. */
void pv_seg_free(struct vcpu *v);

#endif
