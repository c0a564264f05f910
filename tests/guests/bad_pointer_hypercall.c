/*
 * bad_pointer_hypercall: hypercall arguments that point outside the guest's
 * RAM get -EFAULT and nothing else: the domain keeps running.  guest-abi:
 * RAM is [0, memory MiB); 0xFEB00000 is neither RAM nor a device.
 */
#include "guest.h"
#include "public/xen.h"
#include "public/sched.h"
#include "lib/errno.h"

static void expect_efault(long rc, const char *name, const char *what)
{
    check(rc == -EFAULT, name, "%s returned %ld, expected -EFAULT (%d)", what, rc, -EFAULT);
}

void test_main(void)
{
    if (!hv_require())
        return;
    uintptr_t ram_end = MiB(guest_cfg_memory_mib);

    expect_efault(hv_console_write((const char *)0xf0000000u, 16), "console-outside-ram",
                  "CONSOLEIO_write from 0xf0000000");
    expect_efault(hv_console_write((const char *)0xfeb00000u, 16), "console-in-hole",
                  "CONSOLEIO_write from 0xfeb00000 (below the IOAPIC, not RAM)");
    expect_efault(hv_console_write((const char *)(ram_end - 8), 16), "console-crossing-end",
                  "CONSOLEIO_write of 16 bytes from 8 bytes below the end of RAM");
    expect_efault(hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, 0xf0000000u, 0, 0, 0),
                  "shutdown-outside-ram", "SCHEDOP_shutdown with its argument at 0xf0000000");
    long rc = hv_sched_yield();
    check(rc == 0, "still-running", "sched_op(yield) afterwards returned %ld", rc);
}
