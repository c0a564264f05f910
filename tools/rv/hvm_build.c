/*
 * `rv create`'s HVM domain builder (docs/toolstack.md "An HVM domain from
 * dom0"): a kernel started directly, without firmware, exactly as the
 * hypervisor's boot path starts one from a boot module (src/hvm/loader.c),
 * with the same pure code for every byte the guest reads:
 *
 *   - a Linux bzImage (xl's direct kernel boot of an HVM guest: kernel,
 *     ramdisk, cmdline) laid out by src/hvm/bz_boot.c: the protected-mode
 *     kernel, the initrd, the command line, the zero page with the e820
 *     table, the boot GDT and identity page tables; vCPU 0 at the 64-bit
 *     entry in long mode (or, for a kernel without one, the 32-bit entry
 *     with paging off), RSI the zero page;
 *   - or a multiboot kernel planned by src/hvm/kernel_image.c (multiboot1/2
 *     ELF or binary, a flat *.bin), its segments copied where the plan
 *     says, and the multiboot information page built by src/hvm/mb_info.c
 *     at the address it picks (0x8000 unless the kernel is there), EAX the
 *     loader magic, EBX that page, flat 32-bit protected mode, paging off;
 *   - or, for firmware_override (xl's replacement for hvmloader, as XTF's
 *     HVM tests are given), an ELF planned by src/hvm/pvh_image.c's
 *     fw_elf_plan, loaded at p_paddr, with an hvm_start_info (no modules,
 *     no command line, the memory map, the RSDP) at 0xF0000 as the boot
 *     path writes it (hvm/loader_pvh.c), EBX that page, flat 32-bit
 *     protected mode, paging off, entered at e_entry;
 *   - either way the ACPI tables of src/hvm/acpi_build.c in the BIOS area
 *     (RSDP at 0xE0000, the HPET table included: the domain has the HPET)
 *     and the BIOS data area's EBDA segment and base-memory words; the
 *     other vCPUs wait for INIT/SIPI.
 *
 * The calls: createdomain with CDF_hvm|CDF_hap (CDF_hvm alone for hap = 0:
 * shadow paging) and libxl's HVM emulation flags (XEN_X86_EMU_ALL minus
 * VPCI), max_mem, populate_physmap of RAM
 * [0, memory) (the BIOS area is RAM in this layout, mm/e820.h),
 * set_memory_map (that layout: the hypervisor's memory size for the
 * domain, its CMOS bytes as a boot-built domain's), foreign
 * mappings of the pages each piece lands in, sethvmcontext, the
 * xenstore/console pages and entries (rv_domu.c, the pages just above
 * RAM: outside the guest's memory map), unpause.  Everything the file can
 * get wrong (a corrupt bzImage, a ramdisk that does not fit) is found by
 * the plan, before createdomain; any failure after it destroys the
 * half-built domain.
 */
#include "hvm_build.h"
#include "ringctl.h"
#include "build_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "public/hvm_save.h"
#include "hvm/acpi_build.h"
#include "hvm/bz_boot.h"
#include "hvm/kernel_image.h"
#include "hvm/mb_info.h"
#include "hvm/platform.h"
#include "hvm/pvh_image.h"
#include "mm/e820.h"
#include "public/hvm.h"

#define PG                  4096ull
#define HVM_MEM_MAX_MIB     3072        /* as PVH: well below the chipset window */
/* The BIOS area the ACPI builder fills: the RSDP page and the tables after
 * it (the boot path's scratch, hvm/loader.c). */
#define ACPI_SCRATCH        (GPA_ACPI_TABLES - GPA_ACPI_RSDP + 0x2000)
/* firmware_override: the start info page, where the boot path puts it
 * (hvm/loader_pvh.h PVH_START_INFO_GPA: inside the reserved BIOS area). */
#define FW_START_INFO_GPA   0xf0000ull
#define FW_MEMMAP_OFF       0x80

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !memcmp(s + a - b, suffix, b);
}

/* Everything the guest will read, computed without the hypervisor. */
struct hvm_plan {
    bool bz;                    /* a Linux bzImage: bzb; else a multiboot kernel or firmware: k */
    bool fw;                    /* firmware_override: k from fw_elf_plan, the start info in info[] */
    struct bz_boot bzb;
    struct kimg_plan k;
    uint64_t mem, info_gpa;
    uint8_t info[MBINFO_SIZE];
    uint8_t acpi[ACPI_SCRATCH];
    size_t acpi_len;
};

