/*
 * The writable-page-table assist's instruction emulation (pv_ptwr.h).
 *
 * The emulator core sees a 64-bit flat ring-3 machine (Xen's selectors, the
 * guest's FS/GS bases, paging on with WP, long mode), or for a 32-bit PV
 * kernel compatibility mode with the vCPU's six segments (32-bit or, with
 * 67, 16-bit addressing; bases and limits as its descriptors say), and
 * hands its memory accesses to the callbacks below.  Reads go to the
 * guest's own view; exactly one write is accepted (a 32-bit kernel's
 * refused high half is tried once more not present: cb_write), and only
 * inside one aligned entry of the page that faulted: a part of an entry
 * (1, 2 or 4 bytes) is merged into
 * the entry as read just before and the whole entry checked (as Xen); a
 * second write would have to be undone if the first were refused.
 * Anything else gives up, so the fault goes back to the guest.
 *
 * Atomicity: the store is a compare-exchange (write_entry's expect)
 * whenever it depends on the entry's old value: a partial store (the
 * merge) and a read-modify-write (XCHG, CMPXCHG, AND, ...: the emulator
 * read the destination first).  The bytes the emulator read of the entry
 * must still be the entry's, and the entry must still be the value the
 * merge used when it is stored; if another vCPU (or the processor's A/D
 * update) changed it in between, nothing is stored and the guest runs the
 * instruction again (-ERESTART), as a locked instruction would have seen
 * the new value.  A plain 8-byte MOV stores unconditionally.
 */
#include "pv/pv_ptwr.h"

#include <stdbool.h>

#include "hvm/emulate/x86_emulate.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Reads of the faulting page the instruction made (its destination, for a
 * read-modify-write), split at entry boundaries: at most PTWR_READS pieces. */
#define PTWR_READS 8

struct ptwr_call {
    const struct pv_ptwr_env *e;
    uint64_t page;
    int rc;             /* the write's result, if it came */
    bool wrote;
    unsigned nr_reads;
    struct { uint64_t la; unsigned len; uint8_t bytes[8]; } reads[PTWR_READS];
};

static enum emul_rc cb_read(struct emul_ctx *c, uint64_t la, void *buf, unsigned len, unsigned acc)
{
    struct ptwr_call *p = c->priv;

    (void)acc;
    if (p->e->read(p->e->ctx, la, buf, len))
        return emul_fail(c, "unreadable at %#llx", (unsigned long long)la);
    /* What the instruction read of the page is remembered, per entry, so
     * that the write can check that its entry has not changed since (more
     * than PTWR_READS pieces gives up: no instruction a kernel uses on its
     * tables reads that much). */
    for (unsigned off = 0; off < len;) {
        uint64_t a = la + off;
        unsigned n = 8 - (unsigned)(a & 7);
        if (n > len - off)
            n = len - off;
        if ((a & ~0xfffull) == p->page) {
            if (p->nr_reads == PTWR_READS)
                return emul_fail(c, "read of %u bytes at %#llx in the table", len, (unsigned long long)la);
            p->reads[p->nr_reads].la = a;
            p->reads[p->nr_reads].len = n;
            memcpy(p->reads[p->nr_reads].bytes, (const uint8_t *)buf + off, n);
            p->nr_reads++;
        }
        off += n;
    }
    return EMUL_OK;
}

/* Whether the instruction read any of the entry at ent (8-aligned), and
 * if so whether those bytes are still what 'now' holds. */
static bool reads_of_entry(const struct ptwr_call *p, uint64_t ent, uint64_t now, bool *same)
{
    bool any = false;

    *same = true;
    for (unsigned i = 0; i < p->nr_reads; i++) {
        if ((p->reads[i].la & ~7ull) != ent)
            continue;
        any = true;
        if (memcmp((const uint8_t *)&now + (p->reads[i].la & 7), p->reads[i].bytes, p->reads[i].len))
            *same = false;
    }
    return any;
}

static enum emul_rc cb_write(struct emul_ctx *c, uint64_t la, const void *buf, unsigned len)
{
    struct ptwr_call *p = c->priv;
    uint64_t val;

    uint64_t ent = la & ~7ull, old = 0;
    bool rmw = false, same = true;

