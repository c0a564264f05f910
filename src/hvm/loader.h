/* Loading an HVM domain's kernel (multiboot1/2 ELF or flat binary) and its
 * multiboot information into guest memory. */
#ifndef RV_HVM_LOADER_H
#define RV_HVM_LOADER_H

#include "lib/compiler.h"

struct domain;
struct domcfg;
struct boot_module;
struct vcpu;

struct loaded_kernel {
    uint64_t entry;         /* guest-physical, 32-bit protected mode */
    uint64_t info_gpa;      /* multiboot information block */
    uint32_t magic;         /* EAX at entry: which multiboot the kernel asked for */
};

int loader_load(struct domain *d, const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods,
                struct loaded_kernel *lk, char *err, size_t errlen);
/* Initial register state: every vCPU starts at the entry in flat 32-bit
 * protected mode with paging off; vCPU n finds n as its initial APIC id in
 * CPUID leaf 1 (there is no virtual LAPIC to start APs with yet). */
void loader_init_vcpu(struct vcpu *v, const struct loaded_kernel *lk);

#endif
