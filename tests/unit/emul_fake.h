/*
 * A fake guest for the instruction emulator tests: a handful of 4 KiB pages
 * at chosen linear addresses, each RAM, MMIO (RAM-like, but every access is
 * logged) or absent (#PF with CR2 and an error code), and helpers that set
 * up the mode and segment state of real, 32-bit and 64-bit guests.
 */
#ifndef RV_TESTS_UNIT_EMUL_FAKE_H
#define RV_TESTS_UNIT_EMUL_FAKE_H

#include <stdio.h>
#include <string.h>

#include "hvm/emulate/x86_emulate.h"

enum { PG_RAM = 1, PG_MMIO = 2 };

struct fake_page {
    uint64_t la;
    int kind;
    bool readonly;
    uint8_t data[4096];
};

struct fake_access {
    uint64_t la;
    unsigned len;
    bool write;
    uint64_t val;
};

#define FAKE_PAGES 12
#define FAKE_LOG 64

struct fake {
    struct fake_page pages[FAKE_PAGES];
    unsigned nr_pages;
    struct fake_access log[FAKE_LOG];
    unsigned nr_log;
    unsigned nr_calls;
};

static struct fake fk;

static struct fake_page *fake_find(uint64_t la)
{
    for (unsigned i = 0; i < fk.nr_pages; i++)
        if (fk.pages[i].la == (la & ~4095ull))
            return &fk.pages[i];
    return NULL;
}

static struct fake_page *fake_map(uint64_t la, int kind)
{
    struct fake_page *p = fake_find(la);
    if (!p) {
        if (fk.nr_pages == FAKE_PAGES)
            abort();
        p = &fk.pages[fk.nr_pages++];
    }
    memset(p, 0, sizeof(*p));
    p->la = la & ~4095ull;
    p->kind = kind;
    return p;
}

/* The page-fault error code (SDM vol. 3, 4.7): P, W/R, U/S, I/D. */
static enum emul_rc fake_check(struct emul_ctx *c, uint64_t la, unsigned len, bool write, unsigned acc)
{
    for (uint64_t a = la; a < la + len; a = (a & ~4095ull) + 4096) {
        struct fake_page *p = fake_find(a);
        uint32_t pfec = (write ? 2 : 0) | (c->cpl == 3 ? 4 : 0) | ((acc & EMUL_ACC_FETCH) ? 16 : 0);
        if (!p)
            return emul_raise_pf(c, a, pfec);
        if (write && p->readonly)
            return emul_raise_pf(c, a, pfec | 1);
    }
    return EMUL_OK;
}

static void fake_log(uint64_t la, const void *buf, unsigned len, bool write)
{
    if (fk.nr_log < FAKE_LOG) {
        struct fake_access *l = &fk.log[fk.nr_log++];
        l->la = la;
        l->len = len;
        l->write = write;
        l->val = 0;
        memcpy(&l->val, buf, len < 8 ? len : 8);
    }
}

static enum emul_rc fake_read(struct emul_ctx *c, uint64_t la, void *buf, unsigned len, unsigned acc)
{
    enum emul_rc rc = fake_check(c, la, len, acc & EMUL_ACC_RMW, acc);
    fk.nr_calls++;
    if (len == 0 || len > 16)
        abort();                    /* the core must never ask for that */
    if (rc != EMUL_OK)
        return rc;
    for (unsigned i = 0; i < len; i++) {
        struct fake_page *p = fake_find(la + i);
        ((uint8_t *)buf)[i] = p->data[(la + i) & 4095];
    }
    struct fake_page *p = fake_find(la);
    if (p->kind == PG_MMIO && !(acc & EMUL_ACC_FETCH))
        fake_log(la, buf, len, false);
    return EMUL_OK;
}

static enum emul_rc fake_write(struct emul_ctx *c, uint64_t la, const void *buf, unsigned len)
{
    enum emul_rc rc = fake_check(c, la, len, true, 0);
    fk.nr_calls++;
    if (len == 0 || len > 16)
        abort();
    if (rc != EMUL_OK)
        return rc;
    for (unsigned i = 0; i < len; i++) {
        struct fake_page *p = fake_find(la + i);
        p->data[(la + i) & 4095] = ((const uint8_t *)buf)[i];
    }
    if (fake_find(la)->kind == PG_MMIO)
        fake_log(la, buf, len, true);
    return EMUL_OK;
}

static const struct emul_ops fake_ops = { fake_read, fake_write };

static void fake_poke(uint64_t la, const void *src, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        struct fake_page *p = fake_find(la + i);
        if (!p)
            abort();
        p->data[(la + i) & 4095] = ((const uint8_t *)src)[i];
    }
}

static uint64_t fake_peek(uint64_t la, unsigned len)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < len; i++) {
        struct fake_page *p = fake_find(la + i);
        if (!p)
            abort();
        v |= (uint64_t)p->data[(la + i) & 4095] << (8 * i);
    }
    return v;
}

static void fake_poke_u(uint64_t la, uint64_t v, unsigned len)
{
    fake_poke(la, &v, len);
}

/* Hex string ("48 89 08") into bytes at la. */
static unsigned fake_code(uint64_t la, const char *hex)
{
    unsigned n = 0, b;
    int used;
    while (sscanf(hex, " %2x%n", &b, &used) == 1) {
        uint8_t byte = (uint8_t)b;
        fake_poke(la + n++, &byte, 1);
        hex += used;
    }
    return n;
}

static void seg_set(struct emul_segment *s, uint16_t sel, uint64_t base, uint32_t limit, uint16_t attr)
{
    s->sel = sel;
    s->base = base;
    s->limit = limit;
    s->attr = attr;
}

/* A guest in mode 16 (real mode), 32 (flat protected mode) or 64 (long
 * mode, flat), with RIP = rip and the fake memory emptied. */
static void fake_setup(struct emul_ctx *c, unsigned mode, uint64_t rip)
{
    memset(&fk, 0, sizeof(fk));
    memset(c, 0, sizeof(*c));
    c->ops = &fake_ops;
    c->regs.rip = rip;
    c->regs.rflags = 0x2;
    for (unsigned i = 0; i < EMUL_NR_SEGS; i++) {
        if (mode == 16)
            seg_set(&c->seg[i], 0, 0, 0xffff, 0x93);
        else
            seg_set(&c->seg[i], 0x10, 0, 0xffffffff, mode == 64 ? 0x93 : 0xc93);
    }
    if (mode == 16) {
        c->seg[EMUL_CS].attr = 0x9b;
    } else if (mode == 32) {
        c->cr0 = 1;
        seg_set(&c->seg[EMUL_CS], 0x08, 0, 0xffffffff, 0xc9b);
    } else {
        c->cr0 = 0x80000001;
        c->cr4 = 0x20;
        c->efer = 0x500;
        seg_set(&c->seg[EMUL_CS], 0x08, 0, 0xffffffff, 0x29b);
    }
}

#endif
