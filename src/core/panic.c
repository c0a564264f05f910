/* Panic: one CPU reports, every CPU stops (see panic.h). */
#include "core/panic.h"
#include "core/console.h"
#include "core/percpu.h"
#include "core/emu_exit.h"
#include "arch/x86/traps.h"
#include "arch/x86/apic.h"
#include "arch/x86/asm.h"
#include "lib/string.h"
#include "lib/fmt.h"
#include <stdarg.h>

extern const uint64_t symtab_count;
extern const uint64_t symtab_addrs[];
extern const uint32_t symtab_offsets[];
extern const char symtab_names[];

static volatile int panicking = -1;     /* (a) CPU that owns the panic, -1 if none */

bool panic_in_progress(void)
{
    return panicking >= 0;
}

const char *symbol_lookup(uint64_t addr, uint64_t *offset)
{
    uint64_t lo = 0, hi = symtab_count;

    if (!hi || addr < symtab_addrs[0])
        return NULL;
    /* Largest entry <= addr. */
    while (hi - lo > 1) {
        uint64_t mid = (lo + hi) / 2;
        if (symtab_addrs[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - symtab_addrs[lo];
    return symtab_names + symtab_offsets[lo];
}

static void print_addr(uint64_t addr)
{
    uint64_t off;
    const char *name = symbol_lookup(addr, &off);

    if (name)
        log_err("  [<%p>] %s+%#lx\n", (void *)addr, name, (unsigned long)off);
    else
        log_err("  [<%p>] ?\n", (void *)addr);
}

void dump_stack_from(uint64_t rip, uint64_t rbp)
{
    struct percpu *cpu = this_cpu();
    extern char boot_stack_top[];
    uint64_t lo = cpu->stack_lo, hi = cpu->stack_hi;

    if (!lo) {  /* still on the boot stack */
        hi = (uint64_t)boot_stack_top;
        lo = hi - 16384;
    }
    log_err("Stack trace:\n");
    print_addr(rip);
    /* Follow saved frame pointers, but only inside this CPU's stack so a
     * corrupt chain cannot fault inside the panic path. */
    for (int depth = 0; depth < 32; depth++) {
        if (rbp < lo || rbp + 16 > hi || (rbp & 7))
            break;
        uint64_t ret = ((uint64_t *)rbp)[1];
        if (!ret)
            break;
        print_addr(ret);
        rbp = ((uint64_t *)rbp)[0];
    }
}

void panic_stop_this_cpu(void)
{
    cli();
    for (;;)
        hlt();
}

static void dump_regs(const struct cpu_regs *r)
{
    log_err("RIP %016lx  RSP %016lx  RFLAGS %016lx  CS %04lx SS %04lx\n",
            r->rip, r->rsp, r->rflags, r->cs, r->ss);
    log_err("RAX %016lx  RBX %016lx  RCX %016lx  RDX %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
    log_err("RSI %016lx  RDI %016lx  RBP %016lx  R8  %016lx\n", r->rsi, r->rdi, r->rbp, r->r8);
    log_err("R9  %016lx  R10 %016lx  R11 %016lx  R12 %016lx\n", r->r9, r->r10, r->r11, r->r12);
    log_err("R13 %016lx  R14 %016lx  R15 %016lx  vector %lu error %#lx\n",
            r->r13, r->r14, r->r15, r->vector, r->error_code);
    log_err("CR0 %016lx  CR2 %016lx  CR3 %016lx  CR4 %016lx\n",
            read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

static void __noreturn do_panic(const struct cpu_regs *regs, const char *fmt, va_list ap)
{
    char msg[256];
    unsigned me;
    int expected = -1;

    cli();
    me = smp_processor_id();
    if (!__atomic_compare_exchange_n(&panicking, &expected, (int)me, false,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        panic_stop_this_cpu();      /* someone else is already reporting */

    /* Stop the others first so they cannot scribble over the report. */
    apic_stop_other_cpus();
    console_force_unlock();
    fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
    log_err("PANIC on CPU %u: %s\n", me, msg);
    if (regs) {
        dump_regs(regs);
        dump_stack_from(regs->rip, regs->rbp);
    } else {
        uint64_t rbp;
        __asm__ __volatile__("mov %%rbp, %0" : "=r"(rbp));
        dump_stack_from((uint64_t)__builtin_return_address(0), rbp);
    }
    log_err("System halted.\n");
    emu_exit(EMU_EXIT_PANIC);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    do_panic(NULL, fmt, ap);
}

void panic_regs(const struct cpu_regs *regs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    do_panic(regs, fmt, ap);
}
