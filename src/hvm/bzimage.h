/*
 * Linux x86 boot protocol (Documentation/x86/boot.rst, zero-page.rst):
 * checking a bzImage's setup header, planning where the protected-mode
 * kernel, the initrd, the command line and the boot data go in an HVM
 * guest, and filling the zero page (struct boot_params).  Pure code, built
 * for the host too and fuzzed: the image is any file a configuration names,
 * so every header field is checked before it is used.
 *
 * A kernel with XLF_KERNEL_64 is entered through the 64-bit boot protocol
 * (boot.rst, "64-bit BOOT PROTOCOL"): long mode, identity-mapped page
 * tables, a GDT with __BOOT_CS = 0x10 and __BOOT_DS = 0x18, RSI = zero page,
 * RIP = load address + 0x200.  One without it (a 32-bit kernel) through the
 * 32-bit boot protocol ("32-bit BOOT PROTOCOL"): protected mode, paging off,
 * the same GDT with a 32-bit __BOOT_CS, ESI = zero page, EBP = EDI = EBX =
 * 0, EIP = the load address.  Either way protocol 2.12+ is required.
 */
#ifndef RV_HVM_BZIMAGE_H
#define RV_HVM_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/e820.h"

/* Boot data in low guest memory, below the EBDA and clear of the page the
 * kernel's 32-bit trampoline takes just below it (and of the first 64 KiB
 * the kernel keeps reserved). */
#define BZ_STACK_TOP        0x11000ull      /* [0x10000, 0x11000): initial stack */
#define BZ_PGT_GPA          0x11000ull      /* PML4, PDPT, 4 PDs: 0-4 GiB in 2 MiB pages */
#define BZ_PGT_PAGES        6
#define BZ_GDT_GPA          0x17000ull
#define BZ_ZERO_PAGE_GPA    0x18000ull
#define BZ_CMDLINE_GPA      0x19000ull
#define BZ_CMDLINE_MAX      4096            /* bytes reserved, NUL included */
#define BZ_BOOT_DATA_START  0x10000ull
#define BZ_BOOT_DATA_END    0x1a000ull

#define BZ_KERNEL_MIN       0x100000ull     /* nothing of the kernel below 1 MiB */
#define BZ_RELOC_MIN        0x1000000ull    /* a relocated kernel goes at or above 16 MiB */

/* GDT selectors of the 64-bit boot protocol. */
#define BZ_BOOT_CS          0x10
#define BZ_BOOT_DS          0x18
#define BZ_GDT_ENTRIES      4

/* Zero-page offsets (zero-page.rst) and setup-header offsets (boot.rst;
 * the header lives at the same offset in the file and in the zero page). */
#define BP_ACPI_RSDP_ADDR   0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES     0x1e8
#define BP_SENTINEL         0x1ef
#define BP_HDR              0x1f1           /* setup_sects: start of the setup header */
#define BP_E820_TABLE       0x2d0
#define BP_E820_MAX         128
#define BP_SIZE             4096

#define SH_SETUP_SECTS      0x1f1
#define SH_SYSSIZE          0x1f4
#define SH_BOOT_FLAG        0x1fe
#define SH_JUMP             0x200
#define SH_HEADER           0x202
#define SH_VERSION          0x206
#define SH_TYPE_OF_LOADER   0x210
#define SH_LOADFLAGS        0x211
#define SH_RAMDISK_IMAGE    0x218
#define SH_RAMDISK_SIZE     0x21c
#define SH_HEAP_END_PTR     0x224
#define SH_CMD_LINE_PTR     0x228
#define SH_INITRD_ADDR_MAX  0x22c
#define SH_KERNEL_ALIGNMENT 0x230
#define SH_RELOCATABLE      0x234
#define SH_XLOADFLAGS       0x236
#define SH_CMDLINE_SIZE     0x238
#define SH_HW_SUBARCH       0x23c
#define SH_HW_SUBARCH_DATA  0x240
#define SH_SETUP_DATA       0x250
#define SH_PREF_ADDRESS     0x258
#define SH_INIT_SIZE        0x260
#define SH_END_2_12         0x264           /* init_size is the last field we read */
#define SH_END_MAX          0x290           /* the header area of the zero page ends here */

