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
 * Scans the notes in [off, off + len) (inside the file) for the Xen note of
 * this type: 1 found (*desc, *descsz: its descriptor, inside the file), 0
 * not there, < 0 malformed.
 */
static int elf_scan_notes(const struct elf_image *e, uint64_t off, uint64_t len, uint32_t want,
                          const uint8_t **desc_out, uint32_t *descsz_out, char *why, size_t whylen)
{
    uint64_t pos = 0;

    while (len - pos >= 12) {
        uint64_t h = off + pos;
        uint32_t namesz = get_le32(e->p, h), descsz = get_le32(e->p, h + 4), type = get_le32(e->p, h + 8);
        uint64_t nsz = ((uint64_t)namesz + 3) & ~3ull, dsz = ((uint64_t)descsz + 3) & ~3ull;
        uint64_t nm = h + 12, desc = nm + nsz;

        /* The name and the descriptor must lie inside the note area; the
         * last descriptor's padding may be cut off. */
        if (nsz > len - pos - 12 || descsz > len - pos - 12 - nsz)
            return elf_fail(why, whylen,
                            "malformed ELF note at file offset 0x%llx (name %u, descriptor %u bytes; %llu left)",
                            (unsigned long long)h, namesz, descsz, (unsigned long long)(len - pos - 12));
        if (namesz == 4 && !memcmp(e->p + nm, "Xen", 4) && type == want) {
            *desc_out = e->p + desc;
            *descsz_out = descsz;
            return 1;
        }
        if (dsz > len - pos - 12 - nsz)
            break;          /* the last note, without its padding */
        pos += 12 + nsz + dsz;
    }
    return 0;
}

int elf_xen_note_desc(const struct elf_image *e, uint32_t type, const uint8_t **desc, uint32_t *descsz, char *why,
                      size_t whylen)
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
        rc = elf_scan_notes(e, ph.offset, ph.filesz, type, desc, descsz, why, whylen);
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
        rc = elf_scan_notes(e, off, sz, type, desc, descsz, why, whylen);
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
    int rc = elf_xen_note_desc(e, type, &d, &n, why, whylen);

    if (rc <= 0)
        return rc;
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
