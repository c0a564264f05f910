/*
 * Access to guest memory.  Guest-physical addresses go through the p2m (only
 * RAM the domain owns is reachable, whatever address the guest names);
 * guest-virtual ones are first translated by walking the guest's own page
 * tables in its current paging mode with mm/gwalk.c.  Accessed/dirty bits
 * are set only when the caller asks (the instruction emulator, standing in
 * for the CPU).
 */
#include "hvm/hvm.h"
#include "core/guest_access.h"
#include "core/domain.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "core/console.h"
#include "mm/logdirty.h"
#include "pv/pv.h"              /* pv_copy_guest: a PV vCPU's pointers */
#include "mm/gwalk.h"
#include "arch/x86/cpufeature.h"
#include "core/percpu.h"

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
 * The guest page-table walk itself is mm/gwalk.c (32-bit, PSE/PSE-36, PAE,
 * 4- and 5-level; NX, WP, SMEP, SMAP, PKU; reserved bits; A/D updates by
 * compare-and-exchange).  Here it gets the vCPU's control registers and
 * reaches the entries through the p2m: a table outside the domain's RAM is
 * -EIO (real hardware would walk into a device: nothing sane to emulate).
 * MAXPHYADDR and 1-GiB pages are the host CPU's: under nested paging those
 * are what the CPU itself applies to the guest's tables.
 */
/* What a walk's callbacks get: the domain, and the vCPU whose frame cache
 * the walk may use (one of its hypercall copies), else NULL. */
struct walk_ctx {
    struct domain *d;
    struct vcpu *cached;
};

/*
 * gphys_page through v's frame cache (struct vcpu.copy_cache.frames), for
 * v's hypercall copies only.  An entry is used only while the p2m
 * generation it was filled under is current.  The generation is read
 * before the lookup, so a change in between leaves an entry the next use
 * finds stale.
 */
__hot_path static char *frame_page(struct vcpu *v, uint64_t gpa, bool write)
{
    uint64_t gen = __atomic_load_n(&v->domain->p2m.generation, __ATOMIC_ACQUIRE);
    uint64_t gfn = gpa >> 12;
    unsigned slot = (unsigned)(gfn % VCPU_COPY_FRAMES);

    if (gen != v->copy_cache.frames_gen) {
        for (unsigned i = 0; i < VCPU_COPY_FRAMES; i++)
            v->copy_cache.frames[i].page = NULL;
        v->copy_cache.frames_gen = gen;
    }
    if (v->copy_cache.frames[slot].page && v->copy_cache.frames[slot].gfn == gfn &&
        (!write || v->copy_cache.frames[slot].write)) {
        if (write)
            logdirty_mark(v->domain, gfn);      /* as gphys_page does for each write */
        return v->copy_cache.frames[slot].page;
    }
    char *page = gphys_page(v->domain, gpa, write);
    if (page) {
        v->copy_cache.frames[slot].gfn = gfn;
        v->copy_cache.frames[slot].page = page;
        v->copy_cache.frames[slot].write = write;
    }
    return page;
}

__hot_path static int gw_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    struct walk_ctx *w = ctx;
    char *page = w->cached ? frame_page(w->cached, gpa, false) : gphys_page(w->d, gpa, false);
    void *p = page ? page + (gpa & 4095) : NULL;
    if (!p)
        return -EIO;
    *val = size == 8 ? __atomic_load_n((uint64_t *)p, __ATOMIC_RELAXED)
                     : __atomic_load_n((uint32_t *)p, __ATOMIC_RELAXED);
    return 0;
}

/* Accessed/dirty updates: atomic because the guest (or another vCPU's
 * hardware walk) may update the same entry concurrently.  Only where the
 * guest may write: a table in a read-only mapping (another domain's page
 * granted read-only) is -EIO, as the nested page tables would fault the
 * CPU's own A/D write there; writing it would change the granter's page,
 * possibly a page table of a PV granter.  Log-dirty hears of each update
 * made (mm/logdirty.c). */
