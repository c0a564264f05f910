/*
 * pv32_sys: a 32-bit PV kernel's fast system calls and string I/O
 * (docs/pv.md "Ring 1 and compat").
 *
 *  - SYSENTER and SYSCALL from ring 3 with the sysenter and syscall32
 *    callbacks registered through callback_op (x86_32 layout), and
 *    without them, as Xen x86_64 delivers them: on Intel CPUs SYSENTER
 *    reaches the sysenter callback with the frame EIP 0, CS 3, EFLAGS,
 *    ESP 0, SS 0xe02b, or #GP(0) with that frame (no callback, or NT
 *    set); on AMD CPUs it is a #UD at the instruction.  SYSCALL (AMD)
 *    reaches the syscall32 callback with the frame (next EIP, 0xe02b,
 *    EFLAGS, ESP, 0xe033), ECX = the next EIP, or #GP(0) at the SYSCALL
 *    without one; on Intel CPUs it is a #UD (QEMU's TCG lets it through).
 *    Which way each went is printed ("path" lines) and checked against
 *    the CPU's vendor.
 *  - INS/OUTS and INVLPG from ring 1 with IOPL 1: 32- and 16-bit address
 *    sizes, REP with DF both ways, more repetitions than one exit does,
 *    segment bases and limits (an LDT data segment, expand-down, read
 *    only), a #PF for an unmapped destination, the INVLPG forms.
 *
 * The user code lives in its own page (user_page, mapped with US), its
 * stack in another; the handlers of ring-3 events return to the EIP in
 * EDX on the ESP in EDI (the user code sets both), as i386 Linux's
 * SYSEXIT convention does with EDX/ECX.
 */
#include "pv32_lib.h"
#include <stdbool.h>

#define HC_physdev_op           33
#define HC_callback_op          30
#define PHYSDEVOP_set_iopl      6
#define CALLBACKOP_register     0
#define CALLBACKOP_unregister   1
#define CALLBACKTYPE_sysenter_deprecated 3
#define CALLBACKTYPE_nmi        4
#define CALLBACKTYPE_sysenter   5
#define CALLBACKTYPE_syscall32  7
#define CALLBACKF_mask_events   1
#define MMUEXT_SET_LDT          13
#define DOMID_SELF              0x7ff0

static const struct start_info32 *si;
static volatile uint8_t *shinfo;

/* What the ring-3 handlers saw (uh_record). */
enum { K_NONE, K_SYSENTER, K_SYSCALL, K_GP, K_UD };
static const char *const kind_name[] = { "none", "callback", "callback", "gp", "ud" };
uint32_t uh_kind, uh_count, uh_frame[6], uh_ecx, uh_edx, uh_mask, uh_cs, uh_ss;

void uh_record(uint32_t kind, const uint32_t *regs, const uint32_t *frame)
{
    /* pusha order: EDI ESI EBP ESP EBX EDX ECX EAX */
    uh_kind = kind;
    uh_count++;
    uh_ecx = regs[6];
    uh_edx = regs[5];
    for (unsigned i = 0; i < 6; i++)
        uh_frame[i] = frame[i];
    uh_mask = shinfo[1];
    uint16_t cs, ss;
    __asm__ __volatile__("mov %%cs, %0\n mov %%ss, %1" : "=r"(cs), "=r"(ss));
    uh_cs = cs;
    uh_ss = ss;
}

/* Handlers for events from ring 3: record, then iret to ring 3 at EDX on
 * EDI (the frame rewritten: EIP, CS 0xe02b, EFLAGS kept, ESP, SS 0xe033).
 * The #GP and #UD entries send ring-1 faults to pv32_lib's handlers. */
#define UH(name, kind, errc)                                                   \
    ".globl " #name "\n" #name ":\n"                                           \
    "  pusha\n  lea 32(%esp), %eax\n  push %eax\n  lea 4(%esp), %eax\n"        \
    "  push %eax\n  push $" #kind "\n  call uh_record\n  add $12, %esp\n"      \
    "  popa\n" errc                                                            \
    "  mov %edx, 0(%esp)\n  movl $0xe02b, 4(%esp)\n  mov %edi, 12(%esp)\n"     \
    "  movl $0xe033, 16(%esp)\n  push %eax\n  mov $23, %eax\n  int $0x82\n"
