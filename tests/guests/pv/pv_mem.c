/*
 * pv_mem: memory_op's reservations for a 64-bit PV kernel (docs/pv.md
 * "Reservations", src/pv/pv_memory.c), in a domain with maxmem above
 * memory:
 *  - a frame still mapped, and a pinned page-table frame, given back with
 *    decrease_reservation: refused (0 extents done), nothing changed;
 *  - the frame unmapped, given back: 1 done, current_reservation one
 *    less, its M2P entry invalid, and mapping it again is refused;
 *  - populate_physmap for the same gpfn: a frame whose data is zero, its
 *    M2P entry = the gpfn, the reservation back where it was;
 *  - increase_reservation: 3 order-0 extents and one order-2 extent
 *    (aligned), mapped and written, then given back;
 *  - refusals: a made-up frame, an unaligned order-1 extent, order 10,
 *    a count the continuation encoding cannot carry;
 *  - a hostile count (2^40 extents, null handle): stops exactly at
 *    maximum_reservation after several continuations (the hypervisor's
 *    log line), and a populate beyond the maximum does nothing.
 * The frames of the hostile call are left to teardown: "frames all
 * returned" checks that frames no RAM block lists are freed.
 *
 * Then the rest of issue 14 (docs/pv.md):
 *  - PHYSDEVOP_set_iobitmap with IOPL 0: a port whose bit is clear is
 *    emulated (all ones), the next one (bit set) is a #GP; the bitmap is
 *    read at each check (clearing the bit in memory allows it); a 4-port
 *    access over a set bit, a port beyond nr_ports, nr_ports > 65536
 *    (-EINVAL) and a removed bitmap are refused;
 *  - INVLPG by the kernel, emulated (no #GP, the next instruction runs)
 *    for register, displacement, SIB, RIP-relative and %gs: operands, a
 *    hypervisor and a non-canonical address;
 *  - VMASST_TYPE_runstate_update_flag accepted; the runstate record,
 *    updated while vCPU 0 yields, never left with XEN_RUNSTATE_UPDATE;
 *  - vCPU 1 brought up with a user L4 (ctrlreg[1]; a writable frame there
 *    refused and nothing kept), gs_base_user (its RDMSR of the shadow GS
 *    base reads it), kernel_sp and the syscall callback: it enters user
 *    mode (possible only with a user L4) and its SYSCALL lands on the
 *    kernel_sp stack; VCPUOP_down from vCPU 0 stops it (is_up 0, its
 *    counter stands still, its runstate offline), VCPUOP_up resumes it;
 *    vCPU 1 takes itself down, the call returns 0 once it is up again;
 *  - at the end, vCPU 1 down and vCPU 0 taking itself down: the last vCPU
 *    up, so the domain powers off (Xen's rule).
 */
#include "pv_lib.h"
#include "public/vcpu.h"

void pf_handler(void), gp_handler(void), unexpected_0(void), unexpected_6(void);

#define MMUEXT_PIN_L1_TABLE     0
#define MMUEXT_PIN_L2_TABLE     1
#define MMUEXT_PIN_L3_TABLE     2
#define XENMEM_increase_reservation     0
#define XENMEM_decrease_reservation     1
#define XENMEM_current_reservation      3
#define XENMEM_maximum_reservation      4
#define XENMEM_populate_physmap         6
#define EINVAL  22
#define PTE_TABLE   0x67ull
#define M2P         ((volatile const uint64_t *)0xffff800000000000ull)
#define SLOT_T  5ull
#define VA_T    (SLOT_T << 39)

struct xen_reservation {
    uint64_t extent_start, nr_extents;
    uint32_t extent_order, mem_flags;
    uint16_t domid, pad[3];
};

static long resv(unsigned op, uint64_t *list, uint64_t nr, unsigned order)
{
    struct xen_reservation r = { (uint64_t)list, nr, order, 0, DOMID_SELF, { 0 } };
    return hc(__HYPERVISOR_memory_op, op, (uint64_t)&r, 0, 0);
}

