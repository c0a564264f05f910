/*
 * Xen-compatible public ABI for 64-bit PV guests: selectors, start_info,
 * the trap table and the frames of exception delivery and the iret
 * hypercall.  Written for Ringvisor from the documented layouts of the Xen
 * public headers (xen.h "start_info", arch-x86/xen-x86_64.h); only numbers,
 * names and layouts are taken.  docs/pv.md, docs/pv-builder-facts.md.
 *
 * Plain C11, usable by the hypervisor and by the test guests.
 */
#ifndef RV_PUBLIC_ARCH_X86_64_H
#define RV_PUBLIC_ARCH_X86_64_H

#include <stdint.h>

/* Flat ring-3 selectors of Xen's reserved GDT area (from byte 0xe000).  A
 * 64-bit PV kernel and its user space both run in ring 3 with these. */
#define FLAT_RING3_CS32     0xe023
#define FLAT_RING3_CS64     0xe033
#define FLAT_RING3_DS32     0xe02b
#define FLAT_RING3_DS64     0x0000
#define FLAT_RING3_SS64     0xe02b
#define FLAT_KERNEL_CS      FLAT_RING3_CS64
#define FLAT_KERNEL_SS      FLAT_RING3_SS64
#define FLAT_KERNEL_DS      FLAT_RING3_DS64

/* The hypervisor's part of every 64-bit PV address space (L4 slots 256-271). */
#define HYPERVISOR_VIRT_START   0xffff800000000000ull
#define HYPERVISOR_VIRT_END     0xffff880000000000ull

/* start_info.flags */
#define SIF_PRIVILEGED      (1u << 0)
#define SIF_INITDOMAIN      (1u << 1)
#define SIF_MULTIBOOT_MOD   (1u << 2)
#define SIF_MOD_START_PFN   (1u << 3)
#define SIF_VIRT_P2M_4TOOLS (1u << 4)

#define MAX_GUEST_CMDLINE   1024

/* The start-of-day page; RSI points at it when the kernel starts. */
struct start_info {
    char magic[32];             /* "xen-3.0-x86_64" */
    uint64_t nr_pages;          /* pages of the domain */
    uint64_t shared_info;       /* MACHINE address of shared_info */
    uint32_t flags;             /* SIF_* */
    uint64_t store_mfn;
    uint32_t store_evtchn;
    union {
        struct {
            uint64_t mfn;
            uint32_t evtchn;
        } domU;
        struct {
            uint32_t info_off, info_size;
        } dom0;
    } console;
    uint64_t pt_base;           /* virtual address of the bootstrap L4 */
    uint64_t nr_pt_frames;      /* frames of the bootstrap page tables */
    uint64_t mfn_list;          /* virtual address of the p2m list */
    uint64_t mod_start;         /* initrd: virtual address, or pfn with SIF_MOD_START_PFN */
    uint64_t mod_len;
    int8_t cmd_line[MAX_GUEST_CMDLINE];
    uint64_t first_p2m_pfn;     /* INIT_P2M only */
    uint64_t nr_p2m_frames;
};
_Static_assert(__builtin_offsetof(struct start_info, flags) == 48, "start_info layout");
_Static_assert(__builtin_offsetof(struct start_info, console) == 72, "start_info layout");
_Static_assert(__builtin_offsetof(struct start_info, pt_base) == 88, "start_info layout");
_Static_assert(__builtin_offsetof(struct start_info, cmd_line) == 128, "start_info layout");
_Static_assert(__builtin_offsetof(struct start_info, nr_p2m_frames) == 1160, "start_info layout");

/* set_trap_table(struct trap_info *): entries up to one with address 0. */
struct trap_info {
    uint8_t vector;
    uint8_t flags;              /* bits 0-1: the lowest ring INT n may use; TI_EVENTS_OFF */
    uint16_t cs;
    uint64_t address;
};
#define TI_EVENTS_OFF       (1u << 2)   /* mask events (upcall mask) while the handler runs */
_Static_assert(sizeof(struct trap_info) == 16, "trap_info layout");

/*
 * Exception delivery ("bounce") to a 64-bit PV kernel: on its stack, 16-byte
 * aligned, from the lowest address:
 *     RCX, R11, [error code], RIP, CS, RFLAGS, RSP, SS
 * CS bits 32-39 hold the upcall mask the vCPU had (saved_upcall_mask);
 * RFLAGS.IF is the inverse of that mask.  The handler starts with the
 * trap's RIP, CS = FLAT_KERNEL_CS, SS = FLAT_KERNEL_SS, RSP = the frame.
 *
 * The iret hypercall (23) finds this on the guest stack (RSP at the call):
 */
struct iret_context {
    uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};
#define VGCF_in_syscall     (1u << 8)   /* iret_context.flags: return as SYSRET would (RCX/R11 not restored) */

/*
 * User mode: the CS slot of a bounce frame has RPL 0 when the kernel was
 * interrupted and RPL 3 when user space was (then the frame is on the
 * stack from stack_switch); `iret` to a CS with RPL 3 enters user mode (the
 * page tables from MMUEXT_NEW_USER_BASEPTR, the user GS base).  A SYSCALL
 * from user mode reaches CALLBACKTYPE_syscall with the same frame (no
 * error code; RCX/R11 as the CPU left them).
 *
 * set_segment_base (25): which, base.
 */
#define SEGBASE_FS          0           /* FS base (canonical) */
#define SEGBASE_GS_USER     1           /* user GS base (canonical) */
#define SEGBASE_GS_KERNEL   2           /* kernel GS base (canonical) */
#define SEGBASE_GS_USER_SEL 3           /* user GS selector (base = low 16 bits); its base then follows it */

/* VCPUOP_initialise's context for a 64-bit PV vCPU (Xen's cpu_user_regs and
 * vcpu_guest_context, x86_64 layout). */
struct cpu_user_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
    uint32_t error_code, entry_vector;
    uint64_t rip;
    uint16_t cs, pad0;
    uint8_t saved_upcall_mask, pad1[3];
    uint64_t rflags, rsp;
    uint16_t ss, pad2[3], es, pad3[3], ds, pad4[3], fs, pad5[3], gs, pad6[3];
};
_Static_assert(sizeof(struct cpu_user_regs) == 200, "cpu_user_regs, x86_64");

struct vcpu_guest_context {
    uint8_t fpu_ctxt[512];
    uint64_t flags;             /* VGCF_in_kernel, ... */
    struct cpu_user_regs user_regs;
    struct trap_info trap_ctxt[256];
    uint64_t ldt_base, ldt_ents;
    uint64_t gdt_frames[16], gdt_ents;
    uint64_t kernel_ss, kernel_sp;
    uint64_t ctrlreg[8];
    uint64_t debugreg[8];
    uint64_t event_callback_eip, failsafe_callback_eip, syscall_callback_eip;
    uint64_t vm_assist;
    uint64_t fs_base, gs_base_kernel, gs_base_user;
};
_Static_assert(__builtin_offsetof(struct vcpu_guest_context, user_regs) == 520, "vcpu_guest_context, x86_64");
_Static_assert(__builtin_offsetof(struct vcpu_guest_context, ctrlreg) == 4984, "vcpu_guest_context, x86_64");
_Static_assert(sizeof(struct vcpu_guest_context) == 5168, "vcpu_guest_context, x86_64");
#define VGCF_in_kernel      (1u << 2)   /* vcpu_guest_context.flags: starts in kernel mode */
#define VGCF_online         (1u << 5)   /* setvcpucontext: the vCPU is up (runs once unpaused) */

#endif /* RV_PUBLIC_ARCH_X86_64_H */
