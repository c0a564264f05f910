/*
 * rv create's background monitor of one domain (rv_monitor.c).
 */
#ifndef RV_TOOLS_RV_MONITOR_H
#define RV_TOOLS_RV_MONITOR_H

#include <stdint.h>

/* Forks the monitor of domid: 0 (in rv), or -errno if it could not be
 * started.  The monitor itself never returns. */
int rv_monitor_spawn(uint16_t domid);

#endif
