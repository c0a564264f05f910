/*
 * pv_user: user mode of a 64-bit PV kernel (docs/pv.md "User mode";
 * entry and shared handlers: pv_entry.S).  The kernel:
 *  - builds a user L4 of its own frames (a copy of the boot L4's guest
 *    slots, with a different tree at slot 6), pins it, and makes it the
 *    user base pointer; the boot L4 gets its own slot-6 tree: reading
 *    SLOT6 tells which L4 is in CR3 (KMAGIC: kernel, UMAGIC: user);
 *  - sets kernel and user GS bases and the FS base (set_segment_base,
 *    with its -EINVAL refusals), stack_switch to a kernel stack of its
 *    own, a syscall callback (callback_op, events masked), a trap table
 *    with INT 0x80 allowed to user space (privilege 3) and INT 0x81 only to
 *    the kernel (privilege 1);
 *  - fpu_taskswitch(1), then `iret` to user code (CS RPL 3).
 * User space (no hypercall can come from there: a SYSCALL is its kernel's):
 *  - an SSE instruction: #NM bounced once (TS then clear), the retried
 *    instruction and the next ones run;
 *  - SLOT6 reads UMAGIC and %gs:0 the user GS area;
 *  - SYSCALLs (one with a hypercall number) reach the callback with Xen's
 *    frame (RIP after the SYSCALL, RCX = RIP, R11 = RFLAGS, CS 0xe033 with
 *    RPL 3, the user RSP and SS) on the stack_switch stack, where SLOT6
 *    reads KMAGIC and %gs:0 the kernel GS area; `iret` with
 *    VGCF_in_syscall returns the value; six round trips;
 *  - INT3 is a #BP for the kernel (frame CS RPL 3, RIP after it);
 *  - INT 0x80 reaches its handler in kernel mode; INT 0x81 is a #GP
 *    (error code: the IDT vector); a #PF in user mode lands on the
 *    stack_switch stack with the U bit in its error code;
 *  - an event upcall (VIRQ_TIMER) interrupts user space: kernel stack,
 *    kernel L4, frame CS RPL 3;
 *  - a last SYSCALL ends it: the kernel checks a kernel-mode #NM (frame
 *    CS RPL 0), an `iret` to the hypervisor's selector (a #GP for the
 *    kernel with that frame, error code the selector), GS_USER_SEL, prints every result and powers off.
 */
#include "pv_lib.h"
#include "public/callback.h"
#include "public/event_channel.h"

/* What pv_entry.S's handlers record (shared with the other PV kernels). */
void unexpected_0(void), unexpected_6(void);

#define MMUEXT_PIN_L4_TABLE     3
#define MMUEXT_NEW_USER_BASEPTR 15
#define MMUEXT_CLEAR_PAGE       16

#define EINVAL  22
#define PTE_TABLE   0x67ull     /* P RW US A D */

#define SLOT6       (6ull << 39)
#define SLOT8       (8ull << 39)        /* mapped by neither L4 */
#define KMAGIC      0x4b45524e454c3636ull
#define UMAGIC      0x5553455253504143ull
#define KGS_MAGIC   0x6b67736b67736b67ull
#define UGS_MAGIC   0x7567737567737567ull
#define FS_MAGIC    0x6673667366736673ull

/* Syscall numbers of this kernel (RAX from user space). */
#define SYS_PROBE   1
#define SYS_EXIT    2
#define SYS_ARM     3       /* VIRQ_TIMER at once: an event upcall while user space runs */

/* ---- Results from user space (it cannot print: no hypercalls there) --- */

#define NR_URES 128
static struct { const char *name; uint64_t got, want; } ures[NR_URES];
static unsigned nr_ures, nr_ures_lost;

static void ucheck(const char *name, uint64_t got, uint64_t want)
{
    if (nr_ures < NR_URES)
        ures[nr_ures++] = (typeof(ures[0])){ name, got, want };
    else
        nr_ures_lost++;
}

/* ---- Reads that tell the mode ------------------------------------------- */

static uint64_t slot6(void)
{
    return *(volatile uint64_t *)SLOT6;
}

static uint64_t gs0(void)
{
    uint64_t v;
    __asm__ __volatile__("mov %%gs:0, %0" : "=r"(v) :: "memory");
    return v;
}

static uint64_t fs0(void)
{
    uint64_t v;
    __asm__ __volatile__("mov %%fs:0, %0" : "=r"(v) :: "memory");
    return v;
}

