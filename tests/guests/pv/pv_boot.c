/*
 * pv_boot: what the PV builder gives real kernels (docs/pv.md "Booting
 * real kernels"), checked from inside a 64-bit PV kernel.  Built twice
 * (pv_boot_notes.S): pv_boot (INIT_P2M 0x8000000000, MOD_START_PFN) and
 * pv_boot_hcpage (PV_HCPAGE: HYPERCALL_PAGE, every hypercall through its
 * stubs; initrd mapped after the kernel, p2m in the region).
 *  - M2P: XENMEM_machphys_mapping is Xen's window; m2p[p2m[pfn]] == pfn for
 *    every pfn, read at 0xffff800000000000; a frame that is nobody's reads
 *    ~0; a write there faults (#PF, write, present); MMU_MACHPHYS_UPDATE
 *    changes our own frame's entry (read back) and is refused for a frame
 *    that is not ours; XENMEM_machphys_mfn_list names at least one extent,
 *    whose frame cannot be mapped (writable or read-only);
 *    XENMEM_machphys_compat_mfn_list (64-bit caller): the compat M2P's
 *    extents as 8-byte entries, other frames, not mappable either;
 *  - the hypercall page (pv_boot_hcpage): Xen's stub bytes in slot 0, the
 *    iret slot, 0xcc after the stubs; all calls go through it;
 *  - the initrd (a file the build writes: byte i = (i * 131 + (i >> 9)) &
 *    255, PV_INITRD_LEN bytes): mod_start/mod_len/SIF_MOD_START_PFN as Xen
 *    places it, its bytes (and zeros to the end of its last page) read
 *    through the mapping or, by pfn, through a page remapped with
 *    update_va_mapping;
 *  - the p2m at INIT_P2M's address (first_p2m_pfn/nr_p2m_frames as Xen's
 *    builder sets them), or in the region;
 *  - multicall: a batch with xen_version, an MMU op, failing entries (an
 *    unknown mmuext command, an unknown hypercall, a nested multicall) and
 *    console output, each result written back; 600 entries (continued by
 *    the hypervisor); an mmu_update of 3,000 requests inside a multicall
 *    entry (the entry is preempted, its arguments rewritten in the list and
 *    resumed); a list in the hypervisor's range (-EFAULT).
 * Prints "<name>: N passed, 0x0 failed" and powers off when every check
 * passed, crashes otherwise.
 */
#include "pv_lib.h"
#include "public/memory.h"
#include "public/version.h"
#include "public/vcpu.h"

#ifdef PV_HCPAGE
#define NAME "pv_boot_hcpage"
#else
#define NAME "pv_boot"
#endif

void pf_handler(void), unexpected_0(void), unexpected_6(void);
extern uint8_t hypercall_page[4096];

struct multicall_entry { uint64_t op, result, args[6]; };
struct machphys_mapping { uint64_t v_start, v_end, max_mfn; };
struct machphys_mfn_list { uint32_t max_extents, pad; uint64_t extent_start; uint32_t nr_extents, pad2; };
#define MMU_MACHPHYS_UPDATE     1
#define UVMF_INVLPG             2ull
#define ENOSYS  38
#define ENOENT  2
#define EEXIST  17
#define EFAULT  14
#define EINVAL  22
#define M2P     ((const volatile uint64_t *)0xffff800000000000ull)

static void eq(const char *name, const char *what, uint64_t got, uint64_t want)
{
    check(got == want, name, what, got, want);
}

/* Each argument evaluated once (some are hypercalls). */
#define EQ(name, got, want) eq(name, #got, (uint64_t)(got), (uint64_t)(want))

static uint8_t initrd_byte(uint64_t i)
{
    return (uint8_t)((i * 131 + (i >> 9)) & 255);
}

/* A write that may fault: 1 if it did not. */
static int try_write(uint64_t va, uint64_t val)
{
    uint64_t before = pf_count;
    __asm__ __volatile__("lea 1f(%%rip), %%rax\n mov %%rax, pf_resume(%%rip)\n"
                         "mov %1, (%0)\n"
                         "1:\n" : : "r"(va), "r"(val) : "rax", "memory");
    return pf_count == before;
}

static const uint64_t *p2m;
static uint64_t nr_pages;

