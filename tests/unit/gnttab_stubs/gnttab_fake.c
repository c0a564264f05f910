/* Fake environment of the grant-table host tests (see gnttab_fake.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnttab_fake.h"
#include "gnttab/gnttab_internal.h"
#include "core/guest_access.h"
#include "hvm/vendor.h"
#include "lib/errno.h"

struct fake_frame fake_frames[FAKE_NR_FRAMES];
static uint8_t (*fake_mem)[PAGE_SIZE];
struct fake_dom fake_doms[FAKE_MAX_DOMS];
struct fake_event fake_events[4096];
unsigned fake_nr_events;
int fake_physmap_set_fail, fake_alloc_fail, fake_errors;
static unsigned fake_writable[FAKE_NR_FRAMES];  /* gnttab_get_writable references per frame */
long fake_heap_live;
int gnttab_fake_locks_held, gnttab_fake_lock_nesting;

#define FAKE_ERR(...) do { fprintf(stderr, "fake: " __VA_ARGS__); fputc('\n', stderr); fake_errors++; } while (0)

static void fake_event(int kind, uint16_t domid, uint64_t mfn)
{
    if (fake_nr_events < sizeof(fake_events) / sizeof(fake_events[0]))
        fake_events[fake_nr_events++] = (struct fake_event){ kind, domid, mfn };
}

struct fake_frame *fake_frame(uint64_t mfn)
{
    if (mfn < FAKE_MFN_BASE || mfn >= FAKE_MFN_BASE + FAKE_NR_FRAMES)
        return NULL;
    return &fake_frames[mfn - FAKE_MFN_BASE];
}

void fake_reset(void)
{
    unsigned i;

    for (i = 0; i < FAKE_MAX_DOMS; i++)
        if (fake_doms[i].alive || fake_doms[i].d.gnttab)
            fake_dom_kill(i);
    if (!fake_mem)
        fake_mem = calloc(FAKE_NR_FRAMES, PAGE_SIZE);
    for (i = 0; i < FAKE_NR_FRAMES; i++) {
        if (fake_frames[i].owner != DOMID_INVALID && fake_frames[i].count)
            FAKE_ERR("frame %u still referenced at reset", i);
        if (fake_writable[i])
            FAKE_ERR("frame %u still holds %u writable type references at reset", i, fake_writable[i]);
        fake_writable[i] = 0;
        fake_frames[i] = (struct fake_frame){ .owner = DOMID_INVALID };
    }
    memset(fake_doms, 0, sizeof(fake_doms));
    fake_nr_events = 0;
    fake_physmap_set_fail = fake_alloc_fail = 0;
    gnttab_fake_locks_held = gnttab_fake_lock_nesting = 0;
}

static uint64_t fake_alloc_frame(uint16_t owner)
{
    unsigned i;

    for (i = 0; i < FAKE_NR_FRAMES; i++)
        if (fake_frames[i].owner == DOMID_INVALID) {
            fake_frames[i] = (struct fake_frame){ .owner = owner };
            memset(fake_mem[i], 0, PAGE_SIZE);
            return FAKE_MFN_BASE + i;
        }
    return PHYSMAP_NO_MFN;
}

static void fake_free_frame(uint64_t mfn)
{
    struct fake_frame *f = fake_frame(mfn);

    if (!f || f->owner == DOMID_INVALID) {
        FAKE_ERR("double free of mfn %#llx", (unsigned long long)mfn);
        return;
    }
    if (f->count)
        FAKE_ERR("freeing referenced mfn %#llx", (unsigned long long)mfn);
    memset(fake_mem[mfn - FAKE_MFN_BASE], 0xdd, PAGE_SIZE);
    *f = (struct fake_frame){ .owner = DOMID_INVALID };
}

uint64_t fake_frames_in_use(void)
{
    uint64_t n = 0;
    unsigned i;

    for (i = 0; i < FAKE_NR_FRAMES; i++)
        n += fake_frames[i].owner != DOMID_INVALID;
    return n;
}

/* ---- mm ---- */

void *alloc_pages(unsigned order, uint16_t owner)
{
    uint64_t mfn;

    if (order != 0)
        FAKE_ERR("alloc_pages order %u", order);
    if (fake_alloc_fail > 0) {
        fake_alloc_fail--;
        return NULL;
    }
    mfn = fake_alloc_frame(owner);
    return mfn == PHYSMAP_NO_MFN ? NULL : fake_mem[mfn - FAKE_MFN_BASE];
}

void free_pages(void *va, unsigned order)
{
    (void)order;
    fake_free_frame(virt_to_phys(va) >> PAGE_SHIFT);
}

/* A hypervisor frame shared with a domain (the real one in mm/mm.c): here
 * a DOMID_XEN frame; given up while referenced it becomes an orphan. */
void *alloc_shared_page(uint16_t domid)
{
    (void)domid;
    return alloc_pages(0, DOMID_XEN);
}

