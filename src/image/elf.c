/*
 * ELF kernel images.  References: the System V ABI / ELF specification
 * (ELF32/ELF64 header, program header and section header layouts; note
 * entries: namesz, descsz, type, then the name and the descriptor, each
 * padded to 4 bytes) and the Xen public ABI (xen/include/public/elfnote.h:
 * owner "Xen", numeric notes).
 */
#include "image/elf.h"
#include "lib/unaligned.h"

#include <stdarg.h>

#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

static int elf_fail(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int elf_fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why && whylen) {
        va_start(ap, fmt);
        fmt_vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return -ENOEXEC;
}

/* A word of the class's width at off (callers have checked the bounds). */
static uint64_t rdw(const struct elf_image *e, uint64_t off)
{
    return e->is64 ? get_le64(e->p, off) : get_le32(e->p, off);
}

int elf_open(struct elf_image *e, const void *image, size_t size, unsigned flags, char *why, size_t whylen)
{
    const uint8_t *p = image;
    uint64_t ehsize;

    memset(e, 0, sizeof(*e));
    if (!p || size < 16 || memcmp(p, "\177ELF", 4))
        return elf_fail(why, whylen, "not an ELF file");
    if (p[4] != 1 && p[4] != 2)
        return elf_fail(why, whylen, "ELF class %u is neither 32-bit (1) nor 64-bit (2)", p[4]);
    e->p = p;
    e->size = size;
    e->is64 = p[4] == 2;
    if (p[5] != 1)
        return elf_fail(why, whylen, "ELF data encoding %u is not little-endian (1)", p[5]);
    if (p[6] != 1)
        return elf_fail(why, whylen, "ELF version %u is not 1", p[6]);
    ehsize = e->is64 ? 64 : 52;
    if (size < ehsize)
        return elf_fail(why, whylen, "ELF header truncated (%llu of %llu bytes)", (unsigned long long)size,
                        (unsigned long long)ehsize);
    e->type = get_le16(p, 16);
    e->machine = get_le16(p, 18);
    if ((flags & ELF_OPEN_EXEC) && e->type != ELF_ET_EXEC && !((flags & ELF_OPEN_DYN) && e->type == ELF_ET_DYN)) {
        if (flags & ELF_OPEN_DYN)
            return elf_fail(why, whylen, "ELF type %u is neither an executable (ET_EXEC = 2) nor ET_DYN (3)",
                            e->type);
        return elf_fail(why, whylen, "ELF type %u is not an executable (ET_EXEC = 2)", e->type);
    }
    if ((flags & ELF_OPEN_X86) && e->machine != ELF_EM_386 && e->machine != ELF_EM_X86_64)
        return elf_fail(why, whylen, "ELF%s e_machine %u is neither i386 (3) nor x86-64 (62)",
                        e->is64 ? "64" : "32", e->machine);
    e->entry = rdw(e, 24);
    e->phoff = rdw(e, e->is64 ? 32 : 28);
    e->phentsize = get_le16(p, e->is64 ? 54 : 42);
    e->phnum = get_le16(p, e->is64 ? 56 : 44);
    if (e->phnum == 0)
        return elf_fail(why, whylen, "ELF file has no program headers");
    if (e->phentsize < (e->is64 ? 56u : 32u))
        return elf_fail(why, whylen, "ELF program header size %llu is too small", (unsigned long long)e->phentsize);
    /* phnum and phentsize are 16-bit: the product cannot wrap. */
    if (e->phoff > size || e->phnum * e->phentsize > size - e->phoff)
        return elf_fail(why, whylen, "ELF program headers (%llu x %llu bytes at 0x%llx) extend past the %llu-byte file",
                        (unsigned long long)e->phnum, (unsigned long long)e->phentsize,
                        (unsigned long long)e->phoff, (unsigned long long)size);
    return 0;
}

void elf_phdr(const struct elf_image *e, unsigned i, struct elf_phdr *out)
{
    uint64_t ph = e->phoff + i * e->phentsize;

    out->type = get_le32(e->p, ph);
    if (e->is64) {
        out->offset = get_le64(e->p, ph + 8);
        out->vaddr = get_le64(e->p, ph + 16);
        out->paddr = get_le64(e->p, ph + 24);
        out->filesz = get_le64(e->p, ph + 32);
        out->memsz = get_le64(e->p, ph + 40);
    } else {
        out->offset = get_le32(e->p, ph + 4);
        out->vaddr = get_le32(e->p, ph + 8);
        out->paddr = get_le32(e->p, ph + 12);
        out->filesz = get_le32(e->p, ph + 16);
        out->memsz = get_le32(e->p, ph + 20);
    }
}

