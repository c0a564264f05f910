/*
 * What the CPU's virtualisation extensions offer, as core/ needs to know it
 * (physinfo's capability bits, createdomain's checks) without including the
 * HVM layer: arrows run down only (docs/architecture.md), so hvm_init tells
 * core once, instead of core reading hvm_vendor.
 */
#ifndef RV_CORE_VIRT_CAPS_H
#define RV_CORE_VIRT_CAPS_H

#include <stdbool.h>

struct virt_caps {
    bool hvm;       /* VMX or SVM is on: HVM and PVH domains can run */
    bool hap;       /* nested paging (NPT/EPT) */
    bool shadow;    /* the shadow pager runs on this backend */
};

/* Called by hvm_init on the boot CPU before any domain exists; until then
 * (and for ever on a CPU without VMX/SVM) every field is false. */
void virt_caps_set(bool hvm, bool hap, bool shadow);
/* Owner: written once at start-up, read-only after, so no lock. */
const struct virt_caps *virt_caps(void);

#endif