void free_shared_page(void *va)
{
    uint64_t mfn = virt_to_phys(va) >> PAGE_SHIFT;
    struct fake_frame *f = fake_frame(mfn);

    if (!f || f->owner != DOMID_XEN || f->orphan) {
        FAKE_ERR("free_shared_page of mfn %#llx", (unsigned long long)mfn);
        return;
    }
    if (f->count)
        f->orphan = true;
    else
        fake_free_frame(mfn);
}

bool frame_get(uint64_t mfn, uint16_t owner)
{
    struct fake_frame *f = fake_frame(mfn);

    if (!f || f->owner == DOMID_INVALID || f->orphan || f->owner != owner)
        return false;
    f->count++;
    return true;
}

void frame_put(uint64_t mfn)
{
    struct fake_frame *f = fake_frame(mfn);

    fake_event(FAKE_EV_PUT, 0, mfn);
    if (!f || f->owner == DOMID_INVALID || !f->count) {
        FAKE_ERR("frame_put of unreferenced mfn %#llx", (unsigned long long)mfn);
        return;
    }
    if (--f->count == 0 && f->orphan)
        fake_free_frame(mfn);
}

void *phys_to_virt(uint64_t pa)
{
    struct fake_frame *f = fake_frame(pa >> PAGE_SHIFT);

    if (!f || f->owner == DOMID_INVALID) {
        FAKE_ERR("phys_to_virt of free/invalid pa %#llx", (unsigned long long)pa);
        abort();
    }
    return fake_mem[(pa >> PAGE_SHIFT) - FAKE_MFN_BASE] + (pa & (PAGE_SIZE - 1));
}

uint64_t virt_to_phys(const void *va)
{
    const uint8_t *p = va, *base = fake_mem[0];

    if (p < base || p >= base + (size_t)FAKE_NR_FRAMES * PAGE_SIZE) {
        FAKE_ERR("virt_to_phys outside fake memory");
        abort();
    }
    return ((uint64_t)(p - base) + ((uint64_t)FAKE_MFN_BASE << PAGE_SHIFT));
}

void *xzalloc(size_t size, enum heap_tag tag)
{
    void *p;

    (void)tag;
    if (fake_alloc_fail > 0) {
        fake_alloc_fail--;
        return NULL;
    }
    p = calloc(1, size ? size : 1);
    if (p)
        fake_heap_live++;
    return p;
}

void xfree(void *p)
{
    if (p)
        fake_heap_live--;
    free(p);
}

/* ---- domains ---- */

static struct fake_dom *fake_of(struct domain *d)
{
    return container_of(d, struct fake_dom, d);
}

struct domain *domain_get_by_id(uint16_t domid)
{
    unsigned i;

    for (i = 0; i < FAKE_MAX_DOMS; i++)
        if (fake_doms[i].alive && fake_doms[i].d.domid == domid) {
            fake_doms[i].refcnt++;
            return &fake_doms[i].d;
        }
    return NULL;
}

void domain_put(struct domain *d)
{
    if (fake_of(d)->refcnt-- <= 0)
        FAKE_ERR("domain_put without reference");
}

int fake_dom_create(unsigned slot, uint16_t domid, unsigned ram_pages, unsigned max_frames, unsigned max_mt)
{
    struct fake_dom *fd = &fake_doms[slot];
    unsigned g;

    memset(fd, 0, sizeof(*fd));
    fd->d.domid = domid;
    fd->v.domain = &fd->d;
    fd->ram_pages = ram_pages;
    for (g = 0; g < FAKE_NR_GFNS; g++)
        fd->p2m[g] = (struct physmap_entry){ PHYSMAP_NO_MFN, 0 };
    for (g = 0; g < ram_pages; g++) {
        fd->ram_mfn[g] = fake_alloc_frame(domid);
        fd->p2m[g] = (struct physmap_entry){ fd->ram_mfn[g], P2M_R | P2M_W | P2M_X };
    }
    fd->alive = true;
    return gnttab_domain_init(&fd->d, max_frames, max_mt);
}

void fake_dom_kill(unsigned slot)
{
    struct fake_dom *fd = &fake_doms[slot];
    unsigned g;

    fd->alive = false;
    if (fd->refcnt)
        FAKE_ERR("d%u killed with %d references", fd->d.domid, fd->refcnt);
    gnttab_domain_destroy(&fd->d);
    for (g = 0; g < fd->ram_pages; g++) {
        struct fake_frame *f = fake_frame(fd->ram_mfn[g]);

        if (f->count)
            f->orphan = true;
        else
            fake_free_frame(fd->ram_mfn[g]);
    }
    fd->ram_pages = 0;
    for (g = 0; g < FAKE_NR_GFNS; g++)
        fd->p2m[g] = (struct physmap_entry){ PHYSMAP_NO_MFN, 0 };
}

struct grant_entry_v1 *fake_entry(unsigned slot, uint32_t ref)
{
    struct gnttab_domain *gt = fake_doms[slot].d.gnttab;

    return ref < gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME ? gnttab_entry(gt, ref) : NULL;
}

