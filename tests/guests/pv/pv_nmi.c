/*
 * pv_nmi: virtual NMIs of a 64-bit PV kernel (pv/pv_nmi.c, docs/pv.md
 * "NMI callback"):
 *  - CALLBACKOP_register with CALLBACKTYPE_nmi (a non-canonical or
 *    hypervisor-range address -EINVAL);
 *  - VCPUOP_send_nmi to itself: the handler runs right after the
 *    hypercall returns, with the bounce frame of an exception without an
 *    error code (RCX, R11, RIP = after the SYSCALL, CS = FLAT_KERNEL_CS, RPL
 *    0 for kernel mode, with the saved upcall mask, RFLAGS, RSP, SS) and events masked;
 *  - a second send_nmi from inside the handler returns 0 but the NMI
 *    waits (NMIs masked) until the handler's iret hypercall, then runs at
 *    once (at the same place in the main flow);
 *  - send_nmi with a non-null argument -EINVAL, to a vCPU that does not
 *    exist -ENOENT; with the callback unregistered the NMI is dropped.
 */
#include "pv_lib.h"
#include "public/vcpu.h"
#include "public/callback.h"

#define UVMF_INVLPG     2ull
#define PTE_DATA        0x63ull

static uint8_t shinfo_window[4096] __attribute__((aligned(4096)));
static volatile struct shared_info *sh;

void nmi_entry(void), nmi_after_send(void);
__asm__(".pushsection .text\n"
        "nmi_entry:\n"
        "  pop %rcx\n"
        "  pop %r11\n"              /* the iret frame RIP CS RFLAGS RSP SS at RSP */
        "  push %rax\n push %rdi\n push %rsi\n push %rdx\n push %r8\n push %r9\n push %r10\n"
        "  push %rcx\n push %r11\n"
        "  lea 72(%rsp), %rdi\n"
        "  call nmi_c\n"
        "  pop %r11\n pop %rcx\n pop %r10\n pop %r9\n pop %r8\n pop %rdx\n pop %rsi\n pop %rdi\n pop %rax\n"
        "  pushq $0\n push %rcx\n push %r11\n push %rax\n"
        "  mov $23, %eax\n"
        "  syscall\n"
        ".popsection\n");

static volatile uint64_t nmi_count, nmi_rip[2], nmi_cs[2], nmi_rflags[2], nmi_rsp[2], nmi_ss[2], nmi_mask_in[2];
static volatile uint64_t nested_rc = 1, count_after_nested = 99;
static volatile int send_nested;

void nmi_c(const uint64_t *f) __attribute__((used));
void nmi_c(const uint64_t *f)
{
    uint64_t n = nmi_count++;
    if (n < 2) {
        nmi_rip[n] = f[0];
        nmi_cs[n] = f[1];
        nmi_rflags[n] = f[2];
        nmi_rsp[n] = f[3];
        nmi_ss[n] = f[4];
        nmi_mask_in[n] = sh->vcpu_info[0].evtchn_upcall_mask;
    }
    if (send_nested) {
        send_nested = 0;
        nested_rc = (uint64_t)hc(__HYPERVISOR_vcpu_op, VCPUOP_send_nmi, 0, 0, 0);
        count_after_nested = nmi_count;
    }
}

/* VCPUOP_send_nmi(0, NULL) to itself; the NMI arrives at nmi_after_send. */
static __attribute__((noinline)) long send_self(void)
{
    long rc;
    __asm__ __volatile__("mov $24, %%eax\n mov $11, %%edi\n xor %%esi, %%esi\n xor %%edx, %%edx\n syscall\n"
                         ".globl nmi_after_send\n nmi_after_send:\n"
                         : "=a"(rc) :: "rcx", "r11", "rdi", "rsi", "rdx", "memory");
    return rc;
}

