/*
 * bzImage payloads.  Reference: the Linux x86 boot protocol
 * (Documentation/arch/x86/boot.rst): setup_sects at 0x1F1 (0 meaning 4),
 * boot_flag 0xAA55 at 0x1FE, "HdrS" at 0x202, version at 0x206,
 * payload_offset at 0x248 and payload_length at 0x24C since protocol 2.08,
 * the offset counted from the start of the protected-mode code at
 * (setup_sects + 1) * 512.
 *
 * The file is untrusted: fields are read through memcpy at offsets checked
 * against the size first, and no sum that could wrap is formed unchecked.
 */
#include "image/bzpayload.h"
#include "lib/unaligned.h"

#include <stdint.h>

#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define BZ_OFF_SETUP_SECTS  0x1f1
#define BZ_OFF_BOOT_FLAG    0x1fe
#define BZ_OFF_HEADER       0x202
#define BZ_OFF_VERSION      0x206
#define BZ_OFF_PAYLOAD_OFF  0x248
#define BZ_OFF_PAYLOAD_LEN  0x24c
#define BZ_PAYLOAD_VERSION  0x0208

#define BZ_FAIL(...) (fmt_snprintf(why, whylen, __VA_ARGS__), -ENOEXEC)

int bzpayload_find(const void *image, size_t size, const void **payload, size_t *len, char *why, size_t whylen)
{
    const uint8_t *p = image;
    uint64_t setup_sects, koff, poff, plen;
    uint16_t version;

    if (!p || size < BZ_OFF_VERSION + 2 || get_le16(p, BZ_OFF_BOOT_FLAG) != 0xaa55 ||
        memcmp(p + BZ_OFF_HEADER, "HdrS", 4))
        return -ENOENT;
    version = get_le16(p, BZ_OFF_VERSION);
    if (version < BZ_PAYLOAD_VERSION)
        return BZ_FAIL("bzImage boot protocol %u.%02u has no payload fields (2.08 needed)", version >> 8,
                       version & 0xff);
    if (size < BZ_OFF_PAYLOAD_LEN + 4)
        return BZ_FAIL("bzImage of %llu bytes is too short for its setup header", (unsigned long long)size);
    setup_sects = p[BZ_OFF_SETUP_SECTS] ? p[BZ_OFF_SETUP_SECTS] : 4;
    koff = (setup_sects + 1) * 512;
    poff = get_le32(p, BZ_OFF_PAYLOAD_OFF);
    plen = get_le32(p, BZ_OFF_PAYLOAD_LEN);
    if (plen == 0)
        return BZ_FAIL("bzImage has no payload (payload_length 0)");
    if (koff > size || poff > size - koff || plen > size - koff - poff)
        return BZ_FAIL("bzImage payload (%llu bytes at 0x%llx + 0x%llx) extends past the %llu-byte file",
                       (unsigned long long)plen, (unsigned long long)koff, (unsigned long long)poff,
                       (unsigned long long)size);
    *payload = p + koff + poff;
    *len = (size_t)plen;
    return 0;
}
