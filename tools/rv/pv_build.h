/*
 * rv create's 64-bit PV builder (pv_build.c; docs/toolstack.md "Building a
 * PV domain from dom0").  The request is the PVH builder's (pvh_build.h).
 */
#ifndef RV_TOOLS_PV_BUILD_H
#define RV_TOOLS_PV_BUILD_H

#include "pvh_build.h"

/* Builds and starts the domain; 0 with its id, or -1 with a reason in err
 * (a half-built domain is destroyed).  h = NULL: only the checks that need
 * no hypervisor (memory size, the kernel's notes, the layout). */
int rv_build_pv(struct rc_handle *h, const struct pvh_build_req *req, uint16_t *domid, char *err, size_t errlen);

#endif
