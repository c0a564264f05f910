/*
 * What the PV builder needs for real kernels besides the region itself
 * (docs/pv.md "Booting real kernels"): a bzImage (or a gzip/xz-compressed
 * ELF) unpacked to the ELF the notes are read from, as Xen's libelf loader
 * does; the hypercall page with Xen's 64-bit stubs; the page tables that map
 * the p2m list at the kernel's INIT_P2M address.
 */
#include "pv/pv.h"
#include "core/domain.h"
#include "core/console.h"
#include "image/bzpayload.h"
#include "lib/decompress.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "mm/mm.h"
#include "public/xen.h"

/* A kernel larger than this unpacked is refused before allocating: a
 * hostile size field must not drain the allocator (Debian's is ~60 MiB). */
#define PV_UNPACK_MAX   (512ull << 20)

int pv_boot_unpack(struct domain *d, const void *image, size_t size, void **buf, unsigned *order,
                   const void **elf, size_t *elf_size, char *err, size_t errlen)
{
    const void *payload = image;
    size_t plen = size;
    char why[96] = "";
    int rc;

    *buf = NULL;
    *order = 0;
    *elf = image;
    *elf_size = size;
    rc = bzpayload_find(image, size, &payload, &plen, why, sizeof(why));
    if (rc == -ENOENT) {
        /* Not a bzImage: a compressed file whose content is the ELF, or
         * the ELF itself. */
        if (decomp_detect(image, size) == DECOMP_NONE)
            return 0;
        payload = image;
        plen = size;
    } else if (rc) {
        fmt_snprintf(err, errlen, "pv: bzImage: %s", why);
        return -ENOEXEC;
    }
    enum decomp_format fmt = decomp_detect(payload, plen);
    uint64_t out_size;
    if (fmt == DECOMP_NONE) {
        fmt_snprintf(err, errlen, "pv: the bzImage payload is neither gzip nor xz");
        return -ENOEXEC;
    }
    if (decomp_size(payload, plen, &out_size) || out_size == 0) {
        fmt_snprintf(err, errlen, "pv: the %s kernel does not declare its size", decomp_format_name(fmt));
        return -ENOEXEC;
    }
    if (out_size > PV_UNPACK_MAX || out_size > d->mem_bytes) {
        fmt_snprintf(err, errlen, "pv: the %s kernel unpacks to %lu MiB, more than the %lu MiB allowed",
                     decomp_format_name(fmt), (unsigned long)(out_size >> 20),
                     (unsigned long)(MIN(PV_UNPACK_MAX, d->mem_bytes) >> 20));
        return -E2BIG;
    }
    while ((4096ull << *order) < out_size)
        (*order)++;
    void *out = alloc_pages(*order, DOMID_XEN);
    void *work = xmalloc(DECOMP_WORK_SIZE, HEAP_PV);
    if (!out || !work) {
        fmt_snprintf(err, errlen, "pv: cannot allocate %lu MiB to unpack the kernel",
                     (unsigned long)((4096ull << *order) >> 20));
        rc = -ENOMEM;
        goto fail;
    }
    size_t out_len;
    rc = decomp_run(payload, plen, out, 4096ull << *order, &out_len, work, why, sizeof(why));
    if (rc) {
        fmt_snprintf(err, errlen, "pv: unpacking the %s kernel failed: %s", decomp_format_name(fmt),
                     why[0] ? why : "corrupt");
        goto fail;
    }
    xfree(work);
    *buf = out;
    *elf = out;
    *elf_size = out_len;
    domain_log(d, LOG_INFO, "pv: %s kernel unpacked: %lu KiB ELF\n", decomp_format_name(fmt),
               (unsigned long)(out_len >> 10));
    return 0;
fail:
    if (work)
        xfree(work);
    if (out)
        free_pages(out, *order);
    return rc;
}

/*
 * Xen's hypercall page for a 64-bit PV kernel: 0xcc (int3) everywhere, and
 * in each 32-byte slot i: push %rcx; push %r11; mov $i, %eax; syscall;
 * pop %r11; pop %rcx; ret.  The hypercall returns to the instruction after
 * SYSCALL with RCX/R11 as the CPU left them, which the stub restores.  Slot
 * 23 (iret) is entered by a jump with the iret frame on the stack: push
 * %rcx; push %r11; push %rax; mov $23, %eax; syscall, and no return (the
 * three pushes complete struct iret_context: rax, r11, rcx at the lowest
 * addresses).
 */
void pv_boot_hypercall_page(void *page)
{
    uint8_t *p = page;

    memset(p, 0xcc, 4096);
    for (uint32_t i = 0; i < 4096 / 32; i++, p += 32) {
        unsigned n = 0;
        p[n++] = 0x51;                      /* push %rcx */
        p[n++] = 0x41, p[n++] = 0x53;       /* push %r11 */
        if (i == __HYPERVISOR_iret)
            p[n++] = 0x50;                  /* push %rax */
        p[n++] = 0xb8;                      /* mov $i, %eax */
        memcpy(p + n, &i, 4);
        n += 4;
        p[n++] = 0x0f, p[n++] = 0x05;       /* syscall */
        if (i == __HYPERVISOR_iret)
            continue;
        p[n++] = 0x41, p[n++] = 0x5b;       /* pop %r11 */
        p[n++] = 0x59;                      /* pop %rcx */
        p[n++] = 0xc3;                      /* ret */
    }
}

/*
 * INIT_P2M: the list's pages [pfn_p2m, + nr) mapped at p2m_va with 4 KiB
 * entries (P RW A, as the region's), through the L3s, L2s and L1s that
 * follow the list (pfn_p2m_pt: L3s, then L2s, then L1s, each level in
 * ascending address order) hung from the region's L4 (upper levels 0x67).
 * pv_layout placed the list in L4 slots the region does not use.
 */
void pv_boot_p2m_tables(struct pv_domain *pd, uint64_t *l4)
{
    const uint64_t mask48 = (1ull << 48) - 1;
    uint64_t from = pd->p2m_va & mask48;
    uint64_t base3 = pd->pfn_p2m_pt, base2 = base3 + pd->p2m_n3, base1 = base2 + pd->p2m_n2;
    uint64_t nr = (pd->nr_pages * 8 + 4095) >> 12;

    for (uint64_t i = 0; i < nr; i++) {
        uint64_t va = from + (i << 12);
        uint64_t t3 = base3 + (va >> 39) - (from >> 39);
        uint64_t t2 = base2 + (va >> 30) - (from >> 30);
        uint64_t t1 = base1 + (va >> 21) - (from >> 21);
        uint64_t *l3 = phys_to_virt(pd->p2m[t3] << 12), *l2 = phys_to_virt(pd->p2m[t2] << 12);
        uint64_t *l1 = phys_to_virt(pd->p2m[t1] << 12);

        l4[(va >> 39) & 511] = (pd->p2m[t3] << 12) | 0x067;
        l3[(va >> 30) & 511] = (pd->p2m[t2] << 12) | 0x067;
        l2[(va >> 21) & 511] = (pd->p2m[t1] << 12) | 0x067;
        l1[(va >> 12) & 511] = (pd->p2m[pd->pfn_p2m + i] << 12) | 0x023;
    }
}
