/*
 * ldirty_guest: the HVM domU of the log-dirty race test (tests/guests/pv/
 * pv_ldctl.c, docs/shadow.md "Log-dirty on shadow paging").  Two vCPUs
 * write known pages forever, nothing else, while the control domain CLEANs
 * and PEEKs its dirty bitmap; it runs with hap = 0 (the shadow pager) and
 * with nested paging.  pv_ldctl.c has the same page list.
 *
 * vCPU0, 32-bit paging with CR4.PSE, interrupts off, a loop of registers
 * and its own stack page, each pass:
 *   0x1000  written through a 4 KiB PTE whose D flag the loop clears (and
 *           INVLPGs) every pass: every first write after it sets D again
 *   0x1001  written through a 4 KiB PTE with A and D set from the start
 *   0x2123  written through a 4 MiB page (PDE 8, A set, D clear at first)
 *   0x1002  written only by the hypervisor: xen_version(XENVER_extraversion)
 *           copies its string there (the guest never stores to it)
 *   0x1003  the stack page (the CALL into the hypercall page)
 *   0x1011  the page table (the loop's own clearing of D)
 *   0x1004 / 0x1005  a marker, alternately, at the end of each pass
 * vCPU1, in real mode from its SIPI on: 0x70..0x7f, then a marker 0x60 /
 * 0x61 alternately, each pass.  Once both markers of a vCPU show in the
 * bitmap after a CLEAN, a whole pass of that vCPU ran after the CLEAN, so
 * every one of its pages must show too.
 *
 * Fixed physical addresses, identity-mapped: page directory 0x1010000,
 * page table (for 16-20 MiB) 0x1011000; 0-16 MiB by four 4 MiB pages with
 * A and D set (the image, the hypercall page), so nothing else is written
 * once the loop runs.
 */
#include "guest.h"

#define P       0x001u
#define RW      0x002u
#define A       0x020u
#define D       0x040u
#define PS      0x080u
#define CR4_PSE 0x010u

#define PD_PA   0x1010000u
#define PT_PA   0x1011000u

#define LAPIC_BASE      0xfee00000u
#define TRAMP           0x6000u

extern const char ldg_ap_start[], ldg_ap_end[];
extern uintptr_t hv_page_addr;     /* lib/hv.c: the hypercall page */

/* vCPU1's loop, copied to TRAMP (SIPI vector 6): real mode, relative jumps
 * only.  ES walks the sixteen pages at 0x70000 (DI wraps after the last),
 * then the marker at 0x60000 or 0x61000 (SI toggles between segments).
 * Each page is read before it is written: after a CLEAN the read fills the
 * shadow leaf first, and it must be read-only (the frame is clean), or the
 * write would not be seen. */
__asm__(".section .text\n\t.code16\n\t.globl ldg_ap_start, ldg_ap_end\n"
        "ldg_ap_start:\n\t"
        "cli\n\t"
        "xor %si, %si\n"
        "1:\n\t"
        "mov $0x7000, %ax\n\t"
        "mov %ax, %es\n\t"
        "xor %di, %di\n"
        "2:\n\t"
        "mov %es:4(%di), %eax\n\t"
        "incl %es:(%di)\n\t"
        "add $0x1000, %di\n\t"
        "jnz 2b\n\t"
        "mov $0x6000, %ax\n\t"
        "add %si, %ax\n\t"
        "mov %ax, %es\n\t"
        "incl %es:0\n\t"
        "xor $0x100, %si\n\t"
        "jmp 1b\n"
        "ldg_ap_end:\n\t"
        ".code32\n");

static volatile uint32_t *lapic(unsigned reg) { return (volatile uint32_t *)(LAPIC_BASE + reg); }

static void icr_send(uint32_t lo)
{
    *lapic(0x310) = 0;
    *lapic(0x300) = lo;
    for (unsigned i = 0; i < 1000000 && (*lapic(0x300) & (1u << 12)); i++)
        asm volatile("pause");
}