static uint64_t get_rsp(void)
{
    uint64_t v;
    __asm__ __volatile__("mov %%rsp, %0" : "=r"(v));
    return v;
}

/* ---- Kernel side: handlers ------------------------------------------------ */

static uint64_t kgs[4] = { KGS_MAGIC }, ugs[4] = { UGS_MAGIC }, fsarea[4] = { FS_MAGIC };
static uint8_t kstack[16384] __attribute__((aligned(16)));
static uint8_t ustack[16384] __attribute__((aligned(16)));
#define KSTACK_TOP ((uint64_t)kstack + sizeof(kstack))

/* The syscall callback: frame = RCX, R11, RIP, CS, RFLAGS, RSP, SS. */
static uint64_t sc_count, sc_frame[7], sc_frame_at, sc_slot6, sc_gs0, sc_sp, sc_bad_frames;
static uint64_t sc_hypercall_nr_seen;
void sc_entry(void);
uint64_t sc_c(uint64_t nr, uint64_t arg, const uint64_t *frame);
static void finish(void) __attribute__((noreturn));

uint64_t sc_c(uint64_t nr, uint64_t arg, const uint64_t *frame)
{
    sc_count++;
    for (int i = 0; i < 7; i++)
        sc_frame[i] = frame[i];
    sc_frame_at = (uint64_t)frame;
    sc_slot6 = slot6();
    sc_gs0 = gs0();
    sc_sp = get_rsp();
    /* Every SYSCALL frame: the return point in RCX and RIP alike, user CS
     * (RPL 3), events were enabled (IF), on the stack_switch stack. */
    if (frame[0] != frame[2] || frame[3] != (FLAT_RING3_CS64 | 0) || !(frame[4] & 0x200) ||
        frame[6] != FLAT_RING3_SS64 || (uint64_t)frame != KSTACK_TOP - 7 * 8 || sc_slot6 != KMAGIC ||
        sc_gs0 != KGS_MAGIC)
        sc_bad_frames++;
    if (nr == __HYPERVISOR_sched_op || nr == __HYPERVISOR_iret) {
        sc_hypercall_nr_seen++;     /* not a hypercall from user space */
        return 0x29;
    }
    if (nr == SYS_EXIT)
        finish();
    if (nr == SYS_ARM)
        return (uint64_t)hc(__HYPERVISOR_set_timer_op, 1, 0, 0, 0);    /* a deadline in the past */
    return arg * 3 + 1;
}

__asm__(
    "   .text\n"
    "   .globl sc_entry\n"
    "sc_entry:\n"
    "   mov     %rsp, %rdx\n"           /* the frame */
    "   mov     %rdi, %rsi\n"
    "   mov     %rax, %rdi\n"
    "   push    %rbx\n"
    "   mov     %rsp, %rbx\n"
    "   and     $~15, %rsp\n"
    "   call    sc_c\n"
    "   mov     %rbx, %rsp\n"
    "   pop     %rbx\n"
    "   pop     %rcx\n"
    "   pop     %r11\n"
    "   pushq   $0x100\n"               /* VGCF_in_syscall: RCX/R11 are not restored */
    "   push    %rcx\n"
    "   push    %r11\n"
    "   push    %rax\n"
    "   mov     $23, %eax\n"
    "   syscall\n");

/* Traps (KTRAP, pv_lib.h): every register but RCX/R11 (in the frame)
 * preserved; trap_c may move the frame's RIP. */
KTRAP(bp_entry, 3, 0);
KTRAP(nm_entry, 7, 0);
KTRAP(gp_entry, 13, 1);
KTRAP(pf_entry, 14, 1);
KTRAP(int80_entry, 128, 0);
KTRAP(event_entry, 256, 0);

static uint64_t nm_count, nm_cs, nm_frame_at, nm_slot6;
static uint64_t bpu_count, bpu_cs, bpu_rip, bpu_slot6;
static uint64_t gpu_count, gpu_err, gpu_cs, gpu_rip;
static volatile uint64_t gp_fix_cs;     /* the #GP of a refused iret: put the kernel's CS in the frame */
static uint64_t pfu_count, pfu_err, pfu_cs, pfu_frame_at, pfu_slot6;
static uint64_t i80_count, i80_cs, i80_slot6, i80_gs0, i80_frame_at;
static volatile uint64_t ev_n;
static uint64_t ev_cs_u, ev_rflags_u, ev_frame_at, ev_slot6, ev_gs0;
static volatile uint64_t resume_at;