static int plan_kernel(const struct pvh_build_req *req, struct hvm_plan *p, char *err, size_t errlen)
{
    const char *cmdline = req->cmdline ? req->cmdline : "";
    /* A Linux setup header is recognized first, as the boot path does: a
     * bzImage's boot sector could otherwise pass for a flat binary. */
    if (bz_detect(req->kernel, req->kernel_size)) {
        p->bz = true;
        if (req->ramdisk && !req->ramdisk_size) {
            snprintf(err, errlen, "the ramdisk file is empty");
            return -1;
        }
        return bz_boot_build(&p->bzb, req->kernel, req->kernel_size, p->mem, req->ramdisk, req->ramdisk_size, cmdline,
                             GPA_ACPI_RSDP, err, errlen) ? -1 : 0;
    }
    if (req->firmware) {
        if (req->ramdisk) {
            snprintf(err, errlen, "ramdisk = with firmware_override: the firmware takes no modules here");
            return -1;
        }
        char why[200];
        if (fw_elf_plan(req->kernel, req->kernel_size, e820_lowmem_end(p->mem), &p->k, why, sizeof(why))) {
            snprintf(err, errlen, "%s", why);
            return -1;
        }
        /* The start info page: as the boot path's (no modules, no command
         * line), the memory map after it. */
        struct e820_entry e[E820_MAX_ENTRIES];
        unsigned n = e820_build(p->mem, e);
        struct hvm_memmap_table_entry mm[E820_MAX_ENTRIES];
        memset(mm, 0, sizeof(mm));
        for (unsigned i = 0; i < n; i++)
            mm[i] = (struct hvm_memmap_table_entry){ .addr = e[i].addr, .size = e[i].size, .type = e[i].type };
        const struct hvm_start_info si = { .magic = XEN_HVM_START_MAGIC_VALUE, .version = 1,
                                           .rsdp_paddr = GPA_ACPI_RSDP,
                                           .memmap_paddr = FW_START_INFO_GPA + FW_MEMMAP_OFF, .memmap_entries = n };
        _Static_assert(FW_MEMMAP_OFF + sizeof(mm) <= MBINFO_SIZE, "the memory map fits the page");
        memcpy(p->info, &si, sizeof(si));
        memcpy(p->info + FW_MEMMAP_OFF, mm, n * sizeof(mm[0]));
        p->info_gpa = FW_START_INFO_GPA;
        p->fw = true;
        return 0;
    }
    if (req->ramdisk) {
        snprintf(err, errlen, "ramdisk = with a multiboot kernel: multiboot modules are not offered yet (a Linux "
                 "bzImage takes one)");
        return -1;
    }
    char why[200];
    if (kimg_plan(req->kernel, req->kernel_size, e820_lowmem_end(p->mem),
                  req->kernel_name && ends_with(req->kernel_name, ".bin"), &p->k, why, sizeof(why))) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    p->info_gpa = mbinfo_pick_gpa(&p->k, e820_lowmem_end(p->mem));
    if (!p->info_gpa) {
        snprintf(err, errlen, "kernel at %#llx-%#llx leaves no free page for the multiboot information",
                 (unsigned long long)p->k.lowest, (unsigned long long)p->k.highest);
        return -1;
    }
    if (mbinfo_build(p->info, kimg_is_mb2(p->k.format), p->info_gpa, p->mem, cmdline)) {
        snprintf(err, errlen, "command line of %zu bytes: at most %u here", strlen(cmdline), MBINFO_CMDLINE_MAX - 1);
        return -1;
    }
    return 0;
}

static int plan_hvm(const struct pvh_build_req *req, struct hvm_plan *p, char *err, size_t errlen)
{
    if (req->memory_mib == 0 || req->memory_mib > HVM_MEM_MAX_MIB) {
        snprintf(err, errlen, "memory = %llu: an HVM domain from dom0 takes 1-%u MiB here (not yet more)",
                 (unsigned long long)req->memory_mib, HVM_MEM_MAX_MIB);
        return -1;
    }
    p->mem = req->memory_mib << 20;
    if (plan_kernel(req, p, err, errlen))
        return -1;
    int rc = acpi_build_tables(p->acpi, sizeof(p->acpi), GPA_ACPI_RSDP, req->vcpus, true, NULL);
    if (rc < 0) {
        snprintf(err, errlen, "ACPI tables for %u vCPU(s): error %d (at most %u vCPUs)", req->vcpus, rc,
                 ACPI_BUILD_MAX_VCPUS);
        return -1;
    }
    p->acpi_len = (size_t)rc;
    if (p->mem < GPA_ACPI_RSDP + p->acpi_len) {
        snprintf(err, errlen, "memory = %llu MiB does not back the BIOS area's ACPI tables",
                 (unsigned long long)req->memory_mib);
        return -1;
    }
    return 0;
}

