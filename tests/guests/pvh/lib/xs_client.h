/* pvh_hello's xenstore and console client (pvh/lib/xs_client.c). */
#ifndef PVH_LIB_XS_CLIENT_H
#define PVH_LIB_XS_CLIENT_H

#include <stdint.h>

/* Lines from printf go to the console ring (HVM_PARAM_CONSOLE_PFN) as well. */
void hello_console_start(uint64_t mib);
/* Reads name, writes data/hello, watches control/shutdown; returns when
 * "poweroff" is written there (checks recorded), or after stay's wait. */
void hello_xenstore(uint64_t mib);

#endif
