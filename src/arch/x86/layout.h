/*
 * Ringvisor's virtual address layout (docs/memory-layout.md).
 *
 * Everything the hypervisor maps lives in the range the Xen ABI reserves for
 * the hypervisor in 64-bit PV guests' address spaces (0xffff8000_00000000 to
 * 0xffff87ff_ffffffff), so PV guests can later share page tables with it.
 * Usable from C and assembly.
 */
#ifndef RV_ARCH_X86_LAYOUT_H
#define RV_ARCH_X86_LAYOUT_H

/* Reserved for the read-only machine-to-phys table PV guests see (later). */
#define HV_RO_M2P_VIRT      0xffff800000000000
/* Per-CPU stacks, each slot with unmapped guard pages (mm/paging.c). */
#define HV_STACKS_VIRT      0xffff82c000000000
/* Uncached mappings of device registers (LAPIC, IOAPIC, HPET). */
#define HV_IOREMAP_VIRT     0xffff82e000000000
#define HV_IOREMAP_SIZE     0x0000000040000000      /* 1 GiB */
/* The image: virtual = HV_IMAGE_VIRT + physical. */
#define HV_IMAGE_VIRT       0xffff830000000000
/* Direct map of all RAM: virtual = HV_DIRECTMAP_VIRT + physical. */
#define HV_DIRECTMAP_VIRT   0xffff840000000000
#define HV_DIRECTMAP_SIZE   0x0000040000000000      /* 4 TiB */

/* Boot GDT selectors (head.S, trampoline.S); the runtime GDT keeps them. */
#define BOOT_CS64           0x08
#define BOOT_DS             0x10
#define BOOT_CS32           0x18
/* The hypervisor's ring-0 selectors in the PV-reserved GDT area (Xen's
 * __HYPERVISOR_CS / __HYPERVISOR_DS64), valid in the large per-CPU GDT and
 * in every PV vCPU's GDT (arch/x86/desc.c, pv/pv_seg.c). */
#define HV_CS64             0xe008
#define HV_DS               0xe010

/* Per-CPU stack slot: 32 pages.  Page 0 guard, 1 NMI IST, 2 guard, 3 #DF IST,
 * 4 guard, 5 #MC IST, 6 guard, 7 #DB IST, 8..23 guard, 24..31 the 32 KiB
 * primary stack. */
#define STACK_SLOT_PAGES    32
#define STACK_PRIMARY_FIRST 24
#define STACK_PRIMARY_PAGES 8

#define RV_MAX_CPUS         64

#endif
