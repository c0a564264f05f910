/*
 * libFuzzer harness of grant tables v1 (src/gnttab/): random sequences of
 * grants, revocations, hostile entry writes, maps, unmaps, copies, table
 * growth and domain deaths/restarts between three fake domains, over the
 * fake environment of tests/unit/gnttab_stubs/.  After every step it checks
 * that frame reference counts equal the live mappings, pins equal the live
 * mappings per entry, the guest-visible flags match the pins, the mappers'
 * p2m holds every live mapping, and no lock was nested or leaked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnttab_fake.h"
#include "gnttab/gnttab_internal.h"
#include "hvm/vendor.h"

#define FUZZ_ASSERT(c) do {                                                       \
        if (!(c)) {                                                               \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); \
            abort();                                                              \
        }                                                                         \
    } while (0)

#define NDOM 3
#define RAMP 48
#define NREF (2 * GNTTAB_ENTRIES_PER_FRAME)     /* max_frames = 2 */
#define MAXMAPS 1200

struct live_map {
    unsigned mapper;            /* slot */
    uint32_t handle;
    uint16_t granter;           /* domid */
    uint64_t serial;
    uint32_t ref;
    uint64_t mfn, gfn;
    bool writable;
};

static struct live_map maps[MAXMAPS];
static unsigned nmaps;
static bool tainted[NDOM][NREF];
static uint64_t serial_of[NDOM];

/* Recent grants, so that maps and copies often name a valid one. */
static struct { unsigned slot; uint32_t ref; } hints[8];
static unsigned nhints;

static const uint8_t *in;
static size_t in_len;

static unsigned take(unsigned bytes)
{
    unsigned v = 0;

    while (bytes--) {
        v = v << 8 | (in_len ? *in : 0);
        if (in_len) {
            in++;
            in_len--;
        }
    }
    return v;
}

static uint16_t domid_of(unsigned slot) { return (uint16_t)(slot + 1); }

static void create(unsigned slot)
{
    FUZZ_ASSERT(fake_dom_create(slot, domid_of(slot), RAMP, 2, 1) == 0);
    serial_of[slot] = fake_doms[slot].d.gnttab->serial;
    memset(tainted[slot], 0, sizeof(tainted[slot]));
}

static uint16_t pick_dom(void)
{
    unsigned v = take(1);

    if (v < 0xf0)
        return domid_of(v % NDOM);
    return v < 0xf8 ? DOMID_SELF : (uint16_t)(v * 0x101);
}

static void check(void)
{
    unsigned s, i, r;

    FUZZ_ASSERT(fake_errors == 0);
    FUZZ_ASSERT(gnttab_fake_lock_nesting == 0 && gnttab_fake_locks_held == 0);
    for (i = 0; i < FAKE_NR_FRAMES; i++) {
        uint64_t mfn = FAKE_MFN_BASE + i;
        unsigned n = 0, k;

        for (k = 0; k < nmaps; k++)
            n += maps[k].mfn == mfn;
        FUZZ_ASSERT(fake_frames[i].count == n);
        if (n)
            FUZZ_ASSERT(fake_frames[i].owner != DOMID_INVALID);
    }
    for (i = 0; i < nmaps; i++) {
        struct fake_dom *fd = &fake_doms[maps[i].mapper];

        FUZZ_ASSERT(fd->alive);
        FUZZ_ASSERT(fd->p2m[maps[i].gfn].mfn == maps[i].mfn);
        FUZZ_ASSERT(fd->p2m[maps[i].gfn].perms == (P2M_R | (maps[i].writable ? P2M_W : 0)));
    }
    for (s = 0; s < NDOM; s++) {
        struct gnttab_domain *gt = fake_doms[s].d.gnttab;
        unsigned live = 0;

        FUZZ_ASSERT(fake_doms[s].refcnt == 0);
        for (i = 0; i < nmaps; i++)
            live += maps[i].mapper == s;
        FUZZ_ASSERT(gt->mt_live == live);
        for (r = 0; r < gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME; r++) {
            struct gnttab_active *a = gnttab_active_entry(gt, r);
            uint32_t pr = 0, pw = 0;
            uint16_t fl;

            for (i = 0; i < nmaps; i++)
                if (maps[i].serial == gt->serial && maps[i].ref == r)
                    maps[i].writable ? pw++ : pr++;
            FUZZ_ASSERT(a->pin_r == pr && a->pin_w == pw);
            if (tainted[s][r])
                continue;
            fl = gnttab_entry(gt, r)->flags;
            FUZZ_ASSERT(!!(fl & GTF_reading) == !!(pr + pw));
            FUZZ_ASSERT(!!(fl & GTF_writing) == !!pw);
        }
    }
}

