/*
 * Which layout a domain's shared_info and vcpu_info have (layout.h
 * "shared_info and vcpu_info as a 32-bit guest sees them").  As with Xen,
 * the layout is latched from the mode of the guest's own vCPU at the calls
 * its Xen support makes first: installing the hypercall page and setting
 * HVM_PARAM_CALLBACK_IRQ.  A guest that changes mode later and latches
 * again gets the other layout from then on; only the wall clock is
 * rewritten for it (event bits pending in the old layout are not carried
 * over, as in Xen).
 */
#include "core/compat/xlat.h"
#include "core/domain.h"
#include "core/time_info.h"

void compat_latch_shinfo(struct domain *d, bool compat)
{
    if (__atomic_exchange_n(&d->shinfo_compat, compat, __ATOMIC_ACQ_REL) != compat && d->shared_info)
        time_info_wallclock(d);
}