static void check_m2p(const struct start_info *si)
{
    struct machphys_mapping mm = { 0, 0, 0 };
    EQ("machphys-mapping-rc", hc(__HYPERVISOR_memory_op, XENMEM_machphys_mapping, (uint64_t)&mm, 0, 0), 0);
    EQ("machphys-mapping-start", mm.v_start, 0xffff800000000000ull);
    EQ("machphys-mapping-end", mm.v_end, 0xffff804000000000ull);
    EQ("machphys-mapping-max", mm.max_mfn, (1ull << 35) - 1);

    uint64_t bad = 0, first_bad = ~0ull;
    for (uint64_t pfn = 0; pfn < nr_pages; pfn++)
        if (M2P[p2m[pfn]] != pfn) {
            bad++;
            if (first_bad == ~0ull)
                first_bad = pfn;
        }
    check(bad == 0, "m2p-inverse-of-p2m", "first pfn whose m2p[p2m[pfn]] differs", first_bad, 0);
    EQ("m2p-not-ours-invalid", M2P[0], ~0ull);      /* frame 0: the host's real-mode page */

    uint64_t before = pf_count;
    int wrote = try_write((uint64_t)&M2P[p2m[0]], 0x1234);
    check(!wrote && pf_count == before + 1, "m2p-write-faults", "page faults", pf_count - before, 1);
    EQ("m2p-write-fault-code", pf_err & 3, 3);      /* present, write */
    EQ("m2p-unchanged-after-write", M2P[p2m[0]], 0);

    /* MMU_MACHPHYS_UPDATE on the last pfn's frame (nothing uses it). */
    uint64_t last = nr_pages - 1, mfn = p2m[last];
    struct mmu_update u = { mfn << 12 | MMU_MACHPHYS_UPDATE, 0x5a5a5 };
    EQ("machphys-update-rc", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF), 0);
    EQ("machphys-update-visible", M2P[mfn], 0x5a5a5);
    u.val = last;
    EQ("machphys-update-back", hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF), 0);
    EQ("machphys-update-restored", M2P[mfn], last);
    u.ptr = 0ull << 12 | MMU_MACHPHYS_UPDATE;       /* frame 0: not ours */
    u.val = 7;
    check(hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF) < 0, "machphys-update-foreign-refused",
          "rc", 0, 0);
    EQ("machphys-update-foreign-unchanged", M2P[0], ~0ull);

    uint64_t ext[4] = { 0, 0, 0, 0 };
    struct machphys_mfn_list l = { 4, 0, (uint64_t)ext, 0xdead, 0 };
    EQ("machphys-mfn-list-rc", hc(__HYPERVISOR_memory_op, XENMEM_machphys_mfn_list, (uint64_t)&l, 0, 0), 0);
    check(l.nr_extents >= 1 && l.nr_extents <= 4 && ext[0] != 0, "machphys-mfn-list", "nr_extents", l.nr_extents, 1);

    /* XENMEM_machphys_compat_mfn_list from a 64-bit caller (Xen answers
     * it): the compat M2P's extents in the same 24-byte structure, 8-byte
     * entries.  The 4-byte table needs no more extents than the 8-byte
     * one; its frames are other frames; max_extents 1 writes one whole
     * 8-byte entry (the sentinel's high half cleared) and nothing after. */
    uint64_t cext[4] = { 0xaaaaaaaaaaaaaaaaull, 0xaaaaaaaaaaaaaaaaull, 0, 0 };
    struct machphys_mfn_list cl = { 4, 0, (uint64_t)cext, 0xdead, 0 };
    EQ("machphys-compat-mfn-list-rc", hc(__HYPERVISOR_memory_op, XENMEM_machphys_compat_mfn_list, (uint64_t)&cl, 0, 0),
       0);
    check(cl.nr_extents >= 1 && cl.nr_extents <= l.nr_extents && cext[0] != 0 && cext[0] >> 32 == 0 &&
          cext[0] != ext[0], "machphys-compat-mfn-list-64bit-caller", "nr_extents", cl.nr_extents, 1);
    uint64_t first = cext[0];
    cext[0] = cext[1] = 0xaaaaaaaaaaaaaaaaull;
    cl = (struct machphys_mfn_list){ 1, 0, (uint64_t)cext, 0xdead, 0 };
    EQ("machphys-compat-mfn-list-one-rc", hc(__HYPERVISOR_memory_op, XENMEM_machphys_compat_mfn_list, (uint64_t)&cl, 0, 0),
       0);
    check(cl.nr_extents == 1 && cext[0] == first && cext[1] == 0xaaaaaaaaaaaaaaaaull,
          "machphys-compat-mfn-list-8byte-entries", "entry 0", cext[0], first);
    check(hc(__HYPERVISOR_memory_op, XENMEM_machphys_compat_mfn_list, 0xffff830000000000ull, 0, 0) == -EFAULT,
          "machphys-compat-mfn-list-bad-handle-efault", "rc", 0, 0);
    check(hc(__HYPERVISOR_update_va_mapping, VIRT_BASE + ((((si->pt_base - VIRT_BASE) >> 12) + si->nr_pt_frames + 3)
                                                          << 12), first << 12 | 0x21, UVMF_INVLPG, 0) < 0,
          "compat-m2p-frame-map-refused", "rc", 0, 0);

    /* The table's frames are the hypervisor's: a domU maps them neither
     * writable nor read-only (a padding page of the region as the place). */
    uint64_t pt_pfn = (si->pt_base - VIRT_BASE) >> 12;
    uint64_t va = VIRT_BASE + ((pt_pfn + si->nr_pt_frames + 3) << 12);
    check(hc(__HYPERVISOR_update_va_mapping, va, ext[0] << 12 | 0x23, UVMF_INVLPG, 0) < 0, "m2p-frame-map-rw-refused",
          "rc", 0, 0);
    check(hc(__HYPERVISOR_update_va_mapping, va, ext[0] << 12 | 0x21, UVMF_INVLPG, 0) < 0, "m2p-frame-map-ro-refused",
          "rc", 0, 0);
}