static void forget_mapper(unsigned slot)
{
    unsigned i = 0;

    while (i < nmaps)
        if (maps[i].mapper == slot)
            maps[i] = maps[--nmaps];
        else
            i++;
}

static void do_map(unsigned s)
{
    struct gnttab_map_grant_ref op[3];
    unsigned n = take(1) % 3 + 1, i;
    long rc;

    memset(op, 0, sizeof(op));
    for (i = 0; i < n; i++) {
        unsigned g = take(2);

        unsigned how = take(1);

        if (how < 0xc0 && nhints) {
            op[i].dom = domid_of(hints[how % 8 % (nhints < 8 ? nhints : 8)].slot);
            op[i].ref = hints[how % 8 % (nhints < 8 ? nhints : 8)].ref;
        } else {
            op[i].dom = pick_dom();
            op[i].ref = how & 1 ? take(4) : take(2) % (NREF + 8);
        }
        op[i].flags = take(1) & 0x80 ? take(1) : GNTMAP_host_map | (take(1) & 1 ? GNTMAP_readonly : 0);
        op[i].host_addr = g == 0xffff ? (uint64_t)take(4) << 20 : (uint64_t)(g % (FAKE_NR_GFNS + 16)) << 12;
        if (take(1) == 0x55)
            op[i].host_addr |= 1;
    }
    rc = fake_hypercall(s, GNTTABOP_map_grant_ref, op, sizeof(op[0]) * n, n);
    FUZZ_ASSERT(rc == 0);
    for (i = 0; i < n; i++) {
        unsigned gslot;
        struct live_map *m;

        if (op[i].status != GNTST_okay)
            continue;
        FUZZ_ASSERT(nmaps < MAXMAPS);
        gslot = op[i].dom - 1u;
        FUZZ_ASSERT(gslot < NDOM && gslot != s && fake_doms[gslot].alive);
        m = &maps[nmaps++];
        m->mapper = s;
        m->handle = op[i].handle;
        m->granter = op[i].dom;
        m->serial = serial_of[gslot];
        m->ref = op[i].ref;
        m->gfn = op[i].host_addr >> 12;
        m->mfn = fake_doms[s].p2m[m->gfn].mfn;
        m->writable = !(op[i].flags & GNTMAP_readonly);
        FUZZ_ASSERT(fake_frame(m->mfn) && fake_frame(m->mfn)->owner == op[i].dom);
    }
}

static void do_unmap(unsigned s)
{
    struct gnttab_unmap_grant_ref op = { 0 };
    unsigned k = take(2), i;
    int found = -1;

    if (nmaps && (k & 0x8000)) {
        struct live_map *m = &maps[k % nmaps];

        s = m->mapper;
        op.handle = m->handle;
        op.host_addr = k & 0x4000 ? m->gfn << 12 : 0;
    } else {
        op.handle = take(4);
        op.host_addr = k & 0x4000 ? (uint64_t)take(2) << 12 : 0;
    }
    for (i = 0; i < nmaps; i++)
        if (maps[i].mapper == s && maps[i].handle == op.handle)
            found = (int)i;
    FUZZ_ASSERT(fake_hypercall(s, GNTTABOP_unmap_grant_ref, &op, sizeof(op), 1) == 0);
    if (found < 0) {
        FUZZ_ASSERT(op.status == GNTST_bad_handle);
        return;
    }
    if (op.host_addr && op.host_addr != maps[found].gfn << 12) {
        FUZZ_ASSERT(op.status == GNTST_bad_virt_addr);
        return;
    }
    FUZZ_ASSERT(op.status == GNTST_okay);
    maps[found] = maps[--nmaps];
}

