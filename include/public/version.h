/*
 * Xen-compatible public ABI: __HYPERVISOR_xen_version (17) sub-operations.
 * Names and values are those of the Xen guest ABI ("version.h" of the Xen
 * public interface), written anew for Ringvisor.
 *
 * Call: xen_version(cmd, arg).  Unknown commands return -ENOSYS.
 */
#ifndef RV_PUBLIC_VERSION_H
#define RV_PUBLIC_VERSION_H

#define XENVER_version              0   /* returns (major << 16) | minor; arg unused */
#define XENVER_extraversion         1   /* arg: char[16], e.g. ".0" */
#define XENVER_compile_info         2
#define XENVER_capabilities         3   /* arg: char[1024], e.g. "hvm-3.0-x86_64" */
#define XENVER_changeset            4
#define XENVER_platform_parameters  5
#define XENVER_get_features         6
#define XENVER_pagesize             7   /* returns the page size (4096) */
#define XENVER_guest_handle         8
#define XENVER_commandline          9
#define XENVER_build_id             10

#include <stdint.h>

/* The argument types (all sizes are the ABI's; the same for 32- and 64-bit
 * callers except xen_platform_parameters, whose xen_ulong_t is 4 bytes for
 * an i386 caller). */
#define XEN_EXTRAVERSION_LEN        16
#define XEN_CAPABILITIES_INFO_LEN   1024
#define XEN_CHANGESET_INFO_LEN      64
#define XEN_COMMANDLINE_LEN         1024
#define XEN_DOMAIN_HANDLE_LEN       16

struct xen_compile_info {
    char compiler[64];
    char compile_by[16];
    char compile_domain[32];
    char compile_date[32];
};

struct xen_platform_parameters {
    unsigned long virt_start;       /* xen_ulong_t: 8 bytes for an x86_64 caller */
};

/* XENVER_build_id: IN len = room in buf; OUT the id's bytes; returns their
 * count.  A NULL argument asks for the size only. */
struct xen_build_id {
    uint32_t len;
    unsigned char buf[];
};

/* Split the value XENVER_version returns. */
#define XENVER_MAJOR(v)             ((unsigned)(v) >> 16)
#define XENVER_MINOR(v)             ((unsigned)(v) & 0xffffu)

#endif /* RV_PUBLIC_VERSION_H */
