/*
 * pvh_platform: a PVH domain sees Xen's PVH platform -- the local APICs and
 * nothing of the PC around them (docs/pvh.md "Devices", docs/hvm-platform.md
 * "Which domain gets which device").
 *
 * 1. Port I/O: every legacy device an HVM domain has (PIT, port 0x61, the
 *    8259s and ELCR, RTC/CMOS, COM1, the PCI configuration ports, the ACPI PM
 *    block, fw_cfg, the i8042 status port) reads all ones at every width,
 *    and writes are ignored: a value written is never read back, and the
 *    reset writes (0xcf9, i8042 0xfe) do not end the domain -- Linux pokes
 *    such ports (the PIT calibration, the RTC probe), so they must not crash
 *    it either.  The two sleep registers, the only ports with a meaning,
 *    read 0: the probe tells a claimed port from an unclaimed one.  PIT
 *    channel 2 (0x42) is the one absent port that reads 0 at every width,
 *    also after the programming Linux does (docs/pvh.md "PIT channel 2"):
 *    Linux's early calibration then gives up at once instead of polling it
 *    100,000 times.
 * 2. ACPI, found through the start info's rsdp_paddr: the MADT has one
 *    enabled local APIC per vCPU and no other entry (no IOAPIC, no interrupt
 *    source override, no NMI source), PCAT_COMPAT clear; the FADT is
 *    hardware-reduced with "no VGA, no CMOS RTC" and neither legacy devices
 *    nor an 8042; there is no HPET table.
 *
 * The ctest run also checks the hypervisor's shutdown histogram: the I/O
 * exits of this domain are the probes made here and nothing else.
 */
#include "pvh.h"

const char pvh_guest_name[] = "pvh_platform";

/* ---- 1. ports ----------------------------------------------------------- */

struct port_probe {
    uint16_t port;
    const char *what;
};

/* Every port an HVM domain's platform claims (hvm/platform.c hvm_portio),
 * except the sleep registers.  PM base 0xb000 is the HVM PM1a block. */
static const struct port_probe absent[] = {
    { 0x40, "PIT channel 0" }, { 0x41, "PIT channel 1" },
    { 0x43, "PIT mode" }, { 0x61, "port B (PIT gate, speaker)" },
    { 0x20, "master 8259" }, { 0x21, "master 8259 IMR" }, { 0xa0, "slave 8259" },
    { 0xa1, "slave 8259 IMR" }, { 0x4d0, "ELCR1" }, { 0x4d1, "ELCR2" },
    { 0x70, "RTC index" }, { 0x71, "RTC data" },
    { 0x3f8, "COM1 data" }, { 0x3f9, "COM1 IER" }, { 0x3fa, "COM1 IIR" }, { 0x3fb, "COM1 LCR" },
    { 0x3fc, "COM1 MCR" }, { 0x3fd, "COM1 LSR" }, { 0x3fe, "COM1 MSR" }, { 0x3ff, "COM1 scratch" },
    { 0xcf8, "PCI CONFIG_ADDRESS" }, { 0xcfc, "PCI CONFIG_DATA" },
    { 0xb000, "PM1a status" }, { 0xb004, "PM1a control" }, { 0xb008, "PM timer" },
    { 0x510, "fw_cfg selector" }, { 0x511, "fw_cfg data" },
    { 0x60, "i8042 data" }, { 0x64, "i8042 status" }, { 0xcf9, "reset control" },
};

/* The PVH sleep status register (docs/pvh.md, hvm/platform.h). */
#define PORT_SLEEP_STS 0xb011

static unsigned probes;             /* port accesses made, for the log line */

/* Port 0x42, PIT channel 2: 0 at every width (docs/pvh.md), or all ones
 * when the domain file says rv_pvh_pit_ones = 1 (pvh_platform_xen.cfg,
 * whose command line says "pit_ones"). */
