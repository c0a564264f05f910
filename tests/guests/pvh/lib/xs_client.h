/* pvh_hello's xenstore and console client (pvh/lib/xs_client.c). */
#ifndef PVH_LIB_XS_CLIENT_H
#define PVH_LIB_XS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

/* Lines from printf go to the console ring (HVM_PARAM_CONSOLE_PFN) as well. */
void hello_console_start(uint64_t mib);
/* Reads name, writes data/hello, watches control/shutdown; returns when
 * "poweroff" (false) or "reboot" (true) is written there (checks recorded). */
bool hello_xenstore(uint64_t mib);

/* The general client: the store ring from HVM_PARAM_STORE_*, shared info
 * mapped (for pvclock); false if the domain has no store. */
bool xsc_init(void);
/* The value (NUL-terminated, cut at len - 1) and its length, or -1 (an
 * error reply or no answer in 10 s). */
long xsc_read(const char *path, char *buf, unsigned len);
/* 0 or more on success, -1 on an error reply. */
long xsc_write(const char *path, const char *value);

#endif