static void check_hcpage(void)
{
#ifdef PV_HCPAGE
    static const uint8_t slot1[16] = { 0x51, 0x41, 0x53, 0xb8, 1, 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3,
                                       0xcc, 0xcc };
    static const uint8_t iret[12] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05, 0xcc };
    unsigned bad = 0;
    for (unsigned i = 0; i < 16; i++)
        bad += hypercall_page[32 + i] != slot1[i];
    for (unsigned i = 0; i < 12; i++)
        bad += hypercall_page[23 * 32 + i] != iret[i];
    for (unsigned i = 14; i < 32; i++)
        bad += hypercall_page[127 * 32 + i] != 0xcc;
    bad += hypercall_page[127 * 32 + 4] != 127;
    EQ("hypercall-page-bytes", bad, 0);
    /* This line and every other went through the page's stubs. */
    EQ("hypercall-page-xen-version", hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0) > 0, 1);
#endif
}

/* The initrd's bytes: PV_INITRD_LEN of the pattern, zeros to the page end. */
static uint64_t initrd_bad_bytes(const uint8_t *page, uint64_t page_index)
{
    uint64_t bad = 0;
    for (uint64_t j = 0; j < 4096; j++) {
        uint64_t i = page_index * 4096 + j;
        uint8_t want = i < PV_INITRD_LEN ? initrd_byte(i) : 0;
        bad += page[j] != want;
    }
    return bad;
}

static void check_initrd(const struct start_info *si)
{
    uint64_t pages = (PV_INITRD_LEN + 4095) / 4096, bad = 0;
    uint64_t pt_pfn = (si->pt_base - VIRT_BASE) >> 12;
    /* Xen's end of the region: (next free + stack + 512 KiB) OR (4 MiB - 1). */
    uint64_t end_pfn = ((pt_pfn + si->nr_pt_frames + 1 + 128) | 1023) + 1;

    EQ("initrd-mod-len", si->mod_len, pages * 4096);
#ifdef PV_HCPAGE
    EQ("initrd-mapped-flag", si->flags & SIF_MOD_START_PFN, 0);
    extern uint8_t _end[];
    EQ("initrd-after-kernel", si->mod_start, ((uint64_t)_end + 4095) & ~4095ull);
    for (uint64_t p = 0; p < pages; p++)
        bad += initrd_bad_bytes((const uint8_t *)si->mod_start + p * 4096, p);
#else
    EQ("initrd-by-pfn-flag", si->flags & SIF_MOD_START_PFN, SIF_MOD_START_PFN);
    EQ("initrd-pfn-after-region", si->mod_start, end_pfn);
    /* Not mapped: look at each page through a padding page of the region
     * (after the boot stack) remapped with update_va_mapping. */
    uint64_t va = VIRT_BASE + ((pt_pfn + si->nr_pt_frames + 2) << 12);
    for (uint64_t p = 0; p < pages; p++) {
        long rc = hc(__HYPERVISOR_update_va_mapping, va, p2m[si->mod_start + p] << 12 | 0x23, UVMF_INVLPG, 0);
        if (rc)
            bad += 1000000;
        bad += initrd_bad_bytes((const uint8_t *)va, p);
    }
#endif
    EQ("initrd-bytes", bad, 0);
    (void)end_pfn;
}

