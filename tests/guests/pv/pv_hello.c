/*
 * pv_hello: the first 64-bit PV guest (docs/pv.md).  A kernel in ring 3
 * that calls the hypervisor with SYSCALL and checks what Xen's builder
 * would have given it:
 *  - start_info: magic, nr_pages (the cfg's 64 MiB), flags, command line,
 *    shared_info as a machine address, the region's order (kernel, p2m
 *    list, start_info, xenstore, console, page tables, boot stack);
 *  - its page tables, read through their own read-only mapping: the walk
 *    of start_info's address ends at the frame the p2m list names for it;
 *    page-table frames mapped read-only, others writable; the kernel's
 *    entries turned into user ones with bit 52 (the ring-3 kernel);
 *  - a write to its L4 and a read of the hypervisor's range: #PF, bounced
 *    to its handler with the error code a kernel access has, returned from
 *    with the iret hypercall;
 *  - INT3: #BP bounced with Xen's frame (RCX, R11, RIP, CS with the saved
 *    upcall mask, RFLAGS with IF = events enabled), iret back after it;
 *  - INT 0x80 with a trap-table entry allowing it goes to that handler;
 *    INT 0x81 with privilege 0 is a #GP with the IDT error code;
 *  - RFLAGS from an iret frame sanitized (no IOPL, NT, VM, VIF/VIP; IF
 *    set), IN still a #GP; any selector in the trap table accepted (Xen),
 *    a handler in the hypervisor's range refused;
 *  - set_trap_table refuses a non-canonical handler; an unknown hypercall
 *    is -ENOSYS.
 *  - registers intact across host interrupts taken while it spins in ring 3
 *    (a 1 ms periodic timer);
 *  - events: set_callbacks, VIRQ_TIMER bound, set_timer_op in the past,
 *    SCHEDOP_block (which enables events): one upcall to the callback with
 *    Xen's frame (saved mask 0, IF set), iret back with events masked.
 * Powers off when every check passed, crashes otherwise.
 *
 * With "mode=..." on the command line it is a hostile guest whose domain
 * must crash, leaving the hypervisor running (list-pv.cmake checks the
 * line): nohandler (INT3 without a trap table), badiret (iret to a
 * non-canonical RIP), badcs (iret to the hypervisor's code selector),
 * badstack (INT3 with RSP in the hypervisor's direct map: no frame);
 * spin (ring 3 forever, for a look at the hang report by hand).
 */
#include "pv_lib.h"
#include "public/version.h"
#include "public/event_channel.h"
#include "public/vcpu.h"
#include "public/callback.h"
#include "public/memory.h"

#define NAME "pv_hello"

void gp_handler(void), int80_handler(void);
void ev_handler(void);
void iret_bad(uint64_t rip, uint64_t cs);
uint64_t spin_regs(uint64_t cycles);
uint64_t iret_flags(uint64_t rflags);
void bad_stack_int3(uint64_t rsp);
extern char _end[];
void bp_handler(void), pf_handler(void);
void unexpected_0(void), unexpected_6(void);

static size_t slen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int scmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

static void put_dec(uint64_t v)
{
    char b[21];
    int i = 20;
    b[i] = 0;
    do
        b[--i] = (char)('0' + v % 10);
    while ((v /= 10) && i > 0);
    put(b + i);
}

/* The pfn of a machine frame, from the p2m list (no M2P here yet). */
static uint64_t pfn_of(const struct start_info *si, uint64_t mfn)
{
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    for (uint64_t i = 0; i < si->nr_pages; i++)
        if (p2m[i] == mfn)
            return i;
    return ~0ull;
}

static const uint64_t *table_va(const struct start_info *si, uint64_t entry)
{
    uint64_t pfn = pfn_of(si, (entry >> 12) & 0xffffffffffull);
    return pfn == ~0ull ? NULL : (const uint64_t *)(VIRT_BASE + pfn * 4096);
}

/* The L1 entry for va, through the tables' own mappings; 0 if absent. */
static uint64_t l1e_of(const struct start_info *si, uint64_t va)
{
    const uint64_t *t = (const uint64_t *)si->pt_base;
    for (int level = 4; level > 1; level--) {
        uint64_t e = t[(va >> (12 + 9 * (level - 1))) & 511];
        if (!(e & 1) || !(t = table_va(si, e)))
            return 0;
    }
    return t[(va >> 12) & 511];
}

