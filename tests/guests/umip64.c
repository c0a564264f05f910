/*
 * umip64: umip.c's checks with test_main in 64-bit mode (10-byte SGDT/SIDT
 * stores, 16-byte LDT/TSS descriptors, 64-bit SMSW and MOV from CR).
 */
#include "umip.c"
