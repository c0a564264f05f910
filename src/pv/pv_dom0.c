/*
 * The initial domain's privileged interfaces (docs/dom0.md): the host's
 * memory map (XENMEM_machine_memory_map), platform_op, the physdev_op
 * operations Linux's dom0 path makes at boot, and which machine frames that
 * are not RAM (device memory, firmware areas, ACPI tables) dom0 may map.
 *
 * Every entry point refuses a domain that is not the initial domain
 * (domain_is_privileged) before it reads anything of the caller's.
 *
 * What the hypervisor keeps for itself, whatever dom0 asks: all RAM it did
 * not give to dom0 (the frames are not even addressable through these
 * paths: only frames with no byte of host RAM are I/O frames), the local
 * APICs' page, the I/O APICs (their pages and their registers: apic_read
 * and apic_write are refused, Linux then uses built-in defaults), the HPET
 * it calibrates from, and the serial port (pv_emul.c's port policy).
 *
 * Numbers and layouts are those of Xen's public headers (platform.h,
 * physdev.h, memory.h); the definitions below are written from them.
 */
#include "pv/pv.h"
#include "pv/pv_emul.h"
#include "core/domain.h"
#include "core/domctl.h"
#include "core/console.h"
#include "core/guest_access.h"
#include "core/percpu.h"
#include "core/time_info.h"
#include "arch/x86/acpi.h"
#include "arch/x86/acpi_tables.h"
#include "arch/x86/asm.h"
#include "arch/x86/uart.h"
#include "boot/bootinfo.h"
#include "lib/errno.h"
#include "mm/mm.h"
#include "mm/frame.h"
#include "lib/string.h"
#include "public/memory.h"
#include "pv/pv_pirq.h"

/* ---- The host's memory map ------------------------------------------------ */

/* (i) copied once on the boot CPU (pv_dom0_host_map_init), read-only after. */
static struct mem_region host_map[BOOT_MAX_MMAP];
static unsigned nr_host_map;

void pv_dom0_host_map_init(const struct boot_info *bi)
{
    nr_host_map = MIN(bi->nr_mmap, (unsigned)BOOT_MAX_MMAP);
    memcpy(host_map, bi->mmap, nr_host_map * sizeof(host_map[0]));
}

/* XENMEM_machine_memory_map: the host's e820 as the boot loader gave it
 * (sanitized: sorted, no overlaps), as many entries as the caller has room
 * for. */
static long machine_memory_map(struct vcpu *v, uint64_t arg)
{
    struct xen_memory_map m;
    unsigned n = 0;

    if (copy_from_guest(v, &m, arg, sizeof(m)))
        return -EFAULT;
    for (; n < nr_host_map && n < m.nr_entries; n++) {
        uint8_t rec[20];        /* addr, size, type: packed */
        memcpy(rec, &host_map[n].base, 8);
        memcpy(rec + 8, &host_map[n].len, 8);
        memcpy(rec + 16, &host_map[n].type, 4);
        if (copy_to_guest(v, m.buffer + (uint64_t)n * sizeof(rec), rec, sizeof(rec)))
            return -EFAULT;
    }
    m.nr_entries = n;
    return copy_to_guest(v, arg, &m, sizeof(m)) ? -EFAULT : 0;
}

bool pv_dom0_memory_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret)
{
    if (cmd == XENMEM_set_memory_map) {
        /* Another domain's map, for its builder (core/domctl_build.c). */
        *ret = domain_is_privileged(v->domain) ? domctl_set_memory_map(v, arg) : -EPERM;
        return true;
    }
    if (cmd != XENMEM_machine_memory_map)
        return false;
    *ret = domain_is_privileged(v->domain) ? machine_memory_map(v, arg) : -EPERM;
    return true;
}

/* ---- I/O frames ----------------------------------------------------------- */

static bool page_overlaps(uint64_t mfn, uint64_t base, uint64_t len)
{
    uint64_t lo = mfn << 12, hi = lo + 4096;
    return len && base < hi && lo < base + len;
}

static bool page_inside(uint64_t mfn, uint64_t base, uint64_t len)
{
    uint64_t lo = mfn << 12;
    return base <= lo && lo + 4096 <= base + len;
}

/*
 * Whether the initial domain may map machine frame mfn as device or
 * firmware memory (only its page-table environment asks: pv_kind.c installs
 * the hook for it alone).  Yes if no byte of the page is host RAM, or,
 * below 1 MiB only, if the page is partly RAM; in both cases the frame
 * table must have it reserved and unowned (the allocator takes whole RAM
 * pages only), so it is never a frame of the hypervisor or of a domain.
 * Linux needs the partial page holding the EBDA (RAM up to 0x9fc00, say),
 * which it maps 1:1 as every non-RAM pfn (Xen gives dom0 the whole first
 * MiB as I/O memory).  Further: below the 40-bit frame number limit, and
 * none of the interrupt controllers or the timer the hypervisor drives.
 * The answer depends only on mfn (reserved frames stay reserved): a
 * mapping accepted is released under the same rule (mm/pgtype.c io_frame).
 */