static void check_start_info(const struct start_info *si)
{
    uint64_t si_va = (uint64_t)si;
    uint64_t p2m_pages = (si->nr_pages * 8 + 4095) / 4096;
    uint64_t kend = ((uint64_t)_end + 4095) & ~4095ull;

    check(!scmp(si->magic, "xen-3.0-x86_64"), "si-magic", "first byte", (uint8_t)si->magic[0], 'x');
    check(si->nr_pages == (64ull << 20) / 4096, "si-nr-pages", "nr_pages", si->nr_pages, (64ull << 20) / 4096);
    check(si->flags == SIF_VIRT_P2M_4TOOLS, "si-flags", "flags", si->flags, SIF_VIRT_P2M_4TOOLS);
    check(!scmp((const char *)si->cmd_line, "pv_hello alpha=1"), "si-cmdline", "length",
          slen((const char *)si->cmd_line), 16);
    check(si->shared_info && !(si->shared_info & 0xfff), "si-shared-info", "machine address", si->shared_info, 0);
    check(si->mfn_list == kend, "layout-p2m", "mfn_list", si->mfn_list, kend);
    check(si_va == si->mfn_list + p2m_pages * 4096, "layout-start-info", "start_info", si_va,
          si->mfn_list + p2m_pages * 4096);
    check(si->pt_base == si_va + 3 * 4096, "layout-pt-base", "pt_base", si->pt_base, si_va + 3 * 4096);
    /* L4 + one L3 + one L2 + one L1 per 2 MiB up to the 4 MiB-aligned end. */
    uint64_t stack_end = si->pt_base + si->nr_pt_frames * 4096 + 4096;
    uint64_t region_end = ((stack_end + 128 * 4096) | ((4ull << 20) - 1)) + 1;
    check(entry_rsp == stack_end, "layout-boot-stack", "rsp at entry", entry_rsp, stack_end);
    check(si->nr_pt_frames == 3 + (region_end - VIRT_BASE) / (2ull << 20), "layout-nr-pt-frames", "nr_pt_frames",
          si->nr_pt_frames, 3 + (region_end - VIRT_BASE) / (2ull << 20));
    check(si->mod_start == 0 && si->mod_len == 0 && si->first_p2m_pfn == 0, "si-no-modules", "mod_start",
          si->mod_start, 0);
    check(si->store_mfn == ((const uint64_t *)si->mfn_list)[(si_va + 4096 - VIRT_BASE) >> 12], "si-store-mfn",
          "store_mfn", si->store_mfn, 0);
}

static void check_page_tables(const struct start_info *si)
{
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    uint64_t si_pfn = ((uint64_t)si - VIRT_BASE) >> 12;
    uint64_t e = l1e_of(si, (uint64_t)si);
    uint64_t want = p2m[si_pfn];

    check(((e >> 12) & 0xffffffffffull) == want, "pt-walk-start-info", "L1 entry's frame", e >> 12, want);
    /* RW; user (the kernel runs in ring 3) with bit 52 from validation. */
    check((e & 0x7) == 0x7 && (e >> 52 & 1), "pt-l1-kernel-rw", "entry flags", e, 0x7 | 1ull << 52);
    uint64_t pt = l1e_of(si, si->pt_base);
    check((pt & 0x3) == 0x1, "pt-l1-tables-ro", "L4's own entry", pt, 1);
    uint64_t l4e = ((const uint64_t *)si->pt_base)[511];
    check((l4e & 0x7) == 0x7, "pt-l4-slot-511", "L4[511]", l4e, 0x67);
}

static void check_faults(const struct start_info *si)
{
    volatile uint64_t *l4 = (volatile uint64_t *)si->pt_base;

    /* A write to the read-only L4. */
    __asm__ __volatile__("lea 1f(%%rip), %%rax\n mov %%rax, pf_resume(%%rip)\n"
                         "movq $0, (%0)\n"
                         "1:\n" :: "r"(&l4[0]) : "rax", "memory");
    check(pf_count == 1, "pf-write-l4", "faults", pf_count, 1);
    /* Present, write, kernel (not user: the hypervisor takes U out). */
    check(pf_err == 3, "pf-write-l4-error", "error code", pf_err, 3);
    /* A read of the hypervisor's range: its pages have no US bit. */
    uint64_t v = 0;
    __asm__ __volatile__("lea 1f(%%rip), %%rax\n mov %%rax, pf_resume(%%rip)\n"
                         "mov (%1), %0\n"
                         "1:\n" : "+r"(v) : "r"(0xffff840000100000ull) : "rax", "memory");
    check(pf_count == 2, "pf-hypervisor-range", "faults", pf_count, 2);
    check((pf_err & 0x7) == 0x1, "pf-hypervisor-range-error", "error code", pf_err, 1);
}

