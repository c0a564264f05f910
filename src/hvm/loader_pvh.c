/*
 * The PVH domain builder: a kernel with a XEN_ELFNOTE_PHYS32_ENTRY note is
 * loaded by its ELF program headers and entered in 32-bit protected mode
 * with EBX = struct hvm_start_info (include/public/hvm.h; the protocol is
 * the one Xen documents for PVH guests, docs/pvh.md here).  The kernel may
 * be a plain ELF or a Linux bzImage, whose compressed payload is that ELF:
 * it is unpacked into a temporary hypervisor buffer first.
 *
 * Every failure is this domain's alone: a corrupt payload, an ELF without
 * the note, segments outside RAM or a missing initrd end in one line in err.
 */
#include "hvm/loader_pvh.h"
#include "hvm/loader.h"
#include "hvm/pvh_image.h"
#include "hvm/acpi_build.h"
#include "mm/e820.h"
#include "hvm/platform.h"
#include "hvm/hvm.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "core/console.h"
#include "boot/bootinfo.h"
#include "lib/decompress.h"
#include "mm/mm.h"
#include "lib/fmt.h"
#include "arch/x86/time.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "public/hvm.h"
#include "public/console.h"

/* An unpacked kernel larger than this is refused before allocating: no
 * PVH kernel comes near it, and a hostile size field must not drain the
 * allocator. */
#define PVH_UNPACK_MAX      MiB(512)
#define ACPI_SCRATCH        (GPA_ACPI_END - GPA_ACPI_RSDP)

_Static_assert(PVH_START_INFO_GPA >= GPA_ACPI_END && PVH_AREA_END <= 0x100000, "PVH pages in the BIOS area");
_Static_assert(sizeof(struct xencons_interface) <= 4096, "console ring in one page");

/* Copies each planned segment and zeroes its bss part. */
static int copy_segments(struct domain *d, const void *elf, const struct kimg_plan *plan)
{
    static const char zeros[256];

    for (unsigned i = 0; i < plan->nr_segs; i++) {
        const struct kimg_seg *s = &plan->segs[i];
        if (hvm_copy_to_gphys(d, s->gpa, (const char *)elf + s->file_off, s->file_size))
            return -EFAULT;
        for (uint64_t off = s->file_size; off < s->mem_size; off += sizeof(zeros))
            if (hvm_copy_to_gphys(d, s->gpa + off, zeros, MIN(sizeof(zeros), s->mem_size - off)))
                return -EFAULT;
    }
    return 0;
}

static unsigned order_for(uint64_t bytes)
{
    unsigned order = 0;
    while ((4096ull << order) < bytes)
        order++;
    return order;
}

/* The kernel: the ELF itself, the ELF unpacked from a bzImage payload, or
 * the ELF unpacked from a whole file compressed with gzip or xz (a
 * vmlinux.gz: Xen's domain builder unpacks such files before looking at
 * them).  On success the segments are in guest RAM and *plan says where. */
