/* bpf_build.h - compile a BPF C source at test time (clang-19, the same
 * flags the README gives), once per test process group: concurrent test
 * processes serialise on a lock file and the object is renamed into place,
 * so a reader never sees half of it.  Header-only. */
#ifndef BPFRT_TEST_BPF_BUILD_H
#define BPFRT_TEST_BPF_BUILD_H

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Compile src into outdir/<name>.o with extra clang flags (may be "");
 * returns the object's path (static storage, one per call site's name). */
static inline const char *test_bpf_build(const char *src, const char *outdir, const char *name, const char *extra)
{
    static __thread char obj[256];
    char cmd[2048], lock[300];
    int fd, rc;

    snprintf(cmd, sizeof(cmd), "mkdir -p %s", outdir);
    cr_assert_eq(system(cmd), 0, "mkdir %s", outdir);
    snprintf(lock, sizeof(lock), "%s/.lock", outdir);
    fd = open(lock, O_CREAT | O_RDWR, 0644);
    cr_assert(fd >= 0, "lock %s", lock);
    flock(fd, LOCK_EX);
    snprintf(obj, sizeof(obj), "%s/%s.o", outdir, name);
    snprintf(cmd, sizeof(cmd),
             "clang-19 -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu %s -c %s -o %s.tmp.$$ && "
             "mv %s.tmp.$$ %s",
             extra, src, obj, obj, obj);
    rc = system(cmd);
    flock(fd, LOCK_UN);
    close(fd);
    cr_assert_eq(rc, 0, "clang-19 %s failed", src);
    return obj;
}

/* test_bpf_build, skipped when outdir/<name>.o is newer than src (the
 * tests of one suite share the object instead of compiling it each). */
static inline const char *test_bpf_build_once(const char *src, const char *outdir, const char *name)
{
    static __thread char obj[256];
    struct stat ss, so;

    snprintf(obj, sizeof(obj), "%s/%s.o", outdir, name);
    if (!stat(src, &ss) && !stat(obj, &so) && so.st_mtime > ss.st_mtime)
        return obj;
    return test_bpf_build(src, outdir, name, "");
}

#endif