__asm__(".text\n"
        UH(sysenter_cb, 1, "")
        UH(syscall_cb, 2, "")
        UH(gp3_entry, 3, "  add $4, %esp\n")
        UH(ud3_entry, 4, "")
        ".globl gp_any\ngp_any:\n  testb $2, 8(%esp)\n  jnz gp3_entry\n  jmp gp_entry\n"
        ".globl ud_any\nud_any:\n  testb $2, 4(%esp)\n  jnz ud3_entry\n  jmp ud_entry\n");
void sysenter_cb(void), syscall_cb(void), gp_any(void), ud_any(void);

/* The user page: each snippet sets EDX/EDI, does one thing, and leaves
 * with INT $0x81 (user_exit_entry, pv32_entry.S). */
__asm__(".text\n.balign 4096\n.globl user_page\nuser_page:\n"
        ".globl u_sysenter, u_sysenter_insn\nu_sysenter:\n"
        "  mov $1f, %edx\n  mov %esp, %edi\n  mov $0x5eca11, %ecx\n"
        "u_sysenter_insn:\n  sysenter\n1: int $0x81\n"
        ".globl u_sysenter_nt\nu_sysenter_nt:\n"
        "  mov $1f, %edx\n  mov %esp, %edi\n  pushf\n  orl $0x4000, (%esp)\n  popf\n"
        "  sysenter\n1: int $0x81\n"
        ".globl u_syscall, u_syscall_insn, u_syscall_after\nu_syscall:\n"
        "  mov $u_syscall_after, %edx\n  mov %esp, %edi\n"
        "u_syscall_insn:\n  syscall\nu_syscall_after: int $0x81\n"
        ".balign 4096\n");
extern uint8_t user_page[], u_sysenter[], u_sysenter_insn[], u_sysenter_nt[], u_syscall[], u_syscall_insn[],
    u_syscall_after[];

/* to_user with EFLAGS.IF set (events enabled in ring 3). */
__asm__(".text\n.globl to_user_if\nto_user_if:\n"
        "  push %ebp\n  push %ebx\n  push %esi\n  push %edi\n  mov %esp, user_ret_esp\n"
        "  mov $0xe033, %eax\n  mov %eax, %ds\n  mov %eax, %es\n"
        "  mov 20(%esp), %ecx\n  mov 24(%esp), %edx\n"
        "  push $0xe033\n  push %edx\n  push $0x202\n  push $0xe02b\n  push %ecx\n"
        "  push %eax\n  mov $23, %eax\n  int $0x82\n");
void to_user_if(uint32_t eip, uint32_t esp);

static uint8_t ustack[4096] __attribute__((aligned(4096)));
static uint8_t kstack[4096] __attribute__((aligned(16)));
static volatile uint64_t ldt_page[512] __attribute__((aligned(4096)));
static volatile uint8_t segbuf[8192] __attribute__((aligned(4096)));
static volatile uint8_t iobuf[16384] __attribute__((aligned(4096)));

struct cb_reg { uint16_t type, flags; uint32_t cs, eip; };

static long cb_register(unsigned type, unsigned flags, uint32_t eip)
{
    static struct cb_reg r;
    r = (struct cb_reg){ (uint16_t)type, (uint16_t)flags, FLAT_RING1_CS, eip };
    return hc(HC_callback_op, CALLBACKOP_register, (uint32_t)&r, 0, 0);
}

static long cb_unregister(unsigned type)
{
    static uint16_t u[2];
    u[0] = (uint16_t)type;
    return hc(HC_callback_op, CALLBACKOP_unregister, (uint32_t)u, 0, 0);
}

static void run_user(const uint8_t *at)
{
    uh_kind = K_NONE;
    to_user_if((uint32_t)at, (uint32_t)ustack + sizeof(ustack) - 16);
}

static void path(const char *what)
{
    put("pv32_sys: path ");
    put(what);
    put(" ");
    put(kind_name[uh_kind]);
    flush();
}

/* A descriptor: base, limit (bytes, < 1 MiB), type bits 40-47. */
static uint64_t desc(uint32_t base, uint32_t limit, uint32_t access, bool big)
{
    return (uint64_t)(limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)access << 40 |
           (uint64_t)((limit >> 16) & 0xf) << 48 | (big ? 1ull << 54 : 0) | (uint64_t)(base >> 24) << 56;
}

