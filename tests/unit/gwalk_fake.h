/*
 * A fake guest-physical memory for the page walker's host tests
 * (test_gwalk.c, fuzz_gwalk.c): a few pages by frame number, read and
 * compare-and-exchange through struct gwalk_mem, and an optional
 * "another vCPU" that rewrites an entry just before our exchange.
 */
#ifndef RV_TESTS_GWALK_FAKE_H
#define RV_TESTS_GWALK_FAKE_H

#include <stdint.h>
#include <string.h>
#include "mm/gwalk.h"
#include "lib/errno.h"

#define FAKE_PAGES 16

struct fake_mem {
    unsigned nr;
    uint64_t pfn[FAKE_PAGES];
    uint8_t page[FAKE_PAGES][4096];
    unsigned reads, xchgs;
    /* Interference: the next `meddle` exchanges at meddle_gpa find the
     * entry replaced by meddle_val (and fail), which is then xored with
     * meddle_flip (a guest that keeps rewriting the entry). */
    unsigned meddle;
    uint64_t meddle_gpa, meddle_val, meddle_flip;
};

static uint8_t *fake_at(struct fake_mem *m, uint64_t gpa, int create)
{
    for (unsigned i = 0; i < m->nr; i++)
        if (m->pfn[i] == gpa >> 12)
            return m->page[i] + (gpa & 4095);
    if (!create || m->nr == FAKE_PAGES)
        return NULL;
    m->pfn[m->nr] = gpa >> 12;
    memset(m->page[m->nr], 0, 4096);
    return m->page[m->nr++] + (gpa & 4095);
}

static void fake_set(struct fake_mem *m, uint64_t gpa, unsigned size, uint64_t v)
{
    uint8_t *p = fake_at(m, gpa, 1);
    if (p)
        memcpy(p, &v, size);
}

static uint64_t fake_get(struct fake_mem *m, uint64_t gpa, unsigned size)
{
    uint64_t v = 0;
    uint8_t *p = fake_at(m, gpa, 0);
    if (p)
        memcpy(&v, p, size);
    return v;
}

static int fake_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    struct fake_mem *m = ctx;
    uint8_t *p = fake_at(m, gpa, 0);
    m->reads++;
    if (!p || (gpa & (size - 1)))
        return -EIO;
    *val = 0;
    memcpy(val, p, size);
    return 0;
}

static int fake_cmpxchg(void *ctx, uint64_t gpa, unsigned size, uint64_t old, uint64_t new_val)
{
    struct fake_mem *m = ctx;
    uint8_t *p = fake_at(m, gpa, 0);
    uint64_t cur = 0;
    m->xchgs++;
    if (!p || (gpa & (size - 1)))
        return -EIO;
    if (m->meddle && gpa == m->meddle_gpa) {
        m->meddle--;
        memcpy(p, &m->meddle_val, size);
        m->meddle_val ^= m->meddle_flip;
    }
    memcpy(&cur, p, size);
    if (cur != old)
        return -EAGAIN;
    memcpy(p, &new_val, size);
    return 0;
}

static void fake_mem_init(struct fake_mem *m, struct gwalk_mem *ops)
{
    memset(m, 0, sizeof(*m));
    ops->ctx = m;
    ops->read = fake_read;
    ops->cmpxchg = fake_cmpxchg;
}

#endif
