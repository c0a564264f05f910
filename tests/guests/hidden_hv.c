/*
 * hidden_hv: a domain configured with rv_hide_hypervisor = 1 must look like
 * plain hardware: no hypervisor CPUID leaves or CPUID.1:ECX bit 31, #GP on
 * the hypercall-page MSR, #UD for VMMCALL and VMCALL.
 *
 * Without hypercalls the guest cannot power off, so a passing run ends in a
 * triple fault (a reboot request: rv_expect = "reboot", on_reboot =
 * "destroy").  A failing one halts forever instead (hang_on_failure():
 * the harness reports the time-out), and if the hypervisor is visible
 * after all, the guest uses it to power off: either way the wrong outcome,
 * which the harness notices.
 *
 * Under plain QEMU TCG this guest fails no-hypervisor-bit and
 * hypercall-msr-gp (TCG sets CPUID.1:ECX bit 31 and ignores unknown MSRs)
 * and exits through port 0xf4.
 */
#include "guest.h"
#include "public/cpuid.h"
#include "public/xen.h"

static uint8_t page[4096] __attribute__((aligned(4096)));

static const char *vec_str(int vec)
{
    return vec == NO_FAULT ? "no exception" : exc_name((unsigned)vec);
}

void test_main(void)
{
    uint32_t a, b, c, d;

    hang_on_failure();
    cpuid(XEN_CPUID_FIRST_LEAF, &a, &b, &c, &d);
    bool sig = b == XEN_CPUID_SIGNATURE_EBX && c == XEN_CPUID_SIGNATURE_ECX && d == XEN_CPUID_SIGNATURE_EDX;
    if (!check(!sig, "no-signature", "CPUID 0x40000000 says \"XenVMMXenVMM\" although the cfg hides the hypervisor")) {
        expect_domain_crash();
        hv_require();                   /* so that finish() can power off */
        return;
    }
    cpuid(1, &a, &b, &c, &d);
    check(!(c & CPUID1_ECX_HYPERVISOR), "no-hypervisor-bit", "CPUID.1:ECX = %#x has bit 31", c);

    int vec = wrmsr_safe(XEN_HYPERCALL_MSR_DEFAULT, (uintptr_t)page);
    check(vec == EXC_GP, "hypercall-msr-gp", "WRMSR %#x: %s, expected #GP", XEN_HYPERCALL_MSR_DEFAULT,
          vec_str(vec));

    uint32_t eax = __HYPERVISOR_xen_version;
    exc_clear();
    asm volatile("1: vmmcall\n2:\n\t" EXC_FIXUP("1b", "2b") : "+a"(eax) : "b"(0) : "ecx", "edx", "memory");
    check(exc_caught == EXC_UD, "vmmcall-ud", "VMMCALL: %s (EAX now %#x), expected #UD", vec_str(exc_caught), eax);
    eax = __HYPERVISOR_xen_version;
    exc_clear();
    asm volatile("1: vmcall\n2:\n\t" EXC_FIXUP("1b", "2b") : "+a"(eax) : "b"(0) : "ecx", "edx", "memory");
    check(exc_caught == EXC_UD, "vmcall-ud", "VMCALL: %s (EAX now %#x), expected #UD", vec_str(exc_caught), eax);

    if (gi->failed)
        finish();                       /* halts (or exits plain QEMU) */
    printf("%s: %u passed; no hypercalls to power off with: ending with a triple fault\n", guest_name,
           (unsigned)gi->passed);
    uart_drain();
    triple_fault();
}
