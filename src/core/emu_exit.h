/* Ending a run under an emulator (boot option emu_exit); see docs/testing.md. */
#ifndef RV_CORE_EMU_EXIT_H
#define RV_CORE_EMU_EXIT_H
#include "lib/compiler.h"

#define EMU_EXIT_PASS   0x10    /* QEMU exit status 33 */
#define EMU_EXIT_FAIL   0x11    /* status 35 */
#define EMU_EXIT_PANIC  0x12    /* status 37 */

extern bool emu_exit_enabled;   /* (i) from the command line */
/* Ends the emulator if emu_exit was given; otherwise halts this CPU forever. */
void emu_exit(uint8_t code) __noreturn;
#endif
