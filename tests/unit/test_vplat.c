/*
 * Host unit test of the legacy platform devices (src/hvm/irq.c, vpic.c,
 * vioapic.c, vpit.c, vrtc.c, vhpet.c, vpm.c, vpci.c, vreset.c), built against the
 * stand-in headers in vplat_stubs/ (single-threaded locks, a fake clock,
 * timers the test fires by hand, recorded vLAPIC messages and shutdowns).
 * Deterministic checks per datasheet behaviour, then a random-access loop
 * (all ports, all sizes, MMIO, timer firings, time jumps) that must neither
 * crash (ASan/UBSan) nor leave a lock held.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvm/platform.h"
#include "hvm/vlapic.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "arch/x86/time.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"

#include "test.h"

/* ---- the environment ---- */

int vplat_locks_held;
static uint64_t fake_now = 1000000000ull;
static int kicks, shutdowns, shutdown_reason = -1;
struct msg { uint32_t dest; bool logical; unsigned mode; uint8_t vector; bool level; };
static struct msg msgs[64];
static unsigned nr_msgs;
#define MAX_TIMERS 16
static struct timer *timers[MAX_TIMERS];

uint64_t now_ns(void) { return fake_now; }
void *xzalloc(size_t size, enum heap_tag tag) { (void)tag; return calloc(1, size); }
void xfree(void *p) { free(p); }
void printk(int level, const char *fmt, ...) { (void)level; (void)fmt; }
void hvm_vcpu_kick(struct vcpu *v) { (void)v; kicks++; }
void domain_shutdown(struct domain *d, int reason) { (void)d; shutdowns++; shutdown_reason = reason; }
static int log_lines;
static char last_log[256];
void domain_log(struct domain *d, int level, const char *fmt, ...)
{
    va_list ap;
    (void)d;
    (void)level;
    va_start(ap, fmt);
    vsnprintf(last_log, sizeof(last_log), fmt, ap);
    va_end(ap);
    log_lines++;
}

void vlapic_deliver(struct domain *d, uint32_t dest, bool dest_logical, unsigned mode, uint8_t vector, bool level)
{
    (void)d;
    if (nr_msgs < 64)
        msgs[nr_msgs] = (struct msg){ dest, dest_logical, mode, vector, level };
    nr_msgs++;
}

void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned cpu)
{
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
    for (unsigned i = 0; i < MAX_TIMERS; i++)
        if (!timers[i]) {
            timers[i] = t;
            return;
        }
}
void timer_set(struct timer *t, uint64_t when) { t->expires = when; t->active = true; }
void timer_stop(struct timer *t) { t->active = false; }
void timer_kill(struct timer *t)
{
    t->active = false;
    for (unsigned i = 0; i < MAX_TIMERS; i++)
        if (timers[i] == t)
            timers[i] = NULL;
}

/* Advance the clock to t, firing due timers in order. */
static void run_until(uint64_t t)
{
    for (;;) {
        struct timer *next = NULL;
        for (unsigned i = 0; i < MAX_TIMERS; i++)
            if (timers[i] && timers[i]->active && timers[i]->expires <= t &&
                (!next || timers[i]->expires < next->expires))
                next = timers[i];
        if (!next)
            break;
        if (next->expires > fake_now)
            fake_now = next->expires;
        next->active = false;
        next->fn(next->data);
    }
    if (t > fake_now)
        fake_now = t;
}

/* The host CMOS: 2025-06-15 12:34:56, BCD, 24 h. */
static uint8_t host_index;
void outb(uint16_t port, uint8_t v) { if (port == 0x70) host_index = v & 0x7f; }
uint8_t inb(uint16_t port)
{
    static const uint8_t regs[16] = { 0x56, 0, 0x34, 0, 0x12, 0, 1, 0x15, 0x06, 0x25, 0x26, 0x02, 0, 0x80 };
    if (port != 0x71)
        return 0xff;
    if (host_index == 0x32)
        return 0x20;
    return host_index < 16 ? regs[host_index] : 0;
}

static struct domain dom;
static struct vcpu vcpu0;

/* The same order as hvm_portio (src/hvm/platform.c). */
static bool hvm_portio_test(struct domain *d, uint16_t port, bool is_in, uint8_t size, uint32_t *val)
{
    if (port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 || port == 0x4d0 || port == 0x4d1)
        return vpic_io(d, port, is_in, size, val);
    if ((port >= 0x40 && port <= 0x43) || port == 0x61)
        return vpit_io(d, port, is_in, size, val);
    if (port == 0x70 || port == 0x71)
        return vrtc_io(d, port, is_in, size, val);
    if (port >= PORT_PM_BASE && port < PORT_PM_BASE + 12)
        return vpm_io(d, port, is_in, size, val);
    if (port == PORT_RESET && size == 1)
        return vreset_io(d, port, is_in, size, val);
    if (port >= 0xcf8 && port <= 0xcff)
        return vpci_io(d, port, is_in, size, val);
    if (port >= PORT_XENPLAT_FIRST && port <= PORT_XENPLAT_LAST)
        return vxenplat_io(d, port, is_in, size, val);
    if (port == 0x60 || port == 0x64)
        return vreset_io(d, port, is_in, size, val);
    return false;
}

static uint32_t in(uint16_t port, uint8_t size)
{
    uint32_t v = 0xdeadbeef;
    bool ok = hvm_portio_test(&dom, port, true, size, &v);
    return ok ? v : 0xcafe0000u;
}

static void out(uint16_t port, uint8_t size, uint32_t v)
{
    hvm_portio_test(&dom, port, false, size, &v);
}

static uint64_t mmio(uint64_t gpa, unsigned size, bool write, uint64_t v)
{
    vioapic_mmio(&vcpu0, gpa, size, write, &v);
    return v;
}

static void ioapic_w(uint32_t reg, uint32_t v)
{
    mmio(GPA_IOAPIC, 4, true, reg);
    mmio(GPA_IOAPIC + 0x10, 4, true, v);
}

static uint32_t ioapic_r(uint32_t reg)
{
    mmio(GPA_IOAPIC, 4, true, reg);
    return (uint32_t)mmio(GPA_IOAPIC + 0x10, 4, false, 0);
}

static void platform_up(void)
{
    memset(&dom, 0, sizeof(dom));
    vcpu0 = (struct vcpu){ &dom, 0, 0 };
    dom.vcpus[0] = &vcpu0;
    dom.nr_vcpus = 1;
    dom.mem_bytes = 64ull << 20;
    dom.plat = calloc(1, sizeof(*dom.plat));
    CHECK_EQ(vpic_init(&dom), 0);
    CHECK_EQ(vioapic_init(&dom), 0);
    CHECK_EQ(vpit_init(&dom), 0);
    CHECK_EQ(vrtc_init(&dom), 0);
    CHECK_EQ(vhpet_init(&dom), 0);
    CHECK_EQ(vpm_init(&dom), 0);
    CHECK_EQ(vpci_init(&dom), 0);
    CHECK_EQ(vxenplat_init(&dom), 0);
    kicks = shutdowns = 0;
    log_lines = 0;
    shutdown_reason = -1;
    nr_msgs = 0;
}

