/*
 * mmio_unbacked: a read from guest-physical 0xC0000000, where this domain
 * has neither RAM nor an emulated device.  guest-abi: the access crashes
 * the domain (rv_expect = "crash").  If the read returns, or raises an
 * exception in the guest instead, we say so and power off: the wrong
 * outcome for this test.
 */
#include "guest.h"

#define UNBACKED 0xc0000000u

void test_main(void)
{
    if (!hv_require())
        return;
    expect_domain_crash();
    printf("mmio_unbacked: reading %#x\n", UNBACKED);
    uint32_t v = *(volatile uint32_t *)UNBACKED;
    check(false, "mmio-read", "the read of unbacked %#x returned %#x", UNBACKED, (unsigned)v);
}
