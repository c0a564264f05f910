/* 16550 UART, polled output (the console must work before interrupts do). */
#ifndef RV_ARCH_X86_UART_H
#define RV_ARCH_X86_UART_H
#include "lib/compiler.h"

void uart_init(uint16_t base, uint32_t baud);
void uart_putc(char c);
void uart_drain(void);          /* wait until the transmitter is empty */
int uart_getc(void);            /* -1 if no byte waiting */
uint16_t uart_base(void);       /* 0 when disabled */
uint16_t uart_port_for_com(unsigned com); /* 1..4 -> 0x3f8, 0x2f8, 0x3e8, 0x2e8 */
#endif
