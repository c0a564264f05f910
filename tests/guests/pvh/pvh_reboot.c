/*
 * pvh_reboot: what a PVH Linux `reboot` without a reset method does: a
 * triple fault.  As under Xen that is a reboot request
 * (HVM_PARAM_TRIPLE_FAULT_REASON = SHUTDOWN_reboot), and with the default
 * on_reboot = "restart" the domain is rebuilt from its file.  The first boot
 * first sets up what a PVH kernel has by then (shared_info mapped, an event
 * channel bound, the PV console in use), which the restart must tear down;
 * the second boot (restart count 1 in XENVER_guest_handle bytes 2-3) does
 * the same again and powers off.
 */
#include "pvh.h"

const char pvh_guest_name[] = "pvh_reboot";

void test_main(void)
{
    uint8_t h[16];
    long rc = xen_version(XENVER_guest_handle, h);
    check(rc == 0, "guest-handle", "XENVER_guest_handle returned %ld", rc);
    unsigned gen = h[2] | (unsigned)h[3] << 8;
    printf("pvh_reboot: domain %u, boot %u\n", h[0] | (unsigned)h[1] << 8, gen + 1);

    rc = pvh_map_shared_info();
    check(rc == 0, "shared-info", "mapping shared_info returned %ld", rc);
    evtchn_port_t port = 0;
    rc = evtchn_bind_virq(VIRQ_TIMER, 0, &port);
    check(rc == 0, "bind-virq", "binding VIRQ_TIMER returned %ld", rc);
    if (gen == 0) {
        check(true, "first-boot", "first boot");
        printf("note: first boot: triple fault now (a Linux reboot without a reset method); the domain must "
               "be rebooted\n");
        cli();
        triple_fault();             /* tests/guests/lib/idt.c: empty IDT, then UD2 */
    }
    check(gen == 1, "second-boot", "boot %u: expected exactly one restart", gen + 1);
}
