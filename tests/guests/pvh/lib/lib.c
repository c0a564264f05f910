/*
 * The PVH test-guest library: start of day after entry.S, console and
 * results, the hypervisor interface (hypercall page, shared_info, pvclock,
 * event channels in the 2-level and FIFO ABIs, grant tables).  See pvh.h.
 */
#include "pvh.h"
#include "public/cpuid.h"

struct pvh_state pvh;
uintptr_t hv_page_addr;             /* read by hypercall() (tests/guests/lib/hcall64.S) */
volatile int exc_caught = NO_FAULT;
volatile unsigned long exc_error;

static uint8_t hcall_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint32_t tsc_khz;

/* ---- console: one console_io write per line ------------------------------ */

static char line[256];
static unsigned line_len;

static void uart_out(char c)
{
    for (unsigned i = 0; i < 100000 && !(inb(0x3f8 + 5) & 0x20); i++)
        pause();
    outb(0x3f8, (uint8_t)c);
}

static void flush_line(void)
{
    if (!line_len)
        return;
    if (pvh.hv) {
        hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, line_len, (uintptr_t)line, 0, 0);
    } else {
        for (unsigned i = 0; i < line_len; i++)
            uart_out(line[i]);
    }
    line_len = 0;
}

static void putc_(char c)
{
    line[line_len++] = c;
    if (c == '\n' || line_len == sizeof(line))
        flush_line();
}

static void put_num(unsigned long long v, unsigned base, bool neg, unsigned width, char padc, bool left)
{
    char buf[24];
    unsigned n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    unsigned len = n + (neg ? 1 : 0);
    if (neg && padc == '0')
        putc_('-');
    for (; !left && width > len; width--)
        putc_(padc);
    if (neg && padc != '0')
        putc_('-');
    while (n)
        putc_(buf[--n]);
    for (; left && width > len; width--)
        putc_(' ');
}

/* %d %i %u %x %p %s %c %% with '-', '0', a width and l/ll/z. */
int vprintf(const char *fmt, va_list ap)
{
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            putc_(*p);
            continue;
        }
        bool left = false, alt = false;
        char padc = ' ';
        unsigned width = 0, lng = 0;
        for (; p[1] == '-' || p[1] == '0' || p[1] == '#'; p++)
            if (p[1] == '-')
                left = true;
            else if (p[1] == '#')
                alt = true;
            else
                padc = '0';
        while (p[1] >= '0' && p[1] <= '9')
            width = width * 10 + (unsigned)(*++p - '0');
        while (p[1] == 'l' || p[1] == 'z')
            lng++, p++;
        char c = *++p;
        switch (c) {
        case 'd':
        case 'i': {
            long long s = lng ? va_arg(ap, long long) : va_arg(ap, int);
            put_num(s < 0 ? 0ull - (unsigned long long)s : (unsigned long long)s, 10, s < 0, width, padc, left);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long u = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            if (alt && c == 'x')
                putc_('0'), putc_('x');
            put_num(u, c == 'u' ? 10 : 16, false, width, padc, left);
            break;
        }
        case 'p':
            putc_('0'), putc_('x');
            put_num((uintptr_t)va_arg(ap, void *), 16, false, width, padc, left);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t n = strlen(s);
            for (; !left && width > n; width--)
                putc_(' ');
            while (*s)
                putc_(*s++);
            for (; left && width > n; width--)
                putc_(' ');
            break;
        }
        case 'c':
            putc_((char)va_arg(ap, int));
            break;
        case '\0':
            return 0;
        default:
            putc_(c);
            break;
        }
    }
    return 0;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    return 0;
}