/* Writes the plan into the domain: each piece through a mapping of the
 * pages it lands in (a bzImage's kernel and initrd are megabytes apart). */
static int load(struct rc_handle *h, uint16_t domid, const struct pvh_build_req *req, const struct hvm_plan *p,
                char *err, size_t errlen)
{
    if (p->bz) {
        for (unsigned i = 0; i < p->bzb.nr_pieces; i++) {
            const struct bz_piece *c = &p->bzb.pieces[i];
            if (rv_copy_in(h, domid, c->gpa, c->src, c->len, 0, "memory for the bzImage", err, errlen))
                return -1;
        }
    } else {
        for (unsigned i = 0; i < p->k.nr_segs; i++) {
            const struct kimg_seg *s = &p->k.segs[i];
            if (rv_copy_in(h, domid, s->gpa, (const uint8_t *)req->kernel + s->file_off, s->file_size,
                           s->mem_size - s->file_size, "memory for the kernel", err, errlen))
                return -1;
        }
        if (rv_copy_in(h, domid, p->info_gpa, p->info, MBINFO_SIZE, 0,
                       p->fw ? "start info page" : "multiboot information page", err, errlen))
            return -1;
    }
    uint16_t seg = mbinfo_bda_ebda_seg(), kib = mbinfo_bda_base_kib();
    if (rv_copy_in(h, domid, GPA_ACPI_RSDP, p->acpi, p->acpi_len, 0, "BIOS area", err, errlen) ||
        rv_copy_in(h, domid, BDA_EBDA_SEG, &seg, 2, 0, "BIOS data area", err, errlen) ||
        rv_copy_in(h, domid, BDA_BASE_KIB, &kib, 2, 0, "BIOS data area", err, errlen))
        return -1;
    return 0;
}

/* The memory map the guest is given (mm/e820.h, as in the zero page and
 * the multiboot maps), handed to the hypervisor too: XENMEM_memory_map and
 * the CMOS memory size then say what a boot-built domain's say. */
static int set_memory_map(struct rc_handle *h, uint16_t domid, const struct hvm_plan *p, char *err, size_t errlen)
{
    struct e820_entry e[E820_MAX_ENTRIES];
    uint64_t ent[E820_MAX_ENTRIES][3];
    unsigned n = e820_build(p->mem, e);
    for (unsigned i = 0; i < n; i++) {
        ent[i][0] = e[i].addr;
        ent[i][1] = e[i].size;
        ent[i][2] = e[i].type;
    }
    long rc = rc_set_memory_map(h, domid, (const uint64_t (*)[3])ent, n);
    return rc < 0 ? rv_build_fail(err, errlen, "XENMEM_set_memory_map", rc) : 0;
}

/* vCPU 0 as the boot path starts the kernel (hvm/loader.c
 * loader_init_vcpu).  A bzImage: the boot GDT loaded, __BOOT_CS 64-bit in
 * long mode (CR3 the identity tables) or 32-bit with paging off, RSI the
 * zero page, RSP the boot stack, IDTR empty.  A multiboot kernel: flat 4
 * GiB code 0x10 and data 0x18, paging off, GDTR/IDTR base 0 limit 0xffff,
 * EAX the loader's magic, EBX the information page.  Interrupts off. */
static int set_context(struct rc_handle *h, uint16_t domid, const struct hvm_plan *p, char *err, size_t errlen)
{
    if (p->fw)      /* the PVH entry state, as the boot path starts firmware (TR limit 0x67, EAX 0) */
        return rv_start_flat32(h, domid, p->k.entry, 0, (uint32_t)p->info_gpa, 0x67, 0xffff, err, errlen);
    if (!p->bz)
        return rv_start_flat32(h, domid, p->k.entry,
                               kimg_is_mb2(p->k.format) ? MB2_LOADER_MAGIC : MB1_LOADER_MAGIC, (uint32_t)p->info_gpa,
                               0xffff, 0xffff, err, errlen);
    const struct bz_boot *b = &p->bzb;
    bool lm = b->plan.entry64;
    struct rv_cpu_start s = {
        .rip = b->plan.entry, .rsi = b->zero_page_gpa, .rsp = b->stack_top,
        .cr0 = lm ? 0x80000011 : 0x11,      /* PG | ET | PE, or PE | ET */
        .cr3 = b->cr3, .cr4 = lm ? 0x20 : 0 /* PAE */, .efer = lm ? 0x500 : 0 /* LME | LMA */,
        .code_ar = lm ? 0xa09b : 0xc09b,    /* L, or D/B; G, P, S, execute/read accessed */
        .tr_limit = 0x67, .gdtr_base = b->gdt_gpa, .gdtr_limit = sizeof(b->gdt) - 1, .idtr_limit = 0,
    };
    return rv_start_hvm_cpu(h, domid, &s, err, errlen);
}