static void test_sys(bool intel, bool amd)
{
    long r;
    uint32_t esp_top = (uint32_t)ustack + sizeof(ustack) - 16;

    r = cb_register(CALLBACKTYPE_sysenter, CALLBACKF_mask_events, (uint32_t)sysenter_cb);
    check(r == 0, "callback-op-register-sysenter", "ret", (uint32_t)r, 0);
    r = cb_register(CALLBACKTYPE_syscall32, 0, (uint32_t)syscall_cb);
    check(r == 0, "callback-op-register-syscall32", "ret", (uint32_t)r, 0);
    r = cb_register(CALLBACKTYPE_sysenter_deprecated, 0, (uint32_t)sysenter_cb);
    check(r == -22, "callback-op-sysenter-deprecated-einval", "ret", (uint32_t)r, (uint32_t)-22);
    r = cb_register(CALLBACKTYPE_syscall32, 0, 0xf5800000u);
    check(r == -22, "callback-op-syscall32-hv-range-einval", "ret", (uint32_t)r, (uint32_t)-22);

    /* SYSENTER with the callback (events masked by it). */
    run_user(u_sysenter);
    path("sysenter");
    if (uh_kind == K_SYSENTER) {
        check(uh_frame[0] == 0 && uh_frame[1] == 3 && uh_frame[3] == 0 && uh_frame[4] == 0xe02b,
              "sysenter-callback-xen-frame", "cs", uh_frame[1], 3);
        check((uh_frame[2] & 0x200) && uh_mask == 1, "sysenter-callback-masks-events", "mask", uh_mask, 1);
        check(uh_ecx == 0x5eca11, "sysenter-callback-ecx-kept", "ecx", uh_ecx, 0x5eca11);
    } else {
        check(uh_kind == K_UD && uh_frame[0] == (uint32_t)u_sysenter_insn && (uh_frame[1] & 0xffff) == 0xe02b,
              "sysenter-ud-at-insn", "eip", uh_frame[0], (uint32_t)u_sysenter_insn);
    }
    check(intel ? uh_kind == K_SYSENTER : amd ? (uh_kind == K_UD || uh_kind == K_SYSENTER) : uh_count != 0,
          "sysenter-path-matches-vendor", "kind", uh_kind, intel ? K_SYSENTER : K_UD);
    bool sysenter_works = uh_kind == K_SYSENTER;

    /* NT set: Xen gives #GP(0) instead of the callback, same frame. */
    run_user(u_sysenter_nt);
    path("sysenter-nt");
    if (sysenter_works)
        check(uh_kind == K_GP && uh_frame[0] == 0 && uh_frame[1] == 0 && (uh_frame[2] & 0xffff) == 3 &&
              (uh_frame[3] & 0x4000) && uh_frame[5] == 0xe02b,
              "sysenter-nt-gp", "eflags", uh_frame[3], 0x4000);
    else
        check(uh_kind == K_UD, "sysenter-nt-ud", "kind", uh_kind, K_UD);

    /* No sysenter callback: #GP(0) with Xen's frame (Intel). */
    r = cb_unregister(CALLBACKTYPE_sysenter);
    check(r == 0, "callback-op-unregister-sysenter", "ret", (uint32_t)r, 0);
    run_user(u_sysenter);
    path("sysenter-unregistered");
    if (sysenter_works)
        check(uh_kind == K_GP && uh_frame[0] == 0 && uh_frame[1] == 0 && (uh_frame[2] & 0xffff) == 3 &&
              uh_frame[4] == 0 && uh_frame[5] == 0xe02b, "sysenter-unregistered-gp-xen-frame", "eip",
              uh_frame[1], 0);
    else
        check(uh_kind == K_UD, "sysenter-unregistered-ud", "kind", uh_kind, K_UD);

    /* SYSCALL with the syscall32 callback (events not masked by it). */
    run_user(u_syscall);
    path("syscall");
    if (uh_kind == K_SYSCALL) {
        check(uh_frame[0] == (uint32_t)u_syscall_after && (uh_frame[1] & 0xffff) == 0xe02b &&
              uh_frame[3] == esp_top && uh_frame[4] == 0xe033, "syscall-callback-frame", "eip", uh_frame[0],
              (uint32_t)u_syscall_after);
        check((uh_frame[2] & 0x200) && uh_mask == 0, "syscall-callback-events-on", "mask", uh_mask, 0);
        check(uh_ecx == (uint32_t)u_syscall_after, "syscall-ecx-next-eip", "ecx", uh_ecx,
              (uint32_t)u_syscall_after);
    } else {
        check(uh_kind == K_UD && uh_frame[0] == (uint32_t)u_syscall_insn, "syscall-ud-at-insn", "eip",
              uh_frame[0], (uint32_t)u_syscall_insn);
    }
    check(amd ? uh_kind == K_SYSCALL : uh_count != 0, "syscall-path-matches-vendor", "kind", uh_kind, K_SYSCALL);
    bool syscall_works = uh_kind == K_SYSCALL;

    /* No syscall32 callback: #GP(0) at the SYSCALL. */
    r = cb_unregister(CALLBACKTYPE_syscall32);
    check(r == 0, "callback-op-unregister-syscall32", "ret", (uint32_t)r, 0);
    run_user(u_syscall);
    path("syscall-unregistered");
    if (syscall_works)
        check(uh_kind == K_GP && uh_frame[0] == 0 && uh_frame[1] == (uint32_t)u_syscall_insn &&
              (uh_frame[2] & 0xffff) == 0xe02b && uh_frame[4] == esp_top, "syscall-unregistered-gp-at-insn",
              "eip", uh_frame[1], (uint32_t)u_syscall_insn);
    else
        check(uh_kind == K_UD, "syscall-unregistered-ud", "kind", uh_kind, K_UD);
}