static void delay_ms(unsigned ms)
{
    uint64_t until = clock_ns() + (uint64_t)ms * 1000000;
    while (clock_ns() < until)
        hv_sched_yield();
}

/* INIT-SIPI-SIPI to vCPU1 (SDM vol. 3A 9.4.4.1), which then runs the loop
 * above.  True when its first marker moved. */
static bool start_ap(void)
{
    volatile uint32_t *m0 = (volatile uint32_t *)0x60000;

    memcpy((void *)TRAMP, ldg_ap_start, (size_t)(ldg_ap_end - ldg_ap_start));
    *m0 = 0;
    *lapic(0xf0) = 0x1ff;                       /* LAPIC software-enabled */
    icr_send((3u << 18) | (5u << 8) | (1u << 14) | (1u << 15));     /* INIT, all but self */
    delay_ms(10);
    for (int i = 0; i < 2; i++) {
        icr_send((3u << 18) | (6u << 8) | (TRAMP >> 12));           /* STARTUP */
        delay_ms(1);
    }
    for (unsigned i = 0; i < 2000 && *m0 == 0; i++)
        delay_ms(1);
    return *m0 != 0;
}

static void build_tables(void)
{
    uint32_t *pd = (uint32_t *)PD_PA, *pt = (uint32_t *)PT_PA;

    memset(pd, 0, 4096);
    for (uint32_t i = 0; i < 4; i++)                        /* 0-16 MiB */
        pd[i] = (i << 22) | P | RW | A | D | PS;
    pd[4] = PT_PA | P | RW | A;                             /* 16-20 MiB: 4 KiB pages */
    pd[8] = 0x2000000u | P | RW | A | PS;                   /* 32-36 MiB: one 4 MiB page, D clear */
    for (uint32_t i = 0; i < 1024; i++)
        pt[i] = (0x1000000u + (i << 12)) | P | RW | A | D;
    pt[0] &= ~D;                                            /* 0x1000: D cleared by the loop too */
}

void test_main(void)
{
    hv_require();
    check(clock_available(), "ldirty-clock", "the hypervisor gives the TSC rate");
    check(start_ap(), "ldirty-ap-running", "vCPU1 writes its pages");
    build_tables();
    printf("%s: writing pages 0x1000-0x1005 0x1011 0x2123 (vCPU0) 0x60 0x61 0x70-0x7f (vCPU1) "
           "until destroyed\n", guest_name);
    uart_drain();
    uint32_t entry = (uint32_t)hv_page_addr + 17 * 32;     /* __HYPERVISOR_xen_version */
    __asm__ __volatile__("cli\n\t"
                         "mov %%cr4, %%eax\n\t"
                         "or %[pse], %%eax\n\t"
                         "mov %%eax, %%cr4\n\t"
                         "mov %[pd], %%cr3\n\t"
                         "mov %%cr0, %%eax\n\t"
                         "or %[pg], %%eax\n\t"
                         "mov %%eax, %%cr0\n\t"
                         "mov $0x1004000, %%esp\n\t"       /* the stack page 0x1003 */
                         "xor %%ebp, %%ebp\n"
                         "1:\n\t"
                         "incl 0x1000000\n\t"
                         "incl 0x1001000\n\t"
                         "incl 0x2123000\n\t"
                         "mov $1, %%ebx\n\t"               /* XENVER_extraversion into 0x1002000 */
                         "mov $0x1002000, %%ecx\n\t"
                         "call *%%edi\n\t"
                         "andl $~0x40, 0x1011000\n\t"      /* D of 0x1000's PTE */
                         "invlpg 0x1000000\n\t"
                         "incl 0x1004000(%%ebp)\n\t"
                         "xor $0x1000, %%ebp\n\t"
                         "jmp 1b"
                         :
                         : "D"(entry), [pse] "i"(CR4_PSE), [pd] "r"(PD_PA), [pg] "i"(CR0_PG)
                         : "eax", "ebx", "ecx", "memory");
}
