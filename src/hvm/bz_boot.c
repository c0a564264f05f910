/*
 * A bzImage's boot data for an HVM guest (bz_boot.h): the boot loader's
 * planning, split out of hvm/loader.c so that rv's HVM builder in dom0
 * runs the same code.
 */
#include "hvm/bz_boot.h"
#include "mm/e820.h"

#include "lib/string.h"

static void add(struct bz_boot *b, uint64_t gpa, const void *src, uint64_t len)
{
    b->pieces[b->nr_pieces++] = (struct bz_piece){ gpa, src, len };
}

int bz_boot_build(struct bz_boot *b, const void *image, size_t size, uint64_t mem, const void *initrd,
                  uint64_t initrd_size, const char *cmdline, uint64_t rsdp_gpa, char *err, size_t errlen)
{
    size_t cmd_len = strlen(cmdline);

    memset(b, 0, sizeof(*b));
    int rc = bz_plan(image, size, mem, initrd ? initrd_size : 0, cmd_len, &b->plan, err, errlen);
    if (rc)
        return rc;
    struct e820_entry e[E820_MAX_ENTRIES];
    unsigned ne = e820_build(mem, e);
    bz_build_gdt(b->gdt, b->plan.entry64);
    bz_boot_params(b->zero_page, image, &b->plan, BZ_CMDLINE_GPA, e, ne, rsdp_gpa);
    b->zero_page_gpa = BZ_ZERO_PAGE_GPA;
    b->gdt_gpa = BZ_GDT_GPA;
    b->stack_top = BZ_STACK_TOP;
    add(b, b->plan.load_gpa, (const uint8_t *)image + b->plan.kernel_off, b->plan.kernel_size);
    if (b->plan.initrd_size)
        add(b, b->plan.initrd_gpa, initrd, b->plan.initrd_size);
    add(b, BZ_CMDLINE_GPA, cmdline, cmd_len + 1);
    add(b, BZ_GDT_GPA, b->gdt, sizeof(b->gdt));
    add(b, BZ_ZERO_PAGE_GPA, b->zero_page, BP_SIZE);
    /* The identity tables only matter to the 64-bit entry (paging on);
     * written either way, as they always were. */
    uint64_t cr3 = bz_build_pagetables(b->pgt, BZ_PGT_GPA);
    b->cr3 = b->plan.entry64 ? cr3 : 0;
    add(b, BZ_PGT_GPA, b->pgt, sizeof(b->pgt));
    return 0;
}

uint64_t bz_boot_end(const struct bz_boot *b)
{
    uint64_t end = 0;

    for (unsigned i = 0; i < b->nr_pieces; i++)
        if (b->pieces[i].gpa + b->pieces[i].len > end)
            end = b->pieces[i].gpa + b->pieces[i].len;
    return end;
}
