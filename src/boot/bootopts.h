/*
 * The hypervisor's own boot options (docs: console=, loglvl=, maxcpus=,
 * selftest, emu_exit, x2apic=, mem=, console_to=, hvm_fep, vmstate_check, hap=, shadow_keep_global=,
 * shadow_prefetch=, shadow_cache=, gnttab_unmap_batch=).  Parsing never fails: a bad item is
 * reported through the warn callback and leaves its field unchanged, so a typo
 * on the command line cannot stop the machine from booting.
 */
#ifndef RV_BOOT_BOOTOPTS_H
#define RV_BOOT_BOOTOPTS_H

#include <stdbool.h>
#include <stdint.h>

enum { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

#define BOOTOPTS_MAX_CPUS       256
#define BOOTOPTS_MIN_MEM_LIMIT  (64ULL << 20)
#define BOOTOPTS_SHADOW_PREFETCH 16u    /* default shadow_prefetch= */
#define BOOTOPTS_SHADOW_CACHE 4u        /* default shadow_cache= */
#define BOOTOPTS_SHADOW_CACHE_MAX 8u    /* = SHADOW_MAX_ROOTS (mm/shadow.h) */
#define BOOTOPTS_SHADOW_PREFETCH_MAX 64u
#define BOOTOPTS_NAME_MAX       64      /* a domain name and its NUL */

/* (i) filled by bootopts_defaults()/bootopts_parse() on the BSP before any
 *     other CPU runs; read-only afterwards. */
struct boot_options {
    bool     console_enabled;  /* (i) console=none disables */
    unsigned com_port;         /* (i) 1..4 (console=comN[,baud]) */
    uint32_t com_baud;         /* (i) default 115200; 1200..115200, dividing 115200 exactly */
    int      loglvl;           /* (i) LOG_*; default LOG_INFO */
    unsigned maxcpus;          /* (i) default 256 (the maximum); 1..256 accepted */
    bool     selftest;         /* (i) run the in-hypervisor self-tests; default false */
    bool     emu_exit;         /* (i) end the emulator when done or on panic; default false */
    bool     selftest_inject_fail;  /* (i) test harness: report one failing self-test */
    bool     selftest_inject_hang;  /* (i) test harness: hang after the ready line */
    bool     selftest_inject_panic; /* (i) test harness: fault in the hypervisor after the ready line */
    bool     x2apic;           /* (i) use x2APIC mode when available; default true */
    bool     hap;              /* (i) hap=0: every HVM domain on the shadow pager, as a domain file's hap = 0 would
                                * (Xen's boot option of that name); default true: nested paging where the CPU has it */
    bool     shadow_keep_global; /* (i) shadow_keep_global=0: a guest's MOV to CR3 empties its whole shadow
                                  * (docs/shadow.md; for measuring the global-leaf cache); default true */
    unsigned shadow_prefetch;  /* (i) shadow_prefetch=N: a shadow fill also maps the other pages of its aligned block
                                * of N (a power of two 2..64; 0 or 1 = off, for measuring; docs/shadow.md "Prefetch on
                                * fill"); default BOOTOPTS_SHADOW_PREFETCH */
    unsigned shadow_cache;     /* (i) shadow_cache=K: shadow roots cached per vCPU, one per recent guest CR3,
                                * revalidated when switched back in (docs/shadow.md "Cached shadows per CR3");
                                * 0 or 1 = one root, emptied at each MOV to CR3; default BOOTOPTS_SHADOW_CACHE */
    bool     gnttab_unmap_batch; /* (i) gnttab_unmap_batch=0: a PV mapper's grant unmaps flush one by one, not
                                  * once per batch (docs/grant-tables.md; for measuring the batching); default true */
    bool     sched_wake_tickle; /* (i) sched_wake_tickle=1: a vCPU woken onto a busy CPU kicks an idle CPU
                                  * or preempts (docs/hvm.md "Scheduler"); experimental, default false */
    uint64_t mem_limit;        /* (i) mem=SIZE; 0 = no limit; values < 64M rejected */
    char     console_to[BOOTOPTS_NAME_MAX];  /* (i) console_to=NAME: initial input focus; "" = hypervisor */
    bool     hvm_fep;          /* (i) hvm_fep: honour the forced-emulation prefix (testing only); default false */
    bool     vmstate_check;    /* (i) vmstate_check: check guest state before every VM entry (hvm/vmstate.h);
                                * default on in debug builds (RV_VMSTATE_CHECK_DEFAULT), else off */
    unsigned hang_report;      /* (i) hang_report=S: dump a domain that made no progress for S s; 0 = off */
    unsigned first_domid;      /* (i) first_domid=N: where domain ids start (1..0x7fef; tests of id reuse); 0 = 1 */
    uint64_t compat_m2p_frames; /* (i) compat_m2p_frames=N: the compat M2P covers at most N frames (tests of
                                  * 32-bit domains' allocation limit on a small machine); 0 = all it can */
};

void bootopts_defaults(struct boot_options *o);

/*
 * Parses 'cmdline' (NULL is empty) into *o; call bootopts_defaults() first.
 * Each unknown option, bad value or malformed item produces one warn(msg, ctx)
 * call naming the option (e.g. "cmdline: unknown option 'foo' ignored") and
 * leaves the field at its previous value.  A first item without '=' that
 * contains a '/' is the image path boot loaders prepend (GRUB, QEMU -kernel)
 * and is skipped silently.  Later items override earlier ones.  Returns the
 * number of warnings.  'warn' may be NULL.
 */
int bootopts_parse(const char *cmdline, struct boot_options *o,
                   void (*warn)(const char *msg, void *ctx), void *ctx);

/* The options this boot was given (core/setup.c parses them once, early). */
extern struct boot_options boot_opts;

#endif
