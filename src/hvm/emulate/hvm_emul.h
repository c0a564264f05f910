/*
 * The emulator core (x86_emulate.h) bound to a running vCPU: its registers,
 * segments and control registers in, guest memory (through the guest's page
 * tables) and the MMIO devices as the memory callbacks.  Used for MMIO
 * (hvm/emulate/mmio.c) and the forced-emulation prefix (hvm/fep.c).
 */
#ifndef RV_HVM_EMULATE_HVM_EMUL_H
#define RV_HVM_EMULATE_HVM_EMUL_H

#include "hvm/vendor.h"
#include "hvm/emulate/x86_emulate.h"

struct vcpu;

/* The callbacks' state; lives on the caller's stack next to the context. */
struct hvm_emul_priv {
    struct vcpu *v;
};

/* Fills c (and *ctrl) from v's current state, with the guest-memory/MMIO
 * callbacks; c->mode is set so the callbacks can be used before emul_run. */
void hvm_emul_ctx_init(struct vcpu *v, struct emul_ctx *c, struct hvm_emul_priv *priv, struct hvm_ctrl *ctrl);

/* Applies emul_run's result to v: EMUL_OK commits the registers;
 * EMUL_EXCEPTION commits them (RIP on the faulting instruction), sets CR2
 * for a #PF and injects the fault.  Returns false for EMUL_UNHANDLEABLE,
 * with nothing applied (c->reason says why). */
bool hvm_emul_commit(struct vcpu *v, struct emul_ctx *c, enum emul_rc rc, struct hvm_ctrl *ctrl);

#endif