void trap_c(uint64_t vec, uint64_t *f)
{
    switch (vec) {
    case 3:
        bpu_count++;
        bpu_rip = f[2];
        bpu_cs = f[3];
        bpu_slot6 = slot6();
        break;
    case 7:
        nm_count++;
        nm_cs = f[3];
        nm_frame_at = (uint64_t)f;
        nm_slot6 = slot6();
        break;      /* the instruction runs again: TS is clear now */
    case 13:
        gpu_count++;
        gpu_err = f[2];
        gpu_cs = f[4];
        gpu_rip = f[3];
        if (gp_fix_cs)
            f[4] = FLAT_KERNEL_CS & ~3;     /* and return to the same RIP */
        else
            f[3] = resume_at;
        break;
    case 14:
        pfu_count++;
        pfu_err = f[2];
        pfu_cs = f[4];
        pfu_frame_at = (uint64_t)f;
        pfu_slot6 = slot6();
        f[3] = resume_at;
        break;
    case 128:
        i80_count++;
        i80_cs = f[3];
        i80_slot6 = slot6();
        i80_gs0 = gs0();
        i80_frame_at = (uint64_t)f;
        break;
    case 256:
        /* The event upcall.  shared_info is not mapped here, so the
         * pending flag stays set: return with events masked (IF clear in
         * the frame), one upcall only. */
        ev_n++;
        ev_cs_u = f[3];
        ev_rflags_u = f[4];
        ev_frame_at = (uint64_t)f;
        ev_slot6 = slot6();
        ev_gs0 = gs0();
        f[4] &= ~0x200ull;
        break;
    }
}

/* ---- User side ------------------------------------------------------------ */

static long usys(uint64_t nr, uint64_t arg)
{
    long ret;
    __asm__ __volatile__("syscall"
                         : "=a"(ret), "+D"(arg)
                         : "a"(nr)
                         : "rcx", "r11", "rsi", "rdx", "r8", "r9", "r10", "memory");
    return ret;
}

/* A SYSCALL that returns RCX and R11 as the kernel's iret (with
 * VGCF_in_syscall) left them, the address after the SYSCALL and RFLAGS
 * after it (PUSHF). */
static void usys_regs(uint64_t *rcx, uint64_t *r11, uint64_t *after, uint64_t *flags)
{
    register uint64_t r11v __asm__("r11");
    uint64_t nr = SYS_PROBE, arg = 0, a, f;
    __asm__ __volatile__("syscall\n1: lea 1b(%%rip), %3\n pushf\n pop %4"
                         : "+a"(nr), "+D"(arg), "=c"(*rcx), "=r"(a), "=r"(f), "=r"(r11v)
                         :
                         : "rsi", "rdx", "r8", "r9", "r10", "memory");
    *r11 = r11v;
    *after = a;
    *flags = f;
}

