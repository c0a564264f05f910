/*
 * rv create's builders' shared parts (build_common.h).
 */
#include "build_common.h"
#include "ringctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

int rv_start_hvm_cpu(struct rc_handle *h, uint16_t domid, const struct rv_cpu_start *s, char *err, size_t errlen)
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
    c->rip = s->rip;
    c->rax = s->rax;
    c->rbx = s->rbx;
    c->rsi = s->rsi;
    c->rsp = s->rsp;
    c->rflags = 2;                  /* interrupts off */
    c->cr0 = s->cr0;
    c->cr3 = s->cr3;
    c->cr4 = s->cr4;
    c->msr_efer = s->efer;
    /* Flat 4 GiB code (type 0xb, S, P, G; D/B or L as code_ar says) and
     * data (type 3, D/B, G). */
    c->cs_sel = 0x10;
    c->cs_limit = 0xffffffff;
    c->cs_arbytes = s->code_ar;
    c->ds_sel = c->es_sel = c->ss_sel = c->fs_sel = c->gs_sel = 0x18;
    c->ds_limit = c->es_limit = c->ss_limit = c->fs_limit = c->gs_limit = 0xffffffff;
    c->ds_arbytes = c->es_arbytes = c->ss_arbytes = c->fs_arbytes = c->gs_arbytes = 0xc093;
    c->tr_arbytes = 0x8b;           /* a busy TSS, as a CPU needs one to enter */
    c->tr_limit = s->tr_limit;
    c->gdtr_base = s->gdtr_base;
    c->gdtr_limit = s->gdtr_limit;
    c->idtr_limit = s->idtr_limit;
    ctx.ed = (struct hvm_save_descriptor){ HVM_SAVE_CODE_END, 0, 0 };
    long rc = rc_sethvmcontext(h, domid, &ctx, sizeof(ctx));
    return rc < 0 ? rv_build_fail(err, errlen, "XEN_DOMCTL_sethvmcontext", rc) : 0;
}

int rv_start_flat32(struct rc_handle *h, uint16_t domid, uint64_t rip, uint32_t eax, uint32_t ebx, uint32_t tr_limit,
                    uint16_t dt_limit, char *err, size_t errlen)
{
    const struct rv_cpu_start s = { .rip = rip, .rax = eax, .rbx = ebx, .cr0 = 0x11 /* PE | ET */,
                                    .code_ar = 0xc09b, .tr_limit = tr_limit, .gdtr_limit = dt_limit,
                                    .idtr_limit = dt_limit };
    return rv_start_hvm_cpu(h, domid, &s, err, errlen);
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

uint8_t *rv_map_range(struct rc_handle *h, uint16_t domid, uint64_t first, uint64_t n, const char *what, char *err,
                      size_t errlen)
{
    uint64_t *gfns = malloc(n * sizeof(*gfns));
    if (!gfns) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (uint64_t i = 0; i < n; i++)
        gfns[i] = first + i;
    int ferr = 0;
    uint8_t *m = rc_map_foreign(h, domid, gfns, (uint32_t)n, &ferr);
    free(gfns);
    if (!m)
        snprintf(err, errlen, "mapping the domain's %s (privcmd MMAPBATCH_V2): %s", what, strerror(errno));
    return m;
}

int rv_copy_in(struct rc_handle *h, uint16_t domid, uint64_t gpa, const void *src, uint64_t len, uint64_t zeros,
               const char *what, char *err, size_t errlen)
{
    uint64_t first = gpa / 4096, last = (gpa + len + zeros + 4095) / 4096;
    if (len + zeros == 0)
        return 0;
    uint8_t *m = rv_map_range(h, domid, first, last - first, what, err, errlen);
    if (!m)
        return -1;
    uint8_t *dst = m + (gpa - first * 4096);
    if (len)
        memcpy(dst, src, len);
    memset(dst + len, 0, zeros);
    rc_unmap_foreign(m, (uint32_t)(last - first));
    return 0;
}
