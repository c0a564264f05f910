/* See virt_caps.h. */
#include "core/virt_caps.h"

static struct virt_caps caps;   /* (i) set once by hvm_init */

void virt_caps_set(bool hvm, bool hap, bool shadow)
{
    caps.hvm = hvm;
    caps.hap = hap;
    caps.shadow = shadow;
}

const struct virt_caps *virt_caps(void)
{
    return &caps;
}
