/*
 * ioreq_dev: an HVM guest whose ports 0x5a0-0x5a7 a device model in dom0
 * serves through an ioreq server (docs/ioreq.md; the device model is
 * `rv ioreq-test`, the test linux_dom0_ioreq).
 *
 * Always (also at boot, dm=0, where nobody serves them): HYPERVISOR_dm_op
 * from this unprivileged guest creates no server on any domain id (-ESRCH,
 * -EPERM: itself or another HVM domain, -EINVAL: a PV one; never 0), a
 * list of 3 buffers is -E2BIG, and the ports read all ones.
 *
 * dm=1: waits until the device answers (a read of 0x5a7 other than 0xff),
 * then checks it: the device latches what is written (L) and answers a
 * read of port 0x5a0+k, size s, with (L + k) masked to s bytes, except a
 * 4-byte read of 0x5a4, which answers the count of requests it served
 * (this one included).  IN keeps RAX's bits above the access size; an
 * access reaching past 0x5a7 is not the device's (all ones, not counted).
 * 1000 forwarded reads are timed (the round trip through dom0).  A word
 * 0xd0e5 written to 0x5a6 tells the device model to stop: it destroys its
 * server without answering that write, which releases it; then the ports
 * read all ones again.  Last, a read that a second,
 * hostile device model never answers: it must come back (all ones) once
 * that server is destroyed from dom0, after more than a second.
 * dm=2: as dm=1 up to the first read, which nobody answers (the domain is
 * destroyed meanwhile: the test checks that nothing hangs and no frame is
 * lost).
 */
#include "guest.h"
#include "public/xen.h"
#include "public/dm_op.h"

#define DEV         0x5a0
#define DONE_WORD   0xd0e5
#define E2BIG_      7
#define EPERM_      1
#define ESRCH_      3
#define EINVAL_     22

static long dm_op(uint16_t domid, unsigned nr, struct xen_dm_op_buf *bufs)
{
    return hypercall(__HYPERVISOR_dm_op, domid, nr, (uintptr_t)bufs, 0, 0);
}

static void test_refusals(void)
{
    static struct xen_dm_op op;
    static struct xen_dm_op_buf bufs[3];
    unsigned esrch = 0, eperm = 0, einval = 0, other = 0;
    long bad = 0;

    for (unsigned id = 0; id < 64; id++) {
        memset(&op, 0, sizeof(op));
        op.op = XEN_DMOP_create_ioreq_server;
        bufs[0] = (struct xen_dm_op_buf){ (uintptr_t)&op, sizeof(op) };
        long rc = dm_op((uint16_t)id, 1, bufs);
        if (rc == -ESRCH_)
            esrch++;
        else if (rc == -EPERM_)
            eperm++;
        else if (rc == -EINVAL_)
            einval++;
        else {
            other++;
            bad = rc;
        }
    }
    long self = dm_op(DOMID_SELF, 1, bufs);
    check(other == 0 && eperm >= 1 && self == -EPERM_, "dm-op-refused",
          "create_ioreq_server on domains 0-63: %u -ESRCH, %u -EPERM, %u -EINVAL, %u other (last %ld); DOMID_SELF %ld",
          esrch, eperm, einval, other, bad, self);
    long big = dm_op(DOMID_SELF, 3, bufs);
    check(big == -E2BIG_, "dm-op-e2big", "3 buffers: %ld, expected -E2BIG", big);
}

static void test_unclaimed(const char *name)
{
    uint8_t b = inb(DEV + 7);
    uint32_t l = inl(DEV);
    check(b == 0xff && l == 0xffffffffu, name, "inb %#x = %#x, inl %#x = %#x: expected all ones", DEV + 7, b, DEV, l);
}

/* A read of DEV+7 until the device answers; false after ~secs seconds. */
static bool wait_for_device(unsigned secs)
{
    uint64_t end = clock_ns() + secs * 1000000000ull;
    while (clock_ns() < end) {
        if (inb(DEV + 7) != 0xff)
            return true;
        for (int i = 0; i < 20000; i++)
            pause();
    }
    return false;
}

