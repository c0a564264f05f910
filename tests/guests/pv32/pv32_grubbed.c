/*
 * pv32_grubbed: the 32-bit PV kernel Debian's i386-xen GRUB loads and boots
 * inside its own domain (docs/pv.md "PV bootloaders"; test pvgrub32_hello),
 * the x86_32 counterpart of ../pv/pv_grubbed.c.  GRUB, not Ringvisor's
 * builder, made everything this kernel starts with: its PAE page tables (an
 * L3 and the L2s below it), the p2m list (4-byte entries), start_info
 * ("xen-3.0-x86_32p") and the stack, rebuilt inside the running ring-1
 * domain.  So it checks what GRUB's loader promises (Xen's start_info
 * contract for x86_32):
 *  - start_info: magic, nr_pages (the domain file's 64 MiB), the command
 *    line grub.cfg gave, its own address, the stack and pt_base inside the
 *    mapped region (which starts at VIRT_BASE 0xc0000000, pfn 0);
 *  - the p2m list agrees with the hypervisor's compat M2P (0xf5800000,
 *    4-byte entries) for every pfn, the console and store frames among them;
 *  - the store event channel GRUB passed on (the stand-in store's);
 *  - vm_assist with a 32-bit type (pae_extended_cr3, which GRUB enables)
 *    and without m2p_strict (64-bit only);
 *  - GRUB's page tables are the hypervisor's validated ones: an
 *    update_va_mapping (the PTE in two halves) of one of its pages to
 *    read-only and back works, and the L3 in CR3 is the one pt_base names.
 * GRUB's PV console is connected, so console_io output would be hidden
 * (docs/running-domains.md): every line goes through the console ring.
 */
#include "pv32_lib.h"

#define M2P32 ((const uint32_t *)0xf5800000u)
#define HC_event_channel_op_send 4      /* EVTCHNOP_send */

/* Xen's public io/console.h ring: in[1024], out[2048], then the indices. */
struct xencons_ring {
    char in[1024];
    char out[2048];
    uint32_t in_cons, in_prod, out_cons, out_prod;
};

static volatile struct xencons_ring *ring;
static uint32_t con_port;

static void ring_write(const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        while (ring->out_prod - __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE) >= sizeof(ring->out))
            hc(HC_sched_op, 0 /* SCHEDOP_yield */, 0, 0, 0);
        ring->out[ring->out_prod % sizeof(ring->out)] = s[i];
        __atomic_store_n(&ring->out_prod, ring->out_prod + 1, __ATOMIC_RELEASE);
    }
    uint32_t port = con_port;
    hc(HC_event_channel_op, HC_event_channel_op_send, (uint32_t)&port, 0, 0);
}

static int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

void ev_handler(void)
{
}

void vcpu1_main(void)
{
    pv32_unexpected(1);
}

static uint8_t page[4096] __attribute__((aligned(4096)));

void pv32_main(const struct start_info32 *si)
{
    const uint32_t *p2m = (const uint32_t *)si->mfn_list;
    uint32_t con_pfn = M2P32[si->console_mfn];

    /* Without the console nothing can be said: crash, the ctest sees no PASS. */
    if (con_pfn >= si->nr_pages || p2m[con_pfn] != si->console_mfn)
        shutdown(SHUTDOWN_crash);
    ring = (volatile struct xencons_ring *)(VIRT_BASE + (con_pfn << 12));
    con_port = si->console_evtchn;
    pv32_line_out = ring_write;
    put("pv32_grubbed: started by GRUB, console ring at pfn ");
    put_hex(con_pfn);
    flush();

    check(str_eq(si->magic, "xen-3.0-x86_32p"), "start-info-magic", "magic[0]", (uint8_t)si->magic[0], 'x');
    check(si->nr_pages == 16384, "start-info-nr-pages", "pages", si->nr_pages, 16384);
    check(str_eq(si->cmd_line, "pv32_grubbed from=grub.cfg"), "start-info-cmdline", "cmd_line[0]",
          (uint8_t)si->cmd_line[0], 'p');
    uint32_t region_end = VIRT_BASE + (si->nr_pages << 12);    /* 0xc4000000 */
    uint32_t si_va = (uint32_t)si;
    check(si_va >= VIRT_BASE && si_va < region_end, "start-info-in-region", "va", si_va, VIRT_BASE);
    check(entry_esp > VIRT_BASE && entry_esp <= region_end, "stack-in-region", "esp", entry_esp, VIRT_BASE);
    check(si->pt_base >= VIRT_BASE && si->pt_base < region_end && !(si->pt_base & 0xfff) && si->nr_pt_frames > 0,
          "start-info-pt-base", "pt_base", si->pt_base, VIRT_BASE);

    /* CR3 (Xen's x86_32 encoding: the L3's mfn, bits above 20 rotated into
     * bits 0-11) names the frame pt_base maps. */
    uint32_t cr3;
    __asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
    uint32_t l3_mfn = (cr3 >> 12) | ((cr3 & 0xfff) << 20);
    uint32_t pt_mfn = p2m[(si->pt_base - VIRT_BASE) >> 12];
    check(l3_mfn == pt_mfn, "cr3-is-pt-base", "cr3 mfn", l3_mfn, pt_mfn);

    uint32_t bad = 0, first_bad = ~0u;
    for (uint32_t pfn = 0; pfn < si->nr_pages; pfn++)
        if (M2P32[p2m[pfn]] != pfn && bad++ == 0)
            first_bad = pfn;
    check(bad == 0, "p2m-matches-m2p", "first mismatching pfn", first_bad, 0);
    uint32_t st_pfn = M2P32[si->store_mfn];
    check(st_pfn < si->nr_pages && p2m[st_pfn] == si->store_mfn, "store-frame-in-p2m", "pfn", st_pfn, 0);
    check(si->store_evtchn != 0 && si->store_evtchn != con_port, "store-evtchn", "port", si->store_evtchn, 2);

    long rc = hc(HC_xen_version, 0 /* XENVER_version */, 0, 0, 0);
    check(rc > 0, "xen-version", "version", (uint32_t)rc, 0);
    /* vm_assist (GRUB's first hypercall enables pae_extended_cr3): the
     * 32-bit types, not m2p_strict (type 32, a 64-bit guest's). */
    rc = hc(HC_vm_assist, 0 /* VMASST_CMD_enable */, 3 /* pae_extended_cr3 */, 0, 0);
    long rc2 = hc(HC_vm_assist, 0, 32 /* m2p_strict */, 0, 0);
    check(rc == 0 && rc2 == -22, "vm-assist-compat-types", "rc", (uint32_t)rc, 0);

    uint32_t va = (uint32_t)page, mfn = p2m[(va - VIRT_BASE) >> 12];
    page[0] = 0x5a;
    rc = hc(HC_update_va_mapping, va, (mfn << 12) | 0x21, mfn >> 20, UVMF_INVLPG);      /* P, A: read-only */
    rc2 = hc(HC_update_va_mapping, va, (mfn << 12) | 0x63, mfn >> 20, UVMF_INVLPG); /* P, RW, A, D */
    page[1] = 0xa5;
    check(rc == 0 && rc2 == 0 && page[0] == 0x5a && page[1] == 0xa5, "update-va-mapping-on-grub-tables", "rc",
          (uint32_t)rc, 0);

    put("pv32_grubbed: ");
    pv32_finish();
}
