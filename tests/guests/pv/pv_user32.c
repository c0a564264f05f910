/*
 * pv_user32: 32-bit user processes under a 64-bit PV kernel, and VMASST
 * m2p_strict (docs/pv.md "32-bit user space", "VMASST m2p_strict"; entry
 * and shared handlers: pv_entry.S).  The kernel:
 *  - maps a code page (VA 0x1000) and a data/stack page (0x2000) below
 *    4 GiB in L4 slot 0, builds a user L4 (the boot L4's guest slots), pins
 *    it and makes it the user base pointer, stack_switch to its own stack;
 *  - runs user code with user_run (iret to user mode) and gets back there
 *    from a handler with user_back (the kernel's stack as it left it);
 *  - m2p_strict: the M2P (L4 slot 256) read from kernel mode and from
 *    64-bit user mode without the assist; with it, a user-mode read is a
 *    not-present #PF (U set) while the kernel still reads it; a second
 *    user L4 given by NEW_USER_BASEPTR with the assist on lacks it too;
 *    disabled again, user mode reads it;
 *  - 32-bit user code on FLAT_USER_CS32 (0xe023): INT $0x80 (trap table
 *    privilege 3), SYSCALL (the syscall32 callback; on Intel CPUs, which
 *    have no SYSCALL in compatibility mode, the #UD), SYSENTER (the
 *    sysenter callback, Xen's frame: RIP 0, CS 3, RSP 0, SS 0xe02b); each
 *    handler checks the frame, sets EAX and returns to user mode, which
 *    stores the results and its CS and ends with INT3;
 *  - the same code with the syscall32 callback unregistered: its SYSCALL
 *    reaches the 64-bit syscall callback (frame CS 0xe023), as on Xen;
 *  - SYSENTER with no sysenter callback: the CPU's fault, a #UD at the
 *    instruction (AMD hardware) or a #GP(0) with Xen's null frame (Intel,
 *    QEMU's TCG);
 *  - SYSCALL with neither callback: a #UD at the instruction.
 * Powers off when every check passed, crashes otherwise.
 */
#include "pv_lib.h"
#include "public/callback.h"

void unexpected_0(void);

#define MMUEXT_PIN_L4_TABLE     3
#define MMUEXT_UNPIN_TABLE      4
#define MMUEXT_NEW_USER_BASEPTR 15
#define MMUEXT_CLEAR_PAGE       16
#define VMASST_CMD_enable       0
#define VMASST_CMD_disable      1
#define VMASST_TYPE_m2p_strict  32
#define PTE_TABLE   0x67ull

#define CODE_VA     0x1000ull
#define DATA_VA     0x2000ull
#define STACK32     (DATA_VA + 0xff0)
#define M2P_VA      0xffff800000000000ull

#define EQ(name, got, want) do { uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want); \
                                 check(g_ == w_, name, "value", g_, w_); } while (0)

/* ---- Into user mode and back ------------------------------------------- */

/* user_run(rip, rsp, cs, arg): iret to user mode (RDI = arg there); returns
 * what a handler passes to user_back, on this stack. */
uint64_t user_run(uint64_t rip, uint64_t rsp, uint64_t cs, uint64_t arg);
void user_back(uint64_t val) __attribute__((noreturn));
uint64_t user_run_ksp;
__asm__(
    "   .text\n"
    "   .globl user_run, user_back\n"
    "user_run:\n"
    "   push    %rbx\n   push %rbp\n   push %r12\n   push %r13\n   push %r14\n   push %r15\n"
    "   mov     %rsp, user_run_ksp(%rip)\n"
    "   mov     %rcx, %r12\n"
    "   pushq   $0xe02b\n"              /* ss */
    "   push    %rsi\n"                 /* rsp */
    "   pushq   $0x202\n"               /* rflags */
    "   push    %rdx\n"                 /* cs, RPL 3: user mode */
    "   push    %rdi\n"                 /* rip */
    "   pushq   $0\n   push %rcx\n   push %r11\n   push %rax\n"
    "   mov     %r12, %rdi\n"
    "   mov     $23, %eax\n"
    "   syscall\n"
    "   ud2\n"
    "user_back:\n"
    "   mov     user_run_ksp(%rip), %rsp\n"
    "   mov     %rdi, %rax\n"
    "   pop %r15\n   pop %r14\n   pop %r13\n   pop %r12\n   pop %rbp\n   pop %rbx\n"
    "   ret\n");

/* 64-bit user code: read *RDI, SYSCALL 1 with the value in RSI; after a
 * #PF the handler resumes at user_probe_fault: SYSCALL 2. */
