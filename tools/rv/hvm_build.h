/*
 * rv create's HVM builder (hvm_build.c; docs/toolstack.md "An HVM domain
 * from dom0"): a Linux bzImage (with its ramdisk) or a multiboot kernel
 * started directly, as the boot path does.
 */
#ifndef RV_TOOLS_HVM_BUILD_H
#define RV_TOOLS_HVM_BUILD_H

#include "pvh_build.h"

/* As rv_build_pvh (the same request; kernel is the file as read, not
 * unpacked; a ramdisk only with a bzImage); h = NULL: only the checks that
 * need no hypervisor (memory, the bzImage's or multiboot kernel's plan with
 * the ramdisk and command line, the ACPI tables).  A failure after createdomain destroys the domain and
 * names it in rv_build_pvh_failed_domid. */
int rv_build_hvm(struct rc_handle *h, const struct pvh_build_req *req, uint16_t *domid, char *err, size_t errlen);

#endif