static long cur(void)
{
    uint16_t self = DOMID_SELF;
    return hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, (uint64_t)&self, 0, 0);
}

static long maxr(void)
{
    uint16_t self = DOMID_SELF;
    return hc(__HYPERVISOR_memory_op, XENMEM_maximum_reservation, (uint64_t)&self, 0, 0);
}

/* Entry k of the test L1 (frame a) maps frame f (0: unmapped). */
static long map_at(uint64_t a, unsigned k, uint64_t f)
{
    return mmu1(a << 12 | k * 8, f ? (f << 12 | PTE_TABLE) : 0);
}

/* ---- I/O bitmap ---- */

#define PHYSDEVOP_set_iobitmap  7
#define GP_GUARD_BEGIN "lea 1f(%%rip), %%r11\n mov %%r11, gp_resume(%%rip)\n"
#define GP_GUARD_END   "1:\n"

static uint8_t iobmp[64];

/* IN of 1, 2 or 4 bytes from port; true if it did not #GP. */
static int in_ok(unsigned port, unsigned size, uint32_t *val)
{
    uint64_t before = gp_count;
    uint32_t v = 0;
    if (size == 1)
        __asm__ __volatile__(GP_GUARD_BEGIN "inb %w1, %b0\n" GP_GUARD_END : "+a"(v) : "Nd"(port) : "r11", "memory");
    else if (size == 2)
        __asm__ __volatile__(GP_GUARD_BEGIN "inw %w1, %w0\n" GP_GUARD_END : "+a"(v) : "Nd"(port) : "r11", "memory");
    else
        __asm__ __volatile__(GP_GUARD_BEGIN "inl %w1, %0\n" GP_GUARD_END : "+a"(v) : "Nd"(port) : "r11", "memory");
    *val = v;
    return gp_count == before;
}

static long set_iobitmap(const void *bitmap, uint32_t nr)
{
    struct { uint64_t bitmap; uint32_t nr_ports, pad; } a = { (uint64_t)bitmap, nr, 0 };
    return hc(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iobitmap, (uint64_t)&a, 0, 0);
}

