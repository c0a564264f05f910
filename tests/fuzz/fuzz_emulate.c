/*
 * libFuzzer harness for the instruction emulator core (src/hvm/emulate/):
 * the input is the guest state (mode, CPL, flags, registers, segment
 * attributes) followed by the instruction bytes.  Memory is four 4 KiB pages
 * at fixed linear addresses (code, "RAM", "MMIO" and a read-only page);
 * the registers point into or near them so the operands often land there.
 *
 * Invariants checked (any violation aborts, and libFuzzer keeps the input):
 *   - callbacks get 1..16 bytes; writes only hit writable pages (else #PF);
 *   - at most 15 instruction bytes are fetched, and the decoded length too;
 *   - a finished instruction moves RIP by its length; a fault or an
 *     unhandleable instruction leaves RIP where it was, and for anything
 *     but a REP string instruction leaves every register as it was;
 *   - an exception has a vector the core may raise; a reason is a string.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvm/emulate/x86_emulate.h"

#define NPAGES 4
static const uint64_t page_la[NPAGES] = { 0x401000, 0x200000, 0xfee00000, 0x7000 };
static uint8_t pages[NPAGES][4096];
static unsigned nr_calls;

static int find(uint64_t la)
{
    for (int i = 0; i < NPAGES; i++)
        if ((la & ~4095ull) == page_la[i])
            return i;
    return -1;
}

static enum emul_rc check_range(struct emul_ctx *c, uint64_t la, unsigned len, bool write)
{
    if (len == 0 || len > 16)
        abort();
    if (++nr_calls > 100000)
        abort();                                    /* a loop that does not end */
    for (unsigned i = 0; i < len; i++) {
        int p = find(la + i);
        if (p < 0)
            return emul_raise_pf(c, la + i, write ? 2 : 0);
        if (write && p == 3)
            return emul_raise_pf(c, la + i, 3);
    }
    return EMUL_OK;
}

static enum emul_rc f_read(struct emul_ctx *c, uint64_t la, void *buf, unsigned len, unsigned acc)
{
    enum emul_rc rc = check_range(c, la, len, acc & EMUL_ACC_RMW);
    if (rc != EMUL_OK)
        return rc;
    for (unsigned i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = pages[find(la + i)][(la + i) & 4095];
    return EMUL_OK;
}

static enum emul_rc f_write(struct emul_ctx *c, uint64_t la, const void *buf, unsigned len)
{
    enum emul_rc rc = check_range(c, la, len, true);
    if (rc != EMUL_OK)
        return rc;
    for (unsigned i = 0; i < len; i++)
        pages[find(la + i)][(la + i) & 4095] = ((const uint8_t *)buf)[i];
    return EMUL_OK;
}

static const struct emul_ops ops = { f_read, f_write };

static uint64_t take(const uint8_t **d, size_t *n, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && *n; i++, (*n)--)
        v |= (uint64_t)*(*d)++ << (8 * i);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct emul_ctx c;
    const uint8_t *d = data;
    size_t n = size;

    memset(&c, 0, sizeof(c));
    memset(pages, 0xcc, sizeof(pages));
    nr_calls = 0;
    unsigned cfg = (unsigned)take(&d, &n, 2);
    unsigned mode = cfg % 4;                        /* 0 real, 1 16-bit PM, 2 32-bit, 3 64-bit */
    c.cpl = (cfg >> 2) & 3;
    c.max_reps = 1 + ((cfg >> 4) & 63);
    c.regs.rflags = 0x2 | (take(&d, &n, 2) & 0x4cd5);    /* arithmetic flags, DF, AC-less */
    for (unsigned i = 0; i < 16; i++) {
        uint64_t v = take(&d, &n, 2);
        /* Mostly near a page, sometimes anywhere. */
        ((uint64_t *)&c.regs)[i] = (v & 0x8000) ? (v * 0x9e3779b97f4a7c15ull) : page_la[(v >> 12) & 3] + (v & 0xfff);
    }
    for (unsigned i = 0; i < EMUL_NR_SEGS; i++) {
        uint64_t a = take(&d, &n, 1);
        c.seg[i].sel = (uint16_t)(i * 8);
        c.seg[i].base = (a & 0x80) ? page_la[a & 3] - (a & 0x70) * 16 : 0;
        c.seg[i].limit = (a & 0x08) ? 0xfff : 0xffffffff;
        /* Data or code, expand-down, read-only, or not present. */
        c.seg[i].attr = (uint16_t)(((a & 0x04) ? 0xc93 : 0xc9b) ^ ((a & 0x02) ? 0x2 : 0) ^ ((a & 1) ? 0x4 : 0) ^
                                   ((a & 0x40) ? 0x80 : 0));
    }
    switch (mode) {
    case 0:
        for (unsigned i = 0; i < EMUL_NR_SEGS; i++)
            c.seg[i].limit = 0xffff;
        c.seg[EMUL_CS].base = 0x400000;
        c.regs.rip = 0x1000 + (c.regs.rip & 0xfff);
        break;
    case 1:
        c.cr0 = 1;
        c.seg[EMUL_CS] = (struct emul_segment){ 8, 0x9b, 0xffff, 0x401000 };
        c.regs.rip &= 0xfff;
        break;
    case 2:
        c.cr0 = 1;
        c.seg[EMUL_CS] = (struct emul_segment){ 8, 0xc9b, 0xffffffff, 0 };
        c.regs.rip = 0x401000 + (c.regs.rip & 0xfff);
        break;
    default:
        c.cr0 = 0x80000001;
        c.efer = 0x500;
        c.seg[EMUL_CS] = (struct emul_segment){ 8, 0x29b, 0xffffffff, 0 };
        c.regs.rip = 0x401000 + (c.regs.rip & 0xfff);
        break;
    }
    /* The instruction: at RIP, running on to the code page's end; bytes
     * that would sit past it stay 0xcc / unmapped. */
    uint64_t code_la = mode == 3 ? c.regs.rip : (c.seg[EMUL_CS].base + c.regs.rip) & 0xffffffff;
    if (find(code_la) == 0) {
        for (unsigned i = 0; i < n && (code_la & 4095) + i < 4096; i++)
            pages[0][(code_la & 4095) + i] = d[i];
    }
    /* Data pages get a pattern from the rest, so CMPS/SCAS have something to stop at. */
    for (unsigned i = 0; i < 4096; i++)
        pages[1][i] = pages[2][i] = (uint8_t)(n ? d[i % n] ^ (i >> 3) : 0);

