/*
 * The boot CPU's path from head.S to a running system:
 *   console -> boot info -> options -> CPU features -> memory -> ACPI ->
 *   interrupt controllers -> time -> the boot CPU's guarded stack -> other
 *   CPUs -> self-tests (if asked) -> ready.
 * Anything that cannot be recovered from panics with a message that says
 * what was wrong: the hypervisor never hangs silently.
 */
#include "boot/bootinfo.h"
#include "boot/bootopts.h"
#include "boot/mb1.h"
#include "boot/mb2.h"
#include "core/console.h"
#include "core/emu_exit.h"
#include "core/panic.h"
#include "core/percpu.h"
#include "core/selftest.h"
#include "core/smp.h"
#include "core/timer.h"
#include "core/keyhandler.h"
#include "core/sched.h"
#include "core/softirq.h"
#include "core/domain.h"
#include "core/domcfg.h"
#include "core/domain_kind.h"
#include "core/hypercall.h"
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpufeature.h"
#include "arch/x86/ioapic.h"
#include "arch/x86/time.h"
#include "arch/x86/traps.h"
#include "arch/x86/uart.h"
#include "arch/x86/asm.h"
#include "mm/mm.h"
#include "mm/m2p.h"
#include "lib/string.h"

#define RINGVISOR_VERSION "0.1"

static struct boot_info boot_info;      /* (i) parsed on the boot CPU */
struct boot_options boot_opts;          /* (i) */
static uint32_t boot_magic;
static uint64_t boot_info_phys;
static uint32_t boot_info_size;

void switch_stack_and_call(uint64_t top, void (*fn)(void *), void *arg) __noreturn;

/* Before the final page tables: the early tables map the low 4 GiB at
 * HV_IMAGE_VIRT + phys. */
static const void *early_map(uint64_t phys, size_t len, void *ctx)
{
    if (phys + len < phys || phys + len > GiB(4))
        return NULL;
    return (const void *)(HV_IMAGE_VIRT + phys);
}

static void parse_boot_info(void)
{
    char err[160] = "";
    int rc;

    if (boot_magic == MB2_BOOTLOADER_MAGIC) {
        if (boot_info_phys + 8 > GiB(4))
            panic("boot: multiboot2 information above 4 GiB (%#lx)", (unsigned long)boot_info_phys);
        const uint32_t *info = (const void *)(HV_IMAGE_VIRT + boot_info_phys);
        boot_info_size = info[0];
        if (boot_info_size > MiB(16))
            panic("boot: multiboot2 information claims %u bytes", boot_info_size);
        rc = mb2_parse(info, boot_info_size, &boot_info, err, sizeof(err));
    } else if (boot_magic == MB1_BOOTLOADER_MAGIC) {
        const void *info = early_map(boot_info_phys, MB1_INFO_SIZE, NULL);
        boot_info_size = MB1_INFO_SIZE;
        rc = info ? mb1_parse(info, early_map, NULL, &boot_info, err, sizeof(err))
                  : -1;
    } else {
        panic("boot: unknown boot loader magic %#x (need multiboot1 or multiboot2)", boot_magic);
    }
    if (rc < 0)
        panic("boot: cannot use the boot information: %s", err[0] ? err : "unreadable");
}

/*
 * The loader's information block and the strings it points to lie in RAM
 * the allocator will hand out (multiboot1 scatters them), so everything
 * still needed is copied into the image before memory is set up.
 */
