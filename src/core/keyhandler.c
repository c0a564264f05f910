/*
 * Debug keys on the serial console (as Xen's console keys): the boot CPU
 * polls the UART every 100 ms and runs the handler of a pressed key.
 * Polling keeps this independent of UART interrupts and costs nothing
 * measurable.
 */
#include "core/keyhandler.h"
#include "core/timer.h"
#include "core/console.h"
#include "core/sched.h"
#include "core/percpu.h"
#include "hvm/hvm.h"
#include "arch/x86/uart.h"
#include "arch/x86/time.h"
#include "mm/mm.h"

static struct timer poll_timer;

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

static void show_help(void);

static const struct {
    char key;
    const char *what;
    void (*fn)(void);
} keys[] = {
    { 'h', "this help", show_help },
    { 'm', "memory and heap use", show_memory },
    { 'r', "run queues", sched_print_stats },
    { 't', "tagged-TLB (ASID/VPID) counters", hvm_tlb_print_stats },
};

static void show_help(void)
{
    for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        log_info("key '%c': %s\n", keys[i].key, keys[i].what);
}

static void poll(void *unused)
{
    int c;
    while ((c = uart_getc()) >= 0)
        for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            if (keys[i].key == c)
                keys[i].fn();
    timer_set(&poll_timer, now_ns() + 100000000ull);
}

void keyhandler_init(void)
{
    timer_init(&poll_timer, poll, NULL, smp_processor_id());
    timer_set(&poll_timer, now_ns() + 100000000ull);
}