static void test_io(void)
{
    long r;
    static uint32_t iopl = 1;
    uint32_t gp0 = gp_count, pf0 = pf_count;

    r = hc(HC_physdev_op, PHYSDEVOP_set_iopl, (uint32_t)&iopl, 0, 0);
    check(r == 0, "physdev-set-iopl", "ret", (uint32_t)r, 0);

    /* INSB: one byte of all ones at ES:EDI, EDI + 1. */
    uint32_t di = (uint32_t)iobuf, cx, si;
    iobuf[0] = 0;
    __asm__ __volatile__("movl $1f, gp_resume\n insb\n 1:" : "+D"(di) : "d"(0x80) : "memory");
    check(gp_count == gp0 && iobuf[0] == 0xff && di == (uint32_t)iobuf + 1, "insb-es-edi", "edi", di,
          (uint32_t)iobuf + 1);
    /* REP INSW, ECX 3. */
    di = (uint32_t)iobuf + 16;
    cx = 3;
    __asm__ __volatile__("rep insw" : "+D"(di), "+c"(cx) : "d"(0x80) : "memory");
    check(cx == 0 && di == (uint32_t)iobuf + 22 && *(volatile uint32_t *)(iobuf + 18) == 0xffffffffu &&
          iobuf[22] == 0, "rep-insw", "edi", di, (uint32_t)iobuf + 22);
    /* DF set: REP INSB going down. */
    di = (uint32_t)iobuf + 47;
    cx = 4;
    __asm__ __volatile__("std\n rep insb\n cld" : "+D"(di), "+c"(cx) : "d"(0x80) : "memory");
    check(cx == 0 && di == (uint32_t)iobuf + 43 && iobuf[44] == 0xff && iobuf[47] == 0xff && iobuf[43] == 0,
          "rep-insb-df-down", "edi", di, (uint32_t)iobuf + 43);
    /* REP OUTSL of 3000 elements: more than one exit's 1024. */
    si = (uint32_t)iobuf;
    cx = 3000;
    __asm__ __volatile__("rep outsl" : "+S"(si), "+c"(cx) : "d"(0x80) : "memory");
    check(cx == 0 && si == (uint32_t)iobuf + 12000, "rep-outsl-3000-continued", "esi", si,
          (uint32_t)iobuf + 12000);
    /* 16-bit addressing (67): DI and CX, their upper halves untouched. */
    {
        /* ES based at iobuf (LDT entry 1), so DI is an offset into it. */
        uint32_t base = (uint32_t)iobuf;
        ldt_page[1] = desc(base, 0xffff, 0xf2, true);               /* data RW, DPL 3, limit 64 KiB */
        ldt_page[2] = desc((uint32_t)segbuf, 0xfff, 0xf2, true);    /* data RW, limit 4 KiB */
        ldt_page[3] = desc((uint32_t)segbuf, 0xfff, 0xf0, true);    /* data read-only */
        ldt_page[4] = desc((uint32_t)segbuf - 0x1000, 0xfff, 0xf6, true); /* data RW expand-down, B */
        struct mmuext_op32 op = { MMUEXT_SET_LDT, (uint32_t)ldt_page, 8 };
        r = hc(HC_mmuext_op, (uint32_t)&op, 1, 0, DOMID_SELF);
        check(r == 0, "set-ldt", "ret", (uint32_t)r, 0);
        di = 0x12340000u | 0x80;
        cx = 0xabcd0002u;
        iobuf[0x80] = iobuf[0x81] = iobuf[0x82] = 0;
        __asm__ __volatile__("mov %2, %%es\n addr16 rep insb\n mov %3, %%es"
                             : "+D"(di), "+c"(cx) : "r"(0x0f), "r"(0xe033), "d"(0x80) : "memory");
        check(di == 0x12340082u && cx == 0xabcd0000u && iobuf[0x80] == 0xff && iobuf[0x81] == 0xff &&
              iobuf[0x82] == 0, "addr16-rep-insb-di-cx", "edi", di, 0x12340082u);
    }
    /* Segment bases: ES based at segbuf (offset 0x10); FS override for
     * OUTS through the read-only segment. */
    segbuf[0x10] = 0;
    di = 0x10;
    __asm__ __volatile__("mov %1, %%es\n insb\n mov %2, %%es" : "+D"(di) : "r"(0x17), "r"(0xe033), "d"(0x80)
                         : "memory");
    check(segbuf[0x10] == 0xff && di == 0x11, "insb-es-base", "byte", segbuf[0x10], 0xff);
    si = 0x20;
    __asm__ __volatile__("mov %1, %%fs\n fs outsb\n mov %2, %%fs" : "+S"(si)
                         : "r"(0x1f), "r"(0xe021), "d"(0x80) : "memory");
    check(gp_count == gp0 && si == 0x21, "outsb-fs-override-read-only-seg", "esi", si, 0x21);
    /* Limits and types: beyond the 4 KiB limit, a dword crossing it, INS
     * into the read-only segment: #GP(0). */
    gp0 = gp_count;
    di = 0x1000;
    __asm__ __volatile__("mov %1, %%es\n movl $1f, gp_resume\n insb\n 1: mov %2, %%es" : "+D"(di)
                         : "r"(0x17), "r"(0xe033), "d"(0x80) : "memory");
    check(gp_count == gp0 + 1 && gp_err == 0 && di == 0x1000, "insb-beyond-limit-gp", "gp", gp_count - gp0, 1);
    di = 0xffe;
    __asm__ __volatile__("mov %1, %%es\n movl $1f, gp_resume\n insl\n 1: mov %2, %%es" : "+D"(di)
                         : "r"(0x17), "r"(0xe033), "d"(0x80) : "memory");
    check(gp_count == gp0 + 2 && di == 0xffe, "insl-crossing-limit-gp", "gp", gp_count - gp0, 2);
    di = 0x10;
    __asm__ __volatile__("mov %1, %%es\n movl $1f, gp_resume\n insb\n 1: mov %2, %%es" : "+D"(di)
                         : "r"(0x1f), "r"(0xe033), "d"(0x80) : "memory");
    check(gp_count == gp0 + 3 && di == 0x10, "insb-read-only-seg-gp", "gp", gp_count - gp0, 3);
    /* Expand-down (limit 0xfff, B): offsets 0x1000 up; base segbuf - 4 KiB. */
    segbuf[0x30] = 0;
    di = 0x1030;
    __asm__ __volatile__("mov %1, %%es\n movl $1f, gp_resume\n insb\n 1: mov %2, %%es" : "+D"(di)
                         : "r"(0x27), "r"(0xe033), "d"(0x80) : "memory");
    check(gp_count == gp0 + 3 && segbuf[0x30] == 0xff, "insb-expand-down-above-limit", "byte", segbuf[0x30], 0xff);
    di = 0x30;
    __asm__ __volatile__("mov %1, %%es\n movl $1f, gp_resume\n insb\n 1: mov %2, %%es" : "+D"(di)
                         : "r"(0x27), "r"(0xe033), "d"(0x80) : "memory");
    check(gp_count == gp0 + 4, "insb-expand-down-below-limit-gp", "gp", gp_count - gp0, 4);
    /* An unmapped destination: #PF, supervisor write, CR2 = the address. */
    di = 0xb0000000u;
    __asm__ __volatile__("movl $1f, pf_resume\n insb\n 1:" : "+D"(di) : "d"(0x80) : "memory");
    check(pf_count == pf0 + 1 && pf_err == 2 && *(volatile uint32_t *)(shinfo + 8) == 0xb0000000u,
          "insb-unmapped-pf", "err", pf_err, 2);
    /* A page of the hypervisor's range (the compat M2P): #PF. */
    di = 0xf5800000u;
    __asm__ __volatile__("movl $1f, pf_resume\n insb\n 1:" : "+D"(di) : "d"(0x80) : "memory");
    check(pf_count == pf0 + 2 && (pf_err & 2), "insb-hv-range-pf", "err", pf_err, 3);

    /* INVLPG forms: 32-bit register, absolute disp32, SIB with EBP base
     * (SS), an FS override, 16-bit BX+SI and disp16; each runs on to the
     * next instruction (the lengths are right). */
    gp0 = gp_count;
    uint32_t marks = 0, va = (uint32_t)iobuf;
    __asm__ __volatile__("movl $1f, gp_resume\n"
                         " invlpg (%1)\n incl %0\n"
                         " invlpg 0xc0100000\n incl %0\n"
                         " invlpg 8(%%ebp,%1,2)\n incl %0\n"
                         " invlpg %%fs:(%1)\n incl %0\n"
                         " mov %1, %%ebx\n xor %%esi, %%esi\n"
                         " addr16 invlpg (%%bx,%%si)\n incl %0\n"
                         " addr16 invlpg 0x1234\n incl %0\n"
                         " 1:" : "+c"(marks) : "a"(va) : "ebx", "esi", "memory");
    check(gp_count == gp0 && marks == 6, "invlpg-forms-emulated", "marks", marks, 6);
}