void user_main(void);
void user_main(void)
{
    uint64_t rsp0 = get_rsp();

    ucheck("user-slot6-is-user-l4", slot6(), UMAGIC);
    ucheck("user-gs-base", gs0(), UGS_MAGIC);
    ucheck("user-fs-base", fs0(), FS_MAGIC);

    /* Lazy FPU: the first SSE instruction traps once, then runs. */
    uint64_t v = 0x1234;
    __asm__ __volatile__("movq %0, %%xmm3\n movq %%xmm3, %0" : "+r"(v));
    ucheck("user-nm-once", nm_count, 1);
    ucheck("user-nm-retried-value", v, 0x1234);
    __asm__ __volatile__("pxor %xmm3, %xmm3");
    ucheck("user-nm-then-clear", nm_count, 1);
    ucheck("user-nm-frame-cs-rpl3", nm_cs & 0xffff, FLAT_RING3_CS64);
    ucheck("user-nm-on-kernel-stack", nm_frame_at, KSTACK_TOP - 7 * 8);
    ucheck("user-nm-kernel-l4", nm_slot6, KMAGIC);

    /* SYSCALL round trips. */
    for (uint64_t i = 0; i < 5; i++) {
        long r = usys(SYS_PROBE, i + 10);
        ucheck("user-syscall-result", (uint64_t)r, (i + 10) * 3 + 1);
        ucheck("user-syscall-back-user-l4", slot6(), UMAGIC);
        ucheck("user-syscall-back-user-gs", gs0(), UGS_MAGIC);
    }
    uint64_t rcx, r11, after, flags;
    usys_regs(&rcx, &r11, &after, &flags);
    ucheck("user-sysret-rcx-is-rip", rcx, after);
    ucheck("user-sysret-r11-is-rflags", r11, flags);
    ucheck("user-syscall-count", sc_count, 6);
    ucheck("user-syscall-frame-ok", sc_bad_frames, 0);
    ucheck("user-syscall-frame-cs", sc_frame[3], FLAT_RING3_CS64);
    ucheck("user-syscall-frame-rsp", rsp0 - sc_frame[5] < 256, 1);
    ucheck("user-syscall-kernel-l4", sc_slot6, KMAGIC);
    ucheck("user-syscall-kernel-gs", sc_gs0, KGS_MAGIC);
    /* A hypercall number from user space is only a syscall. */
    long r = usys(__HYPERVISOR_sched_op, SCHEDOP_shutdown);
    ucheck("user-syscall-hypercall-nr-not-hypercall", (uint64_t)r, 0x29);
    r = usys(__HYPERVISOR_iret, 0);
    ucheck("user-syscall-iret-nr-not-iret", (uint64_t)r, 0x29);
    ucheck("user-syscall-hypercall-nr-seen", sc_hypercall_nr_seen, 2);

    /* INT 0x80 (trap-table privilege 3). */
    __asm__ __volatile__("int $0x80" ::: "memory");
    ucheck("user-int80-delivered", i80_count, 1);
    ucheck("user-int80-frame-cs-rpl3", i80_cs & 0xffff, FLAT_RING3_CS64);
    ucheck("user-int80-kernel-l4", i80_slot6, KMAGIC);
    ucheck("user-int80-kernel-gs", i80_gs0, KGS_MAGIC);
    ucheck("user-int80-on-kernel-stack", i80_frame_at, KSTACK_TOP - 7 * 8);
    ucheck("user-int80-back-user-l4", slot6(), UMAGIC);

    /* INT 0x81 (privilege 1: the kernel only): #GP, error code = IDT vector. */
    __asm__ __volatile__("lea 1f(%%rip), %%rax\n mov %%rax, resume_at(%%rip)\n int $0x81\n 1:"
                         ::: "rax", "memory");
    ucheck("user-int81-gp", gpu_count, 1);
    /* IDT flag (bit 1), not external; the index field is left alone:
     * QEMU's TCG scales it by 16 where hardware scales by 8. */
    ucheck("user-int81-gp-error", gpu_err & 3, 2);
    ucheck("user-int81-gp-cs-rpl3", gpu_cs & 0xffff, FLAT_RING3_CS64);
    ucheck("user-int81-not-delivered", i80_count, 1);

    /* INT3 in user mode (the hypervisor's #BP gate is DPL 3): #BP to the
     * kernel, RIP after the INT3. */
    uint64_t after3;
    __asm__ __volatile__("int3\n1: lea 1b(%%rip), %0" : "=r"(after3) :: "memory");
    ucheck("user-int3-bp", bpu_count, 1);
    ucheck("user-int3-rip-after", bpu_rip, after3);
    ucheck("user-int3-frame-cs-rpl3", bpu_cs & 0xffff, FLAT_RING3_CS64);
    ucheck("user-int3-kernel-l4", bpu_slot6, KMAGIC);

    /* #PF in user mode: on the stack_switch stack, U in the error code. */
    uint64_t x = 0;
    __asm__ __volatile__("lea 1f(%%rip), %%rax\n mov %%rax, resume_at(%%rip)\n mov (%1), %0\n 1:"
                         : "+r"(x) : "r"(SLOT8 + 0x10) : "rax", "memory");
    ucheck("user-pf-delivered", pfu_count, 1);
    ucheck("user-pf-error-user", pfu_err & 4, 4);
    ucheck("user-pf-frame-cs-rpl3", pfu_cs & 0xffff, FLAT_RING3_CS64);
    ucheck("user-pf-on-kernel-stack", pfu_frame_at, KSTACK_TOP - 8 * 8);
    ucheck("user-pf-kernel-l4", pfu_slot6, KMAGIC);
    ucheck("user-pf-back-user-l4", slot6(), UMAGIC);
    ucheck("user-rsp-kept", get_rsp() == rsp0, 1);

    /* An event while user space runs: VIRQ_TIMER at once, events enabled
     * when the callback returns; the upcall interrupts this spin (no
     * timing: it waits as long as it takes). */
    long armed = usys(SYS_ARM, 0);
    ucheck("user-event-armed", (uint64_t)armed, 0);
    while (ev_n == 0)
        __asm__ __volatile__("pause");
    ucheck("user-event-upcall", ev_n, 1);
    ucheck("user-event-frame-cs-rpl3", ev_cs_u & 0xffff, FLAT_RING3_CS64);
    ucheck("user-event-frame-saved-mask", ev_cs_u >> 32 & 0xff, 0);
    ucheck("user-event-frame-if", ev_rflags_u & 0x200, 0x200);
    ucheck("user-event-on-kernel-stack", ev_frame_at, KSTACK_TOP - 7 * 8);
    ucheck("user-event-kernel-l4", ev_slot6, KMAGIC);
    ucheck("user-event-kernel-gs", ev_gs0, KGS_MAGIC);
    ucheck("user-event-back-user-l4", slot6(), UMAGIC);

    usys(SYS_EXIT, 0);
    for (;;)
        ;
}

