/*
 * pv32_hello: the first 32-bit PV kernel (ring 1, compat mode).  Checks
 * the builder's start_info and selectors, hypercalls through INT $0x82 and
 * the hypercall page, a #BP and a #PF bounced in the 32-bit frame layout
 * (CR2 in the 32-bit vcpu_info), INT $0x80 through the trap table, a
 * timer VIRQ upcall, mmu_update / mmuext_op (12-byte entries) with an L1
 * pinned and unpinned, refusals (L3 entry 4, a writable mapping of a page
 * table, a 64-bit-only hypercall), then powers off.
 */
#include "pv32_lib.h"

static const struct start_info32 *si;
static volatile uint8_t *shinfo;        /* mapped at a padding page of the region */
static uint32_t timer_port, ev_port_seen;

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* The event callback's C part: consume every pending port (the 32-bit
 * shared_info: 32-bit pending words at 2048, selector word at 4 of the
 * vcpu_info). */
void ev_handler(void)
{
    volatile uint32_t *pending = (volatile uint32_t *)(shinfo + 2048);
    shinfo[0] = 0;      /* evtchn_upcall_pending */
    uint32_t sel = __atomic_exchange_n((volatile uint32_t *)(shinfo + 4), 0, __ATOMIC_SEQ_CST);
    for (unsigned w = 0; w < 32; w++) {
        if (!(sel & (1u << w)))
            continue;
        uint32_t bits = __atomic_exchange_n(&pending[w], 0, __ATOMIC_SEQ_CST);
        for (unsigned b = 0; b < 32; b++)
            if ((bits & (1u << b)) && w * 32 + b == timer_port)
                ev_port_seen++;
    }
    ev_count++;
}

static int streq_prefix(const char *s, const char *p)
{
    while (*p && *s == *p)
        s++, p++;
    return !*p;
}

static uint64_t system_time(void)
{
    /* vcpu_time_info at 32 of vcpu_info 0: version, pad, tsc_timestamp,
     * system_time (+16). */
    return *(volatile uint64_t *)(shinfo + 32 + 16);
}