    if (p->wrote || !len || len > 8 || (la & 7) + len > 8 || (la & ~0xfffull) != p->page)
        return emul_fail(c, "write of %u bytes at %#llx", len, (unsigned long long)la);
    if (len < 8 || p->nr_reads) {
        /* The entry as it is now: what a partial store is merged into, and
         * what the compare-exchange expects. */
        if (p->e->read(p->e->ctx, ent, &old, 8))
            return emul_fail(c, "entry unreadable at %#llx", (unsigned long long)ent);
        rmw = reads_of_entry(p, ent, old, &same);
        if (!same) {
            p->rc = -ERESTART;      /* changed since the instruction read it: run it again */
            return emul_fail(c, "entry changed under a read-modify-write");
        }
    }
    if (len == 8) {
        memcpy(&val, buf, 8);
    } else {
        /* A part of one entry (Linux clears RW with a 1-byte AND): merged
         * into the entry and checked whole, as Xen does. */
        val = old;
        memcpy((uint8_t *)&val + (la & 7), buf, len);
    }
    p->rc = p->e->write_entry(p->e->ctx, ent, (len < 8 || rmw) ? &old : NULL, val);
    if (p->e->compat && p->rc && p->rc != -EAGAIN && p->rc != -ERESTART && p->rc != -EFAULT && len == 4 &&
        (la & 7) == 4 && !rmw && (val & 1)) {
        /* A PAE kernel's high half written first (Xen's rule for 32-bit
         * guests): the merged entry is refused while present, so it is
         * stored not present (no reference to check) and the low half,
         * written next, makes it present and is checked whole then.  A
         * compare-exchange against the entry the merge used. */
        p->rc = p->e->write_entry(p->e->ctx, ent, &old, val & ~1ull);
    }
    if (p->rc == -EAGAIN)
        p->rc = -ERESTART;          /* changed between the merge and the store */
    if (p->rc)
        return emul_fail(c, "entry refused (%d)", p->rc);
    p->wrote = true;
    return EMUL_OK;
}

static const struct emul_ops ptwr_ops = { .read = cb_read, .write = cb_write };

/* Segment attributes in the emulator's packed form: P, DPL 3, S, type. */
#define ATTR_CODE64 0xafbu      /* code RX accessed, L, G */
#define ATTR_DATA   0xcf3u      /* data RW accessed, D/B, G */
#define FLAT_CS     0xe033u
#define FLAT_SS     0xe02bu

int pv_ptwr_emulate(const struct pv_ptwr_env *e, struct guest_regs *r, uint64_t cr2)
{
    struct ptwr_call p = { .e = e, .page = cr2 & ~0xfffull };
    struct emul_ctx c;

    memset(&c, 0, sizeof(c));
    c.regs = *r;
    for (unsigned s = 0; s < EMUL_NR_SEGS; s++)
        c.seg[s] = (struct emul_segment){ FLAT_SS, ATTR_DATA, 0xffffffffu, 0 };
    c.seg[EMUL_CS] = (struct emul_segment){ FLAT_CS, ATTR_CODE64, 0xffffffffu, 0 };
    c.seg[EMUL_FS].base = e->fs_base;
    c.seg[EMUL_GS].base = e->gs_base;
    if (e->compat) {
        /* Compatibility mode: long mode active, CS without L (its D bit
         * picks 32- or 16-bit operands and addresses), each segment's
         * base and limit as the vCPU's descriptors give them. */
        _Static_assert(EMUL_NR_SEGS == 6 && EMUL_ES == 0 && EMUL_GS == 5, "pv_ptwr_seg order");
        for (unsigned s = 0; s < EMUL_NR_SEGS; s++)
            c.seg[s] = (struct emul_segment){ e->seg[s].sel, e->seg[s].attr, e->seg[s].limit, e->seg[s].base };
    }
    c.cr0 = 0x80050033ull;      /* PE MP ET NE WP AM PG */
    c.cr4 = 0x620ull;           /* PAE OSFXSR OSXMMEXCPT */
    c.efer = 0xd01ull;          /* SCE LME LMA NXE */
    c.cpl = e->compat ? e->cpl : 3;
    c.max_reps = 1;
    c.ops = &ptwr_ops;
    c.priv = &p;
    enum emul_rc rc = emul_run(&c);
    if (rc == EMUL_OK) {
        /* Done; also without a write (a CMPXCHG whose comparison failed
         * need not write).  Only what an instruction may change: the
         * GPRs, RIP, the arithmetic flags (the caller's checks keep the
         * rest of RFLAGS). */
        uint64_t fl = (r->rflags & ~(uint64_t)EMUL_FL_ARITH) | (c.regs.rflags & EMUL_FL_ARITH);
        *r = c.regs;
        r->rflags = fl;
        return 0;
    }
    return p.rc == -ERESTART ? -ERESTART : -EINVAL;
}
