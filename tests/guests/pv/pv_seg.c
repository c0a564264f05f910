/*
 * pv_seg: the guest's own GDT, LDT and segment selectors (docs/pv.md
 * "Guest GDT, LDT and selectors"; entry and shared handlers: pv_entry.S).
 * The kernel:
 *  - maps a low page (VA 0x1000, a TLS area a 32-bit descriptor base can
 *    reach) and an LDT page (VA 0x2000) in L4 slot 0 of its own frames;
 *  - fills a free frame with a Linux-like GDT through update_descriptor
 *    (KERNEL32_CS 0x08, KERNEL_CS 0x10, KERNEL_DS 0x18, USER32_CS 0x23,
 *    USER_DS 0x2b, USER_CS 0x33, a not-present 0x3b, TLS 0x63 with base
 *    0x1100) and loads it with set_gdt; an LDT (data base 0x1200 at 0x07,
 *    64-bit code at 0x0f) with MMUEXT_SET_LDT;
 *  - loads DS/ES 0x2b, FS 0x63 (reads the TLS magic through %fs) and GS
 *    from the LDT (reads its magic through %gs), and checks they are kept
 *    across a hypercall, host interrupts (a spin) and SCHEDOP_yield (next
 *    to another domain); set_segment_base(FS) then overrides the base
 *    with the selector kept;
 *  - iret to CS 0x10/SS 0x18 (kernel mode on its GDT's selectors), to the
 *    LDT's code selector; iret with CS naming a data descriptor and with
 *    SS naming a code descriptor: a #GP for the kernel, error code the
 *    selector; iret with CS naming a not-present code descriptor: #NP,
 *    with SS naming a not-present data descriptor: #SS (both with the
 *    selector as error code, CS checked first, as IRETQ does);
 *  - a loaded DS whose descriptor becomes not present: the failsafe
 *    callback gets Xen's frame (RCX, R11, DS, ES, FS, GS, RIP, CS, ...)
 *    and DS is null after it;
 *  - a user L4 (a copy of the boot one) and `iret` to user mode with CS
 *    0x33, SS 0x2b: user space reads its CS/SS, loads DS/FS, reads the
 *    TLS through %fs, makes a SYSCALL (the callback sees the selectors),
 *    and finds them kept after the kernel's iret back;
 *  - then `iret` to 32-bit user code (USER32_CS 0x23, RIP below 4 GiB):
 *    it loads FS 0x63 (base from the descriptor), reads the TLS, stores
 *    it and its CS, and ends with INT3 (a #BP for the kernel, frame CS
 *    0x23);
 *  - vCPU 1 by VCPUOP_initialise with gdt_frames and CS 0x10/SS 0x18;
 *    then vCPU 0 changes the TLS descriptor of their shared GDT frame and
 *    the LDT's data descriptor through update_descriptor, and vCPU 1
 *    (which makes no MMU hypercall itself) sees both new bases after its
 *    next entry (the copies are refreshed for every vCPU of the domain).
 * mode=nofailsafe (pv_segnofs.cfg): the same DS case without a failsafe
 * callback: the domain must crash with its line.  mode=descchange
 * (pv_segdesc.cfg): vCPU 1 makes KERNEL_CS a data descriptor while vCPU 0
 * spins on it: the domain must crash at vCPU 0's next entry.
 */
#include "pv_lib.h"
#include "public/callback.h"

void unexpected_0(void), unexpected_6(void);

#define MMUEXT_PIN_L4_TABLE     3
#define MMUEXT_SET_LDT          13
#define MMUEXT_NEW_USER_BASEPTR 15
#define MMUEXT_CLEAR_PAGE       16
#define EINVAL  22
#define PV_BAD_GDT_ENTS (14 * 512 + 1)     /* more than the 14 frames below 0xe000 */
#define PTE_TABLE   0x67ull

#define TLS_VA      0x1000ull
#define LDT_VA      0x2000ull
#define TLS_MAGIC   0x544c53544c53544cull
#define LDT_MAGIC   0x4c44544c44544c44ull
#define FS_MAGIC    0x6673667366736673ull
#define TLS2_MAGIC  0x3273544c3273544cull    /* at TLS_VA + 0x300: the TLS descriptor's new base */
#define LDT2_MAGIC  0x32544c4432544c44ull    /* at TLS_VA + 0x380: the LDT descriptor's new base */