int elf_for_each_load(const struct elf_image *e, int (*fn)(void *ctx, unsigned index, const struct elf_phdr *ph),
                      void *ctx, char *why, size_t whylen)
{
    for (unsigned i = 0; i < e->phnum; i++) {
        struct elf_phdr ph;
        int rc;

        elf_phdr(e, i, &ph);
        if (ph.type != ELF_PT_LOAD)
            continue;
        if (ph.filesz > ph.memsz)
            return elf_fail(why, whylen, "segment %u has file size 0x%llx larger than its memory size 0x%llx", i,
                            (unsigned long long)ph.filesz, (unsigned long long)ph.memsz);
        if (ph.memsz == 0)
            continue;       /* nothing to load, as Xen, GRUB and QEMU do */
        if (ph.offset > e->size || ph.filesz > e->size - ph.offset)
            return elf_fail(why, whylen, "segment %u (0x%llx bytes at file offset 0x%llx) extends past the %llu-byte file",
                            i, (unsigned long long)ph.filesz, (unsigned long long)ph.offset,
                            (unsigned long long)e->size);
        rc = fn(ctx, i, &ph);
        if (rc)
            return rc;
    }
    return 0;
}

/*
 * Scans the notes that start in [off, off + len) (the area is inside the
 * file) for the Xen note of this type: 1 found (*desc, *descsz: its
 * descriptor, cut to the bytes the file holds, *cut set when it was), 0 not
 * there, < 0 malformed.
 *
 * Xen's libelf (xen/common/libelf) walks a note area this way: a note is
 * looked at while it starts before the area's end; its header, name and
 * descriptor are read wherever they are in the image, checked against the
 * file only, not the segment (a read past the file gives 0 and marks the
 * image "broken", a line in the log, not a refusal); the next note follows
 * the padded name and descriptor, and the walk ends past the area or the
 * file.  String notes are read up to their NUL, numbers as 1, 2, 4 or 8
 * bytes.  Debian's i386-xen GRUB relies on this: its last note
 * (PAE_MODE, descsz 12) is cut to 8 bytes by the end of the note segment,
 * which is the end of the file; "yes" and its NUL are inside.
 *
 * Here: the header and the name must be inside the file (else "malformed":
 * Xen would read zeros or find no "Xen" there, and a name cannot run past
 * the file in any image a linker made); the descriptor may run past the
 * area and past the file, and is handed over cut to the file (*cut), so a
 * string note whose characters are there is read as Xen reads it; callers
 * refuse a number the file cuts (elf_xen_note: Xen would take 0, a value
 * the kernel never wrote).
 */
static int elf_scan_notes(const struct elf_image *e, uint64_t off, uint64_t len, uint32_t want,
                          const uint8_t **desc_out, uint32_t *descsz_out, bool *cut_out, char *why, size_t whylen)
{
    uint64_t pos = 0;

    while (pos < len) {
        uint64_t h = off + pos;

        if (e->size - h < 12)   /* h <= e->size: the area is inside the file */
            return elf_fail(why, whylen, "malformed ELF note at file offset 0x%llx (header cut by the end of the "
                            "%llu-byte file)", (unsigned long long)h, (unsigned long long)e->size);
        uint32_t namesz = get_le32(e->p, h), descsz = get_le32(e->p, h + 4), type = get_le32(e->p, h + 8);
        uint64_t nsz = ((uint64_t)namesz + 3) & ~3ull, dsz = ((uint64_t)descsz + 3) & ~3ull;
        uint64_t nm = h + 12, desc = nm + nsz;

        if (namesz > e->size - nm)
            return elf_fail(why, whylen,
                            "malformed ELF note at file offset 0x%llx (name %u bytes; %llu left in the file)",
                            (unsigned long long)h, namesz, (unsigned long long)(e->size - nm));
        if (namesz == 4 && !memcmp(e->p + nm, "Xen", 4) && type == want) {
            uint64_t have = desc <= e->size ? e->size - desc : 0;

            *desc_out = e->p + (desc <= e->size ? desc : e->size);
            *descsz_out = have < descsz ? (uint32_t)have : descsz;
            *cut_out = have < descsz;
            return 1;
        }
        pos += 12 + nsz + dsz;  /* at most 2^34 + 12 more: no wrap */
    }
    return 0;
}