#define LF_LOADED_HIGH      0x01
#define LF_QUIET            0x20
#define LF_KEEP_SEGMENTS    0x40
#define LF_CAN_USE_HEAP     0x80
#define XLF_KERNEL_64       0x01

struct bz_plan {
    uint16_t version;           /* boot protocol, e.g. 0x020f */
    uint32_t hdr_end;           /* file offset just past the setup header (0x202 + byte at 0x201) */
    uint64_t kernel_off;        /* protected-mode kernel in the file: (setup_sects + 1) * 512 */
    uint64_t kernel_size;       /* syssize * 16 bytes, copied from kernel_off */
    uint64_t load_gpa;          /* where it is copied */
    uint64_t init_size;         /* [load_gpa, load_gpa + init_size) belongs to the kernel */
    bool entry64;               /* XLF_KERNEL_64: 64-bit protocol; else the 32-bit one */
    uint64_t entry;             /* load_gpa + 0x200 (64-bit entry) or load_gpa (32-bit) */
    uint64_t initrd_gpa, initrd_size;   /* initrd_size 0: none */
    uint32_t cmdline_max;       /* longest command line the kernel takes (NUL excluded) */
};

/* True if the file starts like a Linux boot image (boot_flag 0xAA55 at
 * 0x1FE and "HdrS" at 0x202): the loader then treats it as one and refuses
 * it with bz_plan's message if it is not usable. */
bool bz_detect(const void *image, size_t size);

/*
 * Checks the image and plans the guest layout for a domain of mem bytes of
 * RAM (e820.h layout) with an initrd of initrd_size bytes (0 = none) and a
 * command line of cmdline_len bytes (NUL excluded).  Kernel: at pref_address
 * if [pref_address, + init_size) lies in RAM between 1 MiB and the end of
 * low RAM; else, for a relocatable kernel, at the lowest kernel_alignment-
 * aligned address >= 16 MiB where it fits.  Initrd: page aligned, as high as
 * possible below min(initrd_addr_max + 1, end of low RAM), above the
 * kernel's range or else below it, never below 1 MiB.  Returns 0, or
 * -ENOEXEC (bad or unsupported image), -ENOMEM (does not fit the guest's
 * RAM) or -E2BIG (command line too long) with a one-line message starting
 * "bzImage: " in err (err may be NULL).
 */
int bz_plan(const void *image, size_t size, uint64_t mem, uint64_t initrd_size, size_t cmdline_len,
            struct bz_plan *plan, char *err, size_t errlen);

/*
 * The zero page for a planned image: zeroed, the file's setup header copied
 * to 0x1F1, then the loader's fields: type_of_loader 0xFF, loadflags
 * (CAN_USE_HEAP set, QUIET and KEEP_SEGMENTS cleared), heap_end_ptr,
 * ramdisk, command line at cmdline_gpa, setup_data 0, hardware_subarch 0
 * (PC), the e820 table, acpi_rsdp_addr; screen_info stays zero ("no
 * video": orig_video_isVGA 0, no lines/columns).
 */
void bz_boot_params(uint8_t zp[BP_SIZE], const void *image, const struct bz_plan *plan, uint64_t cmdline_gpa,
                    const struct e820_entry *e820, unsigned nr_e820, uint64_t rsdp_gpa);

/* Identity page tables for [0, 4 GiB) in 2 MiB pages (BZ_PGT_PAGES pages,
 * PML4 first) as they sit at guest-physical base; returns CR3 (= base). */
uint64_t bz_build_pagetables(uint8_t pt[BZ_PGT_PAGES * 4096], uint64_t base);

/* The boot GDT: null, null, __BOOT_CS (64-bit code if code64, else flat
 * 32-bit code), __BOOT_DS (flat data). */
void bz_build_gdt(uint64_t gdt[BZ_GDT_ENTRIES], bool code64);

#endif
