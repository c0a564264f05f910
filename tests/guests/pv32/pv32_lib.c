/* pv32_lib (pv32_lib.h). */
#include "pv32_lib.h"

uint32_t entry_esp, bp_count, bp_eip, bp_cs, bp_eflags;
uint32_t pf_count, pf_err, pf_eip, pf_cs, pf_resume;
uint32_t gp_count, gp_err, gp_eip, gp_cs, gp_resume;
uint32_t ev_count, ev_cs, ev_eflags, int80_count, ud_count;
uint32_t user_ret_esp, uexit_cs, uexit_esp, uexit_ss;

long hc(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4)
{
    long ret;
    __asm__ __volatile__("int $0x82"
                         : "=a"(ret), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4)
                         : "a"(nr)
                         : "edi", "memory");
    return ret;
}

long hc_page(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3)
{
    long ret;
    uint32_t target = (uint32_t)hypercall_page + nr * 32;
    __asm__ __volatile__("call *%[t]"
                         : "=a"(ret), "+b"(a1), "+c"(a2), "+d"(a3)
                         : [t] "r"(target)
                         : "esi", "edi", "memory");
    return ret;
}

static char line[200];
static unsigned llen;

void put(const char *s)
{
    while (*s && llen < sizeof(line) - 1)
        line[llen++] = *s++;
}

void put_hex(uint64_t v)
{
    char b[19] = "0x";
    int n = 0;
    for (int i = 60; i >= 0; i -= 4)
        if ((v >> i) & 0xf || n || i == 0)
            b[2 + n++] = "0123456789abcdef"[(v >> i) & 0xf];
    b[2 + n] = 0;
    put(b);
}

void (*pv32_line_out)(const char *s, unsigned n);

void flush(void)
{
    line[llen++] = '\n';
    if (pv32_line_out)
        pv32_line_out(line, llen);
    else
        hc(HC_console_io, 0 /* CONSOLEIO_write */, llen, (uint32_t)line, 0);
    llen = 0;
}

unsigned nr_pass, nr_fail;

void check(int ok, const char *name, const char *what, uint64_t got, uint64_t want)
{
    if (ok) {
        nr_pass++;
        put("PASS ");
        put(name);
    } else {
        nr_fail++;
        put("FAIL ");
        put(name);
        put(": ");
        put(what);
        put(" got ");
        put_hex(got);
        put(" want ");
        put_hex(want);
    }
    flush();
}

void shutdown(unsigned reason)
{
    uint32_t r = reason;
    hc(HC_sched_op, SCHEDOP_shutdown, (uint32_t)&r, 0, 0);
}

void pv32_finish(void)
{
    put_hex(nr_pass);
    put(" passed, ");
    put_hex(nr_fail);
    put(" failed");
    flush();
    shutdown(nr_fail || !nr_pass ? SHUTDOWN_crash : SHUTDOWN_poweroff);
    for (;;)
        ;
}

void pv32_unexpected(uint32_t what)
{
    check(0, "unexpected", "callback", what, 0);
    shutdown(SHUTDOWN_crash);
    for (;;)
        ;
}

uint32_t pv32_mfn_of(const struct start_info32 *si, uint32_t va)
{
    return ((const uint32_t *)si->mfn_list)[(va - VIRT_BASE) >> 12];
}

/* Defaults for the kernels that need nothing more (pv32_lib.h). */
__attribute__((weak)) void ev_handler(void)
{
    ev_count++;
}

__attribute__((weak)) void vcpu1_main(void)
{
    for (;;)
        hc(HC_sched_op, SCHEDOP_block, 0, 0, 0);
}

void pv32_trap_ud_gp(void)
{
    static struct trap_info32 traps[] = {
        { 6, 0, FLAT_RING1_CS, 0 },
        { 13, 0, FLAT_RING1_CS, 0 },
        { 0, 0, 0, 0 },
    };
    traps[0].address = (uint32_t)ud_entry;
    traps[1].address = (uint32_t)gp_entry;
    check(hc(HC_set_trap_table, (uint32_t)traps, 0, 0, 0) == 0, "set-trap-table", "ret", 0, 0);
}