static uint32_t in8_keep(uint16_t port, uint32_t eax)
{
    asm volatile("inb %w1, %b0" : "+a"(eax) : "Nd"(port));
    return eax;
}

static void test_device(void)
{
    uint32_t c0 = inl(DEV + 4);
    outb(DEV, 0x42);                                     /* 1 */
    uint32_t eax = in8_keep(DEV, 0xaabbcc00u);           /* 2 */
    uint8_t b1 = inb(DEV + 1);                           /* 3 */
    outl(DEV, 0x12345678u);                              /* 4 */
    uint32_t l = inl(DEV);                               /* 5 */
    uint16_t w = inw(DEV + 2);                           /* 6 */
    outw(DEV + 2, 0xbeef);                               /* 7 */
    uint16_t w2 = inw(DEV + 2);                          /* 8 */
    uint32_t c1 = inl(DEV + 4);                          /* 9 */
    check(eax == 0xaabbcc42u && b1 == 0x43, "dev-byte", "inb after outb 0x42: EAX %#x (want 0xaabbcc42), +1: %#x",
          eax, b1);
    check(l == 0x12345678u && w == 0x567a, "dev-long-word", "inl after outl 0x12345678: %#x; inw +2: %#x (want 0x567a)",
          l, w);
    check(w2 == 0xbef1, "dev-word", "inw +2 after outw 0xbeef: %#x (want 0xbef1)", w2);
    check(c1 == c0 + 9, "dev-count", "requests served: %u before, %u after 9 accesses", c0, c1);

    /* Past the range: the hypervisor's (all ones), never the device's. */
    uint16_t straddle = inw(DEV + 7);
    uint8_t past = inb(DEV + 8);
    uint32_t c2 = inl(DEV + 4);
    check(straddle == 0xffff && past == 0xff && c2 == c1 + 1, "dev-range-edge",
          "inw %#x = %#x, inb %#x = %#x, served %u -> %u (want +1)", DEV + 7, straddle, DEV + 8, past, c1, c2);

    uint64_t t0 = clock_ns();
    uint32_t sum = 0;
    for (unsigned i = 0; i < 1000; i++)
        sum += inl(DEV);
    uint64_t t1 = clock_ns();
    uint32_t c3 = inl(DEV + 4);
    check(c3 == c2 + 1001 && sum == 1000u * 0xbeefu, "dev-1000-reads", "served %u -> %u, sum %#x", c2, c3, sum);
    printf("ioreq_dev: 1000 forwarded inl round trips in %lu us (%lu us each)\n",
           (unsigned long)((t1 - t0) / 1000), (unsigned long)((t1 - t0) / 1000000));
    outw(DEV + 6, DONE_WORD);
}

/* The hostile device model: its server takes the read and never answers;
 * dom0 destroys the server after a while, which must release the read. */
static void test_stalled(void)
{
    uint64_t end = clock_ns() + 120 * 1000000000ull, took = 0;
    uint8_t v = 0;
    while (clock_ns() < end) {
        uint64_t t0 = clock_ns();
        v = inb(DEV + 7);
        took = clock_ns() - t0;
        if (took > 1000000000ull || v != 0xff)
            break;
        for (int i = 0; i < 20000; i++)
            pause();
    }
    check(took > 1000000000ull && v == 0xff, "dev-stalled-released",
          "the read nobody answered came back after %lu ms with %#x (want > 1000 ms, 0xff)",
          (unsigned long)(took / 1000000), v);
}

void test_main(void)
{
    if (!hv_require())
        return;
    unsigned dm = cmdline_uint("dm", 0);
    test_refusals();
    if (dm == 0) {
        test_unclaimed("ports-unclaimed");
        return;
    }
    if (!check(clock_available(), "clock", "no clock: cannot bound the waits"))
        return;
    bool up = wait_for_device(120);
    if (!check(up, "device-appeared", "no device model answered at %#x within 120 s", DEV + 7))
        return;
    printf("ioreq_dev: the device answers\n");
    if (dm == 2) {
        check(false, "unreachable", "dm=2: the first read was answered");
        return;
    }
    test_device();
    test_unclaimed("ports-unclaimed-after");
    test_stalled();
}
