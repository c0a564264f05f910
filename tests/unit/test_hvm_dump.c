/*
 * Host tests of the debug key 'd' text helpers (src/hvm/dump_fmt.c): the
 * mode named for each CR0/CR4/EFER/RFLAGS/CS combination a guest can be
 * in, event-injection words in the layout SVM and VMX share, and byte
 * dumps that never overrun.
 */
#include "hvm/dump_fmt.h"
#include "test.h"

#include <string.h>

#define PE      1ull
#define PG      (1ull << 31)
#define PSE     (1ull << 4)
#define PAE     (1ull << 5)
#define LME     (1ull << 8)
#define LMA     (1ull << 10)
#define VM      (1ull << 17)
#define CS_L    (1u << 9)
#define CS_D    (1u << 10)
#define CODE32  (0x9b | CS_D)
#define CODE64  (0x9b | CS_L)

static void test_modes(void)
{
    CHECK_STR(hvm_dump_mode(0x60000010, 0, 0, 2, 0x9b), "real");
    /* EFER.LME alone (paging still off) is not long mode yet. */
    CHECK_STR(hvm_dump_mode(PE, PAE, LME, 2, CODE32), "protected 32-bit, no paging");
    CHECK_STR(hvm_dump_mode(PE, 0, 0, 2, 0x9b), "protected 16-bit, no paging");
    CHECK_STR(hvm_dump_mode(PE | PG, 0, 0, 2, CODE32), "protected 32-bit, paging");
    CHECK_STR(hvm_dump_mode(PE | PG, PSE, 0, 2, CODE32), "protected 32-bit, paging+PSE");
    CHECK_STR(hvm_dump_mode(PE | PG, PAE | PSE, 0, 2, CODE32), "protected 32-bit, PAE paging");
    CHECK_STR(hvm_dump_mode(PE | PG, PAE, LME | LMA, 2, CODE64), "long 64-bit");
    CHECK_STR(hvm_dump_mode(PE | PG, PAE, LME | LMA, 2, CODE32), "long compat 32-bit");
    CHECK_STR(hvm_dump_mode(PE | PG, PAE, LME | LMA, 2, 0x9b), "long compat 16-bit");
    CHECK_STR(hvm_dump_mode(PE | PG, 0, 0, 2 | VM, 0xf3), "virtual-8086");
    /* RFLAGS.VM means nothing in long mode (the CPU ignores it there). */
    CHECK_STR(hvm_dump_mode(PE | PG, PAE, LME | LMA, 2 | VM, CODE64), "long 64-bit");
}

static void test_events(void)
{
    char buf[64];

    CHECK_EQ(hvm_dump_event(buf, sizeof(buf), 0), 4);
    CHECK_STR(buf, "none");
    hvm_dump_event(buf, sizeof(buf), 0x80000b0e);
    CHECK_STR(buf, "exception vector 14 with error code");
    hvm_dump_event(buf, sizeof(buf), 0x800000f3);
    CHECK_STR(buf, "extint vector 243");
    hvm_dump_event(buf, sizeof(buf), 0x80000202);
    CHECK_STR(buf, "nmi vector 2");
    /* Valid bit clear: nothing pending whatever the other bits say. */
    hvm_dump_event(buf, sizeof(buf), 0x00000b0e);
    CHECK_STR(buf, "none");
    char tiny[6];
    CHECK_EQ(hvm_dump_event(tiny, sizeof(tiny), 0x80000b0e), sizeof(tiny) - 1);
    CHECK_STR(tiny, "excep");
    CHECK_EQ(hvm_dump_event(tiny, 0, 0), 0);
}

static void test_hex(void)
{
    const uint8_t code[] = { 0xeb, 0xfe, 0x90, 0x0f, 0x01, 0xd9 };
    char buf[64], small[9];

    CHECK_EQ(hvm_dump_hex(buf, sizeof(buf), code, 6), 17);
    CHECK_STR(buf, "eb fe 90 0f 01 d9");
    CHECK_EQ(hvm_dump_hex(buf, sizeof(buf), code, 0), 0);
    CHECK_STR(buf, "");
    /* Only whole bytes fit: "eb fe 90" and its NUL fill 9; " 0f" would not. */
    memset(small, 'x', sizeof(small));
    CHECK_EQ(hvm_dump_hex(small, sizeof(small), code, 6), 8);
    CHECK_STR(small, "eb fe 90");
    CHECK_EQ(hvm_dump_hex(small, 8, code, 6), 5);
    CHECK_STR(small, "eb fe");
}

int main(void)
{
    RUN(test_modes);
    RUN(test_events);
    RUN(test_hex);
    return t_finish("unit_hvm_dump");
}