static int gw_cmpxchg(void *ctx, uint64_t gpa, unsigned size, uint64_t old, uint64_t new_val)
{
    unsigned perms = 0;
    struct domain *d = ((struct walk_ctx *)ctx)->d;
    uint64_t mfn = p2m_lookup(&d->p2m, gpa >> 12, &perms);
    if (mfn == ~0ull || !(perms & P2M_W))
        return -EIO;
    void *p = (char *)phys_to_virt(mfn << 12) + (gpa & 4095);
    bool ok;
    if (size == 8) {
        uint64_t exp = old;
        ok = __atomic_compare_exchange_n((uint64_t *)p, &exp, new_val, false, __ATOMIC_SEQ_CST,
                                         __ATOMIC_RELAXED);
    } else {
        uint32_t exp = (uint32_t)old;
        ok = __atomic_compare_exchange_n((uint32_t *)p, &exp, (uint32_t)new_val, false, __ATOMIC_SEQ_CST,
                                         __ATOMIC_RELAXED);
    }
    if (ok && new_val != old)
        logdirty_mark(d, gpa >> 12);
    return ok ? 0 : -EAGAIN;
}

/* The walker's view of v's paging state. */
__hot_path static void walk_cpu(struct vcpu *v, struct gwalk_cpu *cpu_out)
{
    struct hvm_ctrl c;
    struct gwalk_cpu cpu;

    hvm_vendor->get_ctrl(v, &c);
    memset(&cpu, 0, sizeof(cpu));
    cpu.cr0 = c.cr0;
    cpu.cr3 = c.cr3;
    cpu.cr4 = c.cr4;
    cpu.efer = c.efer;
    cpu.pkru = 0;                       /* PKU is not offered to guests (hvm/cpu_policy.c) */
    cpu.maxphyaddr = (uint8_t)(boot_cpu.phys_addr_bits ? boot_cpu.phys_addr_bits : 36);
    cpu.gbpages = boot_cpu.pdpe1gb;
    cpu.pdptes_cached = c.pdptes_valid;
    memcpy(cpu.pdpte, c.pdpte, sizeof(cpu.pdpte));
    *cpu_out = cpu;
}

__hot_path static int walk(struct vcpu *v, uint64_t gva, unsigned gw_access, struct gwalk_result *res, bool cached)
{
    struct gwalk_cpu cpu;
    struct walk_ctx w = { v->domain, cached ? v : NULL };
    const struct gwalk_mem mem = { &w, gw_read, gw_cmpxchg };

    walk_cpu(v, &cpu);
    return gwalk(&cpu, &mem, gva, gw_access, res);
}

/* The shadow's prefetch (hvm/shadow_hvm.c): reads only, through v's frame
 * cache (the n entries sit in one guest page table: one p2m look-up). */
unsigned hvm_walk_near(struct vcpu *v, uint64_t gva, const struct gwalk_result *res, unsigned n,
                       struct gwalk_near *out)
{
    struct gwalk_cpu cpu;
    struct walk_ctx w = { v->domain, v };
    const struct gwalk_mem mem = { &w, gw_read, gw_cmpxchg };

    walk_cpu(v, &cpu);
    return gwalk_near(&cpu, &mem, gva, res, n, out);
}

int hvm_walk(struct vcpu *v, uint64_t gva, unsigned gw_access, struct gwalk_result *res)
{
    return walk(v, gva, gw_access, res, false);
}

int hvm_walk_probe(struct vcpu *v, uint64_t gva, struct gwalk_result *res)
{
    return walk(v, gva, GW_PROBE, res, true);
}

__hot_path static int translate_access(struct vcpu *v, uint64_t gva, unsigned access, uint64_t *gpa, uint32_t *pfec,
                            bool cached)
{
    struct gwalk_result res;
    unsigned acc = ((access & HVM_XLAT_WRITE) ? GW_WRITE : 0) | ((access & HVM_XLAT_USER) ? GW_USER : 0) |
                   ((access & HVM_XLAT_FETCH) ? GW_FETCH : 0) | ((access & HVM_XLAT_AC) ? GW_AC : 0) |
                   ((access & HVM_XLAT_SET_AD) ? GW_SET_AD : 0);
    *pfec = 0;
    int rc = walk(v, gva, acc, &res, cached);
    if (rc == -EFAULT)
        *pfec = res.pfec;
    else if (rc == 0)
        *gpa = res.gpa;
    else
        rc = -EIO;                      /* outside RAM, or entries that would not hold still */
    return rc;
}

int hvm_translate(struct vcpu *v, uint64_t gva, unsigned access, uint64_t *gpa, uint32_t *pfec)
{
    return translate_access(v, gva, access, gpa, pfec, false);
}

/* For the hypervisor's own copies (hypercall arguments): a supervisor
 * access that SMAP does not restrict, as the guest asked us to do it. */