static void persist_boot_info(void)
{
    static char pool[16384];
    static uint8_t rsdp_copy[64];
    size_t used = 0;

    static const char **strs[BOOT_MAX_MODULES + 2];     /* boot CPU, once: off the stack */
    unsigned n = 0;
    strs[n++] = &boot_info.cmdline;
    strs[n++] = &boot_info.loader_name;
    for (unsigned i = 0; i < boot_info.nr_mods; i++)
        strs[n++] = &boot_info.mods[i].cmdline;
    for (unsigned i = 0; i < n; i++) {
        size_t len = strlen(*strs[i]);
        if (used + len + 1 > sizeof(pool)) {
            log_warn("boot: boot strings exceed %lu bytes; '%.40s...' dropped\n",
                     (unsigned long)sizeof(pool), *strs[i]);
            *strs[i] = "";
            continue;
        }
        memcpy(pool + used, *strs[i], len + 1);
        *strs[i] = pool + used;
        used += len + 1;
    }
    if (boot_info.rsdp) {
        size_t len = MIN(boot_info.rsdp_len, sizeof(rsdp_copy));
        memcpy(rsdp_copy, boot_info.rsdp, len);
        boot_info.rsdp = rsdp_copy;
        boot_info.rsdp_len = len;
    }
    boot_info.efi_mmap = NULL;      /* only needed while parsing */
    boot_info.efi_mmap_size = 0;
}

static void warn_option(const char *msg, void *ctx)
{
    log_warn("%s\n", msg);
}

static void bsp_late(void *unused);

static unsigned selftests_failed;     /* (i) self-test failures, plus 1 if requested domains could not start */
static unsigned domains_rejected;     /* (i) domain configs that were skipped or could not be built */
static uint64_t base_free_frames;
static struct heap_stats base_heap[HEAP_NR_TAGS];

static unsigned domains_poweroff, domains_crashed;   /* (a) set by the last reaper */
static bool domains_done, selftests_done, finished;   /* (a) */

/* Both the self-tests and the domains are over: check that the frame and
 * heap counts are back where they were before the first domain was built,
 * report, and end the run. */
static void finish_run(void)
{
    if (__atomic_exchange_n(&finished, true, __ATOMIC_SEQ_CST))
        return;
    bool leak = false, had_domains = base_free_frames != 0;

    if (had_domains) {
        uint64_t free_now = mm_free_frames();
        leak = free_now != base_free_frames;
        for (unsigned t = 0; t < HEAP_NR_TAGS; t++) {
            struct heap_stats now;
            heap_get_stats(t, &now);
            if (now.objects != base_heap[t].objects || now.bytes != base_heap[t].bytes) {
                log_err("leak: heap tag %s holds %lu objects / %lu bytes, %lu / %lu before the domains\n",
                        heap_tag_name(t), (unsigned long)now.objects, (unsigned long)now.bytes,
                        (unsigned long)base_heap[t].objects, (unsigned long)base_heap[t].bytes);
                leak = true;
            }
        }
        if (free_now != base_free_frames)
            log_err("leak: %lu frames free, %lu before the domains\n", (unsigned long)free_now,
                    (unsigned long)base_free_frames);
        domain_kinds_print_stats();
        sched_print_stats();
        log_info("ringvisor: all domains stopped: %u powered off, %u crashed; frames %s\n", domains_poweroff,
                 domains_crashed, leak ? "LEAKED" : "all returned");
    }
    if (emu_exit_enabled)
        emu_exit(leak || selftests_failed || domains_crashed || domains_rejected ? EMU_EXIT_FAIL : EMU_EXIT_PASS);
}

/* Called by the reaper once the last domain is gone. */
static void all_domains_stopped(unsigned poweroff, unsigned crashed)
{
    domains_poweroff = poweroff;
    domains_crashed = crashed;
    __atomic_store_n(&domains_done, true, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&selftests_done, __ATOMIC_SEQ_CST))
        finish_run();
}

static void warn_domcfg(const char *msg, void *ctx)
{
    log_warn("%s: %s\n", (const char *)ctx, msg);
}

/* Boot modules named *.cfg describe domains (as Xen's dom0less does);
 * the files they name are the other modules.  A bad config is reported
 * and skipped: the others still start. */
