/*
 * The 32-bit PVH test-guest library: start of day after entry.S, console
 * and results, exceptions, the hypervisor interface with the 32-bit
 * register convention and layouts.  See pvh32.h for the API.
 */
#include "pvh32.h"
#include "public/cpuid.h"

struct pvh32_state pvh32;
uintptr_t hv_page_addr;             /* read by hypercall() (tests/guests/lib/hcall32.S) */
volatile int exc_caught = NO_FAULT;
volatile unsigned long exc_error;

static uint8_t hcall_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

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
    /* console_io failing (it should not) must not lose the line: then the
     * UART as well, so a guest whose hypercalls break still leaves a trace. */
    if (!pvh32.hv || pvh32_console_write(line, line_len) < 0) {
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

/* %d %i %u %x %p %s %c %% with '-', '0', '#', a width and l/ll/z.  On i386
 * 'l' and 'z' are 32 bits: only "ll" takes a 64-bit argument. */
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
        for (; p[1] == 'l' || p[1] == 'z'; p++)
            if (p[1] == 'l')
                lng++;
        char c = *++p;
        switch (c) {
        case 'd':
        case 'i': {
            long long s = lng >= 2 ? va_arg(ap, long long) : va_arg(ap, int);
            put_num(s < 0 ? 0ull - (unsigned long long)s : (unsigned long long)s, 10, s < 0, width, padc, left);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long u = lng >= 2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
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
        pvh32.passed++;
        printf("PASS %s\n", name);
        return true;
    }
    va_list ap;
    va_start(ap, fmt);
    pvh32.failed++;
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
    pvh32.skipped++;
    printf("SKIP %s: ", name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

void pvh32_shutdown(unsigned reason)
{
    flush_line();
    if (pvh32.hv) {
        struct sched_shutdown s = { .reason = reason };
        long rc = pvh32_sched_op(SCHEDOP_shutdown, &s);
        printf("FAIL shutdown: SCHEDOP_shutdown returned %ld\n", rc);
    }
    /* No hypervisor (plain QEMU): isa-debug-exit, status (v << 1) | 1.
     * Still here (a hypervisor whose shutdown failed): a triple fault (an
     * empty IDT, then UD2), which crashes a domain instead of leaving it
     * halted until a time-out. */
    flush_line();
    outb(0xf4, reason == SHUTDOWN_poweroff ? 0x10 : 0x11);
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } empty = { 0, 0 };
    asm volatile("lidt %0\n\tud2" : : "m"(empty));
    for (;;)
        asm volatile("cli; hlt");
}

void finish(void)
{
    cli();
    if (!pvh32.passed && !pvh32.failed)
        check(false, "checks", "no check ran");
    printf("%s: %u passed, %u failed, %u skipped\n", pvh32_guest_name, pvh32.passed, pvh32.failed,
           pvh32.skipped);
    pvh32_shutdown(pvh32.failed ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}

bool cmdline_has(const char *word)
{
    return cmdline_word_in(pvh32.cmdline, word);
}

uint64_t cmdline_uint(const char *key, uint64_t def)
{
    return cmdline_uint_in(pvh32.cmdline, key, def);
}

const char *pvh32_paging_name(unsigned mode)
{
    switch (mode) {
    case PVH32_PAGING_NONE:
        return "none (flat)";
    case PVH32_PAGING_PSE:
        return "PSE (4 MiB pages)";
    case PVH32_PAGING_PAE:
        return "PAE (PDPT, 2 MiB pages)";
    default:
        return "?";
    }
}

/* ---- exceptions (IDT stubs: tests/guests/lib/idt32.S) ----------------------- */

struct exc_frame {
    uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;     /* PUSHA */
    uint32_t vector, error;
    uint32_t ip, cs, flags;         /* pushed by the CPU (same privilege: no SS:ESP) */
};

struct idt_gate {                   /* Intel SDM vol. 3, figure 6-2 */
    uint16_t off_lo, sel;
    uint8_t zero, type;
    uint16_t off_hi;
};

struct fixup { uintptr_t from, to; };
extern const struct fixup __fixup_start[], __fixup_end[];
extern const char exc_stubs[];
static struct idt_gate idt[256] __attribute__((aligned(16)));
static unsigned exc_depth;

static void idt_init(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } idtr = { sizeof(idt) - 1, (uintptr_t)idt };
    for (unsigned v = 0; v < 256; v++) {
        uintptr_t a = (uintptr_t)exc_stubs + 16 * v;
        idt[v] = (struct idt_gate){ (uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16) };
    }
    asm volatile("lidt %0" : : "m"(idtr));
}

void exc_dispatch(struct exc_frame *f);

void exc_dispatch(struct exc_frame *f)
{
    if (f->vector >= 32)
        return;                     /* no interrupt sources are enabled by the library */
    for (const struct fixup *x = __fixup_start; x < __fixup_end; x++) {
        if (x->from == f->ip) {
            exc_caught = (int)f->vector;
            exc_error = f->error;
            f->ip = x->to;
            return;
        }
    }
    if (exc_depth++)
        for (;;)                    /* faulting while reporting a fault: stop quietly */
            asm volatile("cli; hlt");
    uint32_t cr2;
    asm volatile("mov %%cr2, %0" : "=r"(cr2));
    check(false, "exception", "unexpected vector %u error %#x at EIP %#x, CR2 %#x", f->vector, f->error, f->ip,
          cr2);
    printf("  EAX %#x EBX %#x ECX %#x EDX %#x ESI %#x EDI %#x EBP %#x\n", f->eax, f->ebx, f->ecx, f->edx,
           f->esi, f->edi, f->ebp);
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
    pvh32.hv_version = a;
    if (max >= XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_TIME) {
        cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_TIME, &a, &b, &c, &d);
        pvh32.tsc_khz = a;
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

void pvh32_start(uint32_t si_gpa);

void pvh32_start(uint32_t si_gpa)
{
    idt_init();
    pvh32.paging = PVH32_PAGING_NONE;
    pvh32.start_info_gpa = si_gpa;
    const struct hvm_start_info *si = (const struct hvm_start_info *)(uintptr_t)si_gpa;
    if (si_gpa && si->magic == XEN_HVM_START_MAGIC_VALUE) {
        pvh32.start_info_ok = true;
        pvh32.si = *si;
        if (si->cmdline_paddr && si->cmdline_paddr < (1ull << 32)) {
            const char *s = (const char *)(uintptr_t)si->cmdline_paddr;
            size_t i = 0;
            for (; i + 1 < sizeof(pvh32.cmdline) && s[i]; i++)
                pvh32.cmdline[i] = s[i];
            pvh32.cmdline[i] = 0;
        }
        if (si->version >= 1 && si->memmap_paddr && si->memmap_paddr < (1ull << 32)) {
            const struct hvm_memmap_table_entry *m = (const void *)(uintptr_t)si->memmap_paddr;
            for (uint32_t i = 0; i < si->memmap_entries && i < PVH32_MEMMAP_MAX; i++)
                pvh32.memmap[pvh32.nr_memmap++] = m[i];
        }
    }
    pvh32.hv = hv_detect();
    /* First line as early as possible, before any paging change. */
    printf("\n%s: 32-bit PVH test guest, start info at %#x, command line \"%s\", paging mode %s\n",
           pvh32_guest_name, si_gpa, pvh32.cmdline, pvh32_paging_name(PVH32_PAGING));
    if (!pvh32.hv && !cmdline_has("nohv")) {
        check(false, "hypervisor", "not running under Ringvisor");
        finish();
    }
    if (!check(pvh32.start_info_ok, "start-info-magic", "EBX = %#x, magic %#x, want %#x", si_gpa,
               si_gpa ? si->magic : 0, XEN_HVM_START_MAGIC_VALUE))
        finish();
    pvh32_paging_enable();
    if (!pvh32.hv) {
        /* "nohv": the guest's own checks without a hypervisor (plain QEMU). */
        skip("hypervisor", "not running under Ringvisor (nohv)");
    }
    test_main();
    finish();
}

/* ---- hypervisor helpers ----------------------------------------------------- */

long pvh32_add_to_physmap(unsigned space, uint32_t idx, uint32_t gfn)
{
    struct pvh32_add_to_physmap a = { .domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = gfn };
    return pvh32_memory_op(XENMEM_add_to_physmap, &a);
}

long pvh32_map_shared_info(void)
{
    long rc = pvh32_add_to_physmap(XENMAPSPACE_shared_info, 0, PVH32_GFN_SHARED_INFO);
    if (rc)
        return rc;
    pvh32.sh = (struct pvh32_shared_info *)(uintptr_t)(PVH32_GFN_SHARED_INFO << 12);
    return 0;
}

uint64_t pvh32_clock_ns(void)
{
    if (!pvh32.sh || !pvh32.sh->vcpu_info[0].time.tsc_to_system_mul) {
        uint64_t tsc = rdtsc(), khz = pvh32.tsc_khz ? pvh32.tsc_khz : 1000000;
        return tsc / khz * 1000000 + tsc % khz * 1000000 / khz;
    }
    volatile struct vcpu_time_info *t = &pvh32.sh->vcpu_info[0].time;
    uint32_t v, mul;
    uint64_t ts, sys, tsc;
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
    /* (delta * mul) >> 32 without a 128-bit type: split delta in halves. */
    uint64_t lo = (uint64_t)(uint32_t)delta * mul, hi = (delta >> 32) * mul;
    return sys + hi + (lo >> 32);
}
