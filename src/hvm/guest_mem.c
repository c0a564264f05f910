/*
 * Access to guest memory.  Guest-physical addresses go through the p2m (only
 * RAM the domain owns is reachable, whatever address the guest names);
 * guest-virtual ones are first translated by walking the guest's own page
 * tables in its current paging mode (Intel SDM vol. 3 4.3-4.5): none,
 * 32-bit, PAE and 4-level.  Accessed/dirty bits are set only when the
 * caller asks (the instruction emulator, standing in for the CPU).
 */
#include "hvm/hvm.h"
#include "core/guest_access.h"
#include "core/domain.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "core/console.h"
#include "hvm/logdirty.h"
#include "pv/pv.h"              /* pv_copy_guest: a PV vCPU's pointers */

/* A read-only mapping (a grant mapped read-only) refuses writes here as the
 * nested page tables do for the guest itself. */
static void *gphys_page(struct domain *d, uint64_t gpa, bool write)
{
    unsigned perms = 0;
    uint64_t mfn = p2m_lookup(&d->p2m, gpa >> 12, &perms);
    if (mfn == ~0ull || (write && !(perms & P2M_W)))
        return NULL;
    if (write)
        logdirty_mark(d, gpa >> 12);    /* the hypervisor's own writes count too */
    return phys_to_virt(mfn << 12);
}

static int copy_gphys(struct domain *d, void *buf, uint64_t gpa, size_t len, bool to_guest)
{
    while (len) {
        size_t chunk = MIN(len, 4096 - (gpa & 4095));
        char *page = gphys_page(d, gpa, to_guest);
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

/*
 * The guest page-table walk (Intel SDM vol. 3, 4.3-4.6; AMD APM vol. 2,
 * 5.3-5.6) for 32-bit, PAE and 4-level paging, with the access rights of
 * 4.6: U/S and R/W accumulate over the levels (every level must allow),
 * XD over PAE/4-level entries when EFER.NXE, CR0.WP makes supervisor
 * writes honour R/W, SMEP/SMAP (CR4 bits 20/21) keep the supervisor away
 * from user pages.  A failure yields the #PF error code of 4.7: P (a
 * protection violation, not a missing page), W/R, U/S, RSVD, I/D.
 *
 * Entries are read through the p2m; a table outside the domain's RAM is
 * -EIO (real hardware would walk into a device: nothing sane to emulate).
 */
#define GW_CR0_PG      (1ull << 31)
#define GW_CR0_WP      (1ull << 16)
#define GW_CR4_PSE     (1ull << 4)
#define GW_CR4_PAE     (1ull << 5)
#define GW_CR4_SMEP    (1ull << 20)
#define GW_CR4_SMAP    (1ull << 21)
#define GW_EFER_LMA    (1ull << 10)
#define GW_EFER_NXE    (1ull << 11)
#define PTE_P       (1ull << 0)
#define PTE_RW      (1ull << 1)
#define PTE_US      (1ull << 2)
#define PTE_A       (1ull << 5)
#define PTE_D       (1ull << 6)
#define PTE_PS      (1ull << 7)
#define PTE_XD      (1ull << 63)
#define ADDR_MASK   0x000ffffffffff000ull

/* A pointer to the naturally aligned entry at gpa, or NULL outside RAM. */
static void *pte_ptr(struct domain *d, uint64_t gpa)
{
    char *page = gphys_page(d, gpa, false);
    return page ? page + (gpa & 4095) : NULL;
}

static uint64_t pte_load(void *p, unsigned size)
{
    return size == 8 ? __atomic_load_n((uint64_t *)p, __ATOMIC_RELAXED)
                     : __atomic_load_n((uint32_t *)p, __ATOMIC_RELAXED);
}

/* Accessed/dirty as the CPU would set them; atomic because the guest (or
 * another vCPU's hardware walk) may update the same entry concurrently. */
static void pte_set(void *p, unsigned size, uint64_t bits)
{
    if (size == 8)
        __atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_RELAXED);
    else
        __atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_RELAXED);
}

