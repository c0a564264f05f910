/*
 * ELF kernel images, kind-neutral: the reading of ELF32/ELF64 headers,
 * program headers and Xen ELF notes that every domain builder needs (HVM
 * multiboot kernels: hvm/kernel_image.c; PVH kernels: hvm/pvh_image.c; the
 * coming PV builder).  Policy (which machines and types a builder takes,
 * where segments may go, which notes it needs) stays with the builders.
 *
 * The file is untrusted: fields are read through memcpy at offsets checked
 * against the size first, and no sum that could wrap is formed before it is
 * checked.  Pure code, built for the host too (unit tests, fuzzers).
 * Messages ("why") are one line without a prefix; the builder adds its own
 * ("pvh: ", "kernel: ").
 */
#ifndef RV_IMAGE_ELF_H
#define RV_IMAGE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_ET_EXEC     2
#define ELF_ET_DYN      3
#define ELF_EM_386      3
#define ELF_EM_X86_64   62
#define ELF_PT_LOAD     1
#define ELF_PT_NOTE     4
#define ELF_SHT_NOTE    7

/* A validated header (elf_open): everything here is within the file. */
struct elf_image {
    const uint8_t *p;
    uint64_t size;
    bool is64;                  /* ELFCLASS64 */
    uint16_t type, machine;
    uint64_t entry;             /* e_entry */
    uint64_t phoff, phentsize, phnum;   /* the table lies inside the file; phnum >= 1 */
};

/* One program header, widened. */
struct elf_phdr {
    uint32_t type;
    uint64_t offset, vaddr, paddr, filesz, memsz;
};

/* elf_open policy flags. */
#define ELF_OPEN_X86        1u  /* e_machine EM_386 or EM_X86_64, in either class */
#define ELF_OPEN_EXEC       2u  /* e_type ET_EXEC ... */
#define ELF_OPEN_DYN        4u  /* ... or also ET_DYN (loaded where linked, never relocated) */

/*
 * Checks, in this order: the identification (magic, class 32 or 64,
 * little-endian, version 1), the header's size, e_type and e_machine as
 * flags ask (the builders take the layout from the class and the CPU mode
 * from their own headers or notes, so either x86 machine goes with either
 * class), then the program-header table (at least one entry, entries large
 * enough, inside the file).  0, or -ENOEXEC with the reason naming the
 * field and its value ("ELF32 e_machine 40 is neither i386 (3) nor x86-64
 * (62)").
 */
int elf_open(struct elf_image *e, const void *image, size_t size, unsigned flags, char *why, size_t whylen);

/* Program header i (< phnum). */
void elf_phdr(const struct elf_image *e, unsigned i, struct elf_phdr *out);

/*
 * Calls fn for each PT_LOAD with something to load (p_memsz > 0), in table
 * order, after checking p_filesz <= p_memsz and that the file part lies in
 * the file.  Stops at the first non-zero return of fn and returns it; 0
 * when all were taken, -ENOEXEC with the reason for a bad header.
 */
int elf_for_each_load(const struct elf_image *e, int (*fn)(void *ctx, unsigned index, const struct elf_phdr *ph),
                      void *ctx, char *why, size_t whylen);

/*
 * Looks for the Xen note (owner "Xen") of the given type: in every PT_NOTE
 * segment first, then in every SHT_NOTE section (kernels whose linker script
 * gave the notes no program header).  Its descriptor is a little-endian
 * number of 1, 2, 4 or 8 bytes.  1 found (*value set), 0 not there, -ENOEXEC
 * with the reason for a note area outside the file, a malformed note (header
 * or name past the end of the file), a value the end of the file cuts or a
 * descriptor of another width (name, e.g. "XEN_ELFNOTE_PHYS32_ENTRY", is
 * for that message).  The section-header table is checked only when the
 * segments did not have the note.
 */
int elf_xen_note(const struct elf_image *e, uint32_t type, const char *name, uint64_t *value, char *why,
                 size_t whylen);
/* The same search, for notes that are not numbers (strings such as
 * XEN_ELFNOTE_GUEST_OS): 1 found with *desc and *descsz its descriptor (inside
 * the image, not necessarily terminated; it may run past its note area, as
 * Xen's libelf reads it, and is cut to the end of the file), 0 not there,
 * -ENOEXEC malformed. */
int elf_xen_note_desc(const struct elf_image *e, uint32_t type, const uint8_t **desc, uint32_t *descsz, char *why,
                      size_t whylen);

#endif
