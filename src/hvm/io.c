/*
 * Port I/O from HVM guests.  Every port is intercepted; the few emulated
 * devices claim theirs, everything else reads as all-ones and ignores
 * writes, as an empty ISA bus does.  String I/O (INS/OUTS) is carried out
 * here, element by element, through guest memory.
 */
#include "hvm/hvm.h"
#include "hvm/platform.h"
#include "hvm/ioreq.h"
#include "core/domain.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "core/console.h"

/* Bounded work per exit: a huge REP count is continued by re-executing the
 * instruction (RIP is not advanced until RCX reaches 0). */
#define MAX_REP_PER_EXIT 4096

static bool port_access(struct domain *d, uint16_t port, bool in, uint8_t size, uint32_t *val)
{
    if (hvm_portio(d, port, in, size, val))
        return true;
    if (in)
        *val = 0xffffffffu >> (32 - 8 * size);
    return true;
}

static uint64_t addr_mask(struct vcpu *v)
{
    struct hvm_seg cs;
    if (hvm_guest_long_mode(v))
        return ~0ull;
    hvm_vendor->get_seg(v, SEG_CS, &cs);
    return (cs.attr & (1u << 10)) ? 0xffffffffull : 0xffffull;     /* CS.D */
}

static bool string_io(struct vcpu *v, const struct hvm_exit *x)
{
    struct guest_regs *r = &v->regs;
    uint64_t mask = addr_mask(v);
    uint64_t count = x->io.rep ? (r->rcx & mask) : 1;
    struct hvm_seg seg;
    int step = (r->rflags & (1u << 10)) ? -(int)x->io.size : (int)x->io.size;   /* RFLAGS.DF */
    uint64_t done = 0;

    /* INS writes ES:rDI; OUTS reads DS:rSI.  Segment overrides on OUTS are
     * not decoded yet (no decode assist under TCG): DS is assumed. */
    hvm_vendor->get_seg(v, x->io.in ? SEG_ES : SEG_DS, &seg);
    uint64_t base = hvm_guest_long_mode(v) ? 0 : seg.base;
    while (done < count && done < MAX_REP_PER_EXIT) {
        uint64_t *idx = x->io.in ? &r->rdi : &r->rsi;
        uint64_t gva = base + (*idx & mask);
        uint32_t val = 0;
        if (x->io.in) {
            port_access(v->domain, x->io.port, true, x->io.size, &val);
            if (hvm_copy_to_guest(v, gva, &val, x->io.size))
                goto fault;
        } else {
            if (hvm_copy_from_guest(v, &val, gva, x->io.size))
                goto fault;
            port_access(v->domain, x->io.port, false, x->io.size, &val);
        }
        *idx = (*idx & ~mask) | ((*idx + step) & mask);
        done++;
    }
    if (x->io.rep)
        r->rcx = (r->rcx & ~mask) | ((r->rcx - done) & mask);
    /* Finished: advance.  Otherwise re-execute for the rest. */
    return !x->io.rep || (r->rcx & mask) == 0;
fault:
    /* The guest named memory it does not have: a #GP is the closest a real
     * CPU would come for an unusable address. */
    if (x->io.rep)
        r->rcx = (r->rcx & ~mask) | ((r->rcx - done) & mask);
    hvm_inject_gp(v);
    return false;
}

bool hvm_handle_io(struct vcpu *v, const struct hvm_exit *x)
{
    hvm_count_port(v, x->io.port);
    if (x->io.string)
        return string_io(v, x);
    uint32_t val = (uint32_t)v->regs.rax;
    /* A device model's port (hvm/ioreq.c): v waits for its answer before
     * it enters again (RIP moves on now, RAX is written then).  String
     * I/O is not forwarded yet (docs/ioreq.md). */
    if (hvm_ioreq_forward_pio(v, x->io.port, x->io.in, x->io.size, val))
        return true;
    port_access(v->domain, x->io.port, x->io.in, x->io.size, &val);
    if (x->io.in) {
        uint64_t mask = 0xffffffffull >> (32 - 8 * x->io.size);
        if (x->io.size == 4)
            v->regs.rax = val;          /* 32-bit results zero-extend into RAX */
        else
            v->regs.rax = (v->regs.rax & ~mask) | (val & mask);
    }
    return true;
}
