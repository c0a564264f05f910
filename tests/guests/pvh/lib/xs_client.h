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

/* ---- raw access, for a hostile client (xs_abuse.c) ---- */
#define XSC_BODY_MAX 4096       /* XENSTORE_PAYLOAD_MAX */
/* One request (type, transaction id, body of len bytes); *reply points at
 * the reply's payload (NUL-terminated).  Its length; -1 on an error reply
 * (the error's name in *reply), -2 on no reply within 10 s. */
long xsc_request(uint32_t type, uint32_t tx, const void *body, uint32_t len, const char **reply);
/* Puts up to n bytes on the request ring without waiting for room and
 * notifies; how many went. */
uint32_t xsc_put_nowait(const void *p, uint32_t n);
/* A fresh request id for a raw request. */
uint32_t xsc_next_id(void);
/* Waits ns nanoseconds (blocked, woken by the store's events on the way). */
void xsc_sleep_ns(uint64_t ns);
/* Sets req_prod to req_cons + ahead and notifies. */
void xsc_set_req_prod(uint32_t ahead);
/* xsabuse=1 on pvh_hello's command line (linux_dom0_xsabuse). */
void hello_xs_abuse(void);

#endif
