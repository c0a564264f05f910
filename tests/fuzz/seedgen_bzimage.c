/* Seeds for fuzz_bzimage: synthetic bzImages (tests/unit/bzbuild.c) with
 * small kernels, valid and each slightly wrong, written to DIR/bzimage/. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "bzbuild.h"

static void emit(const char *dir, const char *name, const struct bzb_opts *o)
{
    char path[512];
    size_t size;
    uint8_t *img = bzb_build(o, &size);
    FILE *f;

    snprintf(path, sizeof(path), "%s/bzimage/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(img, 1, size, f) != size) {
        perror(path);
        exit(1);
    }
    fclose(f);
    free(img);
}

int main(int argc, char **argv)
{
    char path[512];
    struct bzb_opts o;

    if (argc != 2) {
        fprintf(stderr, "usage: %s SEED_DIR\n", argv[0]);
        return 2;
    }
    snprintf(path, sizeof(path), "%s/bzimage", argv[1]);
    mkdir(argv[1], 0755);
    mkdir(path, 0755);
#define SEED(name, field, value) do { o = bzb_defaults(); o.kernel_bytes = 4096; o.setup_sects = 4; \
        field = value; emit(argv[1], name, &o); } while (0)
    SEED("valid", o.version, 0x020f);
    SEED("proto_2_12", o.version, 0x020c);
    SEED("proto_2_11", o.version, 0x020b);
    SEED("no_kernel64", o.xloadflags, 0);
    SEED("fixed_pref", o.relocatable, 0);
    SEED("pref_high", o.pref_address, 0x40000000);
    SEED("init_small", o.init_size, 8 << 20);
    SEED("init_huge", o.init_size, 0xfff00000u);
    SEED("align_1g", o.kernel_alignment, 1u << 30);
    SEED("align_bad", o.kernel_alignment, 3u << 20);
    SEED("cmdline_small", o.cmdline_size, 50);
    SEED("initrd_max_low", o.initrd_addr_max, 0x17fffff);
    SEED("hdr_short", o.hdr_end, 0x264);
    SEED("hdr_long", o.hdr_end, 0x290);
    SEED("sects0", o.setup_sects, 0);
    SEED("zimage", o.loadflags, 0);
    return 0;
}
