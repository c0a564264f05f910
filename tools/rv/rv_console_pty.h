/*
 * rv console through the console daemon's pty (rv_console_pty.c).
 */
#ifndef RV_TOOLS_RV_CONSOLE_PTY_H
#define RV_TOOLS_RV_CONSOLE_PTY_H

#include <stdint.h>

struct rc_handle;

struct rv_console_opts {
    int follow;             /* -f */
    int timed;              /* -t given */
    unsigned secs;          /* -t, default 30 */
    const char *marker;     /* -m, or NULL */
    int feed_stdin;         /* -i: stdin to the domain's console */
};

/* -1: no daemon serves domid (the caller reads the ring itself); otherwise
 * rv console's exit status. */
int rv_console_pty(struct rc_handle *h, uint16_t domid, const struct rv_console_opts *o);

#endif
