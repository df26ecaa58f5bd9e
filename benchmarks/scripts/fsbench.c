/*
 * fsbench: the guest side of `scripts/bench virtiofs`. A tiny static program so that the probe
 * guest (busybox, no fio) times file I/O without a fork per request. Each run drops the guest's
 * page cache first, so every byte it reads crosses the shared-filesystem transport.
 *
 *   fsbench seq  FILE         read FILE once with 1 MiB reads
 *   fsbench rand FILE COUNT   COUNT 4 KiB preads at random 4 KiB-aligned offsets (fixed seed)
 *   fsbench meta DIR          stat every entry under DIR (nftw)
 *
 * Prints one line: op=... bytes=... ops=... ns=...
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void drop_caches(void) {
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "3", 1) != 1) {
            perror("drop_caches");
        }
        close(fd);
    }
}

static long entries;

static int visit(const char *path, const struct stat *st, int flag, struct FTW *f) {
    (void) path; (void) st; (void) flag; (void) f;
    entries++;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: fsbench seq FILE | rand FILE COUNT | meta DIR\n");
        return 2;
    }
    drop_caches();
    long long t0, t1, bytes = 0, ops = 0;
    if (strcmp(argv[1], "meta") == 0) {
        t0 = now_ns();
        if (nftw(argv[2], visit, 64, FTW_PHYS) != 0) {
            perror("nftw");
            return 1;
        }
        t1 = now_ns();
        ops = entries;
    } else {
        int fd = open(argv[2], O_RDONLY);
        if (fd < 0) {
            perror(argv[2]);
            return 1;
        }
        if (strcmp(argv[1], "seq") == 0) {
            static char buf[1 << 20];
            ssize_t n;
            t0 = now_ns();
            while ((n = read(fd, buf, sizeof buf)) > 0) {
                bytes += n;
                ops++;
            }
            t1 = now_ns();
            if (n < 0) {
                perror("read");
                return 1;
            }
        } else if (strcmp(argv[1], "rand") == 0 && argc > 3) {
            static char buf[4096];
            struct stat st;
            fstat(fd, &st);
            long long blocks = st.st_size / 4096, count = atoll(argv[3]);
            unsigned long long x = 88172645463325252ULL;
            t0 = now_ns();
            for (long long i = 0; i < count; i++) {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                if (pread(fd, buf, 4096, (off_t) (x % blocks) * 4096) != 4096) {
                    perror("pread");
                    return 1;
                }
                bytes += 4096;
                ops++;
            }
            t1 = now_ns();
        } else {
            fprintf(stderr, "fsbench: unknown mode %s\n", argv[1]);
            return 2;
        }
        close(fd);
    }
    printf("op=%s bytes=%lld ops=%lld ns=%lld\n", argv[1], bytes, ops, t1 - t0);
    return 0;
}
