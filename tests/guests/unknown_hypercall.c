/*
 * unknown_hypercall: a hypercall number the hypervisor does not implement
 * returns -ENOSYS (guest-abi), and the domain carries on.  63: no Xen
 * version defines it (the table ends at 42, plus 48-55 for architecture-
 * specific calls); 127: the last stub of the page.
 */
#include "guest.h"
#include "lib/errno.h"

void test_main(void)
{
    if (!hv_require())
        return;
    long rc = hypercall(63, 0, 0, 0, 0, 0);
    check(rc == -ENOSYS, "nr-63", "hypercall 63 returned %ld, expected -ENOSYS (%d)", rc, -ENOSYS);
    rc = hypercall(127, 1, 2, 3, 4, 5);
    check(rc == -ENOSYS, "nr-127", "hypercall 127 returned %ld, expected -ENOSYS (%d)", rc, -ENOSYS);
    rc = hv_sched_yield();
    check(rc == 0, "still-running", "sched_op(yield) afterwards returned %ld", rc);
}