static bool start_boot_domains(void)
{
    static struct domcfg cfg;
    unsigned nr_cfg = 0, started = 0;

    for (unsigned i = 0; i < boot_info.nr_mods; i++) {
        const char *name = boot_info.mods[i].cmdline;
        size_t len = strlen(name);
        if (len >= 4 && !memcmp(name + len - 4, ".cfg", 4))
            nr_cfg++;
    }
    log_debug("domains: %u boot modules, %u domain configs\n", boot_info.nr_mods, nr_cfg);
    if (!nr_cfg)
        return false;
    if (!domain_kinds_init()) {
        log_err("domains: %u domain config(s) given but HVM is unavailable\n", nr_cfg);
        selftests_failed++;
        return false;
    }
    sched_init();
    domain_subsys_init();
    domain_set_all_stopped_hook(all_domains_stopped);
    base_free_frames = mm_free_frames();
    for (unsigned t = 0; t < HEAP_NR_TAGS; t++)
        heap_get_stats(t, &base_heap[t]);
    for (unsigned i = 0; i < boot_info.nr_mods; i++) {
        const struct boot_module *m = &boot_info.mods[i];
        size_t len = strlen(m->cmdline);
        char err[200] = "";
        if (len < 4 || memcmp(m->cmdline + len - 4, ".cfg", 4))
            continue;
        int rc = domcfg_parse(phys_to_virt(m->start), (size_t)(m->end - m->start), &cfg, warn_domcfg,
                              (void *)m->cmdline, err, sizeof(err));
        if (rc < 0) {
            log_err("%s: %s; domain skipped\n", m->cmdline, err);
            domains_rejected++;
            continue;
        }
        if (cfg.nr_disks || cfg.nr_vifs) {
            /* Their backends live in dom0 (docs/split-drivers.md), which is not up yet. */
            log_err("%s: domain %s: disk/vif need domain 0's backends: create the domain with rv create; "
                    "domain skipped\n", m->cmdline, cfg.name);
            domains_rejected++;
            continue;
        }
        if (domain_create(&cfg, boot_info.mods, boot_info.nr_mods)) {
            started++;
        } else {
            log_err("%s: domain %s could not be built; domain skipped\n", m->cmdline, cfg.name);
            domains_rejected++;
        }
    }
    log_info("domains: %u of %u started\n", started, nr_cfg);
    if (!started) {
        /* Domains were asked for and none runs: that is a failed boot. */
        selftests_failed++;
        return false;
    }
    domain_mark_boot_domains_started();
    sched_active = true;
    for (unsigned c = 1; c < RV_MAX_CPUS; c++)
        if (percpu_of[c] && percpu_of[c]->online)
            cpu_raise_softirq(c, SOFTIRQ_SCHEDULE);
    return true;
}