/* Descriptors (Linux's GDT shapes; the hypervisor raises DPL to 3). */
#define D_CODE32    0x00cf9b000000ffffull
#define D_CODE64    0x00af9b000000ffffull
#define D_DATA      0x00cf93000000ffffull
#define D_UCODE32   0x00cffb000000ffffull
#define D_UDATA     0x00cff3000000ffffull
#define D_UCODE64   0x00affb000000ffffull
#define D_NOTPRES   0x00cf73000000ffffull   /* data, DPL 3, P clear */
#define D_NPCODE64  0x00af7b000000ffffull   /* 64-bit code, DPL 3, P clear */
static uint64_t d_base(uint64_t d, uint32_t base)
{
    return d | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)(base >> 24) << 56);
}

#define EQ(name, got, want) do { uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want); \
                                 check(g_ == w_, name, "value", g_, w_); } while (0)

#define SEL(reg) ({ uint16_t s_; __asm__ __volatile__("mov %%" #reg ", %0" : "=r"(s_)); (uint64_t)s_; })
static uint64_t fs0(void) { uint64_t v; __asm__ __volatile__("mov %%fs:0, %0" : "=r"(v) :: "memory"); return v; }
static uint64_t gs0(void) { uint64_t v; __asm__ __volatile__("mov %%gs:0, %0" : "=r"(v) :: "memory"); return v; }
static void load_ds(uint16_t s) { __asm__ __volatile__("mov %0, %%ds" :: "r"((uint32_t)s)); }
static void load_es(uint16_t s) { __asm__ __volatile__("mov %0, %%es" :: "r"((uint32_t)s)); }
static void load_fs(uint16_t s) { __asm__ __volatile__("mov %0, %%fs" :: "r"((uint32_t)s)); }
static void load_gs(uint16_t s) { __asm__ __volatile__("mov %0, %%gs" :: "r"((uint32_t)s)); }

/* ---- Handlers ------------------------------------------------------------ */

KTRAP(gp_entry, 13, 1);
KTRAP(np_entry, 11, 1);
KTRAP(ss_entry, 12, 1);
KTRAP(bp_entry, 3, 0);
KTRAP(failsafe_entry, 1000, 4);     /* frame: RCX, R11, DS, ES, FS, GS, RIP, CS, RFLAGS, RSP, SS */

static uint64_t gpk_count, gpk_err, gpk_cs, gpk_ss, gpk_rip;
static uint64_t np_count, ss_count, npss_err, npss_cs, npss_ss;
static uint64_t c32_bp_count, c32_bp_cs, c32_bp_rip;
#define C32_CODE    (TLS_VA + 0x800)
#define C32_OUT     (TLS_VA + 0xe00)
#define C32_STACK   (TLS_VA + 0xf00)
static void finish(void) __attribute__((noreturn));
static uint64_t fsafe_count, fsafe_frame[11], fsafe_ds_now;

void trap_c(uint64_t vec, uint64_t *f)
{
    switch (vec) {
    case 13:
        /* A refused iret frame: error code, RIP, CS, RFLAGS, RSP, SS.
         * Back to the same RIP on the kernel's own selectors. */
        gpk_count++;
        gpk_err = f[2];
        gpk_rip = f[3];
        gpk_cs = f[4];
        gpk_ss = f[7];
        f[4] = FLAT_KERNEL_CS & ~3;
        f[7] = FLAT_KERNEL_SS;
        break;
    case 11:
    case 12:
        /* A refused iret frame again (#NP: CS not present, #SS: SS not
         * present): the same frame layout as the #GP's. */
        if (vec == 11)
            np_count++;
        else
            ss_count++;
        npss_err = f[2];
        npss_cs = f[4];
        npss_ss = f[7];
        f[4] = FLAT_KERNEL_CS & ~3;
        f[7] = FLAT_KERNEL_SS;
        break;
    case 3:
        /* INT3 of the 32-bit user code: the end of the test. */
        c32_bp_count++;
        c32_bp_rip = f[2];
        c32_bp_cs = f[3];
        finish();
    case 1000:
        /* f = the frame from its RCX slot: f[2..5] the selectors. */
        fsafe_count++;
        for (int i = 0; i < 11; i++)
            fsafe_frame[i] = f[i];
        fsafe_ds_now = SEL(ds);
        break;
    }
}

/* iret to the next instruction with the given CS/SS (RPL in the frame as
 * given: RPL 0 = kernel mode).  Returns the CS and SS found there (packed
 * cs | ss << 16). */