static void platform_down(void)
{
    vxenplat_destroy(&dom);
    vxenplat_destroy(&dom);             /* twice: must tolerate a missing device */
    vpci_destroy(&dom);
    vpm_destroy(&dom);
    vhpet_destroy(&dom);
    vhpet_destroy(&dom);                /* twice: must tolerate a missing device */
    vrtc_destroy(&dom);
    vpit_destroy(&dom);
    vioapic_destroy(&dom);
    vpic_destroy(&dom);
    vpic_destroy(&dom);                 /* twice: must tolerate a missing device */
    free(dom.plat);
    dom.plat = NULL;
    CHECK_EQ(vplat_locks_held, 0);
}

static void pic_init(bool aeoi)
{
    out(0x20, 1, 0x11); out(0xa0, 1, 0x11);
    out(0x21, 1, 0x20); out(0xa1, 1, 0x28);
    out(0x21, 1, 0x04); out(0xa1, 1, 0x02);
    out(0x21, 1, aeoi ? 0x03 : 0x01); out(0xa1, 1, aeoi ? 0x03 : 0x01);
    out(0x21, 1, 0x00); out(0xa1, 1, 0x00);
}

/* ---- 8259 ---- */

static void test_pic_basic(void)
{
    platform_up();
    CHECK_EQ(vpic_pending(&dom), -1);
    hvm_isa_irq_pulse(&dom, 0);
    CHECK_EQ(vpic_pending(&dom), -1);           /* masked at reset */
    pic_init(false);
    CHECK_EQ(in(0x21, 1), 0);
    hvm_isa_irq_pulse(&dom, 3);
    hvm_isa_irq_pulse(&dom, 1);
    CHECK(kicks >= 1);
    CHECK_EQ(vpic_pending(&dom), 0x21);         /* IRQ1 before IRQ3 */
    CHECK_EQ(vpic_ack(&dom), 0x21);
    out(0x20, 1, 0x0b);
    CHECK_EQ(in(0x20, 1), 0x02);                /* ISR */
    out(0x20, 1, 0x0a);
    CHECK_EQ(in(0x20, 1), 0x08);                /* IRR: IRQ3 still waiting */
    CHECK_EQ(vpic_pending(&dom), -1);           /* IRQ3 below the in-service IRQ1 */
    hvm_isa_irq_pulse(&dom, 0);
    CHECK_EQ(vpic_pending(&dom), 0x20);         /* IRQ0 above it */
    CHECK_EQ(vpic_ack(&dom), 0x20);
    out(0x20, 1, 0x20);                         /* non-specific EOI: IRQ0 */
    out(0x20, 1, 0x20);                         /* IRQ1 */
    CHECK_EQ(vpic_ack(&dom), 0x23);
    out(0x20, 1, 0x63);                         /* specific EOI 3 */
    out(0x20, 1, 0x0b);
    CHECK_EQ(in(0x20, 1), 0);
    /* Slave: IRQ 10 -> vector 0x2a, master ISR bit 2. */
    hvm_isa_irq_pulse(&dom, 10);
    CHECK_EQ(vpic_pending(&dom), 0x2a);
    CHECK_EQ(vpic_ack(&dom), 0x2a);
    out(0x20, 1, 0x0b);
    CHECK_EQ(in(0x20, 1), 0x04);
    out(0xa0, 1, 0x0b);
    CHECK_EQ(in(0xa0, 1), 0x04);
    out(0xa0, 1, 0x20);
    out(0x20, 1, 0x20);
    /* Spurious: a level request that went away before INTA -> IRQ7, no ISR. */
    out(0x4d0, 1, 0x20);                        /* IRQ5 level */
    CHECK_EQ(in(0x4d0, 1), 0x20);
    out(0x4d0, 1, 0xff);
    CHECK_EQ(in(0x4d0, 1), 0xf8);               /* IRQ 0-2 are always edge */
    out(0x4d0, 1, 0x20);
    hvm_isa_irq_set(&dom, 5, true);
    CHECK_EQ(vpic_pending(&dom), 0x25);
    hvm_isa_irq_set(&dom, 5, false);
    CHECK_EQ(vpic_pending(&dom), -1);
    CHECK_EQ(vpic_ack(&dom), 0x27);
    out(0x20, 1, 0x0b);
    CHECK_EQ(in(0x20, 1), 0);
    /* Level: still asserted after EOI -> again. */
    hvm_isa_irq_set(&dom, 5, true);
    CHECK_EQ(vpic_ack(&dom), 0x25);
    out(0x20, 1, 0x20);
    CHECK_EQ(vpic_pending(&dom), 0x25);
    hvm_isa_irq_set(&dom, 5, false);
    CHECK_EQ(vpic_pending(&dom), -1);
    /* Word access covers 0x20 and 0x21. */
    out(0x20, 2, 0xff0a);                       /* OCW3 read IRR + IMR 0xff */
    CHECK_EQ(in(0x21, 1), 0xff);
    CHECK_EQ(in(0x20, 4) & 0xffff0000u, 0xffff0000u);
    platform_down();
}

static void test_pic_modes(void)
{
    platform_up();
    pic_init(true);                             /* automatic EOI */
    hvm_isa_irq_pulse(&dom, 4);
    CHECK_EQ(vpic_ack(&dom), 0x24);
    out(0x20, 1, 0x0b);
    CHECK_EQ(in(0x20, 1), 0);
    pic_init(false);
    /* Rotate on non-specific EOI: the serviced level becomes the lowest. */
    hvm_isa_irq_pulse(&dom, 0);
    CHECK_EQ(vpic_ack(&dom), 0x20);
    out(0x20, 1, 0xa0);
    hvm_isa_irq_pulse(&dom, 0);
    hvm_isa_irq_pulse(&dom, 1);
    CHECK_EQ(vpic_ack(&dom), 0x21);             /* IRQ1 now highest */
    out(0x20, 1, 0xc7);                         /* set priority: IRQ7 lowest again */
    out(0x20, 1, 0x20);
    CHECK_EQ(vpic_ack(&dom), 0x20);
    out(0x20, 1, 0x20);
    /* Poll. */
    hvm_isa_irq_pulse(&dom, 6);
    out(0x20, 1, 0x0c);
    CHECK_EQ(in(0x20, 1), 0x86);
    out(0x20, 1, 0x0c);
    CHECK_EQ(in(0x20, 1), 0x00);
    out(0x20, 1, 0x66);
    /* Special mask mode: a masked in-service level no longer blocks lower ones. */
    hvm_isa_irq_pulse(&dom, 1);
    CHECK_EQ(vpic_ack(&dom), 0x21);
    hvm_isa_irq_pulse(&dom, 3);
    CHECK_EQ(vpic_pending(&dom), -1);
    out(0x20, 1, 0x68);                         /* set special mask */
    out(0x21, 1, 0x02);
    CHECK_EQ(vpic_pending(&dom), 0x23);
    out(0x20, 1, 0x48);                         /* reset special mask */
    CHECK_EQ(vpic_pending(&dom), -1);
    platform_down();
}

