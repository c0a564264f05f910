/* libFuzzer harness: the input is physical memory starting at address 0,
 * with the multiboot1 information structure at address 0. */
#include "boot/mb1.h"
#include "fuzz_check.h"
#include "lib/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
    const uint8_t *p;
    size_t size;
};

static const void *mem_map(uint64_t phys, size_t len, void *ctx)
{
    const struct mem *m = ctx;

    if (phys > m->size || len > m->size - phys)
        return NULL;
    return m->p + phys;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info bi;
    size_t msize = size < MB1_INFO_SIZE ? MB1_INFO_SIZE : size;
    uint8_t *copy = calloc(1, msize);   /* exactly sized: ASan sees overreads */
    struct mem m = { copy, msize };
    char err[128];
    unsigned i;
    int rc;

    memcpy(copy, data, size);
    memset(err, 0, sizeof(err));
    rc = mb1_parse(copy, mem_map, &m, &bi, err, sizeof(err));
    FUZZ_ASSERT(bi.cmdline && bi.loader_name);
    if (rc) {
        FUZZ_ASSERT(rc == -EINVAL || rc == -ENOENT);
        fuzz_check_err(err, sizeof(err));
    } else {
        FUZZ_ASSERT(bi.nr_mmap > 0);
        fuzz_check_mmap(bi.mmap, bi.nr_mmap, BOOT_MAX_MMAP);
        if (bi.cmdline[0])
            fuzz_check_str_in(bi.cmdline, copy, msize);
        if (bi.loader_name[0])
            fuzz_check_str_in(bi.loader_name, copy, msize);
        FUZZ_ASSERT(bi.nr_mods <= BOOT_MAX_MODULES);
        for (i = 0; i < bi.nr_mods; i++) {
            FUZZ_ASSERT(bi.mods[i].start <= bi.mods[i].end);
            if (bi.mods[i].cmdline[0])
                fuzz_check_str_in(bi.mods[i].cmdline, copy, msize);
        }
    }
    free(copy);
    return 0;
}
