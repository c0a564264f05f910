/*
 * Network interfaces for domUs served by dom0's xen-netback (rv_net.c;
 * docs/split-drivers.md "Network interfaces"): the vif backend and
 * frontend xenstore nodes as libxl writes them, the hot-plug step in C
 * (what /etc/xen/scripts/vif-bridge does: MTU, bridge port, link up,
 * hotplug-status) or a script= run as xl runs it, teardown, and
 * rv network-list / network-attach /
 * network-detach.
 *
 * Owner: everything here runs in one rv process, one thread; the state of
 * a vif lives in xenstore and in dom0's kernel (netback owns the vifD.N
 * device and removes it when its backend directory goes), so any later rv
 * process can tear it down.
 */
#ifndef RV_TOOLS_RV_NET_H
#define RV_TOOLS_RV_NET_H

#include <stddef.h>
#include <stdint.h>

#include "core/domcfg.h"

struct rv_xs;

/* What rv does not do for a vif (ip= and gatewaydev= without a script=,
 * type=ioemu, a backend other than dom0) is refused; a script= must be an
 * executable file (relative: in /etc/xen/scripts); without one the bridge
 * must exist in dom0 and be a bridge; 0 or -1 with a reason in err.
 * Nothing is changed. */
int rv_net_check(const struct domcfg_vif *f, char *err, size_t errlen);

/* The nodes (one transaction), then the hot-plug step: wait for netback's
 * vifD.N, set its MTU, enslave it to the bridge, bring it up, write
 * hotplug-status = connected; with a script= instead `SCRIPT online` with
 * libxl's environment, which must exit 0 and leave hotplug-status =
 * connected within 20 s.  0, or -1 with err (nothing left behind). */
int rv_net_add(struct rv_xs *x, uint16_t domid, const struct domcfg_vif *f, char *err, size_t errlen);
/* Every vif of cfg (ctx is the struct domcfg); on a failure the ones
 * added are removed again. */
int rv_net_add_all(struct rv_xs *x, uint16_t domid, const struct domcfg *cfg, char *err, size_t errlen);
/* Backend online = 0, state = 5; waits up to wait_ms for netback to reach
 * 6 (a frontend that closed), runs `SCRIPT offline` for a vif plugged by a
 * script=, then removes both directories (netback
 * unregisters vifD.N, which leaves the bridge with it).  1 closed, 0
 * forced, -ENOENT no such vif. */
int rv_net_remove(struct rv_xs *x, uint16_t domid, unsigned devid, unsigned wait_ms);
/* All of a domain's vifs, forced (the domain is gone). */
void rv_net_remove_all(uint16_t domid);

int rv_cmd_network_list(int argc, char **argv);
int rv_cmd_network_attach(int argc, char **argv);
int rv_cmd_network_detach(int argc, char **argv);

#endif
