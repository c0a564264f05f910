/*
 * The writable-page-table assist's instruction part (docs/pv.md "The
 * writable-page-table assist"): the kernel's write that faulted on a
 * read-only mapping of one of its page tables, run through the x86
 * emulator core (hvm/emulate) so that every write form works (MOV from a
 * register or an immediate, XCHG, (LOCK) CMPXCHG, ...), with its one
 * memory write turned into a checked page-table update by the caller.
 *
 * Pure: the guest's memory and the update come through callbacks, so the
 * host unit test (unit_pv_ptwr) and the fuzzer (fuzz_pv_ptwr) run it.
 */
#ifndef RV_PV_PV_PTWR_H
#define RV_PV_PV_PTWR_H

#include <stdint.h>
#include "core/guest_regs.h"

struct pv_ptwr_env {
    /* The guest's memory as its kernel reads it (instruction bytes, the old
     * entry of a read-modify-write): 0 or -EFAULT. */
    int (*read)(void *ctx, uint64_t la, void *buf, unsigned len);
    /* The 8-byte aligned entry at la (in the faulting page) becomes val;
     * with expect only if it still holds *expect (atomically): 0 done,
     * -EAGAIN (it does not: nothing done), -ERESTART (same write again
     * continues), other < 0 refused. */
    int (*write_entry)(void *ctx, uint64_t la, const uint64_t *expect, uint64_t val);
    void *ctx;
    uint64_t fs_base, gs_base;      /* the guest's segment bases (64-bit) */
    /* A 32-bit PV kernel (ring 1, compatibility mode): the instruction is
     * decoded with 32-bit (67: 16-bit) addressing through the segments
     * below (the vCPU's descriptors: ES CS SS DS FS GS, the emulator's
     * order; attr in its packed form, 0 = unusable), CPL cpl.  A 4-byte
     * store to the high half of an entry whose merged value is refused
     * while present is stored with P clear, as Xen does for PAE kernels
     * that write the halves high first (the low half makes it present). */
    bool compat;
    uint8_t cpl;
    struct pv_ptwr_seg { uint16_t sel, attr; uint32_t limit; uint64_t base; } seg[6];
};

/*
 * Emulates the instruction at r->rip, which faulted writing to the page of
 * cr2.  Returns 0 with *r updated (RIP past it, the registers and
 * arithmetic flags it changes), -ERESTART with *r unchanged (the guest runs
 * it again: also when the entry changed under a partial or
 * read-modify-write store), or -EINVAL with *r unchanged: not a single
 * write inside one aligned 8-byte entry of that page (a partial one is
 * merged into the entry), unreadable, undecodable, or the entry refused
 * (the #PF then goes to the guest).
 */
int pv_ptwr_emulate(const struct pv_ptwr_env *e, struct guest_regs *r, uint64_t cr2);

#endif
