/*
 * The 32-bit half of a 64-bit test: check for the hypervisor (so that plain
 * QEMU fails here, with the usual line), then switch to long mode and run
 * the test's own test_main() in the 64-bit half.
 */
#include "guest.h"

void test_main(void)
{
    hv_require();
    printf("entering long mode, 64-bit part at %#x\n", GUEST_BLOB64_BASE);
    enter_long_mode(GUEST_BLOB64_BASE, (uint32_t)(uintptr_t)gi);
}
