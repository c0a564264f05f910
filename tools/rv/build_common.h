/*
 * What rv create's builders share (pvh_build.c, pv_build.c; docs/toolstack.md
 * "Building a domain from dom0"): timing, error lines, and the domain's RAM
 * by XENMEM_populate_physmap.
 */
#ifndef RV_TOOLS_BUILD_COMMON_H
#define RV_TOOLS_BUILD_COMMON_H

#include <stddef.h>
#include <stdint.h>

struct rc_handle;

#define RV_BUILD_PROGRESS_MIB 256   /* a progress line every this much for large domains */

uint64_t rv_now_us(void);
/* "what: strerror(rc)" into err; returns -1. */
int rv_build_fail(char *err, size_t errlen, const char *what, long rc);
/*
 * RAM pfns [0, pages) of domid: 2 MiB extents where aligned and enough is
 * left, 4 KiB ones at the ends, as Xen's builders ask.  p2m NULL: a
 * translated (PVH) domain, the gfns are its own; else a PV domain whose
 * frames come back by MFN: p2m[pfn] = its mfn (pages entries).  progress:
 * a line on stdout every RV_BUILD_PROGRESS_MIB.  0, or -1 with err.
 */
/* EVTCHNOP_alloc_unbound naming domid (the control domain's right): a port
 * of domid that remote may bind; its number in *port.  0 or -errno. */
long rv_alloc_unbound(struct rc_handle *h, uint16_t domid, uint16_t remote, uint32_t *port);

/*
 * Starts vCPU 0 of an HVM container (XEN_DOMCTL_sethvmcontext: a HEADER,
 * the CPU record, END) in flat 32-bit protected mode with paging and
 * interrupts off: code 0x10 and data 0x18 over 4 GiB, CR0 = PE|ET, at rip
 * with eax and ebx (the PVH and multiboot entry conventions), TR's limit
 * and the GDTR/IDTR limits as the caller's boot path sets them.  0, or -1
 * with err.
 */
int rv_start_flat32(struct rc_handle *h, uint16_t domid, uint64_t rip, uint32_t eax, uint32_t ebx, uint32_t tr_limit,
                    uint16_t dt_limit, char *err, size_t errlen);

/* Maps gfns [first, first + n) of domid (privcmd MMAPBATCH_V2; undone by
 * rc_unmap_foreign(m, n)); NULL with err naming what. */
uint8_t *rv_map_range(struct rc_handle *h, uint16_t domid, uint64_t first, uint64_t n, const char *what, char *err,
                      size_t errlen);
/* len bytes of src to guest-physical gpa of domid, then zeros zero bytes,
 * through one mapping of the pages they touch.  0, or -1 with err. */
int rv_copy_in(struct rc_handle *h, uint16_t domid, uint64_t gpa, const void *src, uint64_t len, uint64_t zeros,
               const char *what, char *err, size_t errlen);

/* The start state of vCPU 0 of an HVM container as sethvmcontext takes
 * it: flat segments (code at selector 0x10 with code_ar, data 0x18),
 * paging off (cr0 = PE|ET) or the 64-bit boot protocol's long mode (cr0
 * with PG, cr3, cr4 = PAE, efer = LME|LMA, a 64-bit code_ar), and the
 * registers a boot protocol names. */
struct rv_cpu_start {
    uint64_t rip, rax, rbx, rsi, rsp, cr0, cr3, cr4, efer, gdtr_base;
    uint32_t code_ar, tr_limit;
    uint16_t gdtr_limit, idtr_limit;
};
int rv_start_hvm_cpu(struct rc_handle *h, uint16_t domid, const struct rv_cpu_start *s, char *err, size_t errlen);

int rv_populate(struct rc_handle *h, uint16_t domid, uint64_t pages, int progress, uint64_t *p2m, char *err,
                size_t errlen);

#endif
