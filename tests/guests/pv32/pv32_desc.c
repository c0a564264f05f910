/*
 * pv32_desc: a 32-bit PV kernel's own GDT and LDT (docs/pv.md "Ring 1 and
 * compat").  set_gdt with 32-bit frame numbers, update_descriptor with
 * its four 32-bit halves; the compat descriptor rules: DPL 0 raised to 1,
 * 64-bit code segments, call gates and other system descriptors refused
 * (by set_gdt, update_descriptor, and zeroed in the LDT copy: a far call
 * through a forged LDT gate is a #GP); running on its own ring-1 code
 * segment (hypercalls, a #BP frame, iret); a data segment based at the
 * compat M2P reads it but cannot write it (#PF); an LDT reaching the
 * hypervisor range refused; a data selector that stops being loadable
 * gives the failsafe callback in its 32-bit frame (DS ES FS GS EIP CS
 * EFLAGS).
 */
#include "pv32_lib.h"

#define HC_set_gdt              2
#define MMUEXT_SET_LDT          13
#define DOMID_SELF              0x7ff0

static const struct start_info32 *si;

static uint64_t gdt_page[512] __attribute__((aligned(4096)));
static uint64_t bad_page[512] __attribute__((aligned(4096)));
static volatile uint64_t ldt_page[512] __attribute__((aligned(4096)));

/* Flat 32-bit descriptors (base 0, limit 4 GiB, G, D). */
#define CODE_DPL1   0x00cfba000000ffffull
#define DATA_DPL1   0x00cfb2000000ffffull
#define DATA_DPL0   0x00cf92000000ffffull
#define CODE_DPL0   0x00cf9a000000ffffull
#define CODE64_DPL1 0x00afba000000ffffull
/* Data, base 0xf5800000 (the compat M2P), limit 4 GiB. */
#define M2P_DATA_DPL1 0xf5cfb2800000ffffull
/* A 32-bit call gate to the hypervisor's 0xe008:0, DPL 3. */
#define GATE_TO_HV  0x0000ec00e0080000ull

uint32_t fs_count, fs_ds, fs_es, fs_cs;

/* The failsafe callback: DS, ES, FS, GS, then EIP, CS, EFLAGS (ring 1).
 * Records DS, ES and CS, loads the flat data selector into DS and ES
 * (the one that failed is null now) and irets to EIP. */
__asm__(".text\n.globl fs_entry\nfs_entry:\n"
        "  push %eax\n"
        "  mov $0xe021, %eax\n  mov %eax, %ds\n  mov %eax, %es\n"
        "  incl fs_count\n"
        "  mov 4(%esp), %eax\n  mov %eax, fs_ds\n"
        "  mov 8(%esp), %eax\n  mov %eax, fs_es\n"
        "  mov 24(%esp), %eax\n  mov %eax, fs_cs\n"
        "  pop %eax\n  add $16, %esp\n"
        "  push %eax\n  mov $23, %eax\n  int $0x82\n");
void fs_entry(void);

static uint32_t mfn_of(const volatile void *p)
{
    return pv32_mfn_of(si, (uint32_t)p);
}

static long map_ro(const volatile void *p)
{
    return hc(HC_update_va_mapping, (uint32_t)p, (mfn_of(p) << 12) | 0x21, 0, UVMF_INVLPG);
}

static long upd(const volatile void *p, unsigned i, uint64_t d)
{
    uint64_t pa = ((uint64_t)mfn_of(p) << 12) + i * 8;
    return hc(HC_update_descriptor, (uint32_t)pa, (uint32_t)(pa >> 32), (uint32_t)d, (uint32_t)(d >> 32));
}

static long set_ldt(uint32_t base, uint32_t ents)
{
    struct mmuext_op32 op = { MMUEXT_SET_LDT, base, ents };
    return hc(HC_mmuext_op, (uint32_t)&op, 1, 0, DOMID_SELF);
}

