/* The compat translation area (xlat.h). */
#include "core/compat/xlat.h"
#include "core/domain.h"
#include "lib/errno.h"
#include "lib/string.h"

bool compat_active(const struct vcpu *v)
{
    return v->compat.active;
}

__hot_path int compat_xlat_copy(struct vcpu *v, void *buf, uint64_t gva, size_t len, bool to_guest)
{
    /* Outside a 32-bit call every address is the guest's (a 64-bit guest
     * passing this non-canonical address gets its own translation fault). */
    if (!v->compat.active || gva < COMPAT_XLAT_VA || gva - COMPAT_XLAT_VA >= (1ull << 32))
        return 1;
    uint64_t off = gva - COMPAT_XLAT_VA;
    if (off > COMPAT_XLAT_BYTES || len > COMPAT_XLAT_BYTES - off)
        return -EFAULT;     /* a native handler walked past what the compat layer put there */
    if (to_guest)
        memcpy(v->compat.buf + off, buf, len);
    else
        memcpy(buf, v->compat.buf + off, len);
    return 0;
}
