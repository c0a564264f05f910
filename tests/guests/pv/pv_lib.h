/*
 * pv_lib: what every 64-bit PV test kernel in tests/guests/pv shares
 * (docs/pv.md).  Each kernel used to carry its own copy of these lines;
 * they were the same, so one copy here keeps the output format (the
 * ctests match "<name>: PASS x", "0x.. passed, 0x.. failed" with regexes)
 * in a single place.  Only what is truly common lives here: anything a
 * kernel does differently stays in that kernel.
 */
#ifndef PV_LIB_H
#define PV_LIB_H

#include <stdint.h>
#include <stddef.h>
#include "public/xen.h"
#include "public/arch-x86_64.h"
#include "public/sched.h"

#define VIRT_BASE 0xffffffff80000000ull

/* What pv_entry.S's handlers record (defined in pv_lib.c: every kernel
 * links pv_entry.S, which refers to all of them). */
extern uint64_t entry_rsp;
extern uint64_t bp_count, bp_rip, bp_cs, bp_rflags, bp_rcx, bp_r11;
extern uint64_t pf_count, pf_err, pf_rip, pf_resume;
extern uint64_t ev_count, ev_cs, ev_rflags;
extern uint64_t gp_count, gp_err, gp_resume, int80_count, int80_rip;
void pv_main(const struct start_info *si);
void pv_unexpected(uint64_t vec, uint64_t rip);

/* Xen's mmu_update / mmuext_op ABI (public/xen.h facts). */
struct mmu_update { uint64_t ptr, val; };
struct mmuext_op { uint32_t cmd, pad; uint64_t arg1, arg2; };

/* A hypercall from ring 3: SYSCALL with the number in RAX and the
 * arguments in RDI, RSI, RDX, R10, R8 (R8 always 0 here).  Linked with
 * pv_lib_hcpage.o (pv_boot_hcpage) it goes through the guest's hypercall
 * page instead. */
long hc(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4);

/* One output line, built with put/put_hex and written by flush. */
void put(const char *s);
void put_hex(uint64_t v);
void flush(void);
/* Where flush writes: console_io while NULL; pv_time sets it once its
 * console ring is in use. */
extern void (*pv_line_out)(const char *s, unsigned n);

/* "PASS name" or "FAIL name: what got 0x.. want 0x..", counted. */
extern unsigned nr_pass, nr_fail;
void check(int ok, const char *name, const char *what, uint64_t got, uint64_t want);
/* "0x<pass> passed, 0x<fail> failed" (appended to what the line holds). */
void pv_report(void);
/* pv_report, then poweroff when something passed and nothing failed,
 * crash otherwise. */
void pv_finish(void) __attribute__((noreturn));

void shutdown(unsigned reason);

/* One-entry mmu_update / mmuext_op for this domain. */
long mmu1(uint64_t ptr, uint64_t val);
long ext1(uint32_t cmd, uint64_t arg1, uint64_t arg2);
/* A read that may fault (pv_entry.S's #PF handler resumes at pf_resume):
 * 1 and *out if it did not. */
int try_read(uint64_t va, uint64_t *out);

/* VCPUOP_initialise's context: struct vcpu_guest_context in
 * public/arch-x86_64.h (pv_boot, pv_seg). */

/* A kernel trap entry (the hypervisor's bounce frame: RCX, R11, then the
 * iret frame, with err extra words first, e.g. 1 for an error code, 4 for
 * the failsafe callback's data selectors): every register but RCX/R11 (in
 * the frame) preserved around trap_c(vec, frame), which may change the
 * frame; err words dropped, then back with HYPERVISOR_iret (23).  The
 * kernel that uses it defines trap_c (pv_user, pv_seg). */
void trap_c(uint64_t vec, uint64_t *frame);
#define KTRAP(name, vec, err)                                                   \
    __asm__("   .text\n   .globl " #name "\n" #name ":\n"                       \
            "   push %rax\n   push %rdi\n   push %rsi\n   push %rdx\n"          \
            "   push %r8\n   push %r9\n   push %r10\n"                          \
            "   mov $" #vec ", %edi\n   lea 56(%rsp), %rsi\n"                   \
            "   push %rbx\n   mov %rsp, %rbx\n   and $~15, %rsp\n"              \
            "   call trap_c\n   mov %rbx, %rsp\n   pop %rbx\n"                  \
            "   pop %r10\n   pop %r9\n   pop %r8\n   pop %rdx\n"                \
            "   pop %rsi\n   pop %rdi\n   pop %rax\n"                           \
            "   pop %rcx\n   pop %r11\n"                                        \
            "   .if " #err "\n   add $" #err "*8, %rsp\n   .endif\n"            \
            "   pushq $0\n   push %rcx\n   push %r11\n   push %rax\n"           \
            "   mov $23, %eax\n   syscall\n");                                  \
    void name(void)

#endif
