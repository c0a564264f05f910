/*
 * pv32_lib: what the 32-bit PV test kernels (tests/guests/pv32) share:
 * the INT $0x82 hypercall, line output through console_io, check/report
 * in the format the ctests match ("PASS x", "0x.. passed, 0x.. failed"),
 * as ../pv/pv_lib does for the 64-bit kernels.  Xen's x86_32 ABI numbers
 * are written here (public xen.h facts), not taken from the hypervisor's
 * 64-bit headers.
 */
#ifndef PV32_LIB_H
#define PV32_LIB_H

#include <stdint.h>

#define VIRT_BASE 0xc0000000u

#define HC_set_trap_table       0
#define HC_mmu_update           1
#define HC_stack_switch         3
#define HC_set_callbacks        4
#define HC_update_descriptor    10
#define HC_memory_op            12
#define HC_update_va_mapping    14
#define HC_set_timer_op         15
#define HC_xen_version          17
#define HC_vm_assist            21
#define HC_console_io           18
#define HC_set_segment_base     25
#define HC_mmuext_op            26
#define HC_sched_op             29
#define HC_event_channel_op     32

#define SCHEDOP_block           1
#define SCHEDOP_shutdown        2
#define SHUTDOWN_poweroff       0
#define SHUTDOWN_crash          3
#define EVTCHNOP_bind_virq      1
#define VIRQ_TIMER              0
#define MMUEXT_PIN_L1_TABLE     0
#define MMUEXT_UNPIN_TABLE      4
#define MMUEXT_NEW_BASEPTR      5
#define UVMF_INVLPG             2

#define FLAT_RING1_CS           0xe019
#define FLAT_RING1_DS           0xe021

/* start_info as an x86_32 kernel gets it. */
struct start_info32 {
    char magic[32];
    uint32_t nr_pages, shared_info, flags, store_mfn, store_evtchn, console_mfn, console_evtchn;
    uint32_t pt_base, nr_pt_frames, mfn_list, mod_start, mod_len;
    char cmd_line[1024];
    uint32_t first_p2m_pfn, nr_p2m_frames;
};

struct trap_info32 { uint8_t vector, flags; uint16_t cs; uint32_t address; };
/* vcpu_guest_context as an x86_32 kernel passes it to VCPUOP_initialise
 * (Xen's public arch-x86/xen-x86_32.h layout, 2800 bytes). */
struct vcpu_guest_context32 {
    uint8_t fpu[512];
    uint32_t flags;
    uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
    uint16_t error_code, entry_vector;
    uint32_t eip;
    uint16_t cs;
    uint8_t mask, pad0;
    uint32_t eflags, esp;
    uint16_t ss, p1, es, p2, ds, p3, fs, p4, gs, p5;
    struct trap_info32 traps[256];
    uint32_t ldt_base, ldt_ents, gdt_frames[16], gdt_ents, kernel_ss, kernel_sp;
    uint32_t ctrlreg[8], debugreg[8];
    uint32_t event_cs, event_eip, failsafe_cs, failsafe_eip, vm_assist;
};
_Static_assert(sizeof(struct vcpu_guest_context32) == 2800, "x86_32 vcpu_guest_context");
struct mmu_update { uint64_t ptr, val; };
struct mmuext_op32 { uint32_t cmd, arg1, arg2; };

/* What pv32_entry.S's handlers record. */
extern uint32_t entry_esp, bp_count, bp_eip, bp_cs, bp_eflags;
extern uint32_t pf_count, pf_err, pf_eip, pf_cs, pf_resume;
extern uint32_t gp_count, gp_err, gp_eip, gp_cs, gp_resume;
extern uint32_t ev_count, ev_cs, ev_eflags, int80_count, ud_count;
void ud_entry(void);
extern uint32_t user_ret_esp, uexit_cs, uexit_esp, uexit_ss;
extern uint8_t user_code[], user_after_82[], user_code_end[];
void to_user(uint32_t eip, uint32_t esp);
void user_exit_entry(void);
void bad_iret(void) __attribute__((noreturn));
void vcpu1_entry(void);
void vcpu1_main(void) __attribute__((noreturn));
#define HC_vcpu_op              24
#define VCPUOP_initialise       0
#define VCPUOP_up               1
extern uint8_t hypercall_page[4096];
void bp_entry(void), pf_entry(void), gp_entry(void), ev_entry(void), int80_entry(void), failsafe_entry(void);
void pv32_main(const struct start_info32 *si);
/* The event callback's C part and vCPU 1's code: pv32_lib.c has weak
 * defaults (count the event; block for ever) that a kernel with its own
 * overrides by defining them. */
void ev_handler(void);
void pv32_unexpected(uint32_t what) __attribute__((noreturn));

long hc(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4);
/* The same through the hypercall page's stub for nr. */
long hc_page(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3);

void put(const char *s);
void put_hex(uint64_t v);
void flush(void);
/* Where flush sends a line when set (a kernel whose console ring is
 * already connected, pv32_grubbed); console_io otherwise. */
extern void (*pv32_line_out)(const char *s, unsigned n);
extern unsigned nr_pass, nr_fail;
void check(int ok, const char *name, const char *what, uint64_t got, uint64_t want);
/* set_trap_table with #UD -> ud_entry and #GP -> gp_entry (ring 1), checked
 * as "set-trap-table". */
void pv32_trap_ud_gp(void);
void pv32_finish(void) __attribute__((noreturn));
void shutdown(unsigned reason);
/* The machine frame of the kernel's page at va (VIRT_BASE and up), from
 * start_info's 4-byte p2m list. */
uint32_t pv32_mfn_of(const struct start_info32 *si, uint32_t va);

#endif
