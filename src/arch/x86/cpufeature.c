/* CPU identification (see cpufeature.h).  Leaf and MSR numbers: Intel SDM
 * vol. 2 (CPUID) and vol. 3 appendix A (VMX capability MSRs); AMD APM vol. 2
 * 15.4 and vol. 3 (CPUID Fn8000_000A). */
#include "arch/x86/cpufeature.h"
#include "arch/x86/asm.h"
#include "core/console.h"
#include "lib/string.h"
#include "lib/fmt.h"

struct cpu_features boot_cpu;

#define MSR_VMX_BASIC           0x480
#define MSR_VMX_PINBASED        0x481
#define MSR_VMX_PROCBASED       0x482
#define MSR_VMX_EXIT            0x483
#define MSR_VMX_ENTRY           0x484
#define MSR_VMX_PROCBASED2      0x48b
#define MSR_VMX_EPT_VPID_CAP    0x48c
#define MSR_VMX_TRUE_PINBASED   0x48d
#define MSR_VMX_TRUE_PROCBASED  0x48e
#define MSR_VMX_TRUE_EXIT       0x48f
#define MSR_VMX_TRUE_ENTRY      0x490
#define MSR_VM_CR               0xc0010114

static uint64_t msr_or_zero(uint32_t msr)
{
    uint64_t v;
    return rdmsr_safe(msr, &v) ? 0 : v;
}

static void detect_vmx(struct vmx_caps *v)
{
    uint64_t fc, basic;

    /* FEATURE_CONTROL: bit 0 lock, bit 2 VMXON outside SMX.  Unlocked means
     * firmware left it to us: it is set (and locked) when VMX is enabled. */
    fc = msr_or_zero(MSR_FEATURE_CONTROL);
    v->usable = !(fc & 1) || (fc & 4);
    basic = msr_or_zero(MSR_VMX_BASIC);
    v->revision = basic & 0x7fffffff;
    v->true_ctls = basic & (1ull << 55);
    v->pinbased = msr_or_zero(v->true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED);
    v->procbased = msr_or_zero(v->true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED);
    v->exit = msr_or_zero(v->true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT);
    v->entry = msr_or_zero(v->true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY);
    /* Secondary controls exist only if "activate secondary controls"
     * (primary bit 31) may be 1. */
    if (v->procbased & (1ull << (32 + 31))) {
        v->procbased2 = msr_or_zero(MSR_VMX_PROCBASED2);
        uint32_t allowed2 = v->procbased2 >> 32;
        v->ept = allowed2 & (1u << 1);
        v->vpid = allowed2 & (1u << 5);
        v->unrestricted_guest = allowed2 & (1u << 7);
        if (v->ept || v->vpid)
            v->ept_vpid = msr_or_zero(MSR_VMX_EPT_VPID_CAP);
        v->ept_2m = v->ept_vpid & (1ull << 16);
        v->ept_1g = v->ept_vpid & (1ull << 17);
        v->ept_ad = v->ept_vpid & (1ull << 21);
    }
}

static void detect_svm(struct svm_caps *s)
{
    uint32_t a, b, c, d;

    s->usable = !(msr_or_zero(MSR_VM_CR) & (1u << 4));   /* VM_CR.SVMDIS */
    if (boot_cpu.max_ext_leaf >= 0x8000000a) {
        cpuid(0x8000000a, &a, &b, &c, &d);
        s->revision = a & 0xff;
        s->nr_asids = b;
        s->features = d;
    }
}

