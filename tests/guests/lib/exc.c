/*
 * Exceptions and interrupts in the test guests.
 *
 * Every vector has a gate (idt32.S / idt64.S stubs).  An exception at an
 * instruction listed in the .rv_fixup table (see x86.h: rdmsr_safe() and
 * friends) is expected: its vector and error code go to exc_caught /
 * exc_error and execution resumes at the fixup address.  Any other exception
 * is a test failure: we print the vector, error code and instruction pointer
 * and end the guest (finish() -> crash), so an unexpected guest exception is
 * visible in the log instead of looking like a hang.  Vectors 32-255
 * (external interrupts) are counted and dismissed.  The IDT itself, the
 * fixup lookup and the report are shared with the PVH libraries (idt.c).
 */
#include "guest.h"

static int exc_depth;

void (*volatile irq_hook)(unsigned vector);

void exc_dispatch(struct exc_frame *f)
{
    /* Interrupts, and NMIs when a test installed a hook for them. */
    if (f->vector >= 32 || (f->vector == 2 && irq_hook)) {
        gi->irq_count++;
        gi->irq_last = (uint32_t)f->vector;
        if (irq_hook)
            irq_hook((unsigned)f->vector);
        return;
    }
    if (exc_fixup(f))
        return;
    if (exc_depth++) {
        /* Faulting while reporting a fault: stop without more output. */
        triple_fault();
    }
    exc_report(f);
    finish();
}
