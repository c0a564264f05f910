/* Host unit tests: the host CMOS the RTC reads once at start-up. */
#ifndef RV_ARCH_X86_ASM_H
#define RV_ARCH_X86_ASM_H
#include "lib/compiler.h"
void outb(uint16_t port, uint8_t v);
uint8_t inb(uint16_t port);
#endif
