/*
 * The guest's own GDT, LDT and data selectors for 64-bit PV vCPUs
 * (docs/pv.md "Guest GDT, LDT and selectors"), as Xen's x86_64 PV ABI has
 * them:
 *
 * - GDT: entries below 0xe000 (FIRST_RESERVED_GDT_ENTRY 7168, 14 pages)
 *   are the guest's, from its set_gdt frames; from 0xe000 on the
 *   hypervisor's (its ring-0 CS/DS at 0xe008/0xe010, the flat ring-3
 *   selectors 0xe023/0xe02b/0xe033, the LDT descriptor at 0xe040).  The
 *   CPU loads a per-vCPU copy: the guest entries are copied from the
 *   descriptor frames (every descriptor there was checked by
 *   pv_check_descriptor when the frame took its type or by
 *   update_descriptor) whenever an MMU hypercall of the domain may have
 *   changed them.  Xen maps the frames instead; a copy needs no per-vCPU
 *   virtual area and the CPU's accessed-bit writes land in the copy.
 * - LDT: MMUEXT_SET_LDT's table, read through the guest kernel's tables
 *   into a per-vCPU copy with every descriptor checked (a refused or
 *   unreadable one is zero: not present, it faults when loaded).
 * - DS/ES/FS/GS: saved at every exit, loaded (with fixups: a load that
 *   faults in ring 0 is caught, never fatal for the hypervisor) once per
 *   stint and after every copy.  A selector that cannot be loaded gives
 *   Xen's failsafe callback (frame RCX, R11, DS, ES, FS, GS, RIP, CS,
 *   RFLAGS, RSP, SS) with that selector null, or crashes the domain.
 *
 * Loading FS/GS selectors overwrites the FS base and the GS base: the FS
 * base is read before and written back after, the GS base (the
 * hypervisor's percpu pointer in ring 0) is rewritten.  While GS is
 * reloaded, MSR_KERNEL_GS_BASE also holds the percpu pointer, so an NMI
 * in that window (whose IST entry swaps when the GS base is not the
 * percpu pointer, docs/pv.md invariant 2) finds the right one either way.
 */
#include "pv/pv.h"
#include "pv/pv_seg.h"
#include "pv/pv_user.h"
#include "pv/desc.h"
#include "core/domain.h"
#include "core/console.h"
#include "core/percpu.h"
#include "arch/x86/asm.h"
#include "arch/x86/extable.h"
#include "arch/x86/layout.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "public/callback.h"
#include "public/xen.h"

#define SEG_ORDER       4                   /* 16 pages: 8192 descriptors */
#define FIRST_RESERVED  7168                /* 0xe000 >> 3 */
#define LDT_SEL         0xe040              /* the LDT descriptor (16 bytes) in the reserved area */
#define VGDT_ENTRIES    ((LDT_SEL >> 3) + 2)

/* The descriptor bits (DESC_*) and their decoding: pv/desc.h. */

struct dtr { uint16_t limit; uint64_t base; } __attribute__((packed));

/* The descriptor sel names in the vCPU's copies, as the CPU will read it;
 * false if the selector is null or beyond the table. */
static bool desc_of(const struct pv_vcpu *pv, uint16_t sel, uint64_t *d)
{
    unsigned idx = sel >> 3;

    if (!(sel & ~3u))
        return false;
    if (sel & 4) {
        if (!pv->seg.ldt || idx >= pv->seg.ldt_copied)
            return false;
        *d = pv->seg.ldt[idx];
        return true;
    }
    if (idx >= FIRST_RESERVED) {
        /* The hypervisor's: only the flat ring-3 ones concern a guest. */
        if (sel != FLAT_RING3_CS32 && sel != FLAT_RING3_SS64 && sel != FLAT_RING3_CS64)
            return false;
        *d = sel == FLAT_RING3_CS32 ? 0x00cffa000000ffffull :
             sel == FLAT_RING3_SS64 ? 0x00cff2000000ffffull : 0x00affa000000ffffull;
        return true;
    }
    if (!pv->seg.gdt || idx >= pv->seg.gdt_copied)
        return false;
    *d = pv->seg.gdt[idx];
    return true;
}