static void check_int3(void)
{
    uint64_t after;
    __asm__ __volatile__("int3\n 1: lea 1b(%%rip), %0" : "=r"(after) :: "memory");
    check(bp_count == 1, "bp-bounced", "count", bp_count, 1);
    check(bp_rip == after, "bp-frame-rip", "rip", bp_rip, after);
    /* RPL 0 in the frame's CS: the kernel interrupted itself (Xen). */
    check((bp_cs & 0xffff) == (FLAT_KERNEL_CS & ~3), "bp-frame-cs", "cs", bp_cs, FLAT_KERNEL_CS & ~3);
    /* Events were masked (the builder's start of day): saved mask 1 in CS
     * bits 32-39, RFLAGS.IF clear in the frame. */
    check((bp_cs >> 32 & 0xff) == 1, "bp-frame-saved-mask", "cs", bp_cs, FLAT_KERNEL_CS | 1ull << 32);
    check(!(bp_rflags & 0x200), "bp-frame-if", "rflags", bp_rflags, 0);
}

static void check_soft_int(void)
{
    uint64_t after;
    __asm__ __volatile__("int $0x80\n 1: lea 1b(%%rip), %0" : "=r"(after) :: "memory");
    check(int80_count == 1 && gp_count == 0, "int80-bounced", "count", int80_count, 1);
    check(int80_rip == after, "int80-frame-rip", "rip", int80_rip, after);
    __asm__ __volatile__("lea 1f(%%rip), %%rax\n mov %%rax, gp_resume(%%rip)\n"
                         "int $0x81\n"
                         "1:\n" ::: "rax", "memory");
    check(int80_count == 1 && gp_count == 1, "int81-gp", "count", gp_count, 1);
    /* The CPU's error code: IDT flag, index 0x81 (QEMU's TCG puts the
     * vector * 16 there, hardware and Bochs vector * 8). */
    check((gp_err & 3) == 2 && (gp_err >> 3 == 0x81 || gp_err >> 4 == 0x81), "int81-gp-error", "error code",
          gp_err, 0x81 << 3 | 2);
}

/* RFLAGS from an iret frame: IOPL, NT, VM, VIF/VIP dropped; the real
 * IF set even though the frame's is clear (the frame's IF is the upcall
 * mask's inverse: events stay masked here); TF, DF, AC, ID and the
 * arithmetic flags pass.  With IOPL 3 refused, IN is still a #GP (the
 * kernel's CLI no longer shows it: it is emulated, as Xen does, whatever
 * the IOPL; IN without PHYSDEVOP_set_iopl is bounced). */
static void check_iret_flags(void)
{
    uint64_t f = iret_flags(0x3000 | 0x4000 | 0x20000 | 0x80000 | 0x100000 | 0x400 | 0x1);
    check((f & 0x3000) == 0, "iret-iopl-dropped", "rflags", f, 0x202);
    check((f & (0x4000 | 0x20000 | 0x80000 | 0x100000)) == 0, "iret-nt-vm-vif-vip-dropped", "rflags", f, 0x202);
    check((f & 0x200) && (f & 0x400) && (f & 1), "iret-if-forced-df-cf-kept", "rflags", f, 0x603);
    __asm__ __volatile__("cld" ::: "memory");
    uint64_t before = gp_count;
    __asm__ __volatile__("lea 1f(%%rip), %%rax\n mov %%rax, gp_resume(%%rip)\n"
                         "inb $0x80, %%al\n"
                         "1:\n" ::: "rax", "memory");
    check(gp_count == before + 1, "in-gp", "faults", gp_count - before, 1);
    /* The selector of a trap-table entry is not checked (Xen, 64-bit:
     * bounces use FLAT_KERNEL_CS; Linux passes __KERNEL_CS 0x10); a
     * handler in the hypervisor's range is refused. */
    struct trap_info sel[] = { { 5, 0, 0x10, (uint64_t)gp_handler }, { 0, 0, 0, 0 } };
    long rc = hc(__HYPERVISOR_set_trap_table, (uint64_t)sel, 0, 0, 0);
    check(rc == 0, "set-trap-table-linux-kernel-cs", "rc", (uint64_t)rc, 0);
    struct trap_info bad[] = { { 5, 0, FLAT_KERNEL_CS, 0xffff830000000000ull }, { 0, 0, 0, 0 } };
    rc = hc(__HYPERVISOR_set_trap_table, (uint64_t)bad, 0, 0, 0);
    check(rc == -22, "set-trap-table-hypervisor-handler", "rc", (uint64_t)rc, (uint64_t)-22);
}

