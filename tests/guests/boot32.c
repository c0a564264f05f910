/*
 * boot32: the 32-bit multiboot1 boot path.  The loader must enter us in
 * flat 32-bit protected mode with paging off and hand over a multiboot1
 * information block whose memory size, memory map and command line match
 * this domain's cfg (guest-abi: RAM is [0, memory MiB) minus the hole at
 * 0xA0000-0xFFFFF).
 */
#include "guest.h"

#define HOLE_START  0xa0000u
#define HOLE_END    0x100000u

static uint64_t mm_base(const struct guest_mmap *m) { return ((uint64_t)m->base_hi << 32) | m->base_lo; }
static uint64_t mm_len(const struct guest_mmap *m) { return ((uint64_t)m->len_hi << 32) | m->len_lo; }

static void check_mmap(void)
{
    uint64_t above_1m = 0, top = 0;
    bool hole_ok = true, image_ok = false, low_ok = false;

    for (unsigned i = 0; i < gi->nr_mmap; i++) {
        const struct guest_mmap *m = &gi->mmap[i];
        uint64_t b = mm_base(m), e = b + mm_len(m);
        printf("note: mmap %016llx-%016llx type %u\n", (unsigned long long)b, (unsigned long long)e,
               (unsigned)m->type);
        if (m->type != 1)
            continue;
        if (b < HOLE_END && e > HOLE_START)
            hole_ok = false;
        if (b == 0 && e >= 0x9f000)
            low_ok = true;
        if (e > HOLE_END)
            above_1m += e - (b > HOLE_END ? b : HOLE_END);
        if (e > top)
            top = e;
        if (b <= (uintptr_t)__image_start && e >= (uintptr_t)__image_end)
            image_ok = true;
    }
    check(gi->nr_mmap > 0, "mmap-present", "no memory map entries (flags %#x)", (unsigned)gi->mb_flags);
    check(hole_ok, "mmap-hole", "a usable region overlaps the 0xA0000-0xFFFFF hole");
    check(low_ok, "mmap-low", "no usable region covering 0-636 KiB");
    check(image_ok, "mmap-image", "the kernel image %p-%p is not inside one usable region",
          (void *)__image_start, (void *)__image_end);
    if (gi->hv_present) {
        /* Ringvisor gives exactly the configured RAM; a PC firmware (plain
         * QEMU) reserves parts of it, so these are hypervisor checks. */
        check(above_1m == (uint64_t)MiB(guest_cfg_memory_mib) - MiB(1), "mmap-size",
              "usable RAM above 1 MiB is %llu KiB, cfg memory = %u MiB means %u KiB",
              (unsigned long long)(above_1m >> 10), guest_cfg_memory_mib, (guest_cfg_memory_mib - 1) * 1024);
        check(top == MiB(guest_cfg_memory_mib), "mmap-top", "usable RAM ends at %#llx, expected %#x",
              (unsigned long long)top, MiB(guest_cfg_memory_mib));
    }
}

static void check_cmdline(void)
{
    if (!gi->nohv) {
        check(strcmp(gi->cmdline, guest_cfg_cmdline) == 0, "cmdline",
              "multiboot command line \"%s\", cfg says \"%s\"", gi->cmdline, guest_cfg_cmdline);
        return;
    }
    /* Self-check under plain QEMU: it passes "<kernel path> <-append>", and
     * the runner appends " nohv" to the cfg's command line. */
    size_t have = strlen(gi->cmdline), want = strlen(guest_cfg_cmdline) + 5;
    bool ok = have >= want && !memcmp(gi->cmdline + have - want, guest_cfg_cmdline, want - 5) &&
              !strcmp(gi->cmdline + have - 5, " nohv");
    check(ok, "cmdline", "multiboot command line \"%s\" does not end with \"%s nohv\"", gi->cmdline,
          guest_cfg_cmdline);
}

void test_main(void)
{
    hv_require();

    unsigned long cr0 = read_cr0();
    check((cr0 & CR0_PE) && !(cr0 & CR0_PG), "entry-mode", "CR0 = %#lx at entry: want PE set, PG clear", cr0);
    check(gi->mb_magic == MB1_LOADER_MAGIC, "multiboot-magic", "EAX = %#x at entry", (unsigned)gi->mb_magic);
    check((gi->mb_flags & 0x45) == 0x45, "multiboot-flags",
          "flags %#x: want mem (bit 0), cmdline (bit 2) and mmap (bit 6)", (unsigned)gi->mb_flags);
    check(gi->mem_lower >= 512 && gi->mem_lower <= 640, "mem-lower", "mem_lower = %u KiB, expected 512-640",
          (unsigned)gi->mem_lower);
    if (gi->hv_present)                 /* PC firmware keeps the top of RAM for itself */
        check(gi->mem_upper == (guest_cfg_memory_mib - 1) * 1024, "mem-upper",
              "mem_upper = %u KiB, cfg memory = %u MiB means %u KiB", (unsigned)gi->mem_upper,
              guest_cfg_memory_mib, (guest_cfg_memory_mib - 1) * 1024);
    check_mmap();
    check_cmdline();
    if (gi->loader[0])
        printf("note: boot loader \"%s\"\n", gi->loader);
}
