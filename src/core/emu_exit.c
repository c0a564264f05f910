/*
 * Ending a run under an emulator.  Test runs must end by themselves:
 *  - QEMU's isa-debug-exit device (port 0xf4) exits with status (v << 1) | 1;
 *  - Bochs ends when "Shutdown" is written to its port 0x8900;
 * both ports are only touched when the emu_exit boot option asks for it,
 * since on real hardware they could belong to anything.
 */
#include "core/emu_exit.h"
#include "arch/x86/asm.h"
#include "arch/x86/uart.h"

bool emu_exit_enabled;

void emu_exit(uint8_t code)
{
    cli();
    /* The last console line would be lost if the emulator died with bytes
     * still in the UART: wait for the transmitter to go idle first. */
    uart_drain();
    if (emu_exit_enabled) {
        outl(0xf4, code);
        for (const char *s = "Shutdown"; *s; s++)
            outb(0x8900, (uint8_t)*s);
    }
    for (;;)
        hlt();
}
