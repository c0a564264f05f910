/* libFuzzer harness: the input is a multiboot2 information block. */
#include "boot/mb2.h"
#include "fuzz_check.h"
#include "lib/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info bi;
    char err[128];
    unsigned i;
    int rc;

    memset(err, 0, sizeof(err));
    rc = mb2_parse(data, size, &bi, err, sizeof(err));
    FUZZ_ASSERT(bi.cmdline && bi.loader_name);
    if (rc) {
        FUZZ_ASSERT(rc == -EINVAL || rc == -ENOENT);
        fuzz_check_err(err, sizeof(err));
        return 0;
    }
    FUZZ_ASSERT(err[0] == '\0');
    FUZZ_ASSERT(bi.nr_mmap > 0);
    fuzz_check_mmap(bi.mmap, bi.nr_mmap, BOOT_MAX_MMAP);
    if (bi.cmdline[0])
        fuzz_check_str_in(bi.cmdline, data, size);
    if (bi.loader_name[0])
        fuzz_check_str_in(bi.loader_name, data, size);
    FUZZ_ASSERT(bi.nr_mods <= BOOT_MAX_MODULES);
    for (i = 0; i < bi.nr_mods; i++) {
        FUZZ_ASSERT(bi.mods[i].start <= bi.mods[i].end);
        if (bi.mods[i].cmdline[0])
            fuzz_check_str_in(bi.mods[i].cmdline, data, size);
    }
    if (bi.rsdp) {
        FUZZ_ASSERT(bi.rsdp_len >= 20);
        FUZZ_ASSERT((const uint8_t *)bi.rsdp >= data &&
                    bi.rsdp_len <= size - (size_t)((const uint8_t *)bi.rsdp - data));
    }
    if (bi.efi_mmap)
        FUZZ_ASSERT((const uint8_t *)bi.efi_mmap >= data &&
                    bi.efi_mmap_size <= size - (size_t)((const uint8_t *)bi.efi_mmap - data) &&
                    bi.efi_desc_size >= 40);
    return 0;
}