bool check(bool cond, const char *name, const char *fmt, ...)
{
    if (cond) {
        pvh.passed++;
        printf("PASS %s\n", name);
        return true;
    }
    va_list ap;
    va_start(ap, fmt);
    pvh.failed++;
    printf("FAIL %s: ", name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    return false;
}

void skip(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pvh.skipped++;
    printf("SKIP %s: ", name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

void pvh_shutdown(unsigned reason)
{
    flush_line();
    if (pvh.hv) {
        struct sched_shutdown s = { .reason = reason };
        long rc = sched_op(SCHEDOP_shutdown, &s);
        printf("FAIL shutdown: SCHEDOP_shutdown returned %ld\n", rc);
    }
    /* No hypervisor (plain QEMU): isa-debug-exit, status (v << 1) | 1. */
    outb(0xf4, reason == SHUTDOWN_poweroff ? 0x10 : 0x11);
    for (;;)
        asm volatile("cli; hlt");
}

void finish(void)
{
    cli();
    if (!pvh.passed && !pvh.failed)
        check(false, "checks", "no check ran");
    printf("%s: %u passed, %u failed, %u skipped\n", pvh_guest_name, pvh.passed, pvh.failed, pvh.skipped);
    pvh_shutdown(pvh.failed ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}

bool cmdline_has(const char *word)
{
    return cmdline_word_in(pvh.cmdline, word);
}

uint64_t cmdline_uint(const char *key, uint64_t def)
{
    return (uint64_t)cmdline_uint_in(pvh.cmdline, key, def);
}

/* ---- exceptions and the upcall vector (IDT stubs: tests/guests/lib/idt64.S) ---- */

struct exc_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t ip, cs, flags, sp, ss;
};

struct idt_gate {                   /* Intel SDM vol. 3, figure 6-8 */
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, reserved;
};

struct fixup { uintptr_t from, to; };
extern const struct fixup __fixup_start[], __fixup_end[];
extern const char exc_stubs[];
static struct idt_gate idt[256] __attribute__((aligned(16)));
volatile uint32_t evt_count[PVH_MAX_PORTS];
volatile uint32_t evt_log[64], evt_log_len, upcalls;
static volatile uint32_t other_irqs;

static void idt_init(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = { sizeof(idt) - 1, (uintptr_t)idt };
    for (unsigned v = 0; v < 256; v++) {
        uintptr_t a = (uintptr_t)exc_stubs + 16 * v;
        idt[v] = (struct idt_gate){ (uint16_t)a, 0x18, 0, 0x8e, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0 };
    }
    asm volatile("lidt %0" : : "m"(idtr));
}

static void record(evtchn_port_t port)
{
    if (port < PVH_MAX_PORTS)
        evt_count[port]++;
    if (evt_log_len < ARRAY_SIZE(evt_log))
        evt_log[evt_log_len++] = port;
}

static evtchn_port_t fifo_head[EVTCHN_FIFO_MAX_QUEUES];

static void upcall_2l(void)
{
    struct shared_info *sh = pvh.sh;
    do {
        pvh.vi->evtchn_upcall_pending = 0;
        uint64_t sel = __atomic_exchange_n(&pvh.vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned i = (unsigned)__builtin_ctzll(sel);
            sel &= sel - 1;
            uint64_t bits = __atomic_load_n(&sh->evtchn_pending[i], __ATOMIC_SEQ_CST) & ~sh->evtchn_mask[i];
            while (bits) {
                unsigned j = (unsigned)__builtin_ctzll(bits);
                bits &= bits - 1;
                __atomic_fetch_and(&sh->evtchn_pending[i], ~(1ull << j), __ATOMIC_SEQ_CST);
                record(i * 64 + j);
            }
        }
    } while (__atomic_load_n(&pvh.vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST));
}

/* FIFO (the event-channel FIFO ABI design): READY bit q = queue q has
 * events; a queue is a list linked through the event words' LINK fields,
 * starting at HEAD[q].  We keep our own head per queue; when it is 0 we
 * start again from the control block's. */
static void upcall_fifo(void)
{
    struct evtchn_fifo_control_block *cb = pvh.fifo_cb;
    pvh.vi->evtchn_upcall_pending = 0;
    uint32_t ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    for (unsigned guard = 0; ready && guard < 100000; guard++) {
        unsigned q = (unsigned)__builtin_ctz(ready);    /* lowest number = highest priority */
        evtchn_port_t port = fifo_head[q];
        if (!port)
            port = __atomic_load_n(&cb->head[q], __ATOMIC_SEQ_CST);
        if (!port || port >= EVTCHN_FIFO_WORDS_PER_PAGE) {
            ready &= ~(1u << q);
            fifo_head[q] = 0;
            continue;
        }
        event_word_t *w = &pvh.fifo_words[port];
        event_word_t old = __atomic_load_n(w, __ATOMIC_SEQ_CST), nw;
        do {
            nw = old & ~((1u << EVTCHN_FIFO_LINKED) | EVTCHN_FIFO_LINK_MASK);
        } while (!__atomic_compare_exchange_n(w, &old, nw, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
        evtchn_port_t next = old & EVTCHN_FIFO_LINK_MASK;
        fifo_head[q] = next;
        if (!next)
            ready &= ~(1u << q);
        if ((old & (1u << EVTCHN_FIFO_PENDING)) && !(old & (1u << EVTCHN_FIFO_MASKED))) {
            __atomic_fetch_and(w, ~(1u << EVTCHN_FIFO_PENDING), __ATOMIC_SEQ_CST);
            record(port);
        }
        if (!ready)
            ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    }
}

void exc_dispatch(struct exc_frame *f);

void exc_dispatch(struct exc_frame *f)
{
    if (f->vector == PVH_UPCALL_VECTOR) {
        upcalls++;
        if (pvh.fifo)
            upcall_fifo();
        else if (pvh.sh)
            upcall_2l();
        return;
    }
    if (f->vector >= 32) {
        other_irqs++;
        return;
    }
    for (const struct fixup *x = __fixup_start; x < __fixup_end; x++) {
        if (x->from == f->ip) {
            exc_caught = (int)f->vector;
            exc_error = (unsigned long)f->error;
            f->ip = x->to;
            return;
        }
    }
    check(false, "exception", "unexpected vector %lu error %#lx at RIP %#lx", (unsigned long)f->vector,
          (unsigned long)f->error, (unsigned long)f->ip);
    finish();
}

/* ---- start of day ---------------------------------------------------------- */

static bool hv_detect(void)
{
    uint32_t a, b, c, d;
    cpuid(XEN_CPUID_FIRST_LEAF, &a, &b, &c, &d);
    if (b != XEN_CPUID_SIGNATURE_EBX || c != XEN_CPUID_SIGNATURE_ECX || d != XEN_CPUID_SIGNATURE_EDX ||
        a < XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_HCALL)
        return false;
    uint32_t max = a;
    cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_VERSION, &a, &b, &c, &d);
    pvh.hv_version = a;
    if (max >= XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_TIME) {
        cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_TIME, &a, &b, &c, &d);
        tsc_khz = a;
    }
    cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_HCALL, &a, &b, &c, &d);
    if (a < 1)
        return false;
    memset(hcall_page, 0xcc, sizeof(hcall_page));
    if (wrmsr_safe(b, (uintptr_t)hcall_page) != NO_FAULT)
        return false;
    hv_page_addr = (uintptr_t)hcall_page;
    return true;
}

void pvh_start64(uint32_t si_gpa);

void pvh_start64(uint32_t si_gpa)
{
    idt_init();
    pvh.start_info_gpa = si_gpa;
    const struct hvm_start_info *si = (const struct hvm_start_info *)(uintptr_t)si_gpa;
    if (si_gpa && si->magic == XEN_HVM_START_MAGIC_VALUE) {
        pvh.start_info_ok = true;
        pvh.si = *si;
        if (si->cmdline_paddr && si->cmdline_paddr < (1ull << 32)) {
            const char *s = (const char *)(uintptr_t)si->cmdline_paddr;
            size_t i = 0;
            for (; i + 1 < sizeof(pvh.cmdline) && s[i]; i++)
                pvh.cmdline[i] = s[i];
            pvh.cmdline[i] = 0;
        }
        if (si->version >= 1 && si->memmap_paddr && si->memmap_paddr < (1ull << 32)) {
            const struct hvm_memmap_table_entry *m = (const void *)(uintptr_t)si->memmap_paddr;
            for (uint32_t i = 0; i < si->memmap_entries && i < PVH_MEMMAP_MAX; i++)
                pvh.memmap[pvh.nr_memmap++] = m[i];
        }
    }
    pvh.hv = hv_detect();
    printf("note: start info version %u, cmdline at %#llx, memmap at %#llx (%u entries)\n", pvh.si.version,
           (unsigned long long)pvh.si.cmdline_paddr, (unsigned long long)pvh.si.memmap_paddr, pvh.si.memmap_entries);
    printf("\n%s: PVH test guest in 64-bit mode, start info at %#x, command line \"%s\"\n", pvh_guest_name,
           si_gpa, pvh.cmdline);
    if (!pvh.hv) {
        check(false, "hypervisor", "not running under Ringvisor");
        finish();
    }
    if (!check(pvh.start_info_ok, "start-info-magic", "EBX = %#x, magic %#x, want %#x", si_gpa,
               si_gpa ? si->magic : 0, XEN_HVM_START_MAGIC_VALUE))
        finish();
    test_main();
    finish();
}

/* ---- hypervisor helpers ----------------------------------------------------- */

long hvm_get_param(unsigned index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
    long rc = hvm_op(HVMOP_get_param, &p);
    if (!rc)
        *value = p.value;
    return rc;
}

long hvm_set_param(unsigned index, uint64_t value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index, .value = value };
    return hvm_op(HVMOP_set_param, &p);
}

long add_to_physmap(unsigned space, uint64_t idx, uint64_t gfn)
{
    struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = gfn };
    return memory_op(XENMEM_add_to_physmap, &a);
}

