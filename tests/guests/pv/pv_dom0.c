/*
 * pv_dom0: the initial domain's privileged interfaces (docs/dom0.md,
 * src/pv/pv_dom0.c), from both sides.  The same kernel runs twice:
 *
 * pv_dom0, an ordinary PV domain (hostile: every privileged call refused,
 * nothing written back):
 *  - start_info has neither SIF_PRIVILEGED nor SIF_INITDOMAIN;
 *  - XENMEM_machine_memory_map, platform_op (get_cpuinfo, settime64,
 *    firmware_info, even with a bad interface version), physdev_op
 *    apic_read: -EPERM, the caller's buffers untouched;
 *  - mapping a firmware frame (0xf0: the BIOS), the LAPIC page and the
 *    I/O APIC page with update_va_mapping: refused;
 *  - CONSOLEIO_read: -ENOSYS (console input is dom0's only);
 *  - port I/O (IOPL 1): PCI configuration reads all ones, so does the
 *    UART;
 *  - mmu_update naming domain 0 as the foreign domain (what privcmd's
 *    MMAPBATCH would do), EVTCHNOP_alloc_unbound inside domain 0 and
 *    EVTCHNOP_status of domain 0's port: -EPERM, nothing written back.
 *
 * pv_dom0p, the same kernel with dom0 = 1:
 *  - both SIF flags set; domain id 0 names itself (current_reservation
 *    for domid 0 equals DOMID_SELF's);
 *  - XENMEM_machine_memory_map: several entries, RAM and non-RAM, sorted;
 *    with room for one entry, one;
 *  - platform_op: get_cpuinfo for CPU 0 (online, max_present >= 0), for
 *    CPU 4095 (invalid); a bad interface version -EACCES; settime64 with
 *    nsecs >= 10^9 -EINVAL, a good one 0; firmware_info -ESRCH;
 *  - physdev_op apic_read: -EPERM (the hypervisor keeps the I/O APIC);
 *  - the BIOS frame 0xf0 maps (read-only) and reads, but a hypercall
 *    argument there is -EFAULT; the LAPIC page, the
 *    I/O APIC page and a RAM frame that is not its own are refused;
 *  - CONSOLEIO_read: 0 (nothing to read);
 *  - port I/O: PCI configuration reaches the host bridge (a real vendor and
 *    device id), the hypervisor's UART reads all ones (kept);
 *  - the local xenstore link (Linux's dom0 without start_info.store_evtchn:
 *    its kernel allocates an unbound port for itself and the daemon in its
 *    user space binds to it as domain 0 through /dev/xen/evtchn): no store
 *    channel in start_info; alloc_unbound(DOMID_SELF, DOMID_SELF), then
 *    bind_interdomain(remote_dom 0, that port) links the two ports of
 *    domain 0 (status interdomain both ways, naming each other); a send on
 *    either end marks the other pending, never the sender; after close
 *    of one end the other is unbound again for domain 0.
 *
 * The host going down with dom0 (pv_dom0_down: pv_dom0down.cfg, dom0 = 1,
 * command line "down", powers off at once; pv_dom0spin.cfg, an ordinary
 * domain, "spin", yields forever): the spinning domain is shut down
 * (poweroff) by the hypervisor and the run ends.
 */
#include "pv_lib.h"
#include "public/memory.h"
#include "public/sched.h"
#include "public/event_channel.h"

#define EPERM   1
#define EFAULT  14
#define ESRCH   3
#define EACCES  13
#define EINVAL  22
#define ENOSYS  38
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define EOPNOTSUPP 95
#define UVMF_INVLPG 2ull
#define XENPF_INTERFACE_VERSION 0x03000001u
#define XENPF_firmware_info     50
#define XENPF_get_cpuinfo       55
#define XENPF_settime64         62
#define PHYSDEVOP_apic_read     8

struct platform_op {
    uint32_t cmd, interface_version;
    union {
        struct { uint64_t secs; uint32_t nsecs, mbz; uint64_t system_time; } settime64;
        struct { uint32_t xen_cpuid, max_present, flags, apic_id, acpi_id; } pcpuinfo;
        struct { uint32_t type, index; } fw;
        uint8_t pad[128];
    } u;
};

struct physdev_apic { uint64_t apic_physbase; uint32_t reg, value; };

struct e820rec { uint64_t addr, size; uint32_t type; } __attribute__((packed));

static const char *name;

#define PHYSDEVOP_set_iopl      6

