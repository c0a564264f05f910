/* rv create's view of a domain file's split-driver devices (rv_devs.c). */
#ifndef RV_TOOLS_RV_DEVS_H
#define RV_TOOLS_RV_DEVS_H

#include "core/domcfg.h"

/* One line per disk and per vif, "FILE: disk N: ..." / "FILE: vif N: ...", on stdout. */
void rv_print_devices(const char *file, const struct domcfg *cfg);

#endif