/* ---- 8254 ---- */

static uint16_t pit_latch_read(unsigned ch)
{
    out(0x43, 1, ch << 6);
    uint16_t lo = (uint16_t)in(0x40 + ch, 1);
    return (uint16_t)(lo | in(0x40 + ch, 1) << 8);
}

static uint64_t clks_ns(uint64_t clks) { return clks * 1000000000ull / 1193182; }

static void test_pit_counter(void)
{
    platform_up();
    out(0x43, 1, 0x74);                         /* ch1, LSB/MSB, mode 2 */
    out(0x41, 1, 1000 & 0xff);
    out(0x41, 1, 1000 >> 8);
    uint64_t t0 = fake_now;
    fake_now = t0 + clks_ns(250) + 100;
    CHECK_EQ(pit_latch_read(1), 750);
    out(0x43, 1, 0x40);                         /* latch, then time passes: still the latched value */
    fake_now += clks_ns(100);
    uint16_t lo = (uint16_t)in(0x41, 1);
    CHECK_EQ(lo | in(0x41, 1) << 8, 750);
    fake_now = t0 + clks_ns(1000 + 10) + 100;   /* reloaded after 1000 */
    CHECK_EQ(pit_latch_read(1), 990);
    /* Read-back status of ch1: OUT high (mode 2), RW 3, mode 2. */
    out(0x43, 1, 0xe4);
    CHECK_EQ(in(0x41, 1), 0x80 | 0x30 | 0x04);
    /* BCD: count 1000 written as 0x1000. */
    out(0x43, 1, 0x71);                         /* ch1, LSB/MSB, mode 0, BCD */
    out(0x41, 1, 0x00);
    out(0x41, 1, 0x10);
    fake_now += clks_ns(1) + 100;
    CHECK_EQ(pit_latch_read(1), 0x0999);
    /* LSB-only access. */
    out(0x43, 1, 0x50);                         /* ch1, LSB only, mode 0 */
    out(0x41, 1, 200);
    fake_now += clks_ns(50) + 100;
    CHECK_EQ(in(0x41, 1), 150);
    platform_down();
}

static void test_pit_ch2(void)
{
    platform_up();
    CHECK_EQ(in(0x61, 1) & 0x0f, 0);
    out(0x61, 1, 0x01);                         /* gate on */
    out(0x43, 1, 0xb0);                         /* ch2 mode 0 */
    out(0x42, 1, 0x10);
    out(0x42, 1, 0x27);                         /* 10000 */
    uint64_t t0 = fake_now;
    CHECK_EQ(in(0x61, 1) & 0x20, 0);
    fake_now = t0 + clks_ns(9990);
    CHECK_EQ(in(0x61, 1) & 0x20, 0);
    fake_now = t0 + clks_ns(10001);
    CHECK_EQ(in(0x61, 1) & 0x20, 0x20);
    uint8_t a = (uint8_t)in(0x61, 1), b = (uint8_t)in(0x61, 1);
    CHECK((a ^ b) & 0x10);                      /* refresh toggles */
    /* Gate off pauses mode 0. */
    out(0x43, 1, 0xb0);
    out(0x42, 1, 0xff);
    out(0x42, 1, 0xff);
    fake_now += clks_ns(100) + 100;
    out(0x61, 1, 0x00);
    uint16_t c1 = pit_latch_read(2);
    fake_now += clks_ns(5000);
    CHECK_EQ(pit_latch_read(2), c1);
    out(0x61, 1, 0x01);
    fake_now += clks_ns(1000) + 100;
    CHECK_EQ(pit_latch_read(2), c1 - 1000);
    /* Mode 3 OUT: high for the first half, low for the second. */
    out(0x43, 1, 0xb6);
    out(0x42, 1, 100);
    out(0x42, 1, 0);
    t0 = fake_now;
    fake_now = t0 + clks_ns(25) + 100;
    CHECK_EQ(in(0x61, 1) & 0x20, 0x20);
    fake_now = t0 + clks_ns(75) + 100;
    CHECK_EQ(in(0x61, 1) & 0x20, 0);
    platform_down();
}

static void test_pit_irq0(void)
{
    platform_up();
    pic_init(false);
    out(0x43, 1, 0x34);                         /* ch0 mode 2, 1193 -> ~1 ms */
    out(0x40, 1, 1193 & 0xff);
    out(0x40, 1, 1193 >> 8);
    uint64_t t0 = fake_now;
    run_until(t0 + 500000);
    CHECK_EQ(vpic_pending(&dom), -1);
    run_until(t0 + 1000200);
    CHECK_EQ(vpic_ack(&dom), 0x20);
    out(0x20, 1, 0x20);
    /* 10 ms late: one edge, not ten; the next one keeps the phase. */
    int k0 = kicks;
    fake_now = t0 + 11000000;
    run_until(fake_now);
    CHECK_EQ(kicks - k0, 1);
    CHECK_EQ(vpic_ack(&dom), 0x20);
    out(0x20, 1, 0x20);
    CHECK_EQ(vpic_pending(&dom), -1);
    run_until(t0 + 12000200);
    CHECK_EQ(vpic_pending(&dom), 0x20);
    vpic_ack(&dom);
    out(0x20, 1, 0x20);
    /* A control word stops it. */
    out(0x43, 1, 0x30);
    run_until(t0 + 50000000);
    CHECK_EQ(vpic_pending(&dom), -1);
    /* Mode 0: a single edge at the terminal count. */
    out(0x40, 1, 0x00);
    out(0x40, 1, 0x10);                         /* 4096 CLKs */
    run_until(fake_now + 20000000);
    CHECK_EQ(vpic_ack(&dom), 0x20);
    out(0x20, 1, 0x20);
    run_until(fake_now + 20000000);
    CHECK_EQ(vpic_pending(&dom), -1);
    /* IOAPIC pin 2 gets it too. */
    ioapic_w(0x14, 0x30);
    out(0x43, 1, 0x34);
    out(0x40, 1, 0xa9);
    out(0x40, 1, 0x04);
    nr_msgs = 0;
    run_until(fake_now + 3000000);
    CHECK(nr_msgs >= 2);
    CHECK_EQ(msgs[0].vector, 0x30);
    CHECK(!msgs[0].level);
    platform_down();
}

