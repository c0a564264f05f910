/*
 * Intel VT-x backend.  Not written yet (issue 4): on Intel CPUs HVM domains
 * are unavailable, and the probe says so instead of pretending.
 */
#include "hvm/vendor.h"
#include "arch/x86/cpufeature.h"
#include "core/console.h"

const struct hvm_vendor_ops *vmx_probe(void)
{
    if (boot_cpu.vmx.present)
        log_warn("vmx: the VT-x backend is not implemented yet; HVM domains unavailable on this CPU\n");
    return NULL;
}
