/*
 * Builders of kernel images for the kernel_image tests and the fuzz seeds:
 * ELF32/ELF64 headers and program headers, multiboot1 headers (with or
 * without the address fields), multiboot2 headers with tags.  Everything is
 * written little-endian into one buffer whose length grows to the highest
 * byte written.
 */
#ifndef RV_TESTS_UNIT_KIMGBUILD_H
#define RV_TESTS_UNIT_KIMGBUILD_H

#include <stddef.h>
#include <stdint.h>

#define KB_MAX (256 * 1024)

struct kb {
    uint8_t buf[KB_MAX];
    size_t len;
    size_t mb2_off;         /* header being built by kb_mb2_begin/tag/end */
    size_t mb2_pos;
};

void kb_init(struct kb *b);
void kb_put16(struct kb *b, size_t off, uint16_t v);
void kb_put32(struct kb *b, size_t off, uint32_t v);
void kb_put64(struct kb *b, size_t off, uint64_t v);
void kb_fill(struct kb *b, size_t off, size_t len, uint8_t byte);   /* also grows len */

/* ELF header for class 32 or 64 (x86 / x86-64, ET_EXEC) with nph program
 * headers right after it; returns the offset of the first one. */
size_t kb_elf(struct kb *b, int cls, uint64_t entry, unsigned nph);
size_t kb_phdr_size(int cls);
/* Program header i of the ELF built by kb_elf. */
void kb_phdr(struct kb *b, int cls, unsigned i, uint32_t type, uint64_t off, uint64_t vaddr,
             uint64_t paddr, uint64_t filesz, uint64_t memsz);

/* Multiboot1 header at off; aout (header_addr, load_addr, load_end_addr,
 * bss_end_addr, entry_addr) is written when non-NULL (set flag 16 yourself). */
void kb_mb1(struct kb *b, size_t off, uint32_t flags, const uint32_t *aout);

/* Multiboot2 header at off: begin, any tags (payload after the 8-byte tag
 * header), end (adds the end tag, fixes length and checksum). */
void kb_mb2_begin(struct kb *b, size_t off, uint32_t arch);
void kb_mb2_tag(struct kb *b, uint16_t type, uint16_t flags, const void *payload, size_t len);
void kb_mb2_end(struct kb *b);

/*
 * The standard test kernel: ELF32 (or ELF64), a multiboot1 header (flags 3)
 * at file offset 0x200, text [0x1000, +0x800) loaded at 0x100000, data
 * [0x2000, +0x100) at 0x102000 with memsz 0x3000, entry 0x100010.
 * Returns the program-header table offset.
 */
size_t kb_std_kernel(struct kb *b, int cls);

#endif