/* ---- HPET ---- */

static uint64_t hpet_rd(unsigned off, unsigned size)
{
    uint64_t v = 0xdeadbeefdeadbeefull;
    CHECK(vhpet_mmio(&vcpu0, GPA_HPET + off, size, false, &v));
    return v;
}

static void hpet_wr(unsigned off, unsigned size, uint64_t v)
{
    CHECK(vhpet_mmio(&vcpu0, GPA_HPET + off, size, true, &v));
}

static unsigned msgs_with(uint8_t vector)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nr_msgs && i < 64; i++)
        n += msgs[i].vector == vector;
    return n;
}

static void test_hpet(void)
{
    platform_up();
    /* Identity, halves, read-only, outside the 1 KiB block. */
    CHECK_EQ(hpet_rd(0, 8), 0x00f42400ull << 32 | 0x8086a201ull);   /* 16,000,000 fs */
    CHECK_EQ(hpet_rd(4, 4), 16000000ull);
    CHECK_EQ(hpet_rd(1, 1), 0xa2);
    hpet_wr(0, 8, 0);
    CHECK_EQ(hpet_rd(0, 4), 0x8086a201ull);
    uint64_t v = 0;
    CHECK(!vhpet_mmio(&vcpu0, GPA_HPET + 0x400, 4, false, &v));
    CHECK_EQ(hpet_rd(0x100, 8), 0x00f00000ull << 32 | 0x30);
    CHECK_EQ(hpet_rd(0x108, 8), ~0ull);         /* comparator reset value */
    hpet_wr(0x100, 8, ~0ull);                   /* every bit: only the writable ones stick, route 31 refused */
    CHECK_EQ(hpet_rd(0x100, 8), 0x00f00000ull << 32 | 0x30 | 0x14e);
    hpet_wr(0x100, 8, 0x14ull << 9);           /* route 20 */
    CHECK_EQ(hpet_rd(0x100, 4), 0x30 | 0x14 << 9);
    hpet_wr(0x100, 8, 0);
    CHECK_EQ(hpet_rd(0x108, 8), 0xffffffffull); /* 32-bit mode cut it */
    CHECK_EQ(hpet_rd(0x110, 8), 0);             /* no FSB */
    hpet_wr(0x010, 8, ~0ull);
    CHECK_EQ(hpet_rd(0x010, 8), 3);
    hpet_wr(0x010, 8, 0);

    /* Halted counter: writable, by halves, holds still. */
    hpet_wr(0xf0, 8, 0x123456789aull);
    fake_now += 1000000;
    CHECK_EQ(hpet_rd(0xf0, 8), 0x123456789aull);
    hpet_wr(0xf4, 4, 0x7);
    CHECK_EQ(hpet_rd(0xf0, 8), 0x73456789aull);
    hpet_wr(0xf0, 8, 0);
    /* Running: 1 tick per 16 ns; writes ignored. */
    hpet_wr(0x010, 4, 1);
    fake_now += 1600;
    CHECK_EQ(hpet_rd(0xf0, 8), 100);
    hpet_wr(0xf0, 8, 5);
    CHECK_EQ(hpet_rd(0xf0, 4), 100);
    hpet_wr(0x010, 4, 0);
    fake_now += 1600;
    CHECK_EQ(hpet_rd(0xf0, 8), 100);            /* halted where it was */
    hpet_wr(0x010, 4, 1);

    /* One-shot timer 2 on IOAPIC pin 20, edge. */
    ioapic_w(0x10 + 2 * 20, 0x41);
    nr_msgs = 0;
    hpet_wr(0x140, 8, 0x4 | 20u << 9);
    hpet_wr(0x148, 8, hpet_rd(0xf0, 8) + 1000);   /* 16 µs */
    run_until(fake_now + 15000);
    CHECK_EQ(msgs_with(0x41), 0);
    run_until(fake_now + 2000);
    CHECK_EQ(msgs_with(0x41), 1);
    run_until(fake_now + 100000000000ull);      /* 100 s: a 64-bit one-shot never comes back */
    CHECK_EQ(msgs_with(0x41), 1);
    CHECK_EQ(hpet_rd(0x20, 8), 0);              /* edge: no status */
    /* A 64-bit comparator behind the counter matches at once, just behind
     * (the write lost the race) or far behind (Xen's rule: a negative
     * 64-bit difference is taken as 0), and only once. */
    hpet_wr(0x148, 8, hpet_rd(0xf0, 8) - 10);
    run_until(fake_now);
    CHECK_EQ(msgs_with(0x41), 2);
    hpet_wr(0x148, 8, hpet_rd(0xf0, 8) - 62500);    /* 1 ms > 2^-10 s */
    run_until(fake_now + 1000000000ull);
    CHECK_EQ(msgs_with(0x41), 3);
    /* 32-bit mode: far behind, it matches when the low half comes round
     * (2^32 ticks); just behind, at once. */
    hpet_wr(0x140, 8, 0x4 | 0x100 | 20u << 9);
    hpet_wr(0x148, 8, 0xffffffff00000000ull | (uint32_t)(hpet_rd(0xf0, 4) - 100000));
    CHECK_EQ(hpet_rd(0x14c, 4), 0);
    run_until(fake_now + 60000000000ull);
    CHECK_EQ(msgs_with(0x41), 3);
    run_until(fake_now + 10000000000ull);       /* 70 s > 2^32 * 16 ns */
    CHECK_EQ(msgs_with(0x41), 4);
    hpet_wr(0x148, 4, (uint32_t)(hpet_rd(0xf0, 4) - 5));
    run_until(fake_now);
    CHECK_EQ(msgs_with(0x41), 5);
    hpet_wr(0x140, 8, 20u << 9);

    /* Periodic timer 0 on pin 20, 1 ms (62500 ticks); a late host timer
     * coalesces; the comparator advances by the period. */
    nr_msgs = 0;
    uint64_t c0 = hpet_rd(0xf0, 8);
    hpet_wr(0x100, 8, 0x4 | 0x8 | 0x40 | 20u << 9);
    hpet_wr(0x108, 8, c0 + 62500);
    hpet_wr(0x108, 8, 62500);
    CHECK_EQ(hpet_rd(0x100, 4) & 0x40, 0);      /* VAL_SET clears */
    CHECK_EQ(hpet_rd(0x108, 8), c0 + 62500);
    run_until(fake_now + 5000000 + 100);
    CHECK_EQ(msgs_with(0x41), 5);
    CHECK_EQ(hpet_rd(0x108, 8), c0 + 6 * 62500);
    fake_now += 10000000;                       /* 10 ms late */
    run_until(fake_now);
    CHECK_EQ(msgs_with(0x41), 6);
    hpet_wr(0x100, 8, 20u << 9);
    ioapic_w(0x10 + 2 * 20, 0x10000);

    /* Level-triggered timer 1 on pin 21: status without INT_ENB; W1C;
     * the line follows status & INT_ENB. */
    ioapic_w(0x10 + 2 * 21, 0x42 | 0x8000);
    nr_msgs = 0;
    hpet_wr(0x120, 8, 0x2 | 21u << 9);
    hpet_wr(0x128, 8, hpet_rd(0xf0, 8) + 100);
    run_until(fake_now + 2000);
    CHECK_EQ(hpet_rd(0x20, 8), 2);
    CHECK_EQ(nr_msgs, 0);
    hpet_wr(0x20, 8, 0);
    CHECK_EQ(hpet_rd(0x20, 8), 2);              /* writing 0 keeps it */
    hpet_wr(0x120, 8, 0x2 | 0x4 | 21u << 9);    /* INT_ENB with status set: the line rises */
    CHECK_EQ(msgs_with(0x42), 1);
    CHECK(msgs[0].level);
    hpet_wr(0x21, 1, 0x00);                     /* a byte write of 0 to the byte above: no clear */
    CHECK_EQ(hpet_rd(0x20, 4), 2);
    hpet_wr(0x20, 4, 2);
    CHECK_EQ(hpet_rd(0x20, 4), 0);
    vioapic_eoi(&dom, 0x42);                    /* line low now: no re-delivery */
    CHECK_EQ(msgs_with(0x42), 1);
    hpet_wr(0x120, 8, 21u << 9);
    ioapic_w(0x10 + 2 * 21, 0x10000);

    /* Legacy replacement: timer 0 -> IRQ 0 (PIC input 0, IOAPIC pin 2),
     * timer 1 -> IRQ 8; the PIT and the RTC are cut off. */
    pic_init(false);
    out(0x43, 1, 0x34);                         /* PIT ch0 mode 2, ~1 ms */
    out(0x40, 1, 1193 & 0xff);
    out(0x40, 1, 1193 >> 8);
    hpet_wr(0x010, 4, 3);
    run_until(fake_now + 5000000);
    CHECK_EQ(vpic_pending(&dom), -1);           /* the PIT's edges are lost */
    hpet_wr(0x100, 8, 0x4);
    hpet_wr(0x108, 8, hpet_rd(0xf0, 8) + 1000);
    run_until(fake_now + 20000);
    CHECK_EQ(vpic_ack(&dom), 0x20);             /* timer 0 on IRQ 0 */
    out(0x20, 1, 0x20);
    hpet_wr(0x120, 8, 0x4);
    hpet_wr(0x128, 8, hpet_rd(0xf0, 8) + 1000);
    run_until(fake_now + 20000);
    CHECK_EQ(vpic_ack(&dom), 0x28);             /* timer 1 on IRQ 8 */
    out(0xa0, 1, 0x20);
    out(0x20, 1, 0x20);
    /* The RTC's periodic interrupt holds its own IRQF, but not the line. */
    out(0x70, 1, 0x0b);
    out(0x71, 1, 0x42);                         /* PIE, 24 h */
    run_until(fake_now + 5000000);
    CHECK_EQ(vpic_pending(&dom), -1);
    /* Legacy off: the RTC's asserted IRQ 8 and the PIT come back. */
    hpet_wr(0x010, 4, 1);
    CHECK_EQ(vpic_ack(&dom), 0x28);
    out(0xa0, 1, 0x20);
    out(0x20, 1, 0x20);
    out(0x70, 1, 0x0b);
    out(0x71, 1, 0x02);
    out(0x70, 1, 0x0c);
    in(0x71, 1);
    run_until(fake_now + 1100000);
    CHECK_EQ(vpic_ack(&dom), 0x20);
    out(0x20, 1, 0x20);
    platform_down();
}