static void put_dec(uint32_t v)
{
    char b[12];
    int n = 11;
    b[n] = 0;
    do {
        b[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(&b[n]);
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return (uint64_t)hi << 32 | lo;
}

/* The compat hypercall round trip (xen_version through INT $0x82), the
 * median of 255 in TSC ticks and in ns by the vcpu_time_info's scale;
 * printed, not judged (pv_bench prints the 64-bit path's). */
static void bench(void)
{
    enum { N = 255 };
    static uint32_t t[N];
    for (unsigned i = 0; i < N; i++) {
        uint64_t t0 = rdtsc();
        hc(HC_xen_version, 0, 0, 0, 0);
        t[i] = (uint32_t)(rdtsc() - t0);
    }
    for (unsigned i = 1; i < N; i++)
        for (unsigned j = i; j && t[j - 1] > t[j]; j--) {
            uint32_t x = t[j];
            t[j] = t[j - 1];
            t[j - 1] = x;
        }
    uint64_t d = t[N / 2];
    uint32_t mul = *(volatile uint32_t *)(shinfo + 32 + 24);
    int8_t shift = *(volatile int8_t *)(shinfo + 32 + 28);
    d = shift < 0 ? d >> -shift : d << shift;
    put("pv32 bench: hypercall round trip: ");
    put_dec((uint32_t)((d * mul) >> 32));
    put(" ns (");
    put_dec(t[N / 2]);
    put(" TSC ticks)");
    flush();
}

/* vCPU 1: started by VCPUOP_initialise with the x86_32 context below;
 * it checks its selectors, makes a hypercall, takes a #BP through the
 * trap table it was given, and blocks for good. */
static volatile uint32_t v1_cs, v1_version, v1_done;

void vcpu1_main(void)
{
    uint16_t cs;
    __asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
    v1_cs = cs;
    v1_version = (uint32_t)hc(HC_xen_version, 0, 0, 0, 0);
    __asm__ __volatile__("int3" ::: "memory");
    __atomic_store_n(&v1_done, 1, __ATOMIC_RELEASE);
    for (;;)
        hc(HC_sched_op, SCHEDOP_block, 0, 0, 0);
}

static void second_vcpu(void)
{
    static struct vcpu_guest_context32 ctx;
    static uint8_t v1_stack[4096] __attribute__((aligned(16)));

    uint32_t l3 = pv32_mfn_of(si, si->pt_base), bp0 = bp_count;
    ctx.flags = 1u << 2;    /* VGCF_in_kernel */
    ctx.eip = (uint32_t)vcpu1_entry;
    ctx.esp = (uint32_t)v1_stack + sizeof(v1_stack);
    ctx.cs = FLAT_RING1_CS;
    ctx.ss = ctx.ds = ctx.es = ctx.fs = ctx.gs = FLAT_RING1_DS;
    ctx.eflags = 0x2;
    ctx.traps[3] = (struct trap_info32){ 3, 3, FLAT_RING1_CS, (uint32_t)bp_entry };
    ctx.kernel_ss = FLAT_RING1_DS;
    ctx.kernel_sp = ctx.esp;
    ctx.ctrlreg[3] = (l3 << 12) | (l3 >> 20);   /* xen_pfn_to_cr3 for x86_32 */
    long r = hc(HC_vcpu_op, VCPUOP_initialise, 1, (uint32_t)&ctx, 0);
    check(r == 0, "vcpu1-initialise-compat-context", "ret", (uint32_t)r, 0);
    r = hc(HC_vcpu_op, VCPUOP_initialise, 1, (uint32_t)&ctx, 0);
    check(r == -17, "vcpu1-initialise-twice-eexist", "ret", (uint32_t)r, (uint32_t)-17);
    r = hc(HC_vcpu_op, VCPUOP_up, 1, 0, 0);
    check(r == 0, "vcpu1-up", "ret", (uint32_t)r, 0);
    for (unsigned i = 0; i < 100000 && !__atomic_load_n(&v1_done, __ATOMIC_ACQUIRE); i++)
        hc(HC_sched_op, 0 /* SCHEDOP_yield */, 0, 0, 0);
    check(v1_done && v1_cs == FLAT_RING1_CS && v1_version == (uint32_t)hc(HC_xen_version, 0, 0, 0, 0),
          "vcpu1-ran-ring1", "cs", v1_cs, FLAT_RING1_CS);
    check(bp_count == bp0 + 1, "vcpu1-bp-through-its-trap-table", "bp_count", bp_count, bp0 + 1);
}

void pv32_main(const struct start_info32 *start)
{
    uint16_t cs, ss, ds;
    si = start;

    __asm__ __volatile__("mov %%cs, %0\n mov %%ss, %1\n mov %%ds, %2" : "=r"(cs), "=r"(ss), "=r"(ds));
    put("pv32_hello: ring ");
    put_hex(cs & 3);
    put(", start_info ");
    put(si->magic);
    flush();
    check(streq(si->magic, "xen-3.0-x86_32p"), "start-info-magic", "magic[0]", si->magic[0], 'x');
    check(cs == FLAT_RING1_CS && ss == FLAT_RING1_DS && ds == FLAT_RING1_DS, "ring1-selectors", "cs", cs,
          FLAT_RING1_CS);
    check(streq_prefix(si->cmd_line, "pv32_hello") && si->console_evtchn != 0, "start-info-cmdline-console",
          "console_evtchn", si->console_evtchn, 1);
    check(si->pt_base >= VIRT_BASE && si->nr_pt_frames >= 3, "pt-base", "pt_base", si->pt_base, VIRT_BASE);
    check(pv32_mfn_of(si, si->pt_base) != 0, "p2m-4-byte", "mfn of pt_base", pv32_mfn_of(si, si->pt_base), 1);
    long v = hc_page(HC_xen_version, 0, 0, 0);
    check(v > 0 && v == hc(HC_xen_version, 0, 0, 0, 0), "xen-version-via-page", "version", (uint32_t)v, 1);
    check(hc(HC_set_segment_base, 0, 0, 0, 0) == -38, "set-segment-base-enosys", "ret",
          (uint32_t)hc(HC_set_segment_base, 0, 0, 0, 0), (uint32_t)-38);

    /* shared_info at a page of the region's padding (>= 512 KiB after the
     * boot stack, which follows the tables). */
    uint32_t pad = si->pt_base + (si->nr_pt_frames + 16) * 4096;
    long r = hc(HC_update_va_mapping, pad, si->shared_info | 0x23, 0, UVMF_INVLPG);
    check(r == 0, "map-shared-info", "update_va_mapping", (uint32_t)r, 0);
    shinfo = (volatile uint8_t *)pad;

    static struct trap_info32 traps[] = {
        { 3, 3, FLAT_RING1_CS, (uint32_t)bp_entry },
        { 6, 0, FLAT_RING1_CS, (uint32_t)ud_entry },
        { 13, 0, FLAT_RING1_CS, (uint32_t)gp_entry },
        { 14, 0, FLAT_RING1_CS, (uint32_t)pf_entry },
        { 0x80, 3, FLAT_RING1_CS, (uint32_t)int80_entry },
        { 0x81, 3, FLAT_RING1_CS, (uint32_t)user_exit_entry },
        { 0, 0, 0, 0 },
    };
    check(hc(HC_set_trap_table, (uint32_t)traps, 0, 0, 0) == 0, "set-trap-table", "ret", 0, 0);
    check(hc(HC_set_callbacks, FLAT_RING1_CS, (uint32_t)ev_entry, FLAT_RING1_CS, (uint32_t)failsafe_entry) == 0,
          "set-callbacks", "ret", 0, 0);

    /* mode=badiret: a hostile kernel irets to ring 0; its domain crashes. */
    {
        const char *c = si->cmd_line;
        for (; *c; c++)
            if (streq_prefix(c, "mode=badiret"))
                bad_iret();
    }

    /* #BP from ring 1: EIP after the INT3, CS 0xe019 with the upcall mask
     * (1: events are still masked) in bits 16-23, IF clear in EFLAGS. */
    uint32_t after;
    __asm__ __volatile__("int3\n 1: movl $1b, %0" : "=r"(after));
    check(bp_count == 1 && bp_eip == after, "bp-frame-eip", "eip", bp_eip, after);
    check(bp_cs == (FLAT_RING1_CS | 1u << 16), "bp-frame-cs-mask", "cs", bp_cs, FLAT_RING1_CS | 1u << 16);
    check(!(bp_eflags & 0x200), "bp-frame-if-clear", "eflags", bp_eflags, 0);

    /* #PF: a read of an unmapped address below VIRT_BASE; the handler
     * resumes after it.  CR2 in the 32-bit vcpu_info's arch word (8). */
    uint32_t bad = 0xb0001234;
    __asm__ __volatile__("movl $1f, pf_resume\n movl (%1), %0\n 1:" : "=r"(r) : "r"(bad) : "memory");
    check(pf_count == 1 && pf_err == 0, "pf-frame-err", "err", pf_err, 0);
    check(*(volatile uint32_t *)(shinfo + 8) == bad, "pf-cr2-compat-vcpu-info", "cr2",
          *(volatile uint32_t *)(shinfo + 8), bad);
    check(pf_cs == (FLAT_RING1_CS | 1u << 16), "pf-frame-cs", "cs", pf_cs, FLAT_RING1_CS);

    /* The compat M2P, read-only at 0xf5800000: the inverse of the p2m; a
     * write is a #PF (present, write); the L2 entries that map it are the
     * hypervisor's (mmu_update refused). */
    volatile const uint32_t *m2p = (volatile const uint32_t *)0xf5800000u;
    uint32_t kpfn = (si->pt_base - VIRT_BASE) >> 12;
    check(m2p[pv32_mfn_of(si, si->pt_base)] == kpfn && m2p[pv32_mfn_of(si, VIRT_BASE + 0x100000)] == 0x100,
          "compat-m2p-inverse-of-p2m", "m2p[mfn]", m2p[pv32_mfn_of(si, si->pt_base)], kpfn);
    __asm__ __volatile__("movl $1f, pf_resume\n movl $0, (%0)\n 1:" :: "r"(m2p) : "memory");
    check(pf_count == 2 && pf_err == 3, "compat-m2p-write-faults", "err", pf_err, 3);
    {
        uint64_t l3e = ((volatile uint64_t *)si->pt_base)[3];
        uint32_t l2 = (uint32_t)(l3e >> 12);
        struct mmu_update m = { ((uint64_t)l2 << 12) + 428 * 8, ((uint64_t)pv32_mfn_of(si, pad) << 12) | 0x21 };
        r = hc(HC_mmu_update, (uint32_t)&m, 1, 0, 0x7ff0);
        check(r < 0, "hv-l2-slot-refused", "ret", (uint32_t)r, (uint32_t)-22);
    }

    /* memory_op's M2P sub-ops in the compat layouts (12-byte structures,
     * 4-byte frame entries), checked against the table at 0xf5800000. */
    {
        static uint32_t map[4], ext[8], ext2[8];
        static struct { uint32_t max_extents, extent_start, nr_extents, canary; } ml;
        map[3] = 0x5a5a5a5a;
        r = hc(HC_memory_op, 12 /* XENMEM_machphys_mapping */, (uint32_t)map, 0, 0);
        check(r == 0 && map[0] == 0xf5800000u && map[1] == 0xffe00000u && map[2] == 0x297ffffu &&
              map[3] == 0x5a5a5a5a, "machphys-mapping-compat", "max_mfn", map[2], 0x297ffffu);
        /* The table covers the host's frames (maximum_ram_page): one
         * extent per 2 MiB of 4-byte entries. */
        uint32_t maxpage = (uint32_t)hc(HC_memory_op, 2 /* XENMEM_maximum_ram_page */, 0, 0, 0);
        check(maxpage > 0x100 && maxpage < 0x80000000u, "maximum-ram-page", "pages", maxpage, 0);
        uint32_t cover = maxpage < 0x2980000u ? maxpage : 0x2980000u;
        uint32_t want = (cover + 0x7ffff) >> 19;
        for (unsigned i = 0; i < 8; i++)
            ext[i] = ext2[i] = 0xa5a5a5a5;
        ml = (typeof(ml)){ 7, (uint32_t)ext, 0x77, 0x5a5a5a5a };
        r = hc(HC_memory_op, 5 /* XENMEM_machphys_mfn_list */, (uint32_t)&ml, 0, 0);
        uint32_t n = ml.nr_extents;
        check(r == 0 && n == want && n >= 1 && n < 7 && ext[n] == 0xa5a5a5a5 && ml.canary == 0x5a5a5a5a,
              "machphys-mfn-list-4byte-entries", "nr_extents", n, want);
        /* The extents are the hypervisor's frames: no guest pfn in the
         * table; the window is mapped through the last extent and not
         * beyond it. */
        int ok = n >= 1 && n < 7;
        for (unsigned i = 0; ok && i < n; i++)
            ok = ext[i] && ext[i] < maxpage && m2p[ext[i]] == 0xffffffffu &&
                 (i == 0 || ext[i] != ext[i - 1]);
        check(ok, "machphys-mfn-list-hv-frames", "ext[0]", ext[0], 0);
        uint32_t pf0 = pf_count, v;
        __asm__ __volatile__("movl $1f, pf_resume\n movl (%1), %0\n 1:" : "=r"(v)
                             : "r"(0xf5800000u + (n - 1) * 0x200000u) : "memory");
        uint32_t pf1 = pf_count;
        __asm__ __volatile__("movl $1f, pf_resume\n movl (%1), %0\n 1:" : "=r"(v)
                             : "r"(0xf5800000u + n * 0x200000u) : "memory");
        check(pf1 == pf0 && pf_count == pf0 + 1 && pf_err == 0, "machphys-mfn-list-matches-window", "faults",
              pf_count - pf0, 1);
        /* max_extents bounds what is written; the compat_mfn_list sub-op
         * gives the same frames. */
        ml = (typeof(ml)){ 1, (uint32_t)ext2, 0x77, 0x5a5a5a5a };
        r = hc(HC_memory_op, 5, (uint32_t)&ml, 0, 0);
        check(r == 0 && ml.nr_extents == 1 && ext2[0] == ext[0] && ext2[1] == 0xa5a5a5a5,
              "machphys-mfn-list-max-extents", "nr_extents", ml.nr_extents, 1);
        ml = (typeof(ml)){ 7, (uint32_t)ext2, 0, 0x5a5a5a5a };
        r = hc(HC_memory_op, 25 /* XENMEM_machphys_compat_mfn_list */, (uint32_t)&ml, 0, 0);
        ok = r == 0 && ml.nr_extents == n;
        for (unsigned i = 0; ok && i < n; i++)
            ok = ext2[i] == ext[i];
        check(ok, "machphys-compat-mfn-list-same", "nr_extents", ml.nr_extents, n);
        /* A list in the read-only M2P itself: -EFAULT. */
        ml = (typeof(ml)){ 7, 0xf5800000u, 0, 0x5a5a5a5a };
        r = hc(HC_memory_op, 5, (uint32_t)&ml, 0, 0);
        check(r == -14, "machphys-mfn-list-ro-buffer-efault", "ret", (uint32_t)r, (uint32_t)-14);
    }

    /* INT $0x80 through the trap table (privilege 1: allowed from ring 1). */
    __asm__ __volatile__("int $0x80" ::: "memory");
    check(int80_count == 1, "int80-trap-table", "count", int80_count, 1);

    /* Ring 1 loads a DPL-0 data selector, far-calls the hypervisor's code
     * selector, asks for a call gate through update_descriptor: #GP, #GP,
     * -EINVAL. */
    uint32_t gp0 = gp_count;
    __asm__ __volatile__("movl $1f, gp_resume\n mov %0, %%ds\n 1:" :: "r"(0xe010) : "memory");
    check(gp_count == gp0 + 1 && gp_err == 0xe010, "dpl0-data-selector-gp", "err", gp_err, 0xe010);
    __asm__ __volatile__("movl $1f, gp_resume\n lcall $0xe008, $0\n 1:" ::: "memory");
    check(gp_count == gp0 + 2 && gp_err == 0xe008, "far-call-hv-cs-gp", "err", gp_err, 0xe008);
    /* SYSENTER from ring 1: #GP(0) on Intel (SYSENTER_CS is 0), #UD on
     * AMD (invalid in long mode); never a ring-0 entry. */
    uint32_t ud0 = ud_count;
    gp0 = gp_count;
    __asm__ __volatile__("movl $1f, gp_resume\n sysenter\n 1:" ::: "memory");
    check((gp_count == gp0 + 1 && gp_err == 0) || ud_count == ud0 + 1, "sysenter-faults", "gp/ud",
          gp_count - gp0, ud_count - ud0);
    r = hc(HC_update_descriptor, 0, 0, 0x0000ec00u, 0xe0080000u);
    check(r == -22, "update-descriptor-refused", "ret", (uint32_t)r, (uint32_t)-22);

    /* Ring 3: a user page with the code, a user stack page; INT $0x80
     * bounces to the kernel on stack_switch's stack and irets back, INT
     * $0x82 is a #GP from ring 3, INT $0x81 returns to the kernel. */
    {
        static uint8_t kstack[4096] __attribute__((aligned(16)));
        uint32_t upage = pad + 3 * 4096, ustack = pad + 4 * 4096;
        uint32_t n = (uint32_t)(user_code_end - user_code);
        for (uint32_t i = 0; i < n; i++)
            ((volatile uint8_t *)upage)[i] = user_code[i];
        r = hc(HC_update_va_mapping, upage, (pv32_mfn_of(si, upage) << 12) | 0x25, 0, UVMF_INVLPG);
        r |= hc(HC_update_va_mapping, ustack, (pv32_mfn_of(si, ustack) << 12) | 0x27, 0, UVMF_INVLPG);
        r |= hc(HC_stack_switch, FLAT_RING1_DS, (uint32_t)kstack + sizeof(kstack), 0, 0);
        check(r == 0, "user-pages-and-kernel-stack", "ret", (uint32_t)r, 0);
        uint32_t i80 = int80_count, gpu = gp_count;
        gp_resume = upage + (uint32_t)(user_after_82 - user_code);
        to_user(upage, ustack + 4096);
        check(int80_count == i80 + 1, "user-int80-to-kernel-and-back", "count", int80_count, i80 + 1);
        check(gp_count == gpu + 1 && (gp_cs & 0xffff) == 0xe02b && (gp_err & 3) == 2, "user-int82-gp", "cs",
              gp_cs, 0xe02b);
        check((uexit_cs & 0xffff) == 0xe02b && uexit_ss == 0xe033 && uexit_esp == ustack + 4096,
              "user-frame-esp-ss", "ss", uexit_ss, 0xe033);
    }

    /* mmu_update / mmuext_op: a padding page becomes an L1 (read-only
     * first), pinned, one entry set, a writable mapping of a table refused,
     * unpinned. */
    uint32_t l1va = pad + 4096, tgt = pad + 8192;
    uint32_t l1 = pv32_mfn_of(si, l1va), tmfn = pv32_mfn_of(si, tgt);
    for (unsigned i = 0; i < 1024; i++)
        ((volatile uint32_t *)l1va)[i] = 0;
    r = hc(HC_update_va_mapping, l1va, (l1 << 12) | 0x21, 0, UVMF_INVLPG);
    check(r == 0, "l1-read-only", "update_va_mapping", (uint32_t)r, 0);
    struct mmuext_op32 op = { MMUEXT_PIN_L1_TABLE, l1, 0 };
    uint32_t done = 0;
    r = hc(HC_mmuext_op, (uint32_t)&op, 1, (uint32_t)&done, 0x7ff0 /* DOMID_SELF */);
    check(r == 0 && done == 1, "pin-l1-compat-mmuext", "ret", (uint32_t)r, 0);
    struct mmu_update u = { ((uint64_t)l1 << 12) + 5 * 8, ((uint64_t)tmfn << 12) | 0x23 };
    r = hc(HC_mmu_update, (uint32_t)&u, 1, (uint32_t)&done, 0x7ff0);
    check(r == 0, "mmu-update-l1-entry", "ret", (uint32_t)r, 0);
    u.val = ((uint64_t)l1 << 12) | 0x23;
    r = hc(HC_mmu_update, (uint32_t)&u, 1, 0, 0x7ff0);
    check(r < 0, "writable-table-mapping-refused", "ret", (uint32_t)r, (uint32_t)-22);
    /* L3 entry 4 (outside PAE's 4): refused whatever it names. */
    uint32_t l3 = pv32_mfn_of(si, si->pt_base);
    uint64_t l3e3 = ((volatile uint64_t *)si->pt_base)[3];
    check((l3e3 & 0x7) == 0x7, "l3-entry-pdpte-bits", "l3[3]", l3e3 & 0xfff, 0x7);
    u.ptr = ((uint64_t)l3 << 12) + 4 * 8;
    u.val = (l3e3 & ~0xfffull) | 1;
    r = hc(HC_mmu_update, (uint32_t)&u, 1, 0, 0x7ff0);
    check(r < 0, "l3-entry-4-refused", "ret", (uint32_t)r, (uint32_t)-22);
    op.cmd = MMUEXT_UNPIN_TABLE;
    r = hc(HC_mmuext_op, (uint32_t)&op, 1, 0, 0x7ff0);
    check(r == 0, "unpin-l1", "ret", (uint32_t)r, 0);
    op.cmd = MMUEXT_NEW_BASEPTR;
    op.arg1 = l3;
    r = hc(HC_mmuext_op, (uint32_t)&op, 1, 0, 0x7ff0);
    check(r == 0, "new-baseptr-same-l3", "ret", (uint32_t)r, 0);

    /* multicall with 32-byte entries: xen_version and a console line. */
    {
        static const char msg[] = "pv32_hello: from a multicall\n";
        static struct { uint32_t op, result, args[6]; } mc[2] = {
            { HC_xen_version, 1, { 0 } },
            { HC_console_io, 1, { 0, sizeof(msg) - 1, 0 } },
        };
        mc[1].args[2] = (uint32_t)msg;
        r = hc(13 /* multicall */, (uint32_t)mc, 2, 0, 0);
        check(r == 0 && mc[0].result == (uint32_t)v && mc[1].result != 1 && (int32_t)mc[1].result >= 0,
              "multicall-compat-entries", "results",
              mc[0].result, (uint32_t)v);
    }

    /* Timer VIRQ: bound, a deadline already past, block until the upcall. */
    struct { uint32_t virq, vcpu, port; } bv = { VIRQ_TIMER, 0, 0 };
    r = hc(HC_event_channel_op, EVTCHNOP_bind_virq, (uint32_t)&bv, 0, 0);
    check(r == 0 && bv.port != 0, "bind-virq-timer", "ret", (uint32_t)r, 0);
    timer_port = bv.port;
    uint64_t deadline = system_time() + 1000000;
    r = hc(HC_set_timer_op, (uint32_t)deadline, (uint32_t)(deadline >> 32), 0, 0);
    check(r == 0, "set-timer-op", "ret", (uint32_t)r, 0);
    for (unsigned i = 0; i < 100 && !ev_port_seen; i++)
        hc(HC_sched_op, SCHEDOP_block, 0, 0, 0);
    check(ev_port_seen >= 1, "timer-virq-upcall", "upcalls", ev_count, 1);
    check((ev_cs & 0xffff) == FLAT_RING1_CS, "upcall-frame-cs", "cs", ev_cs, FLAT_RING1_CS);

    second_vcpu();
    bench();
    pv32_finish();
}
