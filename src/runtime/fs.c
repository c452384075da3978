/* fs.c - the state directory (the bpffs analogue).
 *
 * $BPFRT_FS, else /run/bpfrt for root, else $XDG_RUNTIME_DIR/bpfrt.  The
 * directory (and any missing parent) is created with mode 0700 the first
 * time it is asked for; the answer, success or failure, is computed once
 * per process (pthread_once), so set BPFRT_FS before the first call. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"

static pthread_once_t fs_once = PTHREAD_ONCE_INIT;
static char fs_path[PATH_MAX];
static const char *fs_dir;
static int fs_errno;

/* mkdir -p path, each created component mode 0700; the last must end up a
 * directory.  0 or an errno value. */
static int mkdir_p(char *path)
{
    size_t len = strlen(path);
    struct stat st;

    while (len > 1 && path[len - 1] == '/')
        path[--len] = 0;
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(path, 0700) && errno != EEXIST) {
            int e = errno;
            *p = '/';
            return e;
        }
        *p = '/';
    }
    if (mkdir(path, 0700) && errno != EEXIST)
        return errno;
    if (stat(path, &st))
        return errno;
    if (!S_ISDIR(st.st_mode))
        return ENOTDIR;
    return 0;
}

static void fs_init(void)
{
    const char *env = getenv("BPFRT_FS");
    int n;

    if (env && *env) {
        n = snprintf(fs_path, sizeof fs_path, "%s", env);
    } else if (geteuid() == 0) {
        n = snprintf(fs_path, sizeof fs_path, "/run/bpfrt");
    } else {
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        if (!xdg || !*xdg) {
            fs_errno = ENOENT;
            return;
        }
        n = snprintf(fs_path, sizeof fs_path, "%s/bpfrt", xdg);
    }
    if (n < 0 || (size_t)n >= sizeof fs_path) {
        fs_errno = ENAMETOOLONG;
        return;
    }
    fs_errno = mkdir_p(fs_path);
    if (!fs_errno)
        fs_dir = fs_path;
}

const char *bpfrt_fs_dir(void)
{
    pthread_once(&fs_once, fs_init);
    if (!fs_dir)
        errno = fs_errno;
    return fs_dir;
}
