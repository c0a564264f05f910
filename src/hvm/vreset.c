/*
 * Ways for a guest to reset the machine, both ending the domain with
 * domain_shutdown(SHUTDOWN_reboot):
 *
 * - The reset control register at 0xCF9 (PIIX/ICH "RC", byte access only;
 *   the FADT's RESET_REG): writing bit 2 (RST_CPU) starts a reset, hard or
 *   soft per bit 1 (SYS_RST): both are a reboot here.  The chip resets on
 *   the 0->1 edge of bit 2; since every such write ends the domain, "any
 *   write with bit 2 set" is the same thing.  Reads return 0 (the stored
 *   bits 1 and 3 have no other effect and are not kept).
 *
 * - A minimal 8042 keyboard controller at 0x60 (data) / 0x64 (status and
 *   command): command 0xFE, and any "pulse output lines" command
 *   0xF0-0xFF with bit 0 clear, pulses the reset line.  So does a write of
 *   the output port (command 0xD1) with bit 0 (system reset) clear.
 *
 * The 8042 has no keyboard or mouse behind it (the FADT says there is no
 * 8042, so ACPI guests do not look; guests that probe anyway get a
 * controller that passes its tests and has no devices): status reads
 * "system flag set, buffers empty" except after a command with a reply
 * byte, which is then in the output buffer: self-test 0xAA -> 0x55,
 * interface tests 0xAB/0xA9 -> 0x00 (no error), read command byte 0x20 ->
 * a fixed configuration (interrupts off, both ports disabled, translation
 * on), read output port 0xD0 -> 0x01 (reset line inactive), read input
 * port 0xC0 -> 0x00.  Commands that take a data byte (0x60, 0xD1-0xD4)
 * consume the next write to 0x60; everything else is accepted and
 * ignored.  Bytes for the keyboard itself go nowhere, so the guest's
 * keyboard probe times out.  Reading 0x60 with an empty buffer returns 0.
 *
 * The whole 8042 state fits in d->plat->kbd_cmd: the last command byte
 * whose reply is unread or whose data byte is awaited (0 = none).
 */
#include "hvm/platform.h"
#include "core/domain.h"

#define RC_SYS_RST          0x02
#define RC_RST_CPU          0x04

#define KBC_STS_OBF         0x01
#define KBC_STS_SYS         0x04
#define KBC_STS_UNLOCKED    0x10    /* keyboard not inhibited */
#define KBC_CTR_FIXED       0x74    /* translate, AUX disabled, KBD disabled, system flag */
#define KBC_OUTPORT         0x01    /* system reset line inactive (high) */

/* The reply a pending command leaves in the output buffer, or -1. */
static int kbc_reply(uint8_t cmd)
{
    switch (cmd) {
    case 0x20: return KBC_CTR_FIXED;
    case 0xa9: return 0x00;
    case 0xaa: return 0x55;
    case 0xab: return 0x00;
    case 0xc0: return 0x00;
    case 0xd0: return KBC_OUTPORT;
    default:   return -1;
    }
}

static bool kbc_takes_data(uint8_t cmd)
{
    return cmd == 0x60 || (cmd >= 0xd1 && cmd <= 0xd4);
}

/* Caller holds kbd_lock; returns true when the reset line is pulsed. */
static bool kbc_access(struct hvm_platform *pl, uint16_t port, bool in, uint8_t *v)
{
    uint8_t cmd = pl->kbd_cmd;
    if (port == 0x64) {
        if (in) {
            *v = KBC_STS_SYS | KBC_STS_UNLOCKED | (kbc_reply(cmd) >= 0 ? KBC_STS_OBF : 0);
            return false;
        }
        pl->kbd_cmd = (kbc_reply(*v) >= 0 || kbc_takes_data(*v)) ? *v : 0;
        return *v >= 0xf0 && !(*v & 1);
    }
    /* 0x60 */
    if (in) {
        int r = kbc_reply(cmd);
        *v = r >= 0 ? (uint8_t)r : 0;
        if (r >= 0)
            pl->kbd_cmd = 0;
        return false;
    }
    pl->kbd_cmd = 0;
    return cmd == 0xd1 && !(*v & 1);
}

bool vreset_io(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    struct hvm_platform *pl = d->plat;
    bool reset = false;

    if (!pl || (size != 1 && size != 2 && size != 4))
        return false;
    if (port == PORT_RESET) {
        if (size != 1)
            return false;           /* word/dword at 0xCF8 is PCI configuration */
        if (in)
            *val = 0;
        else
            reset = *val & RC_RST_CPU;
    } else if (port == 0x60 || port == 0x64) {
        uint8_t b = (uint8_t)*val;
        uint64_t f = spin_lock_irqsave(&pl->kbd_lock);
        reset = kbc_access(pl, port, in, &b);
        spin_unlock_irqrestore(&pl->kbd_lock, f);
        if (in)
            *val = size == 1 ? b : (b | (0xffffffffu << 8)) & (0xffffffffu >> (32 - 8 * size));
    } else {
        return false;
    }
    if (reset)
        domain_shutdown(d, SHUTDOWN_reboot);
    return true;
}
