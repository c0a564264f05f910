/*
 * A small ELF writer for the image tests (test_pvh_image.c, test_pv_image.c):
 * ELF32/ELF64 headers, program headers (p_vaddr = p_paddr + the usual
 * kernel offset), section headers and notes, in one IMG_MAX buffer.
 */
#ifndef RV_TESTS_UNIT_ELFWRITE_H
#define RV_TESTS_UNIT_ELFWRITE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifndef IMG_MAX
#define IMG_MAX 0x4000
#endif

struct elf {
    uint8_t b[IMG_MAX];
    bool is64;
    unsigned phnum, shnum;
    size_t size;
};

static inline void w16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void w32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void w64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

#define PH_OFF  0x40
#define SH_OFF  0x400
#define NOTE_A  0x800       /* note areas */
#define NOTE_B  0xa00
#define CODE    0x1000

static inline unsigned phsz(const struct elf *e) { return e->is64 ? 56 : 32; }
static inline unsigned shsz(const struct elf *e) { return e->is64 ? 64 : 40; }

static inline void elf_hdr(struct elf *e)
{
    uint8_t *b = e->b;

    memcpy(b, "\177ELF", 4);
    b[4] = e->is64 ? 2 : 1;
    b[5] = 1;
    b[6] = 1;
    w16(b + 16, 2);
    w16(b + 18, e->is64 ? 62 : 3);
    w32(b + 20, 1);
    if (e->is64) {
        w64(b + 24, 0xffffffff81000000ull);
        w64(b + 32, PH_OFF);
        w64(b + 40, e->shnum ? SH_OFF : 0);
        w16(b + 52, 64);
        w16(b + 54, 56);
        w16(b + 56, (uint16_t)e->phnum);
        w16(b + 58, 64);
        w16(b + 60, (uint16_t)e->shnum);
    } else {
        w32(b + 24, 0xc1000000u);
        w32(b + 28, PH_OFF);
        w32(b + 32, e->shnum ? SH_OFF : 0);
        w16(b + 40, 52);
        w16(b + 42, 32);
        w16(b + 44, (uint16_t)e->phnum);
        w16(b + 46, 40);
        w16(b + 48, (uint16_t)e->shnum);
    }
}

static inline void add_ph(struct elf *e, uint32_t type, uint64_t off, uint64_t paddr, uint64_t fsz, uint64_t msz)
{
    uint8_t *p = e->b + PH_OFF + e->phnum++ * phsz(e);

    w32(p, type);
    if (e->is64) {
        w32(p + 4, 7);
        w64(p + 8, off);
        w64(p + 16, paddr + 0xffffffff80000000ull);
        w64(p + 24, paddr);
        w64(p + 32, fsz);
        w64(p + 40, msz);
    } else {
        w32(p + 4, (uint32_t)off);
        w32(p + 8, (uint32_t)paddr + 0xc0000000u);
        w32(p + 12, (uint32_t)paddr);
        w32(p + 16, (uint32_t)fsz);
        w32(p + 20, (uint32_t)msz);
        w32(p + 24, 7);
    }
    elf_hdr(e);
}

static inline void add_sh(struct elf *e, uint32_t type, uint64_t off, uint64_t size)
{
    uint8_t *s;

    if (e->shnum == 0)
        e->shnum = 1;       /* section 0 is the null section */
    s = e->b + SH_OFF + e->shnum++ * shsz(e);
    w32(s + 4, type);
    if (e->is64) {
        w64(s + 24, off);
        w64(s + 32, size);
    } else {
        w32(s + 16, (uint32_t)off);
        w32(s + 20, (uint32_t)size);
    }
    elf_hdr(e);
}

/* Writes a note at off; returns the offset after it (4-byte padded). */
static inline size_t note(struct elf *e, size_t off, const char *name, uint32_t namesz, uint32_t type, const void *desc,
                   uint32_t descsz)
{
    w32(e->b + off, namesz);
    w32(e->b + off + 4, descsz);
    w32(e->b + off + 8, type);
    off += 12;
    memcpy(e->b + off, name, namesz);
    off += (namesz + 3) & ~3u;
    memcpy(e->b + off, desc, descsz);
    return off + ((descsz + 3) & ~3u);
}

#endif
