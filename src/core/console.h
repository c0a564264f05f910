/*
 * The hypervisor console: leveled messages to the serial line plus an
 * in-memory log ring that keeps every message, printed or not.
 */
#ifndef RV_CORE_CONSOLE_H
#define RV_CORE_CONSOLE_H

#include "lib/compiler.h"
#include "boot/bootopts.h"     /* LOG_ERR .. LOG_DEBUG */
#include <stdarg.h>

void console_init_early(uint16_t com_base, uint32_t baud);
void console_set_level(int level);
int console_level(void);
void vprintk(int level, const char *fmt, va_list ap);
void printk(int level, const char *fmt, ...) __printf(2, 3);
/* Panic path: take the console even if another CPU died holding it. */
void console_force_unlock(void);
/* Copy the newest bytes of the log ring (for tests and dumps). */
size_t console_ring_copy(char *buf, size_t len);
uint64_t console_ring_bytes(void);
size_t console_ring_read(uint64_t *pos, char *buf, size_t len);

/*
 * Console input.  The boot CPU polls the serial line (console_input_start)
 * and hands each byte to whoever has the input focus: the hypervisor (its
 * debug keys) or one domain's console device.  Three Ctrl-A in a row move
 * the focus on: hypervisor -> first domain -> next domain ... -> hypervisor.
 *
 * A domain's device registers a sink while it exists; unregistering takes
 * the input lock, so once console_sink_unregister returns no CPU is inside
 * the sink's put() and its memory may be freed.  put() runs with IRQs off
 * under console_input_lock, which comes before the device's own locks.
 */
struct console_sink {
    uint16_t domid;                             /* (i) orders the focus cycle */
    const char *name;                           /* (i) the domain's name, for messages */
    void (*put)(struct console_sink *s, char c);    /* (i) one byte of input */
    struct console_sink *next;                  /* (console_input_lock) */
};
void console_sink_register(struct console_sink *s);
void console_sink_unregister(struct console_sink *s);
/* Start polling the UART (100 Hz, boot CPU, after timers work); bytes for
 * the hypervisor go to hv_key. */
void console_input_start(void (*hv_key)(char c));
/* console_to=NAME: give the focus to the domain of that name as soon as it
 * registers (once).  NULL or "" keeps the hypervisor. */
void console_set_input_focus(const char *domain_name);

#define log_err(...)    printk(LOG_ERR, __VA_ARGS__)
#define log_warn(...)   printk(LOG_WARN, __VA_ARGS__)
#define log_info(...)   printk(LOG_INFO, __VA_ARGS__)
#define log_debug(...)  printk(LOG_DEBUG, __VA_ARGS__)

#endif
