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

/* Split the value XENVER_version returns. */
#define XENVER_MAJOR(v)             ((unsigned)(v) >> 16)
#define XENVER_MINOR(v)             ((unsigned)(v) & 0xffffu)

#endif /* RV_PUBLIC_VERSION_H */
