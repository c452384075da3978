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
#include "log.h"
#include "fs.h"

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

/* realpath() of dir, or of its longest existing ancestor with the missing
 * components appended (they cannot be links, not existing; ".." among
 * them is refused: it would be resolved against a directory that is not
 * there).  0 or an errno value. */
static int resolve_dir(const char *dir, char out[PATH_MAX])
{
    char tmp[PATH_MAX], tail[PATH_MAX] = "";
    char *slash;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s", dir) >= sizeof(tmp))
        return ENAMETOOLONG;
    for (;;) {
        if (realpath(tmp, out)) {
            size_t len = strlen(out);
            if (tail[0] && (size_t)snprintf(out + len, PATH_MAX - len, "%s%s", len > 1 ? "/" : "", tail) >=
                               PATH_MAX - len)
                return ENAMETOOLONG;
            return 0;
        }
        if (errno != ENOENT && errno != ENOTDIR)
            return errno;
        slash = strrchr(tmp, '/');
        while (slash && slash > tmp && slash[1] == 0) { /* "a/b/" */
            *slash = 0;
            slash = strrchr(tmp, '/');
        }
        {
            const char *comp = slash ? slash + 1 : tmp;
            char t2[PATH_MAX];
            if (!strcmp(comp, ".."))
                return EPERM;
            if ((size_t)snprintf(t2, sizeof(t2), "%s%s%s", comp, tail[0] ? "/" : "", tail) >= sizeof(t2))
                return ENAMETOOLONG;
            memcpy(tail, t2, sizeof(tail));
        }
        if (!slash)
            snprintf(tmp, sizeof(tmp), ".");
        else if (slash == tmp)
            snprintf(tmp, sizeof(tmp), "/");
        else
            *slash = 0;
    }
}

int cm_pin_path_check(const char *path, char *log, size_t logsz)
{
    const char *dir = bpfrt_fs_dir(), *base;
    char state[PATH_MAX], parent[PATH_MAX], where[PATH_MAX];
    size_t plen;
    int e;

    if (!dir) {
        e = errno ? errno : ENOENT;
        return cm_log(log, logsz, -e, "cannot pin at '%s': there is no state directory: %s (set BPFRT_FS)", path,
                          strerror(e));
    }
    if (!path || !*path)
        return cm_log(log, logsz, -EINVAL, "cannot pin: no path");
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return cm_log(log, logsz, -EINVAL, "cannot pin at '%s': the path names no file", path);
    plen = (size_t)(base - path);
    if (plen >= sizeof(parent))
        return cm_log(log, logsz, -ENAMETOOLONG, "cannot pin at '%s': path too long", path);
    if (!plen)
        snprintf(parent, sizeof(parent), ".");
    else if (plen == 1)
        snprintf(parent, sizeof(parent), "/");
    else
        snprintf(parent, sizeof(parent), "%.*s", (int)(plen - 1), path);
    if (!realpath(dir, state))
        return cm_log(log, logsz, -errno, "cannot pin at '%s': state directory '%s': %s", path, dir,
                          strerror(errno));
    e = resolve_dir(parent, where);
    if (e && e != EPERM)
        return cm_log(log, logsz, -e, "cannot pin at '%s': %s", path, strerror(e));
    plen = strlen(state);
    if (e || strncmp(where, state, plen) || (where[plen] != 0 && where[plen] != '/' && strcmp(state, "/")))
        return cm_log(log, logsz, -EPERM,
                          "cannot pin at '%s': it is outside the state directory '%s' (pins live under it, as the "
                          "kernel's live in bpffs; set BPFRT_FS to choose another)",
                          path, dir);
    return 0;
}
