/* Hypervisor console (see console.h). */
#include "core/console.h"
#include "core/spinlock.h"
#include "arch/x86/uart.h"
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
