/*
 * The part of the PVH test-guest libraries that is the same in both widths
 * (pvh_common.h): compiled into pvh/lib with -m64 and into pvh32/lib with
 * -m32.  The width picks the library whose state it fills: pvh (pvh.h) or
 * pvh32 (pvh32.h); both begin with PVH_COMMON_STATE.
 */
#ifdef __x86_64__
#include "pvh.h"
#define LIB         pvh
#define GUEST_NAME  pvh_guest_name
#else
#include "pvh32.h"
#define LIB         pvh32
#define GUEST_NAME  pvh32_guest_name
#endif
#include "public/cpuid.h"

uintptr_t hv_page_addr;             /* read by hypercall() (hcall64.S / hcall32.S) */
#ifndef PVH_LIB_ON_PV                /* a PV kernel calls through SYSCALL (tests/guests/pv/pv_fe.c) */
static uint8_t hcall_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#endif

/* ---- console: one console_io write per line ------------------------------ */

static char line[256];
static unsigned line_len;
void (*pvh_console_out)(const char *s, unsigned n);

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
    if (pvh_console_out) {
        pvh_console_out(line, line_len);
        line_len = 0;
        return;
    }
    /* console_io failing (it should not) must not lose the line: then the
     * UART as well, so a guest whose hypercalls break still leaves a trace. */
    if (!LIB.hv ||
        hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, line_len, (uintptr_t)line, 0, 0) < 0) {
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

/* %d %i %u %x %p %s %c %% with '-', '0', '#', a width and l/ll/z, each
 * length taking its own C type: long and size_t are 32 bits on i386, 64 on
 * x86-64. */
int vprintf(const char *fmt, va_list ap)
{
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            putc_(*p);
            continue;
        }
        bool left = false, alt = false;
        char padc = ' ';
        unsigned width = 0, lng = 0;        /* 0: int, 1: long, 2: long long, 3: size_t */
        for (; p[1] == '-' || p[1] == '0' || p[1] == '#'; p++)
            if (p[1] == '-')
                left = true;
            else if (p[1] == '#')
                alt = true;
            else
                padc = '0';
        while (p[1] >= '0' && p[1] <= '9')
            width = width * 10 + (unsigned)(*++p - '0');
        size_t prec = (size_t)-1;           /* %.Ns: at most N bytes of the string */
        if (p[1] == '.') {
            p++;
            prec = 0;
            while (p[1] >= '0' && p[1] <= '9')
                prec = prec * 10 + (size_t)(*++p - '0');
        }
        if (p[1] == 'z')
            lng = 3, p++;
        else
            for (; p[1] == 'l' && lng < 2; p++)
                lng++;
        char c = *++p;
        switch (c) {
        case 'd':
        case 'i': {
            long long s = lng == 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long)
                        : lng == 3 ? (long long)va_arg(ap, size_t) : va_arg(ap, int);
            put_num(s < 0 ? 0ull - (unsigned long long)s : (unsigned long long)s, 10, s < 0, width, padc, left);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long u = lng == 2 ? va_arg(ap, unsigned long long) : lng == 1 ? va_arg(ap, unsigned long)
                                 : lng == 3 ? va_arg(ap, size_t) : va_arg(ap, unsigned);
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
            size_t n = 0;
            while (n < prec && s[n])
                n++;
            for (; !left && width > n; width--)
                putc_(' ');
            for (size_t i = 0; i < n; i++)
                putc_(s[i]);
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

/* ---- results ------------------------------------------------------------------ */

/* check() and skip(): results.c. */
void count_result(enum check_result r)
{
    if (r == CHECK_PASS)
        LIB.passed++;
    else if (r == CHECK_FAIL)
        LIB.failed++;
    else
        LIB.skipped++;
}

void pvh_shutdown(unsigned reason)
{
    flush_line();
    if (LIB.hv) {
        struct sched_shutdown s = { .reason = reason };
        long rc = hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uintptr_t)&s, 0, 0, 0);
        printf("FAIL shutdown: SCHEDOP_shutdown returned %ld\n", rc);
        flush_line();
    }
    /* No hypervisor (plain QEMU): isa-debug-exit, status (v << 1) | 1.
     * Still here (a hypervisor whose shutdown failed): a triple fault, which
     * crashes the domain instead of leaving it halted until a time-out. */
#ifdef PVH_LIB_ON_PV
    __builtin_trap();               /* a PV kernel without trap handlers: the domain crashes */
#else
    outb(0xf4, reason == SHUTDOWN_poweroff ? 0x10 : 0x11);
    triple_fault();
#endif
}

