/*
 * rv's xenstore side (tools/rv/rv_xs.c, rv_domu.c) against our daemon on a
 * temporary socket (no hypervisor: the daemon runs without --xen, so
 * INTRODUCE answers ENOSYS): the entries rv create writes for a new domain,
 * their owners (dom0 owns the directory and lets the domain read it; the
 * domain owns what it writes), names for rv list, error names mapped back,
 * and rv destroy's removal.
 *
 * Usage: unit_rv_xs PATH_TO_XENSTORED
 */
#include "test.h"
#include "rv_domu.h"
#include "rv_xs.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *rd(struct rv_xs *x, const char *path)
{
    static char buf[256];
    long n = rv_xs_read(x, path, buf, sizeof(buf));
    if (n < 0)
        snprintf(buf, sizeof(buf), "E%ld", -n);
    return buf;
}

static const char *perms(struct rv_xs *x, const char *path)
{
    static char buf[256];
    long n = rv_xs_get_perms(x, path, buf, sizeof(buf));
    if (n < 0)
        snprintf(buf, sizeof(buf), "E%ld", -n);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: unit_rv_xs PATH_TO_XENSTORED\n");
        return 2;
    }
    char dir[] = "/tmp/rv_xs_XXXXXX", sock[64];
    if (!mkdtemp(dir))
        return 1;
    snprintf(sock, sizeof(sock), "%s/socket", dir);
    pid_t pid = fork();
    if (pid == 0) {
        execl(argv[1], argv[1], "--socket", sock, (char *)NULL);
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 200 && stat(sock, &st); i++)
        usleep(20000);
    setenv("XENSTORED_PATH", sock, 1);
    struct rv_xs *x = rv_xs_open();
    CHECK(x != NULL);
    if (!x) {
        kill(pid, SIGTERM);
        return t_finish("unit_rv_xs");
    }

    struct rv_domu u = { .name = "pvh_hello", .ram_pages = 4096, .memory_kib = 16384, .vcpus = 2,
                         .console_gfn = 4096, .store_gfn = 4097, .console_port = 3, .store_port = 4 };
    char err[256] = "";
    CHECK_EQ(rv_xs_write(x, "/local/domain/5/stale", "from an earlier domain 5"), 0);
    CHECK_EQ(rv_domu_entries(x, 5, &u, err, sizeof(err)), 0);
    CHECK_STR(err, "");
    CHECK_STR(rd(x, "/local/domain/5/stale"), "E2");            /* a leftover is removed first */
    CHECK_STR(rd(x, "/local/domain/5/name"), "pvh_hello");
    CHECK_STR(rd(x, "/local/domain/5/domid"), "5");
    CHECK_STR(rd(x, "/local/domain/5/memory/target"), "16384");
    CHECK_STR(rd(x, "/local/domain/5/console/ring-ref"), "4096");
    CHECK_STR(rd(x, "/local/domain/5/console/port"), "3");
    CHECK_STR(rd(x, "/local/domain/5/console/type"), "xenconsoled");
    CHECK_STR(rd(x, "/local/domain/5/store/ring-ref"), "4097");
    CHECK_STR(rd(x, "/local/domain/5/store/port"), "4");
    CHECK_STR(rd(x, "/local/domain/5/cpu/1/availability"), "online");
    CHECK_STR(rd(x, "/local/domain/5/control/shutdown"), "");
    CHECK_STR(rd(x, "/local/domain/5/vm"), "/vm/00000000-0000-0000-0000-000000000005");
    CHECK_STR(rd(x, "/vm/00000000-0000-0000-0000-000000000005/name"), "pvh_hello");
    /* Owners: read-only for the domain where dom0 writes, its own where it writes. */
    CHECK_STR(perms(x, "/local/domain/5"), "n0,r5");
    CHECK_STR(perms(x, "/local/domain/5/name"), "n0,r5");
    CHECK_STR(perms(x, "/local/domain/5/store/port"), "n0,r5");
    CHECK_STR(perms(x, "/local/domain/5/control/shutdown"), "n5");
    CHECK_STR(perms(x, "/local/domain/5/data"), "n5");
    CHECK_STR(perms(x, "/local/domain/5/device"), "n5");

    char name[64];
    CHECK_EQ(rv_domu_name(5, name, sizeof(name)), 0);
    CHECK_STR(name, "pvh_hello");
    CHECK_EQ(rv_domu_name(6, name, sizeof(name)), -1);
    /* No hypervisor behind this daemon: INTRODUCE's error comes back by name. */
    CHECK_EQ(rv_xs_introduce(x, 5, 4097, 4), -ENOSYS);
    CHECK_EQ(rv_xs_release(x, 5), -ENOENT);

    rv_domu_forget(5);
    CHECK_STR(rd(x, "/local/domain/5"), "E2");
    CHECK_STR(rd(x, "/vm/00000000-0000-0000-0000-000000000005"), "E2");
    CHECK_STR(rd(x, "/local/domain"), "");                       /* the parent stays */

    rv_xs_close(x);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);       /* clean exit, no sanitizer report */
    unlink(sock);
    rmdir(dir);
    return t_finish("unit_rv_xs");
}