bool pv_dom0_io_frame(uint64_t mfn)
{
    if (mfn >= (1ull << 40))
        return false;
    for (unsigned i = 0; i < nr_host_map; i++)
        if (host_map[i].type == MEM_RAM && page_overlaps(mfn, host_map[i].base, host_map[i].len) &&
            (mfn >= 0x100 || page_inside(mfn, host_map[i].base, host_map[i].len)))
            return false;
    uint64_t nr_frames;
    const struct frame *ft = mm_frame_table(&nr_frames);
    if (mfn < nr_frames && (!(ft[mfn].flags & FRAME_F_RESERVED) || ft[mfn].owner != DOMID_INVALID))
        return false;           /* a frame the allocator or the hypervisor has: never I/O */
    uint64_t lapic = acpi_info.lapic_addr ? acpi_info.lapic_addr : 0xfee00000u;
    if (page_overlaps(mfn, lapic, 4096) || page_overlaps(mfn, acpi_info.hpet_addr, 1024))
        return false;
    for (unsigned i = 0; i < acpi_info.nr_ioapics && i < ACPI_MAX_IOAPICS; i++)
        if (page_overlaps(mfn, acpi_info.ioapics[i].addr, 4096))
            return false;
    if (page_overlaps(mfn, 0xfec00000u, 4096))     /* the usual I/O APIC address, even without a MADT */
        return false;
    return true;
}

bool pv_dom0_ro_frame(uint64_t mfn)
{
    /* Same rules as an I/O frame (never RAM, never a frame of anyone's),
     * but only the HPET's page: the AML of QEMU's DSDT reads the HPET's
     * id and period to answer its _STA, and a read cannot disturb the
     * counter the hypervisor uses. */
    if (!acpi_info.hpet_addr || !page_overlaps(mfn, acpi_info.hpet_addr, 1024) || mfn >= (1ull << 40))
        return false;
    for (unsigned i = 0; i < nr_host_map; i++)
        if (host_map[i].type == MEM_RAM && page_overlaps(mfn, host_map[i].base, host_map[i].len))
            return false;
    uint64_t nr_frames;
    const struct frame *ft = mm_frame_table(&nr_frames);
    return mfn >= nr_frames || ((ft[mfn].flags & FRAME_F_RESERVED) && ft[mfn].owner == DOMID_INVALID);
}

/* ---- platform_op ------------------------------------------------------------ */

#define XENPF_INTERFACE_VERSION 0x03000001u
#define XENPF_settime32         17
#define XENPF_firmware_info     50
#define XENPF_get_cpuinfo       55
#define XENPF_settime64         62

#define XEN_PCPU_FLAGS_ONLINE   1u
#define XEN_PCPU_FLAGS_INVALID  2u

struct xen_platform_op {
    uint32_t cmd;
    uint32_t interface_version;
    union {
        struct { uint32_t secs, nsecs; uint64_t system_time; } settime32;
        struct { uint64_t secs; uint32_t nsecs, mbz; uint64_t system_time; } settime64;
        struct { uint32_t xen_cpuid, max_present, flags, apic_id, acpi_id; } pcpuinfo;
        uint8_t pad[128];
    } u;
};
_Static_assert(sizeof(struct xen_platform_op) == 136, "xen_platform_op layout");

static long platform_settime(struct vcpu *v, uint64_t secs, uint32_t nsecs, uint64_t system_time)
{
    /* Up to 2^33 s (year 2242): secs * 10^9 stays far inside 64 bits. */
    if (nsecs >= 1000000000u || secs >= (1ull << 33))
        return -EINVAL;
    /* The wall clock every domain reads is the host RTC's (time_info.c):
     * dom0's correction moves that base for all domains. */
    time_info_settime(v->domain, secs, nsecs, system_time);
    return 0;
}

long platform_op(struct vcpu *v, uint64_t arg)
{
    struct xen_platform_op op;

    if (!domain_is_privileged(v->domain))
        return -EPERM;
    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XENPF_INTERFACE_VERSION)
        return -EACCES;
    switch (op.cmd) {
    case XENPF_settime32:
        return platform_settime(v, op.u.settime32.secs, op.u.settime32.nsecs, op.u.settime32.system_time);
    case XENPF_settime64:
        if (op.u.settime64.mbz)
            return -EINVAL;
        return platform_settime(v, op.u.settime64.secs, op.u.settime64.nsecs, op.u.settime64.system_time);
    case XENPF_get_cpuinfo: {
        /* Physical CPUs by the hypervisor's logical number. */
        uint32_t c = op.u.pcpuinfo.xen_cpuid, max = 0;
        for (unsigned i = 0; i < RV_MAX_CPUS; i++)
            if (percpu_of[i])
                max = i;
        op.u.pcpuinfo.max_present = max;
        if (c >= RV_MAX_CPUS || !percpu_of[c]) {
            op.u.pcpuinfo.flags = XEN_PCPU_FLAGS_INVALID;
            op.u.pcpuinfo.apic_id = op.u.pcpuinfo.acpi_id = 0;
        } else {
            op.u.pcpuinfo.flags = READ_ONCE(percpu_of[c]->online) ? XEN_PCPU_FLAGS_ONLINE : 0;
            op.u.pcpuinfo.apic_id = percpu_of[c]->apic_id;
            /* The MADT entry with this APIC id (logical numbers need not
             * follow the MADT's order). */
            op.u.pcpuinfo.acpi_id = c;
            for (unsigned i = 0; i < acpi_info.nr_cpus && i < ACPI_MAX_CPUS; i++)
                if (acpi_info.cpus[i].apic_id == percpu_of[c]->apic_id)
                    op.u.pcpuinfo.acpi_id = acpi_info.cpus[i].acpi_uid;
        }
        return copy_to_guest(v, arg, &op, sizeof(op)) ? -EFAULT : 0;
    }
    case XENPF_firmware_info:
        /* No EDD, MBR signature, VBE/DDC, EFI or keyboard data was
         * collected at boot: each query fails as Xen's does without it. */
        return -ESRCH;
    default:
        return -ENOSYS;
    }
}

