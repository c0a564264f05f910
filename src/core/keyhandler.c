/*
 * Debug keys on the serial console (as Xen's console keys): the console's
 * input poll (core/console.c) hands over each byte typed while the input
 * focus is on the hypervisor, and the key's handler runs.
 */
#include "core/keyhandler.h"
#include "core/console.h"
#include "core/sched.h"
#include "hvm/hvm.h"
#include "core/domain.h"
#include "evtchn/evtchn.h"
#include "mm/mm.h"

static void show_memory(void)
{
    log_info("mem: %lu of %lu frames free; hypervisor uses %lu KiB\n", (unsigned long)mm_free_frames(),
             (unsigned long)mm_total_frames(), (unsigned long)mm_hv_used_kib());
    for (unsigned t = 0; t < HEAP_NR_TAGS; t++) {
        struct heap_stats s;
        heap_get_stats(t, &s);
        if (s.objects)
            log_info("mem: heap %-8s %lu objects, %lu bytes\n", heap_tag_name(t), (unsigned long)s.objects,
                     (unsigned long)s.bytes);
    }
}

/* As Xen's 'q': each domain's event channels, and VIRQ_DEBUG raised on every
 * vCPU (a Linux guest answers with a dump of its own event state). */
static void show_domains(void)
{
    uint16_t ids[64];
    unsigned n = domain_list_ids(ids, 64);

    for (unsigned i = 0; i < n; i++) {
        struct domain *d = domain_get_by_id(ids[i]);
        if (!d)
            continue;       /* gone since the snapshot */
        struct evtchn_stats st;
        evtchn_get_stats(d, &st);
        domain_log(d, LOG_INFO, "%u vCPU(s), %lu pages; event channels (%s): %u of %u open (%u interdomain, %u VIRQ, "
                   "%u IPI, %u unbound); VIRQ_DEBUG sent\n", d->nr_vcpus, (unsigned long)d->tot_pages,
                   st.fifo ? "FIFO" : "2-level", st.open, st.max_ports, st.interdomain, st.virq, st.ipi, st.unbound);
        for (unsigned v = 0; v < d->nr_vcpus; v++)
            evtchn_send_virq(d->vcpus[v], VIRQ_DEBUG);
        domain_put(d);
    }
}

static void show_help(void);

static const struct {
    char key;
    const char *what;
    void (*fn)(void);
} keys[] = {
    { 'h', "this help", show_help },
    { 'm', "memory and heap use", show_memory },
    { 'q', "domains and their event channels; sends VIRQ_DEBUG to every vCPU", show_domains },
    { 'r', "run queues", sched_print_stats },
    { 't', "tagged-TLB (ASID/VPID) counters", hvm_tlb_print_stats },
};

static void show_help(void)
{
    for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        log_info("key '%c': %s\n", keys[i].key, keys[i].what);
}

static void keyhandler_key(char c)
{
    for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (keys[i].key == c)
            keys[i].fn();
}

void keyhandler_init(void)
{
    console_input_start(keyhandler_key);
}
