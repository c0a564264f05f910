/*
 * From the entry code to test_main(): exception handlers, the multiboot1
 * information (Multiboot Specification 0.6.96, section 3.3), the banner.
 *
 * The information block is copied into gi right away, so a test may then
 * overwrite any RAM outside its own image (the loader may have put the
 * block anywhere; Ringvisor uses 0x8000-0x9000, QEMU the page after the
 * image).
 */
#include "guest.h"

#ifdef __x86_64__

void guest_start64(struct guest_info *g);

void guest_start64(struct guest_info *g)
{
    gi = g;
    idt_init();
    printf("in 64-bit long mode\n");
    test_main();
    finish();
}

#else

/* Multiboot1 information block: the fields we read, at their offsets. */
struct mb1_info {
    uint32_t flags;                 /* 0 */
    uint32_t mem_lower, mem_upper;  /* 4, 8: KiB (flag bit 0) */
    uint32_t boot_device;           /* 12 */
    uint32_t cmdline;               /* 16 (bit 2) */
    uint32_t mods_count, mods_addr; /* 20, 24 */
    uint32_t syms[4];               /* 28..43 */
    uint32_t mmap_length, mmap_addr;/* 44, 48 (bit 6) */
    uint32_t drives_length, drives_addr, config_table;  /* 52, 56, 60 */
    uint32_t boot_loader_name;      /* 64 (bit 9) */
};

struct __attribute__((packed)) mb1_mmap {
    uint32_t size;                  /* of the rest of the entry: 20 or more */
    uint64_t base, len;
    uint32_t type;
};

#define MB1_INFO_MEM        (1u << 0)
#define MB1_INFO_CMDLINE    (1u << 2)
#define MB1_INFO_MMAP       (1u << 6)
#define MB1_INFO_LOADER     (1u << 9)

static struct guest_info info;

static void copy_string(char *dst, size_t size, uint32_t src)
{
    const char *s = (const char *)(uintptr_t)src;
    size_t i = 0;
    for (; i + 1 < size && s[i]; i++)
        dst[i] = s[i];
    dst[i] = 0;
}

static void copy_mbi(const struct mb1_info *mb)
{
    info.mb_flags = mb->flags;
    if (mb->flags & MB1_INFO_MEM) {
        info.mem_lower = mb->mem_lower;
        info.mem_upper = mb->mem_upper;
    }
    if ((mb->flags & MB1_INFO_CMDLINE) && mb->cmdline)
        copy_string(info.cmdline, sizeof(info.cmdline), mb->cmdline);
    if ((mb->flags & MB1_INFO_LOADER) && mb->boot_loader_name)
        copy_string(info.loader, sizeof(info.loader), mb->boot_loader_name);
    if (mb->flags & MB1_INFO_MMAP) {
        uint32_t off = 0;
        while (off + sizeof(struct mb1_mmap) <= mb->mmap_length && info.nr_mmap < GUEST_MMAP_MAX) {
            const struct mb1_mmap *e = (const struct mb1_mmap *)(uintptr_t)(mb->mmap_addr + off);
            struct guest_mmap *m = &info.mmap[info.nr_mmap++];
            m->base_lo = (uint32_t)e->base;
            m->base_hi = (uint32_t)(e->base >> 32);
            m->len_lo = (uint32_t)e->len;
            m->len_hi = (uint32_t)(e->len >> 32);
            m->type = e->type;
            if (e->size < 20)
                break;                  /* malformed: stop rather than loop */
            off += e->size + 4;
        }
    }
}

void guest_start32(uint32_t magic, uint32_t mbi);

void guest_start32(uint32_t magic, uint32_t mbi)
{
    gi = &info;
    idt_init();
    printf("\n%s: test guest starting, 32-bit protected mode, image %p-%p\n", guest_name,
           (void *)__image_start, (void *)__image_end);
    info.mb_magic = magic;
    if (magic == MB1_LOADER_MAGIC && mbi)
        copy_mbi((const struct mb1_info *)(uintptr_t)mbi);
    else
        check(false, "multiboot", "EAX = %#x, EBX = %#x at entry; expected EAX = %#x", magic, mbi,
              MB1_LOADER_MAGIC);
    info.nohv = cmdline_has("nohv");
    printf("command line \"%s\"\n", info.cmdline);
    test_main();
    finish();
}

#endif