static void test_hpet_random(void)
{
    srand(777);
    platform_up();
    for (int i = 0; i < 200000; i++) {
        unsigned size = (unsigned[]){ 1, 2, 4, 8, 3 }[rand() % 5];
        unsigned off = (unsigned)(rand() % 0x180);
        uint64_t v = (uint64_t)rand() << 40 ^ (uint64_t)rand() << 20 ^ (uint64_t)rand();
        if (rand() % 4 == 0)
            v &= 0x3fff;                        /* small values: configs, near comparators */
        switch (rand() % 6) {
        case 0:
            run_until(fake_now + (uint64_t)(rand() % 2000000));
            break;
        case 1:
            hpet_rd(off & ~(size - 1 < 8 ? size - 1 : 0), size);
            break;
        case 2:
            ioapic_w(0x10 + 2 * (16 + (unsigned)rand() % 8), (uint32_t)v & 0x1ffff);
            break;
        default:
            hpet_wr(off & ~(size - 1 < 8 ? size - 1 : 0), size, v);
            break;
        }
        CHECK(vplat_locks_held == 0);
        if (vplat_locks_held)
            break;
    }
    platform_down();
}

/* ---- IOAPIC ---- */

static void test_ioapic(void)
{
    platform_up();
    CHECK_EQ(ioapic_r(1), 0x00170011u);
    CHECK_EQ(ioapic_r(0), 1u << 24);            /* the MADT's id: nr_vcpus */
    CHECK_EQ(ioapic_r(0x10 + 2 * 7), 0x10000);  /* masked at reset */
    CHECK_EQ(mmio(GPA_IOAPIC + 0x10, 2, false, 0), 0);  /* non-dword: reads 0 */
    CHECK_EQ(mmio(GPA_IOAPIC + 0x20, 4, false, 0), 0);
    CHECK_EQ(mmio(GPA_IOAPIC, 4, false, 0), 0x1e);      /* IOREGSEL reads back */
    CHECK(!vioapic_mmio(&vcpu0, GPA_IOAPIC + 0x1000, 4, false, &(uint64_t){ 0 }));
    /* Level pin 9 (SCI) to vector 0x41, logical destination 3. */
    ioapic_w(0x11 + 2 * 9, 0x03000000);
    ioapic_w(0x10 + 2 * 9, 0x8841);             /* level, logical, fixed, unmasked */
    CHECK_EQ(ioapic_r(0x10 + 2 * 9), 0x8841);
    hvm_isa_irq_set(&dom, 9, true);
    CHECK_EQ(nr_msgs, 1);
    CHECK(msgs[0].level && msgs[0].logical && msgs[0].dest == 3 && msgs[0].vector == 0x41);
    CHECK(ioapic_r(0x10 + 2 * 9) & (1u << 14));     /* Remote IRR */
    hvm_gsi_set(&dom, 9, true);
    CHECK_EQ(nr_msgs, 1);                       /* not again while Remote IRR */
    vioapic_eoi(&dom, 0x41);
    CHECK_EQ(nr_msgs, 2);                       /* still asserted: again */
    hvm_isa_irq_set(&dom, 9, false);
    mmio(GPA_IOAPIC + 0x40, 4, true, 0x41);     /* EOI register */
    CHECK_EQ(nr_msgs, 2);
    CHECK(!(ioapic_r(0x10 + 2 * 9) & (1u << 14)));
    /* Read-only bits ignore writes; edge clears Remote IRR. */
    ioapic_w(0x10 + 2 * 9, 0x8841 | (1u << 12) | (1u << 14));
    CHECK_EQ(ioapic_r(0x10 + 2 * 9), 0x8841);
    hvm_isa_irq_set(&dom, 9, true);
    CHECK(ioapic_r(0x10 + 2 * 9) & (1u << 14));
    ioapic_w(0x10 + 2 * 9, 0x0841);
    CHECK(!(ioapic_r(0x10 + 2 * 9) & (1u << 14)));
    hvm_isa_irq_set(&dom, 9, false);
    /* Masked edge is lost; unmasking an asserted level pin sends it. */
    nr_msgs = 0;
    ioapic_w(0x10 + 2 * 4, 0x10031);
    hvm_isa_irq_pulse(&dom, 4);
    ioapic_w(0x10 + 2 * 4, 0x00031);
    CHECK_EQ(nr_msgs, 0);
    ioapic_w(0x10 + 2 * 5, 0x18032);
    hvm_isa_irq_set(&dom, 5, true);
    CHECK_EQ(nr_msgs, 0);
    ioapic_w(0x10 + 2 * 5, 0x08032);
    CHECK_EQ(nr_msgs, 1);
    /* Active-low polarity inverts the wire. */
    nr_msgs = 0;
    ioapic_w(0x10 + 2 * 20, 0x0a050);           /* level, low active */
    CHECK_EQ(nr_msgs, 1);                       /* the wire is low = asserted */
    hvm_gsi_set(&dom, 20, true);
    vioapic_eoi(&dom, 0x50);
    CHECK_EQ(nr_msgs, 1);
    hvm_gsi_set(&dom, 99, true);                /* out of range: ignored */
    platform_down();
}

