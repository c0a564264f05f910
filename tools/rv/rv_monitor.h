/*
 * rv create's background monitor of one domain (rv_monitor.c).
 */
#ifndef RV_TOOLS_RV_MONITOR_H
#define RV_TOOLS_RV_MONITOR_H

#include <stdint.h>

#include "core/domcfg.h"

/* What the monitor does when its domain shuts down (the file's on_* keys),
 * and what it rebuilds from for a restart. */
struct rv_monitor_plan {
    const char *name;               /* the domain's name: its log /var/log/rv/NAME.log */
    const char *file;               /* the domain file, for rv create on restart (NULL: no restart) */
    enum domcfg_action on_poweroff, on_reboot, on_crash, on_watchdog;
    unsigned quick_restarts;        /* restarts in a row, each life under 5 s (RV_QUICK_RESTARTS) */
};

/* Forks the monitor of domid: 0 (in rv), or -errno if it could not be
 * started.  The monitor itself never returns. */
int rv_monitor_spawn(uint16_t domid, const struct rv_monitor_plan *plan);

#endif