/* What IRETQ to ring 3 checks (SDM vol. 2 IRET, 64-bit mode to an outer
 * ring; AMD APM vol. 3 IRETQ): CS a present code segment, RPL 3, DPL 3
 * (conforming: <= 3), not L and D together; a compatibility-mode RIP
 * within 4 GiB and the limit, a 64-bit one canonical; SS a present
 * writable data segment, RPL = DPL = 3 (a null SS is refused for ring 3);
 * RSP canonical. */
const char *pv_seg_frame_problem(struct vcpu *v, const struct cpu_regs *c)
{
    struct pv_vcpu *pv = v->vendor;
    uint64_t cd, sd;

    if (pv->compat_l4)
        return pv32_frame_problem(v, c);

    /* The CPU's order: every check of CS (its type and privilege a #GP,
     * then its presence a #NP), then those of SS (a #GP, then presence a
     * #SS); pv_user_iret_fault turns the answer into that exception. */
    if (c->cs > 0xffff || (c->cs & 3) != 3 || !desc_of(pv, (uint16_t)c->cs, &cd) ||
        (cd & (DESC_S | DESC_CODE)) != (DESC_S | DESC_CODE) || (!(cd & DESC_C) && (cd & DESC_DPL) != DESC_DPL) ||
        (cd & (DESC_L | DESC_D)) == (DESC_L | DESC_D))
        return "code selector";
    if (!(cd & DESC_P))
        return PV_SEG_CS_NOT_PRESENT;
    if (c->ss > 0xffff || (c->ss & 3) != 3 || !desc_of(pv, (uint16_t)c->ss, &sd) ||
        (sd & (DESC_S | DESC_CODE | DESC_W | DESC_DPL)) != (DESC_S | DESC_W | DESC_DPL))
        return "stack selector";
    if (!(sd & DESC_P))
        return PV_SEG_SS_NOT_PRESENT;
    if ((cd & DESC_L) ? !pv_canonical(c->rip) : (c->rip >> 32 || c->rip > pv_desc_limit(cd)))
        return "instruction pointer";
    if (!pv_canonical(c->rsp))
        return "stack pointer";
    return NULL;
}

/* ---- The copies ------------------------------------------------------- */

static void put_ldt_desc(struct pv_vcpu *pv)
{
    uint64_t base = (uint64_t)pv->seg.ldt, lim = pv->seg.ldt_copied * 8ull - 1;
    uint64_t *g = &pv->seg.gdt[LDT_SEL >> 3];

    if (!pv->seg.ldt_copied) {
        g[0] = g[1] = 0;
        return;
    }
    /* System descriptor type 2 (LDT), present, DPL 0, 16 bytes in long mode. */
    g[0] = (lim & 0xffff) | ((base & 0xffffff) << 16) | (0x82ull << 40) | ((lim >> 16) & 0xf) << 48 |
           ((base >> 24) & 0xff) << 56;
    g[1] = base >> 32;
}

static bool alloc_gdt(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    uint64_t *g = alloc_pages(SEG_ORDER, DOMID_XEN);

    if (!g) {
        domain_crash(v->domain, "v%u: pv: no memory for the vCPU's GDT", v->vcpu_id);
        return false;
    }
    g[HV_CS64 >> 3] = 0x00af9a000000ffffull;           /* 64-bit code, DPL 0 */
    g[HV_DS >> 3] = 0x00cf92000000ffffull;             /* data, DPL 0 */
    g[FLAT_RING3_CS32 >> 3] = 0x00cffa000000ffffull;
    g[FLAT_RING3_SS64 >> 3] = 0x00cff2000000ffffull;
    g[FLAT_RING3_CS64 >> 3] = 0x00affa000000ffffull;
    if (pv_is_compat(v->domain))
        pv32_gdt_reserved(g);       /* Xen's compat selectors in place of the 64-bit ones */
    pv->seg.gdt = g;
    pv->seg.stale = true;
    return true;
}

/* Copies the GDT frames and the LDT, interrupts on (the LDT is read
 * through the guest's tables under the domain's mm_lock).  False: the
 * domain was crashed. */