static void check_iobitmap(void)
{
    uint32_t v;
    for (unsigned i = 0; i < sizeof(iobmp); i++)
        iobmp[i] = 0xff;
    iobmp[0x80 >> 3] &= (uint8_t)~(1u << (0x80 & 7));     /* port 0x80 only */
    check(!in_ok(0x80, 1, &v), "iobitmap-none-gp", "in ok", 1, 0);
    long rc = set_iobitmap(iobmp, 0x100);
    check(rc == 0, "iobitmap-set", "rc", (uint64_t)rc, 0);
    check(in_ok(0x80, 1, &v) && v == 0xff, "iobitmap-port-allowed", "value", v, 0xff);
    check(!in_ok(0x81, 1, &v), "iobitmap-next-port-refused", "in ok", 1, 0);
    iobmp[0x81 >> 3] &= (uint8_t)~(1u << (0x81 & 7));
    check(in_ok(0x81, 1, &v), "iobitmap-read-at-each-check", "in ok", 0, 1);
    check(in_ok(0x80, 2, &v) && v == 0xffff, "iobitmap-word-both-allowed", "value", v, 0xffff);
    check(!in_ok(0x80, 4, &v), "iobitmap-dword-over-set-bit-refused", "in ok", 1, 0);
    iobmp[0x100 >> 3] = 0;      /* allowed in the bytes, but beyond nr_ports */
    check(!in_ok(0x100, 1, &v), "iobitmap-beyond-nr-ports-refused", "in ok", 1, 0);
    rc = set_iobitmap(iobmp, 65537);
    check(rc == -EINVAL, "iobitmap-too-many-ports", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    rc = set_iobitmap(0, 0);
    check(rc == 0 && !in_ok(0x80, 1, &v), "iobitmap-removed", "rc", (uint64_t)rc, 0);
}

/* ---- INVLPG ---- */

static volatile uint64_t invlpg_target[512] __attribute__((aligned(4096)));

static void check_invlpg(void)
{
    uint64_t before = gp_count, idx = 1;
    volatile uint64_t after = 0;
    invlpg_target[0] = 5;
    __asm__ __volatile__(GP_GUARD_BEGIN "invlpg (%0)\n movq $1, %1\n" GP_GUARD_END
                         :: "r"(invlpg_target), "m"(after) : "r11", "memory");
    check(gp_count == before && after == 1, "invlpg-register", "#GP", gp_count - before, 0);
    __asm__ __volatile__(GP_GUARD_BEGIN "invlpg 8(%0,%1,8)\n invlpg -8(%0)\n" GP_GUARD_END
                         :: "r"(invlpg_target), "r"(idx) : "r11", "memory");
    __asm__ __volatile__(GP_GUARD_BEGIN "invlpg invlpg_target(%%rip)\n" GP_GUARD_END ::: "r11", "memory");
    __asm__ __volatile__(GP_GUARD_BEGIN "invlpg %%gs:(%0)\n" GP_GUARD_END :: "r"(invlpg_target) : "r11", "memory");
    check(gp_count == before, "invlpg-sib-rip-gs", "#GP", gp_count - before, 0);
    __asm__ __volatile__(GP_GUARD_BEGIN "invlpg (%0)\n invlpg (%1)\n" GP_GUARD_END
                         :: "r"(0xffff830000000000ull), "r"(0x0000900000000000ull) : "r11", "memory");
    check(gp_count == before && invlpg_target[0] == 5, "invlpg-hypervisor-and-noncanonical-ignored", "#GP",
          gp_count - before, 0);
}

/* ---- runstate_update_flag ---- */

#define VMASST_CMD_enable   0
#define VMASST_CMD_disable  1
#define VMASST_TYPE_runstate_update_flag 5

static volatile struct vcpu_runstate_info rs0, rs1;
static volatile uint64_t ap_cmd, ap_count, ap_gs_user, ap_flag_seen, ap_reads;
static volatile long ap_self_down_rc = 1;

static void check_runstate_flag(void)
{
    long rc = hc(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag, 0, 0);
    check(rc == 0, "runstate-flag-enable", "rc", (uint64_t)rc, 0);
    struct vcpu_register_runstate_memory_area a = { (uint64_t)&rs0 };
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, (uint64_t)&a, 0);
    uint64_t bad = 0, last = 0, back = 0;
    for (unsigned i = 0; i < 200; i++) {
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
        uint64_t t = rs0.state_entry_time;
        bad += (t & XEN_RUNSTATE_UPDATE) != 0 || rs0.state != RUNSTATE_running;
        back += t < last;
        last = t;
    }
    check(rc == 0 && bad == 0 && back == 0 && last != 0, "runstate-flag-clear-after-updates", "flagged", bad, 0);
}

/* ---- vCPU 1: down and up ---- */

#define MSR_KERNEL_GS_BASE 0xc0000102u
#define GS_USER 0x0000123456789000ull

static struct vcpu_guest_context ctx;
static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static uint8_t ap_kstack[8192] __attribute__((aligned(16)));     /* ctx.kernel_sp */
static uint8_t ap_ustack[4096] __attribute__((aligned(16)));
volatile uint64_t ap_sc_rsp, ap_sc_count;
void ap_main(void), ap_loop(void), ap_user(void), ap_sc_entry(void);
void ap_enter_user(uint64_t rip, uint64_t rsp) __attribute__((noreturn));

