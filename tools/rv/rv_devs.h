/* rv create's view of a domain file's split-driver devices (rv_devs.c). */
#ifndef RV_TOOLS_RV_DEVS_H
#define RV_TOOLS_RV_DEVS_H

#include "core/domcfg.h"

/* One line per disk and per vif, "FILE: disk N: ..." / "FILE: vif N: ...", on stdout. */
void rv_print_devices(const char *file, const struct domcfg *cfg);
/* A block-attach / network-attach SPEC through the domain-file parser
 * itself (one KEY = [ 'SPEC' ] line in a minimal file), so every syntax
 * rv create takes is taken there too.  0 and the parsed file in *cfg
 * (exactly one device of that kind), or -1 with a "rv CMD: ..." line. */
int rv_parse_device_spec(const char *cmd, const char *key, const char *spec, struct domcfg *cfg);

#endif
