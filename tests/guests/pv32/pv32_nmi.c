/*
 * pv32_nmi: virtual NMIs of a 32-bit PV kernel (pv/pv_nmi.c, docs/pv.md
 * "NMI callback"): the x86_32 callback_register with CALLBACKTYPE_nmi (its
 * cs ignored: the handler runs on FLAT_RING1_CS; an eip in the hypervisor's
 * range -EINVAL), VCPUOP_send_nmi to itself through the compat vcpu_op:
 * the handler runs right after the INT $0x82 with the frame EIP, CS (saved
 * upcall mask in bits 16-23), EFLAGS and events masked; a second send from
 * the handler waits until its iret hypercall; a non-null argument -EINVAL;
 * unregistered, the NMI is dropped.
 */
#include "pv32_lib.h"

#define HC_callback_op          30
#define CALLBACKOP_register     0
#define CALLBACKOP_unregister   1
#define CALLBACKTYPE_nmi        4
#define VCPUOP_send_nmi         11

static volatile uint8_t *shinfo;

void nmi_entry(void), nmi_after_send(void);
__asm__(".pushsection .text\n"
        "nmi_entry:\n"              /* EIP, CS, EFLAGS at ESP */
        "  pusha\n"
        "  lea 32(%esp), %eax\n"
        "  push %eax\n"
        "  call nmi_c\n"
        "  add $4, %esp\n"
        "  popa\n"
        "  push %eax\n"
        "  mov $23, %eax\n"
        "  int $0x82\n"
        ".popsection\n");

static volatile uint32_t nmi_count, nmi_eip[2], nmi_cs[2], nmi_eflags[2], nmi_mask_in[2];
static volatile uint32_t nested_rc = 1, count_after_nested = 99;
static volatile int send_nested;

void nmi_c(const uint32_t *f) __attribute__((used));
void nmi_c(const uint32_t *f)
{
    uint32_t n = nmi_count++;
    if (n < 2) {
        nmi_eip[n] = f[0];
        nmi_cs[n] = f[1];
        nmi_eflags[n] = f[2];
        nmi_mask_in[n] = shinfo[1];
    }
    if (send_nested) {
        send_nested = 0;
        nested_rc = (uint32_t)hc(HC_vcpu_op, VCPUOP_send_nmi, 0, 0, 0);
        count_after_nested = nmi_count;
    }
}

static __attribute__((noinline)) long send_self(void)
{
    long rc;
    __asm__ __volatile__("mov $24, %%eax\n mov $11, %%ebx\n xor %%ecx, %%ecx\n xor %%edx, %%edx\n int $0x82\n"
                         ".globl nmi_after_send\n nmi_after_send:\n"
                         : "=a"(rc) :: "ebx", "ecx", "edx", "memory");
    return rc;
}

struct callback_register32 { uint16_t type, flags; uint32_t cs, eip; };

void pv32_main(const struct start_info32 *si)
{
    long r;
    put("pv32_nmi: NMI callback and VCPUOP_send_nmi from ring 1");
    flush();
    uint32_t pad = si->pt_base + (si->nr_pt_frames + 16) * 4096;
    r = hc(HC_update_va_mapping, pad, si->shared_info | 0x23, 0, UVMF_INVLPG);
    check(r == 0, "map-shared-info", "ret", (uint32_t)r, 0);
    shinfo = (volatile uint8_t *)pad;

    static struct callback_register32 cb = { CALLBACKTYPE_nmi, 0, 0x0061, 0xf5800000u };
    r = hc(HC_callback_op, CALLBACKOP_register, (uint32_t)&cb, 0, 0);
    check(r == -22, "nmi-callback-hv-range-einval", "ret", (uint32_t)r, (uint32_t)-22);
    cb.eip = (uint32_t)nmi_entry;       /* cs 0x61: not a selector of ours, ignored */
    r = hc(HC_callback_op, CALLBACKOP_register, (uint32_t)&cb, 0, 0);
    check(r == 0, "nmi-callback-register", "ret", (uint32_t)r, 0);

    shinfo[1] = 0;                      /* events enabled */
    send_nested = 1;
    r = send_self();
    check(r == 0, "send-nmi-self", "ret", (uint32_t)r, 0);
    check(nmi_count == 2, "nmi-delivered-twice", "count", nmi_count, 2);
    check(nmi_eip[0] == (uint32_t)nmi_after_send, "nmi-frame-eip-after-hypercall", "eip", nmi_eip[0],
          (uint32_t)nmi_after_send);
    check((nmi_cs[0] & 0xffff) == FLAT_RING1_CS && ((nmi_cs[0] >> 16) & 0xff) == 0, "nmi-frame-cs-ring1",
          "cs", nmi_cs[0], FLAT_RING1_CS);
    check((nmi_eflags[0] & 0x200) != 0, "nmi-frame-eflags-if", "eflags", nmi_eflags[0], 0x200);
    check(nmi_mask_in[0] == 1, "nmi-handler-events-masked", "mask", nmi_mask_in[0], 1);
    check(nested_rc == 0 && count_after_nested == 1, "second-nmi-held-until-iret", "count", count_after_nested, 1);
    check(nmi_eip[1] == (uint32_t)nmi_after_send, "second-nmi-after-iret", "eip", nmi_eip[1],
          (uint32_t)nmi_after_send);
    check(shinfo[1] == 0, "events-unmasked-after-iret", "mask", shinfo[1], 0);

    static uint32_t dummy;
    r = hc(HC_vcpu_op, VCPUOP_send_nmi, 0, (uint32_t)&dummy, 0);
    check(r == -22, "send-nmi-arg-einval", "ret", (uint32_t)r, (uint32_t)-22);
    static uint16_t ucb[2] = { CALLBACKTYPE_nmi, 0 };
    r = hc(HC_callback_op, CALLBACKOP_unregister, (uint32_t)ucb, 0, 0);
    check(r == 0, "nmi-callback-unregister", "ret", (uint32_t)r, 0);
    r = send_self();
    check(r == 0 && nmi_count == 2, "nmi-without-callback-dropped", "count", nmi_count, 2);
    pv32_finish();
}
