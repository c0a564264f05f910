/*
 * libFuzzer harness of the PV emulation's pure parts: the privileged-
 * instruction decoder (src/pv/pv_insn.c) and the writable-page-table
 * assist's instruction emulation (src/pv/pv_ptwr.c over the emulator core).
 * Input: 16 instruction bytes, then register values and a mode byte.
 * Invariants: the decoder reads only the bytes it was given and reports a
 * length within them; the assist makes at most one write, a whole aligned
 * entry of the page that faulted, and leaves the registers untouched
 * whenever it does not complete; a completed one changes RFLAGS only in
 * its arithmetic flags.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv/pv_insn.h"
#include <stdbool.h>
#include "pv/pv_ptwr.h"
#include "lib/errno.h"

#define ASSERT(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s\n", #c); abort(); } } while (0)

#define CODE    0x400000ull
#define PT      0xffff880000010000ull
#define OTHER   0x7000ull
#define PT32    0x00c45000ull     /* the table as a 32-bit kernel sees it */

static uint8_t code[4096];
static uint64_t pt[512], other[512];
static unsigned nr_writes;
static int entry_rc;

static int f_read(void *ctx, uint64_t la, void *buf, unsigned len)
{
    (void)ctx;
    uint8_t *p = NULL;
    switch (la & ~0xfffull) {
    case CODE: p = code; break;
    case PT: case PT32: p = (uint8_t *)pt; break;
    case OTHER: p = (uint8_t *)other; break;
    }
    if (!p || (la & 0xfff) + len > 4096)
        return -EFAULT;
    memcpy(buf, p + (la & 0xfff), len);
    return 0;
}

static int f_write(void *ctx, uint64_t la, const uint64_t *expect, uint64_t val)
{
    (void)ctx;
    nr_writes++;
    ASSERT(((la & ~0xfffull) == PT || (la & ~0xfffull) == PT32) && !(la & 7));
    if (entry_rc)
        return entry_rc;
    if (expect && pt[(la & 0xfff) / 8] != *expect)
        return -EAGAIN;
    pt[(la & 0xfff) / 8] = val;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    struct pv_insn in;

    /* The decoder on exactly the input (ASan catches any over-read). */
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, d, n);
    unsigned op = pv_insn_decode(copy, (unsigned)n, &in);
    ASSERT(op < PVI_NR && op == in.op);
    ASSERT(op == PVI_NONE ? in.len == 0 : (in.len >= 1 && in.len <= n && in.len <= 15));
    free(copy);

    if (n < 16 + 8 * 4 + 1)
        return 0;
    memset(code, 0x90, sizeof(code));
    memcpy(code, d, 16);
    const uint8_t *q = d + 16;
    uint64_t v[4];
    memcpy(v, q, sizeof(v));
    uint8_t mode = q[32];
    memset(pt, 0, sizeof(pt));
    for (unsigned i = 0; i < 512; i++)
        other[i] = v[3] + i;
    struct guest_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = CODE;
    r.rflags = 0x202 | ((mode & 1) ? 0x400 : 0);
    r.rax = v[0];
    r.rcx = v[1] & 0xff;
    /* v[1] bit 63: a 32-bit kernel in ring 1 (compatibility mode), its
     * segments flat or (bits 8-13, 16-21) with a fuzzed attribute or base. */
    bool compat = v[1] >> 63;
    uint64_t tab = compat ? PT32 : PT;
    r.rdi = (mode & 2) ? v[2] : tab + (v[2] & 0xfff);
    r.rsi = OTHER + (v[3] & 0xff8);
    r.rbx = tab + ((v[3] >> 12) & 0xfff);
    r.rsp = (mode & 4) ? tab + 0x800 : 0x8000;
    entry_rc = (mode & 8) ? -EINVAL : (mode & 16) ? -ERESTART : 0;
    nr_writes = 0;
    struct guest_regs before = r;
    struct pv_ptwr_env e = { .read = f_read, .write_entry = f_write, .fs_base = v[3], .gs_base = v[2] };
    if (compat) {
        e.compat = true;
        e.cpl = (v[1] >> 62) & 1 ? 3 : 1;
        for (unsigned s = 0; s < 6; s++) {
            bool odd_attr = (v[1] >> (8 + s)) & 1, odd_base = (v[1] >> (16 + s)) & 1;
            e.seg[s] = (struct pv_ptwr_seg){ 0xe021, s == 1 ? 0xcbau : 0xcb2u, 0xffffffffu, 0 };
            if (odd_attr)
                e.seg[s].attr = (uint16_t)((v[0] >> (s * 10)) & 0xfff);
            if (odd_base) {
                e.seg[s].base = (uint32_t)(v[3] >> (s * 4));
                e.seg[s].limit = (uint32_t)(v[2] >> 16);
            }
        }
    }
    int rc = pv_ptwr_emulate(&e, &r, tab + ((mode >> 5) * 8));
    ASSERT(rc == 0 || rc == -EINVAL || rc == -ERESTART);
    /* A second store only as the compat high-half rule's not-present retry. */
    ASSERT(nr_writes <= (compat ? 2u : 1u));
    if (rc)
        ASSERT(!memcmp(&r, &before, sizeof(r)));
    else
        ASSERT((r.rflags & ~0x8d5ull) == (before.rflags & ~0x8d5ull));
    if (entry_rc && rc == 0)
        ASSERT(nr_writes == 0);
    return 0;
}
