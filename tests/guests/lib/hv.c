/*
 * Finding the hypervisor and calling it.
 *
 * Detection (include/public/cpuid.h): CPUID 0x40000000 returns the
 * signature "XenVMMXenVMM" in EBX, ECX, EDX and the highest hypervisor leaf
 * in EAX; leaf 0x40000002 gives the number of hypercall pages and the MSR
 * that installs one.  We fill our page with INT3 (0xCC) first, so a page
 * the hypervisor did not fill traps instead of running stale bytes, then
 * WRMSR its guest-physical address (paging is off: virtual = physical).
 *
 * The 64-bit half of a 64-bit test does not set anything up again: it uses
 * the page the 32-bit half installed (identity-mapped), found in gi.
 */
#include "guest.h"
#include "public/cpuid.h"
#include "public/xen.h"
#include "public/sched.h"
#include "public/version.h"

uintptr_t hv_page_addr;             /* read by hypercall() (hcall32.S / hcall64.S) */

void *hv_page(void)
{
    return (void *)hv_page_addr;
}

#ifdef __x86_64__

bool hv_require(void)
{
    if (gi->hv_present) {
        hv_page_addr = gi->hcall_page;
        return true;
    }
    if (gi->nohv) {
        skip("hypervisor", "not running under Ringvisor (nohv: hypercall checks skipped)");
        return false;
    }
    check(false, "hypervisor", "not running under Ringvisor");
    finish();
}

#else /* 32-bit */

static uint8_t hcall_page[4096] __attribute__((aligned(4096)));

static bool no_hv(const char *fmt, uint32_t arg)
{
    if (gi->nohv) {
        skip("hypervisor", "not running under Ringvisor (nohv: hypercall checks skipped)");
        return false;
    }
    check(false, "hypervisor", fmt, arg);
    finish();
}

bool hv_require(void)
{
    uint32_t a, b, c, d;
    char sig[13];

    if (gi->hv_present)
        return true;
    cpuid(XEN_CPUID_FIRST_LEAF, &a, &b, &c, &d);
    memcpy(sig, &b, 4);
    memcpy(sig + 4, &c, 4);
    memcpy(sig + 8, &d, 4);
    sig[12] = 0;
    for (int i = 0; i < 12; i++)
        if (sig[i] < 0x20 || sig[i] >= 0x7f)
            sig[i] = '?';
    if (b != XEN_CPUID_SIGNATURE_EBX || c != XEN_CPUID_SIGNATURE_ECX || d != XEN_CPUID_SIGNATURE_EDX) {
        printf("note: CPUID %#x: EAX %#x, signature \"%s\", not \"XenVMMXenVMM\"\n",
               XEN_CPUID_FIRST_LEAF, a, sig);
        return no_hv("not running under Ringvisor", 0);
    }
    gi->hv_max_leaf = a;
    if (a < XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_HCALL)
        return no_hv("highest hypervisor leaf %#x, need at least 0x40000002", a);
    cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_VERSION, &a, &b, &c, &d);
    gi->hv_version = a;
    cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_HCALL, &a, &b, &c, &d);
    if (a < 1)
        return no_hv("CPUID 0x40000002 reports %u hypercall pages", a);
    memset(hcall_page, 0xcc, sizeof(hcall_page));
    int vec = wrmsr_safe(b, (uintptr_t)hcall_page);
    if (vec != NO_FAULT)
        return no_hv("WRMSR of the hypercall page address raised vector %u", (uint32_t)vec);
    if (gi->hv_max_leaf >= XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_TIME) {
        cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_TIME, &a, &b, &c, &d);
        gi->tsc_khz = a;
    }
    hv_page_addr = (uintptr_t)hcall_page;
    gi->hcall_page = (uint32_t)hv_page_addr;
    gi->hv_present = 1;
    printf("note: hypervisor version %u.%u, hypercall page at %p, TSC %u kHz\n",
           XENVER_MAJOR(gi->hv_version), XENVER_MINOR(gi->hv_version), (void *)hcall_page,
           (unsigned)gi->tsc_khz);
    return true;
}

#endif

long hv_console_write(const char *buf, unsigned long len)
{
    return hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, len, (uintptr_t)buf, 0, 0);
}

long hv_sched_yield(void)
{
    return hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
}

long hv_sched_block(void)
{
    return hypercall(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0, 0);
}

long hv_shutdown(unsigned reason)
{
    struct sched_shutdown s = { .reason = reason };
    return hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uintptr_t)&s, 0, 0, 0);
}

long hv_version(void)
{
    return hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
}

long hv_set_timer(uint64_t deadline_ns)
{
#ifdef __x86_64__
    return hypercall(__HYPERVISOR_set_timer_op, deadline_ns, 0, 0, 0, 0);
#else
    /* 32-bit guests pass the 64-bit deadline as EBX = low, ECX = high. */
    return hypercall(__HYPERVISOR_set_timer_op, (uint32_t)deadline_ns, (uint32_t)(deadline_ns >> 32), 0, 0, 0);
#endif
}
