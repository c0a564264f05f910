/*
 * emul_exc64: emul_exc.c's checks with test_main in 64-bit mode: INTO is
 * #UD, IDT gates are 16 bytes, and the memory checks use non-canonical
 * addresses instead of segment limits.
 */
#include "emul_exc.c"