int rv_build_hvm(struct rc_handle *h, const struct pvh_build_req *req, uint16_t *domid_out, char *err, size_t errlen)
{
    static struct hvm_plan p;       /* ~50 KiB: not on the stack */
    uint64_t t0 = rv_now_us();

    memset(&p, 0, sizeof(p));
    if (plan_hvm(req, &p, err, errlen))
        return -1;
    if (!h)
        return 0;                   /* checks only */
    uint16_t domid;
    long rc = rc_create_hvm_domain(h, req->vcpus, !req->shadow, &domid);
    if (rc < 0)
        return rv_build_fail(err, errlen, "XEN_DOMCTL_createdomain (HVM)", rc);
    int progress = req->memory_mib >= 2 * RV_BUILD_PROGRESS_MIB;
    if ((rc = rc_max_mem(h, domid, (req->memory_mib << 10) + req->extra_pages * 4ull)) < 0)
        rv_build_fail(err, errlen, "XEN_DOMCTL_max_mem", rc);
    else if (!rv_populate(h, domid, p.mem / PG, progress, NULL, err, errlen) &&
             !set_memory_map(h, domid, &p, err, errlen) && !load(h, domid, req, &p, err, errlen) &&
             !set_context(h, domid, &p, err, errlen) &&
             !(req->before_unpause && req->before_unpause(h, domid, req->ctx, err, errlen))) {
        rc = rc_domain_simple(h, XEN_DOMCTL_unpausedomain, domid);
        if (rc >= 0) {
            *domid_out = domid;
            unsigned long long ms = (rv_now_us() - t0) / 1000;
            if (req->verbose && p.bz)
                printf("rv create: d%u: HVM%s, %llu MiB, %u vCPU(s), bzImage protocol %u.%02u, kernel %#llx+%#llx "
                       "(init_size %#llx), initrd %#llx+%#llx, %s entry %#llx, zero page %#llx, ACPI at %#llx; "
                       "built in %llu ms\n",
                       domid, req->shadow ? " (shadow paging)" : "", (unsigned long long)req->memory_mib,
                       req->vcpus, p.bzb.plan.version >> 8,
                       p.bzb.plan.version & 0xff, (unsigned long long)p.bzb.plan.load_gpa,
                       (unsigned long long)p.bzb.plan.kernel_size, (unsigned long long)p.bzb.plan.init_size,
                       (unsigned long long)p.bzb.plan.initrd_gpa, (unsigned long long)p.bzb.plan.initrd_size,
                       p.bzb.plan.entry64 ? "64-bit" : "32-bit", (unsigned long long)p.bzb.plan.entry,
                       (unsigned long long)p.bzb.zero_page_gpa, (unsigned long long)GPA_ACPI_RSDP, ms);
            else if (req->verbose && p.fw)
                printf("rv create: d%u: HVM%s, %llu MiB, %u vCPU(s), firmware %#llx-%#llx entry %#llx, start info at "
                       "%#llx, ACPI at %#llx; built in %llu ms\n",
                       domid, req->shadow ? " (shadow paging)" : "", (unsigned long long)req->memory_mib,
                       req->vcpus, (unsigned long long)p.k.lowest, (unsigned long long)p.k.highest,
                       (unsigned long long)p.k.entry, (unsigned long long)p.info_gpa,
                       (unsigned long long)GPA_ACPI_RSDP, ms);
            else if (req->verbose)
                printf("rv create: d%u: HVM%s, %llu MiB, %u vCPU(s), %s kernel %#llx-%#llx entry %#llx, multiboot "
                       "info at %#llx, ACPI at %#llx; built in %llu ms\n",
                       domid, req->shadow ? " (shadow paging)" : "", (unsigned long long)req->memory_mib,
                       req->vcpus, kimg_format_name(p.k.format),
                       (unsigned long long)p.k.lowest, (unsigned long long)p.k.highest,
                       (unsigned long long)p.k.entry, (unsigned long long)p.info_gpa,
                       (unsigned long long)GPA_ACPI_RSDP, ms);
            return 0;
        }
        rv_build_fail(err, errlen, "XEN_DOMCTL_unpausedomain", rc);
    }
    rc_domain_simple(h, XEN_DOMCTL_destroydomain, domid);
    rv_build_pvh_failed_domid = domid;
    return -1;
}