void user_probe(void), user_probe_fault(void);
__asm__(
    "   .text\n"
    "   .globl user_probe, user_probe_fault\n"
    "user_probe:\n"
    "   mov     (%rdi), %rsi\n"
    "   mov     $1, %eax\n"
    "   syscall\n"
    "user_probe_fault:\n"
    "   mov     $2, %eax\n"
    "   syscall\n");

/* A kernel read that may fault: -1 then. */
uint64_t kread(uint64_t va);
uint64_t kread_resume;
__asm__(
    "   .text\n"
    "   .globl kread\n"
    "kread:\n"
    "   lea     1f(%rip), %rax\n"
    "   mov     %rax, kread_resume(%rip)\n"
    "   mov     (%rdi), %rax\n"
    "   ret\n"
    "1: mov     $-1, %rax\n"
    "   ret\n");

/* The 32-bit user program, copied to CODE_VA: results at DATA_VA. */
extern const uint8_t c32_start[], c32_end[], c32_after_int80[], c32_after_syscall[], c32_sysenter[];
__asm__(
    "   .section .rodata\n"
    "   .globl c32_start, c32_end, c32_after_int80, c32_after_syscall, c32_sysenter\n"
    "   .code32\n"
    "c32_start:\n"
    "   mov     $0xe02b, %eax\n"        /* FLAT_USER_DS32: a null DS/ES is a #GP in compatibility mode */
    "   mov     %eax, %ds\n"
    "   mov     %eax, %es\n"
    "   mov     $0x11, %eax\n"
    "   int     $0x80\n"
    "c32_after_int80:\n"
    "   mov     %eax, 0x2000\n"
    "   mov     $0x22, %eax\n"
    "   syscall\n"
    "c32_after_syscall:\n"
    "   mov     %eax, 0x2004\n"
    "   mov     $0x33, %eax\n"
    "   mov     %esp, %ecx\n"           /* Linux's convention: ECX the stack, EDX the return */
    "   mov     $(0x1000 + (2f - c32_start)), %edx\n"
    "c32_sysenter:\n"
    "   sysenter\n"
    "2: mov     %eax, 0x2008\n"
    "   mov     %cs, %eax\n"
    "   mov     %eax, 0x200c\n"
    "   int3\n"
    "c32_end:\n"
    "   .code64\n"
    "   .text\n");
#define C32(sym) (CODE_VA + (uint64_t)((sym) - c32_start))

/* ---- Handlers ------------------------------------------------------------ */

static uint8_t kstack[16384] __attribute__((aligned(16)));
static uint8_t ustack[16384] __attribute__((aligned(16)));
#define KSTACK_TOP ((uint64_t)kstack + sizeof(kstack))

KTRAP(bp_entry, 3, 0);
KTRAP(ud_entry, 6, 0);
KTRAP(gp_entry, 13, 1);
KTRAP(pf_entry, 14, 1);
KTRAP(int80_entry, 128, 0);
KTRAP(sc64_entry, 1001, 0);     /* frame: RCX, R11, RIP, CS, RFLAGS, RSP, SS */
KTRAP(sc32_entry, 1002, 0);
KTRAP(se_entry, 1003, 0);

/* What the handlers saw. */
static uint64_t probe_val, pfu_err, pfk_count;
static uint64_t i80_n, i80_rip, i80_cs, i80_rsp, i80_on_kstack;
static uint64_t s32_n, s32_rip, s32_cs, s32_rcx, s32_rsp, s32_ss, s32_via64;
static uint64_t se_n, se_rip, se_cs, se_rsp, se_ss, se_on_kstack;
static uint64_t bp_cs32, ud_n, ud_rip, gpx_n, gpx_err, gpx_rip, gpx_cs;
static uint64_t syscall_ud_n;           /* Intel: SYSCALL is a #UD in compatibility mode */
static volatile int sysenter_nocb;      /* the #UD / #GP of a SYSENTER without callback ends the run */
static volatile int syscall_nocb;       /* the #UD of a SYSCALL without any callback ends the run */

static int on_kstack(const uint64_t *f)
{
    return (uint64_t)f - (uint64_t)kstack < sizeof(kstack);
}

/* f: the frame from its RCX slot; f[-1] the saved RAX, f[-4] RDX (KTRAP's
 * pushes, restored on the way out). */