int hvm_translate(struct vcpu *v, uint64_t gva, unsigned access, uint64_t *gpa, uint32_t *pfec)
{
    struct hvm_ctrl c;
    bool write = access & HVM_XLAT_WRITE, user = access & HVM_XLAT_USER, fetch = access & HVM_XLAT_FETCH;
    void *entry[4];
    unsigned nr = 0;

    hvm_vendor->get_ctrl(v, &c);
    *pfec = 0;
    if (!(c.cr0 & GW_CR0_PG)) {
        *gpa = gva & 0xffffffffull;
        return 0;
    }
    bool lm = c.efer & GW_EFER_LMA, pae = lm || (c.cr4 & GW_CR4_PAE), nxe = pae && (c.efer & GW_EFER_NXE);
    uint32_t code = (write ? 2u : 0) | (user ? 4u : 0) |
                    (fetch && ((c.cr4 & GW_CR4_SMEP) || nxe) ? 16u : 0);
    unsigned size = pae ? 8 : 4, level = lm ? 4 : pae ? 3 : 2;
    uint64_t table = lm ? c.cr3 & ADDR_MASK : pae ? c.cr3 & 0xffffffe0ull : c.cr3 & 0xfffff000ull;
    bool rw = true, us = true, xd = false;
    uint64_t e = 0, span = 0;

    for (;; level--) {
        unsigned shift = pae ? 12 + 9 * (level - 1) : 12 + 10 * (level - 1);
        unsigned idx = pae ? (gva >> shift) & 511 : (gva >> shift) & 1023;
        if (pae && !lm && level == 3)
            idx = (gva >> 30) & 3;
        void *p = pte_ptr(v->domain, table + idx * size);
        if (!p)
            return -EIO;
        e = pte_load(p, size);
        if (!(e & PTE_P)) {
            *pfec = code;
            return -EFAULT;
        }
        uint64_t rsvd = 0;
        if (pae && !nxe)
            rsvd |= PTE_XD;
        if (pae && !lm && level == 3) {
            /* PAE PDPTE: bits 1-2, 6-8 and 63 are reserved (SDM 4.4.1,
             * table 4-8), and so is bit 5 on Intel, but not checked here:
             * the CPU that runs the guest validated its PDPTEs when it
             * loaded them, and QEMU's TCG (at least 7.2) writes the
             * accessed bit, bit 5, into them on its own walks.  Refusing it
             * failed every hypercall argument copy of a PAE guest under
             * TCG with -EFAULT, so the guest could neither print nor power
             * off (tests/guests/pae32.c, pvh32_pae). */
            rsvd |= 0x1c6ull | PTE_XD;
        } else {
            if (lm && level == 4)
                rsvd |= PTE_PS;
            if (pae && (e & PTE_PS) && (level == 2 || (lm && level == 3)))
                rsvd |= ((1ull << shift) - 1) & ~0x1fffull;   /* large page: bits 13..shift-1 */
            rw = rw && (e & PTE_RW);
            us = us && (e & PTE_US);
            xd = xd || (nxe && (e & PTE_XD));
        }
        if (e & rsvd) {
            *pfec = code | 1u | 8u;
            return -EFAULT;
        }
        entry[nr++] = p;
        bool leaf = level == 1 ||
                    ((e & PTE_PS) && ((pae && (level == 2 || (lm && level == 3))) ||
                                      (!pae && level == 2 && (c.cr4 & GW_CR4_PSE))));
        if (leaf) {
            span = 1ull << shift;
            break;
        }
        table = pae ? e & ADDR_MASK : e & 0xfffff000ull;
    }

    bool deny;
    if (user)
        deny = !us || (write && !rw);
    else
        deny = (write && !rw && (c.cr0 & GW_CR0_WP)) ||
               (us && fetch && (c.cr4 & GW_CR4_SMEP)) ||
               (us && !fetch && (c.cr4 & GW_CR4_SMAP) && !(access & HVM_XLAT_AC));
    if (deny || (fetch && xd)) {
        *pfec = code | 1u;
        return -EFAULT;
    }

    uint64_t frame;
    if (pae)
        frame = e & ADDR_MASK & ~(span - 1);
    else if (span > 4096)                       /* 4 MiB page; bits 20:13 are PA bits 39:32 (PSE-36) */
        frame = (e & 0xffc00000ull) | (((e >> 13) & 0xff) << 32);
    else
        frame = e & 0xfffff000ull;
    *gpa = frame | (gva & (span - 1));
    if (access & HVM_XLAT_SET_AD) {
        for (unsigned i = 0; i < nr; i++)
            if (!(pae && !lm && i == 0))        /* PAE PDPTEs have no A bit (4.4.1) */
                pte_set(entry[i], size, PTE_A);
        if (write)
            pte_set(entry[nr - 1], size, PTE_D);
    }
    return 0;
}

/* For the hypervisor's own copies (hypercall arguments): a supervisor
 * access that SMAP does not restrict, as the guest asked us to do it. */
static int translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    uint32_t pfec;
    if (!hvm_translate(v, gva, HVM_XLAT_AC | (write ? HVM_XLAT_WRITE : 0), gpa, &pfec))
        return 0;
    /* A reserved bit in tables the CPU is walking for this very guest means
     * the walker and the CPU disagree (it is how the PAE hang of ISSUE13
     * item 3 looked: every copy failed, silently).  Say so, a few times per
     * boot: a guest that stops making progress then leaves a trace. */
    static unsigned rsvd_reports;       /* (a) atomic counter, all domains */
    if ((pfec & 8) && __atomic_fetch_add(&rsvd_reports, 1, __ATOMIC_RELAXED) < 8)
        domain_log(v->domain, LOG_WARN, "v%u: hypercall argument at %#lx: reserved bit in the guest's page "
                   "tables (#PF code %#x); copy refused with -EFAULT\n", v->vcpu_id, (unsigned long)gva, pfec);
    return -EFAULT;
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

/* core/guest_access.h for HVM and PVH vCPUs: hypercall pointers are
 * virtual addresses of the calling vCPU. */
int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    /* A PV vCPU's pointers go through its own page tables (pv/pv_vcpu.c). */
    if (v->domain->type == DOMCFG_PV)
        return pv_copy_guest(v, dst, gva, len, false);
    /* A native handler serving a 32-bit caller reads the structures the
     * compat layer translated (core/compat/xlat.h). */
    int rc = compat_xlat_copy(v, dst, gva, len, false);
    return rc <= 0 ? rc : hvm_copy_from_guest(v, dst, gva, len);
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    if (v->domain->type == DOMCFG_PV)
        return pv_copy_guest(v, (void *)src, gva, len, true);
    int rc = compat_xlat_copy(v, (void *)src, gva, len, true);
    return rc <= 0 ? rc : hvm_copy_to_guest(v, gva, src, len);
}