static void outl_(uint16_t port, uint32_t v) { __asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(port)); }
static uint32_t inl_(uint16_t port) { uint32_t v; __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static uint8_t inb_(uint16_t port) { uint8_t v; __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* Port I/O with IOPL 1 (the kernel's ring as the hypervisor sees it):
 * PCI configuration of bus 0 device 0 (the host bridge on any PC), and the
 * UART's line status register, which the hypervisor keeps. */
static uint32_t pci_id00(void)
{
    uint32_t iopl = 1;
    hc(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, (uint64_t)&iopl, 0, 0);
    outl_(0xcf8, 0x80000000u);
    return inl_(0xcfc);
}

static void eq(const char *what, long got, long want)
{
    check(got == want, what, "rc", (uint64_t)got, (uint64_t)want);
}

static long platform(struct platform_op *op)
{
    return hc(__HYPERVISOR_platform_op, (uint64_t)op, 0, 0, 0);
}

static long map_at(uint64_t va, uint64_t pte)
{
    return hc(__HYPERVISOR_update_va_mapping, va, pte, UVMF_INVLPG, 0);
}

static void unprivileged(const struct start_info *si, uint64_t va)
{
    check(!(si->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN)), "domu-flags-clear", "flags", si->flags, 0);

    struct e820rec map[4] = { { 0x1111, 0x2222, 77 } };
    struct xen_memory_map mm = { 4, 0, (uint64_t)map };
    eq("domu-machine-memory-map-refused", hc(__HYPERVISOR_memory_op, XENMEM_machine_memory_map, (uint64_t)&mm, 0, 0),
       -EPERM);
    check(mm.nr_entries == 4 && map[0].addr == 0x1111 && map[0].type == 77, "domu-machine-memory-map-untouched",
          "nr_entries", mm.nr_entries, 4);

    struct platform_op op = { XENPF_get_cpuinfo, XENPF_INTERFACE_VERSION, { .pad = { 0 } } };
    op.u.pcpuinfo.flags = 0x5a;
    eq("domu-platform-cpuinfo-refused", platform(&op), -EPERM);
    check(op.u.pcpuinfo.flags == 0x5a, "domu-platform-cpuinfo-untouched", "flags", op.u.pcpuinfo.flags, 0x5a);
    op = (struct platform_op){ XENPF_settime64, XENPF_INTERFACE_VERSION, { .pad = { 0 } } };
    op.u.settime64.secs = 1;
    eq("domu-platform-settime-refused", platform(&op), -EPERM);
    op = (struct platform_op){ XENPF_firmware_info, 0, { .pad = { 0 } } };
    eq("domu-platform-bad-version-refused", platform(&op), -EPERM);

    struct physdev_apic a = { 0xfec00000u, 1, 0x77 };
    eq("domu-apic-read-refused", hc(__HYPERVISOR_physdev_op, PHYSDEVOP_apic_read, (uint64_t)&a, 0, 0), -EPERM);
    check(a.value == 0x77, "domu-apic-read-untouched", "value", a.value, 0x77);

    check(map_at(va, 0xf0ull << 12 | 0x21) < 0, "domu-bios-frame-refused", "rc", 0, 0);
    check(map_at(va, 0xfee00ull << 12 | 0x21) < 0, "domu-lapic-frame-refused", "rc", 0, 0);
    check(map_at(va, 0xfec00ull << 12 | 0x21) < 0, "domu-ioapic-frame-refused", "rc", 0, 0);

    uint32_t id = pci_id00();
    check(id == 0xffffffffu, "domu-pci-config-ones", "vendor/device", id, 0xffffffffu);
    check(inb_(0x3fd) == 0xff, "domu-uart-ones", "LSR", 0, 0xff);

    char c;
    eq("domu-console-read-refused", hc(__HYPERVISOR_console_io, 1 /* CONSOLEIO_read */, 1, (uint64_t)&c, 0), -ENOSYS);

    /* What dom0's daemon and privcmd rely on, refused to a domU: page-table
     * updates naming domain 0's frames (privcmd's foreign mapping), a port
     * allocated inside domain 0, domain 0's port status. */
    struct mmu_update mu = { 0, 0 };
    eq("domu-foreign-mmu-update-refused", hc(__HYPERVISOR_mmu_update, (uint64_t)&mu, 1, 0, 0), -EPERM);
    struct evtchn_alloc_unbound au = { 0, DOMID_SELF, 0x5a5a };
    eq("domu-alloc-unbound-in-dom0-refused", hc(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
       (uint64_t)&au, 0, 0), -EPERM);
    check(au.port == 0x5a5a, "domu-alloc-unbound-untouched", "port", au.port, 0x5a5a);
    struct evtchn_status st = { 0, 0, 1, 0x77, 0, { .pirq = 0 } };
    eq("domu-evtchn-status-of-dom0-refused", hc(__HYPERVISOR_event_channel_op, EVTCHNOP_status, (uint64_t)&st,
       0, 0), -EPERM);
    check(st.status == 0x77, "domu-evtchn-status-untouched", "status", st.status, 0x77);
}

static void store_link(const struct start_info *si);

static void privileged(const struct start_info *si, uint64_t va, uint64_t own_mfn)
{
    check((si->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN)) == (SIF_PRIVILEGED | SIF_INITDOMAIN), "dom0-flags",
          "flags", si->flags, SIF_PRIVILEGED | SIF_INITDOMAIN);
    uint16_t self = DOMID_SELF, zero = 0;
    long r_self = hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, (uint64_t)&self, 0, 0);
    long r_zero = hc(__HYPERVISOR_memory_op, XENMEM_current_reservation, (uint64_t)&zero, 0, 0);
    check(r_self > 0 && r_zero == r_self, "dom0-domid-0-is-self", "current_reservation(0)", (uint64_t)r_zero,
          (uint64_t)r_self);

    static struct e820rec map[64];
    struct xen_memory_map mm = { 64, 0, (uint64_t)map };
    eq("dom0-machine-memory-map", hc(__HYPERVISOR_memory_op, XENMEM_machine_memory_map, (uint64_t)&mm, 0, 0), 0);
    unsigned ram = 0, other = 0, sorted = 1;
    for (unsigned i = 0; i < mm.nr_entries && i < 64; i++) {
        if (map[i].type == 1)
            ram++;
        else
            other++;
        if (i && map[i].addr < map[i - 1].addr + map[i - 1].size)
            sorted = 0;
    }
    check(mm.nr_entries >= 3 && ram >= 1 && other >= 1 && sorted, "dom0-machine-memory-map-host", "entries",
          mm.nr_entries, 3);
    mm = (struct xen_memory_map){ 1, 0, (uint64_t)map };
    eq("dom0-machine-memory-map-room-1", hc(__HYPERVISOR_memory_op, XENMEM_machine_memory_map, (uint64_t)&mm, 0, 0),
       0);
    check(mm.nr_entries == 1, "dom0-machine-memory-map-one", "nr_entries", mm.nr_entries, 1);

    struct platform_op op = { XENPF_get_cpuinfo, XENPF_INTERFACE_VERSION, { .pad = { 0 } } };
    eq("dom0-platform-cpuinfo", platform(&op), 0);
    check(op.u.pcpuinfo.flags == 1, "dom0-platform-cpuinfo-cpu0-online", "flags", op.u.pcpuinfo.flags, 1);
    op = (struct platform_op){ XENPF_get_cpuinfo, XENPF_INTERFACE_VERSION, { .pad = { 0 } } };
    op.u.pcpuinfo.xen_cpuid = 4095;
    eq("dom0-platform-cpuinfo-4095", platform(&op), 0);
    check(op.u.pcpuinfo.flags == 2, "dom0-platform-cpuinfo-4095-invalid", "flags", op.u.pcpuinfo.flags, 2);
    op = (struct platform_op){ XENPF_get_cpuinfo, 0x03000000u, { .pad = { 0 } } };
    eq("dom0-platform-bad-version", platform(&op), -EACCES);
    op = (struct platform_op){ XENPF_settime64, XENPF_INTERFACE_VERSION, { .pad = { 0 } } };
    op.u.settime64.secs = 1800000000ull;
    op.u.settime64.nsecs = 1000000000u;
    eq("dom0-platform-settime-bad-nsecs", platform(&op), -EINVAL);
    op.u.settime64.nsecs = 5;
    op.u.settime64.mbz = 1;
    eq("dom0-platform-settime-mbz", platform(&op), -EINVAL);
    op.u.settime64.mbz = 0;
    op.u.settime64.secs = ~0ull;
    eq("dom0-platform-settime-huge-secs", platform(&op), -EINVAL);
    op.u.settime64.secs = 1800000000ull;
    eq("dom0-platform-settime", platform(&op), 0);
    op = (struct platform_op){ XENPF_firmware_info, XENPF_INTERFACE_VERSION, { .pad = { 0 } } };
    op.u.fw.type = 1;   /* XEN_FW_DISK_INFO */
    eq("dom0-platform-firmware-info-none", platform(&op), -ESRCH);

    struct physdev_apic a = { 0xfec00000u, 1, 0x77 };
    eq("dom0-apic-read-kept", hc(__HYPERVISOR_physdev_op, PHYSDEVOP_apic_read, (uint64_t)&a, 0, 0), -EPERM);

    uint64_t v = 0;
    eq("dom0-bios-frame-maps", map_at(va, 0xf0ull << 12 | 0x21), 0);
    check(try_read(va, &v), "dom0-bios-frame-reads", "value", v, 0);
    /* A hypercall argument in device memory: -EFAULT (the hypervisor
     * does not reach dom0's device frames for it). */
    eq("dom0-hypercall-arg-in-device-memory", hc(__HYPERVISOR_memory_op, XENMEM_machine_memory_map, va, 0, 0),
       -EFAULT);
    check(map_at(va, 0xfee00ull << 12 | 0x21) < 0, "dom0-lapic-frame-refused", "rc", 0, 0);
    check(map_at(va, 0xfec00ull << 12 | 0x21) < 0, "dom0-ioapic-frame-refused", "rc", 0, 0);
    /* A RAM frame that is not dom0's: the frame after its own scratch
     * page's, unless that one is dom0's too; 1 MiB (the hypervisor's image
     * or free memory) is RAM on every PC. */
    check(map_at(va, 0x100ull << 12 | 0x21) < 0, "dom0-ram-frame-refused", "rc", 0, 0);
    eq("dom0-own-frame-back", map_at(va, own_mfn << 12 | 0x23), 0);

    uint32_t id = pci_id00();
    check(id != 0xffffffffu && (id & 0xffff) != 0xffff, "dom0-pci-config-host-bridge", "vendor/device", id, 0);
    check(inb_(0x3fd) == 0xff, "dom0-uart-kept", "LSR", 0, 0xff);
    outl_(0xcf8, 0);    /* leave the configuration address as firmware does */

    char c = 'x';
    eq("dom0-console-read-empty", hc(__HYPERVISOR_console_io, 1 /* CONSOLEIO_read */, 1, (uint64_t)&c, 0), 0);
    store_link(si);
}