static uint32_t read_fs0(void)
{
    uint32_t x;
    __asm__ __volatile__("mov %%fs:0, %0" : "=r"(x) :: "memory");
    return x;
}

static uint32_t read_gs0(void)
{
    uint32_t x;
    __asm__ __volatile__("mov %%gs:0, %0" : "=r"(x) :: "memory");
    return x;
}

/* FS and GS with non-zero bases (LDT entries 5 and 6): the bases the
 * guest sees across exits, a yield and the hypervisor's reloads of its
 * selectors are its descriptors' bases (after a descriptor change and
 * the reload that follows, the new one; not a base saved from before). */
static void test_fsgs(void)
{
    long r;
    struct mmuext_op32 op = { MMUEXT_SET_LDT, (uint32_t)ldt_page, 8 };

    *(volatile uint32_t *)(segbuf + 0x100) = 0x11111111u;
    *(volatile uint32_t *)(segbuf + 0x200) = 0x22222222u;
    *(volatile uint32_t *)(segbuf + 0x300) = 0x33333333u;
    *(volatile uint32_t *)(segbuf + 0x400) = 0x44444444u;
    ldt_page[5] = desc((uint32_t)segbuf + 0x100, 0xfff, 0xf2, true);
    ldt_page[6] = desc((uint32_t)segbuf + 0x200, 0xfff, 0xf2, true);
    r = hc(HC_mmuext_op, (uint32_t)&op, 1, 0, DOMID_SELF);
    __asm__ __volatile__("mov %0, %%fs\n mov %1, %%gs" :: "r"(0x2f), "r"(0x37) : "memory");
    check(r == 0 && read_fs0() == 0x11111111u && read_gs0() == 0x22222222u, "fs-gs-descriptor-bases", "gs:0",
          read_gs0(), 0x22222222u);
    for (unsigned i = 0; i < 20; i++)
        hc(HC_xen_version, 0, 0, 0, 0);
    hc(HC_sched_op, 0 /* SCHEDOP_yield */, 0, 0, 0);
    __asm__ __volatile__("int3" ::: "memory");
    check(read_fs0() == 0x11111111u && read_gs0() == 0x22222222u, "fs-gs-bases-kept-across-exits", "fs:0",
          read_fs0(), 0x11111111u);
    /* The descriptors move (bases +0x200); SET_LDT again makes the
     * hypervisor copy the LDT and reload the selectors. */
    ldt_page[5] = desc((uint32_t)segbuf + 0x300, 0xfff, 0xf2, true);
    ldt_page[6] = desc((uint32_t)segbuf + 0x400, 0xfff, 0xf2, true);
    r = hc(HC_mmuext_op, (uint32_t)&op, 1, 0, DOMID_SELF);
    hc(HC_sched_op, 0 /* SCHEDOP_yield */, 0, 0, 0);
    uint16_t fs, gs;
    __asm__ __volatile__("mov %%fs, %0\n mov %%gs, %1" : "=r"(fs), "=r"(gs));
    check(r == 0 && fs == 0x2f && gs == 0x37 && read_fs0() == 0x33333333u, "fs-base-after-reload-is-descriptors",
          "fs:0", read_fs0(), 0x33333333u);
    check(read_gs0() == 0x44444444u, "gs-base-after-reload-is-descriptors", "gs:0", read_gs0(), 0x44444444u);
    __asm__ __volatile__("mov %0, %%fs\n mov %0, %%gs" :: "r"(0xe021) : "memory");
    r = hc(HC_mmuext_op, (uint32_t)&(struct mmuext_op32){ MMUEXT_SET_LDT, 0, 0 }, 1, 0, DOMID_SELF);
    check(r == 0, "ldt-off", "ret", (uint32_t)r, 0);
}

