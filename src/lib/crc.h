/*
 * CRC-32 (IEEE 802.3, as used by gzip and xz) and CRC-64 (ECMA-182, as used
 * by xz), both in their reflected form with the customary all-ones initial
 * value and final inversion.  Incremental: pass the previous result (0 to
 * start) to continue a running checksum.  Pure and reentrant.
 */
#ifndef RV_LIB_CRC_H
#define RV_LIB_CRC_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);

/* The same CRC-32, four bytes per step ("slicing by 4") with 4 KiB of
 * tables the caller keeps (filled by crc32_tables_init): for long buffers. */
struct crc32_tables {
    uint32_t t[4][256];
};
void crc32_tables_init(struct crc32_tables *tab);
uint32_t crc32_update_fast(const struct crc32_tables *tab, uint32_t crc, const void *buf, size_t len);
uint64_t crc64_update(uint64_t crc, const void *buf, size_t len);

#endif
