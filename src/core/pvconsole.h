/*
 * The PV console back end inside the hypervisor: a ring page in the
 * domain's RAM (include/public/console.h) and an event channel whose other
 * end is the hypervisor, published to the guest as HVM_PARAM_CONSOLE_PFN and
 * HVM_PARAM_CONSOLE_EVTCHN.  What the guest writes to 'out' goes to the
 * hypervisor console as the domain's lines (as its UART output does); input
 * focused on the domain (Ctrl-A x3, console_to=) goes to 'in'.
 */
#ifndef RV_CORE_PVCONSOLE_H
#define RV_CORE_PVCONSOLE_H

#include "lib/compiler.h"
#include <stdbool.h>

struct domain;

/* ring_gfn: a page of d's RAM the builder set aside (reserved in the guest's
 * memory map).  Opens the port, sets the two HVM params, registers the
 * console input sink.  0 or a negative errno. */
int pvconsole_create(struct domain *d, uint64_t ring_gfn);
/* PV domains: the ring is machine frame mfn of d (start_info's
 * console.domU.mfn), which the caller keeps writable-typed until
 * pvconsole_destroy; no HVM params.  Returns the event channel port (for
 * start_info's console.domU.evtchn) or a negative errno. */
int pvconsole_create_mfn(struct domain *d, uint64_t mfn);
/* Whether d's guest has connected its PV console (written to the ring):
 * then its console_io output is not shown (docs/running-domains.md).  Only
 * while d's vCPUs may run (d->pvcon is stable then); false without one. */
bool pvconsole_connected(struct domain *d);
/* Drains what is left of the output, then releases everything; safe when
 * pvconsole_create failed or was never called. */
void pvconsole_destroy(struct domain *d);

#endif
