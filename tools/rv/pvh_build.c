/*
 * `rv create`'s PVH domain builder, in dom0's user space as Xen's
 * libxenguest (docs/toolstack.md "Building a domain from dom0"):
 *
 *   1. the kernel: an ELF (32- or 64-bit; rv.c has already unpacked a
 *      bzImage or a gzip/xz file with kimage.c) with the
 *      XEN_ELFNOTE_PHYS32_ENTRY note (18, owner "Xen"); its PT_LOAD segments
 *      go at their physical addresses;
 *   2. XEN_DOMCTL_createdomain (PVH, paused, no memory), max_mem;
 *   3. XENMEM_populate_physmap naming it: RAM from gfn 0 up, 2 MiB extents
 *      where aligned, 4 KiB ones at the ends;
 *   4. the pages the image, the ramdisk and the start info touch, mapped
 *      here through privcmd (MMAPBATCH_V2), filled, unmapped;
 *   5. struct hvm_start_info at 0x1000 (version 1: the memory map is in it,
 *      which Linux reads before asking XENMEM_memory_map; the ramdisk as
 *      module 0; the command line), the ACPI tables in their own page,
 *      XEN_DOMCTL_sethvmcontext with vCPU 0 in flat 32-bit protected mode
 *      at the entry, EBX = 0x1000;
 *   6. unpausedomain.
 * Any failure after createdomain destroys the half-built domain.
 *
 * Guest layout (docs/toolstack.md "A Debian PVH domU from dom0"):
 *
 *   [0, memory)               RAM: start info page 0x1000, the kernel
 *                             (PVH kernels load at 1 MiB and up), the
 *                             ramdisk at the top, page aligned
 *   [memory, +extra pages)    the toolstack's (console, xenstore: rv_domu.c)
 *   next page                 the ACPI tables (RSDP first, then DSDT, FADT,
 *                             MADT, XSDT, RSDT): the hypervisor's own
 *                             builder (src/hvm/acpi_build.c) placed here
 *
 * The pages above RAM are one reserved entry of the memory map.  Linux
 * needs the tables to find its vCPUs (MADT) and to power off (the FADT is
 * hardware-reduced as libxl makes it for PVH: its sleep control register
 * with \_S5 is how the guest turns itself off).
 */
#include "pvh_build.h"
#include "ringctl.h"
#include "build_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "public/hvm.h"
#include "public/hvm_save.h"
#include "hvm/acpi_build.h"

#define PG                  4096ull
#define START_INFO_GPA      0x1000ull
#define MODLIST_GPA         0x1040ull       /* one struct hvm_modlist_entry (32 bytes) */
#define MEMMAP_GPA          0x1060ull       /* two struct hvm_memmap_table_entry (24 bytes each) */
#define CMDLINE_GPA         0x1100ull
#define CMDLINE_MAX         (PG - (CMDLINE_GPA - START_INFO_GPA))     /* with its NUL */
#define ACPI_PAGES          1               /* enough for ACPI_BUILD_MAX_VCPUS (asserted by the unit test) */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PVH_MEM_MAX_MIB     3072        /* below the local APIC and I/O APIC pages */

/* ---- the ELF image ---- */

struct seg {
    uint64_t paddr, off, filesz, memsz;
};

struct image {
    const uint8_t *data;
    size_t size;
    struct seg segs[16];
    unsigned nr;
    uint64_t entry, lo, hi;
};

static int rd(const struct image *im, uint64_t off, void *out, size_t n)
{
    if (off > im->size || n > im->size - off)
        return -1;
    memcpy(out, im->data + off, n);
    return 0;
}

/* Reads the program headers of a 32- or 64-bit ELF: segments and the
 * PHYS32 entry note.  0, or -1 with a reason in err. */