long pvh_map_shared_info(void)
{
    long rc = add_to_physmap(XENMAPSPACE_shared_info, 0, PVH_GFN_SHARED_INFO);
    if (rc)
        return rc;
    pvh.sh = gfn_ptr(PVH_GFN_SHARED_INFO);
    pvh.vi = &pvh.sh->vcpu_info[0];
    return 0;
}

uint64_t pvclock_ns(void)
{
    if (!pvh.vi || !pvh.vi->time.tsc_to_system_mul) {
        uint64_t tsc = rdtsc(), khz = tsc_khz ? tsc_khz : 1000000;
        return tsc / khz * 1000000 + tsc % khz * 1000000 / khz;
    }
    volatile struct vcpu_time_info *t = &pvh.vi->time;
    uint32_t v;
    uint64_t ts, sys, tsc;
    uint32_t mul;
    int8_t shift;
    do {
        v = t->version;
        barrier();
        ts = t->tsc_timestamp;
        sys = t->system_time;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        tsc = rdtsc();
        barrier();
    } while ((v & 1) || v != t->version);
    uint64_t delta = tsc - ts;
    if ((int64_t)delta < 0)
        delta = 0;
    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    return sys + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/* ---- event channels ----------------------------------------------------------- */

long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
    long rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);
    if (!rc)
        *port = a.port;
    return rc;
}

