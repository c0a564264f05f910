/*
 * libFuzzer harness of PV kernel images (src/pv/pv_image.c): any input is
 * read as a PV kernel; an accepted one must satisfy what the builder relies
 * on (entry and hypercall page inside the kernel, canonical 64-bit ranges
 * clear of the hypervisor's, terminated strings).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv/pv_image.h"

#define ASSERT(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    struct pv_image p;
    char err[200];

    if (pv_image_parse(d, n, &p, err, sizeof(err)) != 0) {
        ASSERT(memchr(err, 0, sizeof(err)) && !strncmp(err, "pv: ", 4));
        return 0;
    }
    ASSERT(p.virt_kstart < p.virt_kend);
    ASSERT(p.virt_entry >= p.virt_kstart && p.virt_entry < p.virt_kend);
    ASSERT(p.virt_hypercall == PV_UNSET ||
           (!(p.virt_hypercall & 4095) && p.virt_hypercall >= p.virt_kstart && p.virt_hypercall < p.virt_kend));
    ASSERT(memchr(p.guest_os, 0, sizeof(p.guest_os)) && memchr(p.loader, 0, sizeof(p.loader)));
    ASSERT((p.f_required & ~p.f_supported) == 0);
    if (p.is64)
        ASSERT(p.virt_kend <= 0xffff800000000000ull || p.virt_kstart >= 0xffff880000000000ull);
    else
        ASSERT(p.virt_kend <= 0x100000000ull && p.pae != PV_PAE_NO);
    return 0;
}