static bool copy_tables(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct pv_domain *pd = v->domain->kind_priv;
    unsigned n = pv->mmu.gdt_ents, ln = pv->mmu.ldt_ents;
    /* Whether anything the CPU loads changed: only then are the GDT, LDT
     * and selectors loaded again (most MMU hypercalls change no
     * descriptor).  An LDT is taken as changed whenever there is one. */
    bool changed = n != pv->seg.gdt_copied || ln || pv->seg.ldt_copied;

    /* The generation first: a change during the copy is copied again. */
    pv->seg.gen = __atomic_load_n(&pd->seg_gen, __ATOMIC_ACQUIRE);
    pv->seg.stale = false;
    pv->seg.nr_copies++;
    /* The frames hold a descriptor-type reference of this vCPU (set_gdt,
     * only this vCPU changes them), so every word read was checked; each
     * is read once (update_descriptor stores whole words). */
    for (unsigned i = 0; i < n; i++) {
        const uint64_t *f = phys_to_virt(pv->mmu.gdt_frames[i / 512] << 12);
        uint64_t d = __atomic_load_n(&f[i % 512], __ATOMIC_ACQUIRE);
        /* The accessed bit is the CPU's own write into the copy. */
        if ((d | DESC_A) != (pv->seg.gdt[i] | DESC_A)) {
            pv->seg.gdt[i] = d;
            changed = true;
        }
    }
    for (unsigned i = n; i < pv->seg.gdt_copied; i++)
        pv->seg.gdt[i] = 0;
    pv->seg.gdt_copied = n;

    if (ln && !pv->seg.ldt) {
        pv->seg.ldt = alloc_pages(SEG_ORDER, DOMID_XEN);
        if (!pv->seg.ldt) {
            domain_crash(v->domain, "v%u: pv: no memory for the vCPU's LDT", v->vcpu_id);
            return false;
        }
    }
    for (unsigned i = 0; i < ln; i += 512) {
        unsigned cnt = ln - i < 512 ? ln - i : 512;
        uint64_t *dst = &pv->seg.ldt[i];
        /* SET_LDT checked that the whole table lies in the guest's range. */
        if (pv_copy_guest(v, dst, pv->mmu.ldt_base + i * 8ull, cnt * 8ull, false)) {
            memset(dst, 0, cnt * 8ull);
            continue;
        }
        bool compat = pv_is_compat(v->domain);
        for (unsigned j = 0; j < cnt; j++)
            if (compat ? pv32_check_descriptor(&dst[j]) : pv_check_descriptor(&dst[j]))
                dst[j] = 0;
    }
    if (pv->seg.ldt)
        for (unsigned i = ln; i < pv->seg.ldt_copied; i++)
            pv->seg.ldt[i] = 0;
    pv->seg.ldt_copied = ln;
    put_ldt_desc(pv);
    if (changed)
        pv->seg.loaded = false;     /* LDTR's cached limit, and the data selectors, again */
    return true;
}

/* ---- When the copies go stale (docs/pv.md "When descriptors are copied
 * again") --------------------------------------------------------------
 *
 * A vCPU's copies depend on (1) its own set_gdt frames and SET_LDT range:
 * changed only by its own hypercalls (or VCPUOP_initialise while it is
 * offline), which mark it stale through env->reload; (2) the contents of
 * its GDT frames: typed segment-descriptor while it holds them, so no
 * mapping of them is writable and no mmu_update, CLEAR_PAGE or COPY_PAGE
 * may write them: only update_descriptor changes them (their mappings do
 * not matter, the copy reads them by frame number); (3) for an LDT, the
 * guest's page tables at its base and the frames they map: any MMU call
 * or page-table write may change those.  So the domain's seg_gen is
 * bumped after every update_descriptor, and after every change of page
 * tables only while some vCPU of the domain has an LDT (rare: Linux sets
 * one for modify_ldt users only).
 *
 * Safety does not rest on this: every descriptor that reaches a copy was
 * checked (pv_check_descriptor, when its frame took the type, in
 * update_descriptor, or in copy_tables for the LDT), so a stale copy only
 * holds descriptors the guest was allowed to have.  What it gives up is
 * timeliness: a vCPU sees another's change at its next entry after the
 * change (one running without exits keeps its loaded copy meanwhile). */