long evtchn_bind_interdomain(domid_t remote, evtchn_port_t rport, evtchn_port_t *port)
{
    struct evtchn_bind_interdomain b = { .remote_dom = remote, .remote_port = rport };
    long rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
    if (!rc)
        *port = b.local_port;
    return rc;
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = evtchn_op(EVTCHNOP_bind_virq, &b);
    if (!rc)
        *port = b.port;
    return rc;
}

long evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = evtchn_op(EVTCHNOP_bind_ipi, &b);
    if (!rc)
        *port = b.port;
    return rc;
}

long evtchn_send(evtchn_port_t port)
{
    struct evtchn_send s = { port };
    return evtchn_op(EVTCHNOP_send, &s);
}

long evtchn_close(evtchn_port_t port)
{
    struct evtchn_close c = { port };
    return evtchn_op(EVTCHNOP_close, &c);
}

long evtchn_unmask(evtchn_port_t port)
{
    struct evtchn_unmask u = { port };
    return evtchn_op(EVTCHNOP_unmask, &u);
}

long evtchn_status(evtchn_port_t port, struct evtchn_status *st)
{
    memset(st, 0, sizeof(*st));
    st->dom = DOMID_SELF;
    st->port = port;
    return evtchn_op(EVTCHNOP_status, st);
}