/* shared_info, mapped over a page of our own; its evtchn_pending bitmap
 * (offset 2048) shows which end of a link an event reached.  Event upcalls
 * stay masked (vCPU 0's mask is set at start), so nothing is delivered. */
static uint8_t shinfo_window[4096] __attribute__((aligned(4096)));

static volatile uint64_t *pending_bits(void)
{
    return (volatile uint64_t *)(shinfo_window + 2048);
}

static int pending(const struct start_info *si, uint32_t port)
{
    (void)si;
    return (pending_bits()[port / 64] >> (port % 64)) & 1;
}

static void clear_pending(const struct start_info *si, uint32_t port)
{
    (void)si;
    __atomic_fetch_and(&pending_bits()[port / 64], ~(1ull << (port % 64)), __ATOMIC_SEQ_CST);
}

static long evop(unsigned cmd, void *arg)
{
    return hc(__HYPERVISOR_event_channel_op, cmd, (uint64_t)arg, 0, 0);
}

/* The local store link of a dom0 kernel and its daemon (see the top). */
static void store_link(const struct start_info *si)
{
    check(si->store_evtchn == 0, "dom0-no-store-evtchn", "store_evtchn", si->store_evtchn, 0);
    eq("dom0-map-shared-info", map_at((uint64_t)shinfo_window, si->shared_info | 0x23), 0);
    struct evtchn_alloc_unbound au = { DOMID_SELF, DOMID_SELF, 0 };
    eq("dom0-store-alloc-unbound", evop(EVTCHNOP_alloc_unbound, &au), 0);
    struct evtchn_status st = { DOMID_SELF, 0, au.port, 0, 0, { .pirq = 0 } };
    eq("dom0-store-unbound-status", evop(EVTCHNOP_status, &st), 0);
    check(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0, "dom0-store-unbound-for-0", "status",
          st.status, EVTCHNSTAT_unbound);
    struct evtchn_bind_interdomain bi = { 0, 0, au.port, 0 };
    eq("dom0-store-bind-loopback", evop(EVTCHNOP_bind_interdomain, &bi), 0);
    st = (struct evtchn_status){ DOMID_SELF, 0, au.port, 0, 0, { .pirq = 0 } };
    evop(EVTCHNOP_status, &st);
    check(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == 0 &&
          st.u.interdomain.port == bi.local_port, "dom0-store-kernel-end", "peer port", st.u.interdomain.port,
          bi.local_port);
    st = (struct evtchn_status){ DOMID_SELF, 0, bi.local_port, 0, 0, { .pirq = 0 } };
    evop(EVTCHNOP_status, &st);
    check(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.port == au.port, "dom0-store-daemon-end",
          "peer port", st.u.interdomain.port, au.port);
    clear_pending(si, au.port);
    clear_pending(si, bi.local_port);
    struct evtchn_send sd = { bi.local_port };
    eq("dom0-store-send-daemon", evop(EVTCHNOP_send, &sd), 0);
    check(pending(si, au.port) && !pending(si, bi.local_port), "dom0-store-daemon-to-kernel", "pending",
          (uint64_t)pending(si, au.port), 1);
    clear_pending(si, au.port);
    sd.port = au.port;
    eq("dom0-store-send-kernel", evop(EVTCHNOP_send, &sd), 0);
    check(pending(si, bi.local_port) && !pending(si, au.port), "dom0-store-kernel-to-daemon", "pending",
          (uint64_t)pending(si, bi.local_port), 1);
    clear_pending(si, bi.local_port);
    struct evtchn_close cl = { bi.local_port };
    eq("dom0-store-daemon-close", evop(EVTCHNOP_close, &cl), 0);
    st = (struct evtchn_status){ DOMID_SELF, 0, au.port, 0, 0, { .pirq = 0 } };
    evop(EVTCHNOP_status, &st);
    check(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0, "dom0-store-unbound-again", "status",
          st.status, EVTCHNSTAT_unbound);
    cl.port = au.port;
    evop(EVTCHNOP_close, &cl);
}

