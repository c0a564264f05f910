/* libFuzzer harness: the input is a kernel file, planned as a Linux bzImage
 * (hvm/bzimage.c) for four guests (RAM, initrd, command line), checking
 * every property the loader relies on when it copies bytes per the plan and
 * fills the zero page from the file's header. */
#include "fuzz_check.h"
#include "hvm/bzimage.h"
#include "mm/e820.h"
#include "hvm/platform.h"
#include "lib/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_plan(const struct bz_plan *p, size_t size, uint64_t mem, uint64_t initrd, size_t cmdlen)
{
    uint64_t low = e820_lowmem_end(mem);

    FUZZ_ASSERT(p->version >= 0x020c);
    FUZZ_ASSERT(p->hdr_end >= SH_END_2_12 && p->hdr_end <= SH_END_MAX && p->hdr_end <= size);
    FUZZ_ASSERT(p->kernel_off >= 512 && p->kernel_off < size);
    /* 64-bit protocol: the entry at +0x200 lies inside the kernel; 32-bit
     * protocol (XLF_KERNEL_64 clear): at the load address, kernel non-empty. */
    FUZZ_ASSERT(p->kernel_size > (p->entry64 ? 0x200u : 0u) && p->kernel_size <= size - p->kernel_off);
    FUZZ_ASSERT(p->kernel_size <= p->init_size);
    FUZZ_ASSERT(p->load_gpa >= BZ_KERNEL_MIN && p->load_gpa <= low && p->init_size <= low - p->load_gpa);
    FUZZ_ASSERT(p->entry == p->load_gpa + (p->entry64 ? 0x200 : 0));
    FUZZ_ASSERT(cmdlen <= p->cmdline_max && cmdlen < BZ_CMDLINE_MAX);
    FUZZ_ASSERT(p->initrd_size == initrd);
    if (initrd) {
        FUZZ_ASSERT(p->initrd_gpa % 4096 == 0 && p->initrd_gpa >= BZ_KERNEL_MIN);
        FUZZ_ASSERT(p->initrd_gpa <= low && initrd <= low - p->initrd_gpa);
        FUZZ_ASSERT(p->initrd_gpa >= p->load_gpa + p->init_size || p->initrd_gpa + initrd <= p->load_gpa);
    } else {
        FUZZ_ASSERT(p->initrd_gpa == 0);
    }
}

static void check_zero_page(const uint8_t *img, const struct bz_plan *p, uint64_t mem)
{
    static uint8_t zp[BP_SIZE];
    struct e820_entry e[E820_MAX_ENTRIES];
    unsigned n = e820_build(mem, e);
    uint32_t v;

    bz_boot_params(zp, img, p, BZ_CMDLINE_GPA, e, n, GPA_ACPI_RSDP);
    FUZZ_ASSERT(!memcmp(zp + 0x1f1, img + 0x1f1, 0x210 - 0x1f1));
    FUZZ_ASSERT(zp[SH_TYPE_OF_LOADER] == 0xff && zp[BP_SENTINEL] == 0 && zp[BP_E820_ENTRIES] == n);
    FUZZ_ASSERT((zp[SH_LOADFLAGS] & (LF_CAN_USE_HEAP | LF_QUIET | LF_LOADED_HIGH)) == (LF_CAN_USE_HEAP | LF_LOADED_HIGH));
    memcpy(&v, zp + SH_CMD_LINE_PTR, 4);
    FUZZ_ASSERT(v == BZ_CMDLINE_GPA);
    memcpy(&v, zp + SH_RAMDISK_IMAGE, 4);
    FUZZ_ASSERT(v == (uint32_t)p->initrd_gpa);
    for (unsigned i = p->hdr_end; i < BP_E820_TABLE; i++)
        FUZZ_ASSERT(zp[i] == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct { uint64_t mem, initrd; size_t cmdlen; } guests[] = {
        { 16ull << 20, 0, 0 }, { 1ull << 30, (1ull << 20) + 5, 100 }, { 8ull << 30, 100ull << 20, 2047 },
        { 130ull << 20, 8ull << 20, 10 },
    };
    uint8_t *img = malloc(size ? size : 1);    /* exactly sized: ASan sees overreads */
    struct bz_plan plan;
    char err[160];

    memcpy(img, data, size);
    for (unsigned g = 0; g < sizeof(guests) / sizeof(guests[0]); g++) {
        memset(err, 0x5a, sizeof(err));
        int rc = bz_plan(img, size, guests[g].mem, guests[g].initrd, guests[g].cmdlen, &plan, err, sizeof(err));
        if (rc) {
            FUZZ_ASSERT(rc == -ENOEXEC || rc == -ENOMEM || rc == -E2BIG);
            fuzz_check_err(err, sizeof(err));
            FUZZ_ASSERT(strncmp(err, "bzImage: ", 9) == 0 && err[9] != '\0');
        } else {
            FUZZ_ASSERT(err[0] == '\0');
            FUZZ_ASSERT(bz_detect(img, size));
            check_plan(&plan, size, guests[g].mem, guests[g].initrd, guests[g].cmdlen);
            check_zero_page(img, &plan, guests[g].mem);
        }
    }
    free(img);
    return 0;
}
