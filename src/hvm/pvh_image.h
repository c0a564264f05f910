/*
 * PVH kernel images: an ELF (32- or 64-bit) carrying the Xen ELF note
 * XEN_ELFNOTE_PHYS32_ENTRY, given directly, compressed as a whole, or as the
 * compressed payload of a Linux bzImage, as Xen's domain builder accepts
 * (hvm/loader_pvh.c unpacks).  The PVH policy over the kind-neutral readers
 * in src/image/.  Pure code, built for the host too and fuzzed.
 */
#ifndef RV_HVM_PVH_IMAGE_H
#define RV_HVM_PVH_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "hvm/kernel_image.h"

/* bzpayload_find (image/bzpayload.h) with the reason as "pvh: ..." in err:
 * 0 with *payload, *len pointing into image (still compressed); -ENOENT when
 * it is not a bzImage; -ENOEXEC when it is one but its payload fields are bad. */
int pvh_bzimage_payload(const void *image, size_t size, const void **payload, size_t *len, char *err,
                        size_t errlen);

/*
 * Plans loading an ELF PVH kernel the way Xen's PVH builder does:
 *  - class from the file (ELF32 or ELF64), e_machine EM_386 or EM_X86_64 in
 *    either class (the entry mode comes from the note, not the header), type
 *    ET_EXEC or ET_DYN (loaded where linked, never relocated);
 *  - PT_LOAD segments at p_paddr.  p_vaddr, XEN_ELFNOTE_VIRT_BASE and
 *    XEN_ELFNOTE_PADDR_OFFSET play no part: Xen forces both to 0 for PVH
 *    (paging is off at entry).  Validated as kimg_plan does: inside the
 *    file, inside guest RAM [0, guest_mem) minus [KIMG_HOLE_START,
 *    KIMG_HOLE_END), no wrap, no overlap, at most KIMG_MAX_SEGS;
 *  - entry = the XEN_ELFNOTE_PHYS32_ENTRY note (1, 2, 4 or 8 bytes, below
 *    4 GiB), which must lie in a loaded segment.  Notes are looked for in
 *    PT_NOTE segments first, then in SHT_NOTE sections (images whose
 *    linker script gave the notes no PT_NOTE).
 * plan->format is KIMG_ELF32_MB1/KIMG_ELF64_MB1 by class (the multiboot part
 * is meaningless here) and mb_flags 0.  0, or -ENOEXEC with a one-line
 * reason naming the field and its value in err ("pvh: ELF32 e_machine 40 is
 * neither i386 (3) nor x86-64 (62)").
 */
int pvh_elf_plan(const void *elf, size_t size, uint64_t guest_mem, struct kimg_plan *plan, char *err,
                 size_t errlen);

/*
 * The same for xl's firmware_override (an HVM domain's firmware in place of
 * hvmloader, e.g. an XTF test): the same layout rules, but the entry is
 * e_entry (Xen's builder starts the firmware there in flat 32-bit protected
 * mode, paging off); no note is needed or read.
 */
int fw_elf_plan(const void *elf, size_t size, uint64_t guest_mem, struct kimg_plan *plan, char *err,
                size_t errlen);

#endif