static int parse_elf(struct image *im, char *err, size_t errlen)
{
    const uint8_t *e = im->data;
    if (im->size < 52 || memcmp(e, "\177ELF", 4)) {
        snprintf(err, errlen, "not an ELF file");
        return -1;
    }
    int is64 = e[4] == 2;
    if ((e[4] != 1 && e[4] != 2) || e[5] != 1) {
        snprintf(err, errlen, "not a little-endian 32/64-bit ELF");
        return -1;
    }
    uint64_t phoff = 0;
    uint16_t phentsize = 0, phnum = 0;
    if (is64) {
        if (im->size < 64) {
            snprintf(err, errlen, "truncated ELF header");
            return -1;
        }
        memcpy(&phoff, e + 32, 8);
        memcpy(&phentsize, e + 54, 2);
        memcpy(&phnum, e + 56, 2);
    } else {
        uint32_t o;
        memcpy(&o, e + 28, 4);
        phoff = o;
        memcpy(&phentsize, e + 42, 2);
        memcpy(&phnum, e + 44, 2);
    }
    if (phentsize != (is64 ? 56 : 32) || phnum == 0 || phnum > 64) {
        snprintf(err, errlen, "bad program header table (%u entries of %u bytes)", phnum, phentsize);
        return -1;
    }
    im->entry = ~0ull;
    im->lo = ~0ull;
    im->hi = 0;
    for (unsigned i = 0; i < phnum; i++) {
        uint8_t ph[56];
        if (rd(im, phoff + (uint64_t)i * phentsize, ph, phentsize)) {
            snprintf(err, errlen, "program header %u outside the file", i);
            return -1;
        }
        uint32_t type;
        uint64_t off, paddr, filesz, memsz;
        memcpy(&type, ph, 4);
        if (is64) {
            memcpy(&off, ph + 8, 8);
            memcpy(&paddr, ph + 24, 8);
            memcpy(&filesz, ph + 32, 8);
            memcpy(&memsz, ph + 40, 8);
        } else {
            uint32_t v[5];
            memcpy(v, ph + 4, 20);   /* offset, vaddr, paddr, filesz, memsz */
            off = v[0];
            paddr = v[2];
            filesz = v[3];
            memsz = v[4];
        }
        if (off > im->size || filesz > im->size - off) {
            snprintf(err, errlen, "segment %u outside the file", i);
            return -1;
        }
        if (type == 1 && memsz) {          /* PT_LOAD */
            if (filesz > memsz || paddr + memsz < paddr || im->nr == 16) {
                snprintf(err, errlen, "segment %u: bad sizes or too many segments", i);
                return -1;
            }
            im->segs[im->nr++] = (struct seg){ paddr, off, filesz, memsz };
            if (paddr < im->lo)
                im->lo = paddr;
            if (paddr + memsz > im->hi)
                im->hi = paddr + memsz;
        } else if (type == 4) {            /* PT_NOTE: namesz, descsz, type, name, desc (4-aligned) */
            uint64_t p = off, end = off + filesz;
            while (end - p >= 12) {
                uint32_t h[3];
                memcpy(h, im->data + p, 12);
                uint64_t name = p + 12, desc = name + ((h[0] + 3ull) & ~3ull);
                uint64_t next = desc + ((h[1] + 3ull) & ~3ull);
                if (next > end || next <= p)
                    break;
                if (h[2] == XEN_ELFNOTE_PHYS32_ENTRY && h[0] == 4 && !memcmp(im->data + name, "Xen", 4) &&
                    (h[1] == 4 || h[1] == 8)) {
                    uint64_t v = 0;
                    memcpy(&v, im->data + desc, h[1]);
                    im->entry = v;
                }
                p = next;
            }
        }
    }
    if (!im->nr) {
        snprintf(err, errlen, "no loadable segment");
        return -1;
    }
    if (im->entry == ~0ull) {
        snprintf(err, errlen, "no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel");
        return -1;
    }
    if (im->entry >> 32) {
        snprintf(err, errlen, "PVH entry %#llx above 4 GiB", (unsigned long long)im->entry);
        return -1;
    }
    return 0;
}

/* ---- building ---- */

/* Where the ramdisk goes: the top of RAM, page aligned, above the kernel.
 * 0 and *gpa, or -1 with a reason. */
static int place_ramdisk(const struct image *im, size_t size, uint64_t mem, uint64_t *gpa, char *err, size_t errlen)
{
    uint64_t floor = (im->hi + PG - 1) & ~(PG - 1);
    if (size == 0) {
        snprintf(err, errlen, "the ramdisk file is empty");
        return -1;
    }
    if (size > mem || ((mem - size) & ~(PG - 1)) < floor) {
        snprintf(err, errlen, "ramdisk of %zu KiB does not fit between the kernel's end %#llx and the end of RAM "
                 "%#llx", size >> 10, (unsigned long long)floor, (unsigned long long)mem);
        return -1;
    }
    *gpa = (mem - size) & ~(PG - 1);
    return 0;
}

