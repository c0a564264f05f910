/*
 * pf-loop: a page-fault-heavy loop run inside a Linux guest by rv-bench's
 * shadow-pager figures (tools/rvlib/linuxbench.py, docs/shadow.md).  ROUNDS
 * times: map PAGES fresh anonymous pages, write a byte into each (one page
 * fault each), read them all back, unmap them (a TLB flush).  The bytes read
 * back are summed against the sum they must give, so a page that was not
 * really mapped, or mapped to the wrong frame, fails the run instead of
 * timing it.  Prints the guest's own monotonic time for the whole loop.
 *
 * Built static (the test initramfs has no C library): tools/linux-assets
 * copies it in as /bin/pf-loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 200, pages = argc > 2 ? atol(argv[2]) : 256;
    long psz = sysconf(_SC_PAGESIZE);
    unsigned long got = 0, want = 0;
    struct timespec t0, t1;

    if (rounds <= 0 || rounds > 1000000 || pages <= 0 || pages > 65536 || psz <= 0) {
        fprintf(stderr, "usage: pf-loop ROUNDS(1..1000000) PAGES(1..65536)\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long r = 0; r < rounds; r++) {
        unsigned char *p = mmap(NULL, (size_t)(pages * psz), PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("pf-loop: mmap");
            return 1;
        }
        for (long i = 0; i < pages; i++) {
            unsigned char b = (unsigned char)(i * 7 + r + 1);
            p[i * psz] = b;
            want += b;
        }
        for (long i = 0; i < pages; i++)
            got += p[i * psz];
        if (munmap(p, (size_t)(pages * psz)) != 0) {
            perror("pf-loop: munmap");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (got != want) {
        printf("pf-loop: FAIL: read back %lu, wrote %lu\n", got, want);
        return 1;
    }
    printf("mmap/touch/munmap: %ld x %ld pages in %.2f s\n", rounds, pages, secs);
    return 0;
}