uint64_t iret_sel(uint64_t cs, uint64_t ss);
uint64_t iret_sel_rip;
__asm__(
    "   .text\n"
    "   .globl iret_sel\n"
    "iret_sel:\n"
    "   mov     %rsp, %rax\n"
    "   push    %rsi\n"                /* ss */
    "   push    %rax\n"                /* rsp: as at the call */
    "   pushq   $0x202\n"              /* rflags */
    "   push    %rdi\n"                /* cs */
    "   lea     1f(%rip), %rax\n"
    "   mov     %rax, iret_sel_rip(%rip)\n"
    "   push    %rax\n"                /* rip */
    "   pushq   $0\n"
    "   push    %rcx\n"
    "   push    %r11\n"
    "   push    %rax\n"
    "   mov     $23, %eax\n"
    "   syscall\n"
    "1: xor     %eax, %eax\n"
    "   mov     %ss, %ax\n"
    "   shl     $16, %eax\n"
    "   mov     %cs, %ax\n"
    "   ret\n");

/* iret onto CS 0x10 (0x13) and spin there for good. */
void spin_on_kernel_cs(void) __attribute__((noreturn));
__asm__(
    "   .text\n"
    "   .globl spin_on_kernel_cs\n"
    "spin_on_kernel_cs:\n"
    "   mov     %rsp, %rax\n"
    "   pushq   $0x18\n"
    "   push    %rax\n"
    "   pushq   $0x202\n"
    "   pushq   $0x10\n"
    "   lea     1f(%rip), %rax\n"
    "   push    %rax\n"
    "   pushq   $0\n"
    "   push    %rcx\n"
    "   push    %r11\n"
    "   push    %rax\n"
    "   mov     $23, %eax\n"
    "   syscall\n"
    "1: movq    $1, spinning_on_kernel_cs(%rip)\n"
    "2: pause\n"
    "   jmp     2b\n");

/* ---- User mode ----------------------------------------------------------- */

static uint8_t kstack[16384] __attribute__((aligned(16)));
static uint8_t ustack[16384] __attribute__((aligned(16)));
#define KSTACK_TOP ((uint64_t)kstack + sizeof(kstack))

static uint64_t sc_count, sc_ds, sc_fs, sc_cs_frame, sc_ss_frame;
static volatile uint64_t u_cs, u_ss, u_fs0, u_ds_after, u_es_after, u_fs_after, u_fs0_after, u_ret;
void sc_entry(void);
uint64_t sc_c(uint64_t nr, const uint64_t *frame);
void enter_user(uint64_t rip, uint64_t rsp, uint64_t cs) __attribute__((noreturn));

uint64_t sc_c(uint64_t nr, const uint64_t *frame)
{
    sc_count++;
    sc_ds = SEL(ds);
    sc_fs = SEL(fs);
    sc_cs_frame = frame[3];
    sc_ss_frame = frame[6];
    if (nr == 2)     /* on to 32-bit user code (USER32_CS 0x23) below 4 GiB */
        enter_user(C32_CODE, C32_STACK, 0x23);
    return 0x77;
}

__asm__(
    "   .text\n"
    "   .globl sc_entry\n"
    "sc_entry:\n"
    "   mov     %rsp, %rsi\n"
    "   mov     %rax, %rdi\n"
    "   push    %rbx\n"
    "   mov     %rsp, %rbx\n"
    "   and     $~15, %rsp\n"
    "   call    sc_c\n"
    "   mov     %rbx, %rsp\n"
    "   pop     %rbx\n"
    "   pop     %rcx\n"
    "   pop     %r11\n"
    "   pushq   $0x100\n"               /* VGCF_in_syscall */
    "   push    %rcx\n"
    "   push    %r11\n"
    "   push    %rax\n"
    "   mov     $23, %eax\n"
    "   syscall\n");

static long usys(uint64_t nr)
{
    long ret;
    __asm__ __volatile__("syscall" : "=a"(ret) : "a"(nr)
                         : "rcx", "r11", "rdi", "rsi", "rdx", "r8", "r9", "r10", "memory");
    return ret;
}

void user_main(void);
void user_main(void)
{
    u_cs = SEL(cs);
    u_ss = SEL(ss);
    load_ds(0x2b);
    load_es(0x2b);
    load_fs(0x63);
    u_fs0 = fs0();
    u_ret = (uint64_t)usys(1);
    u_ds_after = SEL(ds);
    u_es_after = SEL(es);
    u_fs_after = SEL(fs);
    u_fs0_after = fs0();
    usys(2);
    for (;;)
        ;
}

