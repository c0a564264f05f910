/*
 * A domain's console output lines (core/domain_console.c); console_io is in
 * core/hypercall.h.
 */
#ifndef RV_CORE_DOMAIN_CONSOLE_H
#define RV_CORE_DOMAIN_CONSOLE_H

struct domain;

/* One byte of domain console output from one source (enum dom_con_stream:
 * the UART, console_io, the PV console ring); caller holds d->uart_lock.
 * Each source has its own line buffer; whole lines go to the hypervisor
 * console with the domain's name. */
void domain_con_putc(struct domain *d, unsigned stream, char c);
/* Prints every source's unfinished line; caller holds d->uart_lock. */
void domain_con_flush(struct domain *d);

#endif