/* iret into user space at rip with rsp (CS RPL 3: user mode). */
void enter_user(uint64_t rip, uint64_t rsp) __attribute__((noreturn));
__asm__(
    "   .text\n"
    "   .globl enter_user\n"
    "enter_user:\n"
    "   pushq   $0xe02b\n"              /* ss */
    "   push    %rsi\n"                 /* rsp */
    "   pushq   $0x202\n"               /* rflags: events enabled */
    "   pushq   $0xe033\n"              /* cs, RPL 3: user mode */
    "   push    %rdi\n"                 /* rip */
    "   pushq   $0\n"
    "   push    %rcx\n"
    "   push    %r11\n"
    "   push    %rax\n"
    "   mov     $23, %eax\n"
    "   syscall\n"
    "   ud2\n");

/* iret to the next instruction with the hypervisor's code selector 0xe008
 * (RPL 0: kernel mode): refused, a #GP for the kernel with that frame;
 * the handler puts the kernel's CS in it and the `iret` from there goes
 * on.  Returns 1 there. */
uint64_t iret_bad_cs(void);
uint64_t iret_bad_cs_rip;
__asm__(
    "   .text\n"
    "   .globl iret_bad_cs\n"
    "iret_bad_cs:\n"
    "   mov     %rsp, %rax\n"
    "   pushq   $0xe02b\n"             /* ss */
    "   push    %rax\n"                /* rsp: as at the call */
    "   pushq   $0x202\n"              /* rflags */
    "   pushq   $0xe008\n"             /* cs: refused */
    "   lea     1f(%rip), %rax\n"
    "   mov     %rax, iret_bad_cs_rip(%rip)\n"
    "   push    %rax\n"                /* rip */
    "   pushq   $0\n"
    "   push    %rcx\n"
    "   push    %r11\n"
    "   push    %rax\n"
    "   mov     $23, %eax\n"
    "   syscall\n"
    "1: mov     $1, %eax\n"
    "   ret\n");

/* ---- Kernel: setup and the end ----------------------------------------- */

static long segbase(unsigned which, uint64_t base)
{
    return hc(__HYPERVISOR_set_segment_base, which, base, 0, 0);
}