void finish(void)
{
#ifndef PVH_LIB_ON_PV               /* a PV kernel runs in ring 3: CLI would fault */
    cli();
#endif
    if (!LIB.passed && !LIB.failed)
        check(false, "checks", "no check ran");
    printf("%s: %u passed, %u failed, %u skipped\n", GUEST_NAME, LIB.passed, LIB.failed, LIB.skipped);
    pvh_shutdown(LIB.failed ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}

bool cmdline_has(const char *word)
{
    return cmdline_word_in(LIB.cmdline, word);
}

uint64_t cmdline_uint(const char *key, uint64_t def)
{
    return cmdline_uint_in(LIB.cmdline, key, def);
}

#ifndef PVH_LIB_ON_PV /* a PV kernel: no IDT, pv_entry.S and pv_fe.c start it */
/* ---- exceptions (IDT: idt.c, stubs: idt64.S / idt32.S) ------------------------ */

static unsigned exc_depth;

void exc_dispatch(struct exc_frame *f)
{
    if (f->vector >= 32) {
        pvh_interrupt((unsigned)f->vector);
        return;
    }
    if (exc_fixup(f))
        return;
    if (exc_depth++)
        triple_fault();             /* faulting while reporting a fault: stop without more output */
    exc_report(f);
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
    LIB.hv_version = a;
    if (max >= XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_TIME) {
        cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_TIME, &a, &b, &c, &d);
        LIB.tsc_khz = a;
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

void pvh_start_common(uint32_t si_gpa)
{
    idt_init();
    LIB.start_info_gpa = si_gpa;
    const struct hvm_start_info *si = (const struct hvm_start_info *)(uintptr_t)si_gpa;
    if (si_gpa && si->magic == XEN_HVM_START_MAGIC_VALUE) {
        LIB.start_info_ok = true;
        LIB.si = *si;
        /* Only what the identity map of 0-4 GiB (or paging off) reaches. */
        if (si->cmdline_paddr && si->cmdline_paddr < (1ull << 32)) {
            const char *s = (const char *)(uintptr_t)si->cmdline_paddr;
            size_t i = 0;
            for (; i + 1 < sizeof(LIB.cmdline) && s[i]; i++)
                LIB.cmdline[i] = s[i];
            LIB.cmdline[i] = 0;
        }
        if (si->version >= 1 && si->memmap_paddr && si->memmap_paddr < (1ull << 32)) {
            const struct hvm_memmap_table_entry *m = (const void *)(uintptr_t)si->memmap_paddr;
            for (uint32_t i = 0; i < si->memmap_entries && i < PVH_MEMMAP_MAX; i++)
                LIB.memmap[LIB.nr_memmap++] = m[i];
        }
    }
    LIB.hv = hv_detect();
}
#endif

void pvh_start_checks(bool nohv_ok)
{
    if (!LIB.hv && !(nohv_ok && cmdline_has("nohv"))) {
        check(false, "hypervisor", "not running under Ringvisor");
        finish();
    }
    uint32_t si_gpa = LIB.start_info_gpa;
    const struct hvm_start_info *si = (const struct hvm_start_info *)(uintptr_t)si_gpa;
    if (!check(LIB.start_info_ok, "start-info-magic", "EBX = %#x, magic %#x, want %#x", si_gpa,
               si_gpa ? si->magic : 0, XEN_HVM_START_MAGIC_VALUE))
        finish();
}

/* ---- time ------------------------------------------------------------------ */

uint64_t pvh_time_ns(const volatile struct vcpu_time_info *t)
{
    if (!t || !t->tsc_to_system_mul) {
        uint64_t tsc = rdtsc(), khz = LIB.tsc_khz ? LIB.tsc_khz : 1000000;
        return tsc / khz * 1000000 + tsc % khz * 1000000 / khz;
    }
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
    /* (delta * mul) >> 32 without a 128-bit type (none on i386): the high
     * half of delta contributes hi * mul exactly, the low half its top bits. */
    uint64_t lo = (uint64_t)(uint32_t)delta * mul, hi = (delta >> 32) * mul;
    return sys + hi + (lo >> 32);
}