void pv_main(const struct start_info *si)
{
    long rc;
    put("pv_nmi: NMI callback and VCPUOP_send_nmi");
    flush();
    rc = hc(__HYPERVISOR_update_va_mapping, (uint64_t)shinfo_window, si->shared_info | PTE_DATA, UVMF_INVLPG, 0);
    check(rc == 0, "map-shared-info", "rc", (uint64_t)rc, 0);
    sh = (volatile struct shared_info *)shinfo_window;

    struct callback_register cb = { .type = CALLBACKTYPE_nmi, .address = 0x0000800000000000ull };
    rc = hc(__HYPERVISOR_callback_op, CALLBACKOP_register, (uint64_t)&cb, 0, 0);
    check(rc == -22, "nmi-callback-noncanonical-einval", "rc", (uint64_t)rc, (uint64_t)-22);
    cb.address = 0xffff800000001000ull;
    rc = hc(__HYPERVISOR_callback_op, CALLBACKOP_register, (uint64_t)&cb, 0, 0);
    check(rc == -22, "nmi-callback-hv-range-einval", "rc", (uint64_t)rc, (uint64_t)-22);
    cb.address = (uint64_t)nmi_entry;
    rc = hc(__HYPERVISOR_callback_op, CALLBACKOP_register, (uint64_t)&cb, 0, 0);
    check(rc == 0, "nmi-callback-register", "rc", (uint64_t)rc, 0);

    /* Events enabled, so that the handler's mask is the bounce's doing. */
    sh->vcpu_info[0].evtchn_upcall_mask = 0;
    send_nested = 1;
    uint64_t rsp_before;
    __asm__ __volatile__("mov %%rsp, %0" : "=r"(rsp_before));
    rc = send_self();
    check(rc == 0, "send-nmi-self", "rc", (uint64_t)rc, 0);
    check(nmi_count == 2, "nmi-delivered-twice", "count", nmi_count, 2);
    check(nmi_rip[0] == (uint64_t)nmi_after_send, "nmi-frame-rip-after-hypercall", "rip", nmi_rip[0],
          (uint64_t)nmi_after_send);
    /* Kernel mode was interrupted: FLAT_KERNEL_CS with RPL 0 (as every
     * bounce frame from kernel mode here), saved mask 0. */
    check((nmi_cs[0] & 0xffff) == (FLAT_KERNEL_CS & ~3u) && ((nmi_cs[0] >> 32) & 0xff) == 0, "nmi-frame-cs-saved-mask",
          "cs", nmi_cs[0], FLAT_KERNEL_CS & ~3u);
    check((nmi_rflags[0] & 0x200) != 0 && (nmi_ss[0] & 0xffff) == FLAT_KERNEL_SS &&
          nmi_rsp[0] < rsp_before && rsp_before - nmi_rsp[0] < 256, "nmi-frame-rflags-rsp-ss", "rsp", nmi_rsp[0],
          rsp_before);
    check(nmi_mask_in[0] == 1, "nmi-handler-events-masked", "mask", nmi_mask_in[0], 1);
    check(nested_rc == 0 && count_after_nested == 1, "second-nmi-held-until-iret", "count", count_after_nested, 1);
    check(nmi_rip[1] == (uint64_t)nmi_after_send, "second-nmi-after-iret", "rip", nmi_rip[1],
          (uint64_t)nmi_after_send);
    check(sh->vcpu_info[0].evtchn_upcall_mask == 0, "events-unmasked-after-iret", "mask",
          sh->vcpu_info[0].evtchn_upcall_mask, 0);

    /* Refusals, and an NMI with no handler. */
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_send_nmi, 0, (uint64_t)&cb, 0);
    check(rc == -22, "send-nmi-arg-einval", "rc", (uint64_t)rc, (uint64_t)-22);
    rc = hc(__HYPERVISOR_vcpu_op, VCPUOP_send_nmi, 7, 0, 0);
    check(rc == -2, "send-nmi-no-vcpu-enoent", "rc", (uint64_t)rc, (uint64_t)-2);
    struct callback_unregister ucb = { .type = CALLBACKTYPE_nmi };
    rc = hc(__HYPERVISOR_callback_op, CALLBACKOP_unregister, (uint64_t)&ucb, 0, 0);
    check(rc == 0, "nmi-callback-unregister", "rc", (uint64_t)rc, 0);
    rc = send_self();
    check(rc == 0 && nmi_count == 2, "nmi-without-callback-dropped", "count", nmi_count, 2);
    /* Registered again: the dropped NMI does not come back; a new one does. */
    rc = hc(__HYPERVISOR_callback_op, CALLBACKOP_register, (uint64_t)&cb, 0, 0);
    check(rc == 0 && nmi_count == 2, "nmi-dropped-stays-dropped", "count", nmi_count, 2);
    rc = send_self();
    check(rc == 0 && nmi_count == 3, "nmi-after-reregister", "count", nmi_count, 3);
    pv_finish();
}
