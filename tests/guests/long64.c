/*
 * long64: 64-bit long mode.  The 32-bit half (lib/main_enter64.c) checks for
 * the hypervisor and calls enter_long_mode(); this test_main() runs in
 * 64-bit mode with the identity map of 0-4 GiB, and makes 64-bit hypercalls
 * (RAX = nr, arguments RDI, RSI, RDX, R10, R8).
 */
#include "guest.h"
#include "public/xen.h"
#include "public/sched.h"
#include "public/version.h"
#include "lib/errno.h"

unsigned long hypercall_regcheck(unsigned long nr);

static void check_mode(void)
{
    uint64_t efer = rdmsr(MSR_EFER);
    uint16_t cs;
    uint64_t wide;

    check((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA), "efer-lma", "EFER = %#llx: want LME and LMA",
          (unsigned long long)efer);
    /* SCE round trip with long mode active (LMA must survive the write). */
    wrmsr(MSR_EFER, efer ^ EFER_SCE);
    uint64_t flipped = rdmsr(MSR_EFER);
    wrmsr(MSR_EFER, efer);
    uint64_t restored = rdmsr(MSR_EFER);
    check(flipped == (efer ^ EFER_SCE) && restored == efer, "efer-sce64",
          "EFER %#llx, with SCE flipped %#llx, restored %#llx", (unsigned long long)efer,
          (unsigned long long)flipped, (unsigned long long)restored);
    check((read_cr0() & CR0_PG) && (read_cr4() & CR4_PAE), "paging", "CR0 %#lx CR4 %#lx: want PG and PAE",
          read_cr0(), read_cr4());
    asm volatile("mov %%cs, %0" : "=r"(cs));
    check(cs == SEL_CODE64, "cs64", "CS = %#x, expected %#x", cs, SEL_CODE64);
    /* A 64-bit register keeps its upper half (not so in compatibility mode,
     * where this instruction would not even decode as one). */
    asm volatile("movabs $0x123456789abcdef0, %0\n\tror $8, %0" : "=r"(wide));
    check(wide == 0xf0123456789abcdeull, "reg64", "64-bit rotate gave %#llx", (unsigned long long)wide);
    /* The 64-bit IDT and exception fixups work. */
    exc_clear();
    asm volatile("1: ud2\n2:\n\t" EXC_FIXUP("1b", "2b") : : : "memory");
    check(exc_caught == EXC_UD, "exception64", "UD2 in long mode: %s, expected #UD",
          exc_caught == NO_FAULT ? "no exception" : exc_name((unsigned)exc_caught));
}

static void check_hypercalls(void)
{
    static const char msg[] = "long64: hello from a 64-bit console_io hypercall\n";
    long rc;

    /* An unknown MSR: the hypervisor's #GP, now delivered through the 64-bit IDT
     * (plain QEMU TCG returns 0 instead, hence a hypervisor check). */
    uint64_t v;
    int vec = rdmsr_safe(0x12345678, &v);
    check(vec == EXC_GP, "gp64", "RDMSR of MSR 0x12345678 in long mode: %s, expected #GP",
          vec == NO_FAULT ? "no exception" : exc_name((unsigned)vec));

    rc = hv_version();
    check(rc == (long)gi->hv_version, "version64", "xen_version = %#lx, CPUID 0x40000001 says %#x", rc,
          (unsigned)gi->hv_version);
    rc = hv_console_write(msg, sizeof(msg) - 1);
    check(rc == (long)sizeof(msg) - 1, "console64", "console_io returned %ld, expected %zu", rc, sizeof(msg) - 1);
    /* The buffer address with bit 32 set: outside RAM in long mode, so the
     * hypervisor must use all 64 bits of RDX, not truncate to 32. */
    rc = hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, 4, (uintptr_t)msg + (1ull << 32), 0, 0);
    check(rc == -EFAULT, "console64-wide-pointer", "console_io with buffer %#llx returned %ld, expected -EFAULT",
          (unsigned long long)((uintptr_t)msg + (1ull << 32)), rc);
    rc = hv_sched_yield();
    check(rc == 0, "yield64", "sched_op(yield) returned %ld", rc);
    unsigned long changed = hypercall_regcheck(__HYPERVISOR_sched_op);
    check(changed == 0, "callee-saved64", "registers changed by a hypercall (bit 0 RBX, 1 RBP, 2-5 R12-R15): %#lx",
          changed);
    /* A 64-bit deadline in one register: 5 ms ahead, then block. */
    if (!clock_available()) {
        check(false, "timer64", "no TSC frequency (CPUID 0x40000003)");
        return;
    }
    uint64_t t0 = rdtsc(), deadline = tsc_to_ns(t0) + 5000000;
    rc = hv_set_timer(deadline);
    check(rc == 0, "set_timer64", "set_timer_op(%llu) returned %ld", (unsigned long long)deadline, rc);
    rc = hv_sched_block();
    uint64_t waited = tsc_to_ns(rdtsc()) - tsc_to_ns(t0);
    check(rc == 0 && waited >= 5000000, "block64", "sched_op(block) returned %ld after %llu us, expected 0 after >= 5000 us",
          rc, (unsigned long long)(waited / 1000));
}

void test_main(void)
{
    check_mode();
    if (hv_require())
        check_hypercalls();
}