/* ---- physical interrupts (src/pv/pv_pirq.c, pv_pci.c; docs/dom0.md
 * "Device interrupts") ---- */
#define PHYSDEVOP_irq_status_query  5
#define PHYSDEVOP_eoi               12
#define PHYSDEVOP_map_pirq          13
#define PHYSDEVOP_unmap_pirq        14
#define PHYSDEVOP_manage_pci_add    15
#define PHYSDEVOP_restore_msi       19
#define PHYSDEVOP_setup_gsi         21
#define PHYSDEVOP_pci_device_add    25
#define PHYSDEVOP_pirq_eoi_gmfn_v2  28
#define MAP_PIRQ_TYPE_MSI           0
#define MAP_PIRQ_TYPE_GSI           1
#define MAP_PIRQ_TYPE_MSI_SEG       3
#define MAP_PIRQ_TYPE_MULTI_MSI     4
#define DOMID_SELF_ 0x7ff0u

struct map_pirq { uint16_t domid, pad; int32_t type, index, pirq, bus, devfn, entry_nr; uint32_t pad2; uint64_t table_base; };
struct unmap_pirq { uint16_t domid, pad; int32_t pirq; };
struct irq_status { uint32_t irq, flags; };
struct setup_gsi { int32_t gsi; uint8_t trig, pol; uint16_t pad; };
struct pci_dev_add { uint16_t seg; uint8_t bus, devfn; uint32_t flags; uint8_t pbus, pdevfn; uint16_t pad; };

