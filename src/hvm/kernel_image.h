/*
 * HVM kernel images: recognizing the format and planning where each byte
 * goes in guest-physical memory.  Pure code (no copying, no allocation): the
 * domain builder (hvm/loader.c) copies per the plan.  Built for the host too
 * and fuzzed, since the image is whatever file the configuration names.
 */
#ifndef RV_HVM_KERNEL_IMAGE_H
#define RV_HVM_KERNEL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KIMG_MAX_SEGS 16

/* Guest-physical range never loadable: the legacy VGA window and the BIOS
 * area (RAM-backed, but it holds the ACPI tables: mm/e820.h). */
#define KIMG_HOLE_START 0xA0000ull
#define KIMG_HOLE_END   0x100000ull

#define KIMG_FLAT_LOAD  0x100000ull     /* flat binaries load and start at 1 MiB */

enum kimg_format {
    KIMG_ELF32_MB1,     /* ELF32 with a multiboot1 header */
    KIMG_ELF64_MB1,     /* ELF64 with a multiboot1 header */
    KIMG_ELF32_MB2,     /* ELF32 with a multiboot2 header */
    KIMG_ELF64_MB2,     /* ELF64 with a multiboot2 header */
    KIMG_FLAT,          /* no header, file named *.bin: loaded at 1 MiB */
    KIMG_BIN_MB1,       /* not ELF; multiboot1 header with the address fields (flag 16) */
    KIMG_BIN_MB2,       /* not ELF; multiboot2 header with an address tag */
};

/* Copy file_size bytes from file_off to gpa, then zero up to gpa + mem_size. */
struct kimg_seg {
    uint64_t file_off, file_size, gpa, mem_size;
};

struct kimg_plan {
    enum kimg_format format;
    struct kimg_seg segs[KIMG_MAX_SEGS];    /* file order; non-empty, non-overlapping */
    unsigned nr_segs;                       /* >= 1 */
    uint64_t entry;                 /* guest-physical entry point (32-bit protected mode, paging off) */
    uint64_t lowest, highest;       /* guest-physical range the image occupies [lowest, highest) */
    uint32_t mb_flags;              /* multiboot1 header flags; 0 for the other formats */
};

/* True for the formats whose kernel expects multiboot2 information (EAX =
 * 0x36d76289) rather than multiboot1 (EAX = 0x2badb002). */
static inline bool kimg_is_mb2(enum kimg_format f)
{
    return f == KIMG_ELF32_MB2 || f == KIMG_ELF64_MB2 || f == KIMG_BIN_MB2;
}

const char *kimg_format_name(enum kimg_format f);

/* The checks every loader applies to one more segment (shared with the PVH
 * planner): room in the plan, no wrap-around, inside [0, guest_mem), outside
 * [KIMG_HOLE_START, KIMG_HOLE_END), no overlap with the segments already in
 * pl (seg_index[] holds their ELF program-header numbers, for messages).
 * Appends it and returns 0, or -ENOEXEC with the reason in why. */
/* plan->lowest/highest from its segments. */
void kimg_plan_set_bounds(struct kimg_plan *plan);
int kimg_add_seg(struct kimg_plan *pl, unsigned seg_index[KIMG_MAX_SEGS], uint64_t guest_mem, unsigned index,
                 uint64_t off, uint64_t fsz, uint64_t gpa, uint64_t msz, char *why, size_t whylen);

/*
 * image: the whole kernel file (size bytes); guest_mem: end of the guest's
 * RAM below 4 GiB (e820_lowmem_end), loadable being [0, guest_mem) minus
 * [KIMG_HOLE_START, KIMG_HOLE_END).
 *
 * Recognition: a multiboot1 header (Multiboot 0.6.96 section 3.1: magic
 * 0x1BADB002, flags, checksum; 4-byte aligned in the first 8192 bytes), else a
 * multiboot2 header (Multiboot2 1.6 section 3.1: magic 0xE85250D6, arch 0,
 * length, checksum; 8-byte aligned in the first 32768 bytes).  Then the
 * header's address fields (multiboot1 flag 16, multiboot2 address tag) if
 * present, else ELF32/ELF64 (either class with EM_386 or EM_X86_64,
 * ET_EXEC) PT_LOAD segments at p_paddr; an
 * entry point outside the loaded physical ranges is translated through the
 * vaddr->paddr relation of the PT_LOAD holding it.  Without any header, a flat
 * image (flat = true: the file is named *.bin) loads at 1 MiB, entry 1 MiB; so
 * does a non-ELF *.bin whose header has no address fields (such a header
 * cannot say how to load it; typically an objcopy of a multiboot ELF).
 *
 * With both headers, multiboot1 is used (the guest ABI hands over multiboot1
 * information).  Multiboot1 flags: bits 0-1 are honoured; bit 2 (video) and
 * the other required bits 3-15 refuse the image.  Multiboot2 header tags:
 * address, entry address, information request, console, module alignment,
 * relocatable and the EFI-only ones are accepted; others only if optional.
 *
 * Everything is validated: header and program-header bounds, offset+size
 * overflow, segments inside the file, inside guest RAM and outside the hole,
 * no overlap, at most KIMG_MAX_SEGS, entry inside a loaded segment and below
 * 4 GiB.  Returns 0, or -ENOEXEC with a one-line message in err ("kernel:
 * segment 2 [0x100000, 0x9000000) is beyond the guest's 16 MiB of RAM";
 * segments are numbered by ELF program header).  err may be NULL.  Uses
 * about 1 KiB of stack and nothing else.
 */
int kimg_plan(const void *image, size_t size, uint64_t guest_mem, bool flat, struct kimg_plan *plan,
              char *err, size_t errlen);

#endif