static int load_kernel(struct domain *d, const void *image, size_t size, struct kimg_plan *plan, char *err,
                       size_t errlen)
{
    uint64_t ram = e820_lowmem_end(d->mem_bytes);
    const void *payload;
    size_t plen;
    int rc = pvh_bzimage_payload(image, size, &payload, &plen, err, errlen);
    const char *what = "the bzImage payload";

    if (rc == -ENOENT && decomp_detect(image, size) != DECOMP_NONE) {
        /* A compressed file: its content is the ELF. */
        payload = image;
        plen = size;
        what = "the compressed kernel";
        rc = 0;
    } else if (rc == -ENOENT) {
        /* Not a bzImage: a plain ELF. */
        if ((rc = pvh_elf_plan(image, size, ram, plan, err, errlen)))
            return rc;
        if (copy_segments(d, image, plan)) {
            fmt_snprintf(err, errlen, "pvh: copying the kernel into guest RAM failed");
            return -EFAULT;
        }
        return 0;
    }
    if (rc)
        return rc;

    enum decomp_format fmt = decomp_detect(payload, plen);
    const char *kind = payload == image ? "kernel" : "payload";    /* for messages */
    uint64_t out_size;
    if (fmt == DECOMP_NONE) {
        fmt_snprintf(err, errlen, "pvh: bzImage payload is neither gzip nor xz");
        return -ENOEXEC;
    }
    if (decomp_size(payload, plen, &out_size) || out_size == 0) {
        fmt_snprintf(err, errlen, "pvh: %s %s does not declare its size", decomp_format_name(fmt), kind);
        return -ENOEXEC;
    }
    if (out_size > PVH_UNPACK_MAX || out_size > d->mem_bytes) {
        fmt_snprintf(err, errlen, "pvh: %s %s unpacks to %lu MiB, more than %lu MiB allowed",
                     decomp_format_name(fmt), kind, (unsigned long)(out_size >> 20),
                     (unsigned long)(MIN(PVH_UNPACK_MAX, d->mem_bytes) >> 20));
        return -E2BIG;
    }
    unsigned order = order_for(out_size);
    void *out = alloc_pages(order, DOMID_XEN);
    void *work = xmalloc(DECOMP_WORK_SIZE, HEAP_HVM);
    if (!out || !work) {
        fmt_snprintf(err, errlen, "pvh: cannot allocate %lu MiB to unpack the kernel",
                     (unsigned long)((4096ull << order) >> 20));
        rc = -ENOMEM;
        goto out;
    }
    size_t out_len;
    char why[96];
    why[0] = 0;
    uint64_t t0 = now_ns();
    rc = decomp_run(payload, plen, out, 4096ull << order, &out_len, work, why, sizeof(why));
    uint64_t dt = now_ns() - t0;
    if (rc) {
        fmt_snprintf(err, errlen, "pvh: unpacking %s failed: %s", what, why[0] ? why : "corrupt");
        goto out;
    }
    if ((rc = pvh_elf_plan(out, out_len, ram, plan, err, errlen)))
        goto out;
    if (copy_segments(d, out, plan)) {
        fmt_snprintf(err, errlen, "pvh: copying the kernel into guest RAM failed");
        rc = -EFAULT;
        goto out;
    }
    domain_log(d, LOG_INFO, "pvh: %s %s unpacked: %lu KiB ELF\n", decomp_format_name(fmt), kind,
               (unsigned long)(out_len >> 10));
    /* The decoder's speed here (rv-bench's unpack figures): KiB in, KiB out, time. */
    domain_log(d, LOG_INFO, "pvh: unpack time: %lu KiB to %lu KiB in %lu.%03lu ms\n", (unsigned long)(plen >> 10),
               (unsigned long)(out_len >> 10), (unsigned long)(dt / 1000000), (unsigned long)(dt / 1000 % 1000));
out:
    xfree(work);
    if (out)
        free_pages(out, order);
    return rc;
}

/* True when [gpa, gpa + len) lies in one reserved entry of the map (what
 * the guest is promised about the builder's pages). */
static bool in_reserved(const struct e820_entry *e, unsigned n, uint64_t gpa, uint64_t len)
{
    for (unsigned i = 0; i < n; i++)
        if (e[i].type == E820_RESERVED && gpa >= e[i].addr && gpa + len <= e[i].addr + e[i].size)
            return true;
    return false;
}

/* The boot pages need the BIOS area to be RAM the map reserves. */
static bool pvh_area_fits(struct domain *d, char *err, size_t errlen)
{
    struct e820_entry e[E820_MAX_ENTRIES];
    unsigned ne = e820_build(d->mem_bytes, e);

    if (in_reserved(e, ne, GPA_ACPI_RSDP, PVH_AREA_END - GPA_ACPI_RSDP))
        return true;
    fmt_snprintf(err, errlen, "pvh: %lu KiB of RAM is too little for the boot pages below 1 MiB",
                 (unsigned long)(d->mem_bytes >> 10));
    return false;
}

/* The boot pages in the BIOS area: start info (rd_size 0: no module),
 * memory map, command line (NULL: none, cmdline_paddr 0) and an empty PV
 * console ring.  0, or a negative errno with one line in err. */