/* The ACPI tables of the page at acpi_gpa into buf (one page); -1 with err. */
static int make_acpi(void *buf, uint64_t acpi_gpa, unsigned vcpus, char *err, size_t errlen)
{
    int rc = acpi_build_pvh_tables_at(buf, ACPI_PAGES * PG, acpi_gpa, vcpus, NULL);
    if (rc < 0) {
        snprintf(err, errlen, "ACPI tables for %u vCPU(s) at %#llx: error %d (at most %u vCPUs)", vcpus,
                 (unsigned long long)acpi_gpa, rc, ACPI_BUILD_MAX_VCPUS);
        return -1;
    }
    return 0;
}

/* Copies the segments, the ramdisk, the start info and the ACPI tables into
 * the domain through foreign mappings of the pages they span. */
static int load(struct rc_handle *h, uint16_t domid, const struct image *im, const struct pvh_build_req *req,
                uint64_t mem, uint64_t rd_gpa, char *err, size_t errlen)
{
    uint64_t first = START_INFO_GPA / PG, n = (im->hi + PG - 1) / PG - first;
    uint8_t *m = rv_map_range(h, domid, first, n, "memory for the kernel", err, errlen);
    if (!m)
        return -1;
#define AT(gpa) (m + ((gpa) - START_INFO_GPA))
    for (unsigned i = 0; i < im->nr; i++) {
        const struct seg *s = &im->segs[i];
        memcpy(AT(s->paddr), im->data + s->off, s->filesz);
        memset(AT(s->paddr + s->filesz), 0, s->memsz - s->filesz);
    }
    struct hvm_start_info si = { .magic = XEN_HVM_START_MAGIC_VALUE, .version = 1 };
    /* RAM, then the toolstack's pages and the ACPI page (type 2: reserved,
     * as libxl marks its special pages so that the guest never takes them
     * for RAM). */
    uint64_t above = (req->extra_pages + ACPI_PAGES) * PG;
    struct hvm_memmap_table_entry mm[2] = { { .addr = 0, .size = mem, .type = 1 },
                                            { .addr = mem, .size = above, .type = 2 } };
    si.memmap_paddr = MEMMAP_GPA;
    si.memmap_entries = 2;
    si.rsdp_paddr = mem + req->extra_pages * PG;
    if (req->cmdline && req->cmdline[0]) {
        memcpy(AT(CMDLINE_GPA), req->cmdline, strlen(req->cmdline) + 1);     /* length checked */
        si.cmdline_paddr = CMDLINE_GPA;
    }
    if (req->ramdisk) {
        struct hvm_modlist_entry mod = { .paddr = rd_gpa, .size = req->ramdisk_size };
        memcpy(AT(MODLIST_GPA), &mod, sizeof(mod));
        si.modlist_paddr = MODLIST_GPA;
        si.nr_modules = 1;
    }
    memcpy(AT(START_INFO_GPA), &si, sizeof(si));
    memcpy(AT(MEMMAP_GPA), mm, sizeof(mm));
#undef AT
    rc_unmap_foreign(m, (uint32_t)n);

    if (req->ramdisk) {
        uint64_t rn = (req->ramdisk_size + PG - 1) / PG;
        if (!(m = rv_map_range(h, domid, rd_gpa / PG, rn, "memory for the ramdisk", err, errlen)))
            return -1;
        memcpy(m, req->ramdisk, req->ramdisk_size);
        memset(m + req->ramdisk_size, 0, rn * PG - req->ramdisk_size);
        rc_unmap_foreign(m, (uint32_t)rn);
    }

    /* The ACPI page: populated here (it is not RAM), filled, unmapped. */
    uint64_t acpi_gfn = si.rsdp_paddr / PG, gfns[ACPI_PAGES];
    for (unsigned i = 0; i < ACPI_PAGES; i++)
        gfns[i] = acpi_gfn + i;
    long rc = rc_populate(h, domid, gfns, ACPI_PAGES, 0, NULL);
    if (rc < 0)
        return rv_build_fail(err, errlen, "XENMEM_populate_physmap (the ACPI page)", rc);
    if (!(m = rv_map_range(h, domid, acpi_gfn, ACPI_PAGES, "ACPI page", err, errlen)))
        return -1;
    int bad = make_acpi(m, si.rsdp_paddr, req->vcpus, err, errlen);
    rc_unmap_foreign(m, ACPI_PAGES);
    return bad;
}

