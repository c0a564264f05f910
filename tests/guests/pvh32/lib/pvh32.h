/*
 * The 32-bit PVH test-guest library (tests/guests/pvh32/lib).
 *
 * A PVH guest that stays in 32-bit protected mode, as a 32-bit kernel does
 * (Linux i386 PVH, the BSDs' 32-bit PVH entry).  One ELF32 (EM_386) image
 * linked at 1 MiB with the Xen note XEN_ELFNOTE_PHYS32_ENTRY in a PT_NOTE
 * segment; the PVH builder starts vCPU 0 there with paging off and EBX = the
 * guest-physical address of struct hvm_start_info.
 *
 * ---- Writing a guest --------------------------------------------------------
 *
 *   #include "pvh32.h"
 *   const char pvh32_guest_name[] = "my_guest";
 *   void test_main(void)
 *   {
 *       check(pvh32_xen_version() != 0, "version", "zero");
 *       ...
 *   }                      // returning calls finish()
 *
 * Built with -m32 by list-pvh32.cmake; the paging mode is chosen at build
 * time (the guest's line in GUESTS_PVH32 there):
 *
 *   PVH32_PAGING_NONE  flat: paging stays off (CR0.PG = 0)
 *   PVH32_PAGING_PSE   2-level tables, 4 MiB pages (CR4.PSE), 0-4 GiB identity
 *   PVH32_PAGING_PAE   PAE: PDPT + 4 page directories of 2 MiB pages
 *                      (CR4.PAE), 0-4 GiB identity
 *
 * Virtual = physical in every mode, so pointers and guest-physical addresses
 * are the same numbers.  pvh32.paging says which mode is in force.
 *
 * ---- Start of day (entry.S, lib.c) ---------------------------------------
 *
 * entry.S: own GDT (code 0x08, data 0x10), zeroes .bss, 32 KiB stack, calls
 * pvh32_start(EBX).  pvh32_start(): copies the start info and command line,
 * installs the IDT, finds the hypervisor (CPUID 0x40000000 signature,
 * hypercall page written through the MSR of leaf 0x40000002) and prints a
 * first line at once, BEFORE paging is enabled; then enables the build's
 * paging mode, printing each step (a guest that stops there has said where),
 * checks it ("paging-mode"), and calls test_main(), then finish().
 *
 * ---- Output and results --------------------------------------------------
 *
 * printf(): %d %i %u %x %p %s %c with '-', '0', '#', a width and l/ll/z
 * (long is 32 bits: 64-bit values need %ll).  One console_io write per line
 * under the hypervisor, the UART at 0x3f8 without one, or when console_io
 * fails (so a guest whose hypercalls break still leaves a trace).  If
 * SCHEDOP_shutdown fails, the guest says so and triple-faults: a crash,
 * never a silent halt.  With "nohv" on the command line and no hypervisor
 * (plain QEMU's PVH boot), the start of day and paging run and test_main()
 * is called with pvh32.hv false (hypercall checks must be skipped).  Result protocol as
 * the other test guests (tests/guests/README.md): check() prints "PASS
 * <name>" or "FAIL <name>: <reason>"; skip() prints "SKIP <name>: ...";
 * finish() prints "<guest>: N passed, N failed, N skipped" and powers off if
 * all passed (at least one), crashes the domain otherwise.  An unexpected
 * exception prints "FAIL exception: ..." with the registers, then crashes.
 * Expected exceptions: the .rv_fixup table of tests/guests/lib/x86.h
 * (rdmsr_safe(), wrmsr_safe(), EXC_FIXUP()), exc_caught / exc_error.
 *
 * ---- Hypercalls: the 32-bit convention -----------------------------------
 *
 * hypercall(nr, a1..a5) (tests/guests/lib/hcall32.S): EAX = nr, arguments
 * in EBX, ECX, EDX, ESI, EDI, result in EAX (sign-extended to long = 32 bits
 * here), through the hypercall page stub nr.  HC32() casts its arguments.
 * Structures passed to the hypervisor must use the 32-bit layouts
 * (xen_ulong_t and guest handles are 4 bytes, xen_pfn_t 4 bytes, alignment
 * of uint64_t 4 bytes on i386): the include/public/ headers describe the
 * 64-bit layouts, so this header defines the 32-bit ones it needs
 * (struct pvh32_*), with their sizes asserted.  64-bit arguments of a
 * hypercall itself (set_timer_op) go as two registers, low then high.
 *
 * ---- Memory ----------------------------------------------------------------
 *
 * RAM from the start info's memory map; the image at 1 MiB; pages mapped
 * from elsewhere (shared_info, grant frames) at PVH32_XMAP_BASE (2 GiB)
 * and up: outside any test guest's RAM, inside the identity map.
 *
 * What this library shares with the 64-bit one (pvh/lib): the console,
 * printf, check/skip/finish, the start info copy, hypervisor detection, the
 * exception dispatcher, the shutdown and the pvclock reader, in
 * tests/guests/lib/pvh_common.[ch], compiled -m32 here.
 */
#ifndef PVH32_LIB_PVH32_H
#define PVH32_LIB_PVH32_H

#include "pvh_common.h"             /* tests/guests/lib: printf, check, start of day, ... */

#ifdef __x86_64__
#error "the pvh32 library is 32-bit code: build with -m32"
#endif

#define PVH32_PAGING_NONE   0
#define PVH32_PAGING_PSE    1
#define PVH32_PAGING_PAE    2
#ifndef PVH32_PAGING
#error "PVH32_PAGING must be defined (PVH32_PAGING_NONE, _PSE or _PAE)"
#endif

