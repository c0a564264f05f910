/*
 * pv_lib: the helpers every PV test kernel shares (see pv_lib.h for why
 * they live here).  Compiled twice: pv_lib.o with SYSCALL hypercalls and
 * pv_lib_hcpage.o (-DPV_HCPAGE) calling through the hypercall page, for
 * pv_boot_hcpage.
 */
#include "pv_lib.h"

uint64_t entry_rsp;
uint64_t bp_count, bp_rip, bp_cs, bp_rflags, bp_rcx, bp_r11;
uint64_t pf_count, pf_err, pf_rip, pf_resume;
uint64_t ev_count, ev_cs, ev_rflags;
uint64_t gp_count, gp_err, gp_resume, int80_count, int80_rip;

#ifdef PV_HCPAGE
extern uint8_t hypercall_page[4096];   /* pv_boot_notes.S */
#endif

long hc(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    register uint64_t r10 __asm__("r10") = a4;
    register uint64_t r8 __asm__("r8") = 0;
    long ret;
#ifdef PV_HCPAGE
    /* Through the page's stub for nr (it saves RCX/R11 around SYSCALL). */
    register uint64_t target __asm__("rax") = (uint64_t)hypercall_page + nr * 32;
    __asm__ __volatile__("call *%%rax"
                         : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                         : "r"(target)
                         : "rcx", "r11", "memory");
#else
    __asm__ __volatile__("syscall"
                         : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                         : "a"(nr)
                         : "rcx", "r11", "memory");
#endif
    return ret;
}

static char line[200];
static unsigned llen;
void (*pv_line_out)(const char *s, unsigned n);

void put(const char *s)
{
    /* Truncates rather than overflows: the newline always fits. */
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

void flush(void)
{
    line[llen++] = '\n';
    if (pv_line_out)
        pv_line_out(line, llen);
    else
        hc(__HYPERVISOR_console_io, CONSOLEIO_write, llen, (uint64_t)line, 0);
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

void pv_report(void)
{
    put_hex(nr_pass);
    put(" passed, ");
    put_hex(nr_fail);
    put(" failed");
    flush();
}

void pv_finish(void)
{
    pv_report();
    /* No check run counts as a failure too: a kernel that skipped them all
     * must not pass. */
    shutdown(nr_fail || !nr_pass ? SHUTDOWN_crash : SHUTDOWN_poweroff);
    for (;;)
        ;
}

void shutdown(unsigned reason)
{
    struct sched_shutdown s = { .reason = reason };
    hc(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uint64_t)&s, 0, 0);
}

void pv_unexpected(uint64_t vec, uint64_t rip)
{
    check(0, "exception", "unexpected vector at rip", rip, vec);
    shutdown(SHUTDOWN_crash);
    for (;;)
        ;
}

long mmu1(uint64_t ptr, uint64_t val)
{
    struct mmu_update u = { ptr, val };
    return hc(__HYPERVISOR_mmu_update, (uint64_t)&u, 1, 0, DOMID_SELF);
}

long ext1(uint32_t cmd, uint64_t arg1, uint64_t arg2)
{
    struct mmuext_op op = { cmd, 0, arg1, arg2 };
    return hc(__HYPERVISOR_mmuext_op, (uint64_t)&op, 1, 0, DOMID_SELF);
}

int try_read(uint64_t va, uint64_t *out)
{
    uint64_t before = pf_count, v = 0;
    __asm__ __volatile__("lea 1f(%%rip), %%rax\n mov %%rax, pf_resume(%%rip)\n"
                         "mov (%1), %0\n"
                         "1:\n" : "+r"(v) : "r"(va) : "rax", "memory");
    *out = v;
    return pf_count == before;
}