static void finish(void)
{
    /* On the stack_switch stack, in kernel mode. */
    for (unsigned i = 0; i < nr_ures; i++)
        check(ures[i].got == ures[i].want, ures[i].name, "value", ures[i].got, ures[i].want);
    check(nr_ures > 40 && !nr_ures_lost, "user-results", "count", nr_ures, 41);
    check(slot6() == KMAGIC && gs0() == KGS_MAGIC, "exit-in-kernel-mode", "slot6", slot6(), KMAGIC);
    check(get_rsp() - (uint64_t)kstack < sizeof(kstack), "exit-on-kernel-stack", "rsp", get_rsp(),
          KSTACK_TOP);

    /* A kernel-mode #NM: the frame's CS has RPL 0, the kernel's stack. */
    long rc = hc(__HYPERVISOR_fpu_taskswitch, 1, 0, 0, 0);
    __asm__ __volatile__("pxor %xmm2, %xmm2");
    check(rc == 0 && nm_count == 2, "kernel-nm", "count", nm_count, 2);
    check((nm_cs & 0xffff) == (FLAT_KERNEL_CS & ~3), "kernel-nm-frame-cs-rpl0", "cs", nm_cs, FLAT_KERNEL_CS & ~3);
    __asm__ __volatile__("pxor %xmm2, %xmm2");
    check(nm_count == 2, "kernel-nm-once", "count", nm_count, 2);
    hc(__HYPERVISOR_fpu_taskswitch, 0, 0, 0, 0);

    /* An iret frame IRETQ could not load: the kernel's #GP handler gets
     * it (Xen: its IRETQ faults and the guest takes the fault). */
    uint64_t before = gpu_count;
    gp_fix_cs = 1;
    uint64_t r1 = iret_bad_cs();
    gp_fix_cs = 0;
    check(r1 == 1 && gpu_count == before + 1, "iret-bad-cs-gp", "count", gpu_count, before + 1);
    check(gpu_err == 0xe008, "iret-bad-cs-gp-error", "error", gpu_err, 0xe008);
    check(gpu_cs == 0xe008 && gpu_rip == iret_bad_cs_rip, "iret-bad-cs-gp-frame", "cs", gpu_cs, 0xe008);

    /* GS_USER_SEL: a selector that cannot be loaded gives the null one,
     * no error (Xen); the user base follows the selector (0). */
    rc = segbase(SEGBASE_GS_USER_SEL, 0xe008);
    check(rc == 0, "gs-user-sel-bad-is-null", "rc", (uint64_t)rc, 0);
    rc = segbase(SEGBASE_GS_USER_SEL, FLAT_RING3_DS32);
    check(rc == 0 && gs0() == KGS_MAGIC, "gs-user-sel-flat", "rc", (uint64_t)rc, 0);

    pv_finish();
}

static int badkstack(const struct start_info *si)
{
    static const char m[] = "mode=badkstack";
    for (const char *c = (const char *)si->cmd_line; *c; c++) {
        unsigned i = 0;
        while (m[i] && c[i] == m[i])
            i++;
        if (!m[i])
            return 1;
    }
    return 0;
}