static void bump(struct domain *d)
{
    struct pv_domain *pd = d->kind_priv;

    /* After the change (release): a copy that reads the new generation
     * also reads the new descriptors. */
    __atomic_add_fetch(&pd->seg_gen, 1, __ATOMIC_RELEASE);
}

/* Whether any vCPU of d has an LDT.  ldt_ents changes only under the
 * domain's mm_lock (SET_LDT) or while its vCPU is offline
 * (VCPUOP_initialise, published by VCPUOP_up): a caller that changed page
 * tables under the lock sees every SET_LDT ordered before its change. */
static bool domain_has_ldt(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *o = d->vcpus[i];
        struct pv_vcpu *op = o ? o->vendor : NULL;
        if (op && __atomic_load_n(&op->mmu.ldt_ents, __ATOMIC_RELAXED))
            return true;
    }
    return false;
}

void pv_seg_mappings_changed(struct vcpu *v)
{
    if (domain_has_ldt(v->domain))
        bump(v->domain);
}

void pv_seg_mmu_call(struct vcpu *v, uint64_t nr, long ret)
{
    switch (nr) {
    case __HYPERVISOR_update_descriptor:
        if (!ret)
            bump(v->domain);
        break;
    case __HYPERVISOR_set_gdt:
        break;              /* the caller's own: env->reload marked it stale */
    default:
        /* mmu_update, mmuext_op, update_va_mapping: page tables may have
         * changed (also when the call failed part-way). */
        pv_seg_mappings_changed(v);
        break;
    }
}

void pv_seg_tables_changed(struct pv_vcpu *pv)
{
    pv->seg.stale = true;
}

/* ---- Loading ---------------------------------------------------------- */

/* mov sel -> segment register, in ring 0; true if it faulted (#GP/#NP:
 * the extable fixup resumes after it and nothing was loaded). */
#define LOAD_SEG(reg)                                                           \
    static bool load_##reg(uint16_t sel)                                        \
    {                                                                           \
        int bad = 0;                                                            \
        __asm__ __volatile__("1: mov %w1, %%" #reg "\n2:\n"                     \
                             ".pushsection .fixup, \"ax\"\n"                    \
                             "3: mov $1, %0\n jmp 2b\n.popsection\n"            \
                             _ASM_EXTABLE(1b, 3b)                               \
                             : "+r"(bad) : "r"((uint32_t)sel) : "memory");      \
        return bad;                                                             \
    }
LOAD_SEG(ds)
LOAD_SEG(es)
LOAD_SEG(fs)
LOAD_SEG(gs)

static void set_host_cs_ss(void)
{
    uint16_t cs;

    __asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
    if (cs != HV_CS64)      /* after a VMX exit: BOOT_CS64, which the guest's GDT does not have */
        __asm__ __volatile__("pushq %0\n lea 1f(%%rip), %%rax\n pushq %%rax\n lretq\n1:\n"
                             :: "r"((uint64_t)HV_CS64) : "rax", "memory");
    __asm__ __volatile__("mov %0, %%ss" :: "r"((uint32_t)HV_DS));
}

/* Interrupts off.  Returns a mask of the selectors that faulted (bit 0
 * DS, 1 ES, 2 FS, 3 GS); those are null now. */