static void do_copy(unsigned s)
{
    struct gnttab_copy op;

    memset(&op, 0, sizeof(op));
    op.flags = take(1) & 3;
    op.source.domid = pick_dom();
    op.dest.domid = pick_dom();
    op.source.u.gmfn = (op.flags & GNTCOPY_source_gref) ? take(2) % (NREF + 8) : take(1);
    op.dest.u.gmfn = (op.flags & GNTCOPY_dest_gref) ? take(2) % (NREF + 8) : take(1);
    if (nhints && (op.flags & GNTCOPY_source_gref) && (op.source.u.ref & 1)) {
        op.source.domid = domid_of(hints[op.source.u.ref / 2 % 8 % (nhints < 8 ? nhints : 8)].slot);
        op.source.u.ref = hints[op.source.u.ref / 2 % 8 % (nhints < 8 ? nhints : 8)].ref;
    }
    if (nhints && (op.flags & GNTCOPY_dest_gref) && (op.dest.u.ref & 1)) {
        op.dest.domid = domid_of(hints[op.dest.u.ref / 2 % 8 % (nhints < 8 ? nhints : 8)].slot);
        op.dest.u.ref = hints[op.dest.u.ref / 2 % 8 % (nhints < 8 ? nhints : 8)].ref;
    }
    op.source.offset = take(2) % 4200;
    op.dest.offset = take(2) % 4200;
    op.len = take(2) % 4200;
    FUZZ_ASSERT(fake_hypercall(s, GNTTABOP_copy, &op, sizeof(op), 1) == 0);
    if (op.status == GNTST_okay)
        FUZZ_ASSERT(op.source.offset + op.len <= 4096 && op.dest.offset + op.len <= 4096);
}

static void do_entry(unsigned s, unsigned kind)
{
    struct gnttab_domain *gt = fake_doms[s].d.gnttab;
    uint32_t ref = take(2) % (gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME);
    struct grant_entry_v1 *e = gnttab_entry(gt, ref);
    struct gnttab_active *a = gnttab_active_entry(gt, ref);
    uint16_t fl = e->flags;

    if (kind == 0) {                /* grant, as a well-behaved guest: only when not in use */
        if (fl & (GTF_reading | GTF_writing))
            return;
        e->frame = take(1) % (RAMP + 8);
        e->domid = pick_dom();
        e->flags = GTF_permit_access | (take(1) & 1 ? GTF_readonly : 0);
        hints[nhints++ % 8].slot = s;
        hints[(nhints - 1) % 8].ref = ref;
        if (!a->pin_r && !a->pin_w)
            tainted[s][ref] = false;
    } else if (kind == 1) {         /* revoke when not in use */
        if (!(fl & (GTF_reading | GTF_writing)))
            e->flags = 0;
    } else {                        /* hostile */
        uint32_t v = take(4);

        if (v & 1)
            e->frame = v;
        else
            __atomic_store_n((uint32_t *)e, v, __ATOMIC_RELAXED);
        tainted[s][ref] = true;
    }
}

static void do_table(unsigned s)
{
    unsigned v = take(1);

    if (v & 1) {
        struct gnttab_setup_table st = { .dom = pick_dom(), .nr_frames = take(1) % 4, .frame_list = 0x100 };

        FUZZ_ASSERT(fake_hypercall(s, GNTTABOP_setup_table, &st, sizeof(st), 1) == 0);
    } else {
        uint64_t mfn;
        unsigned idx = take(1) % 4;
        int rc = gnttab_table_frame(&fake_doms[s].d, idx, &mfn);

        FUZZ_ASSERT(rc == (idx < 2 ? 0 : -22));
        if (!rc)
            gnttab_set_frame_gfn(&fake_doms[s].d, idx, take(1));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned s, steps = 0;

    in = data;
    in_len = size;
    fake_reset();
    nmaps = 0;
    nhints = 0;
    for (s = 0; s < NDOM; s++)
        create(s);
    while (in_len && steps++ < 400) {
        unsigned op = take(1);

        s = (op >> 4) % NDOM;
        switch (op % 12) {
        case 0: case 1: case 2: do_entry(s, 0); break;
        case 3: do_entry(s, 1); break;
        case 4: do_entry(s, 2); break;
        case 5: case 6: case 7: do_map(s); break;
        case 8: do_unmap(s); break;
        case 9: do_copy(s); break;
        case 10: do_table(s); break;
        case 11:
            if ((op >> 6) == 3) {       /* death and restart with the same domid */
                fake_dom_kill(s);
                forget_mapper(s);
                create(s);
            }
            break;
        }
        check();
    }
    if (getenv("GNTTAB_FUZZ_TRACE"))
        fprintf(stderr, "steps %u, live mappings at the end %u\n", steps, nmaps);
    fake_reset();
    FUZZ_ASSERT(fake_frames_in_use() == 0 && fake_heap_live == 0 && fake_errors == 0);
    return 0;
}
