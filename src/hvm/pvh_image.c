/*
 * PVH kernel images.  References: the Linux x86 boot protocol
 * (Documentation/x86/boot.rst: setup header at 0x1F1, boot_flag 0xAA55 at
 * 0x1FE, "HdrS" at 0x202, version at 0x206, payload_offset at 0x248 and
 * payload_length at 0x24C since protocol 2.08, both relative to the start
 * of the protected-mode code at (setup_sects + 1) * 512, setup_sects 0
 * meaning 4); the System V ABI / ELF specification (ELF32/ELF64 headers,
 * program headers, section headers, note entries: namesz, descsz, type,
 * then name and descriptor each padded to 4 bytes); the Xen public ABI's
 * XEN_ELFNOTE_PHYS32_ENTRY (owner "Xen", type 18: the 32-bit physical
 * entry point).
 *
 * Everything in the file is untrusted: fields are read through memcpy at
 * offsets checked against the size first, and no sum that could wrap is
 * formed before it is checked.
 */
#include "hvm/pvh_image.h"

#include <stdarg.h>

#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "public/elfnote.h"

#define EM_386      3
#define EM_X86_64   62
#define ET_EXEC     2
#define ET_DYN      3
#define PT_LOAD     1
#define PT_NOTE     4
#define SHT_NOTE    7

#define BZ_OFF_SETUP_SECTS  0x1f1
#define BZ_OFF_BOOT_FLAG    0x1fe
#define BZ_OFF_HEADER       0x202
#define BZ_OFF_VERSION      0x206
#define BZ_OFF_PAYLOAD_OFF  0x248
#define BZ_OFF_PAYLOAD_LEN  0x24c
#define BZ_PAYLOAD_VERSION  0x0208

struct pvh_run {
    const uint8_t *p;
    uint64_t size;
    uint64_t guest_mem;
    bool is64;
    struct kimg_plan *plan;
    char *err;
    size_t errlen;
    unsigned seg_index[KIMG_MAX_SEGS];
};

static int pvh_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int pvh_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!err || !errlen)
        return -ENOEXEC;
    n = fmt_snprintf(err, errlen, "pvh: ");
    if (n >= 0 && (size_t)n < errlen) {
        va_start(ap, fmt);
        fmt_vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -ENOEXEC;
}

#define FAIL(r, ...) pvh_fail((r)->err, (r)->errlen, __VA_ARGS__)

