#ifndef RV_HVM_HVM_H
#define RV_HVM_HVM_H
struct vcpu;
void hvm_vcpu_kick(struct vcpu *v);
#endif
