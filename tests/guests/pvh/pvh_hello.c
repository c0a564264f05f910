/*
 * pvh_hello: the PVH domain `rv create` builds from dom0 (linux_dom0's
 * rv-create checks, docs/toolstack.md "Building a domain from dom0").  It
 * checks what the user-space builder gave it (start info, command line,
 * one RAM range of mib=N MiB holding the image) and prints the marker line
 * "RV-PVH-HELLO: ..." that dom0 looks for in the hypervisor's console ring.
 * With stay=1 (the dom0 run) it then blocks for good, so that dom0 sees it
 * in `rv list` and destroys it; otherwise it powers off (a boot-time run).
 */
#include "pvh.h"

const char pvh_guest_name[] = "pvh_hello";

extern char __image_start[], __image_end[];

void test_main(void)
{
    uint64_t mib = cmdline_uint("mib", 0);
    bool sane = pvh.nr_memmap == 1 && pvh.memmap[0].type == 1 && pvh.memmap[0].addr == 0 &&
                pvh.memmap[0].size == mib << 20;
    /* built=1: rv create's layout (one RAM range from 0); the
     * hypervisor's own builder gives the e820 layout instead. */
    if (cmdline_uint("built", 0))
        check(sane, "hello-memmap", "%u entries, first %#llx+%#llx type %u, want one RAM range of %llu MiB",
          pvh.nr_memmap, (unsigned long long)pvh.memmap[0].addr, (unsigned long long)pvh.memmap[0].size,
              pvh.memmap[0].type, (unsigned long long)mib);
    uint64_t lo = (uint64_t)(uintptr_t)__image_start, hi = (uint64_t)(uintptr_t)__image_end;
    check(mib && hi <= mib << 20 && lo >= 0x100000, "hello-image", "image %#llx-%#llx", (unsigned long long)lo,
          (unsigned long long)hi);
    printf("RV-PVH-HELLO: a PVH domain up, cmdline '%s', %llu MiB, %u passed %u failed\n", pvh.cmdline,
           (unsigned long long)mib, pvh.passed, pvh.failed);
    if (cmdline_uint("stay", 0)) {
        /* Until the control domain destroys it: nothing will wake it. */
        for (;;)
            sched_op(SCHEDOP_block, NULL);
    }
    finish();
}
