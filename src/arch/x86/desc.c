/*
 * GDT, TSS and IDT.  Each CPU has its own GDT because the TSS descriptor
 * (and the TSS's IST stacks) are per CPU; the IDT is shared.
 */
#include "arch/x86/traps.h"
#include "arch/x86/layout.h"
#include "core/percpu.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "core/panic.h"

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, attr;
    uint16_t off_mid;
    uint32_t off_hi, rsvd;
} __packed;

static struct idt_gate idt[256] __aligned(16);  /* (i) written on the boot CPU before APs start */
extern const uint64_t idt_stubs[256];

/* IST slots in the TSS (1-based in the gate): NMI, #DF and #MC get their own
 * stacks so they run on a known-good stack even if they hit while RSP is
 * bad (e.g. a stack overflow into the guard page).  #DB too: a PV guest's
 * data breakpoint hit by MOV SS / POP SS is delivered after the next
 * instruction, which may be SYSCALL, so the #DB arrives in ring 0 at the
 * first instruction of pv_syscall_entry with the guest's RSP and GS base
 * (the XSA-260 class): only an IST stack makes that safe. */
#define IST_NMI 1
#define IST_DF  2
#define IST_MC  3
#define IST_DB  4

static void set_gate(unsigned vec, uint64_t fn, unsigned ist, unsigned dpl)
{
    idt[vec] = (struct idt_gate){
        .off_lo = fn & 0xffff, .sel = BOOT_CS64, .ist = ist,
        .attr = (uint8_t)(0x8e | dpl << 5), /* present, 64-bit interrupt gate */
        .off_mid = (fn >> 16) & 0xffff, .off_hi = fn >> 32,
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, idt_stubs[v], 0, 0);
    set_gate(X86_EXC_NMI, idt_stubs[X86_EXC_NMI], IST_NMI, 0);
    set_gate(X86_EXC_DF, idt_stubs[X86_EXC_DF], IST_DF, 0);
    set_gate(X86_EXC_MC, idt_stubs[X86_EXC_MC], IST_MC, 0);
    set_gate(X86_EXC_DB, idt_stubs[X86_EXC_DB], IST_DB, 0);
    /* INT3 may be executed by a PV guest kernel (ring 3): it must arrive as
     * #BP, as on Xen, not as the #GP a DPL-0 gate gives.  Every other gate
     * stays DPL 0: a guest's INT n is a #GP the PV code decides about. */
    set_gate(3, idt_stubs[3], 0, 3);
}

/* SYSCALL for PV guests (src/pv/entry.S): a 64-bit PV kernel's hypercall
 * instruction.  STAR[47:32] is the ring-0 CS (SS = CS + 8); STAR[63:48]
 * 0xe023 makes SYSRET's selectors Xen's flat ring-3 ones (never used: the
 * way back is IRETQ).  SFMASK clears IF, TF, DF, AC and NT at entry: the
 * entry runs on the guest's stack until it switches, with interrupts off.
 * EFER.SCE is set here, before any VMCS/VMCB copies the host EFER. */
extern const char pv_syscall_entry[], pv_syscall_entry32[];
static void syscall_msrs_init(uint16_t cs)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, (0xe023ull << 48) | ((uint64_t)cs << 32));
    wrmsr(MSR_LSTAR, (uint64_t)pv_syscall_entry);
    wrmsr(MSR_CSTAR, (uint64_t)pv_syscall_entry32);
    wrmsr(MSR_SFMASK, 0x47700);
}

struct desc_ptr { uint16_t limit; uint64_t base; } __packed;

