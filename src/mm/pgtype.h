/*
 * Frame types and direct-paging validation (ARCHITECTURE.md, "One memory
 * model"; docs/pv.md).  A PV guest builds its page tables from its own
 * machine frames; a frame becomes a page table of level N only through
 * pgt_get_type(), which checks every present entry and takes the references
 * the entry needs, and stays one while any reference holds that type.
 *
 * The invariants this module keeps (docs/pv.md explains why each is needed):
 *  1. A frame has one type at a time; the type changes only while its type
 *     count is 0.  So a frame is never a page table and writable at once:
 *     every writable mapping of a frame holds a FRAME_TYPE_WRITABLE reference.
 *  2. A present entry of a validated table holds a general reference on the
 *     frame it names (so the frame cannot be freed or change owner) and, for
 *     levels 2-4, a type reference of the level below (so that frame stays a
 *     validated table).  An L1 entry with RW holds a WRITABLE reference.
 *  3. Only frames of the table's own domain (or what the environment allows,
 *     e.g. pages the hypervisor shares with it) are named.
 *  4. Linear page tables (an entry naming a table of its own level) are
 *     read-only, one level deep: a table that holds linear entries cannot be
 *     the target of one, so type references never form a cycle.
 *  5. Validation stops every few entries when the caller allows preemption
 *     (-ERESTART) and continues from where it stopped; nothing a guest
 *     builds makes one hypercall run unbounded.
 *
 * Pure: the memory and the general references come from an environment the
 * caller provides (the hypervisor's frame table and direct map, or a host
 * unit test's arrays).  64-bit PV paging (4 levels), and with
 * pgt_env.compat the PAE rules of 32-bit PV (an L3 top level).
 */
#ifndef RV_MM_PGTYPE_H
#define RV_MM_PGTYPE_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/frame.h"

/* frame.vflags */
enum {
    PGV_PARTIAL_CHILD = 1,  /* a PARTIAL table: entry nr_validated names a child that is itself PARTIAL
                               and whose partial reference belongs to this table */
};

/* 64-bit PV: the L4 slots the hypervisor owns (0xffff800000000000 up to
 * 0xffff880000000000, as Xen's x86_64 layout).  A guest entry there is
 * ignored at validation and refused by pgt_mod_entry; the hypervisor fills
 * them itself. */
#define PGT_L4_HV_FIRST 256
#define PGT_L4_HV_LAST  271
/* 32-bit PV: in the L2 that an L3's entry 3 names (0xc0000000-0xffffffff,
 * type FRAME_TYPE_PT_L2X), entries 428-511 (0xf5800000 up, the compat M2P
 * as on Xen) are the hypervisor's: ignored at validation, filled by
 * init_l2x, refused by pgt_mod_entry, cleared when the type goes.  Such
 * an L2 can be named only from an L3's entry 3 (another slot asks for a
 * plain L2, a different type). */
#define PGT_L2X_HV_FIRST 428

