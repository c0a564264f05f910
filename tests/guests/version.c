/*
 * version: xen_version(XENVER_version) returns (major << 16) | minor,
 * nonzero, the same every time; an unknown sub-op returns -ENOSYS.
 */
#include "guest.h"
#include "public/xen.h"
#include "public/version.h"
#include "lib/errno.h"

void test_main(void)
{
    if (!hv_require())
        return;
    long v = hv_version();
    check(v > 0, "version", "xen_version(XENVER_version) returned %#lx", v);
    printf("note: version %u.%u\n", XENVER_MAJOR(v), XENVER_MINOR(v));
    long again = hv_version(), third = hv_version();
    check(again == v && third == v, "version-stable", "returned %#lx, then %#lx, then %#lx", v, again, third);
    long rc = hypercall(__HYPERVISOR_xen_version, 0x7fff, 0, 0, 0, 0);
    check(rc == -ENOSYS, "unknown-subop", "xen_version(0x7fff) returned %ld, expected -ENOSYS (%d)", rc, -ENOSYS);
}
