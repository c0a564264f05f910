/*
 * pv32_priv: privileged instructions from ring 1 of a 32-bit PV kernel,
 * emulated by the 64-bit path with the compat rules (docs/pv.md "Ring 1
 * and compat"): Xen's forced CPUID (UD2 'xen' CPUID), RDMSR/WRMSR, MOV
 * from CR0/CR3 (Xen's x86_32 CR3 encoding), MOV to CR0 (TS only) and
 * CLTS, CLI/STI as the upcall mask, HLT as a block, IN/OUT with IOPL
 * (physdev set_iopl), INSB, and what keeps its #GP: MOV to CR3, an
 * unknown MSR, IN/OUT without IOPL.
 */
#include "pv32_lib.h"

#define HC_physdev_op           33
#define PHYSDEVOP_set_iopl      6

static const struct start_info32 *si;
static volatile uint8_t *shinfo;

/* Now in ns: vcpu_time_info (at 32 of vcpu_info 0: version, pad,
 * tsc_timestamp +8, system_time +16, mul +24, shift +28) plus the TSC
 * ticks since, scaled. */
static uint64_t system_time(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    uint64_t d = ((uint64_t)hi << 32 | lo) - *(volatile uint64_t *)(shinfo + 32 + 8);
    uint32_t mul = *(volatile uint32_t *)(shinfo + 32 + 24);
    int8_t shift = *(volatile int8_t *)(shinfo + 32 + 28);
    d = shift < 0 ? d >> -shift : d << shift;
    return *(volatile uint64_t *)(shinfo + 32 + 16) + ((d * mul) >> 32);
}