static long physdev(unsigned cmd, void *arg)
{
    return hc(__HYPERVISOR_physdev_op, cmd, (uint64_t)arg, 0, 0);
}

static long evtchn(unsigned cmd, void *arg)
{
    return hc(__HYPERVISOR_event_channel_op, cmd, (uint64_t)arg, 0, 0);
}

static long map_gsi(int gsi, int pirq, int32_t *out)
{
    struct map_pirq m = { DOMID_SELF_, 0, MAP_PIRQ_TYPE_GSI, gsi, pirq, 0, 0, 0, 0, 0 };
    long rc = physdev(PHYSDEVOP_map_pirq, &m);
    if (out)
        *out = m.pirq;
    return rc;
}

/* Configuration space through the ports (IOPL 1, set by pci_id00). */
static uint32_t cfg_read(unsigned devfn, unsigned reg)
{
    outl_(0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc));
    return inl_(0xcfc);
}

static void cfg_write(unsigned devfn, unsigned reg, uint32_t v)
{
    outl_(0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc));
    outl_(0xcfc, v);
}

/* Every pirq operation and the device list from an ordinary domain:
 * -EPERM, the argument untouched. */
static void unprivileged_pirq(void)
{
    int32_t pirq = 0x5a5a;
    eq("domu-map-pirq-refused", map_gsi(16, -1, &pirq), -EPERM);
    check(pirq == -1, "domu-map-pirq-untouched", "pirq", (uint64_t)pirq, (uint64_t)-1);
    struct unmap_pirq u = { DOMID_SELF_, 0, 16 };
    eq("domu-unmap-pirq-refused", physdev(PHYSDEVOP_unmap_pirq, &u), -EPERM);
    struct irq_status q = { 16, 0x77 };
    eq("domu-irq-status-refused", physdev(PHYSDEVOP_irq_status_query, &q), -EPERM);
    check(q.flags == 0x77, "domu-irq-status-untouched", "flags", q.flags, 0x77);
    uint32_t irq = 16;
    eq("domu-eoi-refused", physdev(PHYSDEVOP_eoi, &irq), -EPERM);
    uint64_t gmfn = 0;
    eq("domu-eoi-gmfn-refused", physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, &gmfn), -EPERM);
    struct setup_gsi g = { 16, 1, 1, 0 };
    eq("domu-setup-gsi-refused", physdev(PHYSDEVOP_setup_gsi, &g), -EPERM);
    uint8_t bd[2] = { 0, 0 };
    eq("domu-manage-pci-add-refused", physdev(PHYSDEVOP_manage_pci_add, bd), -EPERM);
    eq("domu-restore-msi-refused", physdev(PHYSDEVOP_restore_msi, bd), -EPERM);
    struct pci_dev_add a = { 0, 0, 0, 0, 0, 0, 0 };
    eq("domu-pci-device-add-refused", physdev(PHYSDEVOP_pci_device_add, &a), -EPERM);
    struct evtchn_bind_pirq b = { 16, 0, 0x1234 };
    eq("domu-bind-pirq-refused", evtchn(EVTCHNOP_bind_pirq, &b), -EPERM);
    check(b.port == 0x1234, "domu-bind-pirq-untouched", "port", b.port, 0x1234);
}

/* MSI-X: the test's QEMU has a virtio-rng-pci at 00:05.0 (list-pv.cmake),
 * whose MSI-X table lies in a memory BAR.  The hypervisor finds the table
 * itself, writes entry 0's message and unmasks it; unmapping masks it.
 * The entry is read through a read-only mapping of the table's page at
 * va (the scratch page, given back after). */
