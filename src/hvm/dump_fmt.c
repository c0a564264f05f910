/*
 * Pure formatting for the debug key 'd' (hvm/hvm_dump.c): the CPU mode a
 * vCPU is in, pending-event words and byte dumps as short text.  No state,
 * no locks: the host unit test (tests/unit/test_hvm_dump.c) checks it.
 */
#include "hvm/dump_fmt.h"
#include "lib/fmt.h"

#define CR0_PE      (1ull << 0)
#define CR0_PG      (1ull << 31)
#define CR4_PSE     (1ull << 4)
#define CR4_PAE     (1ull << 5)
#define EFER_LMA    (1ull << 10)
#define RFLAGS_VM   (1ull << 17)
#define ATTR_L      (1u << 9)       /* CS.L in the SVM packed attribute form (vendor.h) */
#define ATTR_DB     (1u << 10)      /* CS.D/B */

/* The mode as the SDM names it (vol. 3 2.2, 9.8): paging only outside long
 * mode, since long mode always pages. */
const char *hvm_dump_mode(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t rflags, uint16_t cs_attr)
{
    if (!(cr0 & CR0_PE))
        return "real";
    if (efer & EFER_LMA)
        return (cs_attr & ATTR_L) ? "long 64-bit" : (cs_attr & ATTR_DB) ? "long compat 32-bit" : "long compat 16-bit";
    if (rflags & RFLAGS_VM)
        return "virtual-8086";
    bool d32 = cs_attr & ATTR_DB;
    if (!(cr0 & CR0_PG))
        return d32 ? "protected 32-bit, no paging" : "protected 16-bit, no paging";
    if (cr4 & CR4_PAE)
        return d32 ? "protected 32-bit, PAE paging" : "protected 16-bit, PAE paging";
    if (cr4 & CR4_PSE)
        return d32 ? "protected 32-bit, paging+PSE" : "protected 16-bit, paging+PSE";
    return d32 ? "protected 32-bit, paging" : "protected 16-bit, paging";
}

/* SVM EVENTINJ and VMX entry interruption info share this layout (vendor.h):
 * vector 7:0, type 10:8, error code 11, valid 31. */
size_t hvm_dump_event(char *buf, size_t size, uint32_t ev)
{
    static const char *const types[8] = { "extint", "?1", "nmi", "exception", "softint", "icebp", "swexc", "?7" };
    int n;

    if (!size)
        return 0;
    if (!(ev & (1u << 31)))
        n = fmt_snprintf(buf, size, "none");
    else
        n = fmt_snprintf(buf, size, "%s vector %u%s", types[(ev >> 8) & 7], ev & 0xff,
                         (ev & (1u << 11)) ? " with error code" : "");
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

size_t hvm_dump_hex(char *buf, size_t size, const uint8_t *bytes, unsigned n)
{
    static const char hex[] = "0123456789abcdef";
    size_t at = 0;

    if (!size)
        return 0;
    for (unsigned i = 0; i < n && at + 3 < size; i++) {
        if (i)
            buf[at++] = ' ';
        buf[at++] = hex[bytes[i] >> 4];
        buf[at++] = hex[bytes[i] & 15];
    }
    buf[at] = 0;
    return at;
}