void cpu_desc_init(struct percpu *p)
{
    struct desc_ptr idtr = { sizeof(idt) - 1, (uint64_t)idt };
    uint64_t tss = (uint64_t)&p->tss;

    /* Once the allocator runs (the boot CPU's second call, every AP), the
     * large GDT with the PV selectors; before, the small one.  A CPU
     * without it runs no PV guest (pv_cpu_ready). */
    if (!p->gdt_pv && mm_total_frames())
        p->gdt_pv = alloc_pages(GDT_PV_ORDER, DOMID_XEN);
    uint64_t *gdt = p->gdt_pv ? p->gdt_pv : p->gdt;
    unsigned entries = p->gdt_pv ? GDT_PV_ENTRIES : GDT_ENTRIES;
    struct desc_ptr gdtr = { (uint16_t)(entries * 8 - 1), (uint64_t)gdt };

    memset(gdt, 0, entries * 8);
    gdt[BOOT_CS64 >> 3] = 0x00af9a000000ffffull;     /* 64-bit code, DPL0 */
    gdt[BOOT_DS >> 3]   = 0x00cf92000000ffffull;     /* data, DPL0 */
    gdt[BOOT_CS32 >> 3] = 0x00cf9a000000ffffull;     /* 32-bit code (trampoline) */
    /* 64-bit TSS descriptor (16 bytes), type 9 = available TSS. */
    gdt[4] = (sizeof(p->tss) - 1) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
                ((tss >> 24) & 0xff) << 56;
    gdt[5] = tss >> 32;
    if (p->gdt_pv) {
        /* Xen's flat ring-3 descriptors (public arch-x86_64.h): 0xe023
         * 32-bit code, 0xe02b data, 0xe033 64-bit code, DPL 3, base 0,
         * limit 4 GiB.  Nothing else in the reserved area is valid. */
        gdt[0xe023 >> 3] = 0x00cffa000000ffffull;
        gdt[0xe02b >> 3] = 0x00cff2000000ffffull;
        gdt[0xe033 >> 3] = 0x00affa000000ffffull;
        /* The hypervisor's own ring-0 selectors in the reserved area too
         * (Xen's __HYPERVISOR_CS 0xe008 / __HYPERVISOR_DS64 0xe010): a PV
         * vCPU's GDT (src/pv/pv_seg.c) gives entries below 0xe000 to the
         * guest, so whatever ring 0 may load while it is loaded (IDT gate
         * selectors, SYSCALL's CS/SS, IRETQ within ring 0) must name
         * these.  0x08/0x10 stay for the boot code and VMX host state. */
        gdt[HV_CS64 >> 3] = gdt[BOOT_CS64 >> 3];
        gdt[HV_DS >> 3] = gdt[BOOT_DS >> 3];
    }
    uint16_t cs = p->gdt_pv ? HV_CS64 : BOOT_CS64, ds = p->gdt_pv ? HV_DS : BOOT_DS;
    syscall_msrs_init(cs);

    memset(&p->tss, 0, sizeof(p->tss));
    p->tss.iomap_base = sizeof(p->tss);                 /* no I/O bitmap */
    p->tss.rsp[0] = p->stack_top;
    /* The top 16 bytes of each IST stack hold this CPU's percpu pointer
     * (at top - 8): the IST entry (entry.S ist_entry) compares it with the
     * GS base to know whether an NMI/#DF/#MC/#DB interrupted the few
     * instructions where ring 0 runs with a PV guest's GS base. */
    for (unsigned i = 0; i < 4; i++) {
        *(uint64_t *)(p->ist_top[i] - 8) = (uint64_t)p;
        p->tss.ist[i] = p->ist_top[i] - 16;
    }
    _Static_assert(IST_NMI == 1 && IST_DF == 2 && IST_MC == 3 && IST_DB == 4, "ist_top[] order");

    __asm__ __volatile__(
        "lgdt %0\n"
        "lidt %1\n"
        "mov %2, %%ds\n mov %2, %%es\n mov %2, %%ss\n"
        /* Reload CS with a far return to the next instruction. */
        "pushq %3\n lea 1f(%%rip), %%rax\n pushq %%rax\n lretq\n1:\n"
        "ltr %w4\n"
        :: "m"(gdtr), "m"(idtr), "r"((uint64_t)ds), "r"((uint64_t)cs), "r"((uint64_t)0x20)
        : "rax", "memory");
    /* The shared IDT's gates name HV_CS64 once the boot CPU has the large
     * GDT (before any AP starts); every AP loads the IDT only here, after
     * its large GDT, and cannot run without one then. */
    if (p->gdt_pv && idt[0].sel != HV_CS64)
        for (unsigned v = 0; v < 256; v++)
            __atomic_store_n(&idt[v].sel, HV_CS64, __ATOMIC_RELAXED);
    else if (!p->gdt_pv && idt[0].sel == HV_CS64)
        panic("cpu%u: no memory for the GDT the IDT's selectors need", p->cpu);
}