void cpufeature_init(void)
{
    struct cpu_features *f = &boot_cpu;
    uint32_t a, b, c, d;

    cpuid(0, &a, &b, &c, &d);
    f->max_leaf = a;
    memcpy(f->vendor_str + 0, &b, 4);
    memcpy(f->vendor_str + 4, &d, 4);
    memcpy(f->vendor_str + 8, &c, 4);
    f->vendor_str[12] = 0;
    f->vendor = !strcmp(f->vendor_str, "GenuineIntel") ? VENDOR_INTEL :
                !strcmp(f->vendor_str, "AuthenticAMD") ? VENDOR_AMD : VENDOR_UNKNOWN;

    cpuid(1, &a, &b, &c, &d);
    f->family = (a >> 8) & 0xf;
    f->model = (a >> 4) & 0xf;
    if (f->family == 0xf)
        f->family += (a >> 20) & 0xff;
    if (f->family >= 6)
        f->model |= ((a >> 16) & 0xf) << 4;
    f->stepping = a & 0xf;
    f->vmx.present = c & (1u << 5);
    f->pcid = c & (1u << 17);
    f->x2apic = c & (1u << 21);
    f->tsc_deadline = c & (1u << 24);
    f->xsave = c & (1u << 26);
    f->hypervisor = c & (1u << 31);
    f->mwait = c & (1u << 3);
    f->pge = d & (1u << 13);

    if (f->max_leaf >= 7) {
        cpuid_count(7, 0, &a, &b, &c, &d);
        f->smep = b & (1u << 7);
        f->smap = b & (1u << 20);
    }

    cpuid(0x80000000, &a, &b, &c, &d);
    f->max_ext_leaf = a;
    if (f->max_ext_leaf >= 0x80000001) {
        cpuid(0x80000001, &a, &b, &c, &d);
        f->svm.present = c & (1u << 2);
        f->nx = d & (1u << 20);
        f->pdpe1gb = d & (1u << 26);
    }
    if (f->max_ext_leaf >= 0x80000004) {
        uint32_t *p = (uint32_t *)f->brand;
        for (uint32_t leaf = 0x80000002; leaf <= 0x80000004; leaf++, p += 4)
            cpuid(leaf, &p[0], &p[1], &p[2], &p[3]);
        f->brand[48] = 0;
    }
    if (f->max_ext_leaf >= 0x80000007) {
        cpuid(0x80000007, &a, &b, &c, &d);
        f->invariant_tsc = d & (1u << 8);
    }
    f->phys_addr_bits = 36;
    f->virt_addr_bits = 48;
    if (f->max_ext_leaf >= 0x80000008) {
        cpuid(0x80000008, &a, &b, &c, &d);
        f->phys_addr_bits = a & 0xff;
        f->virt_addr_bits = (a >> 8) & 0xff;
    }
    if (f->vmx.present)
        detect_vmx(&f->vmx);
    if (f->svm.present)
        detect_svm(&f->svm);
}

void cpufeature_print_summary(void)
{
    const struct cpu_features *f = &boot_cpu;
    char virt[160];

    if (f->vmx.present)
        fmt_snprintf(virt, sizeof(virt), "VMX rev %#x%s%s%s%s%s%s%s", f->vmx.revision,
                     f->vmx.usable ? "" : " (disabled by firmware)",
                     f->vmx.true_ctls ? " true-ctls" : "", f->vmx.ept ? " EPT" : "",
                     f->vmx.ept_1g ? "(1G)" : "", f->vmx.ept_ad ? "(A/D)" : "",
                     f->vmx.vpid ? " VPID" : "", f->vmx.unrestricted_guest ? " UG" : "");
    else if (f->svm.present)
        fmt_snprintf(virt, sizeof(virt), "SVM rev %u, %u ASIDs%s%s%s%s%s%s", f->svm.revision,
                     f->svm.nr_asids, f->svm.usable ? "" : " (disabled by firmware)",
                     f->svm.features & SVM_FEAT_NPT ? " NPT" : "",
                     f->svm.features & SVM_FEAT_NRIPS ? " NRIPS" : "",
                     f->svm.features & SVM_FEAT_FLUSH_BY_ASID ? " flush-by-ASID" : "",
                     f->svm.features & SVM_FEAT_DECODE_ASSISTS ? " decode-assists" : "",
                     f->svm.features & SVM_FEAT_VGIF ? " VGIF" : "");
    else
        fmt_snprintf(virt, sizeof(virt), "no VMX/SVM");

    log_info("cpu: %s family %#x model %#x stepping %u; %s; %s%s%s%s; %u-bit phys\n",
             f->vendor_str, f->family, f->model, f->stepping, virt,
             f->x2apic ? "x2APIC" : "xAPIC", f->tsc_deadline ? " TSC-deadline" : "",
             f->xsave ? " XSAVE" : "", f->invariant_tsc ? " invariant-TSC" : "",
             f->phys_addr_bits);
}
