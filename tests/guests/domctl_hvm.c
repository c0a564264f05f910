/*
 * domctl_hvm: the HVM domU of the pv_domctl test (tests/guests/pv/pv_domctl.c,
 * docs/shadow.md "Log-dirty").  After its banner it writes five known pages
 * in a loop, forever, and nothing else: 32-bit protected mode with paging
 * off (no page-table A/D updates), interrupts off, the loop's state in
 * registers (no stack).  So between two log-dirty CLEANs exactly these
 * pages are dirty, and none while the domain is paused.  The control
 * domain destroys it.  Before that, as an unprivileged HVM domain, it
 * finds every domctl and sysctl refused (-EPERM).
 *
 * The pages: 0x800, 0x801, 0x805, 0x840 and 0x9ff (the first and the last
 * 4 KiB of the 2 MiB at 8 MiB, which the p2m maps with one large leaf until
 * log-dirty splits it), and 0x5000 (80 MiB: in the second batch of 16384
 * pages that ENABLE and CLEAN handle per call).  pv_domctl.c has the same
 * list.
 */
#include "guest.h"
#include "public/sysctl.h"

#define HC_SYSCTL 35    /* __HYPERVISOR_sysctl */
#define HC_DOMCTL 36    /* __HYPERVISOR_domctl */

/* First, as an unprivileged HVM domain (32-bit caller): every domctl and
 * sysctl command -EPERM, with good and bad interface versions, and the
 * structure left as it was. */
static void refused(void)
{
    static const uint32_t cmds[] = { 1, 2, 3, 4, 5, 9, 10, 11, 14, 15, 25, 77 };
    static const uint32_t scmds[] = { 1, 2, 3, 6 };
    static struct xen_domctl op;
    static struct xen_sysctl so;
    unsigned n = 0, eperm = 0, kept = 0;

    for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        for (unsigned bad = 0; bad < 2; bad++, n++) {
            memset(&op, 0xa5, sizeof(op));
            op.cmd = cmds[i];
            op.interface_version = bad ? 0 : XEN_DOMCTL_INTERFACE_VERSION;
            op.domain = 0;
            eperm += hypercall(HC_DOMCTL, (uintptr_t)&op, 0, 0, 0, 0) == -1;
            const uint8_t *p = (const uint8_t *)&op.u;
            unsigned same = 1;
            for (unsigned j = 0; j < sizeof(op.u); j++)
                same &= p[j] == 0xa5;
            kept += same;
        }
    check(eperm == n, "hvm-domctl-all-eperm", "%u of %u refused with -EPERM", eperm, n);
    check(kept == n, "hvm-domctl-untouched", "%u of %u left as they were", kept, n);
    n = eperm = 0;
    for (unsigned i = 0; i < sizeof(scmds) / sizeof(scmds[0]); i++)
        for (unsigned bad = 0; bad < 2; bad++, n++) {
            memset(&so, 0x5a, sizeof(so));
            so.cmd = scmds[i];
            so.interface_version = bad ? 0 : XEN_SYSCTL_INTERFACE_VERSION;
            eperm += hypercall(HC_SYSCTL, (uintptr_t)&so, 0, 0, 0, 0) == -1;
        }
    check(eperm == n, "hvm-sysctl-all-eperm", "%u of %u refused with -EPERM", eperm, n);
}

void test_main(void)
{
    if (hv_require())
        refused();
    printf("%s: writing pages 0x800 0x801 0x805 0x840 0x9ff 0x5000 until destroyed\n", guest_name);
    uart_drain();
    __asm__ __volatile__("cli\n"
                         "1:\n\t"
                         "incl (%0)\n\t"
                         "incl 0x1000(%0)\n\t"
                         "incl 0x5000(%0)\n\t"
                         "incl 0x40000(%0)\n\t"
                         "incl 0x1ff000(%0)\n\t"
                         "incl 0x4800000(%0)\n\t"
                         "jmp 1b"
                         :: "r"(0x800000u) : "memory");
}
