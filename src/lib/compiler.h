/* Small compiler helpers used everywhere in the hypervisor. */
#ifndef RV_LIB_COMPILER_H
#define RV_LIB_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define likely(x)       __builtin_expect(!!(x), 1)
#define unlikely(x)     __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)  (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MIN(a, b)       ((a) < (b) ? (a) : (b))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))
#define container_of(p, type, member) \
    ((type *)((char *)(p) - offsetof(type, member)))
#define __packed        __attribute__((packed))
#define __aligned(n)    __attribute__((aligned(n)))
#define __noreturn      __attribute__((noreturn))
#define __section(s)    __attribute__((section(s)))
#define __used          __attribute__((used))
/* Code every VM exit of an event-channel round trip runs (the run loop,
 * the SVM or VT-x world switch, the hypercall, send and poll paths, the
 * guest walk of hypercall arguments): linked together at the start of .text
 * (arch/x86/ringvisor.ld: SVM's part, the common part, VT-x's part), a few
 * pages instead of ~22 scattered ones.
 * Under QEMU's TCG each VMRUN and #VMEXIT flushes the emulated TLB, so
 * every code page an exit touches is one more TLB refill per exit
 * (docs/event-channels.md "Latency"); on hardware it is I-TLB and cache
 * footprint.  Only for code that runs on (nearly) every such exit. */
#define __hot_path      __attribute__((section(".text.hot")))
/* The same for the small globals that code reads on every exit (backend
 * ops, per-CPU VMRUN and MSR state, TSC scales): one or two pages of .data
 * instead of six. */
#define __hot_data      __attribute__((section(".data.hot")))
#define __printf(a, b)  __attribute__((format(printf, a, b)))
#define barrier()       __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x)    (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define KiB(x)          ((uint64_t)(x) << 10)
#define MiB(x)          ((uint64_t)(x) << 20)
#define GiB(x)          ((uint64_t)(x) << 30)

#endif