/* ---- RTC ---- */

static uint8_t cmos(uint8_t idx) { out(0x70, 1, idx); return (uint8_t)in(0x71, 1); }
static void cmos_w(uint8_t idx, uint8_t v) { out(0x70, 1, idx); out(0x71, 1, v); }

static void test_rtc(void)
{
    platform_up();
    uint64_t t0 = fake_now;
    CHECK_EQ(cmos(0), 0x56);
    CHECK_EQ(cmos(2), 0x34);
    CHECK_EQ(cmos(4), 0x12);
    CHECK_EQ(cmos(7), 0x15);
    CHECK_EQ(cmos(8), 0x06);
    CHECK_EQ(cmos(9), 0x25);
    CHECK_EQ(cmos(6), 0x01);                    /* 2025-06-15 was a Sunday */
    CHECK_EQ(cmos(0x0d), 0x80);
    CHECK_EQ(cmos(0x15) | cmos(0x16) << 8, 640);
    CHECK_EQ(cmos(0x17) | cmos(0x18) << 8, 63 * 1024);
    CHECK_EQ(cmos(0x34) | cmos(0x35) << 8, (48u << 20) >> 16);
    CHECK_EQ(cmos(0x5b) | cmos(0x5c) | cmos(0x5d), 0);
    fake_now = t0 + 1000000000ull - 1000000;    /* 1 ms before the boundary: UIP */
    CHECK(cmos(0x0a) & 0x80);
    CHECK_EQ(cmos(0), 0x56);
    fake_now = t0 + 1000000000ull;
    CHECK(!(cmos(0x0a) & 0x80));
    CHECK_EQ(cmos(0), 0x57);
    CHECK_EQ(cmos(0x0c), 0x50);                 /* UF and PF (1024 Hz), no IRQF: not enabled */
    CHECK_EQ(cmos(0x0c), 0x00);
    /* 12-hour binary. */
    cmos_w(0x0b, 0x04);
    CHECK_EQ(cmos(4), 0x80 | 12);
    CHECK_EQ(cmos(2), 34);
    cmos_w(0x0b, 0x02);
    /* Setting the time under SET, then running again. */
    cmos_w(0x0b, 0x82);
    cmos_w(0x00, 0x00); cmos_w(0x02, 0x59); cmos_w(0x04, 0x23);
    cmos_w(0x07, 0x31); cmos_w(0x08, 0x12); cmos_w(0x09, 0x99); cmos_w(0x32, 0x19);
    fake_now += 5000000000ull;
    CHECK_EQ(cmos(0), 0x00);                    /* halted */
    cmos_w(0x0b, 0x02);
    fake_now += 1000000000ull;
    CHECK_EQ(cmos(0), 0x01);
    CHECK_EQ(cmos(9), 0x99);
    fake_now += 60ull * 1000000000ull;
    CHECK_EQ(cmos(4), 0x00);                    /* 2000-01-01 00:00:01 */
    CHECK_EQ(cmos(7), 0x01);
    CHECK_EQ(cmos(8), 0x01);
    CHECK_EQ(cmos(9), 0x00);
    CHECK_EQ(cmos(0x32), 0x20);
    /* A bad BCD value for a running clock is ignored. */
    cmos_w(0x02, 0x7a);
    CHECK_EQ(cmos(2), 0x00);
    cmos_w(0x02, 0x45);
    CHECK_EQ(cmos(2), 0x45);
    /* Periodic interrupt, 1024 Hz (RS 6), through the PIC's IRQ 8. */
    pic_init(false);
    cmos(0x0c);
    cmos_w(0x0b, 0x42);
    run_until(fake_now + 1100000);
    CHECK_EQ(vpic_ack(&dom), 0x28);
    CHECK_EQ(cmos(0x0c), 0xc0);                 /* IRQF | PF */
    out(0xa0, 1, 0x20); out(0x20, 1, 0x20);
    run_until(fake_now + 1100000);
    CHECK_EQ(vpic_ack(&dom), 0x28);
    /* Not read: no timer meanwhile, one flag. */
    out(0xa0, 1, 0x20); out(0x20, 1, 0x20);
    run_until(fake_now + 100000000);
    CHECK_EQ(vpic_pending(&dom), -1);
    CHECK_EQ(cmos(0x0c), 0xc0);
    cmos_w(0x0b, 0x02);
    /* Alarm at hh:mm:ss = don't care:don't care:30. */
    cmos_w(0x01, 0x30); cmos_w(0x03, 0xc0); cmos_w(0x05, 0xc0);
    cmos_w(0x0b, 0x22);
    cmos(0x0c);
    run_until(fake_now + 61000000000ull);
    CHECK(cmos(0x0c) & 0x20);
    cmos_w(0x0b, 0x02);
    /* NMI bit of the index is not part of the address. */
    cmos_w(0x80 | 0x40, 0x5a);
    CHECK_EQ(cmos(0x40), 0x5a);
    CHECK_EQ(in(0x70, 1), 0xff);
    platform_down();
}

