/*
 * `rv create`'s HVM domain builder (docs/toolstack.md "An HVM domain from
 * dom0"): a multiboot kernel started directly, without firmware, exactly
 * as the hypervisor's boot path starts one from a boot module
 * (src/hvm/loader.c), with the same pure code for every byte the guest
 * reads:
 *
 *   - the kernel planned by src/hvm/kernel_image.c (multiboot1/2 ELF or
 *     binary, a flat *.bin), its segments copied where the plan says;
 *   - the multiboot information page built by src/hvm/mb_info.c at the
 *     address it picks (0x8000 unless the kernel is there), EAX the loader
 *     magic, EBX that page;
 *   - the ACPI tables of src/hvm/acpi_build.c in the BIOS area (RSDP at
 *     0xE0000, the HPET table included: the domain has the HPET) and the
 *     BIOS data area's EBDA segment and base-memory words;
 *   - vCPU 0 in flat 32-bit protected mode, paging off, at the entry
 *     (XEN_DOMCTL_sethvmcontext); the others wait for INIT/SIPI.
 *
 * The calls: createdomain with CDF_hvm|CDF_hap and libxl's HVM emulation
 * flags (XEN_X86_EMU_ALL minus VPCI), max_mem, populate_physmap of RAM
 * [0, memory) (the BIOS area is RAM in this layout, mm/e820.h), one
 * foreign mapping of [0, the end of what is written), sethvmcontext, the
 * xenstore/console pages and entries (rv_domu.c, the pages just above
 * RAM: outside the guest's memory map), unpause.  Any failure after
 * createdomain destroys the half-built domain.
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
#include "hvm/kernel_image.h"
#include "hvm/mb_info.h"
#include "hvm/platform.h"
#include "mm/e820.h"

#define PG                  4096ull
#define HVM_MEM_MAX_MIB     3072        /* as PVH: well below the chipset window */
/* The BIOS area the ACPI builder fills: the RSDP page and the tables after
 * it (the boot path's scratch, hvm/loader.c). */
#define ACPI_SCRATCH        (GPA_ACPI_TABLES - GPA_ACPI_RSDP + 0x2000)

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !memcmp(s + a - b, suffix, b);
}

/* A Linux bzImage: the setup header's "HdrS" at 0x202 (boot protocol). */
static bool is_bzimage(const uint8_t *p, size_t n)
{
    return n > 0x206 && !memcmp(p + 0x202, "HdrS", 4);
}

/* Everything the guest will read, computed without the hypervisor. */
struct hvm_plan {
    struct kimg_plan k;
    uint64_t mem, info_gpa, map_end;
    uint8_t info[MBINFO_SIZE];
    uint8_t acpi[ACPI_SCRATCH];
    size_t acpi_len;
};

static int plan_hvm(const struct pvh_build_req *req, struct hvm_plan *p, char *err, size_t errlen)
{
    if (req->memory_mib == 0 || req->memory_mib > HVM_MEM_MAX_MIB) {
        snprintf(err, errlen, "memory = %llu: an HVM domain from dom0 takes 1-%u MiB here (not yet more)",
                 (unsigned long long)req->memory_mib, HVM_MEM_MAX_MIB);
        return -1;
    }
    if (is_bzimage(req->kernel, req->kernel_size)) {
        snprintf(err, errlen, "a Linux bzImage as an HVM kernel from dom0: not yet (multiboot kernels only; "
                 "type = \"pvh\" boots it)");
        return -1;
    }
    p->mem = req->memory_mib << 20;
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
    if (mbinfo_build(p->info, kimg_is_mb2(p->k.format), p->info_gpa, p->mem, req->cmdline ? req->cmdline : "")) {
        snprintf(err, errlen, "command line of %zu bytes: at most %u here", strlen(req->cmdline),
                 MBINFO_CMDLINE_MAX - 1);
        return -1;
    }
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
    uint64_t end = GPA_ACPI_RSDP + p->acpi_len;
    if (p->k.highest > end)
        end = p->k.highest;
    if (p->info_gpa + MBINFO_SIZE > end)
        end = p->info_gpa + MBINFO_SIZE;
    p->map_end = (end + PG - 1) & ~(PG - 1);
    return 0;
}

