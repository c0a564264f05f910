/*
 * memsize_large: a 256 MiB domain.  Every 4 KiB page of usable RAM above our
 * image gets an address-dependent pattern in its first and last word, then
 * everything is read back: each MiB must be there, distinct (no two guest
 * pages backed by the same host page) and keep what was written.  With
 * 2 MiB p2m/NPT mappings this covers every large page of the domain.
 */
#include "guest.h"

#define PAGE 4096u

static uint32_t pattern(uint32_t addr) { return addr ^ 0x5aa5c33cu; }

void test_main(void)
{
    bool hv = hv_require();
    uint32_t start = ((uint32_t)(uintptr_t)__image_end + PAGE - 1) & ~(PAGE - 1);
    uint32_t pages = 0, bad = 0, first_bad = 0, got = 0;

    if (hv)
        check(gi->mem_upper == (guest_cfg_memory_mib - 1) * 1024, "mem-upper",
              "mem_upper = %u KiB, cfg memory = %u MiB", (unsigned)gi->mem_upper, guest_cfg_memory_mib);
    uint64_t t0 = rdtsc();
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < gi->nr_mmap; i++) {
            const struct guest_mmap *m = &gi->mmap[i];
            if (m->type != 1 || m->base_hi)
                continue;
            uint64_t end64 = (uint64_t)m->base_lo + (((uint64_t)m->len_hi << 32) | m->len_lo);
            uint32_t end = end64 > 0xffffffffull ? 0xfffff000u : (uint32_t)end64 & ~(PAGE - 1);
            uint32_t a = m->base_lo > start ? (m->base_lo + PAGE - 1) & ~(PAGE - 1) : start;
            for (; a < end; a += PAGE) {
                volatile uint32_t *lo = (volatile uint32_t *)(uintptr_t)a;
                volatile uint32_t *hi = (volatile uint32_t *)(uintptr_t)(a + PAGE - 4);
                if (pass == 0) {
                    *lo = pattern(a);
                    *hi = ~pattern(a);
                    pages++;
                } else if (*lo != pattern(a) || *hi != ~pattern(a)) {
                    if (!bad++)
                        first_bad = a, got = *lo;
                }
            }
        }
    }
    uint64_t t1 = rdtsc();
    uint32_t mib = pages / (MiB(1) / PAGE);
    printf("note: wrote and verified %u pages (%u MiB) from %#x in %llu TSC cycles\n", (unsigned)pages,
           (unsigned)mib, (unsigned)start, (unsigned long long)(t1 - t0));
    check(bad == 0, "pattern", "%u pages lost their pattern; first at %#x (read %#x, wrote %#x)", (unsigned)bad,
          (unsigned)first_bad, (unsigned)got, (unsigned)pattern(first_bad));
    /* All of RAM above the image but for firmware-reserved bits (plain QEMU
     * keeps up to 1 MiB at the top). */
    uint32_t image_mib = (start + MiB(1) - 1) >> 20;
    check(mib + image_mib + 1 >= guest_cfg_memory_mib, "coverage", "only %u MiB usable above %#x of %u MiB",
          (unsigned)mib, (unsigned)start, guest_cfg_memory_mib);
}