void trap_c(uint64_t vec, uint64_t *f)
{
    switch (vec) {
    case 14:
        if ((f[4] & 3) == 3) {          /* user mode: the probe's read */
            pfu_err = f[2];
            f[3] = (uint64_t)user_probe_fault;
        } else {
            pfk_count++;
            f[3] = kread_resume;
        }
        break;
    case 1001:
        if ((f[3] & 0xffff) == 0xe023) {
            /* A 32-bit SYSCALL without syscall32 callback: here (Xen's fallback). */
            s32_via64++;
            s32_rip = f[2];
            s32_cs = f[3];
            f[-1] = 0x222;
            break;
        }
        if (f[-1] == 1) {
            probe_val = f[-3];
            user_back(1);
        }
        user_back(2);
    case 128:
        i80_n++;
        i80_rip = f[2];
        i80_cs = f[3];
        i80_rsp = f[5];
        i80_on_kstack = on_kstack(f);
        f[-1] = 0x111;
        break;
    case 1002:
        s32_n++;
        s32_rcx = f[0];
        s32_rip = f[2];
        s32_cs = f[3];
        s32_rsp = f[5];
        s32_ss = f[6];
        f[-1] = 0x222;
        break;
    case 1003:
        se_n++;
        se_rip = f[2];
        se_cs = f[3];
        se_rsp = f[5];
        se_ss = f[6];
        se_on_kstack = on_kstack(f);
        /* Back as SYSEXIT would: EDX the return, ECX the stack. */
        f[2] = f[-4] & 0xffffffffu;
        f[3] = 0xe023;
        f[5] = f[0] & 0xffffffffu;
        f[6] = 0xe02b;
        f[-1] = 0x333;
        break;
    case 3:
        bp_cs32 = f[3];
        user_back(3);
    case 6:
        if (!syscall_nocb && f[2] == C32(c32_after_syscall) - 2) {
            /* Intel CPUs have no SYSCALL in compatibility mode: the #UD
             * is the kernel's (Xen passes it on); answer as the callback
             * would and go on after it. */
            syscall_ud_n++;
            f[2] += 2;
            f[-1] = 0x222;
            break;
        }
        ud_n++;
        ud_rip = f[2];
        if (sysenter_nocb || syscall_nocb)
            user_back(6);
        break;
    case 13:
        gpx_n++;
        gpx_err = f[2];
        gpx_rip = f[3];
        gpx_cs = f[4];
        if (sysenter_nocb)
            user_back(13);
        break;
    }
}

static uint64_t probe(uint64_t va)
{
    return user_run((uint64_t)user_probe, (uint64_t)ustack + sizeof(ustack) - 8, 0xe033, va);
}

static long vmassist(unsigned cmd, unsigned type)
{
    return hc(__HYPERVISOR_vm_assist, cmd, type, 0, 0);
}

static long cbreg(unsigned type, uint64_t addr)
{
    struct callback_register cb = { (uint16_t)type, 0, addr };
    return hc(__HYPERVISOR_callback_op, CALLBACKOP_register, (uint64_t)&cb, 0, 0);
}

static long cbunreg(unsigned type)
{
    struct callback_unregister cb = { (uint16_t)type, 0 };
    return hc(__HYPERVISOR_callback_op, CALLBACKOP_unregister, (uint64_t)&cb, 0, 0);
}

/* ---- Kernel ---------------------------------------------------------------- */

static void m2p_checks(uint64_t l4_mfn, uint64_t l4_pfn, uint64_t u4b)
{
    const uint64_t va = M2P_VA + l4_mfn * 8;
    long rc;

    uint64_t r;

    EQ("m2p-kernel-read", kread(va), l4_pfn);
    r = probe(va);
    EQ("m2p-user-read-without-strict", r | probe_val << 8, 1 | l4_pfn << 8);
    EQ("m2p-strict-enable", vmassist(VMASST_CMD_enable, VMASST_TYPE_m2p_strict), 0);
    pfu_err = 0;
    EQ("m2p-strict-user-faults", probe(va), 2);
    EQ("m2p-strict-user-fault-not-present-user", pfu_err & 5, 4);
    EQ("m2p-strict-kernel-reads", kread(va), l4_pfn);
    /* A user L4 given with the assist on: no M2P in it either. */
    EQ("m2p-strict-second-user-l4", ext1(MMUEXT_NEW_USER_BASEPTR, u4b, 0), 0);
    EQ("m2p-strict-second-user-l4-faults", probe(va), 2);
    EQ("m2p-strict-kernel-reads-after", kread(va), l4_pfn);
    EQ("m2p-strict-disable", vmassist(VMASST_CMD_disable, VMASST_TYPE_m2p_strict), 0);
    probe_val = 0;
    r = probe(va);
    EQ("m2p-unstrict-user-reads", r | probe_val << 8, 1 | l4_pfn << 8);
    rc = vmassist(VMASST_CMD_enable, VMASST_TYPE_m2p_strict);
    r = probe(va);
    EQ("m2p-strict-again", rc | r << 8, 2 << 8);
    EQ("m2p-no-kernel-faults", pfk_count, 0);
}