/* ---- PM, PCI, reset ---- */

static void test_pm(void)
{
    platform_up();
    uint32_t t = in(PORT_PM_TMR, 4);
    fake_now += 1000000000ull;
    CHECK_EQ(in(PORT_PM_TMR, 4) - t, 3579545);
    CHECK_EQ(in(PORT_PM1A_CNT, 2) & 1, 1);      /* SCI_EN */
    out(PORT_PM1A_EVT + 2, 2, 0xffff);
    CHECK_EQ(in(PORT_PM1A_EVT + 2, 2), 0x4721);
    out(PORT_PM1A_EVT + 2, 2, 0x0001);          /* TMR_EN */
    fake_now += 700ull * 1000000000ull;         /* past the top-bit change (600 s) */
    run_until(fake_now);
    CHECK_EQ(in(PORT_PM1A_EVT, 2) & 1, 1);
    out(PORT_PM1A_EVT, 2, 0x0001);              /* write 1 to clear */
    CHECK_EQ(in(PORT_PM1A_EVT, 2) & 1, 0);
    out(PORT_PM1A_CNT, 2, 5 << 10);             /* no SLP_EN */
    out(PORT_PM1A_CNT, 2, 1 << 13);             /* S0 */
    out(PORT_PM1A_CNT, 2, 3 << 10 | 1 << 13);   /* not offered */
    CHECK_EQ(shutdowns, 0);
    out(PORT_PM1A_CNT + 1, 1, (5 << 2) | (1 << 5));     /* byte write of the high half */
    CHECK_EQ(shutdowns, 1);
    CHECK_EQ(shutdown_reason, SHUTDOWN_poweroff);
    CHECK_EQ(in(PORT_PM1A_CNT, 2) & (1 << 13), 0);
    platform_down();
}

static void test_pci_reset(void)
{
    platform_up();
    out(0xcf8, 4, 0x80000000);
    CHECK_EQ(in(0xcfc, 4), 0x12378086);
    CHECK_EQ(in(0xcfe, 2), 0x1237);
    CHECK_EQ(in(0xcff, 2), 0xff12);           /* crosses the end of CONFIG_DATA */
    out(0xcf8, 4, 0x80000008);
    CHECK_EQ(in(0xcfc, 4), 0x06000002);
    out(0xcf8, 4, 0x80000004);
    out(0xcfc, 2, 0xffff);
    CHECK_EQ(in(0xcfc, 2), 0x0146);
    out(0xcf8, 4, 0x80000800);
    CHECK_EQ(in(0xcfc, 4), 0xffffffff);
    out(0xcf8, 4, 0x7fffffff);
    CHECK_EQ(in(0xcf8, 4), 0x00fffffc);
    CHECK_EQ(in(0xcf8, 2), 0xcafe0000u);        /* not claimed: plain I/O */
    /* 8042 */
    CHECK_EQ(in(0x64, 1), 0x14);
    out(0x64, 1, 0xaa);
    CHECK_EQ(in(0x64, 1) & 1, 1);
    CHECK_EQ(in(0x60, 1), 0x55);
    CHECK_EQ(in(0x64, 1) & 1, 0);
    CHECK_EQ(in(0x60, 1), 0);
    out(0x64, 1, 0xd1);
    out(0x60, 1, 0x03);                         /* reset line stays inactive */
    out(0x64, 1, 0xf1);                         /* bit 0 set: no reset pulse */
    CHECK_EQ(shutdowns, 0);
    out(0x64, 1, 0xfe);
    CHECK_EQ(shutdowns, 1);
    CHECK_EQ(shutdown_reason, SHUTDOWN_reboot);
    out(0xcf9, 1, 0x02);
    CHECK_EQ(shutdowns, 1);
    out(0xcf9, 1, 0x06);
    CHECK_EQ(shutdowns, 2);
    platform_down();
}

/* ---- the Xen platform device (vxenplat.c) ---- */

static uint32_t xp_cfg(unsigned reg)
{
    out(0xcf8, 4, 0x80001000u | reg);           /* 00:02.0 */
    return in(0xcfc, 4);
}

static void xp_cfg_w(unsigned reg, uint32_t v)
{
    out(0xcf8, 4, 0x80001000u | reg);
    out(0xcfc, 4, v);
}

