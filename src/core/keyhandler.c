/*
 * Debug keys on the serial console (as Xen's console keys): the console's
 * input poll (core/console.c) hands over each byte typed while the input
 * focus is on the hypervisor, and the key's handler runs.
 */
#include "core/keyhandler.h"
#include "core/console.h"
#include "core/sched.h"
#include "hvm/hvm.h"
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