static bool all_ones(uint16_t port, const char *what);
static bool reads_zero(uint16_t port, const char *what)
{
    if (cmdline_has("pit_ones"))
        return all_ones(port, what);
    uint8_t b = inb(port);
    uint16_t w = inw(port);
    uint32_t l = inl(port);
    probes += 3;
    if (!b && !w && !l)
        return true;
    printf("note: port %#x (%s): inb %#x, inw %#x, inl %#x, want 0\n", port, what, b, w, l);
    return false;
}

static bool all_ones(uint16_t port, const char *what)
{
    uint8_t b = inb(port);
    uint16_t w = inw(port);
    uint32_t l = inl(port);
    probes += 3;
    if (b == 0xff && w == 0xffff && l == 0xffffffffu)
        return true;
    /* One line per bad port; the verdict is the one "absent-ports" check. */
    printf("note: port %#x (%s): inb %#x, inw %#x, inl %#x, want all ones\n", port, what, b, w, l);
    return false;
}

static void check_ports(void)
{
    unsigned bad = 0;

    for (unsigned i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
        if (!all_ones(absent[i].port, absent[i].what))
            bad++;
    if (!reads_zero(0x42, "PIT channel 2"))
        bad++;

    /* What Linux's PIT calibration does first: gate channel 2 on, mode 0,
     * count 0xffff.  Nothing counts: the channel still reads 0, and port B
     * (with the channel's output bit) still all ones. */
    outb(0x61, 0x01);
    outb(0x43, 0xb0);
    outb(0x42, 0xff);
    outb(0x42, 0xff);
    outb(0x43, 0x80);               /* latch channel 2 */
    probes += 5;
    if (!reads_zero(0x42, "PIT channel 2 after programming") || !all_ones(0x61, "port B after gating channel 2"))
        bad++;
    /* An 8259 initialisation sequence and a mask: no IMR to read back. */
    outb(0x20, 0x11);
    outb(0x21, 0x20);
    outb(0x21, 0x04);
    outb(0x21, 0x01);
    outb(0x21, 0x5a);
    probes += 5;
    if (!all_ones(0x21, "8259 IMR after ICW1-4 and a mask"))
        bad++;
    /* The RTC probe: select status register A. */
    outb(0x70, 0x0a);
    probes++;
    if (!all_ones(0x71, "RTC register A"))
        bad++;
    /* A UART probe: the scratch register keeps no value. */
    outb(0x3ff, 0x5a);
    probes++;
    if (!all_ones(0x3ff, "COM1 scratch after writing 0x5a"))
        bad++;
    /* PCI mechanism #1: bus 0 device 0 function 0 register 0. */
    outl(0xcf8, 0x80000000u);
    probes++;
    if (!all_ones(0xcf8, "CONFIG_ADDRESS after writing 0x80000000") ||
        !all_ones(0xcfc, "CONFIG_DATA of 00:00.0"))
        bad++;
    /* Reset requests through the ports an HVM domain has: ignored (the
     * domain would reboot otherwise and the run fail: rv_expect poweroff). */
    outb(0xcf9, 0x06);
    outb(0x64, 0xfe);
    probes += 2;

    /* The claimed ports: the sleep status register reads 0 (docs/pvh.md). */
    uint8_t sts = inb(PORT_SLEEP_STS);
    probes++;
    check(sts == 0, "sleep-status-claimed", "port %#x read %#x, want 0 (a claimed port)", PORT_SLEEP_STS, sts);
    check(!bad, "absent-ports", "%u probes did not read all ones (0 at port 0x42)", bad);
    printf("note: %u port accesses made\n", probes);
}

/* ---- 2. ACPI ------------------------------------------------------------ */

static uint32_t r32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t r64(const uint8_t *p) { return r32(p) | (uint64_t)r32(p + 4) << 32; }

static uint8_t sum(const uint8_t *p, uint32_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return s;
}

/* A table the guest may read: in the first 4 GiB (identity-mapped by
 * entry.S), below 1 MiB as docs/pvh.md places them, checksummed. */
static const uint8_t *table_at(uint64_t gpa, const char *sig)
{
    if (gpa < 0xe0000 || gpa >= 0x100000)
        return NULL;
    const uint8_t *t = (const uint8_t *)(uintptr_t)gpa;
    uint32_t len = r32(t + 4);
    if (memcmp(t, sig, 4) || len < 36 || gpa + len > 0x100000 || sum(t, len))
        return NULL;
    return t;
}

static void check_acpi(void)
{
    uint64_t rsdp_gpa = pvh.si.rsdp_paddr;
    const uint8_t *rsdp = (const uint8_t *)(uintptr_t)rsdp_gpa;
    if (!check(rsdp_gpa >= 0xe0000 && rsdp_gpa < 0x100000 && !memcmp(rsdp, "RSD PTR ", 8) && rsdp[15] >= 2 &&
                   !sum(rsdp, 36),
               "acpi-rsdp", "rsdp_paddr %#llx: no revision-2 RSDP there", (unsigned long long)rsdp_gpa))
        return;
    const uint8_t *xsdt = table_at(r64(rsdp + 24), "XSDT");
    if (!check(xsdt != NULL, "acpi-xsdt", "XSDT at %#llx unreadable", (unsigned long long)r64(rsdp + 24)))
        return;

    const uint8_t *madt = NULL, *fadt = NULL;
    bool hpet = false;
    unsigned n = (r32(xsdt + 4) - 36) / 8;
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = r64(xsdt + 36 + 8 * i);
        const uint8_t *t = a >= 0xe0000 && a < 0x100000 ? (const uint8_t *)(uintptr_t)a : NULL;
        if (!t)
            continue;
        if (!memcmp(t, "APIC", 4))
            madt = table_at(a, "APIC");
        else if (!memcmp(t, "FACP", 4))
            fadt = table_at(a, "FACP");
        else if (!memcmp(t, "HPET", 4))
            hpet = true;
    }
    check(!hpet, "acpi-no-hpet", "the XSDT lists an HPET table");

    if (check(madt != NULL, "acpi-madt", "no valid MADT in the XSDT")) {
        uint32_t len = r32(madt + 4), flags = r32(madt + 40);
        unsigned lapics = 0, others = 0, ioapics = 0;
        bool ok = true;
        for (uint32_t off = 44; off + 2 <= len;) {
            uint8_t type = madt[off], elen = madt[off + 1];
            if (elen < 2 || off + elen > len) {
                ok = false;
                break;
            }
            if (type == 0 && elen == 8 && (r32(madt + off + 4) & 1) && madt[off + 3] == lapics)
                lapics++;               /* enabled, APIC id = vCPU index */
            else if (type == 1)
                ioapics++;
            else
                others++;
            off += elen;
        }
        unsigned vcpus = (unsigned)cmdline_uint("vcpus", 0);
        check(ok, "madt-entries-parse", "an entry overruns the MADT");
        check(ioapics == 0, "madt-no-ioapic", "%u IOAPIC entries", ioapics);
        check(others == 0, "madt-lapics-only", "%u entries other than enabled local APICs numbered 0..", others);
        check(lapics == vcpus, "madt-lapic-per-vcpu", "%u local APICs, %u vCPUs", lapics, vcpus);
        check(!(flags & 1), "madt-no-8259", "MADT flags %#x: PCAT_COMPAT set", flags);
    }

    if (check(fadt != NULL, "acpi-fadt", "no valid FADT in the XSDT")) {
        /* ACPI 6.5 table 5.9: IAPC_BOOT_ARCH at 109 (16 bits), Flags at 112. */
        uint32_t flags = r32(fadt + 112);
        uint16_t boot = (uint16_t)(fadt[109] | fadt[110] << 8);
        check(flags & (1u << 20), "fadt-hw-reduced", "FADT flags %#x: HW_REDUCED_ACPI clear", flags);
        check(!(boot & 3) && (boot & (1u << 2)) && (boot & (1u << 5)), "fadt-no-legacy",
              "IAPC_BOOT_ARCH %#x: want LEGACY_DEVICES and 8042 clear, VGA and CMOS RTC not present", boot);
    }
}

void test_main(void)
{
    check_ports();
    check_acpi();
    finish();
}
