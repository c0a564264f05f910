/*
 * Builder for the hypervisor's 4-level page tables.  Callers serialize with
 * mm_lock (mm.c); CPUs share the tables, and since entries are only ever
 * added (never changed or removed) no TLB shootdown is needed: x86 does not
 * cache not-present translations (Intel SDM vol. 3 4.10.2.3).
 */
#include "mm/paging.h"
#include "mm/mm.h"
#include "arch/x86/asm.h"
#include "lib/errno.h"

static uint64_t root_phys;              /* (i) after paging_activate */
static bool tables_in_directmap;        /* before activation tables are reached via the image's 4 GiB window */
static pt_page_alloc_fn pt_alloc;
static uint64_t nr_table_pages;

void paging_set_allocator(pt_page_alloc_fn fn)
{
    pt_alloc = fn;
}

static uint64_t *table_virt(uint64_t phys)
{
    /* Boot-time table pages are below 4 GiB (mm.c guarantees it), where the
     * early tables map them at HV_IMAGE_VIRT + phys. */
    return tables_in_directmap ? phys_to_virt(phys) : (uint64_t *)(HV_IMAGE_VIRT + phys);
}

static uint64_t new_table(void)
{
    uint64_t pa = pt_alloc ? pt_alloc() : 0;
    if (pa)
        nr_table_pages++;
    return pa;
}

void paging_new_root(void)
{
    root_phys = new_table();
}

uint64_t paging_root_phys(void)
{
    return root_phys;
}

uint64_t paging_table_pages(void)
{
    return nr_table_pages;
}

static unsigned idx(uint64_t va, unsigned level)
{
    return (va >> (12 + 9 * (level - 1))) & 511;
}

/* Returns the entry for va at 'level' (1 = 4 KiB leaf, 2 = 2 MiB), creating
 * intermediate tables; NULL on allocation failure, or *leaf set when a
 * larger existing leaf already covers va. */
static uint64_t *walk_create(uint64_t va, unsigned level, bool *leaf)
{
    uint64_t *table = table_virt(root_phys);

    *leaf = false;
    for (unsigned l = 4; l > level; l--) {
        uint64_t *e = &table[idx(va, l)];
        if (!(*e & PTE_P)) {
            uint64_t pa = new_table();
            if (!pa)
                return NULL;
            /* Permissions are decided at the leaf; upper levels allow all. */
            *e = pa | PTE_P | PTE_RW;
        } else if (*e & PTE_PS) {
            *leaf = true;
            return e;
        }
        table = table_virt(*e & PTE_ADDR);
    }
    return &table[idx(va, level)];
}

int paging_map(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags, bool large)
{
    uint64_t end = va + size;

    while (va < end) {
        bool use_2m = large && IS_ALIGNED(va, MiB(2)) && IS_ALIGNED(pa, MiB(2)) && end - va >= MiB(2);
        unsigned level = use_2m ? 2 : 1;
        uint64_t step = use_2m ? MiB(2) : 4096;
        bool leaf;
        uint64_t *e = walk_create(va, level, &leaf);

        if (!e)
            return -ENOMEM;
        if (!leaf && !(*e & PTE_P))
            *e = pa | flags | PTE_P | (use_2m ? PTE_PS : 0);
        else if (!leaf && level == 2 && !(*e & PTE_PS)) {
            /* A 4 KiB table is already here: fill it page by page. */
            use_2m = false;
            step = 4096;
            e = walk_create(va, 1, &leaf);
            if (!e)
                return -ENOMEM;
            if (!leaf && !(*e & PTE_P))
                *e = pa | flags | PTE_P;
        }
        va += step;
        pa += step;
    }
    return 0;
}

uint64_t paging_translate(uint64_t va)
{
    uint64_t *table = table_virt(root_phys);

    for (unsigned l = 4; l >= 1; l--) {
        uint64_t e = table[idx(va, l)];
        if (!(e & PTE_P))
            return ~0ull;
        if (l == 1 || (e & PTE_PS)) {
            uint64_t page = l == 1 ? 4096 : (1ull << (12 + 9 * (l - 1)));
            return (e & PTE_ADDR & ~(page - 1)) | (va & (page - 1));
        }
        table = table_virt(e & PTE_ADDR);
    }
    return ~0ull;
}

void paging_activate(void)
{
    write_cr3(root_phys);
    tables_in_directmap = true;
}

bool paging_is_nx(uint64_t va)
{
    uint64_t *table = table_virt(root_phys);

    for (unsigned l = 4; l >= 1; l--) {
        uint64_t e = table[idx(va, l)];
        if (!(e & PTE_P))
            return false;
        if (l == 1 || (e & PTE_PS))
            return e & PTE_NX;
        table = table_virt(e & PTE_ADDR);
    }
    return false;
}