struct pgt_env {
    struct frame *ft;
    uint64_t nr_frames;
    /* The 512 entries of frame mfn (< nr_frames), writable by the validator
     * (the L1 rule may adjust an entry as it is accepted). */
    uint64_t *(*map)(const struct pgt_env *e, uint64_t mfn);
    /* A general reference on mfn for a mapping made by domain dom: false if
     * dom may not map it (not its frame, free, reserved, orphaned). */
    bool (*get_ref)(const struct pgt_env *e, uint64_t mfn, uint16_t dom);
    void (*put_ref)(const struct pgt_env *e, uint64_t mfn);
    /* Optional: true when the hypercall should stop and continue later. */
    bool (*preempt)(const struct pgt_env *e);
    /* Optional: rewrites a present L1 entry as it is accepted (64-bit PV:
     * the kernel runs in ring 3, so supervisor mappings become user ones). */
    uint64_t (*adjust_l1e)(const struct pgt_env *e, uint64_t pte);
    /* Optional: the same for a present entry of levels 2-4 (64-bit PV:
     * US set, as Xen does, or the ring-3 kernel could not walk through a
     * supervisor entry).  Only bits outside the address and RW. */
    uint64_t (*adjust_upper)(const struct pgt_env *e, unsigned level, uint64_t pte);
    /* Optional: fills the hypervisor's L4 slots of a newly validated L4. */
    void (*init_l4)(const struct pgt_env *e, uint64_t mfn);
    /* Optional (compat): fills entries PGT_L2X_HV_FIRST-511 of a newly
     * validated FRAME_TYPE_PT_L2X table. */
    void (*init_l2x)(const struct pgt_env *e, uint64_t mfn);
    /* Optional: frame mfn was writable until now and becomes a page table:
     * flush every TLB that may still map it writable. */
    void (*writable_gone)(const struct pgt_env *e, uint64_t mfn);
    /* Optional: frame mfn was a page table until now and takes another
     * type: flush every TLB that may still cache it as one (a paging-
     * structure cache entry would let the CPU walk a frame the guest can
     * now write). */
    void (*table_gone)(const struct pgt_env *e, uint64_t mfn);
    /* Optional: checks (and may rewrite) the 512 descriptors of frame mfn
     * as it becomes FRAME_TYPE_SEG_DESC (a GDT/LDT frame); false refuses
     * the type.  Without it the type is taken unchecked, so a PV
     * environment must provide it (pv/mm_hcall.c: pv_desc_frame_ok). */
    bool (*validate_desc)(const struct pgt_env *e, uint64_t mfn);
    /* Optional: an unbalanced reference (a hypervisor bug); default: trap. */
    void (*bug)(const struct pgt_env *e, const char *what);
    /* Optional: an L1 entry that mapped frame mfn (with RW when rw) is gone
     * or changed, and the references it held (general, and the writable
     * type when rw) are to be dropped.  Without the hook they go at once;
     * with it the environment drops them itself with pgt_put_l1_frame,
     * once no CPU can still use the old translation (pv/pv_mmu_env.c:
     * after the call's TLB flush), so the frame cannot be freed, reused or
     * retyped while a stale TLB entry still reaches it. */
    void (*l1_put)(const struct pgt_env *e, uint64_t mfn, bool rw);
    bool cache_attrs_ok;    /* PWT/PCD/PAT allowed in L1 entries (a domain with devices) */
    /* Optional: true if an L1 entry may map frame mfn as device/firmware
     * memory (no reference, no type: not RAM the allocator owns).  Must
     * give the same answer for a frame for as long as the env lives, so
     * that an accepted entry is released under the same rule. */
    bool (*io_frame)(const struct pgt_env *e, uint64_t mfn);
    /* 32-bit PV (PAE, docs/pv.md "Ring 1 and compat"): the top level is an
     * L3 of which only entries 0-3 may be present (4-511 must stay empty:
     * the per-vCPU L4 puts the L3 under slot 0, where the CPU would walk
     * them); its present entries get RW, US and A (in long mode the CPU
     * reads them as PDPTEs with permissions, a PAE PDPTE has none); no
     * linear L3 entries (they would become writable so); no L4 tables. */
    bool compat;
    void *ctx;
};

/* pgt_get_type flags */
enum {
    PGT_PREEMPTIBLE = 1,    /* may return -ERESTART, leaving the frame PARTIAL */
    PGT_TOP         = 2,    /* a top-level operation (pin, base pointer): if it is preempted, the next
                               top-level operation of the same type continues it */
    /* pgt_mod_entry only: */
    PGT_PRESERVE_AD = 4,    /* MMU_PT_UPDATE_PRESERVE_AD: the entry keeps the A/D bits it has now */
    PGT_WANT_L1     = 8,    /* the table must be an L1 (update_va_mapping) */
};

/*
 * Takes a reference of type 'type' on frame mfn for domain dom, validating
 * it first if its type count was 0 (page-table types).  0 on success;
 * -EINVAL if the frame is another type now, is not dom's, or fails
 * validation (nothing held then); -EBUSY if another CPU or operation is
 * part-way through validating it; -ERESTART (PGT_PREEMPTIBLE only) if
 * validation stopped part-way: the reference is held as the partial one.
 */