static void check_p2m(const struct start_info *si)
{
    uint64_t list_pages = (nr_pages * 8 + 4095) / 4096;
#ifdef PV_HCPAGE
    check(si->mfn_list > VIRT_BASE && si->mfn_list < si->pt_base, "p2m-in-region", "mfn_list", si->mfn_list, 0);
    EQ("p2m-first-pfn-zero", si->first_p2m_pfn, 0);
    EQ("p2m-nr-frames-zero", si->nr_p2m_frames, 0);
#else
    uint64_t pt_pfn = (si->pt_base - VIRT_BASE) >> 12;
    uint64_t end_pfn = ((pt_pfn + si->nr_pt_frames + 1 + 128) | 1023) + 1;
    EQ("p2m-at-init-p2m", si->mfn_list, 0x8000000000ull);
    EQ("p2m-first-pfn", si->first_p2m_pfn, end_pfn + (PV_INITRD_LEN + 4095) / 4096);
    EQ("p2m-nr-frames", si->nr_p2m_frames, list_pages + 3);     /* list, L3, L2, L1 */
    /* The list's own frames are where first_p2m_pfn says. */
    EQ("p2m-self", M2P[p2m[si->first_p2m_pfn]], si->first_p2m_pfn);
    /* The list is writable there (Linux writes ~0 past nr_pages in its
     * last page): the last entry written with its own value. */
    volatile uint64_t *tail = (volatile uint64_t *)si->mfn_list + nr_pages - 1;
    uint64_t keep = *tail;
    check(try_write((uint64_t)tail, keep), "p2m-writable", "faulted", 1, 0);
    EQ("p2m-writable-kept", *tail, keep);
#endif
    (void)list_pages;
}

/* ---- secondary vCPUs: VCPUOP_initialise with a vcpu_guest_context ---- */


static struct vcpu_guest_context ctx;
static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static volatile uint64_t ap_ran, ap_fs_read, ap_rdi;
volatile uint64_t ap_rsp;
static uint64_t ap_fs_target = 0xf5f5f5f5a5a5a5a5ull;
void ap_entry(void), ap_main(uint64_t rdi);

/* vCPU 1 starts at ap_entry (RSP = the top of ap_stack - 8, as after a
 * call), which records RSP before anything moves it; ap_main records the
 * rest, then blocks for good. */
__asm__(".text\n.globl ap_entry\nap_entry:\n mov %rsp, ap_rsp(%rip)\n jmp ap_main\n");

void ap_main(uint64_t rdi)
{
    uint64_t fsv;
    __asm__ __volatile__("mov %%fs:0, %0" : "=r"(fsv));
    ap_fs_read = fsv;
    ap_rdi = rdi;
    __atomic_store_n(&ap_ran, 1, __ATOMIC_RELEASE);
    for (;;)
        hc(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0);
}

static long vcpu_op(unsigned cmd, unsigned id, void *arg)
{
    return hc(__HYPERVISOR_vcpu_op, cmd, id, (uint64_t)arg, 0);
}

static void good_context(const struct start_info *si)
{
    uint64_t pt_pfn = (si->pt_base - VIRT_BASE) >> 12;
    uint8_t *c = (uint8_t *)&ctx;
    for (unsigned i = 0; i < sizeof(ctx); i++)
        c[i] = 0;
    ctx.flags = VGCF_in_kernel;
    ctx.user_regs.rip = (uint64_t)ap_entry;
    ctx.user_regs.rsp = (uint64_t)(ap_stack + sizeof(ap_stack)) - 8;
    ctx.user_regs.rdi = 0x1234567;
    ctx.user_regs.cs = FLAT_KERNEL_CS;
    ctx.user_regs.ss = FLAT_KERNEL_SS;
    ctx.user_regs.rflags = 0x200;
    ctx.kernel_ss = FLAT_KERNEL_SS;
    ctx.kernel_sp = ctx.user_regs.rsp;
    ctx.ctrlreg[3] = p2m[pt_pfn] << 12;         /* the builder's L4, as xen_pfn_to_cr3 */
    ctx.fs_base = (uint64_t)&ap_fs_target;
}