__hot_path static int translate(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa, bool cached)
{
    uint32_t pfec;
    if (!translate_access(v, gva, HVM_XLAT_AC | (write ? HVM_XLAT_WRITE : 0), gpa, &pfec, cached))
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

/*
 * Copies of one hypercall (struct vcpu.copy_cache).  Used only on v's own
 * CPU while the exit v last took is a hypercall: v is then out of its guest
 * (on another CPU it might be back in it).  Keeping a page's translation
 * until v next runs guest code is what the vCPU's own TLB may do: no INVLPG
 * or CR3 load of its own comes in between, and another vCPU that changes
 * the tables reaches v by a TLB shoot-down v can only take after the call.
 * The next exit, whatever it is, ends the entry: another kind changes
 * last_exit, another hypercall the count.  The frame behind the page is
 * kept only while the p2m generation is the one it was looked up under (a
 * changed or removed mapping bumps it), as the nested TLB would be flushed.
 * No hard-interrupt handler copies from a guest (debug keys and timers run
 * as softirqs, after handle_exit has recorded the exit), so the window
 * between a #VMEXIT and handle_exit, where last_exit is still the previous
 * one, sees no copy.
 */
__hot_path static bool in_hypercall(struct vcpu *v)
{
    return v->processor == smp_processor_id() && v->last_exit == HVM_EXIT_HYPERCALL;
}

/* The hypervisor mapping of gva's page from the cache, or NULL. */
__hot_path static char *cached_page(struct vcpu *v, uint64_t gva, bool write)
{
    if (!v->copy_cache.page || v->copy_cache.seq != v->exits_by_reason[HVM_EXIT_HYPERCALL] ||
        v->copy_cache.gva != (gva & ~4095ull) || (write && !v->copy_cache.write) ||
        __atomic_load_n(&v->domain->p2m.generation, __ATOMIC_ACQUIRE) != v->copy_cache.gen)
        return NULL;
    if (write)
        logdirty_mark(v->domain, v->copy_cache.gpa >> 12);     /* as gphys_page does for each write */
    return v->copy_cache.page;
}

__hot_path static int copy_guest(struct vcpu *v, void *buf, uint64_t gva, size_t len, bool to_guest)
{
    bool scope = in_hypercall(v);

    while (len) {
        size_t chunk = MIN(len, 4096 - (gva & 4095));
        char *page = scope ? cached_page(v, gva, to_guest) : NULL;
        if (!page) {
            uint64_t gpa;
            uint64_t gen = __atomic_load_n(&v->domain->p2m.generation, __ATOMIC_ACQUIRE);
            if (translate(v, gva, to_guest, &gpa, scope) ||
                !(page = scope ? frame_page(v, gpa, to_guest) : gphys_page(v->domain, gpa, to_guest)))
                return -EFAULT;
            if (scope) {
                /* gen was read before the lookup: a change in between
                 * leaves a generation the next use sees moved on. */
                v->copy_cache.seq = v->exits_by_reason[HVM_EXIT_HYPERCALL];
                v->copy_cache.gva = gva & ~4095ull;
                v->copy_cache.gpa = gpa & ~4095ull;
                v->copy_cache.page = page;
                v->copy_cache.write = to_guest;
                v->copy_cache.gen = gen;
            }
        }
        if (to_guest)
            memcpy(page + (gva & 4095), buf, chunk);
        else
            memcpy(buf, page + (gva & 4095), chunk);
        buf = (char *)buf + chunk;
        gva += chunk;
        len -= chunk;
    }
    return 0;
}

__hot_path int hvm_copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    return copy_guest(v, dst, gva, len, false);
}

__hot_path int hvm_copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    return copy_guest(v, (void *)src, gva, len, true);
}

/* core/guest_access.h for HVM and PVH vCPUs: hypercall pointers are
 * virtual addresses of the calling vCPU. */
__hot_path int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    /* A native handler serving a 32-bit caller (HVM, PVH or 32-bit PV)
     * reads the structures the compat layer translated
     * (core/compat/xlat.h). */
    int rc = compat_xlat_copy(v, dst, gva, len, false);
    if (rc <= 0)
        return rc;
    /* A PV vCPU's pointers go through its own page tables (pv/pv_vcpu.c). */
    if (v->domain->type == DOMCFG_PV)
        return pv_copy_guest(v, dst, gva, len, false);
    return hvm_copy_from_guest(v, dst, gva, len);
}

__hot_path int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    int rc = compat_xlat_copy(v, (void *)src, gva, len, true);
    if (rc <= 0)
        return rc;
    if (v->domain->type == DOMCFG_PV)
        return pv_copy_guest(v, (void *)src, gva, len, true);
    return hvm_copy_to_guest(v, gva, src, len);
}