static void check_events(void)
{
    struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
    long rc = hc(__HYPERVISOR_set_callbacks, 0x0000800000000000ull, 0, 0, 0);
    check(rc == -22, "set-callbacks-noncanonical", "rc", (uint64_t)rc, (uint64_t)-22);
    rc = hc(__HYPERVISOR_set_callbacks, (uint64_t)ev_handler, 0, 0, 0);
    check(rc == 0, "set-callbacks", "rc", (uint64_t)rc, 0);
    /* The same through callback_op (what Linux uses); hostile addresses
     * refused. */
    struct callback_register cb = { .type = CALLBACKTYPE_event, .address = (uint64_t)ev_handler };
    rc = hc(__HYPERVISOR_callback_op, CALLBACKOP_register, (uint64_t)&cb, 0, 0);
    check(rc == 0, "callback-op-event", "rc", (uint64_t)rc, 0);
    cb.type = CALLBACKTYPE_nmi;             /* taken now (pv_nmi tests it); a non-canonical one is not */
    cb.address = 0x0000800000000000ull;
    rc = hc(__HYPERVISOR_callback_op, CALLBACKOP_register, (uint64_t)&cb, 0, 0);
    check(rc == -22, "callback-op-nmi-noncanonical-refused", "rc", (uint64_t)rc, (uint64_t)-22);
    cb.type = CALLBACKTYPE_failsafe;
    cb.address = 0xffff800000001000ull;     /* the hypervisor's range */
    rc = hc(__HYPERVISOR_callback_op, CALLBACKOP_register, (uint64_t)&cb, 0, 0);
    check(rc == -22, "callback-op-hv-range-refused", "rc", (uint64_t)rc, (uint64_t)-22);
    rc = hc(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (uint64_t)&bv, 0, 0);
    check(rc == 0 && bv.port > 0, "bind-virq-timer", "rc", (uint64_t)rc, 0);
    /* A deadline in the past: VIRQ_TIMER at once.  Events are masked (the
     * start of day) until SCHEDOP_block enables them; the upcall comes on
     * its return (or wakes it), exactly once: the handler masks again. */
    rc = hc(__HYPERVISOR_set_timer_op, 1, 0, 0, 0);
    check(rc == 0, "set-timer-op", "rc", (uint64_t)rc, 0);
    check(ev_count == 0, "events-masked-at-start", "upcalls", ev_count, 0);
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0);
    check(rc == 0, "sched-block", "rc", (uint64_t)rc, 0);
    check(ev_count == 1, "event-upcall", "upcalls", ev_count, 1);
    check((ev_cs & 0xffff) == (FLAT_KERNEL_CS & ~3) && (ev_cs >> 32 & 0xff) == 0, "event-frame-cs", "cs", ev_cs,
          FLAT_KERNEL_CS & ~3);
    check(ev_rflags & 0x200, "event-frame-if", "rflags", ev_rflags, 0x200);
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    check(ev_count == 1, "events-masked-after-iret", "upcalls", ev_count, 1);
}

/* Registers across exits to the hypervisor taken in ring 3: a 1 ms
 * periodic timer keeps interrupting the spin (list-pv.cmake checks that
 * the hypervisor counted interrupts from this guest). */
static void check_spin(void)
{
    struct vcpu_set_periodic_timer pt = { .period_ns = 1000000 };
    long rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_set_periodic_timer, 0, (uint64_t)&pt, 0);
    check(rc == 0, "periodic-timer", "rc", (uint64_t)rc, 0);
    uint64_t diff = spin_regs(1ull << 26);
    check(diff == 0, "regs-across-interrupts", "changed bits", diff, 0);
    hc(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0, 0);
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* Figures for the log, not checks (the emulator's speed varies): TSC
 * ticks per hypercall round trip and per INT3 bounce + iret. */
static void measure(void)
{
    const unsigned n = 10000;
    uint64_t t0 = rdtsc();
    for (unsigned i = 0; i < n; i++)
        hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0);
    uint64_t t1 = rdtsc();
    for (unsigned i = 0; i < n / 10; i++)
        __asm__ __volatile__("int3" ::: "memory");
    uint64_t t2 = rdtsc();
    put(NAME ": hypercall round trip ");
    put_dec((t1 - t0) / n);
    put(" TSC ticks (xen_version x ");
    put_dec(n);
    put("), int3 bounce + iret ");
    put_dec((t2 - t1) / (n / 10));
    put(" ticks");
    flush();
    bp_count -= n / 10;
}

static int has_mode(const struct start_info *si, const char *mode)
{
    const char *c = (const char *)si->cmd_line;
    for (; *c; c++) {
        const char *a = c, *b = "mode=";
        while (*b && *a == *b)
            a++, b++;
        if (*b)
            continue;
        b = mode;
        while (*b && *a == *b)
            a++, b++;
        if (!*b && (*a == 0 || *a == ' '))
            return 1;
    }
    return 0;
}