static void check_vcpus(const struct start_info *si)
{
    EQ("vcpu1-not-up", vcpu_op(VCPUOP_is_up, 1, 0), 0);
    EQ("vcpu0-up", vcpu_op(VCPUOP_is_up, 0, 0), 1);
    good_context(si);
    ctx.user_regs.rip = 0x0000800000000000ull;  /* not canonical */
    EQ("vcpu-init-bad-rip", vcpu_op(VCPUOP_initialise, 1, &ctx), (uint64_t)-EINVAL);
    good_context(si);
    ctx.user_regs.cs = 0xe008;                  /* the hypervisor's */
    EQ("vcpu-init-bad-cs", vcpu_op(VCPUOP_initialise, 1, &ctx), (uint64_t)-EINVAL);
    good_context(si);
    ctx.trap_ctxt[3].address = 0xffff830000001000ull;   /* a handler in the hypervisor's range */
    ctx.trap_ctxt[3].cs = FLAT_KERNEL_CS;
    EQ("vcpu-init-bad-trap", vcpu_op(VCPUOP_initialise, 1, &ctx), (uint64_t)-EINVAL);
    good_context(si);
    /* CR3 naming a frame that is mapped writable (ap_stack's): it cannot
     * become an L4; the refusal leaves it writable. */
    ctx.ctrlreg[3] = p2m[((uint64_t)ap_stack - VIRT_BASE) >> 12] << 12;
    EQ("vcpu-init-cr3-not-l4", vcpu_op(VCPUOP_initialise, 1, &ctx), (uint64_t)-EINVAL);
    check(try_write((uint64_t)ap_stack, 1), "vcpu-init-cr3-frame-still-writable", "faulted", 1, 0);
    EQ("vcpu-init-bad-pointer", vcpu_op(VCPUOP_initialise, 1, (void *)0xffff840000000000ull), (uint64_t)-EFAULT);
    EQ("vcpu-up-uninitialised", vcpu_op(VCPUOP_up, 1, 0), (uint64_t)-EINVAL);
    good_context(si);
    /* A trap entry naming Linux's __KERNEL_CS (0x10): accepted, the
     * selector ignored as set_trap_table ignores it (Linux BUG()s on a
     * refusal); vector 0x82 is never raised. */
    ctx.trap_ctxt[0x82].address = (uint64_t)ap_entry;
    ctx.trap_ctxt[0x82].cs = 0x10;
    EQ("vcpu-init", vcpu_op(VCPUOP_initialise, 1, &ctx), 0);
    EQ("vcpu-init-again", vcpu_op(VCPUOP_initialise, 1, &ctx), (uint64_t)-EEXIST);
    EQ("vcpu-up-other-uninitialised", vcpu_op(VCPUOP_up, 2, 0), (uint64_t)-EINVAL);
    EQ("vcpu-beyond", vcpu_op(VCPUOP_up, 7, 0), (uint64_t)-ENOENT);
    EQ("vcpu-up", vcpu_op(VCPUOP_up, 1, 0), 0);
    EQ("vcpu1-is-up", vcpu_op(VCPUOP_is_up, 1, 0), 1);
    /* It runs (on another CPU, or when this one yields). */
    for (unsigned i = 0; i < 1000000 && !__atomic_load_n(&ap_ran, __ATOMIC_ACQUIRE); i++)
        hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
    EQ("vcpu1-ran", ap_ran, 1);
    EQ("vcpu1-rsp", ap_rsp, (uint64_t)(ap_stack + sizeof(ap_stack)) - 8);
    EQ("vcpu1-rdi", ap_rdi, 0x1234567);
    EQ("vcpu1-fs-base", ap_fs_read, ap_fs_target);
}

static struct multicall_entry mc[8];
static struct multicall_entry big[600];
static struct mmu_update mmu_batch[3000];

