/*
 * The pieces of a 32-bit PAE PV domain's start of day whose form is the
 * x86_32 one (docs/pv.md "Ring 1 and compat"), written by the hypervisor's
 * boot-module builder (pv32_build.c) and by `rv create` in dom0
 * (tools/rv/pv32_build.c) alike: pure, built for the host too.  Both lay
 * the region out with pv_layout.c (pv_layout_opts.compat) and reach a page
 * of the region through their own mapping (pv32_page_fn).
 */
#ifndef RV_PV_PV32_LAYOUT_H
#define RV_PV_PV32_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

/* The compat hypervisor range starts here (HV_START_LOW's default, where
 * the compat M2P is mapped): the initial region must end below it. */
#define PV32_LAYOUT_HV_START 0xf5800000ull

/* Xen's start_info as an x86_32 guest sees it (unsigned long and
 * xen_pfn_t are 32 bits there). */
struct compat_start_info {
    char magic[32];
    uint32_t nr_pages;
    uint32_t shared_info;
    uint32_t flags;
    uint32_t store_mfn;
    uint32_t store_evtchn;
    uint32_t console_mfn;
    uint32_t console_evtchn;
    uint32_t pt_base;
    uint32_t nr_pt_frames;
    uint32_t mfn_list;
    uint32_t mod_start;
    uint32_t mod_len;
    int8_t cmd_line[1024];
    uint32_t first_p2m_pfn;
    uint32_t nr_p2m_frames;
};
_Static_assert(__builtin_offsetof(struct compat_start_info, nr_pages) == 32, "compat start_info");
_Static_assert(__builtin_offsetof(struct compat_start_info, pt_base) == 60, "compat start_info");
_Static_assert(__builtin_offsetof(struct compat_start_info, cmd_line) == 80, "compat start_info");
_Static_assert(sizeof(struct compat_start_info) == 1112, "compat start_info");

/* The page of the region at pfn, writable by the caller. */
typedef void *(*pv32_page_fn)(void *ctx, uint64_t pfn);

/* The region [virt_base, virt_base + pfn_end pages) below the compat
 * hypervisor range: 0 and *n2 = the bootstrap L2s it needs (one per GiB
 * touched), or -ENOEXEC with the reason in err. */
int pv32_region_check(uint64_t virt_base, uint64_t pfn_end, uint64_t *n2, char *err, size_t errlen);

/* The 4-byte p2m list at pfn_p2m (p2m[] the 64-bit mfns): 0, or -ENOMEM
 * with its line when a frame does not fit 32 bits (nothing is written
 * then). */
int pv32_write_p2m(const uint64_t *p2m, uint64_t nr_pages, uint64_t pfn_p2m, pv32_page_fn page, void *ctx,
                   char *err, size_t errlen);

/* The PAE bootstrap tables at pfn_pt (cleared by the caller): the L3
 * (entries 0-3, P only, as PDPTEs are), then n2 L2s (P RW US A D), then
 * the L1s (P RW A; the tables' own nr_pt frames P A), every page of the
 * region [0, pfn_end) mapped at virt_base + pfn * 4096. */
void pv32_write_tables(uint64_t virt_base, uint64_t pfn_pt, uint64_t nr_pt, uint64_t pfn_end, uint64_t n2,
                       const uint64_t *p2m, pv32_page_fn page, void *ctx);

/* A fresh x86_32 start_info at si: all zero but the magic
 * "xen-3.0-x86_32p" and the command line (NULL: empty), cut to leave its
 * terminating zero; the caller fills in the rest. */
void pv32_start_info_init(struct compat_start_info *si, const char *cmdline);

#endif
