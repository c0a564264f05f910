/*
 * fw_cfg_off: with fw_cfg = 0 in the domain file there is no fw_cfg device:
 * its ports are unclaimed, so the signature reads all ones (an empty ISA bus),
 * the way a test kernel can tell it is absent.
 */
#include "guest.h"

void test_main(void)
{
    hv_require();
    outw(0x510, 0x0000);
    uint8_t s[4];
    for (unsigned i = 0; i < 4; i++)
        s[i] = inb(0x511);
    check(s[0] == 0xff && s[1] == 0xff && s[2] == 0xff && s[3] == 0xff, "fw_cfg-absent",
          "signature bytes %#x %#x %#x %#x, expected all ones", s[0], s[1], s[2], s[3]);
}
