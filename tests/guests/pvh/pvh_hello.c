/*
 * pvh_hello: the PVH domain `rv create` builds from dom0 (linux_dom0's
 * rv-create checks, docs/toolstack.md "Building a domain from dom0").  It
 * checks what the user-space builder gave it (start info, command line,
 * one RAM range of mib=N MiB holding the image, the toolstack's pages
 * reserved after it) and prints the marker line "RV-PVH-HELLO: ..." that
 * dom0 looks for in the hypervisor's console ring.
 *
 * Built by rv create (HVM_PARAM_STORE_PFN set), it is also a minimal
 * xenstore and console client (pvh/lib/xs_client.c): every line goes to its
 * console ring too (`rv console`), it reads its name, writes data/hello,
 * watches control/shutdown and powers off when dom0 writes "poweroff"
 * there (`rv shutdown`).  Otherwise, with stay=1 it blocks for good, so
 * that dom0 sees it in `rv list` and destroys it; without, it powers off (a
 * boot-time run).  With xsabuse=1 it is a hostile store client instead
 * (pvh/lib/xs_abuse.c, test linux_dom0_xsabuse).
 */
#include "pvh.h"
#include "xs_client.h"

const char pvh_guest_name[] = "pvh_hello";

extern char __image_start[], __image_end[];

void test_main(void)
{
    uint64_t mib = cmdline_uint("mib", 0);
    /* built=1: rv create's layout (one RAM range from 0, then at most its
     * reserved special pages); the hypervisor's own builder gives the e820
     * layout instead. */
    bool sane = pvh.nr_memmap >= 1 && pvh.nr_memmap <= 2 && pvh.memmap[0].type == 1 && pvh.memmap[0].addr == 0 &&
                pvh.memmap[0].size == mib << 20 &&
                (pvh.nr_memmap == 1 || (pvh.memmap[1].type == 2 && pvh.memmap[1].addr == mib << 20));
    if (cmdline_uint("built", 0))
        check(sane, "hello-memmap", "%u entries, first %#llx+%#llx type %u, want one RAM range of %llu MiB",
          pvh.nr_memmap, (unsigned long long)pvh.memmap[0].addr, (unsigned long long)pvh.memmap[0].size,
              pvh.memmap[0].type, (unsigned long long)mib);
    uint64_t lo = (uint64_t)(uintptr_t)__image_start, hi = (uint64_t)(uintptr_t)__image_end;
    check(mib && hi <= mib << 20 && lo >= 0x100000, "hello-image", "image %#llx-%#llx", (unsigned long long)lo,
          (unsigned long long)hi);
    uint64_t store_pfn = 0;
    bool xs = cmdline_uint("built", 0) && hvm_get_param(HVM_PARAM_STORE_PFN, &store_pfn) == 0 && store_pfn;
    if (xs)
        hello_console_start(mib);      /* from here on, lines go to the console ring as well */
    printf("RV-PVH-HELLO: a PVH domain up, cmdline '%s', %llu MiB, %u passed %u failed\n", pvh.cmdline,
           (unsigned long long)mib, pvh.passed, pvh.failed);
    if (xs && cmdline_uint("xsabuse", 0)) {
        /* A hostile store client (pvh/lib/xs_abuse.c); blocks at the end. */
        if (check(xsc_init(), "xsab-init", "no store ring"))
            hello_xs_abuse();
    } else if (xs) {
        if (hello_xenstore(mib)) {     /* returns on "poweroff" or "reboot" in control/shutdown */
            /* rv reboot: shut down with reason reboot; the toolstack's
             * monitor rebuilds the domain (on_reboot = "restart"). */
            struct sched_shutdown sd = { .reason = SHUTDOWN_reboot };
            printf("RV-PVH-HELLO: %u passed %u failed; SCHEDOP_shutdown(reboot)\n", pvh.passed, pvh.failed);
            sched_op(SCHEDOP_shutdown, &sd);
        }
    } else if (cmdline_uint("stay", 0)) {
        /* Until the control domain destroys it: nothing will wake it. */
        for (;;)
            sched_op(SCHEDOP_block, NULL);
    }
    finish();
}
