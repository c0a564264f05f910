/*
 * PVH domain builder (hvm/loader_pvh.c), called by loader_load for
 * type = "pvh", and the guest-physical layout of what it writes besides the
 * kernel.  Everything lives in the BIOS area [GPA_BIOS_AREA, 1 MiB), RAM that
 * the memory map already reports as reserved and that no kernel segment may
 * occupy (KIMG_HOLE_START..KIMG_HOLE_END), so the guest never takes these
 * pages for RAM:
 *
 *   0xe0000            ACPI RSDP, tables from 0xe1000 (acpi_build_pvh_tables)
 *   0xf0000            struct hvm_start_info, module list at +0x40, memory
 *                      map at +0x80 (to the end of the page)
 *   0xf1000            command line (one page)
 *   0xf2000            PV console ring (struct xencons_interface)
 */
#ifndef RV_HVM_LOADER_PVH_H
#define RV_HVM_LOADER_PVH_H

#include "lib/compiler.h"

struct domain;
struct domcfg;
struct boot_module;
struct loaded_kernel;
struct vcpu;

#define PVH_START_INFO_GPA  0xf0000ull
#define PVH_MODLIST_GPA     (PVH_START_INFO_GPA + 0x40)
#define PVH_MEMMAP_GPA      (PVH_START_INFO_GPA + 0x80)
#define PVH_MEMMAP_MAX      ((0x1000 - 0x80) / 24)
#define PVH_CMDLINE_GPA     0xf1000ull
#define PVH_CMDLINE_MAX     4096
#define PVH_CONSOLE_GPA     0xf2000ull
#define PVH_AREA_END        0xf3000ull

/* The kernel module m is already found; loads it (plain ELF or bzImage
 * with a compressed ELF payload), the initrd, start info, memory map and
 * ACPI tables.  0, or a negative errno with one line in err. */
int loader_load_pvh(struct domain *d, const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods,
                    const struct boot_module *m, struct loaded_kernel *lk, char *err, size_t errlen);
/* firmware_override (an HVM domain): the ELF module m loaded at its physical
 * addresses, the start info and memory map as for PVH (no command line, no
 * modules) and the PV console ring; the caller writes the HVM ACPI tables.
 * vCPU 0 starts at e_entry in the PVH entry state (loader_init_vcpu_pvh). */
int loader_load_firmware(struct domain *d, const struct boot_module *m, struct loaded_kernel *lk, char *err,
                         size_t errlen);
/* vCPU 0 of a PVH domain: 32-bit protected mode at the PHYS32 entry. */
void loader_init_vcpu_pvh(struct vcpu *v, const struct loaded_kernel *lk);

/* hvm/loader.c: a boot module by the base name of cfg's file name. */
const struct boot_module *loader_find_module(const char *name, const struct boot_module *mods, unsigned nr);
/* cfg->ramdisk among the modules (*rd NULL, *rd_size 0 when the config names
 * none): -ENOENT when missing, -EINVAL when empty, with the reason in err. */
int loader_find_ramdisk(const struct domcfg *cfg, const struct boot_module *mods, unsigned nr_mods,
                        const struct boot_module **rd, uint64_t *rd_size, char *err, size_t errlen);

#endif
