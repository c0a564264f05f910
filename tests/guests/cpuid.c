/*
 * cpuid: what CPUID tells a HVM guest.  The Xen-compatible hypervisor leaves
 * (include/public/cpuid.h) are there and consistent with the hypercalls,
 * and the virtualization extensions are hidden: the guest cannot use them.
 */
#include "guest.h"
#include "public/cpuid.h"
#include "public/version.h"

void test_main(void)
{
    uint32_t a, b, c, d;

    if (!hv_require())
        return;
    cpuid(XEN_CPUID_FIRST_LEAF, &a, &b, &c, &d);
    check(b == XEN_CPUID_SIGNATURE_EBX && c == XEN_CPUID_SIGNATURE_ECX && d == XEN_CPUID_SIGNATURE_EDX,
          "signature", "EBX ECX EDX = %#x %#x %#x", b, c, d);
    uint32_t max = a;
    check(max >= XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_HCALL && max < XEN_CPUID_FIRST_LEAF + 0x100,
          "max-leaf", "highest hypervisor leaf %#x, expected 0x40000002-0x400000ff", max);

    cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_VERSION, &a, &b, &c, &d);
    long ver = hv_version();
    check(ver > 0 && a == (uint32_t)ver, "version-leaf", "CPUID 0x40000001 EAX %#x, xen_version hypercall %#lx",
          a, ver);
    printf("note: hypervisor version %u.%u\n", XENVER_MAJOR(a), XENVER_MINOR(a));

    cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_HCALL, &a, &b, &c, &d);
    check(a == 1 && b == XEN_HYPERCALL_MSR_DEFAULT, "hypercall-leaf",
          "CPUID 0x40000002: %u pages, MSR %#x; expected 1 page, MSR 0x40000000", a, b);

    if (max >= XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_TIME) {
        cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_TIME, &a, &b, &c, &d);
        /* 1 MHz .. 100 GHz: anything else is not a TSC frequency in kHz. */
        check(a >= 1000 && a <= 100000000, "tsc-khz", "CPUID 0x40000003 EAX = %u, not a TSC frequency in kHz", a);
        /* Xen's field for the guest TSC frequency: sub-leaf 0 ECX; the
         * host's in sub-leaf 2 EAX (the same rate: no scaling). */
        check(c == a, "tsc-khz-xen", "CPUID 0x40000003 ECX = %u kHz, EAX %u", c, a);
        uint32_t a2, b2, c2, d2;
        cpuid_count(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_TIME, 2, &a2, &b2, &c2, &d2);
        check(a2 == a, "tsc-khz-host", "CPUID 0x40000003.2 EAX = %u kHz, sub-leaf 0 says %u", a2, a);
    } else {
        check(false, "tsc-khz", "no leaf 0x40000003 (highest %#x): the guests need the TSC frequency", max);
    }

    cpuid(1, &a, &b, &c, &d);
    check(!(c & CPUID1_ECX_VMX), "vmx-hidden", "CPUID.1:ECX = %#x has VMX (bit 5)", c);
    check(c & CPUID1_ECX_HYPERVISOR, "hypervisor-bit", "CPUID.1:ECX = %#x lacks bit 31 (hypervisor present)", c);

    cpuid(0x80000000, &a, &b, &c, &d);
    uint32_t max_ext = a;
    if (max_ext >= 0x80000001) {
        cpuid(0x80000001, &a, &b, &c, &d);
        check(!(c & CPUID80000001_ECX_SVM), "svm-hidden", "CPUID.80000001h:ECX = %#x has SVM (bit 2)", c);
    } else {
        skip("svm-hidden", "no leaf 0x80000001 (highest extended leaf %#x)", max_ext);
    }
    if (max_ext >= 0x80000007) {
        /* Power management and invariant TSC (EDX[8]) withheld, as by Xen's
         * default policy; EBX (RAS features) may stay. */
        cpuid(0x80000007, &a, &b, &c, &d);
        check(!a && !c && !d, "pm-leaf-empty", "CPUID 0x80000007 EAX %#x ECX %#x EDX %#x (invariant TSC %s)", a, c,
              d, (d >> 8) & 1 ? "offered" : "withheld");
    }
    if (max_ext >= 0x8000000a) {
        /* The SVM feature leaf describes an extension the guest does not have. */
        cpuid(0x8000000a, &a, &b, &c, &d);
        check(!a && !b && !c && !d, "svm-leaf-empty", "CPUID 0x8000000a = %#x %#x %#x %#x", a, b, c, d);
    }
}
