/*
 * rv create's PVH builder (pvh_build.c; docs/toolstack.md "Building a
 * domain from dom0").
 */
#ifndef RV_TOOLS_PVH_BUILD_H
#define RV_TOOLS_PVH_BUILD_H

#include <stddef.h>
#include <stdint.h>

struct rc_handle;

struct pvh_build_req {
    const void *kernel;         /* the ELF file's bytes */
    size_t kernel_size;
    const char *cmdline;        /* "" = none */
    uint64_t memory_mib;
    unsigned vcpus;
    int verbose;                /* a summary line on stdout */
};

/* Builds and starts the domain; 0 with its id, or -1 with a reason in err
 * (a half-built domain is destroyed).  h = NULL: only the checks that need
 * no hypervisor (memory size, the kernel's ELF and PVH note, its place). */
int rv_build_pvh(struct rc_handle *h, const struct pvh_build_req *req, uint16_t *domid, char *err, size_t errlen);

#endif