#define PVH32_XMAP_BASE         0x80000000u             /* 2 GiB */
#define PVH32_GFN_SHARED_INFO   (PVH32_XMAP_BASE >> 12)
#define PVH32_GFN_FREE          ((PVH32_XMAP_BASE >> 12) + 0x100)  /* for the guest's own mappings */
#define PVH32_MEMMAP_MAX        PVH_MEMMAP_MAX

/* CR4 bits this library sets (Intel SDM vol. 3, 2.5). */
#define CR4_PSE (1u << 4)

/* ---- 32-bit layouts of the structures the library itself passes ---------- */

/* XENMEM_add_to_physmap, 32-bit caller: idx is xen_ulong_t, gpfn xen_pfn_t,
 * both 4 bytes (the 64-bit layout is 24 bytes). */
struct pvh32_add_to_physmap {
    uint16_t domid;
    uint16_t size;
    uint32_t space;
    uint32_t idx;
    uint32_t gpfn;
};
_Static_assert(sizeof(struct pvh32_add_to_physmap) == 16, "32-bit add_to_physmap layout");

/* vcpu_info, 32-bit layout: 64 bytes like the 64-bit one, and the time info
 * at the same offset 32; evtchn_pending_sel is 4 bytes (32 ports per bit
 * group of 32), arch.cr2 and its padding 6 x 4 bytes (PV only). */
struct pvh32_vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    uint8_t pad[2];
    uint32_t evtchn_pending_sel;
    uint32_t arch[6];
    struct vcpu_time_info time;
};
_Static_assert(sizeof(struct pvh32_vcpu_info) == 64, "32-bit vcpu_info layout");
_Static_assert(offsetof(struct pvh32_vcpu_info, time) == 32, "32-bit vcpu_info time offset");

/* The start of shared_info, 32-bit layout: 32 vcpu_info slots, then the
 * 2-level bitmaps of 32 x 32 bits each (1024 ports), then the wallclock. */
struct pvh32_shared_info {
    struct pvh32_vcpu_info vcpu_info[32];
    uint32_t evtchn_pending[32];
    uint32_t evtchn_mask[32];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
};
_Static_assert(offsetof(struct pvh32_shared_info, evtchn_pending) == 2048, "32-bit shared_info layout");

/* ---- state ---------------------------------------------------------------- */

struct pvh32_state {
    PVH_COMMON_STATE                /* pvh_common.h: start of day, results */
    unsigned paging;                /* PVH32_PAGING_*, in force after the start of day */
    struct pvh32_shared_info *sh;   /* NULL until pvh32_map_shared_info() succeeds */
};
extern struct pvh32_state pvh32;

/* Provided by the guest (and test_main(): pvh_common.h). */
extern const char pvh32_guest_name[];

/* Output, results, the command line: pvh_common.h and testlib.h
 * (tests/guests/lib). */
const char *pvh32_paging_name(unsigned mode);

/* ---- hypercalls: EAX nr; EBX, ECX, EDX, ESI, EDI (hcall32.S) ---- */
#define HC32(nr, a, b, c) \
    hypercall((nr), (unsigned long)(a), (unsigned long)(b), (unsigned long)(c), 0, 0)
static inline long pvh32_console_write(const char *s, unsigned n)
{
    return HC32(__HYPERVISOR_console_io, CONSOLEIO_write, n, s);
}
static inline long pvh32_xen_version(void) { return HC32(__HYPERVISOR_xen_version, XENVER_version, 0, 0); }
static inline long pvh32_sched_op(unsigned cmd, void *arg) { return HC32(__HYPERVISOR_sched_op, cmd, arg, 0); }
static inline long pvh32_memory_op(unsigned cmd, void *arg) { return HC32(__HYPERVISOR_memory_op, cmd, arg, 0); }
static inline long pvh32_set_timer_op(uint64_t deadline)
{
    return HC32(__HYPERVISOR_set_timer_op, (uint32_t)deadline, (uint32_t)(deadline >> 32), 0);
}
/* XENMEM_add_to_physmap with the 32-bit layout; 0 or the error. */
long pvh32_add_to_physmap(unsigned space, uint32_t idx, uint32_t gfn);
/* Maps shared_info at PVH32_GFN_SHARED_INFO and sets pvh32.sh; 0 or the
 * error (pvh32.sh stays NULL then). */
long pvh32_map_shared_info(void);
/* Guest system time (ns): vCPU 0's vcpu_time_info once shared_info is
 * mapped, else the TSC scaled by CPUID's TSC kHz. */
uint64_t pvh32_clock_ns(void);
/* pvh_shutdown() (pvh_common.h) under this library's name. */
static inline __attribute__((noreturn)) void pvh32_shutdown(unsigned reason) { pvh_shutdown(reason); }
static inline __attribute__((noreturn)) void pvh32_poweroff(void) { pvh32_shutdown(SHUTDOWN_poweroff); }

/* ---- paging (paging.c) ---- */
/* Builds the identity map of the build's mode and turns paging on; prints
 * each step.  Called by pvh32_start() before test_main(). */
void pvh32_paging_enable(void);
/* The physical address virtual address va maps to by walking the guest's
 * own tables as the build's mode defines them (identity: va), or ~0ull if
 * not present. */
uint64_t pvh32_translate(uint32_t va);
/* Maps the 4 KiB-aligned virtual page va to physical pa in the build's
 * mode by splitting nothing: only for va inside PVH32_ALIAS_BASE's one
 * large page, which the library keeps for aliases (PSE: 4 MiB, PAE: 2 MiB,
 * none: not available, returns false). */
#define PVH32_ALIAS_BASE 0xc0000000u
bool pvh32_alias_large(uint32_t pa_large);

static inline void mb(void) { asm volatile("lock; addl $0,(%%esp)" : : : "memory"); }

#endif