/* vCPU 1 in user mode (the user L4 of its context; the kernel's own L4
 * here, whose kernel mappings are user ones for a ring-3 kernel): one
 * SYSCALL, which the hypervisor bounces to the syscall callback on the
 * context's kernel_sp stack; the callback records where its frame is and
 * goes on in kernel mode with ap_loop. */
__asm__("   .text\n"
        "   .globl ap_enter_user\n"
        "ap_enter_user:\n"
        "   pushq   $0xe02b\n"              /* ss */
        "   push    %rsi\n"                 /* rsp */
        "   pushq   $0x202\n"               /* rflags */
        "   pushq   $0xe033\n"              /* cs, RPL 3: user mode */
        "   push    %rdi\n"                 /* rip */
        "   pushq   $0\n"
        "   push    %rcx\n"
        "   push    %r11\n"
        "   push    %rax\n"
        "   mov     $23, %eax\n"            /* iret */
        "   syscall\n"
        "   ud2\n"
        "   .globl ap_user\n"
        "ap_user:\n"
        "   syscall\n"
        "   ud2\n"
        "   .globl ap_sc_entry\n"
        "ap_sc_entry:\n"
        "   mov     %rsp, ap_sc_rsp(%rip)\n"
        "   incq    ap_sc_count(%rip)\n"
        "   and     $~15, %rsp\n"
        "   call    ap_loop\n"
        "   ud2\n");

void ap_main(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_KERNEL_GS_BASE));
    ap_gs_user = (uint64_t)hi << 32 | lo;
    ap_loop();
}

void ap_loop(void)
{
    for (;;) {
        ap_count++;
        if (ap_cmd == 1) {
            ap_cmd = 0;
            ap_self_down_rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_down, 1, 0, 0);
        } else if (ap_cmd == 3) {
            ap_cmd = 0;
            ap_enter_user((uint64_t)ap_user, (uint64_t)(ap_ustack + sizeof(ap_ustack)));
        } else if (ap_cmd == 2) {
            /* Watches vCPU 0's runstate record while vCPU 0 yields. */
            for (unsigned i = 0; i < 20000; i++) {
                ap_flag_seen += (rs0.state_entry_time & XEN_RUNSTATE_UPDATE) != 0;
                ap_reads++;
            }
            ap_cmd = 0;
        }
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    }
}

static long vop(unsigned cmd, unsigned id, const void *arg)
{
    return hc(__HYPERVISOR_vcpu_op, cmd, id, (uint64_t)arg, 0);
}

