/*
 * Segment descriptors from 64-bit PV guests (pv/desc.c).  Pure.
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

#endif
