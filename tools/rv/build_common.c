/*
 * rv create's builders' shared parts (build_common.h).
 */
#include "build_common.h"
#include "ringctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "public/event_channel.h"
#include "public/hvm_save.h"

#define HYPERVISOR_event_channel_op 32

uint64_t rv_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int rv_build_fail(char *err, size_t errlen, const char *what, long rc)
{
    snprintf(err, errlen, "%s: %s", what, rc_strerror(rc));
    return -1;
}

int rv_start_flat32(struct rc_handle *h, uint16_t domid, uint64_t rip, uint32_t eax, uint32_t ebx, uint32_t tr_limit,
                    uint16_t dt_limit, char *err, size_t errlen)
{
    static struct {
        struct hvm_save_descriptor hd;
        struct hvm_save_header hdr;
        struct hvm_save_descriptor cd;
        struct hvm_hw_cpu cpu;
        struct hvm_save_descriptor ed;
    } ctx;       /* every member 8-aligned: no padding (asserted) */
    _Static_assert(sizeof(ctx) == 8 + 24 + 8 + 1032 + 8, "records back to back");
    memset(&ctx, 0, sizeof(ctx));
    ctx.hd = (struct hvm_save_descriptor){ HVM_SAVE_CODE_HEADER, 0, sizeof(ctx.hdr) };
    ctx.hdr.magic = HVM_FILE_MAGIC;
    ctx.hdr.version = HVM_FILE_VERSION;
    ctx.cd = (struct hvm_save_descriptor){ HVM_SAVE_CODE_CPU, 0, sizeof(ctx.cpu) };
    struct hvm_hw_cpu *c = &ctx.cpu;
    c->rip = rip;
    c->rax = eax;
    c->rbx = ebx;
    c->rflags = 2;
    c->cr0 = 0x11;                  /* PE | ET: protected mode, paging off */
    /* Flat 4 GiB code (type 0xb, S, P, D/B, G) and data (type 3). */
    c->cs_sel = 0x10;
    c->cs_limit = 0xffffffff;
    c->cs_arbytes = 0xc09b;
    c->ds_sel = c->es_sel = c->ss_sel = c->fs_sel = c->gs_sel = 0x18;
    c->ds_limit = c->es_limit = c->ss_limit = c->fs_limit = c->gs_limit = 0xffffffff;
    c->ds_arbytes = c->es_arbytes = c->ss_arbytes = c->fs_arbytes = c->gs_arbytes = 0xc093;
    c->tr_arbytes = 0x8b;           /* a busy 32-bit TSS, as a CPU needs one to enter */
    c->tr_limit = tr_limit;
    c->gdtr_limit = c->idtr_limit = dt_limit;
    ctx.ed = (struct hvm_save_descriptor){ HVM_SAVE_CODE_END, 0, 0 };
    long rc = rc_sethvmcontext(h, domid, &ctx, sizeof(ctx));
    return rc < 0 ? rv_build_fail(err, errlen, "XEN_DOMCTL_sethvmcontext", rc) : 0;
}

int rv_populate(struct rc_handle *h, uint16_t domid, uint64_t pages, int progress, uint64_t *p2m, char *err,
                size_t errlen)
{
    uint64_t gfn = 0, next_report = (uint64_t)RV_BUILD_PROGRESS_MIB << 8;
    static uint64_t list[512];
    while (gfn < pages) {
        /* 2 MiB extents while aligned and enough is left, else 4 KiB
         * pages up to the next 2 MiB boundary (or the end). */
        unsigned order;
        uint64_t n = 0, first = gfn;
        if (gfn % 512 == 0 && pages - gfn >= 512) {
            order = 9;
            while (n < 512 && pages - gfn >= 512) {
                list[n++] = gfn;
                gfn += 512;
            }
        } else {
            order = 0;
            while (n < 512 && gfn < pages && !(gfn % 512 == 0 && pages - gfn >= 512))
                list[n++] = gfn++;
        }
        long rc = rc_populate(h, domid, list, n, order, p2m ? list : NULL);
        if (rc < 0)
            return rv_build_fail(err, errlen, "XENMEM_populate_physmap", rc);
        /* A PV domain's extents came back as their first MFNs: each
         * extent's frames are contiguous. */
        for (uint64_t i = 0; p2m && i < n; i++)
            for (uint64_t j = 0; j < (1ull << order); j++)
                p2m[first + (i << order) + j] = list[i] + j;
        if (progress && gfn >= next_report) {
            printf("rv create: d%u: %llu of %llu MiB populated\n", domid, (unsigned long long)(gfn >> 8),
                   (unsigned long long)(pages >> 8));
            fflush(stdout);
            next_report += (uint64_t)RV_BUILD_PROGRESS_MIB << 8;
        }
    }
    return 0;
}

long rv_alloc_unbound(struct rc_handle *h, uint16_t domid, uint16_t remote, uint32_t *port)
{
    struct evtchn_alloc_unbound *a = rc_buf_alloc(sizeof(*a));
    if (!a)
        return -ENOMEM;
    memset(a, 0, sizeof(*a));
    a->dom = domid;
    a->remote_dom = remote;
    long rc = rc_hypercall(h, HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)(uintptr_t)a, 0, 0, 0);
    if (rc >= 0)
        *port = a->port;
    rc_buf_free(a, sizeof(*a));
    return rc;
}
