/*
 * shutdown_code: SCHEDOP_shutdown_code records a reason without stopping
 * the domain; the domain's next shutdown reports the first reason so
 * recorded, whatever it asks for then (Xen's rule, which a kexec crash
 * kernel relies on: its later poweroff is still reported as the crash).
 * An undefined reason is refused and records nothing; a second code does
 * not replace the first; SCHEDOP_remote_shutdown from this unprivileged
 * domain is refused.  rv_expect = "crash": the poweroff at the end must be
 * reported as a crash.
 */
#include "guest.h"
#include "public/sched.h"
#include "public/xen.h"
#include "lib/errno.h"

static long shutdown_code(unsigned reason)
{
    struct sched_shutdown s = { .reason = reason };
    return hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown_code, (uintptr_t)&s, 0, 0, 0);
}

void test_main(void)
{
    if (!hv_require())
        return;
    long rc = shutdown_code(99);
    check(rc == -EINVAL, "code-bad-reason", "SCHEDOP_shutdown_code(99) returned %ld, expected -EINVAL", rc);
    rc = shutdown_code(SHUTDOWN_crash);
    check(rc == 0, "code-recorded", "SCHEDOP_shutdown_code(SHUTDOWN_crash) returned %ld", rc);
    rc = shutdown_code(SHUTDOWN_reboot);
    check(rc == 0, "code-second", "a second SCHEDOP_shutdown_code returned %ld (0 expected, ignored)", rc);
    struct sched_remote_shutdown r = { .domain_id = 0, .reason = SHUTDOWN_poweroff };
    rc = hypercall(__HYPERVISOR_sched_op, SCHEDOP_remote_shutdown, (uintptr_t)&r, 0, 0, 0);
    check(rc == -EPERM, "remote-unprivileged", "SCHEDOP_remote_shutdown from a domU returned %ld, expected -EPERM",
          rc);
    expect_domain_crash();
    rc = hv_shutdown(SHUTDOWN_poweroff);
    check(false, "poweroff-as-crash", "SCHEDOP_shutdown(SHUTDOWN_poweroff) returned %ld", rc);
}