static int write_boot_pages(struct domain *d, const char *cmdline, uint64_t rd_gpa, uint64_t rd_size, char *err,
                            size_t errlen)
{
    struct e820_entry e[E820_MAX_ENTRIES];
    unsigned ne = e820_build(d->mem_bytes, e);
    /* Memory map: the HVM layout (e820.c); the builder's pages are inside
     * its reserved BIOS-area entry (pvh_area_fits, checked first). */
    struct hvm_memmap_table_entry mm[E820_MAX_ENTRIES];
    _Static_assert(E820_MAX_ENTRIES <= PVH_MEMMAP_MAX, "memory map fits its page");
    memset(mm, 0, sizeof(mm));
    for (unsigned i = 0; i < ne; i++) {
        mm[i].addr = e[i].addr;
        mm[i].size = e[i].size;
        mm[i].type = e[i].type;
    }
    const struct hvm_modlist_entry mod = { rd_gpa, rd_size, 0, 0 };
    const struct hvm_start_info si = {
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = 1,
        .flags = 0,
        .nr_modules = rd_size ? 1 : 0,
        .modlist_paddr = rd_size ? PVH_MODLIST_GPA : 0,
        .cmdline_paddr = cmdline ? PVH_CMDLINE_GPA : 0,
        .rsdp_paddr = GPA_ACPI_RSDP,
        .memmap_paddr = PVH_MEMMAP_GPA,
        .memmap_entries = ne,
    };
    static const uint8_t zero_page[4096];
    /* The page stays zeroed where nothing is written: a restarted domain
     * gets fresh RAM anyway, but the ring must start empty regardless. */
    if (hvm_copy_to_gphys(d, PVH_START_INFO_GPA, zero_page, sizeof(zero_page)) ||
        hvm_copy_to_gphys(d, PVH_CMDLINE_GPA, zero_page, sizeof(zero_page)) ||
        hvm_copy_to_gphys(d, PVH_CONSOLE_GPA, zero_page, sizeof(zero_page)) ||
        hvm_copy_to_gphys(d, PVH_START_INFO_GPA, &si, sizeof(si)) ||
        (rd_size && hvm_copy_to_gphys(d, PVH_MODLIST_GPA, &mod, sizeof(mod))) ||
        hvm_copy_to_gphys(d, PVH_MEMMAP_GPA, mm, ne * sizeof(mm[0])) ||
        (cmdline && hvm_copy_to_gphys(d, PVH_CMDLINE_GPA, cmdline, strlen(cmdline) + 1))) {
        fmt_snprintf(err, errlen, "pvh: writing the start info into guest RAM failed");
        return -EFAULT;
    }
    return 0;
}

/* What both starts share: vCPU 0 at entry with EBX the start info, the
 * console ring, the other vCPUs waiting for INIT/SIPI. */
static void started_at(struct loaded_kernel *lk, uint64_t entry)
{
    lk->entry = entry;
    lk->start_info_gpa = PVH_START_INFO_GPA;
    lk->console_gfn = PVH_CONSOLE_GPA >> 12;
    lk->aps_wait_for_sipi = true;
}

int loader_load_pvh(struct domain *d, const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods,
                    const struct boot_module *m, struct loaded_kernel *lk, char *err, size_t errlen)
{
    const void *image = phys_to_virt(m->start);
    size_t size = (size_t)(m->end - m->start);
    struct kimg_plan plan;
    int rc;

    /* The initrd is looked up first: a missing file is cheaper to report
     * than after unpacking the kernel. */
    const struct boot_module *rd;
    uint64_t rd_size;
    if ((rc = loader_find_ramdisk(cfg, mods, nr_mods, &rd, &rd_size, err, errlen)))
        return rc;
    if (strlen(cfg->cmdline) >= PVH_CMDLINE_MAX) {
        fmt_snprintf(err, errlen, "command line longer than %d bytes", PVH_CMDLINE_MAX - 1);
        return -E2BIG;
    }
    if (!pvh_area_fits(d, err, errlen))
        return -ENOMEM;

    if ((rc = load_kernel(d, image, size, &plan, err, errlen)))
        return rc;

    /* The initrd goes at the top of the RAM below 4 GiB, above the kernel
     * (the start info tells the guest where it is). */
    uint64_t rd_gpa = 0;
    if (rd) {
        uint64_t top = e820_lowmem_end(d->mem_bytes);
        uint64_t floor = ALIGN_UP(MAX(plan.highest, 0x100000ull), 4096);
        if (rd_size > top || ALIGN_DOWN(top - rd_size, 4096) < floor) {
            fmt_snprintf(err, errlen, "pvh: initrd of %lu KiB does not fit between the kernel's end %#lx and "
                         "the end of RAM %#lx", (unsigned long)(rd_size >> 10), (unsigned long)floor,
                         (unsigned long)top);
            return -ENOMEM;
        }
        rd_gpa = ALIGN_DOWN(top - rd_size, 4096);
        if (hvm_copy_to_gphys(d, rd_gpa, phys_to_virt(rd->start), rd_size)) {
            fmt_snprintf(err, errlen, "pvh: copying the initrd into guest RAM failed");
            return -EFAULT;
        }
    }
    if ((rc = write_boot_pages(d, cfg->cmdline, rd_gpa, rd ? rd_size : 0, err, errlen)))
        return rc;

    uint8_t *buf = xmalloc(ACPI_SCRATCH, HEAP_HVM);
    if (!buf) {
        fmt_snprintf(err, errlen, "out of memory while building the ACPI tables");
        return -ENOMEM;
    }
    rc = acpi_build_pvh_tables(buf, ACPI_SCRATCH, GPA_ACPI_RSDP, cfg->vcpus, NULL);
    if (rc < 0) {
        fmt_snprintf(err, errlen, "ACPI tables for %u vCPUs: error %d", cfg->vcpus, rc);
    } else if (hvm_copy_to_gphys(d, GPA_ACPI_RSDP, buf, (size_t)rc)) {
        fmt_snprintf(err, errlen, "guest RAM does not back the BIOS area for the ACPI tables");
        rc = -EFAULT;
    } else {
        rc = 0;
    }
    xfree(buf);
    if (rc)
        return rc;

    lk->pvh = true;
    started_at(lk, plan.entry);
    domain_log(d, LOG_INFO, "pvh: kernel %#lx-%#lx, entry %#lx, initrd %#lx+%#lx, start info %#lx\n",
               (unsigned long)plan.lowest, (unsigned long)plan.highest, (unsigned long)plan.entry,
               (unsigned long)rd_gpa, (unsigned long)rd_size, (unsigned long)PVH_START_INFO_GPA);
    return 0;
}