static void wait_for(volatile uint64_t *p, uint64_t value, int equal)
{
    for (unsigned i = 0; i < 100000 && ((*p == value) != equal); i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
}

static void check_vcpu_down(const struct start_info *si)
{
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    uint64_t l4 = p2m[(si->pt_base - VIRT_BASE) >> 12];
    uint8_t *c = (uint8_t *)&ctx;
    for (unsigned i = 0; i < sizeof(ctx); i++)
        c[i] = 0;
    ctx.flags = VGCF_in_kernel;
    ctx.user_regs.rip = (uint64_t)ap_main;
    ctx.user_regs.rsp = (uint64_t)(ap_stack + sizeof(ap_stack)) - 8;
    ctx.user_regs.cs = FLAT_KERNEL_CS;
    ctx.user_regs.ss = FLAT_KERNEL_SS;
    ctx.user_regs.rflags = 0x200;
    ctx.kernel_ss = FLAT_KERNEL_SS;
    ctx.kernel_sp = (uint64_t)(ap_kstack + sizeof(ap_kstack));
    ctx.syscall_callback_eip = (uint64_t)ap_sc_entry;
    ctx.gs_base_user = GS_USER;
    ctx.ctrlreg[3] = l4 << 12;
    /* A user L4 that cannot be one (a frame mapped writable): refused. */
    ctx.ctrlreg[1] = p2m[((uint64_t)ap_stack - VIRT_BASE) >> 12] << 12;
    long rc = vop(VCPUOP_initialise, 1, &ctx);
    check(rc == -EINVAL, "vcpu1-bad-user-l4-refused", "rc", (uint64_t)rc, (uint64_t)-EINVAL);
    ap_stack[0] = 1;            /* still writable */
    /* The kernel's own L4 as the user one too (a valid L4). */
    ctx.ctrlreg[1] = l4 << 12;
    rc = vop(VCPUOP_initialise, 1, &ctx);
    check(rc == 0, "vcpu1-init-with-user-l4", "rc", (uint64_t)rc, 0);
    rc = vop(VCPUOP_up, 1, 0);
    wait_for(&ap_gs_user, 0, 0);
    check(rc == 0 && ap_gs_user == GS_USER, "vcpu1-gs-base-user", "value", ap_gs_user, GS_USER);
    /* User mode needs the user L4 (else the iret crashes the domain); its
     * SYSCALL lands on kernel_sp's stack: Xen's 7-word frame below it. */
    ap_cmd = 3;
    wait_for(&ap_sc_count, 0, 0);
    check(ap_sc_count == 1 && ap_sc_rsp == (uint64_t)(ap_kstack + sizeof(ap_kstack)) - 7 * 8,
          "vcpu1-user-mode-syscall-on-kernel-sp", "frame", ap_sc_rsp, (uint64_t)(ap_kstack + sizeof(ap_kstack)) - 56);
    struct vcpu_register_runstate_memory_area a = { (uint64_t)&rs1 };
    rc = vop(VCPUOP_register_runstate_memory_area, 1, &a);
    check(rc == 0, "vcpu1-runstate-registered", "rc", (uint64_t)rc, 0);

    /* vCPU 1 watches vCPU 0's runstate record while vCPU 0 yields. */
    ap_cmd = 2;
    for (unsigned i = 0; i < 100000 && ap_cmd == 2; i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    put("runstate-flag: vCPU 1 saw XEN_RUNSTATE_UPDATE in ");
    put_hex(ap_flag_seen);
    put(" of ");
    put_hex(ap_reads);
    put(" reads\n");

    /* Down from vCPU 0. */
    rc = vop(VCPUOP_down, 1, 0);
    check(rc == 0 && vop(VCPUOP_is_up, 1, 0) == 0, "vcpu1-down", "rc", (uint64_t)rc, 0);
    /* Its record says offline once it has passed its run loop's check (a
     * runnable vCPU behind in the scheduler's order may take a while, as
     * on Xen, which writes the area when it switches the vCPU out); from
     * then on it does not run. */
    for (unsigned i = 0; i < 100000 && rs1.state != RUNSTATE_offline; i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    check(rs1.state == RUNSTATE_offline, "vcpu1-runstate-offline", "state", rs1.state, RUNSTATE_offline);
    uint64_t c0 = ap_count;
    for (unsigned i = 0; i < 1000; i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    check(ap_count == c0, "vcpu1-down-stops-running", "count moved", ap_count - c0, 0);
    rc = vop(VCPUOP_up, 1, 0);
    wait_for(&ap_count, c0, 0);
    check(rc == 0 && ap_count != c0 && vop(VCPUOP_is_up, 1, 0) == 1, "vcpu1-up-resumes", "count", ap_count, c0);

    /* vCPU 1 takes itself down. */
    ap_cmd = 1;
    for (unsigned i = 0; i < 100000 && vop(VCPUOP_is_up, 1, 0) != 0; i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    check(vop(VCPUOP_is_up, 1, 0) == 0 && ap_self_down_rc == 1, "vcpu1-self-down", "rc", (uint64_t)ap_self_down_rc, 1);
    rc = vop(VCPUOP_up, 1, 0);
    wait_for((volatile uint64_t *)&ap_self_down_rc, 1, 0);
    check(rc == 0 && ap_self_down_rc == 0, "vcpu1-self-down-returns-after-up", "rc", (uint64_t)ap_self_down_rc, 0);
}

/* The report first: the domain's end is vCPU 0 taking itself down as the
 * last vCPU up (a poweroff); anything else crashes it. */
static void last_vcpu_down(void)
{
    long rc = vop(VCPUOP_down, 1, 0);
    check(rc == 0, "vcpu1-down-again", "rc", (uint64_t)rc, 0);
    pv_report();
    if (nr_fail)
        shutdown(SHUTDOWN_crash);
    put("last vCPU down\n");
    flush();
    vop(VCPUOP_down, 0, 0);
    put("still running after the last VCPUOP_down\n");
    flush();
    shutdown(SHUTDOWN_crash);
    for (;;)
        ;
}

void pv_main(const struct start_info *si)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 13, 0, FLAT_KERNEL_CS, (uint64_t)gp_handler },
        { 14, 0, FLAT_KERNEL_CS, (uint64_t)pf_handler },
        { 0, 0, 0, 0 },
    };
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    uint64_t n = si->nr_pages, list[8];
    long rc, r0;

    put("hello");
    flush();
    check(hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0) == 0, "set-trap-table", "rc", 0, 0);

    /* A small tree at L4 slot 5 (frames at the top of RAM, outside the
     * builder's region), as pv_mmu builds it. */
    uint64_t A = p2m[n - 1], B = p2m[n - 2], C = p2m[n - 3], X = p2m[n - 4];
    uint64_t L4 = p2m[(si->pt_base - VIRT_BASE) >> 12];
    rc = mmu1(C << 12, B << 12 | PTE_TABLE);
    rc |= mmu1(B << 12, A << 12 | PTE_TABLE);
    for (unsigned k = 0; k < 16; k++)
        rc |= map_at(A, k, 0);
    rc |= ext1(MMUEXT_PIN_L1_TABLE, A, 0);
    rc |= ext1(MMUEXT_PIN_L2_TABLE, B, 0);
    rc |= ext1(MMUEXT_PIN_L3_TABLE, C, 0);
    rc |= mmu1(L4 << 12 | SLOT_T * 8, C << 12 | PTE_TABLE);
    check(rc == 0, "tree", "rc", (uint64_t)rc, 0);

    r0 = cur();
    long mx = maxr();
    check(r0 == (long)n && mx > r0 + 64, "reservations", "current", (uint64_t)r0, n);

    /* Mapped, then pinned: refused. */
    volatile uint64_t *p = (volatile uint64_t *)VA_T;
    rc = map_at(A, 0, X);
    p[7] = 0x5151515151515151ull;
    list[0] = X;
    rc = resv(XENMEM_decrease_reservation, list, 1, 0);
    check(rc == 0 && cur() == r0 && p[7] == 0x5151515151515151ull, "decrease-mapped-refused", "rc", (uint64_t)rc, 0);
    list[0] = A;
    rc = resv(XENMEM_decrease_reservation, list, 1, 0);
    check(rc == 0 && cur() == r0, "decrease-pinned-refused", "rc", (uint64_t)rc, 0);

    /* Unmapped: given back. */
    rc = map_at(A, 0, 0);
    check(rc == 0, "unmap", "rc", (uint64_t)rc, 0);
    check(M2P[X] == n - 4, "m2p-before", "m2p", M2P[X], n - 4);
    list[0] = X;
    rc = resv(XENMEM_decrease_reservation, list, 1, 0);
    check(rc == 1 && cur() == r0 - 1, "decrease-released", "rc", (uint64_t)rc, 1);
    check(M2P[X] == ~0ull, "decrease-m2p-invalid", "m2p", M2P[X], ~0ull);
    rc = map_at(A, 0, X);
    check(rc == -EINVAL, "released-frame-not-mappable", "rc", (uint64_t)rc, (uint64_t)-EINVAL);

    /* Populated back at the same gpfn: zeroed, M2P written. */
    list[0] = n - 4;
    rc = resv(XENMEM_populate_physmap, list, 1, 0);
    uint64_t Y = list[0];
    check(rc == 1 && cur() == r0, "populate-back", "rc", (uint64_t)rc, 1);
    check(M2P[Y] == n - 4, "populate-m2p-updated", "m2p", M2P[Y], n - 4);
    rc = map_at(A, 0, Y);
    uint64_t nz = 0;
    for (unsigned i = 0; i < 512; i++)
        nz |= p[i];
    check(rc == 0 && nz == 0, "populate-zeroed", "or of the page", nz, 0);
    p[9] = 99;
    check(p[9] == 99, "populate-writable", "value", p[9], 99);

    /* increase_reservation: 3 single frames and one order-2 extent. */
    rc = resv(XENMEM_increase_reservation, list, 3, 0);
    check(rc == 3 && cur() == r0 + 3 && list[0] != list[1] && list[1] != list[2] && list[0] != list[2],
          "increase-3", "rc", (uint64_t)rc, 3);
    rc = map_at(A, 1, list[2]);
    volatile uint64_t *q = (volatile uint64_t *)(VA_T + 4096);
    q[1] = 7;
    check(rc == 0 && q[1] == 7, "increase-mappable", "rc", (uint64_t)rc, 0);
    rc = map_at(A, 1, 0);
    rc = resv(XENMEM_decrease_reservation, list, 3, 0);
    check(rc == 3 && cur() == r0, "increase-3-given-back", "rc", (uint64_t)rc, 3);
    rc = resv(XENMEM_increase_reservation, list, 1, 2);
    uint64_t big = list[0];
    check(rc == 1 && (big & 3) == 0 && cur() == r0 + 4, "increase-order2-aligned", "mfn", big, big & ~3ull);
    rc = map_at(A, 2, big + 3);
    check(rc == 0, "order2-last-frame-mappable", "rc", (uint64_t)rc, 0);
    rc = map_at(A, 2, 0);
    list[0] = big + 1;
    rc = resv(XENMEM_decrease_reservation, list, 1, 1);
    check(rc == 0 && cur() == r0 + 4, "decrease-unaligned-refused", "rc", (uint64_t)rc, 0);
    list[0] = big;
    rc = resv(XENMEM_decrease_reservation, list, 1, 2);
    check(rc == 1 && cur() == r0, "decrease-order2", "rc", (uint64_t)rc, 1);

    /* Refusals. */
    uint64_t maxm = 0;
    for (uint64_t i = 0; i < n; i++)
        if (p2m[i] > maxm)
            maxm = p2m[i];
    list[0] = maxm + 0x1234;
    rc = resv(XENMEM_decrease_reservation, list, 1, 0);
    check(rc == 0 && cur() == r0, "decrease-foreign-refused", "rc", (uint64_t)rc, 0);
    rc = resv(XENMEM_increase_reservation, list, 1, 10);
    check(rc == 0 && cur() == r0, "order10-refused", "rc", (uint64_t)rc, 0);
    rc = resv(XENMEM_increase_reservation, list, 1ull << 60, 0);
    check(rc == 0 && cur() == r0, "huge-encoding-refused", "rc", (uint64_t)rc, 0);

    /* A hostile count: bounded by maxmem, continued by the hypervisor. */
    rc = resv(XENMEM_increase_reservation, 0, 1ull << 40, 0);
    check(rc == mx - r0 && cur() == mx, "hostile-count-bounded", "rc", (uint64_t)rc, (uint64_t)(mx - r0));
    list[0] = n + 5;
    rc = resv(XENMEM_populate_physmap, list, 1, 0);
    check(rc == 0 && cur() == mx, "populate-beyond-max-refused", "rc", (uint64_t)rc, 0);

    check_iobitmap();
    check_invlpg();
    check_runstate_flag();
    check_vcpu_down(si);
    last_vcpu_down();
}
