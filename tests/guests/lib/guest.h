/*
 * The test-guest library: what a test kernel (tests/guests/<name>.c) uses.
 *
 * A test defines test_main().  The library's entry code sets up a GDT, an
 * IDT that reports any unexpected exception, copies the multiboot1 info and
 * calls test_main(); when it returns, finish() ends the guest.  Every guest
 * is built as an ELF32 multiboot1 kernel; a 64-bit test is linked into a
 * blob at GUEST_BLOB64_BASE that enter_long_mode() jumps to (see
 * CMakeLists.txt), and its test_main() runs in long mode.
 *
 * Result protocol (docs: guest-abi): one "PASS <check>" or
 * "FAIL <check>: <reason>" line per check on the UART, then SCHEDOP_shutdown
 * with SHUTDOWN_poweroff if all passed, SHUTDOWN_crash otherwise.
 *
 * Without a Xen-compatible hypervisor (plain QEMU), hv_require() prints
 * "FAIL hypervisor: not running under Ringvisor" and the guest ends by
 * writing to QEMU's isa-debug-exit port 0xf4.  With "nohv" on the kernel
 * command line it prints SKIP instead and the test runs the checks that do
 * not need the hypervisor (for checking the guests themselves).
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x86.h"
#include "cmdline.h"
#include "testlib.h"                /* printf, check, finish, string functions, hypercall */
#include "idt.h"                    /* idt_init, exc_name, triple_fault */

#include "layout.h"

#define MiB(x)              ((uint32_t)(x) << 20)

/*
 * State shared by the 32-bit and the 64-bit halves of a guest (the 64-bit
 * half gets a pointer to it).  Only uint32_t members, so that the layout is
 * the same under both ABIs.
 */
struct guest_mmap {
    uint32_t base_lo, base_hi, len_lo, len_hi, type;    /* type 1 = usable RAM */
};

#define GUEST_MMAP_MAX      16
#define GUEST_CMDLINE_MAX   256

struct guest_info {
    uint32_t mb_magic, mb_flags;        /* EAX at entry, multiboot info flags */
    uint32_t mem_lower, mem_upper;      /* KiB, valid if mb_flags bit 0 */
    uint32_t nr_mmap;                   /* entries copied (bit 6) */
    struct guest_mmap mmap[GUEST_MMAP_MAX];
    char cmdline[GUEST_CMDLINE_MAX];    /* "" if none (bit 2) */
    char loader[32];                    /* boot loader name (bit 9) */
    uint32_t passed, failed, skipped;   /* check() results so far */
    uint32_t hv_present;                /* Xen-compatible hypervisor found and hypercall page set up */
    uint32_t nohv;                      /* "nohv" on the command line */
    uint32_t expect_crash;              /* see expect_domain_crash() */
    uint32_t hang_on_failure;           /* see hang_on_failure() */
    uint32_t hv_max_leaf, hv_version;   /* CPUID 0x40000000 EAX, 0x40000001 EAX */
    uint32_t hcall_page;                /* guest-physical address of the hypercall page */
    uint32_t tsc_khz;                   /* CPUID 0x40000003 EAX, 0 = unknown */
    uint32_t irq_count, irq_last;       /* interrupts (vectors >= 32) taken */
};

extern struct guest_info *gi;

/* Provided by the build (generated from the guest's cfg file). */
extern const char guest_name[];
extern const char guest_cfg_cmdline[];
extern const unsigned guest_cfg_memory_mib;
extern const unsigned guest_cfg_vcpus;

/* Secondary vCPUs that entered at the kernel entry and were parked (entry32.S). */
extern volatile uint32_t secondary_arrivals;

/* Provided by the test. */
void test_main(void);

/* ---- output (uart.c) ---- */
#define UART_BASE   0x3f8
void uart_putc(char c);
void uart_drain(void);
/* printf, vprintf: testlib.h */

/* ---- results (check.c; check, skip, finish, cmdline_has: testlib.h) ---- */
/*
 * For tests whose expected outcome is a domain crash (rv_expect = "crash"):
 * from now on, reaching finish() means the crash did not happen, so finish()
 * reports it with a FAIL line and a *poweroff*, which the harness sees as
 * the wrong outcome.
 */
void expect_domain_crash(void);
/*
 * For a guest that cannot make hypercalls (hidden_hv): a failure cannot be
 * reported with a shutdown, and a triple fault would look like its expected
 * crash, so finish() then halts forever instead, and the harness reports
 * the time-out.  (Plain QEMU still exits through port 0xf4 first.)
 */
void hang_on_failure(void);
/* Value of "key=<number>" on the command line, or def. */
uint32_t cmdline_uint(const char *key, uint32_t def);

/* ---- the hypervisor (hv.c, hcall32.S / hcall64.S) ---- */
/* Detects the hypervisor and installs the hypercall page; returns true if it
 * is there.  Otherwise FAIL + finish(), or SKIP + false with "nohv". */
bool hv_require(void);
long hv_console_write(const char *buf, unsigned long len);
long hv_sched_yield(void);
long hv_sched_block(void);
long hv_shutdown(unsigned reason);
long hv_version(void);
long hv_set_timer(uint64_t deadline_ns);
void *hv_page(void);

/* ---- time (clock.c): guest system time = TSC / (kHz / 1e6) ---- */
bool clock_available(void);
uint64_t tsc_to_ns(uint64_t tsc);
uint64_t clock_ns(void);

/* ---- exceptions (exc.c; idt.c and idt.h: the IDT, shared) ---- */
/* Called for every interrupt (vector >= 32) and, when set, for NMIs
 * (vector 2, otherwise an unexpected exception), after irq_count/irq_last
 * are updated; runs with interrupts disabled (interrupt gate). */
extern void (*volatile irq_hook)(unsigned vector);

/* ---- CPL 3 (ring3.c) ---- */
/*
 * Runs fn(arg) at CPL 3 (flat user segments; in 64-bit mode every page is
 * made user-accessible) and returns what it returned.  Exceptions at CPL 3
 * reach the library's IDT as usual; a .rv_fixup entry resumes at CPL 3.
 * The first call loads a new GDT (same kernel selectors), a TSS and IDT
 * vector RING3_RET_VECTOR (a DPL-3 gate used for the way back).
 */
#define RING3_RET_VECTOR    0x7e
unsigned long ring3_call(unsigned long (*fn)(unsigned long), unsigned long arg);

/* ---- long mode (longmode.S, 32-bit only) ---- */
/* Builds identity page tables for 0-4 GiB (2 MiB pages), enables long mode
 * and jumps to entry64 in 64-bit mode with RDI = arg.  Does not return. */
__attribute__((noreturn)) void enter_long_mode(uint32_t entry64, uint32_t arg);

/* Image bounds from the linker script. */
extern char __image_start[], __image_end[];

#endif /* GUEST_GUEST_H */
