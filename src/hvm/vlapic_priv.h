/*
 * The virtual local APIC's state, shared by hvm/vlapic.c (registers, timer,
 * delivery) and hvm/vlapic_err.c (error reporting: the ESR and the LVT
 * Error entry).  Private to those files.
 */
#ifndef RV_HVM_VLAPIC_PRIV_H
#define RV_HVM_VLAPIC_PRIV_H

#include "core/spinlock.h"
#include "core/timer.h"

#define APIC_BASE_BSP       (1ull << 8)
#define APIC_BASE_EXTD      (1ull << 10)    /* x2APIC mode */
#define APIC_BASE_EN        (1ull << 11)
#define APIC_VERSION        0x00050014u     /* integrated APIC, 6 LVT entries (max index 5) */

/* Register offsets (xAPIC MMIO). */
#define R_ID        0x020
#define R_VER       0x030
#define R_TPR       0x080
#define R_APR       0x090
#define R_PPR       0x0a0
#define R_EOI       0x0b0
#define R_RRD       0x0c0
#define R_LDR       0x0d0
#define R_DFR       0x0e0
#define R_SVR       0x0f0
#define R_ISR       0x100
#define R_TMR       0x180
#define R_IRR       0x200
#define R_ESR       0x280
#define R_LVT_CMCI  0x2f0
#define R_ICR_LO    0x300
#define R_ICR_HI    0x310
#define R_LVT_TIMER 0x320
#define R_LVT_THERM 0x330
#define R_LVT_PERF  0x340
#define R_LVT_LINT0 0x350
#define R_LVT_LINT1 0x360
#define R_LVT_ERR   0x370
#define R_TMICT     0x380
#define R_TMCCT     0x390
#define R_TDCR      0x3e0
#define R_SELF_IPI  0x3f0   /* x2APIC only */

#define LVT_MASKED      (1u << 16)
#define LVT_LEVEL       (1u << 15)
#define LVT_TIMER_MODE(x) (((x) >> 17) & 3)     /* 0 one-shot, 1 periodic, 2 TSC-deadline */
#define SVR_ENABLE      (1u << 8)

/* Lock order: a vlapic's lock is a leaf (nothing is called with it held
 * that takes another lock, except the timer's queue lock in timer_set). */
struct vlapic {
    spinlock_t lock;
    struct vcpu *v;                 /* (i) */
    uint64_t apic_base;             /* (lock) MSR 0x1b */
    uint32_t id;                    /* (i) = vCPU number */
    uint32_t tpr, ldr, dfr, svr, icr_hi;
    uint32_t esr;                   /* (lock) the readable ESR: latched at the last write to it */
    uint32_t esr_pending;           /* (lock) errors collected since that write */
    uint32_t lvt[7];                /* timer, thermal, perf, LINT0, LINT1, error, CMCI */
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t tmict, tdcr;
    uint64_t timer_start_ns;        /* (lock) when the current count started */
    uint64_t timer_deadline_ns;     /* (lock) next expiry, 0 = stopped */
    uint64_t tsc_deadline;          /* (lock) IA32_TSC_DEADLINE as the guest wrote it */
    struct timer timer;
    bool nmi_pending;               /* (lock) */
    bool wait_sipi;                 /* (lock) AP after INIT: only SIPI wakes it */
    bool sipi_pending;              /* (lock) a SIPI arrived: the AP starts at sipi_vector */
    uint8_t sipi_vector;            /* (lock) */
};

enum { LVT_TIMER, LVT_THERM, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERR, LVT_CMCI };

static inline void set_bit256(uint32_t *bm, unsigned n) { bm[n / 32] |= 1u << (n % 32); }
static inline void clr_bit256(uint32_t *bm, unsigned n) { bm[n / 32] &= ~(1u << (n % 32)); }
static inline bool test_bit256(const uint32_t *bm, unsigned n) { return bm[n / 32] & (1u << (n % 32)); }

/* ESR bits (SDM vol. 3A 11.5.3). */
#define ESR_SEND_ILLEGAL    (1u << 5)
#define ESR_RECV_ILLEGAL    (1u << 6)
#define ESR_ILLEGAL_REG     (1u << 7)

/* vlapic_err.c; the caller holds a->lock. */
/* Records errors; true when the LVT Error entry put a vector in IRR (the
 * caller kicks the vCPU once the lock is dropped). */
bool vlapic_error(struct vlapic *a, uint32_t bits);
/* A write to the ESR: latches what was collected since the last write. */
void vlapic_esr_write(struct vlapic *a);
/* Whether an xAPIC register offset (a multiple of 16) is reserved. */
bool vlapic_xapic_reserved(unsigned reg);

#endif
