/*
 * #DB taken in ring 0 (docs/pv.md "Debug registers and #DB").
 *
 * The hypervisor arms no debug register of its own and never runs with
 * TF, so a #DB in ring 0 is always a PV guest's doing:
 *  - a data breakpoint hit by the guest's MOV SS / POP SS is held until
 *    after the next instruction; when that is SYSCALL or INT3 (or INT n)
 *    the #DB is delivered in ring 0 at the first instruction of the entry,
 *    before its SWAPGS and, for SYSCALL, still on the guest's stack (the
 *    XSA-260 / CVE-2018-8897 class);
 *  - a single step that lands on such an entry the same way.
 * The gate uses its own IST stack (arch/x86/desc.c IST_DB) and entry.S's
 * ist_entry makes GS the hypervisor's around this handler, so neither the
 * stack nor the GS base matter here.
 *
 * What DR6 reports goes to this CPU's db_pending_dr6, which the PV run
 * loop hands to the vCPU of the running stint right after the exit that
 * follows (pv/pv_dbg.c): the guest gets its #DB on the way back.  The
 * interrupted code then simply continues: DR6 is reset (its bits are
 * sticky), TF is cleared in the frame (a ring-0 single step would repeat
 * at every instruction) and RF set (were an instruction breakpoint ever to
 * match ring-0 code, returning without RF would fault again at once).
 * Nothing here can crash the hypervisor: DR6 is guest-influenced and only
 * ever copied.
 */
#include "arch/x86/traps.h"
#include "core/percpu.h"

#define DR6_RESET   0xffff0ff0ull   /* DR6 with no condition reported (SDM vol. 3, 18.2.3) */
#define DR6_REPORT  0x0000e00full   /* B0-B3, BD, BS, BT */
#define RFLAGS_TF   0x100ull
#define RFLAGS_RF   0x10000ull

void x86_db_ring0(struct cpu_regs *regs)
{
    struct percpu *cpu = this_cpu();
    uint64_t dr6;

    __asm__ __volatile__("mov %%db6, %0" : "=r"(dr6));
    __asm__ __volatile__("mov %0, %%db6" :: "r"(DR6_RESET));
    __atomic_fetch_or(&cpu->db_pending_dr6, dr6 & DR6_REPORT, __ATOMIC_RELAXED);
    cpu->nr_ring0_db++;
    regs->rflags = (regs->rflags & ~RFLAGS_TF) | RFLAGS_RF;
}
