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

#define log_err(...)    printk(LOG_ERR, __VA_ARGS__)
#define log_warn(...)   printk(LOG_WARN, __VA_ARGS__)
#define log_info(...)   printk(LOG_INFO, __VA_ARGS__)
#define log_debug(...)  printk(LOG_DEBUG, __VA_ARGS__)

#endif
