/*
 * Helpers shared by the reboot / crash policy and watchdog guests
 * (reboot_self, reboot_triple, restart_loop, crash_preserve,
 * rename_restart, coredump_restart, watchdog_expire, watchdog_pet).
 */
#ifndef GUEST_POLICY_H
#define GUEST_POLICY_H

#include "guest.h"
#include "public/xen.h"
#include "public/sched.h"
#include "public/version.h"

/* Which boot of the domain this is: 0 first, N after N restarts.  Ringvisor
 * puts the restart count in bytes 2-3 of XENVER_guest_handle (bytes 0-1:
 * the domain id; docs/hypercalls.md). */
static inline unsigned boot_generation(void)
{
    uint8_t h[16];
    long rc = hypercall(__HYPERVISOR_xen_version, XENVER_guest_handle, (unsigned long)h, 0, 0, 0);

    check(rc == 0, "guest-handle", "XENVER_guest_handle returned %ld", rc);
    unsigned gen = h[2] | (unsigned)h[3] << 8;
    printf("%s: domain %u, boot %u (restarts so far: %u)\n", guest_name, h[0] | (unsigned)h[1] << 8, gen + 1, gen);
    return gen;
}

/* SCHEDOP_watchdog. */
static inline long hv_watchdog(uint32_t id, uint32_t timeout)
{
    struct sched_watchdog w = { id, timeout };
    return hypercall(__HYPERVISOR_sched_op, SCHEDOP_watchdog, (unsigned long)&w, 0, 0, 0);
}

/* Waits ms milliseconds of guest time, blocked on the single-shot timer
 * (set_timer_op deadlines are in clock_ns() time): a vCPU that blocks is
 * not runnable meanwhile, so on a busy host it is run again soon after the
 * deadline instead of queueing behind CPU-bound domains as a yielding one
 * does. */
static inline void wait_ms(unsigned ms)
{
    uint64_t end = clock_ns() + (uint64_t)ms * 1000000;
    while (clock_ns() < end) {
        hv_set_timer(end);
        hv_sched_block();
    }
}

/* First boot: end with 'reason' (SCHEDOP_shutdown); second boot: pass and
 * power off.  For the configs whose action restarts the domain. */
static inline void shutdown_then_poweroff(unsigned reason, const char *what)
{
    unsigned gen = boot_generation();
    if (gen == 0) {
        check(true, "first-boot", "first boot");
        printf("note: first boot: SCHEDOP_shutdown(%s); the hypervisor must start the domain again\n", what);
        uart_drain();
        long rc = hv_shutdown(reason);
        check(false, "shutdown", "SCHEDOP_shutdown(%s) returned %ld", what, rc);
        return;
    }
    check(gen == 1, "second-boot", "boot %u: expected exactly one restart", gen + 1);
}

#endif
