/*
 * console_io: CONSOLEIO_write copies the guest's buffer to the hypervisor
 * console, where it appears with the domain's name like UART output.
 * Ringvisor returns the number of bytes written (NB: Xen itself returns 0).
 * Half lines through console_io and the UART in turn stay separate lines.
 */
#include "guest.h"
#include "public/xen.h"
#include "lib/errno.h"

static char long_line[300];

void test_main(void)
{
    static const char msg[] = "console_io: hello through CONSOLEIO_write\n";
    long rc;

    if (!hv_require())
        return;
    rc = hv_console_write(msg, sizeof(msg) - 1);
    check(rc == (long)sizeof(msg) - 1, "write", "CONSOLEIO_write of %zu bytes returned %ld", sizeof(msg) - 1, rc);

    rc = hv_console_write(msg, 0);
    check(rc == 0, "write-empty", "CONSOLEIO_write of 0 bytes returned %ld", rc);

    /* Longer than any small bounce buffer the hypervisor might copy through. */
    static const char head[] = "console_io: long line ";
    memcpy(long_line, head, sizeof(head) - 1);
    for (unsigned i = sizeof(head) - 1; i < sizeof(long_line) - 1; i++)
        long_line[i] = (char)('a' + i % 26);
    long_line[sizeof(long_line) - 1] = '\n';
    rc = hv_console_write(long_line, sizeof(long_line));
    check(rc == (long)sizeof(long_line), "write-long", "CONSOLEIO_write of %zu bytes returned %ld",
          sizeof(long_line), rc);

    /* Two sources, halves interleaved: console_io and the UART have their
     * own line buffers, so each line is shown whole (the console_mix test
     * in tests/integration counts them in rv-run's output). */
    static const char h1[] = "console-mix: cio first half, ", h2[] = "cio second half\n";
    long r1 = hv_console_write(h1, sizeof(h1) - 1);
    for (const char *p = "console-mix: uart first half, "; *p; p++)
        uart_putc(*p);
    long r2 = hv_console_write(h2, sizeof(h2) - 1);
    for (const char *p = "uart second half\n"; *p; p++)
        uart_putc(*p);
    check(r1 == (long)sizeof(h1) - 1 && r2 == (long)sizeof(h2) - 1, "write-halves", "%ld, %ld", r1, r2);

    rc = hypercall(__HYPERVISOR_console_io, 7, sizeof(msg) - 1, (uintptr_t)msg, 0, 0);
    check(rc == -ENOSYS, "unknown-subop", "console_io sub-op 7 returned %ld, expected -ENOSYS (%d)", rc, -ENOSYS);
}
