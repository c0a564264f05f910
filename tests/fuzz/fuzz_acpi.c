/* libFuzzer harness: the input is physical memory starting at address 0 with
 * the RSDP at address 0; the same bytes also serve as the BIOS area
 * 0xE0000.. for the legacy RSDP search. */
#include "arch/x86/acpi_tables.h"
#include "fuzz_check.h"
#include "lib/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
    const uint8_t *p;
    size_t size;
    uint64_t base;
};

static const uint8_t ebda_seg[2] = { 0x00, 0xe0 };     /* BDA 0x40E -> segment 0xE000 */

static const void *mem_map(uint64_t phys, size_t len, void *ctx)
{
    const struct mem *m = ctx;

    if (m->base && phys == 0x40e && len <= 2)
        return ebda_seg;
    if (phys < m->base || phys - m->base > m->size || len > m->size - (phys - m->base))
        return NULL;
    return m->p + (phys - m->base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct acpi_info ai;
    uint8_t *copy = malloc(size ? size : 1);
    struct mem m = { copy, size, 0 };
    char err[128];
    uint64_t at;
    int rc;

    if (size)
        memcpy(copy, data, size);
    memset(err, 0, sizeof(err));
    rc = acpi_parse(copy, size < 36 ? size : 36, mem_map, &m, &ai, err, sizeof(err));
    FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
    FUZZ_ASSERT(memchr(err, 0, sizeof(err)) != NULL && !strchr(err, '\n'));
    if (rc)
        fuzz_check_err(err, sizeof(err));
    FUZZ_ASSERT(ai.nr_cpus <= ACPI_MAX_CPUS && ai.nr_ioapics <= ACPI_MAX_IOAPICS &&
                ai.nr_isos <= ACPI_MAX_ISOS);
    FUZZ_ASSERT(!ai.nr_warnings == !err[0] || rc);
    FUZZ_ASSERT(ai.hpet_addr == 0 || ai.hpet != 0);

    m.base = 0xe0000;
    rc = acpi_rsdp_find_legacy(mem_map, &m, &at);
    FUZZ_ASSERT(rc == 0 || rc == -ENOENT);
    if (rc == 0) {
        FUZZ_ASSERT(at >= 0xe0000 && at % 16 == 0 && at - 0xe0000 + 20 <= size);
        FUZZ_ASSERT(memcmp(copy + (at - 0xe0000), "RSD PTR ", 8) == 0);
    }
    free(copy);
    return 0;
}
