/*
 * rv create's PVH builder (pvh_build.c; docs/toolstack.md "Building a
 * domain from dom0").
 */
#ifndef RV_TOOLS_PVH_BUILD_H
#define RV_TOOLS_PVH_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rc_handle;

/* A PV domain's console and xenstore rings (pv_build.c): pages of its
 * initial region, named in start_info by MFN with their event channels
 * (unbound, remote dom0), which the builder allocates.  Filled before
 * before_unpause runs. */
struct rv_rings {
    uint64_t console_mfn, store_mfn;
    uint32_t console_port, store_port;
};

struct pvh_build_req {
    const void *kernel;         /* the ELF file's bytes */
    size_t kernel_size;
    const char *cmdline;        /* "" = none */
    uint64_t memory_mib;
    unsigned vcpus;
    int verbose;                /* a summary line on stdout */
    /* Pages just above RAM for the toolstack (xenstore and console rings):
     * counted in max_mem, reserved in the memory map; the hook populates
     * them.  Runs after the image is loaded, before the first unpause;
     * nonzero fails the build (err filled). */
    unsigned extra_pages;
    int (*before_unpause)(struct rc_handle *h, uint16_t domid, void *ctx, char *err, size_t errlen);
    void *ctx;
    /* PVH: hvm_start_info module 0 at the top of RAM; 64-bit PV: after
     * the kernel in the initial region. */
    const void *ramdisk;        /* the initrd's bytes, NULL: none */
    size_t ramdisk_size;
    struct rv_rings *rings;     /* 64-bit PV: console and xenstore rings (NULL: none) */
    const char *kernel_name;    /* HVM: the file's name (a flat kernel is a *.bin) */
    bool shadow;                /* HVM: hap = 0, createdomain without CDF_hap (shadow paging) */
    bool firmware;              /* HVM: firmware_override: kernel is the firmware ELF (hvm_build.c) */
};

/* Builds and starts the domain; 0 with its id, or -1 with a reason in err
 * (a half-built domain is destroyed).  h = NULL: only the checks that need
 * no hypervisor (memory size, the kernel's ELF and PVH note, its place). */
int rv_build_pvh(struct rc_handle *h, const struct pvh_build_req *req, uint16_t *domid, char *err, size_t errlen);
/* The id of the domain a failed rv_build_pvh destroyed (for the caller's
 * own cleanup, e.g. its xenstore entries); 0 if none was created. */
extern uint16_t rv_build_pvh_failed_domid;

#endif