/* SYSCALL from compatibility mode exists on AMD CPUs only (Intel: #UD,
 * which QEMU's TCG follows by vendor or not: its AMD models run it). */
static int cpu_is_intel(void)
{
    uint32_t a = 0, b, c, d;
    __asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    return b == 0x756e6547;     /* "Genu" of GenuineIntel */
}

static void compat_checks(void)
{
    volatile uint32_t *out = (volatile uint32_t *)DATA_VA;
    const int intel = cpu_is_intel();

    EQ("syscall32-callback", cbreg(CALLBACKTYPE_syscall32, (uint64_t)sc32_entry), 0);
    EQ("sysenter-callback", cbreg(CALLBACKTYPE_sysenter, (uint64_t)se_entry), 0);
    EQ("syscall32-callback-noncanonical", cbreg(CALLBACKTYPE_syscall32, 0x0000800000000000ull), (uint64_t)-22);

    EQ("compat-run", user_run(CODE_VA, STACK32, 0xe023, 0), 3);
    EQ("compat-int80", i80_n, 1);
    EQ("compat-int80-frame-cs", i80_cs & 0xffff, 0xe023);
    EQ("compat-int80-frame-rip", i80_rip, C32(c32_after_int80));
    EQ("compat-int80-frame-rsp", i80_rsp, STACK32);
    EQ("compat-int80-on-kernel-stack", i80_on_kstack, 1);
    EQ("compat-int80-result-in-user", out[0], 0x111);
    if (intel) {
        EQ("compat-syscall-intel-ud", syscall_ud_n | s32_n << 8, 1);
    } else {
        EQ("compat-syscall32", s32_n | syscall_ud_n << 8, 1);
        EQ("compat-syscall32-frame-cs", s32_cs & 0xffff, 0xe023);
        EQ("compat-syscall32-frame-rip", s32_rip, C32(c32_after_syscall));
        EQ("compat-syscall32-rcx-is-rip", s32_rcx, C32(c32_after_syscall));
        EQ("compat-syscall32-frame-rsp-ss", s32_rsp | s32_ss << 32, STACK32 | 0xe02bull << 32);
    }
    EQ("compat-syscall32-result-in-user", out[1], 0x222);
    EQ("compat-sysenter", se_n, 1);
    EQ("compat-sysenter-xen-frame", se_rip | (se_cs & 0xffff) << 32 | se_rsp << 48, 3ull << 32);
    EQ("compat-sysenter-frame-ss", se_ss, 0xe02b);
    EQ("compat-sysenter-on-kernel-stack", se_on_kstack, 1);
    EQ("compat-sysenter-result-in-user", out[2], 0x333);
    EQ("compat-user-cs", out[3] & 0xffff, 0xe023);
    EQ("compat-bp-frame-cs", bp_cs32 & 0xffff, 0xe023);
    EQ("compat-no-stray-faults", ud_n | gpx_n << 16, 0);

    /* Without a syscall32 callback the 64-bit one gets it (frame CS 0xe023). */
    for (unsigned i = 0; i < 4; i++)
        out[i] = 0;
    EQ("syscall32-unregister", cbunreg(CALLBACKTYPE_syscall32), 0);
    EQ("compat-run-2", user_run(CODE_VA, STACK32, 0xe023, 0), 3);
    if (intel) {
        EQ("compat-syscall-intel-ud-2", syscall_ud_n | s32_via64 << 8, 2);
    } else {
        EQ("compat-syscall32-via-syscall-callback", s32_via64 | s32_n << 8, 1 | 1 << 8);
        EQ("compat-syscall32-via-syscall-frame", s32_rip | (s32_cs & 0xffff) << 32,
           C32(c32_after_syscall) | 0xe023ull << 32);
    }
    EQ("compat-run-2-results", out[0] | (uint64_t)out[1] << 16 | (uint64_t)out[2] << 32,
       0x111 | 0x222 << 16 | 0x333ull << 32);

    /* No sysenter callback: the CPU's fault, as Xen's guests see it. */
    EQ("sysenter-unregister", cbunreg(CALLBACKTYPE_sysenter), 0);
    sysenter_nocb = 1;
    const uint64_t r = user_run(CODE_VA, STACK32, 0xe023, 0);
    sysenter_nocb = 0;
    /* Whichever the CPU raised: #UD (AMD hardware, SYSENTER invalid in
     * long mode) stays at the instruction; #GP(0) (Intel, and QEMU's TCG
     * whatever the vendor) reaches the #GP handler with Xen's null frame. */
    if (r == 6) {
        EQ("sysenter-nocb-ud", ud_n, 1);
        EQ("sysenter-nocb-ud-rip", ud_rip, C32(c32_sysenter));
    } else {
        EQ("sysenter-nocb-gp", r | gpx_n << 8, 13 | 1 << 8);
        EQ("sysenter-nocb-gp-xen-frame", gpx_err | gpx_rip << 8 | (gpx_cs & 0xffff) << 40, 3ull << 40);
    }
    EQ("compat-sysenter-count", se_n, 2);

    /* No syscall32 nor syscall callback: a #UD at the SYSCALL. */
    EQ("syscall-unregister", cbunreg(CALLBACKTYPE_syscall), 0);
    syscall_nocb = 1;
    ud_n = 0;
    const uint64_t r2 = user_run(CODE_VA, STACK32, 0xe023, 0);
    syscall_nocb = 0;
    EQ("syscall32-nocb-ud", r2 | ud_n << 8, 6 | 1 << 8);
    EQ("syscall32-nocb-ud-rip", ud_rip, C32(c32_after_syscall) - 2);
}

