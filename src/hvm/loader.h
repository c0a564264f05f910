/* Loading an HVM domain's kernel into guest memory: a Linux bzImage (64-bit
 * boot protocol, with initrd and command line), or a multiboot1/2 ELF or
 * flat binary with its multiboot information; plus, for every domain, the
 * ACPI tables (hvm/acpi_build.h) and the BIOS data area words an OS reads. */
#ifndef RV_HVM_LOADER_H
#define RV_HVM_LOADER_H

#include "lib/compiler.h"

struct domain;
struct domcfg;
struct boot_module;
struct vcpu;

struct loaded_kernel {
    uint64_t entry;         /* guest-physical entry point */
    uint64_t info_gpa;      /* multiboot: EBX, the information block */
    uint32_t magic;         /* multiboot: EAX, which multiboot the kernel asked for */
    /* bzImage: 64-bit entry (long mode, paging on) with these values. */
    bool long_mode;
    /* bzImage without a 64-bit entry: the 32-bit boot protocol (paging off,
     * ESI = boot_params, the same GDT with a 32-bit __BOOT_CS). */
    bool bz32;
    uint64_t cr3, gdt_base, boot_params, rsp;
    uint16_t gdt_limit;
    /* Only vCPU 0 is started at the entry; the others are left untouched by
     * loader_init_vcpu and wait for INIT/SIPI from the guest's LAPIC (the
     * vLAPIC reads this flag).  False for multiboot/flat kernels. */
    bool aps_wait_for_sipi;
    /* PVH: vCPU 0 starts at 'entry' in 32-bit protected mode, paging off,
     * EBX = start_info_gpa (public/hvm.h); the console ring page the builder
     * set aside (0 = none) is handed to pvconsole_create. */
    bool pvh;
    /* firmware_override: an HVM domain whose vCPU 0 starts as a PVH one's
     * (hvmloader's start under Xen), with the same boot pages. */
    bool firmware;
    uint64_t start_info_gpa;
    uint64_t console_gfn;
};

/*
 * Finds cfg->kernel (and cfg->ramdisk for a bzImage) among the boot modules
 * by base name, loads it into d's RAM (already allocated, d->mem_bytes in the
 * mm/e820.h layout) and writes the boot information and the ACPI tables for
 * cfg->vcpus vCPUs.  Returns 0, or a negative errno with a one-line reason in
 * err; only this domain fails.
 */
int loader_load(struct domain *d, const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods,
                struct loaded_kernel *lk, char *err, size_t errlen);
/* Initial register state.  Multiboot/flat kernels: every vCPU starts at the
 * entry in flat 32-bit protected mode with paging off (vCPU n finds n as its
 * initial APIC id in CPUID leaf 1).  bzImage: vCPU 0 starts in 64-bit mode
 * per the boot protocol; the others are not touched (aps_wait_for_sipi). */
void loader_init_vcpu(struct vcpu *v, const struct loaded_kernel *lk);

#endif
