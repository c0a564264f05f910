/*
 * Access to guest memory.  Guest-physical addresses go through the p2m (only
 * RAM the domain owns is reachable, whatever address the guest names);
 * guest-virtual ones are first translated by walking the guest's own page
 * tables in its current paging mode (Intel SDM vol. 3 4.3-4.5): none,
 * 32-bit, PAE and 4-level.  Accessed/dirty bits are not set by these walks.
 */
#include "hvm/hvm.h"
#include "core/domain.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "lib/errno.h"

static void *gphys_page(struct domain *d, uint64_t gpa)
{
    uint64_t mfn = p2m_lookup(&d->p2m, gpa >> 12, NULL);
    return mfn == ~0ull ? NULL : phys_to_virt(mfn << 12);
}

static int copy_gphys(struct domain *d, void *buf, uint64_t gpa, size_t len, bool to_guest)
{
    while (len) {
        size_t chunk = MIN(len, 4096 - (gpa & 4095));
        char *page = gphys_page(d, gpa);
        if (!page)
            return -EFAULT;
        if (to_guest)
            memcpy(page + (gpa & 4095), buf, chunk);
        else
            memcpy(buf, page + (gpa & 4095), chunk);
        buf = (char *)buf + chunk;
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

int hvm_copy_from_gphys(struct domain *d, void *dst, uint64_t gpa, size_t len)
{
    return copy_gphys(d, dst, gpa, len, false);
}

int hvm_copy_to_gphys(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
    return copy_gphys(d, (void *)src, gpa, len, true);
}

static int read_pte(struct domain *d, uint64_t gpa, unsigned size, uint64_t *e)
{
    *e = 0;
    return hvm_copy_from_gphys(d, e, gpa, size);
}

/* Guest-virtual to guest-physical; -EFAULT if not mapped (or not writable
 * for a write). */
static int translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    struct hvm_ctrl c;
    uint64_t e;

    hvm_vendor->get_ctrl(v, &c);
    if (!(c.cr0 & (1u << 31))) {                    /* paging off */
        *gpa = gva & 0xffffffffull;
        return 0;
    }
    bool wp_check = write && (c.cr0 & (1u << 16));  /* CR0.WP: supervisor writes honour R/W */
    if (c.efer & (1u << 10)) {                      /* 4-level (LMA) */
        uint64_t table = c.cr3 & 0x000ffffffffff000ull;
        for (int level = 4; level >= 1; level--) {
            unsigned idx = (gva >> (12 + 9 * (level - 1))) & 511;
            if (read_pte(v->domain, table + idx * 8, 8, &e) || !(e & 1))
                return -EFAULT;
            if (wp_check && !(e & 2))
                return -EFAULT;
            if (level == 1 || (level <= 3 && (e & 0x80))) {
                uint64_t span = 1ull << (12 + 9 * (level - 1));
                *gpa = (e & 0x000ffffffffff000ull & ~(span - 1)) | (gva & (span - 1));
                return 0;
            }
            table = e & 0x000ffffffffff000ull;
        }
        return -EFAULT;
    }
    if (c.cr4 & (1u << 5)) {                        /* PAE */
        uint64_t pdpte;
        if (read_pte(v->domain, (c.cr3 & 0xffffffe0u) + ((gva >> 30) & 3) * 8, 8, &pdpte) || !(pdpte & 1))
            return -EFAULT;
        if (read_pte(v->domain, (pdpte & 0x000ffffffffff000ull) + ((gva >> 21) & 511) * 8, 8, &e) || !(e & 1))
            return -EFAULT;
        if (wp_check && !(e & 2))
            return -EFAULT;
        if (e & 0x80) {
            *gpa = (e & 0x000fffffffe00000ull) | (gva & 0x1fffff);
            return 0;
        }
        if (read_pte(v->domain, (e & 0x000ffffffffff000ull) + ((gva >> 12) & 511) * 8, 8, &e) || !(e & 1))
            return -EFAULT;
        if (wp_check && !(e & 2))
            return -EFAULT;
        *gpa = (e & 0x000ffffffffff000ull) | (gva & 4095);
        return 0;
    }
    /* 32-bit paging. */
    if (read_pte(v->domain, (c.cr3 & 0xfffff000u) + ((gva >> 22) & 1023) * 4, 4, &e) || !(e & 1))
        return -EFAULT;
    if (wp_check && !(e & 2))
        return -EFAULT;
    if ((e & 0x80) && (c.cr4 & (1u << 4))) {        /* 4 MiB page (PSE) */
        *gpa = (e & 0xffc00000u) | (gva & 0x3fffff);
        return 0;
    }
    if (read_pte(v->domain, (e & 0xfffff000u) + ((gva >> 12) & 1023) * 4, 4, &e) || !(e & 1))
        return -EFAULT;
    if (wp_check && !(e & 2))
        return -EFAULT;
    *gpa = (e & 0xfffff000u) | (gva & 4095);
    return 0;
}

static int copy_guest(struct vcpu *v, void *buf, uint64_t gva, size_t len, bool to_guest)
{
    while (len) {
        size_t chunk = MIN(len, 4096 - (gva & 4095));
        uint64_t gpa;
        if (translate(v, gva, to_guest, &gpa) || copy_gphys(v->domain, buf, gpa, chunk, to_guest))
            return -EFAULT;
        buf = (char *)buf + chunk;
        gva += chunk;
        len -= chunk;
    }
    return 0;
}

int hvm_copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    return copy_guest(v, dst, gva, len, false);
}

int hvm_copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    return copy_guest(v, (void *)src, gva, len, true);
}