void pv_main(const struct start_info *si)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 3, 3, FLAT_KERNEL_CS, (uint64_t)bp_entry },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)ud_entry },
        { 13, 0, FLAT_KERNEL_CS, (uint64_t)gp_entry },
        { 14, 0, FLAT_KERNEL_CS, (uint64_t)pf_entry },
        { 0x80, 3, FLAT_KERNEL_CS, (uint64_t)int80_entry },
        { 0, 0, 0, 0 },
    };
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    const uint64_t *l4 = (const uint64_t *)si->pt_base;
    uint64_t n = si->nr_pages, l4_pfn = (si->pt_base - VIRT_BASE) >> 12, L4 = p2m[l4_pfn];
    long rc;

    put("hello");
    flush();
    EQ("set-trap-table", hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0), 0);

    /* Free frames from the top of RAM: the low tables, the code and data
     * pages, two user L4s. */
    enum { L3, L2, L1, CODE, DATA, U4, U4B, NFR };
    uint64_t f[NFR];
    struct mmuext_op clr[NFR];
    for (int i = 0; i < NFR; i++) {
        f[i] = p2m[n - 1 - i];
        clr[i] = (struct mmuext_op){ MMUEXT_CLEAR_PAGE, 0, f[i], 0 };
    }
    EQ("clear-frames", hc(__HYPERVISOR_mmuext_op, (uint64_t)clr, NFR, 0, DOMID_SELF), 0);
    rc = mmu1(f[L3] << 12, f[L2] << 12 | PTE_TABLE);
    rc |= mmu1(f[L2] << 12, f[L1] << 12 | PTE_TABLE);
    rc |= mmu1(f[L1] << 12 | 8, f[CODE] << 12 | PTE_TABLE);
    rc |= mmu1(f[L1] << 12 | 16, f[DATA] << 12 | PTE_TABLE);
    rc |= mmu1(L4 << 12, f[L3] << 12 | PTE_TABLE);
    EQ("map-low-pages", rc, 0);
    for (const uint8_t *p = c32_start; p < c32_end; p++)
        ((volatile uint8_t *)CODE_VA)[p - c32_start] = *p;

    /* The user L4s: the boot L4's guest slots (slot 0 with the low pages). */
    for (unsigned i = 0; i < 512; i++)
        if (l4[i] && (i < 256 || i > 271)) {
            rc |= mmu1(f[U4] << 12 | i * 8, l4[i]);
            rc |= mmu1(f[U4B] << 12 | i * 8, l4[i]);
        }
    EQ("user-l4s", rc, 0);
    EQ("pin-user-l4", ext1(MMUEXT_PIN_L4_TABLE, f[U4], 0), 0);
    EQ("pin-user-l4b", ext1(MMUEXT_PIN_L4_TABLE, f[U4B], 0), 0);
    EQ("new-user-baseptr", ext1(MMUEXT_NEW_USER_BASEPTR, f[U4], 0), 0);
    EQ("stack-switch", hc(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, KSTACK_TOP, 0, 0), 0);
    EQ("syscall-callback-64", cbreg(CALLBACKTYPE_syscall, (uint64_t)sc64_entry), 0);

    m2p_checks(L4, l4_pfn, f[U4B]);
    compat_checks();
    pv_finish();
}