/* The guest's own selectors for its handlers and kernel stack (LDT
 * entries 7, code DPL 1, and 8, data DPL 1), named with RPL 0: Xen raises
 * the RPL to 1 and the handlers run on them. */
uint32_t selbp_count, selbp_cs, selbp_ss;
__asm__(".text\n.globl selbp_entry\nselbp_entry:\n"
        "  incl selbp_count\n  push %eax\n  mov %cs, %eax\n  mov %eax, selbp_cs\n"
        "  mov %ss, %eax\n  mov %eax, selbp_ss\n"
        "  pop %eax\n  push %eax\n  mov $23, %eax\n  int $0x82\n");
void selbp_entry(void);

static void test_selectors(void)
{
    long r;
    struct mmuext_op32 op = { MMUEXT_SET_LDT, (uint32_t)ldt_page, 16 };

    ldt_page[7] = desc(0, 0xfffff, 0xba, true) | (1ull << 55);    /* code DPL 1, flat (G) */
    ldt_page[8] = desc(0, 0xfffff, 0xb2, true) | (1ull << 55);    /* data DPL 1, flat (G) */
    r = hc(HC_mmuext_op, (uint32_t)&op, 1, 0, DOMID_SELF);
    static struct trap_info32 t[] = { { 3, 3, 0x3c, 0 }, { 0, 0, 0, 0 } };
    t[0].address = (uint32_t)selbp_entry;
    r = r ? r : hc(HC_set_trap_table, (uint32_t)t, 0, 0, 0);
    check(r == 0, "trap-table-ldt-code-selector", "ret", (uint32_t)r, 0);
    __asm__ __volatile__("int3" ::: "memory");
    check(selbp_count == 1 && selbp_cs == 0x3d && selbp_ss == FLAT_RING1_DS, "bp-handler-on-own-cs-rpl1", "cs",
          selbp_cs, 0x3d);
    /* stack_switch to the LDT data selector (RPL 0 named, 1 used) and the
     * sysenter callback on the LDT code selector, from ring 3. */
    r = hc(HC_stack_switch, 0x44, (uint32_t)kstack + sizeof(kstack), 0, 0);
    r = r ? r : cb_register(CALLBACKTYPE_sysenter, 0, (uint32_t)sysenter_cb);
    static struct cb_reg reg;
    reg = (struct cb_reg){ CALLBACKTYPE_sysenter, 0, 0x3c, (uint32_t)sysenter_cb };
    r = r ? r : hc(HC_callback_op, CALLBACKOP_register, (uint32_t)&reg, 0, 0);
    check(r == 0, "stack-switch-and-sysenter-own-selectors", "ret", (uint32_t)r, 0);
    run_user(u_sysenter);
    /* INT $0x81's handler returned here on that stack selector: the flat
     * one again before the LDT goes. */
    __asm__ __volatile__("mov %0, %%ss" :: "r"(FLAT_RING1_DS) : "memory");
    if (uh_kind == K_SYSENTER)
        check(uh_cs == 0x3d && uh_ss == 0x45, "sysenter-callback-on-own-cs-ss", "cs", uh_cs, 0x3d);
    else
        check(uh_kind == K_UD && uh_ss == 0x45, "ud-from-ring3-on-own-ss", "ss", uh_ss, 0x45);
    /* Back to the flat ones before the LDT goes. */
    r = hc(HC_stack_switch, FLAT_RING1_DS, (uint32_t)kstack + sizeof(kstack), 0, 0);
    r |= cb_unregister(CALLBACKTYPE_sysenter);
    r |= hc(HC_mmuext_op, (uint32_t)&(struct mmuext_op32){ MMUEXT_SET_LDT, 0, 0 }, 1, 0, DOMID_SELF);
    check(r == 0, "selectors-flat-again", "ret", (uint32_t)r, 0);
}