void pv32_main(const struct start_info32 *start)
{
    long r;
    si = start;
    put("pv32_desc: 32-bit guest GDT/LDT");
    flush();

    static struct trap_info32 traps[] = {
        { 3, 3, FLAT_RING1_CS, 0 },
        { 13, 0, FLAT_RING1_CS, 0 },
        { 14, 0, FLAT_RING1_CS, 0 },
        { 0, 0, 0, 0 },
    };
    traps[0].address = (uint32_t)bp_entry;
    traps[1].address = (uint32_t)gp_entry;
    traps[2].address = (uint32_t)pf_entry;
    check(hc(HC_set_trap_table, (uint32_t)traps, 0, 0, 0) == 0, "set-trap-table", "ret", 0, 0);
    check(hc(HC_set_callbacks, FLAT_RING1_CS, (uint32_t)ev_entry, FLAT_RING1_CS, (uint32_t)fs_entry) == 0,
          "set-callbacks", "ret", 0, 0);

    /* A frame with a 64-bit code segment: set_gdt refuses it. */
    bad_page[1] = CODE64_DPL1;
    r = map_ro(bad_page);
    uint32_t fl[1] = { mfn_of(bad_page) };
    r = r ? r : hc(HC_set_gdt, (uint32_t)fl, 16, 0, 0);
    check(r == -22, "set-gdt-64bit-code-refused", "ret", (uint32_t)r, (uint32_t)-22);
    /* The GDT: ring-1 code and data, a DPL-0 data and a DPL-0 code
     * descriptor (raised to 1), an M2P-based data segment. */
    gdt_page[1] = CODE_DPL1;
    gdt_page[2] = DATA_DPL1;
    gdt_page[3] = DATA_DPL0;
    gdt_page[4] = CODE_DPL0;
    gdt_page[5] = M2P_DATA_DPL1;
    r = map_ro(gdt_page);
    fl[0] = mfn_of(gdt_page);
    r = r ? r : hc(HC_set_gdt, (uint32_t)fl, 16, 0, 0);
    check(r == 0, "set-gdt-32bit-frames", "ret", (uint32_t)r, 0);
    check(gdt_page[3] == (DATA_DPL0 | (1ull << 45)), "dpl0-data-raised-to-1", "desc", gdt_page[3],
          DATA_DPL0 | (1ull << 45));
    check(gdt_page[4] == (CODE_DPL0 | (1ull << 45)), "dpl0-code-raised-to-1", "desc", gdt_page[4],
          CODE_DPL0 | (1ull << 45));

    /* update_descriptor (pa low, pa high, desc low, desc high). */
    r = upd(gdt_page, 6, DATA_DPL0);
    check(r == 0 && gdt_page[6] == (DATA_DPL0 | (1ull << 45)), "update-descriptor-dpl0-raised", "ret",
          (uint32_t)r, 0);
    r = upd(gdt_page, 7, GATE_TO_HV);
    check(r == -22 && gdt_page[7] == 0, "update-descriptor-call-gate-refused", "ret", (uint32_t)r, (uint32_t)-22);
    r = upd(gdt_page, 7, CODE64_DPL1);
    check(r == -22 && gdt_page[7] == 0, "update-descriptor-64bit-code-refused", "ret", (uint32_t)r,
          (uint32_t)-22);
    r = upd(gdt_page, 7, 0x0000890000000067ull);      /* a 32-bit TSS */
    check(r == -22, "update-descriptor-tss-refused", "ret", (uint32_t)r, (uint32_t)-22);
    r = hc(HC_update_descriptor, 0x1000 + 3, 0, 0, 0);
    check(r == -22, "update-descriptor-misaligned", "ret", (uint32_t)r, (uint32_t)-22);

    /* Ring 1 on the guest's own selectors: DS 0x11, the DPL-0-written
     * data 0x19 (RPL 1), then a far jump to code 0x09. */
    uint32_t gp0 = gp_count;
    uint16_t cs, ds;
    __asm__ __volatile__("movl $1f, gp_resume\n mov %1, %%es\n mov %2, %%es\n 1: mov %%es, %0"
                         : "=r"(ds) : "r"(0x11), "r"(0x19) : "memory");
    check(gp_count == gp0 && ds == 0x19, "load-guest-data-selectors", "es", ds, 0x19);
    __asm__ __volatile__("ljmp $0x09, $1f\n 1: mov %%cs, %0" : "=r"(cs) :: "memory");
    check(cs == 0x09, "far-jump-guest-code-selector", "cs", cs, 0x09);
    long v = hc(HC_xen_version, 0, 0, 0, 0);
    check(v > 0, "hypercall-from-guest-cs", "version", (uint32_t)v, 1);
    uint32_t bp0 = bp_count;
    __asm__ __volatile__("int3" ::: "memory");
    check(bp_count == bp0 + 1 && (bp_cs & 0xffff) == 0x09, "bp-frame-guest-cs", "cs", bp_cs & 0xffff, 0x09);
    __asm__ __volatile__("ljmp $0xe019, $1f\n 1: mov %%cs, %0" : "=r"(cs) :: "memory");
    check(cs == FLAT_RING1_CS, "far-jump-back-flat", "cs", cs, FLAT_RING1_CS);
    /* DPL-0-written code (raised to 1): far jump, then back. */
    __asm__ __volatile__("ljmp $0x21, $1f\n 1: mov %%cs, %0\n ljmp $0xe019, $2f\n 2:" : "=r"(cs) :: "memory");
    check(cs == 0x21, "dpl0-code-runs-in-ring1", "cs", cs, 0x21);

    /* The hypervisor's ring-0 selectors stay out of reach. */
    __asm__ __volatile__("movl $1f, gp_resume\n lcall $0xe008, $0\n 1:" ::: "memory");
    check(gp_count == gp0 + 1 && gp_err == 0xe008, "far-call-hv-cs-gp", "err", gp_err, 0xe008);

    /* The M2P-based data segment: reads the compat M2P, cannot write it. */
    uint32_t m2p0 = 0, pf0 = pf_count;
    __asm__ __volatile__("mov %1, %%es\n mov %%es:0, %0\n mov %2, %%es" : "=r"(m2p0) : "r"(0x29), "r"(0xe021)
                         : "memory");
    check(m2p0 == ((const volatile uint32_t *)0xf5800000u)[0], "m2p-segment-reads-m2p", "m2p[0]", m2p0,
          ((const volatile uint32_t *)0xf5800000u)[0]);
    __asm__ __volatile__("movl $1f, pf_resume\n mov %0, %%es\n movl $0, %%es:0\n 1: mov %1, %%es"
                         :: "r"(0x29), "r"(0xe021) : "memory");
    check(pf_count == pf0 + 1 && (pf_err & 3) == 3, "m2p-segment-write-faults", "err", pf_err, 3);

    /* The LDT: a forged call gate to 0xe008 and a 64-bit code segment
     * (both zeroed in the copy), a flat data segment, the M2P-based one. */
    ldt_page[0] = GATE_TO_HV;
    ldt_page[1] = M2P_DATA_DPL1;
    ldt_page[2] = CODE64_DPL1;
    ldt_page[3] = DATA_DPL1;
    r = set_ldt(0xf5800000u, 16);
    check(r == -22, "ldt-in-hv-range-refused", "ret", (uint32_t)r, (uint32_t)-22);
    r = set_ldt(0xf5800000u - 4096, 1024);
    check(r == -22, "ldt-reaching-hv-range-refused", "ret", (uint32_t)r, (uint32_t)-22);
    r = set_ldt((uint32_t)ldt_page, 16);
    check(r == 0, "set-ldt", "ret", (uint32_t)r, 0);
    gp0 = gp_count;
    __asm__ __volatile__("movl $1f, gp_resume\n lcall $0x05, $0\n 1:" ::: "memory");
    check(gp_count == gp0 + 1 && (gp_err & ~3u) == 0x04, "far-call-forged-ldt-gate-gp", "err", gp_err, 0x04);
    __asm__ __volatile__("movl $1f, gp_resume\n ljmp $0x15, $0\n 1:" ::: "memory");
    check(gp_count == gp0 + 2 && (gp_err & ~3u) == 0x14, "far-jump-ldt-64bit-code-gp", "err", gp_err, 0x14);
    __asm__ __volatile__("mov %1, %%es\n mov %%es, %0\n mov %2, %%es" : "=r"(ds) : "r"(0x1d), "r"(0xe021)
                         : "memory");
    check(ds == 0x1d, "load-ldt-data-selector", "es", ds, 0x1d);
    pf0 = pf_count;
    __asm__ __volatile__("movl $1f, pf_resume\n mov %0, %%es\n movl $0, %%es:0\n 1: mov %1, %%es"
                         :: "r"(0x0d), "r"(0xe021) : "memory");
    check(pf_count == pf0 + 1 && (pf_err & 3) == 3, "ldt-m2p-segment-write-faults", "err", pf_err, 3);

    /* Failsafe: ES holds LDT selector 0x1d; the entry goes (the LDT is
     * guest memory), an MMU call makes the hypervisor copy the LDT again,
     * ES cannot be loaded at the next entry: the failsafe callback. */
    __asm__ __volatile__("mov %0, %%es" :: "r"(0x1d) : "memory");
    ldt_page[3] = 0;
    r = map_ro(bad_page);
    __asm__ __volatile__("mov %%es, %0" : "=r"(ds));
    check(fs_count == 1 && fs_ds == 0xe021 && fs_es == 0x1d, "failsafe-32bit-frame-ds-es", "es", fs_es, 0x1d);
    check(ds == 0xe021, "failsafe-handler-reloaded-es", "es", ds, 0xe021);
    check((fs_cs & 0xffff) == FLAT_RING1_CS, "failsafe-frame-cs", "cs", fs_cs & 0xffff, FLAT_RING1_CS);
    r = set_ldt(0, 0);
    check(r == 0, "ldt-off", "ret", (uint32_t)r, 0);
    pv32_finish();
}