static void test_xen_platform(void)
{
    platform_up();
    CHECK_EQ(xp_cfg(0x00), 0x00015853);
    CHECK_EQ(xp_cfg(0x08), 0xff800001);         /* class ff 80 00, revision 1 */
    CHECK_EQ(xp_cfg(0x04), 0x00000003);         /* I/O and memory decoding on, status 0 */
    CHECK_EQ(xp_cfg(0x0c), 0);                  /* header type 0 */
    CHECK_EQ(xp_cfg(0x10), 0xc001);
    CHECK_EQ(xp_cfg(0x14), 0xf0000008);
    CHECK_EQ(xp_cfg(0x18), 0);
    CHECK_EQ(xp_cfg(0x2c), 0x00015853);
    CHECK_EQ(xp_cfg(0x3c), 0);                  /* interrupt pin 0 */
    CHECK_EQ(xp_cfg(0x34), 0);                  /* no capabilities */
    out(0xcf8, 4, 0x80001100u);                 /* 00:02.1: nothing */
    CHECK_EQ(in(0xcfc, 4), 0xffffffff);
    out(0xcf8, 4, 0x80001800u);                 /* 00:03.0: nothing */
    CHECK_EQ(in(0xcfc, 4), 0xffffffff);
    /* BAR sizing: all ones reads back the size mask with the flags. */
    xp_cfg_w(0x10, 0xffffffff);
    CHECK_EQ(xp_cfg(0x10), 0xffffff01);
    xp_cfg_w(0x14, 0xffffffff);
    CHECK_EQ(xp_cfg(0x14), 0xff000008);
    xp_cfg_w(0x10, 0xd003);                     /* low bits are the BAR's own */
    CHECK_EQ(xp_cfg(0x10), 0xd001);
    xp_cfg_w(0x14, 0xe0123456);
    CHECK_EQ(xp_cfg(0x14), 0xe0000008);
    out(0xcf8, 4, 0x80001016u);                 /* byte writes to the top of BAR1 */
    out(0xcfe, 1, 0x55);
    CHECK_EQ(xp_cfg(0x14), 0xe0000008);         /* below the size: dropped */
    out(0xcf8, 4, 0x80001014u);
    out(0xcff, 1, 0xf1);
    CHECK_EQ(xp_cfg(0x14), 0xf1000008);
    xp_cfg_w(0x00, 0);                          /* read-only IDs, class */
    xp_cfg_w(0x08, 0);
    CHECK_EQ(xp_cfg(0x00), 0x00015853);
    CHECK_EQ(xp_cfg(0x08), 0xff800001);
    xp_cfg_w(0x3c, 0xffffffff);                 /* line writable, pin not */
    CHECK_EQ(xp_cfg(0x3c), 0xff);
    xp_cfg_w(0x04, 0xffffffff);
    CHECK_EQ(xp_cfg(0x04), 0x0407);
    /* MMIO decode follows BAR1 and the memory-space bit. */
    uint64_t v = 0;
    CHECK(vxenplat_mmio(&dom, 0xf1000000, false, &v) && v == ~0ull);
    CHECK(vxenplat_mmio(&dom, 0xf1ffffff, true, &v));
    CHECK(!vxenplat_mmio(&dom, 0xf2000000, false, &v));
    CHECK(!vxenplat_mmio(&dom, 0xf0ffffff, false, &v));
    CHECK(!vxenplat_mmio(&dom, 0xf0000000, false, &v));
    xp_cfg_w(0x04, 0x0001);                     /* memory decoding off */
    CHECK(!vxenplat_mmio(&dom, 0xf1000000, false, &v));
    /* The unplug protocol. */
    CHECK_EQ(in(0x10, 2), 0x49d2);
    CHECK_EQ(in(0x12, 1), 1);
    CHECK_EQ(in(0x10, 4), 0xcafe0000u);         /* other widths: unclaimed */
    CHECK_EQ(in(0x11, 1), 0xcafe0000u);
    CHECK_EQ(in(0x13, 1), 0xcafe0000u);
    log_lines = 0;
    out(0x12, 2, 3);
    CHECK(log_lines == 1 && strstr(last_log, "product number 3"));
    out(0x10, 4, 0x60100);
    CHECK(log_lines == 2 && strstr(last_log, "build number 0x60100"));
    CHECK_EQ(in(0x10, 2), 0x49d2);              /* never blacklisted */
    out(0x10, 2, 3);
    CHECK(log_lines == 3 && strstr(last_log, "unplug disks NICs (mask 0x3)") && strstr(last_log, "nothing to unplug"));
    /* Driver log bytes: a line at '\n', non-printable bytes shown as '.',
     * a long line split, and a bounded number of lines. */
    log_lines = 0;
    const char *msg = "hi\x01there\n";
    for (const char *p = msg; *p; p++)
        out(0x12, 1, (uint8_t)*p);
    CHECK(log_lines == 1 && strstr(last_log, "driver log: hi.there\n"));
    for (int i = 0; i < 100000; i++)
        out(0x12, 1, 'x');
    CHECK_EQ(log_lines, 65);                    /* 64 lines, then one note */
    CHECK(strstr(last_log, "dropped") != NULL);
    for (int i = 0; i < 100; i++)
        out(0x10, 2, 0xffff);                   /* notes bounded too */
    CHECK_EQ(log_lines, 65 + 16 - 3);
    platform_down();

    /* xen_platform_pci = 0: no device, no ports (the domain's config says so). */
    struct domcfg off;
    memset(&off, 0, sizeof(off));
    off.xen_platform_pci = false;
    platform_up();
    vxenplat_destroy(&dom);
    dom.cfg = &off;
    CHECK_EQ(vxenplat_init(&dom), 0);
    CHECK_EQ(xp_cfg(0x00), 0xffffffff);
    CHECK_EQ(in(0x10, 2), 0xcafe0000u);
    CHECK(!vxenplat_mmio(&dom, 0xf0000000, false, &v));
    dom.cfg = NULL;
    platform_down();
}

/* ---- everything, at random ---- */

static void test_random(void)
{
    static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61,
                                      0x70, 0x71, 0xb000, 0xb001, 0xb002, 0xb004, 0xb005, 0xb008, 0xb00a,
                                      0xb00b, 0xcf8, 0xcfa, 0xcfc, 0xcfd, 0xcfe, 0xcff, 0x60, 0x64,
                                      0x10, 0x11, 0x12, 0x13 };
    srand(12345);
    platform_up();
    for (int i = 0; i < 300000; i++) {
        uint16_t port = ports[rand() % (int)(sizeof(ports) / sizeof(ports[0]))];
        uint8_t size = (uint8_t[]){ 1, 2, 4, 3, 0 }[rand() % 5];
        uint32_t v = (uint32_t)rand() << 8 ^ (uint32_t)rand();
        switch (rand() % 8) {
        case 0:
            run_until(fake_now + (uint64_t)(rand() % 3000000));
            break;
        case 1:
            mmio(GPA_IOAPIC + (uint64_t)(rand() % 0x50), (unsigned)(rand() % 9), rand() & 1, v);
            break;
        case 2:
            hvm_isa_irq_set(&dom, (unsigned)(rand() % 20), rand() & 1);
            break;
        case 3:
            if (vpic_pending(&dom) >= 0)
                vpic_ack(&dom);
            vioapic_eoi(&dom, (uint8_t)v);
            break;
        default:
            if (port == 0x64 && (v & 0xf1) == 0xf0)
                v |= 1;                         /* keep the domain "alive" (no effect anyway) */
            hvm_portio_test(&dom, port, rand() & 1, size, &v);
            break;
        }
        CHECK(vplat_locks_held == 0);
        if (vplat_locks_held)
            break;
    }
    platform_down();
}

int main(void)
{
    RUN(test_pic_basic);
    RUN(test_pic_modes);
    RUN(test_pit_counter);
    RUN(test_pit_ch2);
    RUN(test_pit_irq0);
    RUN(test_ioapic);
    RUN(test_rtc);
    RUN(test_pm);
    RUN(test_pci_reset);
    RUN(test_xen_platform);
    RUN(test_random);
    RUN(test_hpet);                     /* last: they move the fake clock by minutes */
    RUN(test_hpet_random);
    printf("%d checks, %d failures\n", t_checks, t_failures);
    return t_failures ? 1 : 0;
}
