/*
 * The writable-page-table assist's instruction emulation (pv_ptwr.h).
 *
 * The emulator core sees a 64-bit flat ring-3 machine (Xen's selectors, the
 * guest's FS/GS bases, paging on with WP, long mode) and hands its memory
 * accesses to the callbacks below.  Reads go to the guest's own view;
 * exactly one write is accepted, and only inside one aligned entry of the
 * page that faulted: a part of an entry (1, 2 or 4 bytes) is merged into
 * the entry as read just before and the whole entry checked (as Xen; like
 * XCHG and CMPXCHG here, not atomic against another vCPU writing the same
 * entry, never unsafe: the merged value is what gets checked); a second
 * write would have to be undone if the first were refused.  Anything else
 * gives up, so the fault goes back to the guest.
 */
#include "pv/pv_ptwr.h"

#include <stdbool.h>

#include "hvm/emulate/x86_emulate.h"
#include "lib/errno.h"
#include "lib/string.h"

struct ptwr_call {
    const struct pv_ptwr_env *e;
    uint64_t page;
    int rc;             /* the write's result, if it came */
    bool wrote;
};

static enum emul_rc cb_read(struct emul_ctx *c, uint64_t la, void *buf, unsigned len, unsigned acc)
{
    struct ptwr_call *p = c->priv;

    (void)acc;
    if (p->e->read(p->e->ctx, la, buf, len))
        return emul_fail(c, "unreadable at %#llx", (unsigned long long)la);
    return EMUL_OK;
}

static enum emul_rc cb_write(struct emul_ctx *c, uint64_t la, const void *buf, unsigned len)
{
    struct ptwr_call *p = c->priv;
    uint64_t val;

    if (p->wrote || !len || len > 8 || (la & 7) + len > 8 || (la & ~0xfffull) != p->page)
        return emul_fail(c, "write of %u bytes at %#llx", len, (unsigned long long)la);
    if (len == 8) {
        memcpy(&val, buf, 8);
    } else {
        /* A part of one entry (Linux clears RW with a 1-byte AND): merged
         * into the entry as it is now and checked whole, as Xen does. */
        if (p->e->read(p->e->ctx, la & ~7ull, &val, 8))
            return emul_fail(c, "entry unreadable at %#llx", (unsigned long long)(la & ~7ull));
        memcpy((uint8_t *)&val + (la & 7), buf, len);
    }
    p->rc = p->e->write_entry(p->e->ctx, la & ~7ull, val);
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
    c.cr0 = 0x80050033ull;      /* PE MP ET NE WP AM PG */
    c.cr4 = 0x620ull;           /* PAE OSFXSR OSXMMEXCPT */
    c.efer = 0xd01ull;          /* SCE LME LMA NXE */
    c.cpl = 3;
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