static void check_multicall(void)
{
    static const char msg[] = "from a multicall\n";
    struct mmuext_op badop = { 99, 0, 0, 0 };
    uint64_t last = nr_pages - 1, mfn = p2m[last];
    struct mmu_update u = { mfn << 12 | MMU_MACHPHYS_UPDATE, 0x777 };
    unsigned done = 0xdead;

    mc[0] = (struct multicall_entry){ __HYPERVISOR_xen_version, 0xdead, { XENVER_version } };
    mc[1] = (struct multicall_entry){ __HYPERVISOR_mmu_update, 0xdead, { (uint64_t)&u, 1, (uint64_t)&done, DOMID_SELF } };
    mc[2] = (struct multicall_entry){ __HYPERVISOR_mmuext_op, 0xdead, { (uint64_t)&badop, 1, 0, DOMID_SELF } };
    mc[3] = (struct multicall_entry){ 63, 0xdead, { 0 } };
    mc[4] = (struct multicall_entry){ __HYPERVISOR_multicall, 0xdead, { (uint64_t)&mc[0], 1 } };
    mc[5] = (struct multicall_entry){ __HYPERVISOR_console_io, 0xdead, { CONSOLEIO_write, sizeof(msg) - 1,
                                                                           (uint64_t)msg } };
    EQ("multicall-rc", hc(__HYPERVISOR_multicall, (uint64_t)mc, 6, 0, 0), 0);
    check((long)mc[0].result > 0, "multicall-xen-version", "result", mc[0].result, 0);
    EQ("multicall-mmu-update", mc[1].result, 0);
    EQ("multicall-mmu-update-done", done, 1);
    EQ("multicall-mmu-update-m2p", M2P[mfn], 0x777);
    EQ("multicall-bad-mmuext", mc[2].result, (uint64_t)-ENOSYS);
    EQ("multicall-unknown-op", mc[3].result, (uint64_t)-ENOSYS);
    EQ("multicall-nested-refused", mc[4].result, (uint64_t)-EINVAL);
    EQ("multicall-console", mc[5].result, sizeof(msg) - 1);

    /* 600 entries: more than one call runs; every result is written. */
    for (unsigned i = 0; i < 600; i++)
        big[i] = (struct multicall_entry){ __HYPERVISOR_xen_version, 0xdead, { XENVER_version } };
    EQ("multicall-600-rc", hc(__HYPERVISOR_multicall, (uint64_t)big, 600, 0, 0), 0);
    unsigned bad = 0;
    for (unsigned i = 0; i < 600; i++)
        bad += (long)big[i].result <= 0;
    EQ("multicall-600-results", bad, 0);

    /* An MMU batch inside one entry that the hypervisor preempts: the
     * entry's arguments are rewritten in the list and it resumes. */
    for (unsigned i = 0; i < 3000; i++)
        mmu_batch[i] = (struct mmu_update){ mfn << 12 | MMU_MACHPHYS_UPDATE, i };
    done = 0;
    mc[0] = (struct multicall_entry){ __HYPERVISOR_mmu_update, 0xdead,
                                      { (uint64_t)mmu_batch, 3000, (uint64_t)&done, DOMID_SELF } };
    mc[1] = (struct multicall_entry){ __HYPERVISOR_xen_version, 0xdead, { XENVER_version } };
    EQ("multicall-preempted-entry-rc", hc(__HYPERVISOR_multicall, (uint64_t)mc, 2, 0, 0), 0);
    EQ("multicall-preempted-entry-result", mc[0].result, 0);
    EQ("multicall-preempted-entry-done", done, 3000);
    EQ("multicall-preempted-entry-last", M2P[mfn], 2999);
    check(mc[0].args[1] != 3000, "multicall-preempted-entry-rewritten", "count left in the entry", mc[0].args[1], 0);
    check((long)mc[1].result > 0, "multicall-after-preempted", "result", mc[1].result, 0);
    u.val = last;
    hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF);
    EQ("multicall-m2p-restored", M2P[mfn], last);

    /* A list in the hypervisor's range. */
    EQ("multicall-list-hypervisor", hc(__HYPERVISOR_multicall, 0xffff840000000000ull, 2, 0, 0), (uint64_t)-EFAULT);
}

void pv_main(const struct start_info *si)
{
    static struct trap_info traps[] = {
        { 0, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_0 },
        { 6, 0, FLAT_KERNEL_CS, (uint64_t)unexpected_6 },
        { 14, 0, FLAT_KERNEL_CS, (uint64_t)pf_handler },
        { 0, 0, 0, 0 },
    };

    hc(__HYPERVISOR_set_trap_table, (uint64_t)traps, 0, 0, 0);
    p2m = (const uint64_t *)si->mfn_list;
    nr_pages = si->nr_pages;
    check_hcpage();
    check_p2m(si);
    check_m2p(si);
    check_initrd(si);
    check_multicall();
    check_vcpus(si);
    pv_report();
    shutdown(nr_fail ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}
