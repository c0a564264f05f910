/*
 * pv_grubbed: the 64-bit PV kernel Debian's x86_64-xen GRUB loads and
 * boots inside its own domain (docs/pv.md "PV bootloaders"; tests
 * pvgrub_hello*).  GRUB, not Ringvisor's builder, made everything this
 * kernel starts with: its page tables, p2m list, start_info and stack,
 * rebuilt inside the running domain.  So it checks what GRUB's loader
 * promises (Xen's start_info contract) rather than the builder's layout
 * pv_hello checks:
 *  - start_info: magic, nr_pages (the domain file's 64 MiB), the command
 *    line grub.cfg gave, its own address and the stack inside the mapped
 *    region (the region starts at VIRT_BASE, pfn 0);
 *  - the p2m list GRUB copied agrees with the hypervisor's M2P for every
 *    pfn (GRUB moved the console and store frames with MMU_MACHPHYS_UPDATE),
 *    the console and store frames among them;
 *  - the store event channel GRUB passed on (the stand-in store's);
 *  - GRUB's page tables are the hypervisor's validated ones: an
 *    update_va_mapping of one of its pages to read-only and back works.
 * GRUB's PV console is already connected, so console_io output would be
 * hidden (docs/running-domains.md): every line goes through the console
 * ring, found by its frame's pfn in the M2P.
 */
#include "pv_lib.h"
#include "public/console.h"
#include "public/event_channel.h"
#include "public/version.h"

#define M2P ((const uint64_t *)0xffff800000000000ull)
#define UVMF_INVLPG 2

static volatile struct xencons_interface *ring;
static uint32_t con_port;

static void ring_write(const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        while (ring->out_prod - __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE) >= sizeof(ring->out))
            hc(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
        ring->out[ring->out_prod % sizeof(ring->out)] = s[i];
        __atomic_store_n(&ring->out_prod, ring->out_prod + 1, __ATOMIC_RELEASE);
    }
    struct evtchn_send snd = { .port = con_port };
    hc(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (uint64_t)&snd, 0, 0);
}

static int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static uint8_t page[4096] __attribute__((aligned(4096)));

void pv_main(const struct start_info *si)
{
    const uint64_t *p2m = (const uint64_t *)si->mfn_list;
    uint64_t con_pfn = M2P[si->console.domU.mfn];

    /* Without the console nothing can be said: crash, the ctest sees no PASS. */
    if (con_pfn >= si->nr_pages || p2m[con_pfn] != si->console.domU.mfn)
        shutdown(SHUTDOWN_crash);
    ring = (volatile struct xencons_interface *)(VIRT_BASE + (con_pfn << 12));
    con_port = si->console.domU.evtchn;
    pv_line_out = ring_write;
    put("pv_grubbed: started by GRUB, console ring at pfn ");
    put_hex(con_pfn);
    flush();

    check(str_eq(si->magic, "xen-3.0-x86_64"), "start-info-magic", "magic[0]", (uint8_t)si->magic[0], 'x');
    check(si->nr_pages == 16384, "start-info-nr-pages", "pages", si->nr_pages, 16384);
    check(str_eq((const char *)si->cmd_line, "pv_grubbed from=grub.cfg"), "start-info-cmdline", "cmd_line[0]",
          si->cmd_line[0], 'p');
    uint64_t si_va = (uint64_t)si;
    check(si_va >= VIRT_BASE && si_va < VIRT_BASE + (si->nr_pages << 12), "start-info-in-region", "va", si_va,
          VIRT_BASE);
    check(entry_rsp > VIRT_BASE && entry_rsp <= VIRT_BASE + (si->nr_pages << 12), "stack-in-region", "rsp", entry_rsp,
          VIRT_BASE);
    check(si->pt_base >= VIRT_BASE && !(si->pt_base & 0xfff) && si->nr_pt_frames > 0, "start-info-pt-base", "pt_base",
          si->pt_base, VIRT_BASE);

    uint64_t bad = 0, first_bad = ~0ull;
    for (uint64_t pfn = 0; pfn < si->nr_pages; pfn++)
        if (M2P[p2m[pfn]] != pfn && bad++ == 0)
            first_bad = pfn;
    check(bad == 0, "p2m-matches-m2p", "first mismatching pfn", first_bad, 0);
    uint64_t st_pfn = M2P[si->store_mfn];
    check(st_pfn < si->nr_pages && p2m[st_pfn] == si->store_mfn, "store-frame-in-p2m", "pfn", st_pfn, 0);
    check(si->store_evtchn != 0 && si->store_evtchn != con_port, "store-evtchn", "port", si->store_evtchn, 2);

    long rc = hc(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0);
    check(rc > 0, "xen-version", "version", (uint64_t)rc, 0);
    uint64_t va = (uint64_t)page, mfn = p2m[(va - VIRT_BASE) >> 12];
    page[0] = 0x5a;
    rc = hc(__HYPERVISOR_update_va_mapping, va, (mfn << 12) | 0x5, UVMF_INVLPG, 0);
    long rc2 = hc(__HYPERVISOR_update_va_mapping, va, (mfn << 12) | 0x7, UVMF_INVLPG, 0);
    page[1] = 0xa5;
    check(rc == 0 && rc2 == 0 && page[0] == 0x5a && page[1] == 0xa5, "update-va-mapping-on-grub-tables", "rc",
          (uint64_t)rc, 0);

    put("pv_grubbed: ");
    pv_finish();
}