static unsigned load_all(struct pv_vcpu *pv)
{
    struct percpu *cpu = this_cpu();
    struct dtr g = { VGDT_ENTRIES * 8 - 1, (uint64_t)pv->seg.gdt };
    unsigned bad = 0;

    set_host_cs_ss();
    __asm__ __volatile__("lgdt %0" :: "m"(g) : "memory");
    __asm__ __volatile__("lldt %w0" :: "r"((uint32_t)(pv->seg.ldt_copied ? LDT_SEL : 0)));
    uint64_t fs_base = rdmsr(MSR_FS_BASE);
    wrmsr(MSR_KERNEL_GS_BASE, (uint64_t)cpu);
    if (load_ds(pv->seg.ds)) { bad |= 1; load_ds(0); }
    if (load_es(pv->seg.es)) { bad |= 2; load_es(0); }
    if (load_fs(pv->seg.fs)) { bad |= 4; load_fs(0); }
    if (load_gs(pv->seg.gs)) { bad |= 8; load_gs(0); }
    uint64_t gs_loaded = rdmsr(MSR_GS_BASE);
    wrmsr(MSR_GS_BASE, (uint64_t)cpu);
    if (pv->compat_l4) {
        /* 32-bit guests: their FS/GS bases are their descriptors' bases,
         * which the loads above just put in the registers (compatibility
         * mode has no other way to set one; Xen reloads them from the
         * descriptors too).  A null GS keeps no base (the percpu pointer
         * a null load leaves on Intel CPUs is not the guest's). */
        pv->gs_base = (pv->seg.gs & ~3u) && !(bad & 8) ? gs_loaded : 0;
    } else if (fs_base || !pv->seg.fs) {
        /* As Xen's context switch: a saved FS base of 0 with a selector
         * leaves the descriptor's base (a 32-bit TLS, or
         * VCPUOP_initialise's fs). */
        wrmsr(MSR_FS_BASE, fs_base);
    }
    pv->seg.loaded = pv->seg.on_cpu = true;
    pv->seg.nr_loads++;
    return bad;
}

/* Xen's failsafe callback, interrupts on: the frame RCX, R11, DS, ES, FS,
 * GS (the values that were to be loaded), RIP, CS (upcall mask in bits
 * 32-39), RFLAGS, RSP, SS on the kernel stack; events masked if it was
 * registered with CALLBACKF_mask_events. */
static void failsafe(struct vcpu *v, const uint16_t sel[4])
{
    struct pv_vcpu *pv = v->vendor;
    struct cpu_regs *c = &pv->ctx;
    struct vcpu_info *vi = v->vcpu_info;
    uint8_t mask = __atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_RELAXED);
    uint64_t base_sp, frame_cs;

    if (pv->compat_l4) {
        pv32_failsafe(v, sel);      /* the x86_32 frame (pv32_desc.c) */
        return;
    }
    if (!pv->failsafe_cb) {
        domain_crash(v->domain, "v%u: pv: cannot load data selectors ds %#x es %#x fs %#x gs %#x at rip %#lx: "
                     "no failsafe callback", v->vcpu_id, sel[0], sel[1], sel[2], sel[3], (unsigned long)c->rip);
        return;
    }
    pv_user_bounce_enter(v, &base_sp, &frame_cs);
    uint64_t frame[11] = { c->rcx, c->r11, sel[0], sel[1], sel[2], sel[3], c->rip, frame_cs | (uint64_t)mask << 32,
                           (c->rflags & ~0x200ull) | (mask ? 0 : 0x200), c->rsp, c->ss };
    uint64_t sp = (base_sp & ~15ull) - sizeof(frame);
    if (pv_copy_guest(v, frame, sp, sizeof(frame), true)) {
        domain_crash(v->domain, "v%u: pv: failsafe callback at %#lx: cannot write the frame at %#lx",
                     v->vcpu_id, (unsigned long)c->rip, (unsigned long)sp);
        return;
    }
    if (pv->callback_flags[CALLBACKTYPE_failsafe] & CALLBACKF_mask_events)
        __atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_RELAXED);
    pv->seg.nr_failsafe++;
    c->rip = pv->failsafe_cb;
    c->cs = FLAT_KERNEL_CS;
    c->ss = FLAT_KERNEL_SS;
    c->rsp = sp;
    c->rflags &= ~(uint64_t)(0x100 | 0x4000 | 0x10000);    /* TF, NT, RF */
}

