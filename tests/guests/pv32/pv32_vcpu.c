/*
 * pv32_vcpu: VCPUOP_initialise with the x86_32 vcpu_guest_context as a
 * 32-bit PV kernel uses it (docs/pv.md "Ring 1 and compat"):
 *  - hostile contexts for vCPU 1 are refused with -EINVAL and change
 *    nothing (CS/SS naming LDT entries included: data as CS, code as SS,
 *    64-bit code, a DPL not the RPL, beyond ldt_ents, an unmapped LDT page) (a GDT frame taken and then refused is writable again; the
 *    vCPU stays uninitialised: VCPUOP_up -EINVAL);
 *  - vCPU 1 starts in ring 1 on its own GDT (CS/SS guest entries), an LDT
 *    (FS), the FPU image given (MXCSR, XMM0) and the debug registers
 *    given (read back with MOV from DRn);
 *  - vCPU 2 starts in user mode (ring 3, the flat ring-3 selectors) with
 *    the registers given; its INT $0x80 reaches the kernel through the
 *    trap table on the kernel stack of the context.
 */
#include "pv32_lib.h"

#define VCPUOP_up_ 1

static const struct start_info32 *si;

static struct vcpu_guest_context32 good, ctx, uctx;
static uint64_t gdt_page[512] __attribute__((aligned(4096)));
static uint64_t bad_gdt_page[512] __attribute__((aligned(4096)));
static uint64_t ldt_page[512] __attribute__((aligned(4096)));
static uint8_t v1_stack[4096] __attribute__((aligned(16)));
static uint8_t v2_kstack[4096] __attribute__((aligned(16)));
static uint8_t v2_ustack[4096] __attribute__((aligned(4096)));
/* vCPU 2's user code (mov %cs,%eax; int $0x80; ud2), in a page mapped for
 * ring 3 like its stack. */
static uint8_t v2_ucode[4096] __attribute__((aligned(4096))) = { 0x8c, 0xc8, 0xcd, 0x80, 0x0f, 0x0b };

/* vCPU 1 (ring 1, its own GDT/LDT): what it sees. */
static volatile uint32_t v1_cs, v1_ss, v1_ds, v1_fs, v1_mxcsr, v1_xmm0, v1_dr0, v1_dr1, v1_dr7, v1_done;

void vcpu1_main(void)
{
    uint32_t cs, ss, ds, fs, m, x, d0, d1, d7;
    __asm__ __volatile__("mov %%cs, %0\n mov %%ss, %1\n mov %%ds, %2\n mov %%fs, %3"
                         : "=r"(cs), "=r"(ss), "=r"(ds), "=r"(fs));
    __asm__ __volatile__("sub $4, %%esp\n stmxcsr (%%esp)\n pop %0\n movd %%xmm0, %1" : "=r"(m), "=r"(x));
    __asm__ __volatile__("mov %%dr0, %0\n mov %%dr1, %1\n mov %%dr7, %2" : "=r"(d0), "=r"(d1), "=r"(d7));
    v1_cs = cs & 0xffff, v1_ss = ss & 0xffff, v1_ds = ds & 0xffff, v1_fs = fs & 0xffff;
    v1_mxcsr = m, v1_xmm0 = x, v1_dr0 = d0, v1_dr1 = d1, v1_dr7 = d7;
    __atomic_store_n(&v1_done, 1, __ATOMIC_RELEASE);
    for (;;)
        hc(HC_sched_op, SCHEDOP_block, 0, 0, 0);
}

/* vCPU 2: user code (ring 3) reads CS, then INT $0x80 with the context's
 * EBX; the ring-1 handler records the frame and blocks for good. */
static volatile uint32_t v2_user_cs, v2_ebx, v2_frame_cs, v2_frame_esp, v2_frame_ss, v2_done;
void v2_kernel(uint32_t *frame, uint32_t ebx, uint32_t ucs) __attribute__((used, noreturn));
void v2_kernel(uint32_t *frame, uint32_t ebx, uint32_t ucs)
{
    v2_frame_cs = frame[1] & 0xffff;
    v2_frame_esp = frame[3];
    v2_frame_ss = frame[4] & 0xffff;
    v2_ebx = ebx;
    v2_user_cs = ucs & 0xffff;
    __atomic_store_n(&v2_done, 1, __ATOMIC_RELEASE);
    for (;;)
        hc(HC_sched_op, SCHEDOP_block, 0, 0, 0);
}
void v2_int80(void);
__asm__(".pushsection .text\n"
        "v2_int80:\n"           /* frame: EIP, CS, EFLAGS, ESP, SS */
        "  mov %esp, %ecx\n"
        "  push %eax\n"         /* ucs */
        "  push %ebx\n"         /* ebx */
        "  push %ecx\n"         /* frame */
        "  call v2_kernel\n"
        ".popsection\n");

static long unmap(const void *p)
{
    return hc(HC_update_va_mapping, (uint32_t)p, 0, 0, UVMF_INVLPG);
}

static long map_rw(const void *p)
{
    return hc(HC_update_va_mapping, (uint32_t)p, (pv32_mfn_of(si, (uint32_t)p) << 12) | 0x63, 0, UVMF_INVLPG);
}

