/*
 * Segment descriptors from PV guests (pv/desc.c): the checks of what a
 * guest installs, and the decoding every user of an 8-byte code/data
 * descriptor shares (pv_seg.c, pv32_desc.c, pv32_smp.c).  Pure.
 */
#ifndef RV_PV_DESC_H
#define RV_PV_DESC_H

#include <stdbool.h>
#include <stdint.h>

/* Checks one 8-byte GDT/LDT descriptor a 64-bit PV guest installs: 0 if
 * acceptable (*desc may be rewritten: a code/data DPL below 3 becomes 3),
 * -EINVAL if refused (system descriptors other than type 0). */
int pv_check_descriptor(uint64_t *desc);
/* The same for a 32-bit (compat) PV guest, kernel in ring 1 (pv32_desc.c):
 * DPL 0 becomes 1, 64-bit code segments and system descriptors other
 * than type 0 are refused. */
int pv32_check_descriptor(uint64_t *desc);

/* The bits of an 8-byte code/data descriptor (SDM vol. 3, 3.4.5), one
 * set of names for every file that reads descriptors. */
#define DESC_A          (1ull << 40)    /* accessed */
#define DESC_W          (1ull << 41)    /* data: writable; code: readable */
#define DESC_C          (1ull << 42)    /* code: conforming; data: expand-down */
#define DESC_CODE       (1ull << 43)    /* with DESC_S: code */
#define DESC_S          (1ull << 44)    /* code/data (1) or system (0) */
#define DESC_TYPE_SHIFT 40
#define DESC_DPL_SHIFT  45
#define DESC_DPL        (3ull << DESC_DPL_SHIFT)
#define DESC_P          (1ull << 47)
#define DESC_L          (1ull << 53)    /* code: 64-bit */
#define DESC_D          (1ull << 54)    /* code: 32-bit default; data: B (expand-down up to 4 GiB) */
#define DESC_G          (1ull << 55)    /* limit in 4 KiB units */

/* Decoding: the 32-bit base; the limit in bytes (granularity applied:
 * the last byte's offset, at most 0xffffffff); the DPL. */
uint64_t pv_desc_base(uint64_t d);
uint64_t pv_desc_limit(uint64_t d);
unsigned pv_desc_dpl(uint64_t d);

/* What IRET from 64-bit ring 0 to compatibility-mode ring rpl (1 or 3)
 * requires of the descriptors (SDM vol. 2 IRET, return to an outer ring):
 * CS a present code segment, not 64-bit, DPL = rpl (conforming: <= rpl);
 * SS a present writable data segment with DPL = rpl.  The limit of CS
 * (EIP within it) is the caller's (its order of checks differs). */
bool pv32_code_desc_ok(uint64_t d, unsigned rpl);
bool pv32_stack_desc_ok(uint64_t d, unsigned rpl);

#endif
