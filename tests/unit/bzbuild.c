/* Synthetic bzImage files (see bzbuild.h). */
#include "bzbuild.h"

#include <stdlib.h>
#include <string.h>

struct bzb_opts bzb_defaults(void)
{
    struct bzb_opts o = {
        .version = 0x020f, .setup_sects = 27, .kernel_bytes = 256 << 10, .init_size = 64 << 20,
        .pref_address = 16 << 20, .kernel_alignment = 2 << 20, .relocatable = 1, .xloadflags = 0x7f,
        .loadflags = 0x01, .cmdline_size = 2047, .initrd_addr_max = 0x7fffffff, .hdr_end = 0x26c,
    };
    return o;
}

static void put(uint8_t *p, size_t off, uint64_t v, unsigned n)
{
    memcpy(p + off, &v, n);     /* little-endian host */
}

uint8_t *bzb_build(const struct bzb_opts *o, size_t *size)
{
    unsigned sects = o->setup_sects ? o->setup_sects : 4;
    size_t setup = (size_t)(sects + 1) * 512, n = setup + o->kernel_bytes;
    uint8_t *p = calloc(1, n < 0x400 ? 0x400 : n);

    if (!p)
        abort();
    if (n < 0x400)
        n = 0x400;
    put(p, 0x1f1, o->setup_sects, 1);
    put(p, 0x1f4, o->kernel_bytes / 16, 4);
    put(p, 0x1fa, 0xffff, 2);                       /* vid_mode: normal */
    put(p, 0x1fe, 0xaa55, 2);
    p[0x200] = 0xeb;                                /* jmp short to the end of the header */
    p[0x201] = (uint8_t)(o->hdr_end - 0x202);
    memcpy(p + 0x202, "HdrS", 4);
    put(p, 0x206, o->version, 2);
    put(p, 0x211, o->loadflags, 1);
    put(p, 0x214, 0x100000, 4);                     /* code32_start */
    put(p, 0x22c, o->initrd_addr_max, 4);
    put(p, 0x230, o->kernel_alignment, 4);
    put(p, 0x234, o->relocatable, 1);
    put(p, 0x235, 21, 1);                           /* min_alignment: 2 MiB */
    put(p, 0x236, o->xloadflags, 2);
    put(p, 0x238, o->cmdline_size, 4);
    put(p, 0x258, o->pref_address, 8);
    put(p, 0x260, o->init_size, 4);
    for (size_t i = setup; i < setup + o->kernel_bytes; i++)
        p[i] = (uint8_t)(i * 7 + 3);
    *size = n;
    return p;
}