int loader_load_firmware(struct domain *d, const struct boot_module *m, struct loaded_kernel *lk, char *err,
                         size_t errlen)
{
    const void *image = phys_to_virt(m->start);
    size_t size = (size_t)(m->end - m->start);
    struct kimg_plan plan;
    int rc;

    if (!pvh_area_fits(d, err, errlen))
        return -ENOMEM;
    if ((rc = fw_elf_plan(image, size, e820_lowmem_end(d->mem_bytes), &plan, err, errlen)))
        return rc;
    if (copy_segments(d, image, &plan)) {
        fmt_snprintf(err, errlen, "firmware: copying the image into guest RAM failed");
        return -EFAULT;
    }
    /* As libxenguest for hvmloader: a start info in EBX (no modules, no
     * command line), the PV console ring in HVM_PARAM_CONSOLE_PFN. */
    if ((rc = write_boot_pages(d, NULL, 0, 0, err, errlen)))
        return rc;
    lk->firmware = true;
    started_at(lk, plan.entry);
    domain_log(d, LOG_INFO, "firmware: %#lx-%#lx, entry %#lx, start info %#lx\n", (unsigned long)plan.lowest,
               (unsigned long)plan.highest, (unsigned long)plan.entry, (unsigned long)PVH_START_INFO_GPA);
    return 0;
}

/* Segment attributes in the VMCB packing (hvm/vendor.h): type, S, DPL, P in
 * bits 0-7; AVL, L, D/B, G in bits 8-11. */
void loader_init_vcpu_pvh(struct vcpu *v, const struct loaded_kernel *lk)
{
    /* Xen's PVH entry state (public/hvm.h): flat 4 GiB 32-bit code (type
     * 0xb, D/B = 1, G = 1) and data, a busy 32-bit TSS in TR (VM entry
     * wants a usable one: SDM vol. 3 26.3.1.2), paging off, CR0 = PE | ET,
     * CR4 = 0, EFER = 0; EBX = the start info.  GDTR/IDTR are undefined by
     * the protocol: the kernel loads its own before using them. */
    const struct hvm_start_state st = {
        .cs = { 0x10, 0xc9b, 0xffffffff, 0 },
        .data = { 0x18, 0xc93, 0xffffffff, 0 },
        .tr = { 0, 0x8b, 0x67, 0 },
        .ldtr = { 0, 0x82, 0xffff, 0 },
        .gdtr = { 0, 0, 0xffff, 0 },
        .idtr = { 0, 0, 0xffff, 0 },
        .cr0 = 0x11,            /* PE | ET */
        .cr4 = 0,
        .efer = 0,
        .rip = lk->entry,
    };
    hvm_set_start_state(v, &st);
    v->regs.rbx = lk->start_info_gpa;
}
