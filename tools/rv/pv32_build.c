/*
 * `rv create`'s 32-bit PAE PV domains (docs/toolstack.md "A PV domain from
 * dom0", the 32-bit rows): what pv_build.c does differently for an ELF32
 * kernel with XEN_ELFNOTE_PAE_MODE "yes" or "bimodal", as Xen's
 * libxenguest builds one:
 *
 *   - XEN_DOMCTL_set_address_size 32 right after createdomain, while the
 *     domain has no memory (the hypervisor refuses it later: -EACCES);
 *   - the region laid out by pv_layout.c with its compat option (4-byte
 *     p2m entries, one L3, L2s, L1s, no L4) and written by the hypervisor's
 *     own pure code (src/pv/pv32_layout.c): the 4-byte p2m list, the PAE
 *     bootstrap tables, start_info in the x86_32 layout ("xen-3.0-x86_32p");
 *   - the L3 pinned (MMUEXT_PIN_L3_TABLE naming the domain): the
 *     hypervisor validates it with the 32-bit rules, including the L2 that
 *     entry 3 names taking the compat M2P's slots;
 *   - vCPU 0 through setvcpucontext's x86_32 form: EIP = entry, ESP = the
 *     boot stack's top, ESI = start_info, CS 0xe019, SS/DS/ES/FS/GS 0xe021,
 *     CR3 = the L3 in Xen's x86_32 encoding, in kernel mode and online.
 * Every address the guest gets is a 32-bit word: a frame at or above
 * 2^32, or shared_info above 4 GiB, refuses the build with its line.
 */
#include "pv_build.h"
#include "ringctl.h"
#include "build_common.h"
#include "pv32_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv/pv32_layout.h"
#include "pv/pv32_context.h"
#include "public/arch-x86_64.h"   /* SIF_*, VGCF_* */

static void *page_of(void *ctx, uint64_t pfn)
{
    return (uint8_t *)ctx + pfn * 4096;
}

int rv_pv32_check(uint64_t virt_base, const struct pv_layout *lo, char *err, size_t errlen)
{
    uint64_t n2;
    if (pv32_region_check(virt_base, lo->pfn_end, &n2, err, errlen))
        return -1;
    if (lo->pfn_pt + 1 + n2 > lo->pfn_pt + lo->nr_pt) {
        snprintf(err, errlen, "pv32: %llu L2s do not fit the layout's %llu table frames",
                 (unsigned long long)n2, (unsigned long long)lo->nr_pt);
        return -1;
    }
    return 0;
}

int rv_pv32_fill(uint8_t *m, const struct pv32_fill_in *in, char *err, size_t errlen)
{
    const struct pv_layout *lo = in->lo;
    uint64_t vb = in->virt_base, n2;

    if (in->shared_info_mfn >> 20) {
        snprintf(err, errlen, "pv32: shared_info at %#llx is above 4 GiB",
                 (unsigned long long)(in->shared_info_mfn << 12));
        return -1;
    }
    if (pv32_region_check(vb, lo->pfn_end, &n2, err, errlen) ||
        pv32_write_p2m(in->p2m, in->nr_pages, lo->pfn_p2m, page_of, m, err, errlen))
        return -1;
    pv32_write_tables(vb, lo->pfn_pt, lo->nr_pt, lo->pfn_end, n2, in->p2m, page_of, m);
    int by_pfn = lo->nr_mod && lo->pfn_mod >= lo->pfn_end;
    struct compat_start_info *si = page_of(m, lo->pfn_start_info);
    pv32_start_info_init(si, in->cmdline);
    si->nr_pages = (uint32_t)in->nr_pages;
    si->shared_info = (uint32_t)(in->shared_info_mfn << 12);
    si->flags = SIF_VIRT_P2M_4TOOLS | (by_pfn ? SIF_MOD_START_PFN : 0);
    si->store_mfn = (uint32_t)in->p2m[lo->pfn_store];
    si->store_evtchn = in->rings ? in->rings->store_port : 0;
    si->console_mfn = (uint32_t)in->p2m[lo->pfn_console];
    si->console_evtchn = in->rings ? in->rings->console_port : 0;
    si->pt_base = (uint32_t)(vb + (lo->pfn_pt << 12));
    si->nr_pt_frames = (uint32_t)lo->nr_pt;
    si->mfn_list = (uint32_t)lo->p2m_va;
    si->mod_start = !lo->nr_mod ? 0 : (uint32_t)(by_pfn ? lo->pfn_mod : vb + (lo->pfn_mod << 12));
    si->mod_len = (uint32_t)(lo->nr_mod << 12);
    return 0;
}

int rv_pv32_start_vcpu0(struct rc_handle *h, uint16_t domid, uint32_t entry, uint32_t stack_top, uint32_t start_info,
                        uint64_t l3_mfn, char *err, size_t errlen)
{
    struct compat_guest_context *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->flags = VGCF_in_kernel | VGCF_online;
    c->user_regs.eip = entry;
    c->user_regs.esp = stack_top;
    c->user_regs.esi = start_info;
    c->user_regs.eflags = 0x200;
    c->user_regs.cs = PV32_CTX_KERNEL_CS;
    c->user_regs.ss = c->user_regs.ds = c->user_regs.es = PV32_CTX_KERNEL_DS;
    c->user_regs.fs = c->user_regs.gs = PV32_CTX_KERNEL_DS;
    c->kernel_ss = PV32_CTX_KERNEL_DS;
    c->kernel_sp = stack_top;
    c->debugreg[6] = 0xffff0ff0;
    c->debugreg[7] = 0x400;
    c->ctrlreg[3] = pv32_ctx_mfn_to_cr3(l3_mfn);
    long rc = rc_setvcpucontext_raw(h, domid, 0, c, sizeof(*c));
    free(c);
    return rc < 0 ? rv_build_fail(err, errlen, "XEN_DOMCTL_setvcpucontext (x86_32 context)", rc) : 0;
}