/* iret into user space (CS 0x33 or 0x23, SS 0x2b: the guest's GDT). */
__asm__(
    "   .text\n"
    "   .globl enter_user\n"
    "enter_user:\n"
    "   pushq   $0x2b\n"                /* ss */
    "   push    %rsi\n"                 /* rsp */
    "   pushq   $0x202\n"               /* rflags */
    "   push    %rdx\n"                 /* cs, RPL 3: user mode */
    "   push    %rdi\n"                 /* rip */
    "   pushq   $0\n"
    "   push    %rcx\n"
    "   push    %r11\n"
    "   push    %rax\n"
    "   mov     $23, %eax\n"
    "   syscall\n"
    "   ud2\n");

/* ---- vCPU 1: VCPUOP_initialise with the GDT (gdt_frames) and guest selectors ---- */

#define VCPUOP_initialise 0
#define VCPUOP_up 1

static struct vcpu_guest_context ctx;
static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static volatile uint64_t ap_ran, ap_cs, ap_ss, ap_ds, ap_fs, ap_gs, ap_fs0;
static volatile uint64_t ap_go, ap_seen, ap_fs1, ap_gs1;
void ap_main(void);
void ap_main(void)
{
    ap_cs = SEL(cs);
    ap_ss = SEL(ss);
    ap_ds = SEL(ds);
    ap_fs = SEL(fs);
    ap_gs = SEL(gs);
    ap_fs0 = fs0();
    __atomic_store_n(&ap_ran, 1, __ATOMIC_RELEASE);
    /* vCPU 0 changes the descriptors, then says so.  The entry that
     * follows (a hypercall) runs on fresh copies; the selectors loaded
     * again read the new bases. */
    while (!__atomic_load_n(&ap_go, __ATOMIC_ACQUIRE))
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    hc(__HYPERVISOR_xen_version, 0, 0, 0, 0);
    load_fs(0x63);
    ap_fs1 = fs0();
    load_gs(0x07);
    ap_gs1 = gs0();
    __atomic_store_n(&ap_seen, 1, __ATOMIC_RELEASE);
    for (;;)
        hc(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0);
}

/* mode=descchange: vCPU 1 turns KERNEL_CS into a data descriptor while
 * vCPU 0 spins on it in ring 3; vCPU 0's next entry must not IRETQ onto
 * it (the domain crashes: "cannot return to cs 0x13 ...: bad code
 * selector"). */
static uint64_t desc_gdt_maddr;
void ap_desc_main(void);
volatile uint64_t spinning_on_kernel_cs;     /* set by the spin loop itself, on CS 0x13 */
void ap_desc_main(void)
{
    while (!__atomic_load_n(&spinning_on_kernel_cs, __ATOMIC_ACQUIRE))
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    hc(__HYPERVISOR_update_descriptor, desc_gdt_maddr + 2 * 8, D_DATA, 0, 0);
    for (;;)
        hc(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0);
}