void pv_main(const struct start_info *si)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 3, 3, FLAT_KERNEL_CS, (uint64_t)bp_entry },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 7, 0, FLAT_KERNEL_CS, (uint64_t)nm_entry },
        { 13, 0, FLAT_KERNEL_CS, (uint64_t)gp_entry },
        { 14, 0, FLAT_KERNEL_CS, (uint64_t)pf_entry },
        { 0x80, 3, FLAT_KERNEL_CS, (uint64_t)int80_entry },     /* user space may INT 0x80 */
        { 0x81, 1, FLAT_KERNEL_CS, (uint64_t)int80_entry },     /* only the kernel may INT 0x81 */
        { 0, 0, 0, 0 },
    };
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    const uint64_t *l4 = (const uint64_t *)si->pt_base;
    uint64_t n = si->nr_pages, L4 = p2m[(si->pt_base - VIRT_BASE) >> 12];
    long rc;

    put("hello");
    flush();
    check(hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0) == 0, "set-trap-table", "rc", 0, 0);

    /* Frames from the top of RAM: the user L4, two slot-6 trees. */
    enum { U4, KL3, KL2, KL1, KD, UL3, UL2, UL1, UD, NFR };
    uint64_t f[NFR];
    struct mmuext_op clr[NFR];
    for (int i = 0; i < NFR; i++) {
        f[i] = p2m[n - 1 - i];
        clr[i] = (struct mmuext_op){ MMUEXT_CLEAR_PAGE, 0, f[i], 0 };
    }
    rc = hc(__HYPERVISOR_mmuext_op, (uint64_t)clr, NFR, 0, DOMID_SELF);
    check(rc == 0, "clear-frames", "rc", (uint64_t)rc, 0);
    rc = mmu1(f[KL3] << 12, f[KL2] << 12 | PTE_TABLE);
    rc |= mmu1(f[KL2] << 12, f[KL1] << 12 | PTE_TABLE);
    rc |= mmu1(f[KL1] << 12, f[KD] << 12 | PTE_TABLE);
    rc |= mmu1(f[KD] << 12, KMAGIC);
    rc |= mmu1(f[UL3] << 12, f[UL2] << 12 | PTE_TABLE);
    rc |= mmu1(f[UL2] << 12, f[UL1] << 12 | PTE_TABLE);
    rc |= mmu1(f[UL1] << 12, f[UD] << 12 | PTE_TABLE);
    rc |= mmu1(f[UD] << 12, UMAGIC);
    /* The user L4: the boot L4's guest slots (the kernel image is mapped
     * for user space too: one address space, two views), its own slot 6. */
    for (unsigned i = 0; i < 512; i++)
        if (l4[i] && i != 6 && (i < 256 || i > 271))
            rc |= mmu1(f[U4] << 12 | i * 8, l4[i]);
    rc |= mmu1(f[U4] << 12 | 6 * 8, f[UL3] << 12 | PTE_TABLE);
    check(rc == 0, "write-tables", "rc", (uint64_t)rc, 0);
    rc = ext1(MMUEXT_PIN_L4_TABLE, f[U4], 0);
    check(rc == 0, "pin-user-l4", "rc", (uint64_t)rc, 0);
    rc = ext1(MMUEXT_NEW_USER_BASEPTR, f[U4], 0);
    check(rc == 0, "new-user-baseptr", "rc", (uint64_t)rc, 0);
    rc = mmu1(L4 << 12 | 6 * 8, f[KL3] << 12 | PTE_TABLE);
    check(rc == 0 && slot6() == KMAGIC, "kernel-slot6", "rc", (uint64_t)rc, 0);

    /* Segment bases, with the refusals first (nothing changes). */
    check(segbase(SEGBASE_GS_KERNEL, (uint64_t)kgs) == 0, "gs-kernel", "rc", 1, 0);
    check(segbase(SEGBASE_GS_USER, (uint64_t)ugs) == 0, "gs-user", "rc", 1, 0);
    check(segbase(SEGBASE_FS, (uint64_t)fsarea) == 0, "fs", "rc", 1, 0);
    rc = segbase(SEGBASE_FS, 0x0000800000000000ull);
    check(rc == -EINVAL, "fs-noncanonical", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = segbase(SEGBASE_GS_USER, 0x8000000000000000ull);
    check(rc == -EINVAL, "gs-user-noncanonical", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = segbase(SEGBASE_GS_KERNEL, 0x00f0000000000000ull);
    check(rc == -EINVAL, "gs-kernel-noncanonical", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = segbase(4, 0);
    check(rc == -EINVAL, "segbase-bad-which", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    check(gs0() == KGS_MAGIC, "kernel-gs-base", "gs:0", gs0(), KGS_MAGIC);
    check(fs0() == FS_MAGIC, "kernel-fs-base", "fs:0", fs0(), FS_MAGIC);

    /* The kernel stack for entries from user space, the syscall callback
     * (events masked while it runs). */
    rc = hc(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, KSTACK_TOP, 0, 0);
    check(rc == 0, "stack-switch", "rc", (uint64_t)rc, 0);
    struct callback_register cb = { CALLBACKTYPE_syscall, CALLBACKF_mask_events, (uint64_t)sc_entry };
    rc = hc(__HYPERVISOR_callback_op, CALLBACKOP_register, (uint64_t)&cb, 0, 0);
    check(rc == 0, "syscall-callback", "rc", (uint64_t)rc, 0);
    cb = (struct callback_register){ CALLBACKTYPE_event, 0, (uint64_t)event_entry };
    rc = hc(__HYPERVISOR_callback_op, CALLBACKOP_register, (uint64_t)&cb, 0, 0);
    check(rc == 0, "event-callback", "rc", (uint64_t)rc, 0);
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    rc = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (uint64_t)&bv, 0, 0);
    check(rc == 0 && bv.port > 0, "bind-virq-timer", "rc", (uint64_t)rc, 0);

    /* Lazy FPU for user space, then into user mode. */
    rc = hc(__HYPERVISOR_fpu_taskswitch, 1, 0, 0, 0);
    check(rc == 0, "fpu-taskswitch-set", "rc", (uint64_t)rc, 0);
    if (badkstack(si)) {
        /* Hostile: the kernel stack in the hypervisor's range.  The first
         * bounce from user space (the #NM) cannot write its frame: the
         * domain must crash (list-pv.cmake checks the line). */
        hc(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, 0xffff840000100000ull, 0, 0);
        put("user mode with the kernel stack in the hypervisor's range");
        flush();
    }
    enter_user((uint64_t)user_main, (uint64_t)ustack + sizeof(ustack) - 8);
}
