/*
 * rv's subcommands that live outside rv.c, and what they share with it.
 */
#ifndef RV_TOOLS_RV_CMDS_H
#define RV_TOOLS_RV_CMDS_H

#include <stdint.h>

struct rc_handle;

/* rc_open, or a "rv CMD: why" line and NULL. */
struct rc_handle *rv_open(const char *cmd);
/* A domain id, or a name from xenstore's /local/domain/N/name; -1 with a
 * "rv CMD: ..." line if neither. */
int rv_lookup_domain(struct rc_handle *h, const char *cmd, const char *s, uint16_t *out);
/* rv_lookup_domain with a handle of its own: 0, or -1 with a line said. */
int rv_domain_arg(const char *cmd, const char *s, uint16_t *id);
struct rv_xs;
/* rv_xs_open, or a "rv CMD: no xenstored" line and NULL. */
struct rv_xs *rv_open_xs(const char *cmd);
/* Replaces what is not printable ASCII with '?' (values a guest wrote). */
void rv_printable(char *s);

int rv_cmd_console(int argc, char **argv);      /* rv_console.c */
int rv_cmd_shutdown(int argc, char **argv);
int rv_cmd_consoled(int argc, char **argv);     /* rv_consoled.c */
int rv_cmd_reboot(int argc, char **argv);
int rv_cmd_xs_bench(int argc, char **argv);     /* rv_bench.c */
int rv_cmd_mem_set(int argc, char **argv);      /* rv_mem.c */
int rv_cmd_vcpu_pin(int argc, char **argv);     /* rv_vcpu.c */
int rv_cmd_ioreq_test(int argc, char **argv);   /* rv_ioreq.c */

#endif