    /* Control flow and segment loads outside real mode (exec_flow.c) on
     * one input in two; descriptors come from the first data page. */
    c.flow = (cfg >> 10) & 1;
    c.gdtr_base = page_la[1];
    c.gdtr_limit = (uint32_t)((cfg >> 11) & 0xfff);
    /* An LDT in the same page, or none (cfg bit 15: LDT selectors). */
    if (cfg & 0x8000)
        c.ldtr = (struct emul_segment){ 0x28, 0x82, (uint32_t)((cfg >> 4) & 0x3f) * 8 + 7, page_la[1] + 0x800 };
    c.ops = &ops;
    struct guest_regs before = c.regs;
    struct emul_segment seg_before[EMUL_NR_SEGS];
    memcpy(seg_before, c.seg, sizeof(seg_before));
    enum emul_rc rc = emul_run(&c);
    if (c.insn_fetched > 15 || c.insn_len > 15)
        abort();
    /* Segment registers change only with a completed instruction, and
     * only the ones it reports. */
    for (unsigned i = 0; i < EMUL_NR_SEGS; i++)
        if (memcmp(&seg_before[i], &c.seg[i], sizeof(c.seg[i])) &&
            (rc != EMUL_OK || !(c.seg_dirty & (1u << i))))
            abort();
    if (c.seg_dirty >> EMUL_NR_SEGS)
        abort();
    /* An interrupt shadow only from a completed STI / MOV SS / POP SS. */
    if (c.shadow > EMUL_SHADOW_MOVSS || (c.shadow && rc != EMUL_OK))
        abort();
    if (rc == EMUL_OK) {
        if (c.regs.rip != before.rip && c.insn_len == 0)
            abort();
    } else if (rc == EMUL_EXCEPTION && c.exc.kind != EMUL_EVT_FAULT) {
        /* A trap (INT3/INT1/INTO) or INT n: RIP past the instruction and
         * nothing else changed (RF aside); no error code. */
        struct guest_regs a = before, b = c.regs;
        if (c.insn_len == 0 || c.exc.has_err || c.exc.kind > EMUL_EVT_SOFTINT)
            abort();
        if (c.exc.kind == EMUL_EVT_TRAP && c.exc.vector != EMUL_EXC_DB && c.exc.vector != EMUL_EXC_BP &&
            c.exc.vector != EMUL_EXC_OF)
            abort();
        a.rip = b.rip = 0;
        a.rflags &= ~(1ull << 16);
        b.rflags &= ~(1ull << 16);
        if (memcmp(&a, &b, sizeof(a)))
            abort();
    } else {
        if (c.regs.rip != before.rip)
            abort();
        /* Only a REP string instruction may have committed iterations,
         * and those change rSI, rDI, rCX, rAX (LODS) and flags alone. */
        struct guest_regs a = before, b = c.regs;
        a.rsi = b.rsi = a.rdi = b.rdi = a.rcx = b.rcx = a.rax = b.rax = a.rflags = b.rflags = 0;
        if (memcmp(&a, &b, sizeof(a)))
            abort();
        if (rc == EMUL_EXCEPTION) {
            uint8_t v = c.exc.vector;
            if (v != EMUL_EXC_UD && v != EMUL_EXC_GP && v != EMUL_EXC_SS && v != EMUL_EXC_PF &&
                v != EMUL_EXC_NM && v != EMUL_EXC_NP && v != EMUL_EXC_DE)
                abort();
        } else if (rc == EMUL_UNHANDLEABLE) {
            if (!memchr(c.reason, 0, sizeof(c.reason)) || !c.reason[0])
                abort();
        } else {
            abort();
        }
    }
    if (rc == EMUL_UNHANDLEABLE && memcmp(&before, &c.regs, sizeof(before)))
        abort();
    return 0;
}