static void hostile(const struct start_info *si)
{
    if (has_mode(si, "nohandler")) {
        put(NAME ": int3 without a trap table");
        flush();
        __asm__ __volatile__("int3");
    } else if (has_mode(si, "badiret")) {
        put(NAME ": iret to a non-canonical rip");
        flush();
        iret_bad(0x0000800000000000ull, FLAT_KERNEL_CS & ~3);     /* RPL 0: stays in kernel mode */
    } else if (has_mode(si, "badcs")) {
        put(NAME ": iret to the hypervisor's code selector");
        flush();
        iret_bad((uint64_t)pv_main, 0xe008);
    } else if (has_mode(si, "nouser")) {
        put(NAME ": iret to user mode without user page tables");
        flush();
        iret_bad((uint64_t)pv_main, FLAT_KERNEL_CS);    /* RPL 3: user mode */
    } else if (has_mode(si, "badstack")) {
        static struct trap_info t[] = { { 3, 0, FLAT_KERNEL_CS, (uint64_t)bp_handler }, { 0, 0, 0, 0 } };
        hc(__HYPERVISOR_set_trap_table, (uint64_t)t, 0, 0, 0);
        put(NAME ": int3 with the stack in the hypervisor's range");
        flush();
        bad_stack_int3(0xffff840000100000ull);
    } else if (has_mode(si, "spin")) {
        /* For a manual look at the hang report (rv-run --timeout): ring 3
         * forever, only host interrupts. */
        put(NAME ": spinning");
        flush();
        for (;;)
            __asm__ __volatile__("pause");
    } else {
        return;
    }
    /* Still here: the hypervisor let it pass. */
    check(0, "hostile", "the domain survived", 0, 1);
    shutdown(SHUTDOWN_poweroff);
    for (;;)
        ;
}

void pv_main(const struct start_info *si)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 3, 3, FLAT_KERNEL_CS, (uint64_t)bp_handler },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 13, 0, FLAT_KERNEL_CS, (uint64_t)gp_handler },
        { 0x80, 1, FLAT_KERNEL_CS, (uint64_t)int80_handler },     /* INT 0x80 allowed to the kernel */
        { 0x81, 0, FLAT_KERNEL_CS, (uint64_t)int80_handler },     /* privilege 0: INT 0x81 is a #GP */
        { 14, 0, FLAT_KERNEL_CS, (uint64_t)pf_handler },
        { 0, 0, 0, 0 },
    };
    static struct trap_info bad[] = {
        { 5, 0, FLAT_KERNEL_CS, 0x0000800000000000ull },    /* non-canonical */
        { 0, 0, 0, 0 },
    };

    put(NAME ": hello from ring 3");
    flush();
    hostile(si);
    check(hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0) == 0, "set-trap-table", "rc", 0, 0);
    long rc = hc(__HYPERVISOR_set_trap_table, (uint64_t)bad, 0, 0, 0);
    check(rc == -22, "set-trap-table-noncanonical", "rc", (uint64_t)rc, (uint64_t)-22);
    rc = hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0);
    check(rc > 0, "xen-version", "version", (uint64_t)rc, 0);
    rc = hc(99, 0, 0, 0, 0);
    check(rc == -38, "unknown-hypercall", "rc", (uint64_t)rc, (uint64_t)-38);
    rc = hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    check(rc == 0, "sched-yield", "rc", (uint64_t)rc, 0);
    /* add_to_physmap has no PV meaning yet; reading the reservation works;
     * populate_physmap (pv_mem tests it) needs its argument. */
    uint16_t self = DOMID_SELF;
    rc = hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, (uint64_t)&self, 0, 0);
    check(rc == (long)si->nr_pages, "memory-op-reservation", "pages", (uint64_t)rc, si->nr_pages);
    rc = hc(__HYPERVISOR_memory_op, XENMEM_populate_physmap, 0, 0, 0);
    check(rc == -14, "memory-op-populate-bad-pointer", "rc", (uint64_t)rc, (uint64_t)-14);
    rc = hc(__HYPERVISOR_memory_op, 7 /* XENMEM_add_to_physmap */, (uint64_t)&self, 0, 0);
    check(rc == -38, "memory-op-add-to-physmap-refused", "rc", (uint64_t)rc, (uint64_t)-38);
    check_start_info(si);
    check_page_tables(si);
    check_faults(si);
    check_int3();
    check_soft_int();
    check_iret_flags();
    check_events();
    check_spin();
    measure();
    put(NAME ": ");
    pv_finish();
}