static void msix_checks(uint64_t va, uint64_t own_mfn)
{
    const unsigned dev = 5 << 3;
    unsigned cap = cfg_read(dev, 0x34) & 0xfc, n = 0;
    while (cap >= 0x40 && (cfg_read(dev, cap) & 0xff) != 0x11 && n++ < 48)
        cap = (cfg_read(dev, cap) >> 8) & 0xfc;
    int found = cap >= 0x40 && (cfg_read(dev, 0) & 0xffff) == 0x1af4;
    check(found, "dom0-msix-device", "capability", cap, 0x40);
    if (!found)
        return;
    unsigned size = ((cfg_read(dev, cap) >> 16) & 0x7ff) + 1;
    uint32_t tbl = cfg_read(dev, cap + 4), bar = cfg_read(dev, 0x10 + 4 * (tbl & 7));
    uint64_t base = bar & ~0xfull;
    if (((bar >> 1) & 3) == 2)
        base |= (uint64_t)cfg_read(dev, 0x14 + 4 * (tbl & 7)) << 32;
    uint64_t entry0 = base + (tbl & ~7u);
    struct map_pirq m = { DOMID_SELF_, 0, MAP_PIRQ_TYPE_MSI_SEG, -1, -1, 0, (int32_t)dev, 0, 0, base };
    eq("dom0-map-msix", physdev(PHYSDEVOP_map_pirq, &m), 0);
    int32_t xp = m.pirq;
    check(xp >= 24 && xp < 256, "dom0-map-msix-pirq", "pirq", (uint64_t)xp, 255);
    m.pirq = -1;
    eq("dom0-map-msix-twice", physdev(PHYSDEVOP_map_pirq, &m), -EEXIST);
    m.entry_nr = (int32_t)size;
    eq("dom0-map-msix-entry-beyond", physdev(PHYSDEVOP_map_pirq, &m), -EINVAL);
    m.entry_nr = 1;
    m.table_base = 0;
    eq("dom0-map-msi-on-msix-device", physdev(PHYSDEVOP_map_pirq, &m), -ENODEV);
    struct map_pirq m1 = { DOMID_SELF_, 0, MAP_PIRQ_TYPE_MSI_SEG, -1, -1, 0, (int32_t)dev, 1, 0, base };
    if (size > 1) {
        eq("dom0-map-msix-entry-1", physdev(PHYSDEVOP_map_pirq, &m1), 0);
        check(m1.pirq != xp, "dom0-map-msix-entry-1-own-pirq", "pirq", (uint64_t)m1.pirq, (uint64_t)xp);
    }
    /* Entry 0 as the device sees it. */
    eq("dom0-msix-table-maps", map_at(va, (entry0 & ~0xfffull) | 0x21), 0);
    volatile uint32_t *e = (volatile uint32_t *)(va + (entry0 & 0xfff));
    uint32_t addr = e[0], data = e[2], ctl = e[3];
    check((addr & 0xfff00000u) == 0xfee00000u, "dom0-msix-address-programmed", "address", addr, 0xfee00000u);
    check(data >= 0x40 && data <= 0xdf, "dom0-msix-data-vector", "data", data, 0x40);
    check(!(ctl & 1), "dom0-msix-entry-unmasked", "vector control", ctl, 0);
    struct unmap_pirq u = { DOMID_SELF_, 0, xp };
    eq("dom0-unmap-msix", physdev(PHYSDEVOP_unmap_pirq, &u), 0);
    check(e[3] & 1, "dom0-unmap-msix-masks", "vector control", e[3], 1);
    if (size > 1) {
        u.pirq = m1.pirq;
        eq("dom0-unmap-msix-entry-1", physdev(PHYSDEVOP_unmap_pirq, &u), 0);
    }
    eq("dom0-msix-own-frame-back", map_at(va, own_mfn << 12 | 0x23), 0);
}

