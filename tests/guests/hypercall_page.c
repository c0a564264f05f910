/*
 * hypercall_page: the page the hypervisor writes when the guest WRMSRs its
 * address to the MSR CPUID 0x40000002 names.  guest-abi: one 32-byte stub
 * per hypercall number n at offset n * 32: "mov $n, %eax" (B8 imm32), then
 * VMMCALL (0F 01 D9, AMD) or VMCALL (0F 01 C1, Intel), then RET (C3).  The
 * library filled the page with INT3 before the WRMSR, so stale bytes show.
 * The vendor instruction is the only vendor-specific thing a guest sees,
 * and it must be the same in every stub.
 */
#include "guest.h"
#include "public/xen.h"
#include "public/cpuid.h"

extern uintptr_t hv_page_addr;

static uint8_t page2[4096] __attribute__((aligned(4096)));

/* 0 = bad stub, 1 = VMMCALL, 2 = VMCALL */
static int stub_kind(const uint8_t *s, uint32_t n)
{
    uint32_t imm;
    memcpy(&imm, s + 1, 4);
    if (s[0] != 0xb8 || imm != n || s[5] != 0x0f || s[6] != 0x01 || s[8] != 0xc3)
        return 0;
    return s[7] == 0xd9 ? 1 : s[7] == 0xc1 ? 2 : 0;
}

static bool page_ok(const uint8_t *page, const char *name)
{
    int first_kind = stub_kind(page, 0);
    for (uint32_t n = 0; n < XEN_HYPERCALL_PAGE_STUBS; n++) {
        const uint8_t *s = page + n * XEN_HYPERCALL_STUB_SIZE;
        int kind = stub_kind(s, n);
        if (!kind || kind != first_kind)
            return check(false, name, "stub %u: %02x %02x %02x %02x %02x %02x %02x %02x %02x%s", (unsigned)n, s[0],
                         s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8],
                         kind ? " (other stubs use the other vendor's instruction)" : "");
    }
    return check(true, name, "-");
}

void test_main(void)
{
    uint32_t a, msr, c, d;

    if (!hv_require())
        return;
    const uint8_t *page = hv_page();
    if (page_ok(page, "stubs"))
        printf("note: stubs use %s\n", stub_kind(page, 0) == 1 ? "VMMCALL (AMD SVM)" : "VMCALL (Intel VMX)");

    long v = hypercall(__HYPERVISOR_xen_version, 0, 0, 0, 0, 0);
    check(v == (long)gi->hv_version, "stub-call", "stub 17 (xen_version) returned %#lx, CPUID says %#x", v,
          (unsigned)gi->hv_version);

    /* A second page: the hypervisor fills it too, and it works. */
    cpuid(XEN_CPUID_FIRST_LEAF + XEN_CPUID_LEAF_HCALL, &a, &msr, &c, &d);
    memset(page2, 0xcc, sizeof(page2));
    int vec = wrmsr_safe(msr, (uintptr_t)page2);
    if (check(vec == NO_FAULT, "second-page-wrmsr", "WRMSR %#x of a second page raised vector %d", msr, vec) &&
        page_ok(page2, "second-page")) {
        uintptr_t first = hv_page_addr;
        hv_page_addr = (uintptr_t)page2;
        v = hypercall(__HYPERVISOR_xen_version, 0, 0, 0, 0, 0);
        hv_page_addr = first;
        check(v == (long)gi->hv_version, "second-page-call", "xen_version through the second page: %#lx", v);
    }

    /* Bad addresses: not page-aligned (the low 12 bits would select page 1
     * of a one-page area), outside guest RAM.  Both raise #GP. */
    vec = wrmsr_safe(msr, (uintptr_t)page2 + 0x10);
    check(vec == EXC_GP, "unaligned-gp", "WRMSR with address %#lx: vector %d, expected #GP",
          (unsigned long)(uintptr_t)page2 + 0x10, vec);
    vec = wrmsr_safe(msr, 0xf0000000u);
    check(vec == EXC_GP, "outside-ram-gp", "WRMSR with address 0xf0000000: vector %d, expected #GP", vec);
}
