/*
 * pae32: a 32-bit HVM (multiboot) guest that turns on PAE paging (CR4.PAE,
 * a 4-entry PDPT, 2 MiB pages identity-mapping 0-4 GiB) and then uses
 * everything that makes the hypervisor walk its page tables: hypercalls
 * with pointer arguments (console_io, SCHEDOP_shutdown at the end), the
 * MMIO instruction emulator (IOAPIC registers through paging), string I/O
 * (REP OUTSB from a paged buffer).  Under QEMU TCG the CPU writes the
 * accessed bit (bit 5) into the PAE PDPTEs it walks; Ringvisor's walker
 * took that for a reserved bit and refused every such access, so the
 * hypercalls returned -EFAULT and the guest could neither print through
 * console_io nor power off (ISSUE13 item 3).
 */
#include "guest.h"

#define PTE_P   0x001u
#define PTE_RW  0x002u
#define PTE_PS  0x080u
#define ALIAS   0xc0000000u             /* one 2 MiB page the test re-points */

static uint64_t pdpt[4] __attribute__((aligned(4096)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));
static volatile uint32_t marker = 0x600dcafe;

static void write_cr0(uint32_t v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static void write_cr3(uint32_t v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static void write_cr4(uint32_t v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

static void pae_on(void)
{
    for (uint32_t d = 0; d < 4; d++) {
        for (uint32_t i = 0; i < 512; i++)
            pd[d][i] = ((uint64_t)d << 30) | ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
        pdpt[d] = (uint32_t)(uintptr_t)pd[d] | PTE_P;  /* PDPTE: P and the address only */
    }
    printf("pae32: setting CR4.PAE\n");
    write_cr4((uint32_t)read_cr4() | CR4_PAE);
    printf("pae32: CR3 = %p\n", (void *)pdpt);
    write_cr3((uint32_t)(uintptr_t)pdpt);
    printf("pae32: setting CR0.PG\n");
    write_cr0((uint32_t)read_cr0() | CR0_PG);
    printf("pae32: PAE paging on, CR0 %#lx CR4 %#lx; PDPTE 0 now %#llx\n", read_cr0(), read_cr4(),
           (unsigned long long)pdpt[0]);
    if (pdpt[0] & 0x20)
        printf("note: the CPU set bit 5 (A; reserved in PAE PDPTEs, SDM 4.4.1) in PDPTE 0: "
               "QEMU TCG does this, hardware and Bochs do not\n");
}

void test_main(void)
{
    pae_on();
    uint32_t cr0 = (uint32_t)read_cr0(), cr4 = (uint32_t)read_cr4();
    check((cr0 & CR0_PG) && (cr4 & CR4_PAE), "pae-on", "CR0 %#x CR4 %#x", cr0, cr4);

    /* Translation really through our tables: re-point the alias page. */
    uint32_t pa = (uint32_t)(uintptr_t)&marker;
    pd[ALIAS >> 30][(ALIAS >> 21) & 511] = (pa & ~0x1fffffu) | PTE_P | PTE_RW | PTE_PS;
    asm volatile("invlpg (%0)" : : "r"(ALIAS) : "memory");
    volatile uint32_t *alias = (volatile uint32_t *)(uintptr_t)(ALIAS + (pa & 0x1fffffu));
    check(*alias == 0x600dcafe, "pae-alias", "alias read %#x", *alias);

    if (!hv_require())
        return;                         /* nohv: skipped; no hypervisor: FAIL and finish() */
    /* A hypercall whose argument the hypervisor reads through our tables. */
    static const char msg[] = "pae32: console_io through PAE paging\n";
    long n = hv_console_write(msg, sizeof(msg) - 1);
    check(n == (long)sizeof(msg) - 1, "pae-hypercall-pointer", "console_io returned %ld, want %u", n,
          (unsigned)sizeof(msg) - 1);
    /* The instruction emulator: fetches the MOV and reaches the IOAPIC
     * (0xFEC00000: PDPTE 3) through our tables. */
    volatile uint32_t *ioregsel = (volatile uint32_t *)0xfec00000u, *iowin = (volatile uint32_t *)0xfec00010u;
    *ioregsel = 1;
    uint32_t ver = *iowin;
    check((ver & 0xff) >= 0x10 && ((ver >> 16) & 0xff) >= 15, "pae-mmio-emulated", "IOAPIC version %#x", ver);
    /* String I/O: the hypervisor reads the source buffer through our tables. */
    static const char line[] = "pae32: REP OUTSB through PAE paging\n";
    const char *p = line;
    uint32_t cnt = sizeof(line) - 1;
    asm volatile("rep outsb" : "+S"(p), "+c"(cnt) : "d"(UART_BASE) : "memory");
    check(cnt == 0 && p == line + sizeof(line) - 1, "pae-string-io", "ECX %u left", cnt);
    /* finish(): SCHEDOP_shutdown reads its argument through our tables too. */
}