long fake_hypercall(unsigned slot, unsigned cmd, void *ops, size_t size, unsigned count)
{
    struct fake_dom *fd = &fake_doms[slot];
    long rc;

    if (size > FAKE_GUEST_BYTES - 4096)
        size = FAKE_GUEST_BYTES - 4096;
    memcpy(fd->guest + 4096, ops, size);
    rc = gnttab_hypercall(&fd->v, cmd, 4096, count);
    memcpy(ops, fd->guest + 4096, size);
    if (gnttab_fake_locks_held)
        FAKE_ERR("lock held after hypercall");
    return rc;
}

/* ---- physmap ---- */

static struct fake_dom *fake_p2m_dom(struct domain *d) { return fake_of(d); }

uint64_t physmap_ram_mfn(struct domain *d, uint64_t gfn)
{
    struct fake_dom *fd = fake_p2m_dom(d);
    struct fake_frame *f;

    if (gfn >= FAKE_NR_GFNS)
        return PHYSMAP_NO_MFN;
    f = fake_frame(fd->p2m[gfn].mfn);
    if (!f || f->owner != d->domid || f->orphan)
        return PHYSMAP_NO_MFN;
    return fd->p2m[gfn].mfn;
}

void *physmap_map_ram(struct domain *d, uint64_t gfn)
{
    uint64_t mfn = physmap_ram_mfn(d, gfn);

    return mfn == PHYSMAP_NO_MFN ? NULL : phys_to_virt(mfn << PAGE_SHIFT);
}

struct physmap_entry physmap_get(struct domain *d, uint64_t gfn)
{
    if (gfn >= FAKE_NR_GFNS)
        return (struct physmap_entry){ PHYSMAP_NO_MFN, 0 };
    return fake_p2m_dom(d)->p2m[gfn];
}

int physmap_set(struct domain *d, uint64_t gfn, struct physmap_entry e, struct physmap_entry *prev)
{
    struct fake_dom *fd = fake_p2m_dom(d);

    if (gfn >= PHYSMAP_MAX_GFN)
        return -EINVAL;
    if (gfn >= FAKE_NR_GFNS)
        return -ENOMEM;     /* stands for "could not allocate a table page" */
    if (fake_physmap_set_fail > 0) {
        fake_physmap_set_fail--;
        return -ENOMEM;
    }
    if (prev)
        *prev = fd->p2m[gfn];
    fd->p2m[gfn] = e;
    return 0;
}

void physmap_flush(struct domain *d)
{
    fake_p2m_dom(d)->flushes++;
    fake_event(FAKE_EV_FLUSH, d->domid, 0);
}

/* ---- guest memory ---- */

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    struct fake_dom *fd = fake_of(v->domain);

    if (gva > FAKE_GUEST_BYTES || len > FAKE_GUEST_BYTES - gva)
        return -EFAULT;
    memcpy(dst, fd->guest + gva, len);
    return 0;
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    struct fake_dom *fd = fake_of(v->domain);

    if (gva > FAKE_GUEST_BYTES || len > FAKE_GUEST_BYTES - gva)
        return -EFAULT;
    memcpy(fd->guest + gva, src, len);
    return 0;
}

/* ---- gnttab_pv.c: the fake domains are all auto-translated ---- */

bool gnttab_is_pv(const struct domain *d)
{
    (void)d;
    return false;
}

uint64_t gnttab_own_frame(struct domain *d, uint64_t frame)
{
    return physmap_ram_mfn(d, frame);
}

/* Writable type references: counted per frame, so that every get has its
 * put (fake_reset complains otherwise). */
int gnttab_get_writable(uint16_t mapper, uint64_t mfn)
{
    (void)mapper;
    if (mfn >= FAKE_NR_FRAMES) {
        FAKE_ERR("writable reference on frame %lu beyond the table", (unsigned long)mfn);
        return -EINVAL;
    }
    fake_writable[mfn]++;
    return 0;
}

void gnttab_put_writable(uint64_t mfn)
{
    if (mfn >= FAKE_NR_FRAMES || !fake_writable[mfn]) {
        FAKE_ERR("writable reference on frame %lu dropped twice", (unsigned long)mfn);
        return;
    }
    fake_writable[mfn]--;
}

void gnttab_pv_op_map(struct vcpu *v, struct gnttab_map_grant_ref *op)
{
    (void)v;
    (void)op;
    FAKE_ERR("PV map called for a translated fake domain");
}

void gnttab_pv_op_unmap(struct vcpu *v, struct gnttab_unmap_grant_ref *op, struct gnttab_defer *q)
{
    (void)v;
    (void)op;
    (void)q;
    FAKE_ERR("PV unmap called for a translated fake domain");
}

void gnttab_pv_unmap_done(struct vcpu *v, struct gnttab_defer *q)
{
    (void)v;
    (void)q;
    FAKE_ERR("PV unmap drain called for a translated fake domain");
}

/* mm/logdirty.c: the last page a grant copy reported written, and how many. */
struct domain *fake_ld_dom;
uint64_t fake_ld_gfn;
unsigned fake_ld_marks;
void logdirty_mark(struct domain *d, uint64_t gfn)
{
    fake_ld_dom = d;
    fake_ld_gfn = gfn;
    fake_ld_marks++;
}
