/*
 * What the two PVH test-guest libraries share: pvh/lib (64-bit guests, pvh.h)
 * and pvh32/lib (32-bit guests, pvh32.h) both include this header, and both
 * link pvh_common.c, compiled for their width.  Guests include pvh.h or
 * pvh32.h, not this.
 *
 * Shared: the console (one console_io write per line, the UART at 0x3f8
 * without a hypervisor or when console_io fails) and printf, check() /
 * skip() / finish(), the command line, the start info copy and hypervisor
 * detection of the start of day, the exception dispatcher, the shutdown and
 * the pvclock reader.  Not shared: the entry (entry.S: long mode or not),
 * the hypercall register convention (hcall64.S / hcall32.S) and the
 * structure layouts that depend on it, paging, event channels.
 */
#ifndef GUEST_PVH_COMMON_H
#define GUEST_PVH_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "testlib.h"                /* printf, check, skip, finish, strings, hypercall */
#include "x86.h"                    /* CPUID, MSRs, ports, EXC_FIXUP */
#include "idt.h"                    /* struct exc_frame, triple_fault */
#include "cmdline.h"
#include "public/xen.h"             /* hypercall numbers; vcpu_time_info (same in both widths) */
#include "public/sched.h"
#include "public/version.h"
#include "public/memory.h"
#include "public/hvm.h"
#include "public/features.h"

#define PAGE_SIZE           4096u
#define PVH_MEMMAP_MAX      32      /* memory map entries kept from the start info */

/* Xen/Linux errno values as hypercalls return them (negated). */
#define EPERM   1
#define ENOENT  2
#define ESRCH   3
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define EINVAL  22
#define ENOSPC  28
#define ENOSYS  38
#define ETIME   62
#define EOPNOTSUPP 95

/*
 * The fields both libraries' state (struct pvh_state pvh, struct
 * pvh32_state pvh32) begins with, filled by the start of day and
 * pvh_common.c; one list so that both spell them the same.
 */
#define PVH_COMMON_STATE                                                                        \
    bool hv;                        /* hypervisor found, hypercall page installed */           \
    bool start_info_ok;             /* EBX pointed at a start info with the right magic */     \
    uint32_t start_info_gpa;                                                                    \
    struct hvm_start_info si;       /* copied at entry */                                      \
    char cmdline[512];                                                                          \
    uint32_t nr_memmap;                                                                         \
    struct hvm_memmap_table_entry memmap[PVH_MEMMAP_MAX];                                       \
    uint32_t passed, failed, skipped;                                                           \
    uint32_t hv_version;            /* CPUID leaf base + 1 */                                  \
    uint32_t tsc_khz;               /* CPUID leaf base + 3, 0 if absent */

/* Where printf's lines go instead of console_io when set (e.g. a guest's
 * own PV console ring writer: tests/guests/pvh/pvh_console.c).  Each call
 * is one line, with its newline, or a 256-byte piece of a longer one. */
extern void (*pvh_console_out)(const char *s, unsigned n);

/* Provided by the guest: the body of the test (returning calls finish()). */
void test_main(void);

/* The value of "key=N" on the command line, or def. */
uint64_t cmdline_uint(const char *key, uint64_t def);

/* SCHEDOP_shutdown(reason).  If that fails (or there is no hypervisor):
 * isa-debug-exit (plain QEMU), then a triple fault, so a failed shutdown is
 * a crash, never a silent halt. */
__attribute__((noreturn)) void pvh_shutdown(unsigned reason);

/* Guest system time (ns) from a vcpu_time_info (pvclock: tsc_timestamp,
 * system_time, tsc_to_system_mul, tsc_shift); with t NULL or not yet set by
 * the hypervisor, the TSC scaled by CPUID's TSC kHz. */
uint64_t pvh_time_ns(const volatile struct vcpu_time_info *t);

/* ---- between pvh_common.c and each library's lib.c ---- */
/* The start of day up to the first line: the IDT, the start info (EBX) and
 * its command line and memory map copied, the hypervisor detected and the
 * hypercall page installed.  Each library's start function calls it first. */
void pvh_start_common(uint32_t si_gpa);
/* After the first line: FAIL "hypervisor" and finish() without one (unless
 * nohv_ok and "nohv" is on the command line), FAIL "start-info-magic" and
 * finish() if EBX did not point at a start info, PASS otherwise. */
void pvh_start_checks(bool nohv_ok);
/* Interrupts (vectors 32-255) as exc_dispatch() gets them: each library's. */
void pvh_interrupt(unsigned vector);

static inline void barrier(void) { asm volatile("" : : : "memory"); }

#endif
