/*
 * Little-endian reads at any byte offset of an image or table the hypervisor
 * parses (kernel images, boot protocols).  memcpy keeps them free of
 * alignment and aliasing assumptions; x86 is little-endian, so no swap.
 * The caller has already checked that off + size lies inside the buffer.
 */
#ifndef RV_LIB_UNALIGNED_H
#define RV_LIB_UNALIGNED_H

#include <stdint.h>
#include "lib/string.h"

static inline uint16_t get_le16(const void *p, uint64_t off)
{
    uint16_t v;
    memcpy(&v, (const uint8_t *)p + off, sizeof(v));
    return v;
}

static inline uint32_t get_le32(const void *p, uint64_t off)
{
    uint32_t v;
    memcpy(&v, (const uint8_t *)p + off, sizeof(v));
    return v;
}

static inline uint64_t get_le64(const void *p, uint64_t off)
{
    uint64_t v;
    memcpy(&v, (const uint8_t *)p + off, sizeof(v));
    return v;
}

#endif