/* elf_xen_note_desc with *cut: the descriptor was cut by the end of the file. */
static int elf_xen_note_find(const struct elf_image *e, uint32_t type, const uint8_t **desc, uint32_t *descsz,
                             bool *cut, char *why, size_t whylen);

int elf_xen_note_desc(const struct elf_image *e, uint32_t type, const uint8_t **desc, uint32_t *descsz, char *why,
                      size_t whylen)
{
    bool cut;

    return elf_xen_note_find(e, type, desc, descsz, &cut, why, whylen);
}

static int elf_xen_note_find(const struct elf_image *e, uint32_t type, const uint8_t **desc, uint32_t *descsz,
                             bool *cut, char *why, size_t whylen)
{
    uint64_t i, shoff, shentsize, shnum;
    int rc;

    for (i = 0; i < e->phnum; i++) {
        struct elf_phdr ph;

        elf_phdr(e, (unsigned)i, &ph);
        if (ph.type != ELF_PT_NOTE)
            continue;
        if (ph.offset > e->size || ph.filesz > e->size - ph.offset)
            return elf_fail(why, whylen,
                            "note segment %u (0x%llx bytes at file offset 0x%llx) extends past the %llu-byte file",
                            (unsigned)i, (unsigned long long)ph.filesz, (unsigned long long)ph.offset,
                            (unsigned long long)e->size);
        rc = elf_scan_notes(e, ph.offset, ph.filesz, type, desc, descsz, cut, why, whylen);
        if (rc)
            return rc;
    }

    shoff = rdw(e, e->is64 ? 40 : 32);
    shentsize = get_le16(e->p, e->is64 ? 58 : 46);
    shnum = get_le16(e->p, e->is64 ? 60 : 48);
    if (shoff == 0 || shnum == 0)
        return 0;
    if (shentsize < (e->is64 ? 64u : 40u))
        return elf_fail(why, whylen, "ELF section header size %llu is too small", (unsigned long long)shentsize);
    if (shoff > e->size || shnum * shentsize > e->size - shoff)
        return elf_fail(why, whylen, "ELF section headers (%llu x %llu bytes at 0x%llx) extend past the %llu-byte file",
                        (unsigned long long)shnum, (unsigned long long)shentsize, (unsigned long long)shoff,
                        (unsigned long long)e->size);
    for (i = 0; i < shnum; i++) {
        uint64_t sh = shoff + i * shentsize, off, sz;

        if (get_le32(e->p, sh + 4) != ELF_SHT_NOTE)
            continue;
        off = rdw(e, sh + (e->is64 ? 24 : 16));
        sz = rdw(e, sh + (e->is64 ? 32 : 20));
        if (off > e->size || sz > e->size - off)
            return elf_fail(why, whylen,
                            "note section %u (0x%llx bytes at file offset 0x%llx) extends past the %llu-byte file",
                            (unsigned)i, (unsigned long long)sz, (unsigned long long)off,
                            (unsigned long long)e->size);
        rc = elf_scan_notes(e, off, sz, type, desc, descsz, cut, why, whylen);
        if (rc)
            return rc;
    }
    return 0;
}

int elf_xen_note(const struct elf_image *e, uint32_t type, const char *name, uint64_t *value, char *why,
                 size_t whylen)
{
    const uint8_t *d;
    uint32_t n;
    bool cut;
    int rc = elf_xen_note_find(e, type, &d, &n, &cut, why, whylen);

    if (rc <= 0)
        return rc;
    if (cut)
        return elf_fail(why, whylen, "%s's value is cut by the end of the file (%u of its bytes there)", name, n);
    switch (n) {
    case 1: *value = d[0]; break;
    case 2: *value = get_le16(d, 0); break;
    case 4: *value = get_le32(d, 0); break;
    case 8: *value = get_le64(d, 0); break;
    default:
        return elf_fail(why, whylen, "%s has a %u-byte value (1, 2, 4 or 8 expected)", name, n);
    }
    return 1;
}
