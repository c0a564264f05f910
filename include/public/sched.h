/*
 * Xen-compatible public ABI: __HYPERVISOR_sched_op (29) sub-operations and
 * their argument structures.  Names and values are those of the Xen guest
 * ABI ("sched.h" of the Xen public interface), written anew for Ringvisor.
 *
 * Call: sched_op(cmd, arg) where arg is a guest pointer to the structure the
 * command takes (or unused).  Unknown commands return -ENOSYS.
 *
 * Plain C11, no libc; the structures have the same layout for 32-bit and
 * 64-bit guests.
 */
#ifndef RV_PUBLIC_SCHED_H
#define RV_PUBLIC_SCHED_H

#include <stdint.h>

#define SCHEDOP_yield           0   /* give up the CPU; arg unused; returns 0 */
#define SCHEDOP_block           1   /* sleep until an event (timer, interrupt) is pending; returns 0 */
#define SCHEDOP_shutdown        2   /* arg: struct sched_shutdown *; stops the whole domain */
#define SCHEDOP_poll            3   /* arg: struct sched_poll * (event channels) */
#define SCHEDOP_remote_shutdown 4   /* arg: struct sched_remote_shutdown * (privileged) */
#define SCHEDOP_shutdown_code   5   /* arg: struct sched_shutdown *; records the reason only */
#define SCHEDOP_watchdog        6   /* arg: struct sched_watchdog * */
#define SCHEDOP_pin_override    7   /* arg: struct sched_pin_override * (hardware domain) */

/* Reasons for SCHEDOP_shutdown. */
#define SHUTDOWN_poweroff       0   /* the domain is finished, stop it cleanly */
#define SHUTDOWN_reboot         1   /* restart the domain */
#define SHUTDOWN_suspend        2   /* save state and stop (toolstack resumes it) */
#define SHUTDOWN_crash          3   /* the domain failed */
#define SHUTDOWN_watchdog       4   /* its watchdog fired */
#define SHUTDOWN_soft_reset     5   /* reset without tearing the domain down */

/* Argument of SCHEDOP_shutdown and SCHEDOP_shutdown_code. */
struct sched_shutdown {
    uint32_t reason;                /* SHUTDOWN_* */
};

/* Argument of SCHEDOP_remote_shutdown (8 bytes for 32- and 64-bit callers). */
struct sched_remote_shutdown {
    uint16_t domain_id;             /* the domain to stop */
    uint16_t pad;
    uint32_t reason;                /* SHUTDOWN_* */
};
_Static_assert(sizeof(struct sched_remote_shutdown) == 8, "sched_remote_shutdown layout");

/* Argument of SCHEDOP_watchdog (the same layout for 32- and 64-bit callers):
 * id 0 creates a watchdog expiring in 'timeout' seconds and returns its id;
 * with an id, timeout > 0 pets it and 0 destroys it. */
struct sched_watchdog {
    uint32_t id;
    uint32_t timeout;               /* seconds */
};
_Static_assert(sizeof(struct sched_watchdog) == 8, "sched_watchdog layout");

/* Argument of SCHEDOP_poll (64-bit layout): block until one of the ports is
 * pending or the timeout (absolute ns of system time, 0 = none) passes.
 * Returns 0 when woken, including by the timeout. */
struct sched_poll {
    uint64_t ports;                 /* guest pointer to evtchn_port_t[nr_ports] */
    uint32_t nr_ports;              /* at most 128 in Ringvisor */
    uint32_t pad;
    uint64_t timeout;
};
_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll layout");

#endif /* RV_PUBLIC_SCHED_H */
