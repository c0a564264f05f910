/*
 * Paging for the 32-bit PVH test guests, one mode per build (PVH32_PAGING,
 * see pvh32.h).  Both paged modes identity-map 0-4 GiB with large pages,
 * so code, data, the start info and mapped frames keep their addresses:
 *
 *   PSE: one page directory of 1024 4 MiB entries (PS = 1), CR4.PSE
 *        (Intel SDM vol. 3, 4.3: 32-bit paging);
 *   PAE: a 4-entry PDPT and four page directories of 512 2 MiB entries,
 *        CR4.PAE (SDM vol. 3, 4.4).  PDPTEs allow only P, PWT, PCD and the
 *        address: the other low bits are reserved, and the CPU loads all
 *        four into its PDPTE registers when CR3 is written with paging on
 *        or CR0.PG/CR4.PAE turn PAE paging on (SDM vol. 3, 4.4.1), raising
 *        #GP if one is malformed.
 *
 * Each step prints first: a guest that stops making progress while paging
 * is switched on names the step it stopped in.
 */
#include "pvh32.h"

#define PTE_P   0x001u
#define PTE_RW  0x002u
#define PTE_PS  0x080u

#if PVH32_PAGING == PVH32_PAGING_PSE
static uint32_t pse_pd[1024] __attribute__((aligned(PAGE_SIZE)));
#elif PVH32_PAGING == PVH32_PAGING_PAE
static uint64_t pae_pdpt[4] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pae_pd[4][512] __attribute__((aligned(PAGE_SIZE)));
#endif

static inline void write_cr0(uint32_t v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void write_cr3(uint32_t v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void write_cr4(uint32_t v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

void pvh32_paging_enable(void)
{
#if PVH32_PAGING == PVH32_PAGING_NONE
    printf("paging: none (flat), CR0 %#lx CR4 %#lx\n", read_cr0(), read_cr4());
#elif PVH32_PAGING == PVH32_PAGING_PSE
    for (uint32_t i = 0; i < 1024; i++)
        pse_pd[i] = (i << 22) | PTE_P | PTE_RW | PTE_PS;
    printf("paging: PSE: setting CR4.PSE (CR4 %#lx)\n", read_cr4());
    write_cr4((uint32_t)read_cr4() | CR4_PSE);
    printf("paging: PSE: CR3 = %p\n", (void *)pse_pd);
    write_cr3((uint32_t)(uintptr_t)pse_pd);
    printf("paging: PSE: setting CR0.PG\n");
    write_cr0((uint32_t)read_cr0() | CR0_PG);
    pvh32.paging = PVH32_PAGING_PSE;
    printf("paging: PSE on: CR0 %#lx CR3 %#lx CR4 %#lx\n", read_cr0(), read_cr3(), read_cr4());
#elif PVH32_PAGING == PVH32_PAGING_PAE
    for (uint32_t d = 0; d < 4; d++) {
        for (uint32_t i = 0; i < 512; i++)
            pae_pd[d][i] = ((uint64_t)d << 30) | ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
        pae_pdpt[d] = (uint32_t)(uintptr_t)pae_pd[d] | PTE_P;
    }
    printf("paging: PAE: setting CR4.PAE (CR4 %#lx)\n", read_cr4());
    write_cr4((uint32_t)read_cr4() | CR4_PAE);
    printf("paging: PAE: CR3 = %p (PDPT %#llx %#llx %#llx %#llx)\n", (void *)pae_pdpt,
           (unsigned long long)pae_pdpt[0], (unsigned long long)pae_pdpt[1], (unsigned long long)pae_pdpt[2],
           (unsigned long long)pae_pdpt[3]);
    write_cr3((uint32_t)(uintptr_t)pae_pdpt);
    printf("paging: PAE: setting CR0.PG\n");
    write_cr0((uint32_t)read_cr0() | CR0_PG);
    pvh32.paging = PVH32_PAGING_PAE;
    printf("paging: PAE on: CR0 %#lx CR3 %#lx CR4 %#lx, PDPT[0] now %#llx, PD[0][0] now %#llx\n", read_cr0(),
           read_cr3(), read_cr4(), (unsigned long long)pae_pdpt[0], (unsigned long long)pae_pd[0][0]);
    if (pae_pdpt[0] & 0x20)
        printf("note: the CPU set bit 5 (A; reserved in PAE PDPTEs, SDM 4.4.1) in PDPTE 0: "
               "QEMU TCG does this, hardware and Bochs do not\n");
#else
#error "unknown PVH32_PAGING"
#endif
}

uint64_t pvh32_translate(uint32_t va)
{
#if PVH32_PAGING == PVH32_PAGING_PSE
    uint32_t pde = pse_pd[va >> 22];
    if (!(pde & PTE_P) || !(pde & PTE_PS))
        return ~0ull;
    return (pde & 0xffc00000u) | (va & 0x3fffffu);
#elif PVH32_PAGING == PVH32_PAGING_PAE
    uint64_t pdpte = pae_pdpt[va >> 30];
    if (!(pdpte & PTE_P))
        return ~0ull;
    const uint64_t *pd = (const uint64_t *)(uintptr_t)(pdpte & 0xfffff000u);
    uint64_t pde = pd[(va >> 21) & 511];
    if (!(pde & PTE_P) || !(pde & PTE_PS))
        return ~0ull;
    return (pde & 0x000fffffffe00000ull) | (va & 0x1fffffu);
#else
    return va;
#endif
}

bool pvh32_alias_large(uint32_t pa_large)
{
#if PVH32_PAGING == PVH32_PAGING_PSE
    pse_pd[PVH32_ALIAS_BASE >> 22] = (pa_large & 0xffc00000u) | PTE_P | PTE_RW | PTE_PS;
#elif PVH32_PAGING == PVH32_PAGING_PAE
    pae_pd[PVH32_ALIAS_BASE >> 30][(PVH32_ALIAS_BASE >> 21) & 511] =
        (pa_large & 0xffe00000u) | PTE_P | PTE_RW | PTE_PS;
#else
    (void)pa_large;
    return false;
#endif
    asm volatile("invlpg (%0)" : : "r"(PVH32_ALIAS_BASE) : "memory");
    return true;
}