int pgt_get_type(const struct pgt_env *e, uint16_t dom, uint64_t mfn, unsigned type, unsigned flags);
/* Drops a type reference; the last one of a page-table type drops every
 * reference its entries hold (devalidation). */
void pgt_put_type(const struct pgt_env *e, uint64_t mfn);

/* A top-level reference such as a vCPU's base pointer (CR3): one general
 * and one type reference on mfn, taken as pgt_pin takes them (a preempted
 * top-level validation of the same type is continued, -ERESTART with
 * PGT_PREEMPTIBLE) but without the pin.  pgt_put_top drops both. */
int pgt_get_top(const struct pgt_env *e, uint16_t dom, uint64_t mfn, unsigned type, unsigned flags);
void pgt_put_top(const struct pgt_env *e, uint64_t mfn);

/* MMUEXT_PIN_L<level>_TABLE / MMUEXT_UNPIN_TABLE.  Pin: -EINVAL if already
 * pinned or not a valid table of that level; -ERESTART as above. */
int pgt_pin(const struct pgt_env *e, uint16_t dom, uint64_t mfn, unsigned level, unsigned flags);
int pgt_unpin(const struct pgt_env *e, uint16_t dom, uint64_t mfn);
/* Domain destruction, for each of its frames: drops a pin, or the
 * references of a preempted top-level validation nobody continued.
 * Returns 1 if it dropped something.  Once every frame had this and every
 * vCPU its base pointers dropped, no type reference remains (rule 4). */
int pgt_relinquish(const struct pgt_env *e, uint16_t dom, uint64_t mfn);

/*
 * mmu_update's normal update: entry 'idx' of validated table 'table' (of
 * dom) becomes 'val' if val's references can be taken (the old entry's are
 * dropped after).  Returns 1 if a present entry changed (the caller flushes
 * TLBs), 0 if nothing needs flushing; -EINVAL for a table that is not a
 * validated page table of dom, a hypervisor L4 slot, or an entry the rules
 * refuse; -ERESTART (PGT_PREEMPTIBLE) if the table it names was left
 * part-validated: the same update again continues it.  PGT_PRESERVE_AD
 * and PGT_WANT_L1 as above.
 */
int pgt_mod_entry(const struct pgt_env *e, uint16_t dom, uint64_t table, unsigned idx, uint64_t val,
                  unsigned flags);
/* The same as a compare-exchange: the entry becomes val only if it still
 * holds expect (compared and stored under the table's lock, the store
 * itself atomic against the processor's A/D updates); -EAGAIN and nothing
 * changed otherwise.  The writable-page-table assist's partial and
 * read-modify-write stores (pv_ptwr.c).  PGT_PRESERVE_AD is ignored. */
int pgt_cmpxchg_entry(const struct pgt_env *e, uint16_t dom, uint64_t table, unsigned idx, uint64_t expect,
                      uint64_t val, unsigned flags);

/* Whether entry bits other than the address are acceptable at this level
 * (exposed for the tests and the PV fault path). */
bool pgt_entry_flags_ok(const struct pgt_env *e, unsigned level, uint64_t pte);

/* The level of a page-table type (FRAME_TYPE_PT_L1..4 -> 1..4), 0 otherwise. */
static inline unsigned pgt_level(unsigned type)
{
    return type >= FRAME_TYPE_PT_L1 && type <= FRAME_TYPE_PT_L4 ? type - FRAME_TYPE_PT_L1 + 1 :
           type == FRAME_TYPE_PT_L2X ? 2 : 0;
}

static inline unsigned pgt_type_of_level(unsigned level)
{
    return FRAME_TYPE_PT_L1 + level - 1;
}

/* Drops what an L1 entry mapping mfn held (the writable type if rw, then
 * the general reference): the deferred half of pgt_env.l1_put. */
void pgt_put_l1_frame(const struct pgt_env *e, uint64_t mfn, bool rw);

#endif
