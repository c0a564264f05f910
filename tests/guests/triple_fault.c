/*
 * triple_fault: with an empty IDT, #UD cannot be delivered, nor the #DF that
 * follows: the CPU shuts down (Intel SDM vol. 3, 6.15, interrupt 8), which
 * for a guest means a shutdown with HVM_PARAM_TRIPLE_FAULT_REASON (guest-abi;
 * rv_expect = "reboot" with on_reboot = "destroy": a triple fault is a reboot
 * request, as under Xen).  Running on after it is the failure.
 */
#include "guest.h"

void test_main(void)
{
    static const struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } empty = { 0, 0 };

    hv_require();
    expect_domain_crash();
    printf("triple_fault: empty IDT, then UD2\n");
    uart_drain();
    asm volatile("lidt %0\n\tud2" : : "m"(empty) : "memory");
    idt_init();
    check(false, "triple-fault", "execution continued after UD2 with an empty IDT");
}