/* vCPU 0 at the PVH entry: a HEADER, the CPU record, END. */
static int set_context(struct rc_handle *h, uint16_t domid, uint64_t entry, char *err, size_t errlen)
{
    return rv_start_flat32(h, domid, entry, 0, START_INFO_GPA, 0x67, 0, err, errlen);
}

uint16_t rv_build_pvh_failed_domid;

int rv_build_pvh(struct rc_handle *h, const struct pvh_build_req *req, uint16_t *domid_out, char *err,
                 size_t errlen)
{
    struct image im = { .data = req->kernel, .size = req->kernel_size };
    uint64_t t0 = rv_now_us();

    if (req->memory_mib == 0 || req->memory_mib > PVH_MEM_MAX_MIB) {
        snprintf(err, errlen, "memory = %llu: a PVH domain from dom0 takes 1-%u MiB here (not yet more)",
                 (unsigned long long)req->memory_mib, PVH_MEM_MAX_MIB);
        return -1;
    }
    if (parse_elf(&im, err, errlen))
        return -1;
    uint64_t mem = req->memory_mib << 20;
    if (im.lo < START_INFO_GPA + PG || im.hi > mem) {
        snprintf(err, errlen, "kernel at %#llx-%#llx: outside 0x2000-%#llx (the start info is at 0x1000)",
                 (unsigned long long)im.lo, (unsigned long long)im.hi, (unsigned long long)mem);
        return -1;
    }
    if (req->cmdline && strlen(req->cmdline) >= CMDLINE_MAX) {
        snprintf(err, errlen, "command line of %zu bytes: at most %llu here", strlen(req->cmdline),
                 (unsigned long long)CMDLINE_MAX - 1);
        return -1;
    }
    uint64_t rd_gpa = 0;
    if (req->ramdisk && place_ramdisk(&im, req->ramdisk_size, mem, &rd_gpa, err, errlen))
        return -1;
    /* The tables are built once here too, so that what they refuse (too
     * many vCPUs) is said before any domain exists. */
    static uint8_t acpi_scratch[ACPI_PAGES * PG];
    if (make_acpi(acpi_scratch, mem + req->extra_pages * PG, req->vcpus, err, errlen))
        return -1;
    if (!h)
        return 0;                   /* checks only */
    uint16_t domid;
    long rc = rc_create_domain(h, req->vcpus, &domid);
    if (rc < 0)
        return rv_build_fail(err, errlen, "XEN_DOMCTL_createdomain", rc);
    int progress = req->memory_mib >= 2 * RV_BUILD_PROGRESS_MIB;
    if ((rc = rc_max_mem(h, domid, (req->memory_mib << 10) + (req->extra_pages + ACPI_PAGES) * 4ull)) < 0)
        rv_build_fail(err, errlen, "XEN_DOMCTL_max_mem", rc);
    else if (!rv_populate(h, domid, mem / PG, progress, NULL, err, errlen) &&
             !load(h, domid, &im, req, mem, rd_gpa, err, errlen) &&
             !set_context(h, domid, im.entry, err, errlen) &&
             !(req->before_unpause && req->before_unpause(h, domid, req->ctx, err, errlen))) {
        rc = rc_domain_simple(h, XEN_DOMCTL_unpausedomain, domid);
        if (rc >= 0) {
            *domid_out = domid;
            if (req->verbose)
                printf("rv create: d%u: PVH, %llu MiB, %u vCPU(s), kernel %#llx-%#llx entry %#llx, ramdisk %#llx+%#zx, "
                       "ACPI at %#llx; built in %llu ms\n",
                       domid, (unsigned long long)req->memory_mib, req->vcpus, (unsigned long long)im.lo,
                       (unsigned long long)im.hi, (unsigned long long)im.entry, (unsigned long long)rd_gpa,
                       req->ramdisk ? req->ramdisk_size : 0, (unsigned long long)(mem + req->extra_pages * PG),
                       (unsigned long long)((rv_now_us() - t0) / 1000));
            return 0;
        }
        rv_build_fail(err, errlen, "XEN_DOMCTL_unpausedomain", rc);
    }
    /* Half built: nothing of it stays. */
    rc_domain_simple(h, XEN_DOMCTL_destroydomain, domid);
    rv_build_pvh_failed_domid = domid;
    return -1;
}
