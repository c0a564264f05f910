/*
 * multicall (32-bit: the compat layout, 4-byte fields) and
 * multicall64 (the same source in long mode, 8-byte fields): multicall
 * from an HVM guest (core/multicall.c, docs/pv.md "multicall").  A batch
 * of xen_version, an unknown hypercall (-ENOSYS), a nested multicall
 * (-EINVAL) and console output, each result written into its entry; 600
 * entries (more than one call runs: the hypervisor re-issues it with RIP
 * left on the VMCALL, and every entry gets its result); a list outside RAM
 * (-EFAULT).
 */
#include "guest.h"
#include "public/xen.h"
#include "public/version.h"
#include "lib/errno.h"

/* struct multicall_entry in the caller's width: unsigned long is 4 bytes
 * in the 32-bit build (Xen's compat layout) and 8 in the 64-bit one. */
struct mc_entry {
    unsigned long op, result, args[6];
};

static struct mc_entry mc[4];
static struct mc_entry big[600];
static const char msg[] = "multicall: console output from an entry\n";

void test_main(void)
{
    if (!hv_require())
        return;
    long version = hv_version();

    mc[0] = (struct mc_entry){ __HYPERVISOR_xen_version, 0xdead, { XENVER_version } };
    mc[1] = (struct mc_entry){ 63, 0xdead, { 0 } };
    mc[2] = (struct mc_entry){ __HYPERVISOR_multicall, 0xdead, { (unsigned long)&mc[0], 1 } };
    mc[3] = (struct mc_entry){ __HYPERVISOR_console_io, 0xdead, { CONSOLEIO_write, sizeof(msg) - 1,
                                                                    (unsigned long)msg } };
    long rc = hypercall(__HYPERVISOR_multicall, (unsigned long)mc, 4, 0, 0, 0);
    check(rc == 0, "batch-rc", "multicall returned %ld", rc);
    check((long)mc[0].result == version, "batch-version", "entry 0 (xen_version): %#lx, expected %#lx",
          (unsigned long)mc[0].result, (unsigned long)version);
    check((long)mc[1].result == -ENOSYS, "batch-unknown", "entry 1 (hypercall 63): %ld", (long)mc[1].result);
    check((long)mc[2].result == -EINVAL, "batch-nested", "entry 2 (nested multicall): %ld", (long)mc[2].result);
    check(mc[3].result == sizeof(msg) - 1, "batch-console", "entry 3 (console_io): %ld", (long)mc[3].result);

    for (unsigned i = 0; i < 600; i++)
        big[i] = (struct mc_entry){ __HYPERVISOR_xen_version, 0xdead, { XENVER_version } };
    rc = hypercall(__HYPERVISOR_multicall, (unsigned long)big, 600, 0, 0, 0);
    unsigned bad = 0, first = 600;
    for (unsigned i = 0; i < 600; i++)
        if ((long)big[i].result != version) {
            bad++;
            if (first == 600)
                first = i;
        }
    check(rc == 0 && bad == 0, "batch-600", "rc %ld, %u entries without their result (first %u)", rc, bad, first);

    rc = hypercall(__HYPERVISOR_multicall, 0xf0000000ul, 2, 0, 0, 0);
    check(rc == -EFAULT, "list-outside-ram", "multicall of a list at 0xf0000000 returned %ld", rc);
}
