/* Hypervisor console (see console.h). */
#include "core/console.h"
#include "core/spinlock.h"
#include "core/timer.h"
#include "core/percpu.h"
#include "arch/x86/uart.h"
#include "arch/x86/time.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define LOG_RING_SIZE (64 * 1024)   /* power of two */

/*
 * console_lock guards log_ring, ring_head and the UART transmitter, so lines
 * from different CPUs never interleave.  A leaf lock: it may be taken under
 * any other lock, and nothing is taken under it.  IRQ-safe (interrupt
 * handlers print).
 */
static spinlock_t console_lock = SPINLOCK_INIT;
static char log_ring[LOG_RING_SIZE];    /* (c) console_lock */
static uint64_t ring_head;              /* (c) total bytes ever logged */
static int console_loglvl = LOG_INFO;   /* (i) boot options; read racily */

void console_init_early(uint16_t com_base, uint32_t baud)
{
    uart_init(com_base, baud);
}

void console_set_level(int level)
{
    console_loglvl = level;
}

int console_level(void)
{
    return console_loglvl;
}

static void emit(const char *s, size_t n, bool to_uart)
{
    for (size_t i = 0; i < n; i++) {
        log_ring[ring_head++ & (LOG_RING_SIZE - 1)] = s[i];
        if (!to_uart)
            continue;
        if (s[i] == '\n')
            uart_putc('\r');    /* terminals want CR LF */
        uart_putc(s[i]);
    }
}

void vprintk(int level, const char *fmt, va_list ap)
{
    char buf[512];
    int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);

    if (n < 0)
        return;
    if ((size_t)n >= sizeof(buf)) {
        /* Truncated: keep the line intact, mark it, end it with a newline. */
        n = sizeof(buf) - 1;
        memcpy(buf + n - 5, "...\n", 5);
        n = (int)strlen(buf);
    }
    uint64_t f = spin_lock_irqsave(&console_lock);
    emit(buf, (size_t)n, level <= console_loglvl);
    spin_unlock_irqrestore(&console_lock, f);
}

void printk(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(level, fmt, ap);
    va_end(ap);
}

void console_force_unlock(void)
{
    console_lock = (spinlock_t)SPINLOCK_INIT;
}

uint64_t console_ring_bytes(void)
{
    return ring_head;
}

size_t console_ring_copy(char *buf, size_t len)
{
    uint64_t f = spin_lock_irqsave(&console_lock);
    uint64_t avail = ring_head < LOG_RING_SIZE ? ring_head : LOG_RING_SIZE;
    size_t n = len < avail ? len : (size_t)avail;
    uint64_t start = ring_head - n;
    for (size_t i = 0; i < n; i++)
        buf[i] = log_ring[(start + i) & (LOG_RING_SIZE - 1)];
    spin_unlock_irqrestore(&console_lock, f);
    return n;
}

/* Up to len bytes of the ring from position *pos (a count of bytes ever
 * logged; moved up to the oldest byte still held if older), for
 * sysctl readconsole.  *pos is advanced past what was copied. */
size_t console_ring_read(uint64_t *pos, char *buf, size_t len)
{
    uint64_t f = spin_lock_irqsave(&console_lock);
    uint64_t oldest = ring_head > LOG_RING_SIZE ? ring_head - LOG_RING_SIZE : 0;
    uint64_t from = *pos < oldest ? oldest : *pos > ring_head ? ring_head : *pos;
    size_t n = ring_head - from < len ? (size_t)(ring_head - from) : len;
    for (size_t i = 0; i < n; i++)
        buf[i] = log_ring[(from + i) & (LOG_RING_SIZE - 1)];
    spin_unlock_irqrestore(&console_lock, f);
    *pos = from + n;
    return n;
}

/* ---- console input ---------------------------------------------------------
 *
 * Polled, not interrupt driven: 100 Hz on the boot CPU is fast enough for
 * typing and pasting (the host UART buffers 16 bytes, and an emulated one
 * holds the sender back instead of dropping), needs no IOAPIC routing for
 * IRQ 4 (which the host firmware may describe differently or not at all),
 * and keeps working when interrupts are misrouted, which is when the debug
 * keys are wanted most.  One inb per tick costs nothing measurable.
 */
#define INPUT_POLL_NS       10000000ull     /* 100 Hz */
#define INPUT_MAX_PER_TICK  64
#define CTRL_A              0x01
#define FOCUS_NAME_MAX      64