static void privileged_pirq(uint64_t spare_mfn, uint64_t va, uint64_t own_mfn)
{
    int32_t pirq = 0;
    /* A PCI GSI (q35 routes INTx to 16-23): its pirq is its number. */
    eq("dom0-map-gsi", map_gsi(16, -1, &pirq), 0);
    check(pirq == 16, "dom0-map-gsi-pirq", "pirq", (uint64_t)pirq, 16);
    eq("dom0-map-gsi-again", map_gsi(16, 16, &pirq), 0);
    eq("dom0-map-gsi-other-pirq", map_gsi(16, 40, NULL), -EINVAL);
    /* Hostile: the UART's and the PIT's lines are the hypervisor's; no
     * such GSI; an unknown type; another domain's pirq. */
    eq("dom0-map-uart-gsi-refused", map_gsi(4, -1, NULL), -EPERM);
    eq("dom0-map-pit-gsi-refused", map_gsi(2, -1, NULL), -EPERM);
    eq("dom0-map-gsi-out-of-range", map_gsi(100000, -1, NULL), -EINVAL);
    eq("dom0-map-gsi-negative", map_gsi(-5, -1, NULL), -EINVAL);
    struct map_pirq m = { 3, 0, MAP_PIRQ_TYPE_GSI, 17, -1, 0, 0, 0, 0, 0 };
    eq("dom0-map-for-other-domain", physdev(PHYSDEVOP_map_pirq, &m), -EPERM);
    m = (struct map_pirq){ DOMID_SELF_, 0, 99, 17, -1, 0, 0, 0, 0, 0 };
    eq("dom0-map-bad-type", physdev(PHYSDEVOP_map_pirq, &m), -EINVAL);

    struct irq_status q = { 16, 0 };
    eq("dom0-irq-status", physdev(PHYSDEVOP_irq_status_query, &q), 0);
    check(q.flags == 1, "dom0-irq-status-level-needs-eoi", "flags", q.flags, 1);
    q = (struct irq_status){ 17, 0 };
    eq("dom0-irq-status-unmapped", physdev(PHYSDEVOP_irq_status_query, &q), -EINVAL);
    q = (struct irq_status){ 100000, 0 };
    eq("dom0-irq-status-out-of-range", physdev(PHYSDEVOP_irq_status_query, &q), -EINVAL);
    struct setup_gsi g = { 16, 1, 1, 0 };
    eq("dom0-setup-gsi", physdev(PHYSDEVOP_setup_gsi, &g), 0);
    g.gsi = 4;
    eq("dom0-setup-uart-gsi-refused", physdev(PHYSDEVOP_setup_gsi, &g), -EPERM);
    g.gsi = 100000;
    eq("dom0-setup-gsi-out-of-range", physdev(PHYSDEVOP_setup_gsi, &g), -EINVAL);

    /* The EOI bitmap: a page of ours, once; not a frame of someone else. */
    uint64_t bad = 0x100;
    eq("dom0-eoi-gmfn-foreign-refused", physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, &bad), -EINVAL);
    eq("dom0-eoi-gmfn", physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, &spare_mfn), 0);
    eq("dom0-eoi-gmfn-twice", physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, &spare_mfn), -EBUSY);

    /* Bind: a port in state pirq; a second bind of the same pirq, an
     * unmapped one and one out of range refused. */
    struct evtchn_bind_pirq b = { 16, 1 /* WILL_SHARE */, 0 };
    eq("dom0-bind-pirq", evtchn(EVTCHNOP_bind_pirq, &b), 0);
    uint32_t port = b.port;
    check(port > 0, "dom0-bind-pirq-port", "port", port, 1);
    b = (struct evtchn_bind_pirq){ 16, 0, 0 };
    eq("dom0-bind-pirq-twice", evtchn(EVTCHNOP_bind_pirq, &b), -EEXIST);
    b = (struct evtchn_bind_pirq){ 17, 0, 0 };
    eq("dom0-bind-pirq-unmapped", evtchn(EVTCHNOP_bind_pirq, &b), -EINVAL);
    b = (struct evtchn_bind_pirq){ 100000, 0, 0 };
    eq("dom0-bind-pirq-out-of-range", evtchn(EVTCHNOP_bind_pirq, &b), -EINVAL);
    struct evtchn_status st = { DOMID_SELF_, 0, port, 0, 0, { .pirq = 0 } };
    eq("dom0-pirq-port-status", evtchn(EVTCHNOP_status, &st), 0);
    check(st.status == EVTCHNSTAT_pirq && st.u.pirq == 16, "dom0-pirq-port-state", "status", st.status,
          EVTCHNSTAT_pirq);
    struct unmap_pirq u = { DOMID_SELF_, 0, 16 };
    eq("dom0-unmap-bound-busy", physdev(PHYSDEVOP_unmap_pirq, &u), -EBUSY);
    uint32_t irq = 16;
    eq("dom0-eoi", physdev(PHYSDEVOP_eoi, &irq), 0);
    irq = 100000;
    eq("dom0-eoi-out-of-range", physdev(PHYSDEVOP_eoi, &irq), -EINVAL);
    struct evtchn_close c = { port };
    eq("dom0-pirq-port-close", evtchn(EVTCHNOP_close, &c), 0);
    eq("dom0-unmap-gsi", physdev(PHYSDEVOP_unmap_pirq, &u), 0);
    eq("dom0-unmap-gsi-again", physdev(PHYSDEVOP_unmap_pirq, &u), -EINVAL);

    /* MSI: q35's AHCI controller (00:1f.2) has an MSI capability; the
     * hypervisor writes its address and data, and dom0's own writes to
     * them are dropped.  The host bridge has none. */
    (void)pci_id00();           /* IOPL 1 for the port accesses */
    const unsigned ahci = 0x1f << 3 | 2;
    m = (struct map_pirq){ DOMID_SELF_, 0, MAP_PIRQ_TYPE_MSI_SEG, -1, -1, 0, 0, 0, 0, 0 };
    eq("dom0-map-msi-no-capability", physdev(PHYSDEVOP_map_pirq, &m), -ENODEV);
    m = (struct map_pirq){ DOMID_SELF_, 0, MAP_PIRQ_TYPE_MSI_SEG, -1, -1, 1 << 16, (int32_t)ahci, 0, 0, 0 };
    eq("dom0-map-msi-segment-1", physdev(PHYSDEVOP_map_pirq, &m), -ENODEV);
    m = (struct map_pirq){ DOMID_SELF_, 0, MAP_PIRQ_TYPE_MSI_SEG, -1, -1, 0, (int32_t)ahci, 0, 0, 0xfebf0000u };
    eq("dom0-map-msix-no-capability", physdev(PHYSDEVOP_map_pirq, &m), -ENODEV);
    m = (struct map_pirq){ DOMID_SELF_, 0, MAP_PIRQ_TYPE_MULTI_MSI, -1, -1, 0, (int32_t)ahci, 4, 0, 0 };
    eq("dom0-map-multi-msi-not-yet", physdev(PHYSDEVOP_map_pirq, &m), -EOPNOTSUPP);
    m = (struct map_pirq){ DOMID_SELF_, 0, MAP_PIRQ_TYPE_MSI_SEG, -1, -1, 0, (int32_t)ahci, 0, 0, 0 };
    eq("dom0-map-msi", physdev(PHYSDEVOP_map_pirq, &m), 0);
    int32_t mp = m.pirq;
    check(mp >= 24 && mp < 256, "dom0-map-msi-pirq", "pirq", (uint64_t)mp, 255);
    m.pirq = -1;
    eq("dom0-map-msi-twice", physdev(PHYSDEVOP_map_pirq, &m), -EEXIST);
    unsigned cap = cfg_read(ahci, 0x34) & 0xfc, n = 0;
    while (cap >= 0x40 && (cfg_read(ahci, cap) & 0xff) != 5 && n++ < 48)
        cap = (cfg_read(ahci, cap) >> 8) & 0xfc;
    uint32_t addr = cap >= 0x40 ? cfg_read(ahci, cap + 4) : 0;
    int is64 = (cfg_read(ahci, cap) & (0x80u << 16)) != 0;
    uint32_t data = cfg_read(ahci, cap + (is64 ? 0xc : 8)) & 0xffff;
    check((addr & 0xfff00000u) == 0xfee00000u, "dom0-msi-address-programmed", "address", addr, 0xfee00000u);
    check(data >= 0x40 && data <= 0xdf, "dom0-msi-data-vector", "data", data, 0x40);
    cfg_write(ahci, cap + 4, 0xfee0f000u);
    check(cfg_read(ahci, cap + 4) == addr, "dom0-msi-address-write-dropped", "address", cfg_read(ahci, cap + 4), addr);
    uint8_t rb[2] = { 0, (uint8_t)ahci };
    eq("dom0-restore-msi", physdev(PHYSDEVOP_restore_msi, rb), 0);
    /* dom0 enables MSI itself (control bit 0: not a protected register);
     * unmapping the pirq turns it off again. */
    cfg_write(ahci, cap, cfg_read(ahci, cap) | 1u << 16);
    check(cfg_read(ahci, cap) & 1u << 16, "dom0-msi-enable-by-dom0", "control", cfg_read(ahci, cap) >> 16, 1);
    u.pirq = mp;
    eq("dom0-unmap-msi", physdev(PHYSDEVOP_unmap_pirq, &u), 0);
    check(!(cfg_read(ahci, cap) & 1u << 16), "dom0-unmap-msi-disables", "control", cfg_read(ahci, cap) >> 16, 0);
    outl_(0xcf8, 0);

    msix_checks(va, own_mfn);

    /* The device list: the host bridge added (twice is fine), nothing at
     * 00:1f.7 or in segment 1. */
    struct pci_dev_add a = { 0, 0, 0, 0, 0, 0, 0 };
    eq("dom0-pci-device-add", physdev(PHYSDEVOP_pci_device_add, &a), 0);
    eq("dom0-pci-device-add-again", physdev(PHYSDEVOP_pci_device_add, &a), 0);
    a.devfn = 0x1f << 3 | 7;
    eq("dom0-pci-device-add-absent", physdev(PHYSDEVOP_pci_device_add, &a), -ENODEV);
    a = (struct pci_dev_add){ 1, 0, 0, 0, 0, 0, 0 };
    eq("dom0-pci-device-add-segment-1", physdev(PHYSDEVOP_pci_device_add, &a), -ENODEV);
    uint8_t bd[2] = { 0, 0 };
    eq("dom0-manage-pci-add", physdev(PHYSDEVOP_manage_pci_add, bd), 0);
}