static void check_vcpu1(uint64_t l4_mfn, uint64_t gdt_mfn, uint64_t ldt_mfn, int descchange)
{
    ctx.flags = VGCF_in_kernel;
    ctx.user_regs.rip = descchange ? (uint64_t)ap_desc_main : (uint64_t)ap_main;
    desc_gdt_maddr = gdt_mfn << 12;
    ctx.user_regs.rsp = (uint64_t)(ap_stack + sizeof(ap_stack)) - 8;
    ctx.user_regs.cs = 0x10;                /* Linux's __KERNEL_CS / __KERNEL_DS, as it passes them */
    ctx.user_regs.ss = 0x18;
    ctx.user_regs.ds = 0x2b;
    ctx.user_regs.fs = 0x63;                /* fs_base 0: the descriptor's base */
    ctx.user_regs.gs = 0x07;                /* the LDT's */
    ctx.user_regs.rflags = 0x200;
    ctx.ldt_base = LDT_VA;
    ctx.ldt_ents = 2;
    ctx.gdt_frames[0] = gdt_mfn;
    ctx.gdt_ents = 16;
    ctx.kernel_ss = FLAT_KERNEL_SS;
    ctx.kernel_sp = ctx.user_regs.rsp;
    ctx.ctrlreg[3] = l4_mfn << 12;
    ctx.gdt_ents = PV_BAD_GDT_ENTS;
    EQ("vcpu1-init-too-many-gdt-entries", hc(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, (uint64_t)&ctx, 0),
       (uint64_t)-EINVAL);
    ctx.gdt_ents = 16;
    EQ("vcpu1-init-with-gdt", hc(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, (uint64_t)&ctx, 0), 0);
    if (descchange) {
        put("spinning on KERNEL_CS while vCPU 1 makes it a data descriptor");
        flush();
        hc(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0, 0);   /* it waits for the spin below */
        spin_on_kernel_cs();
    }
    EQ("vcpu1-up", hc(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0, 0), 0);
    for (unsigned i = 0; i < 1000000 && !__atomic_load_n(&ap_ran, __ATOMIC_ACQUIRE); i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    EQ("vcpu1-ran", ap_ran, 1);
    EQ("vcpu1-cs-ss-from-its-gdt", ap_cs | ap_ss << 16, 0x13 | 0x1b << 16);
    EQ("vcpu1-ds-fs-gs", ap_ds | ap_fs << 16 | ap_gs << 32, 0x2b | 0x63 << 16 | 0x07ull << 32);
    EQ("vcpu1-tls-through-fs", ap_fs0, TLS_MAGIC);

    /* A descriptor change by this vCPU, seen by vCPU 1. */
    *(volatile uint64_t *)(TLS_VA + 0x300) = TLS2_MAGIC;
    *(volatile uint64_t *)(TLS_VA + 0x380) = LDT2_MAGIC;
    long rc = hc(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 12 * 8, d_base(D_UDATA, TLS_VA + 0x300), 0, 0);
    rc |= hc(__HYPERVISOR_update_descriptor, ldt_mfn << 12, d_base(D_UDATA, TLS_VA + 0x380), 0, 0);
    EQ("vcpu0-changes-descriptors", rc, 0);
    __atomic_store_n(&ap_go, 1, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < 1000000 && !__atomic_load_n(&ap_seen, __ATOMIC_ACQUIRE); i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    EQ("vcpu1-sees-gdt-change", ap_fs1, TLS2_MAGIC);
    EQ("vcpu1-sees-ldt-change", ap_gs1, LDT2_MAGIC);
    /* Back as the later checks (user mode, 32-bit code) expect them. */
    rc = hc(__HYPERVISOR_update_descriptor, (gdt_mfn << 12) + 12 * 8, d_base(D_UDATA, TLS_VA + 0x100), 0, 0);
    rc |= hc(__HYPERVISOR_update_descriptor, ldt_mfn << 12, d_base(D_UDATA, TLS_VA + 0x200), 0, 0);
    EQ("descriptors-restored", rc, 0);
}

static void finish(void)
{
    EQ("user-cs-0x33", u_cs, 0x33);
    EQ("user-ss-0x2b", u_ss, 0x2b);
    EQ("user-tls-through-fs", u_fs0, TLS_MAGIC);
    EQ("user-syscall-result", u_ret, 0x77);
    EQ("user-syscall-cb-sees-ds", sc_ds, 0x2b);
    EQ("user-syscall-cb-sees-fs", sc_fs, 0x63);
    EQ("user-syscall-frame-cs", sc_cs_frame & 0xffff, FLAT_RING3_CS64);
    EQ("user-ds-kept", u_ds_after, 0x2b);
    EQ("user-es-kept", u_es_after, 0x2b);
    EQ("user-fs-kept", u_fs_after, 0x63);
    EQ("user-tls-kept", u_fs0_after, TLS_MAGIC);
    EQ("user-syscalls", sc_count, 2);
    EQ("compat-bp", c32_bp_count, 1);
    EQ("compat-bp-frame-cs", c32_bp_cs & 0xffff, 0x23);
    EQ("compat-bp-rip", c32_bp_rip, C32_CODE + 26);   /* after the INT3 */
    EQ("compat-cs-0x23", *(volatile uint32_t *)(C32_OUT + 8) & 0xffff, 0x23);
    EQ("compat-tls-through-fs", *(volatile uint32_t *)C32_OUT, (uint32_t)TLS_MAGIC);
    pv_finish();
}

static int has_mode(const struct start_info *si, const char *m)
{
    for (const char *c = (const char *)si->cmd_line; *c; c++) {
        unsigned i = 0;
        while (m[i] && c[i] == m[i])
            i++;
        if (!m[i])
            return 1;
    }
    return 0;
}

static void spin(uint64_t cycles)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t end = ((uint64_t)hi << 32 | lo) + cycles;
    for (;;) {
        __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
        if (((uint64_t)hi << 32 | lo) >= end)
            break;
    }
}

void pv_main(const struct start_info *si)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 3, 3, FLAT_KERNEL_CS, (uint64_t)bp_entry },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 11, 0, FLAT_KERNEL_CS, (uint64_t)np_entry },
        { 12, 0, FLAT_KERNEL_CS, (uint64_t)ss_entry },
        { 13, 0, FLAT_KERNEL_CS, (uint64_t)gp_entry },
        { 0, 0, 0, 0 },
    };
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    const uint64_t *l4 = (const uint64_t *)si->pt_base;
    uint64_t n = si->nr_pages, L4 = p2m[(si->pt_base - VIRT_BASE) >> 12];
    long rc;

    put("hello");
    flush();
    EQ("set-trap-table", hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0), 0);

    /* Free frames from the top of RAM: slot-0 tables, the TLS and LDT
     * pages, the GDT frame, the user L4. */
    enum { L3, L2, L1, TLS, LDT, GDT, U4, NFR };
    uint64_t f[NFR];
    struct mmuext_op clr[NFR];
    for (int i = 0; i < NFR; i++) {
        f[i] = p2m[n - 1 - i];
        clr[i] = (struct mmuext_op){ MMUEXT_CLEAR_PAGE, 0, f[i], 0 };
    }
    EQ("clear-frames", hc(__HYPERVISOR_mmuext_op, (uint64_t)clr, NFR, 0, DOMID_SELF), 0);
    rc = mmu1(f[L3] << 12, f[L2] << 12 | PTE_TABLE);
    rc |= mmu1(f[L2] << 12, f[L1] << 12 | PTE_TABLE);
    rc |= mmu1(f[L1] << 12 | 8, f[TLS] << 12 | PTE_TABLE);
    rc |= mmu1(f[L1] << 12 | 16, f[LDT] << 12 | PTE_TABLE);
    rc |= mmu1(L4 << 12, f[L3] << 12 | PTE_TABLE);
    EQ("map-low-pages", rc, 0);
    *(volatile uint64_t *)(TLS_VA + 0x100) = TLS_MAGIC;
    *(volatile uint64_t *)(TLS_VA + 0x200) = LDT_MAGIC;
    /* The LDT: 0x07 data base 0x1200, 0x0f 64-bit code. */
    ((volatile uint64_t *)LDT_VA)[0] = d_base(D_UDATA, TLS_VA + 0x200);
    ((volatile uint64_t *)LDT_VA)[1] = D_UCODE64;

    /* The GDT, written while the frame is plain, then loaded. */
    const uint64_t g = f[GDT] << 12;
    rc = hc(__HYPERVISOR_update_descriptor, g + 1 * 8, D_CODE32, 0, 0);
    rc |= hc(__HYPERVISOR_update_descriptor, g + 2 * 8, D_CODE64, 0, 0);
    rc |= hc(__HYPERVISOR_update_descriptor, g + 3 * 8, D_DATA, 0, 0);
    rc |= hc(__HYPERVISOR_update_descriptor, g + 4 * 8, D_UCODE32, 0, 0);
    rc |= hc(__HYPERVISOR_update_descriptor, g + 5 * 8, D_UDATA, 0, 0);
    rc |= hc(__HYPERVISOR_update_descriptor, g + 6 * 8, D_UCODE64, 0, 0);
    rc |= hc(__HYPERVISOR_update_descriptor, g + 7 * 8, D_NOTPRES, 0, 0);
    rc |= hc(__HYPERVISOR_update_descriptor, g + 8 * 8, D_NPCODE64, 0, 0);
    rc |= hc(__HYPERVISOR_update_descriptor, g + 12 * 8, d_base(D_UDATA, TLS_VA + 0x100), 0, 0);
    EQ("gdt-descriptors", rc, 0);
    uint64_t frames[1] = { f[GDT] };
    EQ("set-gdt", hc(__HYPERVISOR_set_gdt, (uint64_t)frames, 16, 0, 0), 0);
    EQ("set-ldt", ext1(MMUEXT_SET_LDT, LDT_VA, 2), 0);

    /* Data selectors of the guest's GDT and LDT, and the TLS through %fs. */
    load_ds(0x2b);
    load_es(0x18 | 3);
    load_fs(0x63);
    load_gs(0x07);
    EQ("ds-loaded", SEL(ds), 0x2b);
    EQ("es-loaded", SEL(es), 0x1b);
    EQ("tls-through-fs", fs0(), TLS_MAGIC);
    EQ("ldt-through-gs", gs0(), LDT_MAGIC);
    hc(__HYPERVISOR_xen_version, 0, 0, 0, 0);
    EQ("kept-across-hypercall", SEL(ds) | SEL(es) << 16 | SEL(fs) << 32 | SEL(gs) << 48,
       0x2bull | 0x1bull << 16 | 0x63ull << 32 | 0x07ull << 48);
    EQ("tls-kept-across-hypercall", fs0(), TLS_MAGIC);
    spin(200000000);        /* host timer interrupts come and go (no count asserted) */
    EQ("kept-across-interrupts", SEL(ds) | SEL(es) << 16 | SEL(fs) << 32 | SEL(gs) << 48,
       0x2bull | 0x1bull << 16 | 0x63ull << 32 | 0x07ull << 48);
    for (int i = 0; i < 20; i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    EQ("kept-across-yield", SEL(ds) | SEL(es) << 16 | SEL(fs) << 32 | SEL(gs) << 48,
       0x2bull | 0x1bull << 16 | 0x63ull << 32 | 0x07ull << 48);
    EQ("tls-kept-across-yield", fs0(), TLS_MAGIC);
    EQ("ldt-kept-across-yield", gs0(), LDT_MAGIC);
    /* 64-bit TLS: set_segment_base gives the base, the selector stays. */
    static uint64_t fsarea[2] = { FS_MAGIC };
    EQ("segbase-fs", hc(__HYPERVISOR_set_segment_base, SEGBASE_FS, (uint64_t)fsarea, 0, 0), 0);
    EQ("segbase-fs-read", fs0(), FS_MAGIC);
    EQ("segbase-fs-selector-kept", SEL(fs), 0x63);
    for (int i = 0; i < 5; i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    EQ("segbase-fs-kept-across-yield", fs0(), FS_MAGIC);
    /* A not-present selector loaded by the guest itself: its own #NP. */
    load_gs(0);
    load_fs(0);

    /* iret onto the GDT's and the LDT's selectors (kernel mode: RPL 0 in
     * the frame), and refused ones. */
    EQ("iret-kernel-cs-ss", iret_sel(0x10, 0x18), 0x13 | 0x1b << 16);
    EQ("iret-ldt-code", iret_sel(0x0c, 0x18), 0x0f | 0x1b << 16);
    EQ("iret-flat-again", iret_sel(FLAT_KERNEL_CS & ~3, FLAT_KERNEL_SS), FLAT_KERNEL_CS | (uint64_t)FLAT_KERNEL_SS << 16);
    uint64_t before = gpk_count;
    EQ("iret-data-cs", iret_sel(0x18, 0x18), FLAT_KERNEL_CS | (uint64_t)FLAT_KERNEL_SS << 16);
    EQ("iret-data-cs-gp", gpk_count, before + 1);
    EQ("iret-data-cs-gp-error", gpk_err, 0x18);
    EQ("iret-data-cs-gp-frame", gpk_cs | gpk_ss << 16, 0x18 | 0x1bull << 16);   /* CS as written, SS with RPL 3 (pv_user.c) */
    EQ("iret-data-cs-gp-rip", gpk_rip, iret_sel_rip);
    EQ("iret-code-ss", iret_sel(0x10, 0x08), FLAT_KERNEL_CS | (uint64_t)FLAT_KERNEL_SS << 16);
    EQ("iret-code-ss-gp", gpk_count, before + 2);
    EQ("iret-code-ss-gp-error", gpk_err, 0x08);     /* the SS, not the (good) CS */
    /* 0x38 is a data descriptor: its type is checked before its P bit, a #GP. */
    EQ("iret-notpresent-cs", iret_sel(0x38, 0x18), FLAT_KERNEL_CS | (uint64_t)FLAT_KERNEL_SS << 16);
    EQ("iret-notpresent-cs-gp", gpk_count, before + 3);
    EQ("iret-beyond-gdt", iret_sel(0x80, 0x18), FLAT_KERNEL_CS | (uint64_t)FLAT_KERNEL_SS << 16);
    EQ("iret-beyond-gdt-gp", gpk_count, before + 4);
    EQ("iret-hypervisor-cs", iret_sel(0xe008, 0x18), FLAT_KERNEL_CS | (uint64_t)FLAT_KERNEL_SS << 16);
    EQ("iret-hypervisor-cs-gp", gpk_count, before + 5);
    EQ("np-none", np_count, 0);
    /* Not present: #NP for CS, #SS for SS, error code the selector. */
    EQ("iret-np-code-cs", iret_sel(0x40, 0x18), FLAT_KERNEL_CS | (uint64_t)FLAT_KERNEL_SS << 16);
    EQ("iret-np-code-cs-np", np_count | gpk_count << 8, 1 | (before + 5) << 8);
    EQ("iret-np-code-cs-np-error", npss_err, 0x40);
    EQ("iret-np-code-cs-np-frame", npss_cs | npss_ss << 16, 0x40 | 0x1bull << 16);
    EQ("iret-np-ss", iret_sel(0x10, 0x38), FLAT_KERNEL_CS | (uint64_t)FLAT_KERNEL_SS << 16);
    EQ("iret-np-ss-ss", ss_count | np_count << 8 | gpk_count << 16, 1 | 1 << 8 | (before + 5) << 16);
    EQ("iret-np-ss-ss-error", npss_err, 0x38);
    EQ("iret-np-ss-ss-frame", npss_cs | npss_ss << 16, 0x10 | 0x3bull << 16);
    EQ("iret-np-both-cs-first", iret_sel(0x40, 0x38), FLAT_KERNEL_CS | (uint64_t)FLAT_KERNEL_SS << 16);
    EQ("iret-np-both-np", np_count | ss_count << 8, 2 | 1 << 8);
    EQ("iret-np-both-error", npss_err, 0x40);
    /* A not-present SS behind a CS of the wrong type: the CS's #GP first. */
    EQ("iret-data-cs-np-ss", iret_sel(0x18, 0x38), FLAT_KERNEL_CS | (uint64_t)FLAT_KERNEL_SS << 16);
    EQ("iret-data-cs-np-ss-gp", gpk_count | ss_count << 16, (before + 6) | 1 << 16);

    /* The failsafe callback: DS loaded, then its descriptor made not
     * present; the next entry cannot load it. */
    int nofs = has_mode(si, "mode=nofailsafe");
    if (!nofs)
        EQ("set-callbacks", hc(__HYPERVISOR_set_callbacks, 0, (uint64_t)failsafe_entry, 0, 0), 0);
    load_ds(0x2b);
    load_es(0x2b);
    rc = hc(__HYPERVISOR_update_descriptor, g + 5 * 8, D_NOTPRES, 0, 0);
    EQ("descriptor-made-not-present", rc, 0);
    EQ("failsafe-called", fsafe_count, 1);
    EQ("failsafe-frame-ds", fsafe_frame[2], 0x2b);
    EQ("failsafe-frame-es", fsafe_frame[3], 0x2b);
    EQ("failsafe-frame-cs", fsafe_frame[7] & 0xffff, FLAT_KERNEL_CS & ~3);
    EQ("failsafe-ds-null-after", fsafe_ds_now, 0);
    EQ("failsafe-ss", fsafe_frame[10], FLAT_KERNEL_SS);
    EQ("restore-descriptor", hc(__HYPERVISOR_update_descriptor, g + 5 * 8, D_UDATA, 0, 0), 0);

    check_vcpu1(L4, f[GDT], f[LDT], has_mode(si, "mode=descchange"));

    /* 32-bit user code: mov $0x63,%eax; mov %eax,%fs; mov %fs:0,%eax;
     * mov %eax,C32_OUT; mov %cs,%eax; mov %eax,C32_OUT+8; int3. */
    static const uint8_t c32[] = {
        0xb8, 0x63, 0, 0, 0, 0x8e, 0xe0, 0x64, 0xa1, 0, 0, 0, 0,
        0xa3, (uint8_t)C32_OUT, (uint8_t)(C32_OUT >> 8), 0, 0, 0x8c, 0xc8,
        0xa3, (uint8_t)(C32_OUT + 8), (uint8_t)((C32_OUT + 8) >> 8), 0, 0, 0xcc,
    };
    for (unsigned i = 0; i < sizeof(c32); i++)
        ((volatile uint8_t *)C32_CODE)[i] = c32[i];

    /* User mode on the guest's selectors. */
    for (unsigned i = 0; i < 512; i++)
        if (l4[i] && (i < 256 || i > 271))
            rc |= mmu1(f[U4] << 12 | i * 8, l4[i]);
    EQ("user-l4", rc, 0);
    EQ("pin-user-l4", ext1(MMUEXT_PIN_L4_TABLE, f[U4], 0), 0);
    EQ("new-user-baseptr", ext1(MMUEXT_NEW_USER_BASEPTR, f[U4], 0), 0);
    EQ("stack-switch", hc(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, KSTACK_TOP, 0, 0), 0);
    struct callback_register cb = { CALLBACKTYPE_syscall, CALLBACKF_mask_events, (uint64_t)sc_entry };
    EQ("syscall-callback", hc(__HYPERVISOR_callback_op, CALLBACKOP_register, (uint64_t)&cb, 0, 0), 0);
    enter_user((uint64_t)user_main, (uint64_t)ustack + sizeof(ustack) - 8, 0x33);
}
