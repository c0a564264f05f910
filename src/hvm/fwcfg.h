/*
 * QEMU's firmware configuration device (fw_cfg), as QEMU's PC machines
 * expose it: a 16-bit selector register at I/O port 0x510 and an 8-bit data
 * register at 0x511 (QEMU docs/specs/fw_cfg.rst).  Test kernels written for
 * QEMU read the CPU count and RAM size here, and SeaBIOS/OVMF read the
 * memory map and boot order; an HVM domain gets one unless its file says
 * fw_cfg = 0.
 *
 * Pure code (built for the host too): the items are fixed when the domain
 * is built, so the device state is the selected item and the read offset.
 * The caller serializes accesses (hvm/platform.c holds the device's lock).
 *
 * Only the traditional interface exists: FW_CFG_ID says so (bit 0 only),
 * so firmware does not try the DMA interface at 0x514, and writes to the
 * data register are ignored, as in QEMU since 2.4 for every item we offer.
 */
#ifndef RV_HVM_FWCFG_H
#define RV_HVM_FWCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FWCFG_PORT_SEL          0x510
#define FWCFG_PORT_DATA         0x511

/* Selector keys with fixed meaning (the "well-known" items). */
#define FW_CFG_SIGNATURE        0x00    /* "QEMU" */
#define FW_CFG_ID               0x01    /* LE32 feature bits: 1 = traditional interface */
#define FW_CFG_UUID             0x02    /* 16 bytes */
#define FW_CFG_RAM_SIZE         0x03    /* LE64 bytes */
#define FW_CFG_NOGRAPHIC        0x04    /* LE16 */
#define FW_CFG_NB_CPUS          0x05    /* LE16: CPUs present at boot */
#define FW_CFG_KERNEL_CMDLINE   0x09    /* LE32 guest address of the command line (0: none placed) */
#define FW_CFG_BOOT_MENU        0x0e    /* LE16 */
#define FW_CFG_MAX_CPUS         0x0f    /* LE16: CPUs the machine can have */
#define FW_CFG_CMDLINE_SIZE     0x14    /* LE32, NUL included; 0 when there is none */
#define FW_CFG_CMDLINE_DATA     0x15
#define FW_CFG_FILE_DIR         0x19    /* BE32 count, then struct fw_cfg_file entries */
#define FW_CFG_FILE_FIRST       0x20    /* the first file's key */
#define FW_CFG_ARCH_IRQ0_OVERRIDE 0x8002 /* LE32 1: ISA IRQ0 is wired to GSI2 (our MADT says so too) */

#define FW_CFG_WRITE_CHANNEL    0x4000  /* selector bit: the item is to be written */
#define FW_CFG_ARCH_LOCAL       0x8000  /* selector bit: architecture-specific item */
#define FW_CFG_KEY_MASK         0x3fff

#define FWCFG_FILE_NAME_MAX     56      /* NUL included */
#define FWCFG_MAX_FILES         4
#define FWCFG_BLOB_MAX          2560    /* every item's bytes together */

/* What the domain was built with. */
struct fwcfg_params {
    uint64_t ram_bytes;
    uint16_t boot_cpus, max_cpus;
    const char *cmdline;                /* NULL or "": none */
    const void *e820;                   /* packed 20-byte entries (addr, size LE64; type LE32) */
    unsigned e820_bytes;
};

struct fwcfg_item {
    uint16_t key;                       /* without FW_CFG_WRITE_CHANNEL */
    uint16_t off;                       /* into blob */
    uint32_t len;
};

struct fwcfg {
    uint16_t select;                    /* the selector as written (write bit included) */
    uint32_t offset;                    /* next byte of the selected item */
    unsigned nr_items;
    struct fwcfg_item items[24];
    unsigned blob_len;
    uint8_t blob[FWCFG_BLOB_MAX];
};

/* Fills f from p.  Returns 0, or -1 if the items do not fit (a command
 * line over ~1.5 KiB: the domain builder refuses the domain then). */
int fwcfg_build(struct fwcfg *f, const struct fwcfg_params *p);

/* A guest access to FWCFG_PORT_SEL or FWCFG_PORT_DATA (size 1, 2 or 4).
 * Returns false for ports that are not the device's.  Reads outside the
 * interface's rules (a data read wider than a byte, a selector read) give
 * all ones, as an unclaimed access does on QEMU; such writes are ignored. */
bool fwcfg_io(struct fwcfg *f, uint16_t port, bool in, unsigned size, uint32_t *val);

/* The 20-byte "etc/e820" entry for [addr, addr+size) of type t. */
void fwcfg_e820_entry(uint8_t out[20], uint64_t addr, uint64_t size, uint32_t type);

#endif