static int has_word(const struct start_info *si, const char *w)
{
    const char *c = (const char *)si->cmd_line;
    for (unsigned i = 0; i < sizeof(si->cmd_line) && c[i]; i++) {
        unsigned j = 0;
        while (w[j] && i + j < sizeof(si->cmd_line) && c[i + j] == w[j])
            j++;
        if (!w[j])
            return 1;
    }
    return 0;
}

void pv_main(const struct start_info *si)
{
    /* A page of ours after the boot page tables (as pv_boot), remapped
     * by the frame tests and given its own frame back at the end. */
    uint64_t pt_pfn = (si->pt_base - VIRT_BASE) >> 12;
    uint64_t pfn = pt_pfn + si->nr_pt_frames + 3;
    uint64_t va = VIRT_BASE + (pfn << 12);
    uint64_t own_mfn = ((const uint64_t *)si->mfn_list)[pfn];

    name = (si->flags & SIF_INITDOMAIN) ? "dom0" : "domU";
    put("pv_dom0: running as ");
    put(name);
    flush();
    if (has_word(si, "down")) {
        put("pv_dom0: powering off at once");
        flush();
        shutdown(SHUTDOWN_poweroff);
    }
    if (has_word(si, "spin")) {
        put("pv_dom0: spinning until the host goes down");
        flush();
        for (;;)
            hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    }
    if (si->flags & SIF_INITDOMAIN) {
        privileged(si, va, own_mfn);
        /* The EOI bitmap: the page after the scratch one (plain RAM of ours). */
        privileged_pirq(((const uint64_t *)si->mfn_list)[pfn + 1], va, own_mfn);
    } else {
        unprivileged(si, va);
        unprivileged_pirq();
    }
    pv_finish();
}