void pv32_main(const struct start_info32 *start)
{
    long r;
    si = start;
    put("pv32_sys: sysenter/syscall and string I/O");
    flush();

    static struct trap_info32 traps[] = {
        { 3, 3, FLAT_RING1_CS, 0 },
        { 6, 0, FLAT_RING1_CS, 0 },
        { 13, 0, FLAT_RING1_CS, 0 },
        { 14, 0, FLAT_RING1_CS, 0 },
        { 0x81, 3, FLAT_RING1_CS, 0 },
        { 0, 0, 0, 0 },
    };
    traps[0].address = (uint32_t)bp_entry;
    traps[1].address = (uint32_t)ud_any;
    traps[2].address = (uint32_t)gp_any;
    traps[3].address = (uint32_t)pf_entry;
    traps[4].address = (uint32_t)user_exit_entry;
    check(hc(HC_set_trap_table, (uint32_t)traps, 0, 0, 0) == 0, "set-trap-table", "ret", 0, 0);
    check(hc(HC_set_callbacks, FLAT_RING1_CS, (uint32_t)ev_entry, FLAT_RING1_CS, (uint32_t)failsafe_entry) == 0,
          "set-callbacks", "ret", 0, 0);
    uint32_t pad = si->pt_base + (si->nr_pt_frames + 16) * 4096;
    r = hc(HC_update_va_mapping, pad, si->shared_info | 0x23, 0, UVMF_INVLPG);
    check(r == 0, "map-shared-info", "ret", (uint32_t)r, 0);
    shinfo = (volatile uint8_t *)pad;

    /* Ring 3's pages (code read-only, stack writable, both US) and the
     * kernel stack bounces from it use. */
    r = hc(HC_update_va_mapping,
           (uint32_t)user_page, (pv32_mfn_of(si, (uint32_t)user_page) << 12) | 0x25, 0, UVMF_INVLPG);
    r |= hc(HC_update_va_mapping, (uint32_t)ustack, (pv32_mfn_of(si, (uint32_t)ustack) << 12) | 0x27, 0, UVMF_INVLPG);
    r |= hc(HC_stack_switch, FLAT_RING1_DS, (uint32_t)kstack + sizeof(kstack), 0, 0);
    check(r == 0, "user-pages-and-kernel-stack", "ret", (uint32_t)r, 0);

    /* mode=hvsel (pv32_sys_hvsel.cfg): a #BP handler on the hypervisor's
     * ring-0 code selector 0xe008.  Registered as Xen does (RPL raised to
     * 1: 0xe009); the bounce cannot enter it and the domain crashes. */
    for (const char *p = si->cmd_line; *p; p++)
        if (p[0] == 'm' && p[1] == 'o' && p[2] == 'd' && p[3] == 'e' && p[4] == '=' && p[5] == 'h' && p[6] == 'v') {
            static struct trap_info32 t[] = { { 3, 3, 0xe008, 0 }, { 0, 0, 0, 0 } };
            t[0].address = (uint32_t)bp_entry;
            r = hc(HC_set_trap_table, (uint32_t)t, 0, 0, 0);
            check(r == 0, "trap-table-hv-selector-accepted", "ret", (uint32_t)r, 0);
            __asm__ __volatile__("int3" ::: "memory");
            check(0, "hv-selector-handler-ran", "", 0, 1);
            pv32_finish();
        }

    uint32_t a = 0, b, c, d;
    __asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    bool intel = b == 0x756e6547u, amd = b == 0x68747541u;
    put(intel ? "pv32_sys: vendor intel" : amd ? "pv32_sys: vendor amd" : "pv32_sys: vendor other");
    flush();

    test_sys(intel, amd);
    test_io();
    test_fsgs();
    test_selectors();
    pv32_finish();
}