/* Writes the plan into the domain through one mapping of [0, map_end). */
static int load(struct rc_handle *h, uint16_t domid, const struct pvh_build_req *req, const struct hvm_plan *p,
                char *err, size_t errlen)
{
    uint64_t n = p->map_end / PG;
    uint64_t *gfns = malloc(n * sizeof(*gfns));
    if (!gfns) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (uint64_t i = 0; i < n; i++)
        gfns[i] = i;
    int ferr = 0;
    uint8_t *m = rc_map_foreign(h, domid, gfns, (uint32_t)n, &ferr);
    free(gfns);
    if (!m) {
        snprintf(err, errlen, "mapping the domain's low memory (privcmd MMAPBATCH_V2): %s", strerror(errno));
        return -1;
    }
    for (unsigned i = 0; i < p->k.nr_segs; i++) {
        const struct kimg_seg *s = &p->k.segs[i];
        memcpy(m + s->gpa, (const uint8_t *)req->kernel + s->file_off, s->file_size);
        memset(m + s->gpa + s->file_size, 0, s->mem_size - s->file_size);
    }
    memcpy(m + p->info_gpa, p->info, MBINFO_SIZE);
    memcpy(m + GPA_ACPI_RSDP, p->acpi, p->acpi_len);
    uint16_t seg = mbinfo_bda_ebda_seg(), kib = mbinfo_bda_base_kib();
    memcpy(m + BDA_EBDA_SEG, &seg, 2);
    memcpy(m + BDA_BASE_KIB, &kib, 2);
    rc_unmap_foreign(m, (uint32_t)n);
    return 0;
}

/* vCPU 0 as the boot path starts a multiboot kernel (hvm/loader.c
 * loader_init_vcpu): flat 4 GiB code 0x10 and data 0x18, paging off,
 * GDTR/IDTR base 0 limit 0xffff, interrupts off, EAX the loader's magic,
 * EBX the information page. */
static int set_context(struct rc_handle *h, uint16_t domid, const struct hvm_plan *p, char *err, size_t errlen)
{
    return rv_start_flat32(h, domid, p->k.entry, kimg_is_mb2(p->k.format) ? MB2_LOADER_MAGIC : MB1_LOADER_MAGIC,
                           (uint32_t)p->info_gpa, 0xffff, 0xffff, err, errlen);
}

int rv_build_hvm(struct rc_handle *h, const struct pvh_build_req *req, uint16_t *domid_out, char *err, size_t errlen)
{
    static struct hvm_plan p;       /* 16 KiB: not on the stack */
    uint64_t t0 = rv_now_us();

    memset(&p, 0, sizeof(p));
    if (plan_hvm(req, &p, err, errlen))
        return -1;
    if (!h)
        return 0;                   /* checks only */
    uint16_t domid;
    long rc = rc_create_hvm_domain(h, req->vcpus, &domid);
    if (rc < 0)
        return rv_build_fail(err, errlen, "XEN_DOMCTL_createdomain (HVM)", rc);
    int progress = req->memory_mib >= 2 * RV_BUILD_PROGRESS_MIB;
    if ((rc = rc_max_mem(h, domid, (req->memory_mib << 10) + req->extra_pages * 4ull)) < 0)
        rv_build_fail(err, errlen, "XEN_DOMCTL_max_mem", rc);
    else if (!rv_populate(h, domid, p.mem / PG, progress, NULL, err, errlen) &&
             !load(h, domid, req, &p, err, errlen) && !set_context(h, domid, &p, err, errlen) &&
             !(req->before_unpause && req->before_unpause(h, domid, req->ctx, err, errlen))) {
        rc = rc_domain_simple(h, XEN_DOMCTL_unpausedomain, domid);
        if (rc >= 0) {
            *domid_out = domid;
            if (req->verbose)
                printf("rv create: d%u: HVM, %llu MiB, %u vCPU(s), %s kernel %#llx-%#llx entry %#llx, multiboot "
                       "info at %#llx, ACPI at %#llx; built in %llu ms\n",
                       domid, (unsigned long long)req->memory_mib, req->vcpus, kimg_format_name(p.k.format),
                       (unsigned long long)p.k.lowest, (unsigned long long)p.k.highest,
                       (unsigned long long)p.k.entry, (unsigned long long)p.info_gpa,
                       (unsigned long long)GPA_ACPI_RSDP, (unsigned long long)((rv_now_us() - t0) / 1000));
            return 0;
        }
        rv_build_fail(err, errlen, "XEN_DOMCTL_unpausedomain", rc);
    }
    rc_domain_simple(h, XEN_DOMCTL_destroydomain, domid);
    rv_build_pvh_failed_domid = domid;
    return -1;
}
