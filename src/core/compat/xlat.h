/*
 * The compat translation area (core/compat/, docs/hypercalls.md "32-bit
 * callers").  A 32-bit caller's structure is read in its i386 layout,
 * converted to the native layout into this per-vCPU buffer, and the native
 * handler is called with the buffer's address, COMPAT_XLAT_VA: its
 * copy_from_guest/copy_to_guest of that range read and write the buffer
 * instead of guest memory (compat_xlat_copy, called first by every
 * copy_*_guest).  COMPAT_XLAT_VA is non-canonical, so no guest of any mode
 * can name it; a 32-bit caller's own pointers are below 4 GiB anyway.
 * After the handler returns, the compat layer converts the results back
 * into the i386 layout in guest memory.
 */
#ifndef RV_CORE_COMPAT_XLAT_H
#define RV_CORE_COMPAT_XLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COMPAT_XLAT_VA      0xfff0000000000000ull
#define COMPAT_XLAT_BYTES   8192u

/* Owner: the vCPU itself (r): only the CPU running the vCPU, inside one of
 * its hypercalls, touches it. */
struct compat_xlat {
    bool active;                    /* (r) the hypercall running now came from a 32-bit caller */
    uint8_t buf[COMPAT_XLAT_BYTES] __attribute__((aligned(8)));     /* (r) native structures */
};

struct vcpu;

/* First step of copy_from_guest/copy_to_guest: 1 when gva is not in the
 * translation area of an active compat call (copy from/to the guest as
 * usual), else 0 after copying, or -EFAULT for a range not wholly inside
 * the area. */
int compat_xlat_copy(struct vcpu *v, void *buf, uint64_t gva, size_t len, bool to_guest);

/* The guest's own vCPU latched the shared_info layout from its mode now
 * (compat: not 64-bit): hypercall page and HVM_PARAM_CALLBACK_IRQ
 * (core/compat/shinfo.c). */
struct domain;
void compat_latch_shinfo(struct domain *d, bool compat);

/* The call running on v came from a 32-bit caller (layouts of
 * core/compat/layout.h). */
bool compat_active(const struct vcpu *v);

#endif
