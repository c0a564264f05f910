/*
 * The compat translation layer (docs/hypercalls.md "32-bit callers"): one
 * function per hypercall whose structures differ between the i386 and the
 * 64-bit layouts.  Each reads the 32-bit structure, converts it into the
 * translation area (core/compat/xlat.h), calls the native handler, and
 * writes the results back in the 32-bit layout.  Sub-operations whose
 * layouts are equal go to the native handler untouched; sub-operations
 * with no translation get -ENOSYS (never the native handler with a 32-bit
 * structure).  Guest pointers arrive zero-extended from 32 bits.
 */
#ifndef RV_CORE_COMPAT_COMPAT_H
#define RV_CORE_COMPAT_COMPAT_H

#include <stdint.h>

#include "core/compat/xlat.h"

struct vcpu;

long compat_memory_op(struct vcpu *v, unsigned cmd, uint32_t arg);
long compat_grant_table_op(struct vcpu *v, unsigned cmd, uint32_t uop, uint32_t count);
long compat_vcpu_op(struct vcpu *v, unsigned cmd, unsigned vcpuid, uint32_t arg);
long compat_sched_op(struct vcpu *v, unsigned cmd, uint32_t arg);
long compat_xen_version(struct vcpu *v, unsigned cmd, uint32_t arg);
/* physdev_op: the table of compat_physdev.c (PV callers; others get the
 * native handler's -ENOSYS). */
long compat_physdev_op(struct vcpu *v, unsigned cmd, uint32_t arg);
/* set_timer_op: the 64-bit deadline in two registers (ebx low, ecx high). */
static inline uint64_t compat_timer_deadline(uint32_t lo, uint32_t hi)
{
    return (uint64_t)hi << 32 | lo;
}

/* Largest setup_table frame list a 32-bit caller can ask for (the native
 * list of 8-byte entries must fit the translation area); more gets
 * GNTST_general_error, as asking for more than the table's maximum does. */
#define COMPAT_SETUP_TABLE_MAX_FRAMES ((COMPAT_XLAT_BYTES - 64u) / 8u)
/* Extents a 32-bit caller's reservation call handles at once (the native
 * handler's own bound). */
#define COMPAT_RESERVATION_MAX 512u

#endif