static long init_vcpu(unsigned id, struct vcpu_guest_context32 *c)
{
    return hc(HC_vcpu_op, VCPUOP_initialise, id, (uint32_t)c, 0);
}

/* A copy of the good context with one change, which must be refused. */
static void refused(const char *name, long r)
{
    check(r == -22, name, "ret", (uint32_t)r, (uint32_t)-22);
}

void pv32_main(const struct start_info32 *start)
{
    si = start;
    put("pv32_vcpu: VCPUOP_initialise for 32-bit vCPUs");
    flush();
    uint32_t l3 = pv32_mfn_of(si, si->pt_base);

    /* The GDT frame: ring-1 code 0x09, ring-1 data 0x11, ring-3 code
     * 0x1b, ring-3 data 0x23; unmapped so that it can become a
     * descriptor frame.  A second frame holds a 64-bit code segment. */
    gdt_page[1] = 0x00cfba000000ffffull;
    gdt_page[2] = 0x00cfb2000000ffffull;
    gdt_page[3] = 0x00cffa000000ffffull;
    gdt_page[4] = 0x00cff2000000ffffull;
    bad_gdt_page[1] = 0x00afba000000ffffull;
    ldt_page[0] = 0x00cfb2000000ffffull;       /* LDT 0x05: ring-1 data */
    ldt_page[1] = 0x00cfb2000000ffffull;       /* LDT 0x0d: ring-1 data (as CS: refused) */
    ldt_page[2] = 0x00cfba000000ffffull;       /* LDT 0x15: ring-1 code (as SS: refused) */
    ldt_page[3] = 0x00afba000000ffffull;       /* LDT 0x1d: 64-bit code (refused) */
    ldt_page[4] = 0x00cffa000000ffffull;       /* LDT 0x25: ring-3 code (DPL 3 for RPL 1: refused) */
    long r = unmap(gdt_page);
    r = r ? r : unmap(bad_gdt_page);
    check(r == 0, "gdt-frames-unmapped", "ret", (uint32_t)r, 0);

    good.flags = (1u << 2) | (1u << 0);         /* VGCF_in_kernel, VGCF_I387_VALID */
    *(uint16_t *)&good.fpu[0] = 0x037f;         /* FCW */
    *(uint32_t *)&good.fpu[24] = 0x7f80;        /* MXCSR: masks, RC toward zero */
    *(uint32_t *)&good.fpu[160] = 0x5eed1234;   /* XMM0 low dword */
    good.eip = (uint32_t)vcpu1_entry;
    good.esp = (uint32_t)v1_stack + sizeof(v1_stack);
    good.cs = 0x09;
    good.ss = good.ds = good.es = good.gs = 0x11;
    good.fs = 0x05;
    good.eflags = 0x2;
    good.traps[3] = (struct trap_info32){ 3, 3, FLAT_RING1_CS, (uint32_t)bp_entry };
    good.ldt_base = (uint32_t)ldt_page;
    good.ldt_ents = 1;
    good.gdt_frames[0] = pv32_mfn_of(si, (uint32_t)gdt_page);
    good.gdt_ents = 5;
    good.kernel_ss = FLAT_RING1_DS;
    good.kernel_sp = good.esp;
    good.ctrlreg[3] = (l3 << 12) | (l3 >> 20);
    good.debugreg[0] = 0xb0000000u;             /* an execution breakpoint nobody reaches */
    good.debugreg[1] = 0x12345678u;
    good.debugreg[7] = 0x1;                     /* L0 */
    good.vm_assist = 1u << 3;                   /* pae_extended_cr3: valid (vCPU 0's value rules) */

#define TRY(name, change) do { ctx = good; change; refused(name, init_vcpu(1, &ctx)); } while (0)
    TRY("gdt-frame-writable-refused", ctx.gdt_frames[0] = pv32_mfn_of(si, (uint32_t)ldt_page));
    TRY("gdt-64bit-code-frame-refused", ctx.gdt_frames[0] = pv32_mfn_of(si, (uint32_t)bad_gdt_page));
    TRY("gdt-too-many-entries-refused", ctx.gdt_ents = 7169);
    TRY("cs-data-descriptor-refused", ctx.cs = 0x11);
    r = map_rw(gdt_page);
    check(r == 0, "refused-gdt-frame-released", "ret", (uint32_t)r, 0);
    r = unmap(gdt_page);
    TRY("cs-beyond-gdt-refused", ctx.cs = 0x29);
    TRY("ss-ring-mismatch-refused", ctx.ss = 0xe033);
    TRY("cs-rpl2-refused", (ctx.cs = 0x0a, ctx.ss = 0x12));
    TRY("ldt-misaligned-refused", ctx.ldt_base += 8);
    TRY("ldt-too-many-entries-refused", ctx.ldt_ents = 8193);
    TRY("ldt-reaching-hv-range-refused", (ctx.ldt_base = 0xf57ff000u, ctx.ldt_ents = 1024));
    /* CS/SS in the LDT: checked during the call, through the context's
     * tables (not at the first entry). */
    TRY("cs-ldt-data-descriptor-refused", (ctx.ldt_ents = 5, ctx.cs = 0x0d));
    TRY("ss-ldt-code-descriptor-refused", (ctx.ldt_ents = 5, ctx.ss = 0x15));
    TRY("cs-ldt-64bit-code-refused", (ctx.ldt_ents = 5, ctx.cs = 0x1d));
    TRY("cs-ldt-dpl-mismatch-refused", (ctx.ldt_ents = 5, ctx.cs = 0x25));
    TRY("cs-ldt-beyond-ents-refused", (ctx.ldt_ents = 2, ctx.cs = 0x15));
    TRY("cs-ldt-page-unmapped-refused", (ctx.ldt_base = 0xbfff0000u, ctx.cs = 0x05));
    TRY("dr7-general-detect-refused", ctx.debugreg[7] = 1u << 13);
    TRY("dr7-io-breakpoint-refused", ctx.debugreg[7] = 0x1 | (2u << 16));
    TRY("fpu-mxcsr-reserved-refused", *(uint32_t *)&ctx.fpu[24] = 0x80001f80u);
    TRY("vm-assist-unknown-type-refused", ctx.vm_assist = 1u << 10);
    TRY("eip-hv-range-refused", ctx.eip = 0xf5800000u);
    r = hc(HC_vcpu_op, VCPUOP_up_, 1, 0, 0);
    check(r == -22, "refused-vcpu-stays-down", "ret", (uint32_t)r, (uint32_t)-22);

    /* vCPU 1 as given. */
    ctx = good;
    r = init_vcpu(1, &ctx);
    check(r == 0, "vcpu1-own-gdt-ldt-fpu-dr", "ret", (uint32_t)r, 0);
    r = r ? r : hc(HC_vcpu_op, VCPUOP_up_, 1, 0, 0);
    for (unsigned i = 0; r == 0 && i < 100000 && !__atomic_load_n(&v1_done, __ATOMIC_ACQUIRE); i++)
        hc(HC_sched_op, 0 /* SCHEDOP_yield */, 0, 0, 0);
    check(v1_done && v1_cs == 0x09 && v1_ss == 0x11 && v1_ds == 0x11, "vcpu1-guest-gdt-selectors", "cs", v1_cs,
          0x09);
    check(v1_fs == 0x05, "vcpu1-ldt-selector", "fs", v1_fs, 0x05);
    check(v1_mxcsr == 0x7f80 && v1_xmm0 == 0x5eed1234, "vcpu1-fpu-image", "mxcsr", v1_mxcsr, 0x7f80);
    check(v1_dr0 == 0xb0000000u && v1_dr1 == 0x12345678u && v1_dr7 == 0x401, "vcpu1-debug-registers", "dr7",
          v1_dr7, 0x401);

    /* vCPU 2 in user mode. */
    uctx.flags = 0;                             /* user mode: CS's RPL 3 decides for a 32-bit vCPU */
    r = hc(HC_update_va_mapping,
           (uint32_t)v2_ucode, (pv32_mfn_of(si, (uint32_t)v2_ucode) << 12) | 0x27, 0, UVMF_INVLPG);
    r |= hc(HC_update_va_mapping,
            (uint32_t)v2_ustack, (pv32_mfn_of(si, (uint32_t)v2_ustack) << 12) | 0x27, 0, UVMF_INVLPG);
    check(r == 0, "vcpu2-user-pages", "ret", (uint32_t)r, 0);
    uctx.eip = (uint32_t)v2_ucode;
    uctx.esp = (uint32_t)v2_ustack + sizeof(v2_ustack) - 16;
    uctx.ebx = 0x1234abcd;
    uctx.cs = 0xe02b;
    uctx.ss = uctx.ds = uctx.es = uctx.fs = uctx.gs = 0xe033;
    uctx.eflags = 0x2;
    uctx.traps[0x80] = (struct trap_info32){ 0x80, 3, FLAT_RING1_CS, (uint32_t)v2_int80 };
    uctx.kernel_ss = FLAT_RING1_DS;
    uctx.kernel_sp = (uint32_t)v2_kstack + sizeof(v2_kstack);
    uctx.ctrlreg[3] = (l3 << 12) | (l3 >> 20);
    r = init_vcpu(2, &uctx);
    check(r == 0, "vcpu2-user-mode-context", "ret", (uint32_t)r, 0);
    r = r ? r : hc(HC_vcpu_op, VCPUOP_up_, 2, 0, 0);
    for (unsigned i = 0; r == 0 && i < 100000 && !__atomic_load_n(&v2_done, __ATOMIC_ACQUIRE); i++)
        hc(HC_sched_op, 0 /* SCHEDOP_yield */, 0, 0, 0);
    check(v2_done && v2_user_cs == 0xe02b && v2_ebx == 0x1234abcd, "vcpu2-started-in-ring3", "cs", v2_user_cs,
          0xe02b);
    check(v2_frame_cs == 0xe02b && v2_frame_ss == 0xe033 && v2_frame_esp == uctx.esp, "vcpu2-int80-frame-from-ring3",
          "esp", v2_frame_esp, uctx.esp);
    pv32_finish();
}