bool evtchn_pending(evtchn_port_t port)
{
    if (pvh.fifo)
        return port < EVTCHN_FIFO_WORDS_PER_PAGE &&
               (__atomic_load_n(&pvh.fifo_words[port], __ATOMIC_SEQ_CST) >> EVTCHN_FIFO_PENDING) & 1;
    return port < PVH_MAX_PORTS && (__atomic_load_n(&pvh.sh->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >> (port % 64)) & 1;
}

bool evtchn_test_and_clear(evtchn_port_t port)
{
    if (pvh.fifo) {
        if (port >= EVTCHN_FIFO_WORDS_PER_PAGE)
            return false;
        return (__atomic_fetch_and(&pvh.fifo_words[port], ~(1u << EVTCHN_FIFO_PENDING), __ATOMIC_SEQ_CST) >>
                EVTCHN_FIFO_PENDING) & 1;
    }
    if (port >= PVH_MAX_PORTS)
        return false;
    uint64_t bit = 1ull << (port % 64);
    return __atomic_fetch_and(&pvh.sh->evtchn_pending[port / 64], ~bit, __ATOMIC_SEQ_CST) & bit;
}

void evtchn_set_mask(evtchn_port_t port, bool masked)
{
    if (pvh.fifo) {
        if (masked)
            __atomic_fetch_or(&pvh.fifo_words[port], 1u << EVTCHN_FIFO_MASKED, __ATOMIC_SEQ_CST);
        else
            __atomic_fetch_and(&pvh.fifo_words[port], ~(1u << EVTCHN_FIFO_MASKED), __ATOMIC_SEQ_CST);
        return;
    }
    uint64_t bit = 1ull << (port % 64);
    if (masked)
        __atomic_fetch_or(&pvh.sh->evtchn_mask[port / 64], bit, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(&pvh.sh->evtchn_mask[port / 64], ~bit, __ATOMIC_SEQ_CST);
}

bool evtchn_wait(evtchn_port_t port, uint64_t timeout_ns)
{
    uint64_t deadline = pvclock_ns() + (timeout_ns ? timeout_ns : 10000000000ull);
    for (;;) {
        /* Re-arm the 0 -> 1 transitions a send notifies on, then look. */
        __atomic_store_n(&pvh.vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
        __atomic_store_n(&pvh.vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        if (evtchn_test_and_clear(port))
            return true;
        if (pvclock_ns() >= deadline)
            return false;
        struct sched_poll p = { .ports = (uintptr_t)&port, .nr_ports = 1, .timeout = deadline };
        sched_op(SCHEDOP_poll, &p);
    }
}

long pvh_enable_upcall(void)
{
    return hvm_set_param(HVM_PARAM_CALLBACK_IRQ,
                         ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_TYPE_SHIFT) |
                             PVH_UPCALL_VECTOR);
}

bool wait_count(evtchn_port_t port, uint32_t n, uint64_t timeout_ns)
{
    uint64_t deadline = pvclock_ns() + timeout_ns;
    sti();
    while (evt_count[port] < n && pvclock_ns() < deadline)
        pause();
    cli();
    return evt_count[port] >= n;
}

static uint8_t fifo_pages[2][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

long pvh_fifo_init(uint8_t *link_bits)
{
    memset(fifo_pages, 0, sizeof(fifo_pages));
    struct evtchn_init_control ic = { .control_gfn = ptr_gfn(fifo_pages[0]), .offset = 0, .vcpu = 0 };
    long rc = evtchn_op(EVTCHNOP_init_control, &ic);
    if (rc)
        return rc;
    *link_bits = ic.link_bits;
    pvh.fifo_cb = (struct evtchn_fifo_control_block *)fifo_pages[0];
    pvh.fifo_words = (event_word_t *)fifo_pages[1];
    struct evtchn_expand_array ea = { .array_gfn = ptr_gfn(fifo_pages[1]) };
    rc = evtchn_op(EVTCHNOP_expand_array, &ea);
    memset(fifo_head, 0, sizeof(fifo_head));
    pvh.fifo = true;
    return rc;
}

/* ---- grant tables ----------------------------------------------------------- */

long gnttab_map_frames(unsigned n)
{
    for (unsigned i = pvh.gt_frames; i < n; i++) {
        long rc = add_to_physmap(XENMAPSPACE_grant_table, i, PVH_GFN_GNTTAB + i);
        if (rc)
            return rc;
        pvh.gt_frames = i + 1;
    }
    pvh.gt = gfn_ptr(PVH_GFN_GNTTAB);
    return 0;
}

void gnttab_grant(grant_ref_t ref, domid_t dom, uint64_t gfn, bool readonly)
{
    volatile struct grant_entry_v1 *e = &pvh.gt[ref];
    e->domid = dom;
    e->frame = (uint32_t)gfn;
    mb();                           /* the entry before the flags that make it valid */
    e->flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));
}

void gnttab_revoke(grant_ref_t ref)
{
    __atomic_store_n(&pvh.gt[ref].flags, 0, __ATOMIC_SEQ_CST);
}

int16_t gnttab_map(domid_t dom, grant_ref_t ref, uint64_t gfn, uint32_t flags, grant_handle_t *handle)
{
    struct gnttab_map_grant_ref m = { .host_addr = gfn << 12, .flags = flags, .ref = ref, .dom = dom,
                                      .status = 1 };
    long rc = gnttab_op(GNTTABOP_map_grant_ref, &m, 1);
    if (rc)
        return (int16_t)rc;
    if (handle)
        *handle = m.handle;
    return m.status;
}

int16_t gnttab_unmap(grant_handle_t handle, uint64_t gfn)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = gfn << 12, .handle = handle, .status = 1 };
    long rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1);
    return rc ? (int16_t)rc : u.status;
}