bool pv_seg_prepare(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct pv_domain *pd = v->domain->kind_priv;

    /* At most one copy for a generation change per entry: a sibling that
     * keeps changing descriptors cannot hold this vCPU in copy_tables (a
     * change made during the copy is copied at the next entry, gen being
     * the one read before the copy). */
    if (!pv->seg.gdt || pv->seg.stale ||
        (!pv->seg.just_copied && pv->seg.gen != __atomic_load_n(&pd->seg_gen, __ATOMIC_ACQUIRE))) {
        sti();
        if (!pv->seg.gdt && !alloc_gdt(v))
            return true;
        if (copy_tables(v))
            pv->seg.just_copied = true;
        return true;
    }
    if (!pv->seg.loaded) {
        uint16_t sel[4] = { pv->seg.ds, pv->seg.es, pv->seg.fs, pv->seg.gs };
        unsigned bad = load_all(pv);
        if (bad) {
            uint16_t *reg[4] = { &pv->seg.ds, &pv->seg.es, &pv->seg.fs, &pv->seg.gs };
            for (unsigned i = 0; i < 4; i++)
                if (bad & (1u << i))
                    *reg[i] = 0;
            pv->seg.loaded = false;
            sti();
            failsafe(v, sel);
            return true;
        }
    }
    /* The last word on the frame, against exactly what is loaded (a
     * descriptor may have changed since the exit's or iret's check). */
    const char *bad = pv_seg_frame_problem(v, &pv->ctx);
    if (bad) {
        sti();
        domain_crash(v->domain, "v%u: pv: cannot return to cs %#lx rip %#lx ss %#lx rsp %#lx: bad %s", v->vcpu_id,
                     (unsigned long)pv->ctx.cs, (unsigned long)pv->ctx.rip, (unsigned long)pv->ctx.ss,
                     (unsigned long)pv->ctx.rsp, bad);
        return true;
    }
    pv->seg.just_copied = false;
    return false;
}

void pv_seg_after_exit(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    uint16_t ds, es, fs, gs;

    __asm__ __volatile__("mov %%ds, %0\n mov %%es, %1\n mov %%fs, %2\n mov %%gs, %3"
                         : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
    pv->seg.ds = ds;
    pv->seg.es = es;
    pv->seg.fs = fs;
    pv->seg.gs = gs;
}

void pv_seg_stint_end(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;
    struct percpu *cpu = this_cpu();

    /* on_cpu, not loaded: a copy or a failsafe callback clears 'loaded'
     * with the vCPU's GDT still in GDTR, and the stint may end before the
     * next load.  The copies must never stay in a CPU's GDTR/LDTR once
     * the stint is over (they are freed with the vCPU). */
    if (!pv->seg.on_cpu)
        return;
    uint64_t flags = irq_save();
    struct dtr g = { GDT_PV_ENTRIES * 8 - 1, (uint64_t)cpu->gdt_pv };
    wrmsr(MSR_KERNEL_GS_BASE, (uint64_t)cpu);
    load_ds(0);
    load_es(0);
    load_fs(0);
    load_gs(0);
    wrmsr(MSR_GS_BASE, (uint64_t)cpu);
    __asm__ __volatile__("lldt %w0\n lgdt %1" :: "r"(0u), "m"(g) : "memory");
    pv->seg.loaded = pv->seg.on_cpu = false;
    irq_restore(flags);
}

void pv_seg_gs_user_sel(struct vcpu *v, uint16_t sel)
{
    struct pv_vcpu *pv = v->vendor;
    uint64_t d;

    /* What a ring-0 load at CPL 0 would accept for GS: a present data or
     * readable code segment (its DPL is 3, the guest's); else null, as
     * Xen's fixup loads.  The user GS base is the descriptor's. */
    if (!desc_of(pv, sel, &d) || !(d & DESC_P) || !(d & DESC_S) || ((d & DESC_CODE) && !(d & DESC_W)))
        sel = 0, d = 0;
    pv->seg.gs = sel;
    pv->gs_sel_user = sel;
    pv->gs_base_inactive = pv_desc_base(d);
    pv->seg.loaded = false;
}

void pv_seg_free(struct vcpu *v)
{
    struct pv_vcpu *pv = v->vendor;

    if (pv->seg.nr_failsafe || pv->seg.gdt_copied || pv->seg.ldt_copied)
        domain_log(v->domain, LOG_INFO, "v%u: pv: segments: %lu loads, %lu failsafe callbacks, %lu copies\n",
                   v->vcpu_id, (unsigned long)pv->seg.nr_loads, (unsigned long)pv->seg.nr_failsafe,
                   (unsigned long)pv->seg.nr_copies);

    if (pv->seg.gdt)
        free_pages(pv->seg.gdt, SEG_ORDER);
    if (pv->seg.ldt)
        free_pages(pv->seg.ldt, SEG_ORDER);
    pv->seg.gdt = pv->seg.ldt = NULL;
}
