/*
 * pvh_keys: a target for the debug-key test (tests/integration/test_debugkeys.py).
 * It sets up what the dumps must show (an unbound port, VIRQ_DEBUG bound, a
 * grant), prints its CR0/CR3/EFER and the address range of the loop it
 * then spins in, and spins there until VIRQ_DEBUG is pending on its port:
 * key 'q' sends that VIRQ, so typing "hdegrmtq" ends the spin after the 'd'
 * dump has seen the vCPU inside the loop.  No upcall is set up: the loop
 * polls the pending bit and takes no interrupt.
 *
 * With "hang" on its command line it spins forever instead (the stuck-vCPU
 * report test): rv-run's timeout must then name the loop's RIP.
 */
#include "pvh.h"

const char pvh_guest_name[] = "pvh_keys";

extern const char keys_loop_start[], keys_loop_end[];
static uint8_t granted_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

#define KEYS_GRANT_REF 8u

void test_main(void)
{
    evtchn_port_t dbg = 0, unb = 0;
    long rs = pvh_map_shared_info();
    long rv = evtchn_bind_virq(VIRQ_DEBUG, 0, &dbg);
    long ru = evtchn_alloc_unbound(0, &unb);
    long rg = gnttab_map_frames(1);
    if (!check(rs == 0 && rv == 0 && ru == 0 && rg == 0, "setup",
               "shared_info %ld, bind VIRQ_DEBUG %ld, alloc_unbound %ld, grant frames %ld", rs, rv, ru, rg))
        return;
    gnttab_grant(KEYS_GRANT_REF, 0, ptr_gfn(granted_page), true);
    evtchn_test_and_clear(dbg);

    unsigned long cr3;
    asm volatile("mov %%cr3, %0" : "=r"(cr3));
    printf("state cr0=%#lx cr3=%#lx efer=%#lx\n", read_cr0(), cr3, (unsigned long)rdmsr(0xc0000080));
    printf("ports debug=%u unbound=%u; grant ref %u gfn %#lx\n", dbg, unb, KEYS_GRANT_REF,
           (unsigned long)ptr_gfn(granted_page));
    printf("loop %#lx-%#lx\n", (unsigned long)keys_loop_start, (unsigned long)keys_loop_end);

    uint64_t *word = (uint64_t *)&pvh.sh->evtchn_pending[dbg / 64];
    uint64_t bit = dbg % 64, hang = cmdline_has("hang");
    /* "sti": spin with interrupts enabled (none are set up to arrive), to
     * tell apart whether the host can interrupt a guest with RFLAGS.IF clear. */
    if (cmdline_has("sti"))
        asm volatile("sti");
    printf("spinning%s%s\n", hang ? " forever" : " until VIRQ_DEBUG", cmdline_has("sti") ? " (IF=1)" : "");
    /* The loop the dump must find RIP in: it exits only when the bit is set
     * and 'hang' is 0. */
    asm volatile(".globl keys_loop_start\n"
                 "keys_loop_start:\n"
                 "1: btq %1, (%0)\n"
                 "   jnc 1b\n"
                 "   test %2, %2\n"
                 "   jnz 1b\n"
                 ".globl keys_loop_end\n"
                 "keys_loop_end:\n"
                 : : "r"(word), "r"(bit), "r"(hang) : "memory", "cc");
    check(evtchn_test_and_clear(dbg), "virq-debug", "VIRQ_DEBUG was not pending after the loop");
}