/*
 * console_input_lock guards the sink list, the focus and the Ctrl-A count.
 * Taken with IRQs off; before the locks of the devices the sinks feed (and
 * so before the interrupt controllers' locks); console_lock (printing) may
 * be taken under it.  Hypervisor keys run after it is dropped, because
 * their handlers take scheduler locks.
 */
static spinlock_t console_input_lock = SPINLOCK_INIT;
static struct console_sink *sinks;          /* (n) sorted by domid */
static struct console_sink *focus;          /* (n) NULL = the hypervisor */
static unsigned ctrl_a_run;                 /* (n) Ctrl-A bytes held back */
static char focus_wanted[FOCUS_NAME_MAX];   /* (n) console_to=, "" once used */
static void (*input_hv_key)(char c);        /* (i) console_input_start */
static struct timer input_timer;

static void announce_focus(const char *why)
{
    if (focus)
        printk(LOG_INFO, "ringvisor: console input to domain '%s'%s (type Ctrl-A three times to switch)\n",
               focus->name, why);
    else
        printk(LOG_INFO, "ringvisor: console input to the hypervisor%s (type Ctrl-A three times to switch)\n",
               why);
}

/* The next in the cycle hypervisor -> lowest domid -> ... -> hypervisor. */
static void switch_focus(void)
{
    focus = focus ? focus->next : sinks;
    announce_focus("");
}

/* One byte to the focus; hypervisor keys are collected for after the lock. */
static void deliver(char c, char *hv, unsigned *nhv)
{
    if (focus)
        focus->put(focus, c);
    else if (*nhv < INPUT_MAX_PER_TICK)
        hv[(*nhv)++] = c;
}

static void route(char c, char *hv, unsigned *nhv)
{
    if (c == CTRL_A) {
        if (++ctrl_a_run == 3) {
            ctrl_a_run = 0;
            switch_focus();
        }
        return;
    }
    /* Fewer than three: they were meant for the focus after all. */
    for (; ctrl_a_run; ctrl_a_run--)
        deliver(CTRL_A, hv, nhv);
    deliver(c, hv, nhv);
}

static void input_poll(void *unused)
{
    char hv[INPUT_MAX_PER_TICK + 2];
    unsigned nhv = 0;
    int c;

    uint64_t f = spin_lock_irqsave(&console_input_lock);
    for (unsigned i = 0; i < INPUT_MAX_PER_TICK && (c = uart_getc()) >= 0; i++)
        route((char)c, hv, &nhv);
    spin_unlock_irqrestore(&console_input_lock, f);
    for (unsigned i = 0; i < nhv; i++)
        if (input_hv_key)
            input_hv_key(hv[i]);
    timer_set(&input_timer, now_ns() + INPUT_POLL_NS);
}

void console_input_start(void (*hv_key)(char c))
{
    input_hv_key = hv_key;
    timer_init(&input_timer, input_poll, NULL, smp_processor_id());
    timer_set(&input_timer, now_ns() + INPUT_POLL_NS);
}

static bool sink_is_wanted(const struct console_sink *s)
{
    return focus_wanted[0] && s->name && strcmp(s->name, focus_wanted) == 0;
}

void console_set_input_focus(const char *domain_name)
{
    uint64_t f = spin_lock_irqsave(&console_input_lock);
    strlcpy(focus_wanted, domain_name ? domain_name : "", sizeof(focus_wanted));
    for (struct console_sink *s = sinks; s; s = s->next)
        if (sink_is_wanted(s)) {
            focus = s;
            focus_wanted[0] = 0;
            announce_focus(" (console_to)");
            break;
        }
    spin_unlock_irqrestore(&console_input_lock, f);
}

void console_sink_register(struct console_sink *s)
{
    uint64_t f = spin_lock_irqsave(&console_input_lock);
    struct console_sink **pp = &sinks;
    while (*pp && (*pp)->domid < s->domid)
        pp = &(*pp)->next;
    s->next = *pp;
    *pp = s;
    if (sink_is_wanted(s)) {
        focus = s;
        focus_wanted[0] = 0;        /* only the first domain of that name */
        announce_focus(" (console_to)");
    }
    spin_unlock_irqrestore(&console_input_lock, f);
}

void console_sink_unregister(struct console_sink *s)
{
    uint64_t f = spin_lock_irqsave(&console_input_lock);
    for (struct console_sink **pp = &sinks; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    s->next = NULL;
    if (focus == s) {
        focus = NULL;
        ctrl_a_run = 0;
        printk(LOG_INFO, "ringvisor: domain '%s' is gone\n", s->name);
        announce_focus("");
    }
    spin_unlock_irqrestore(&console_input_lock, f);
}