void start_hypervisor(uint32_t magic, uint64_t info_phys)
{
    static char bsp_ist[4][4096] __aligned(4096);
    struct percpu *bsp;

    percpu_init_bsp_early();
    bsp = this_cpu();
    bsp->ist_top[0] = (uint64_t)bsp_ist[1];
    bsp->ist_top[1] = (uint64_t)bsp_ist[2];
    bsp->ist_top[2] = (uint64_t)bsp_ist[3];
    bsp->ist_top[3] = (uint64_t)bsp_ist[3] + 4096;
    idt_init();
    cpu_desc_init(bsp);
    console_init_early(0x3f8, 115200);
    log_info("\nRingvisor %s starting\n", RINGVISOR_VERSION);

    boot_magic = magic;
    boot_info_phys = info_phys;
    parse_boot_info();
    persist_boot_info();
    bootopts_defaults(&boot_opts);
    bootopts_parse(boot_info.cmdline, &boot_opts, warn_option, NULL);
    console_set_input_focus(boot_opts.console_to);
    keyhandler_hang_report_s = boot_opts.hang_report;
    if (boot_opts.first_domid)
        domain_set_first_id((uint16_t)boot_opts.first_domid);
    selftest_inject_fail = boot_opts.selftest_inject_fail;
    emu_exit_enabled = boot_opts.emu_exit;
    console_set_level(boot_opts.loglvl);
    if (!boot_opts.console_enabled)
        uart_init(0, 0);
    else if (boot_opts.com_port != 1 || boot_opts.com_baud != 115200)
        uart_init(uart_port_for_com(boot_opts.com_port), boot_opts.com_baud);
    log_info("boot: loader '%s', command line '%s'\n", boot_info.loader_name, boot_info.cmdline);
    if (boot_info.nr_warnings)
        log_warn("boot: %u oddities in the boot information were skipped (e.g. more than %u modules or %u memory ranges)\n",
                 boot_info.nr_warnings, BOOT_MAX_MODULES, BOOT_MAX_MMAP);
    for (unsigned i = 0; i < boot_info.nr_mmap; i++)
        log_debug("boot: mem %016lx-%016lx type %u\n", (unsigned long)boot_info.mmap[i].base,
                  (unsigned long)(boot_info.mmap[i].base + boot_info.mmap[i].len), boot_info.mmap[i].type);

    cpufeature_init();
    cpufeature_print_summary();

    mm_init(&boot_info, (uint32_t)boot_info_phys, boot_info_size, boot_opts.mem_limit);
    pv_dom0_host_map_init(&boot_info);     /* XENMEM_machine_memory_map, dom0's I/O frames */
    m2p_init();     /* PV guests' read-only M2P at 0xffff800000000000, before any domain */
    for (unsigned i = 0; i < boot_info.nr_mods; i++)
        log_info("boot: module %u at %#lx-%#lx '%s'\n", i, (unsigned long)boot_info.mods[i].start,
                 (unsigned long)boot_info.mods[i].end, boot_info.mods[i].cmdline);

    acpi_init(&boot_info);
    apic_init_bsp(boot_opts.x2apic);
    pic_disable();
    apic_init_cpu();
    bsp->apic_id = apic_current_id();
    if (acpi_present)
        ioapic_init(&acpi_info);
    tsc_init(acpi_present ? &acpi_info : NULL);
    apic_timer_calibrate();
    smp_init_ipis();
    timer_subsys_init();

    /* Move onto a stack slot with guard pages and IST stacks of its own. */
    uint64_t slot = map_stack_slot(0);
    if (!slot)
        panic("boot: cannot allocate the boot CPU's stacks");
    bsp->stack_lo = slot;
    bsp->stack_hi = slot + STACK_SLOT_PAGES * 4096ull;
    bsp->stack_top = bsp->stack_hi;
    bsp->ist_top[0] = slot + 2 * 4096;
    bsp->ist_top[1] = slot + 4 * 4096;
    bsp->ist_top[2] = slot + 6 * 4096;
    bsp->ist_top[3] = slot + 8 * 4096;
    cpu_desc_init(bsp);
    switch_stack_and_call(bsp->stack_top, bsp_late, NULL);
}

static void bsp_late(void *unused)
{
    struct percpu *bsp = this_cpu();
    unsigned failed = 0, passed = 0;

    timer_cpu_init();
    nr_cpus_online = 1;
    bsp->online = 1;
    sti();
    smp_boot_cpus(boot_opts.maxcpus);
    keyhandler_init();

    log_info("ringvisor: ready: %u CPUs online, %lu MiB free, used %lu KiB\n", nr_cpus_online,
             (unsigned long)(mm_free_frames() >> 8), (unsigned long)mm_hv_used_kib());

    if (boot_opts.selftest_inject_hang) {
        log_info("selftest: hanging on purpose (selftest_inject_hang)\n");
        cli();
        for (;;)
            hlt();
    }
    if (boot_opts.selftest_inject_panic)
        selftest_trigger_fault();
    /* Domains start first so the self-tests that need a running domain
     * (pause/unpause) have one; the run ends when both are over. */
    bool running = start_boot_domains();
    if (boot_opts.selftest)
        failed = selftest_run_all(&passed);
    __atomic_add_fetch(&selftests_failed, failed, __ATOMIC_SEQ_CST);
    __atomic_store_n(&selftests_done, true, __ATOMIC_SEQ_CST);
    if (!running || __atomic_load_n(&domains_done, __ATOMIC_SEQ_CST))
        finish_run();
    if (running)
        sched_loop();       /* the reaper calls finish_run() at the end */
    cpu_idle_loop();
}