void pv32_main(const struct start_info32 *start)
{
    long r;
    si = start;
    put("pv32_priv: ring-1 privileged instructions");
    flush();

    pv32_trap_ud_gp();
    check(hc(HC_set_callbacks, FLAT_RING1_CS, (uint32_t)ev_entry, FLAT_RING1_CS, (uint32_t)failsafe_entry) == 0,
          "set-callbacks", "ret", 0, 0);
    uint32_t pad = si->pt_base + (si->nr_pt_frames + 16) * 4096;
    r = hc(HC_update_va_mapping, pad, si->shared_info | 0x23, 0, UVMF_INVLPG);
    check(r == 0, "map-shared-info", "ret", (uint32_t)r, 0);
    shinfo = (volatile uint8_t *)pad;

    /* Forced CPUID: the hypervisor leaves (0x40000000: "XenVMMXenVMM"). */
    uint32_t a = 0x40000000, b = 0, c = 0, d = 0;
    uint32_t gp0 = gp_count, ud0 = ud_count;
    __asm__ __volatile__("movl $1f, gp_resume\n ud2a; .ascii \"xen\"; cpuid\n 1:" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) :: "memory");
    check(ud_count == ud0 && b == 0x566e6558u && c == 0x65584d4du && d == 0x4d4d566eu, "forced-cpuid-xen-leaf",
          "ebx", b, 0x566e6558u);

    /* RDMSR of EFER and PAT; WRMSR of an MSR nobody offers keeps its #GP. */
    uint32_t lo = 0, hi = 0;
    __asm__ __volatile__("movl $1f, gp_resume\n rdmsr\n 1:" : "=a"(lo), "=d"(hi) : "c"(0xc0000080u) : "memory");
    check(gp_count == gp0 && (lo & 0x500) == 0x500, "rdmsr-efer-lme-lma", "efer", lo, 0x500);
    __asm__ __volatile__("movl $1f, gp_resume\n rdmsr\n 1:" : "=a"(lo), "=d"(hi) : "c"(0x277u) : "memory");
    check(gp_count == gp0 && (lo | hi) != 0, "rdmsr-pat", "pat lo", lo, 1);
    __asm__ __volatile__("movl $1f, gp_resume\n wrmsr\n 1:" :: "a"(0), "d"(0), "c"(0x12345u) : "memory");
    check(gp_count == gp0 + 1 && gp_err == 0, "wrmsr-unknown-gp", "gp", gp_count - gp0, 1);

    /* CR0 and CR3 reads; TS through MOV to CR0 and CLTS; MOV to CR3 #GP. */
    uint32_t cr0 = 0, cr3 = 0;
    gp0 = gp_count;
    __asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
    check(gp_count == gp0 && (cr0 & 0x80000001u) == 0x80000001u, "mov-from-cr0", "cr0", cr0, 0x80000001u);
    __asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
    uint32_t l3 = pv32_mfn_of(si, si->pt_base);
    check(cr3 == (l3 << 12 | l3 >> 20), "mov-from-cr3-x86-32-encoding", "cr3", cr3, l3 << 12 | l3 >> 20);
    __asm__ __volatile__("mov %0, %%cr0" :: "r"(cr0 | 8) : "memory");
    uint32_t ts = 0;
    __asm__ __volatile__("mov %%cr0, %0" : "=r"(ts));
    check((ts & 8) != 0, "mov-to-cr0-ts", "cr0", ts, cr0 | 8);
    __asm__ __volatile__("clts" ::: "memory");
    __asm__ __volatile__("mov %%cr0, %0" : "=r"(ts));
    check(gp_count == gp0 && !(ts & 8), "clts", "cr0", ts, cr0 & ~8u);
    __asm__ __volatile__("movl $1f, gp_resume\n mov %0, %%cr3\n 1:" :: "r"(cr3) : "memory");
    check(gp_count == gp0 + 1, "mov-to-cr3-gp", "gp", gp_count - gp0, 1);

    /* CLI/STI: the upcall mask (vcpu_info 0 byte 1). */
    gp0 = gp_count;
    __asm__ __volatile__("cli" ::: "memory");
    uint8_t m1 = shinfo[1];
    __asm__ __volatile__("sti" ::: "memory");
    uint8_t m2 = shinfo[1];
    check(gp_count == gp0 && m1 == 1 && m2 == 0, "cli-sti-upcall-mask", "mask", (uint32_t)m1 << 8 | m2, 0x100);

    /* HLT: blocks until the single-shot timer fires. */
    uint64_t t0 = system_time(), deadline = t0 + 2000000;
    r = hc(HC_set_timer_op, (uint32_t)deadline, (uint32_t)(deadline >> 32), 0, 0);
    __asm__ __volatile__("hlt" ::: "memory");
    check(r == 0 && gp_count == gp0 && system_time() >= deadline, "hlt-blocks-until-timer", "ns",
          (uint32_t)(system_time() - t0), 2000000);

    /* IN/OUT: #GP with IOPL 0; with IOPL 1 (ring 1's) all ones and nowhere. */
    uint32_t v = 0;
    __asm__ __volatile__("movl $1f, gp_resume\n xor %%eax, %%eax\n inb $0x80, %%al\n 1:" : "=a"(v) :: "memory");
    check(gp_count == gp0 + 1, "in-without-iopl-gp", "gp", gp_count - gp0, 1);
    static uint32_t iopl = 1;
    r = hc(HC_physdev_op, PHYSDEVOP_set_iopl, (uint32_t)&iopl, 0, 0);
    check(r == 0, "physdev-set-iopl", "ret", (uint32_t)r, 0);
    __asm__ __volatile__("movl $1f, gp_resume\n xor %%eax, %%eax\n inb $0x80, %%al\n outb %%al, $0x80\n"
                         " mov $0x80, %%dx\n inl %%dx, %%eax\n 1:" : "=a"(v) :: "edx", "memory");
    check(gp_count == gp0 + 1 && v == 0xffffffffu, "in-out-with-iopl", "eax", v, 0xffffffffu);
    /* String I/O is emulated too (pv32_emul.c; pv32_sys tests its address
     * rules): INSB stores all ones at ES:EDI. */
    v = 0;
    __asm__ __volatile__("movl $1f, gp_resume\n mov $0x80, %%dx\n mov %0, %%edi\n insb\n 1:"
                         :: "r"(&v) : "edx", "edi", "memory");
    check(gp_count == gp0 + 1 && v == 0xff, "ins-emulated", "v", v, 0xff);
    pv32_finish();
}