/* ---- physdev_op ------------------------------------------------------------- */

#define PHYSDEVOP_apic_read     8
#define PHYSDEVOP_apic_write    9

/* The privileged physdev_op operations (pv_emul.c handles set_iopl and
 * set_iobitmap, which every PV domain has).  Returns false for an
 * operation not handled here. */
bool pv_dom0_physdev_op(struct vcpu *v, unsigned cmd, uint64_t arg, long *ret)
{
    switch (cmd) {
    case PHYSDEVOP_apic_read:
    case PHYSDEVOP_apic_write:
        /* The hypervisor owns the I/O APICs (it routes the UART's
         * interrupt through them); dom0 gets no access to their
         * registers.  Linux then reads its built-in defaults. */
        *ret = -EPERM;
        return true;
    default:
        /* pirqs, EOIs, GSI set-up, MSI, the device list (pv_pirq.c) */
        return pv_pirq_physdev_op(v, cmd, arg, ret);
    }
}

/* ---- I/O ports ---------------------------------------------------------------- */

/* Ports the hypervisor keeps from dom0: its interrupt and timer hardware,
 * the RTC it reads the host clock from, the machine-reset and power
 * controls (dom0 powers off or reboots through SCHEDOP_shutdown, which takes
 * the host down in order), QEMU's debug-exit port (the run's verdict), and
 * every legacy serial port (the hypervisor's console is one of them; the
 * others are kept too, so that dom0's 8250 probe cannot disturb it). */
static bool port_kept(uint16_t port, unsigned size)
{
    static const struct { uint16_t lo, hi; } kept[] = {
        { 0x20, 0x21 }, { 0xa0, 0xa1 }, { 0x4d0, 0x4d1 },       /* PICs, ELCR */
        { 0x40, 0x43 }, { 0x61, 0x61 },                         /* PIT, port B */
        { 0x60, 0x60 }, { 0x64, 0x64 },                         /* i8042 (its reset line) */
        { 0x70, 0x71 },                                         /* RTC / CMOS */
        { 0xf4, 0xf7 },                                         /* QEMU isa-debug-exit */
        { 0x2e8, 0x2ef }, { 0x2f8, 0x2ff }, { 0x3e8, 0x3ef }, { 0x3f8, 0x3ff },   /* COM4, COM2, COM3, COM1 */
    };
    uint32_t last = (uint32_t)port + size - 1;

    /* The reset control register is the byte at 0xcf9; a dword at 0xcf8
     * is the PCI configuration address, which dom0 may write. */
    if (port <= 0xcf9 && last >= 0xcf9 && !(port == 0xcf8 && size == 4))
        return true;

    for (unsigned i = 0; i < ARRAY_SIZE(kept); i++)
        if (port <= kept[i].hi && last >= kept[i].lo)
            return true;
    uint16_t base = uart_base();
    if (base && port <= base + 7 && last >= base)
        return true;
    /* The ACPI PM1 control blocks (S5 writes power the host off). */
    uint32_t cnt[2] = { acpi_info.pm1a_cnt_blk, acpi_info.pm1b_cnt_blk };
    for (unsigned i = 0; i < 2; i++)
        if (cnt[i] && port <= cnt[i] + 1 && last >= cnt[i])
            return true;
    return false;
}

bool pv_dom0_port_in(const struct domain *d, uint16_t port, unsigned size, uint32_t *val)
{
    if (!domain_is_privileged(d) || port_kept(port, size))
        return false;
    if (port >= 0xcf8 && port <= 0xcff)
        *val = pv_pci_port_in(port, size);      /* serialized with the hypervisor's own */
    else
        *val = in_sized(port, size);
    return true;
}

bool pv_dom0_port_out(const struct domain *d, uint16_t port, unsigned size, uint32_t val)
{
    if (!domain_is_privileged(d) || port_kept(port, size))
        return false;
    if (port >= 0xcf8 && port <= 0xcff) {
        pv_pci_port_out(port, size, val);       /* MSI address/data filtered */
        return true;
    }
    out_sized(port, size, val);
    return true;
}
