/*
 * The debug-exit device: QEMU's isa-debug-exit as test harnesses configure
 * it (iobase 0xf4, iosize 4), placed where the domain file's debug_exit key
 * says.  QEMU ends the whole emulator with status (v << 1) | 1 when the
 * guest writes v; here the same write ends only the domain (a poweroff),
 * and the status is logged and kept so that rv-run can report and judge it
 * (docs/hvm-platform.md).  The shift-and-set-bit-0 rule is kept so that a
 * harness's pass/fail codes mean the same thing under both.
 */
#include "hvm/platform.h"
#include "core/domain.h"
#include "core/console.h"
#include "public/sched.h"

bool vdebugexit_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    (void)port;
    if (in) {
        *val = 0;
        return true;
    }
    uint32_t v = size == 4 ? *val : size == 2 ? (*val & 0xffff) : (*val & 0xff);
    uint64_t status = ((uint64_t)v << 1) | 1;
    /* Only the first write counts: the domain is already stopping after it. */
    if (!__atomic_load_n(&d->debug_exit_status, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&d->debug_exit_status, status, __ATOMIC_RELEASE);
        domain_log(d, LOG_INFO, "debug-exit: wrote 0x%x, exit status %lu\n", v, (unsigned long)status);
    }
    domain_shutdown(d, SHUTDOWN_poweroff);
    return true;
}
