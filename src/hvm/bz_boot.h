/*
 * Everything a Linux bzImage finds in an HVM guest's memory at its entry,
 * computed without touching the guest: the plan (hvm/bzimage.h), the zero
 * page with the e820 table, the boot GDT, the identity page tables, and the
 * list of pieces to copy (kernel, initrd, command line, GDT, zero page,
 * page tables) with their guest-physical addresses.  Pure code: the boot
 * path's loader (hvm/loader.c) copies the pieces into a domain it builds
 * from boot modules, and rv's HVM builder in dom0 (tools/rv/hvm_build.c)
 * copies the same pieces through a foreign mapping, so a kernel started
 * either way reads the same bytes and starts in the same state.
 */
#ifndef RV_HVM_BZ_BOOT_H
#define RV_HVM_BZ_BOOT_H

#include "hvm/bzimage.h"

#define BZ_BOOT_PIECES  6

/* One copy into guest RAM: len bytes from src to gpa. */
struct bz_piece {
    uint64_t gpa;
    const void *src;
    uint64_t len;
};

/* vCPU 0's start (boot.rst): the 64-bit protocol (long mode, CR3 the page
 * tables) when plan.entry64, else the 32-bit one (paging off); both with
 * the boot GDT loaded, CS = BZ_BOOT_CS, data BZ_BOOT_DS, RSI = zero page,
 * RSP = BZ_STACK_TOP, interrupts off.  The others wait for INIT/SIPI. */
struct bz_boot {
    struct bz_plan plan;
    uint8_t zero_page[BP_SIZE];
    uint8_t pgt[BZ_PGT_PAGES * 4096];
    uint64_t gdt[BZ_GDT_ENTRIES];
    uint64_t cr3;                   /* 64-bit protocol only; 0 otherwise */
    uint64_t zero_page_gpa, gdt_gpa, stack_top;
    struct bz_piece pieces[BZ_BOOT_PIECES];
    unsigned nr_pieces;
};

/*
 * Plans image (size bytes) for a domain of mem bytes of RAM (mm/e820.h
 * layout) with the initrd bytes (initrd_size of them, NULL/0 = none) and
 * the NUL-terminated cmdline, and fills b.  The pieces point into image,
 * initrd, cmdline and b itself: valid while those live.  rsdp_gpa goes
 * into the zero page.  0, or bz_plan's negative errno and its message.
 */
int bz_boot_build(struct bz_boot *b, const void *image, size_t size, uint64_t mem, const void *initrd,
                  uint64_t initrd_size, const char *cmdline, uint64_t rsdp_gpa, char *err, size_t errlen);

/* The highest guest-physical byte (exclusive) any piece writes. */
uint64_t bz_boot_end(const struct bz_boot *b);

#endif
