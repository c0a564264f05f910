/* Kernel image builders for tests and fuzz seeds (see kimgbuild.h). */
#include "kimgbuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void kb_touch(struct kb *b, size_t off, size_t n)
{
    if (off > KB_MAX || n > KB_MAX - off) {
        fprintf(stderr, "kimgbuild: write [%zu, +%zu) past the %d-byte buffer\n", off, n, KB_MAX);
        abort();
    }
    if (off + n > b->len)
        b->len = off + n;
}

void kb_init(struct kb *b)
{
    memset(b->buf, 0, sizeof(b->buf));
    b->len = 0;
    b->mb2_off = b->mb2_pos = 0;
}

void kb_put16(struct kb *b, size_t off, uint16_t v)
{
    kb_touch(b, off, 2);
    memcpy(b->buf + off, &v, 2);
}

void kb_put32(struct kb *b, size_t off, uint32_t v)
{
    kb_touch(b, off, 4);
    memcpy(b->buf + off, &v, 4);
}

void kb_put64(struct kb *b, size_t off, uint64_t v)
{
    kb_touch(b, off, 8);
    memcpy(b->buf + off, &v, 8);
}

void kb_fill(struct kb *b, size_t off, size_t len, uint8_t byte)
{
    kb_touch(b, off, len);
    memset(b->buf + off, byte, len);
}

size_t kb_phdr_size(int cls)
{
    return cls == 64 ? 56 : 32;
}

/* ELF header layout: System V ABI, "ELF Header" (32- and 64-bit variants). */
size_t kb_elf(struct kb *b, int cls, uint64_t entry, unsigned nph)
{
    size_t ehsize = cls == 64 ? 64 : 52;

    kb_touch(b, 0, ehsize);
    memcpy(b->buf, "\177ELF", 4);
    b->buf[4] = cls == 64 ? 2 : 1;     /* EI_CLASS */
    b->buf[5] = 1;                      /* EI_DATA: little-endian */
    b->buf[6] = 1;                      /* EI_VERSION */
    kb_put16(b, 16, 2);                 /* ET_EXEC */
    kb_put16(b, 18, cls == 64 ? 62 : 3);
    kb_put32(b, 20, 1);
    if (cls == 64) {
        kb_put64(b, 24, entry);
        kb_put64(b, 32, ehsize);        /* e_phoff */
        kb_put16(b, 52, (uint16_t)ehsize);
        kb_put16(b, 54, 56);
        kb_put16(b, 56, (uint16_t)nph);
    } else {
        kb_put32(b, 24, (uint32_t)entry);
        kb_put32(b, 28, (uint32_t)ehsize);
        kb_put16(b, 40, (uint16_t)ehsize);
        kb_put16(b, 42, 32);
        kb_put16(b, 44, (uint16_t)nph);
    }
    kb_touch(b, ehsize, nph * kb_phdr_size(cls));
    return ehsize;
}

void kb_phdr(struct kb *b, int cls, unsigned i, uint32_t type, uint64_t off, uint64_t vaddr,
             uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
    size_t ph = (cls == 64 ? 64 : 52) + i * kb_phdr_size(cls);

    kb_put32(b, ph, type);
    if (cls == 64) {
        kb_put32(b, ph + 4, 7);         /* p_flags RWX */
        kb_put64(b, ph + 8, off);
        kb_put64(b, ph + 16, vaddr);
        kb_put64(b, ph + 24, paddr);
        kb_put64(b, ph + 32, filesz);
        kb_put64(b, ph + 40, memsz);
        kb_put64(b, ph + 48, 0x1000);
    } else {
        kb_put32(b, ph + 4, (uint32_t)off);
        kb_put32(b, ph + 8, (uint32_t)vaddr);
        kb_put32(b, ph + 12, (uint32_t)paddr);
        kb_put32(b, ph + 16, (uint32_t)filesz);
        kb_put32(b, ph + 20, (uint32_t)memsz);
        kb_put32(b, ph + 24, 7);
        kb_put32(b, ph + 28, 0x1000);
    }
}

void kb_mb1(struct kb *b, size_t off, uint32_t flags, const uint32_t *aout)
{
    unsigned i;

    kb_put32(b, off, 0x1BADB002u);
    kb_put32(b, off + 4, flags);
    kb_put32(b, off + 8, -(0x1BADB002u + flags));
    if (aout)
        for (i = 0; i < 5; i++)
            kb_put32(b, off + 12 + 4 * i, aout[i]);
}

void kb_mb2_begin(struct kb *b, size_t off, uint32_t arch)
{
    kb_put32(b, off, 0xE85250D6u);
    kb_put32(b, off + 4, arch);
    b->mb2_off = off;
    b->mb2_pos = off + 16;
}

void kb_mb2_tag(struct kb *b, uint16_t type, uint16_t flags, const void *payload, size_t len)
{
    kb_put16(b, b->mb2_pos, type);
    kb_put16(b, b->mb2_pos + 2, flags);
    kb_put32(b, b->mb2_pos + 4, (uint32_t)(8 + len));
    kb_touch(b, b->mb2_pos + 8, len);
    if (len)
        memcpy(b->buf + b->mb2_pos + 8, payload, len);
    b->mb2_pos += (8 + len + 7) & ~(size_t)7;
}

void kb_mb2_end(struct kb *b)
{
    uint32_t len, arch;

    kb_mb2_tag(b, 0, 0, NULL, 0);
    len = (uint32_t)(b->mb2_pos - b->mb2_off);
    memcpy(&arch, b->buf + b->mb2_off + 4, 4);
    kb_put32(b, b->mb2_off + 8, len);
    kb_put32(b, b->mb2_off + 12, -(0xE85250D6u + arch + len));
}

size_t kb_std_kernel(struct kb *b, int cls)
{
    size_t ph;

    kb_init(b);
    ph = kb_elf(b, cls, 0x100010, 2);
    kb_mb1(b, 0x200, 3, NULL);
    kb_fill(b, 0x1000, 0x800, 0x90);    /* "text" */
    kb_fill(b, 0x2000, 0x100, 0x11);    /* "data" */
    kb_phdr(b, cls, 0, 1, 0x1000, 0x100000, 0x100000, 0x800, 0x800);
    kb_phdr(b, cls, 1, 1, 0x2000, 0x102000, 0x102000, 0x100, 0x3000);
    return ph;
}