static uint16_t rd16(const uint8_t *p, uint64_t off)
{
    uint16_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

static uint32_t rd32(const uint8_t *p, uint64_t off)
{
    uint32_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

static uint64_t rd64(const uint8_t *p, uint64_t off)
{
    uint64_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

/* ---- bzImage payload ---- */

int pvh_bzimage_payload(const void *image, size_t size, const void **payload, size_t *len, char *err,
                        size_t errlen)
{
    const uint8_t *p = image;
    uint64_t setup_sects, koff, poff, plen;
    uint16_t version;

    if (err && errlen)
        err[0] = '\0';
    if (!p || size < BZ_OFF_VERSION + 2 || rd16(p, BZ_OFF_BOOT_FLAG) != 0xaa55 ||
        memcmp(p + BZ_OFF_HEADER, "HdrS", 4))
        return -ENOENT;
    version = rd16(p, BZ_OFF_VERSION);
    if (version < BZ_PAYLOAD_VERSION)
        return pvh_fail(err, errlen, "bzImage boot protocol %u.%02u has no payload fields (2.08 needed)",
                        version >> 8, version & 0xff);
    if (size < BZ_OFF_PAYLOAD_LEN + 4)
        return pvh_fail(err, errlen, "bzImage of %llu bytes is too short for its setup header",
                        (unsigned long long)size);
    setup_sects = p[BZ_OFF_SETUP_SECTS] ? p[BZ_OFF_SETUP_SECTS] : 4;
    koff = (setup_sects + 1) * 512;
    poff = rd32(p, BZ_OFF_PAYLOAD_OFF);
    plen = rd32(p, BZ_OFF_PAYLOAD_LEN);
    if (plen == 0)
        return pvh_fail(err, errlen, "bzImage has no payload (payload_length 0)");
    if (koff > size || poff > size - koff || plen > size - koff - poff)
        return pvh_fail(err, errlen, "bzImage payload (%llu bytes at 0x%llx + 0x%llx) extends past the "
                        "%llu-byte file", (unsigned long long)plen, (unsigned long long)koff,
                        (unsigned long long)poff, (unsigned long long)size);
    *payload = p + koff + poff;
    *len = (size_t)plen;
    return 0;
}

/* ---- ELF ---- */

static int pvh_add_seg(struct pvh_run *r, unsigned index, uint64_t off, uint64_t fsz, uint64_t gpa, uint64_t msz)
{
    char why[160];

    if (kimg_add_seg(r->plan, r->seg_index, r->guest_mem, index, off, fsz, gpa, msz, why, sizeof(why)))
        return FAIL(r, "%s", why);
    return 0;
}

/*
 * Scans the notes in [off, off + len) (checked to be inside the file) for
 * PHYS32_ENTRY: 1 found (*entry set), 0 not there, < 0 malformed.
 */
static int pvh_notes(struct pvh_run *r, uint64_t off, uint64_t len, uint64_t *entry)
{
    uint64_t pos = 0;

    while (len - pos >= 12) {
        uint64_t h = off + pos;
        uint32_t namesz = rd32(r->p, h), descsz = rd32(r->p, h + 4), type = rd32(r->p, h + 8);
        uint64_t name = h + 12, nsz = ((uint64_t)namesz + 3) & ~3ull, dsz = ((uint64_t)descsz + 3) & ~3ull;
        uint64_t desc = name + nsz;

        /* The name and descriptor must lie inside the note area; the last descriptor's padding may be cut. */
        if (nsz > len - pos - 12 || descsz > len - pos - 12 - nsz)
            return FAIL(r, "malformed ELF note at file offset 0x%llx (name %u, descriptor %u bytes; %llu left)",
                        (unsigned long long)h, namesz, descsz, (unsigned long long)(len - pos - 12));
        if ((namesz == 4 && !memcmp(r->p + name, "Xen", 4)) && type == XEN_ELFNOTE_PHYS32_ENTRY) {
            uint64_t v;

            /* A numeric Xen note is 1, 2, 4 or 8 bytes wide, little-endian
             * (Xen reads each of these widths); 4 is the usual one. */
            if (descsz == 1) {
                v = r->p[desc];
            } else if (descsz == 2) {
                v = rd16(r->p, desc);
            } else if (descsz == 4) {
                v = rd32(r->p, desc);
            } else if (descsz == 8) {
                v = rd64(r->p, desc);
                if (v > 0xffffffffull)
                    return FAIL(r, "XEN_ELFNOTE_PHYS32_ENTRY 0x%llx is above 4 GiB", (unsigned long long)v);
            } else {
                return FAIL(r, "XEN_ELFNOTE_PHYS32_ENTRY has a %u-byte value (1, 2, 4 or 8 expected)", descsz);
            }
            *entry = v;
            return 1;
        }
        if (dsz > len - pos - 12 - nsz)
            break;          /* the last note, without its padding */
        pos += 12 + nsz + dsz;
    }
    return 0;
}

static int pvh_find_entry(struct pvh_run *r, uint64_t phoff, uint64_t phentsize, uint64_t phnum, uint64_t *entry)
{
    const uint8_t *p = r->p;
    uint64_t i, shoff, shentsize, shnum;
    int rc;

    for (i = 0; i < phnum; i++) {
        uint64_t ph = phoff + i * phentsize, off, fsz;

        if (rd32(p, ph) != PT_NOTE)
            continue;
        off = r->is64 ? rd64(p, ph + 8) : rd32(p, ph + 4);
        fsz = r->is64 ? rd64(p, ph + 32) : rd32(p, ph + 16);
        if (off > r->size || fsz > r->size - off)
            return FAIL(r, "note segment %u (0x%llx bytes at file offset 0x%llx) extends past the %llu-byte file",
                        (unsigned)i, (unsigned long long)fsz, (unsigned long long)off, (unsigned long long)r->size);
        rc = pvh_notes(r, off, fsz, entry);
        if (rc)
            return rc;
    }

    shoff = r->is64 ? rd64(p, 40) : rd32(p, 32);
    shentsize = rd16(p, r->is64 ? 58 : 46);
    shnum = rd16(p, r->is64 ? 60 : 48);
    if (shoff == 0 || shnum == 0)
        return 0;
    if (shentsize < (r->is64 ? 64u : 40u))
        return FAIL(r, "ELF section header size %llu is too small", (unsigned long long)shentsize);
    if (shoff > r->size || shnum * shentsize > r->size - shoff)
        return FAIL(r, "ELF section headers (%llu x %llu bytes at 0x%llx) extend past the %llu-byte file",
                    (unsigned long long)shnum, (unsigned long long)shentsize, (unsigned long long)shoff,
                    (unsigned long long)r->size);
    for (i = 0; i < shnum; i++) {
        uint64_t sh = shoff + i * shentsize, off, sz;

        if (rd32(p, sh + 4) != SHT_NOTE)
            continue;
        off = r->is64 ? rd64(p, sh + 24) : rd32(p, sh + 16);
        sz = r->is64 ? rd64(p, sh + 32) : rd32(p, sh + 20);
        if (off > r->size || sz > r->size - off)
            return FAIL(r, "note section %u (0x%llx bytes at file offset 0x%llx) extends past the %llu-byte file",
                        (unsigned)i, (unsigned long long)sz, (unsigned long long)off, (unsigned long long)r->size);
        rc = pvh_notes(r, off, sz, entry);
        if (rc)
            return rc;
    }
    return 0;
}

int pvh_elf_plan(const void *elf, size_t size, uint64_t guest_mem, struct kimg_plan *plan, char *err,
                 size_t errlen)
{
    struct pvh_run r = { .p = elf, .size = size, .guest_mem = guest_mem, .plan = plan, .err = err,
                         .errlen = errlen };
    const uint8_t *p = elf;
    uint64_t phoff, phentsize, phnum, ehsize, i, entry = 0;
    uint16_t type, machine;
    int rc;

    memset(plan, 0, sizeof(*plan));
    if (err && errlen)
        err[0] = '\0';
    if (!p || size < 16 || memcmp(p, "\177ELF", 4))
        return FAIL(&r, "not an ELF file");
    if (p[4] != 1 && p[4] != 2)
        return FAIL(&r, "ELF class %u is neither 32-bit (1) nor 64-bit (2)", p[4]);
    r.is64 = p[4] == 2;
    if (p[5] != 1)
        return FAIL(&r, "ELF data encoding %u is not little-endian (1)", p[5]);
    if (p[6] != 1)
        return FAIL(&r, "ELF version %u is not 1", p[6]);
    ehsize = r.is64 ? 64 : 52;
    if (size < ehsize)
        return FAIL(&r, "ELF header truncated (%llu of %llu bytes)", (unsigned long long)size,
                    (unsigned long long)ehsize);
    type = rd16(p, 16);
    machine = rd16(p, 18);
    /* Xen's PVH builder takes the layout from the class and the CPU mode
     * from the notes (the entry is always 32-bit protected mode), so an
     * ELF32 file built for x86-64 (ld -m elf32_x86_64, objcopy -O
     * elf32-x86-64) or an ELF64 one marked i386 boots like any other. */
    if (type != ET_EXEC && type != ET_DYN)
        return FAIL(&r, "ELF type %u is neither an executable (ET_EXEC = 2) nor ET_DYN (3)", type);
    if (machine != EM_X86_64 && machine != EM_386)
        return FAIL(&r, "ELF%s e_machine %u is neither i386 (3) nor x86-64 (62)", r.is64 ? "64" : "32", machine);
    phoff = r.is64 ? rd64(p, 32) : rd32(p, 28);
    phentsize = rd16(p, r.is64 ? 54 : 42);
    phnum = rd16(p, r.is64 ? 56 : 44);
    if (phnum == 0)
        return FAIL(&r, "ELF file has no program headers");
    if (phentsize < (r.is64 ? 56u : 32u))
        return FAIL(&r, "ELF program header size %llu is too small", (unsigned long long)phentsize);
    if (phoff > size || phnum * phentsize > size - phoff)
        return FAIL(&r, "ELF program headers (%llu x %llu bytes at 0x%llx) extend past the %llu-byte file",
                    (unsigned long long)phnum, (unsigned long long)phentsize, (unsigned long long)phoff,
                    (unsigned long long)size);

    plan->format = r.is64 ? KIMG_ELF64_MB1 : KIMG_ELF32_MB1;
    for (i = 0; i < phnum; i++) {
        uint64_t ph = phoff + i * phentsize, off, paddr, fsz, msz;

        if (rd32(p, ph) != PT_LOAD)
            continue;
        if (r.is64) {
            off = rd64(p, ph + 8);
            paddr = rd64(p, ph + 24);
            fsz = rd64(p, ph + 32);
            msz = rd64(p, ph + 40);
        } else {
            off = rd32(p, ph + 4);
            paddr = rd32(p, ph + 12);
            fsz = rd32(p, ph + 16);
            msz = rd32(p, ph + 20);
        }
        if (fsz > msz)
            return FAIL(&r, "segment %u has file size 0x%llx larger than its memory size 0x%llx", (unsigned)i,
                        (unsigned long long)fsz, (unsigned long long)msz);
        if (msz == 0)
            continue;
        if (off > size || fsz > size - off)
            return FAIL(&r, "segment %u (0x%llx bytes at file offset 0x%llx) extends past the %llu-byte file",
                        (unsigned)i, (unsigned long long)fsz, (unsigned long long)off, (unsigned long long)size);
        rc = pvh_add_seg(&r, (unsigned)i, off, fsz, paddr, msz);
        if (rc)
            return rc;
    }
    if (plan->nr_segs == 0)
        return FAIL(&r, "ELF file has no loadable (PT_LOAD) segment");

    rc = pvh_find_entry(&r, phoff, phentsize, phnum, &entry);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return FAIL(&r, "no XEN_ELFNOTE_PHYS32_ENTRY note");
    for (i = 0; i < plan->nr_segs; i++)
        if (entry >= plan->segs[i].gpa && entry - plan->segs[i].gpa < plan->segs[i].mem_size)
            break;
    if (i == plan->nr_segs)
        return FAIL(&r, "PHYS32 entry point 0x%llx is not inside any loaded segment", (unsigned long long)entry);
    plan->entry = entry;
    plan->mb_flags = 0;
    kimg_plan_set_bounds(plan);
    return 0;
}
