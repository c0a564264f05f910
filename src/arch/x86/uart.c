/* 16550 UART driver (polled, both directions: console.c polls for input).  Register layout: PC16550D data sheet. */
#include "arch/x86/uart.h"
#include "arch/x86/asm.h"

#define UART_THR 0      /* transmit holding (write) */
#define UART_RBR 0      /* receive buffer (read) */
#define UART_DLL 0      /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1      /* divisor latch high (DLAB=1) */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR   0x01   /* data ready */
#define LSR_THRE 0x20   /* holding register empty: may write the next byte */
#define LSR_TEMT 0x40   /* shift register empty too: line idle */

static uint16_t uart_io;        /* (i) set by uart_init on the BSP */

uint16_t uart_port_for_com(unsigned com)
{
    static const uint16_t ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
    return (com >= 1 && com <= 4) ? ports[com - 1] : 0;
}

void uart_init(uint16_t base, uint32_t baud)
{
    uint16_t div = baud ? (uint16_t)(115200 / baud) : 1;

    uart_io = base;
    if (!base)
        return;
    outb(base + UART_IER, 0);           /* polled: no interrupts */
    outb(base + UART_LCR, 0x80);        /* DLAB on to set the divisor */
    outb(base + UART_DLL, div & 0xff);
    outb(base + UART_DLM, div >> 8);
    outb(base + UART_LCR, 0x03);        /* 8N1, DLAB off */
    outb(base + UART_FCR, 0x07);        /* enable and clear FIFOs */
    outb(base + UART_MCR, 0x03);        /* DTR | RTS */
}

uint16_t uart_base(void)
{
    return uart_io;
}

void uart_putc(char c)
{
    if (!uart_io)
        return;
    /* Bounded wait: a missing UART reads 0xff (THRE set), a stuck one must
     * not hang the hypervisor forever. */
    for (unsigned spins = 0; spins < 1000000; spins++)
        if (inb(uart_io + UART_LSR) & LSR_THRE)
            break;
    outb(uart_io + UART_THR, (uint8_t)c);
}

void uart_drain(void)
{
    if (!uart_io)
        return;
    for (unsigned spins = 0; spins < 1000000; spins++)
        if (inb(uart_io + UART_LSR) & LSR_TEMT)
            break;
}

int uart_getc(void)
{
    if (!uart_io)
        return -1;
    uint8_t lsr = inb(uart_io + UART_LSR);
    /* All-ones is an empty ISA bus, not a byte waiting: without this a
     * machine lacking the UART would "receive" 0xff forever. */
    if (lsr == 0xff || !(lsr & LSR_DR))
        return -1;
    return inb(uart_io + UART_RBR);
}
