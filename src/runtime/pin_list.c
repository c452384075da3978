/* pin_list.c - the pins under the state directory, for `prog show` /
 * `map show` without an object and for embedders: there is no list of
 * every program or map in user space (no kernel keeps one), so a listing
 * walks the state directory (recursively, in path order, as bpffs is a
 * tree) and keeps every regular file whose first 8 bytes are the magic of
 * the pin format asked for; hard links to one file are one pin with
 * several paths (a program or map pinned twice, as `bpftool prog show`
 * lists every path of a pinned program). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "../common/log.h"
#include "../common/opts.h"
#include "../maps/map.h"
#include "prog_pin.h"

struct pin_file {
    char *path;
    dev_t dev;
    ino_t ino;
};

struct pin_walk {
    const char *magic;
    struct pin_file *files;
    size_t n, cap;
};

static int has_magic(const char *path, const char *magic)
{
    char buf[8];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ssize_t n;

    if (fd < 0)
        return 0;
    n = pread(fd, buf, sizeof(buf), 0);
    close(fd);
    return n == (ssize_t)sizeof(buf) && !memcmp(buf, magic, sizeof(buf));
}

static int walk(struct pin_walk *w, const char *dir, int depth)
{
    struct dirent **ents = NULL;
    int n, err = 0;

    if (depth > 32)
        return 0;
    n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0)
        return depth ? 0 : -errno; /* a subdirectory that went away or is unreadable: skipped */
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        struct stat st;
        char *path;

        if (err || !strcmp(name, ".") || !strcmp(name, "..") || asprintf(&path, "%s/%s", dir, name) < 0) {
            free(ents[i]);
            continue;
        }
        if (lstat(path, &st)) {
            free(path);
        } else if (S_ISDIR(st.st_mode)) {
            err = walk(w, path, depth + 1);
            free(path);
        } else if (S_ISREG(st.st_mode) && has_magic(path, w->magic)) {
            if (w->n == w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 16;
                struct pin_file *f = realloc(w->files, cap * sizeof(*f));
                if (!f) {
                    free(path);
                    err = -ENOMEM;
                    free(ents[i]);
                    continue;
                }
                w->files = f;
                w->cap = cap;
            }
            w->files[w->n++] = (struct pin_file){path, st.st_dev, st.st_ino};
        } else {
            free(path);
        }
        free(ents[i]);
    }
    free(ents);
    return err;
}

int bpfrt_pin_list(enum bpfrt_pin_kind kind, const struct bpfrt_pin_opts *opts, struct bpfrt_pin_entry **pinsp,
                   size_t *np)
{
    char *log = CM_OPT(opts, log_buf, NULL);
    size_t logsz = CM_OPT(opts, log_size, 0);
    struct pin_walk w = {0};
    struct bpfrt_pin_entry *pins = NULL;
    size_t *first = NULL; /* the file of each group, in w.files */
    const char *dir = bpfrt_fs_dir();
    size_t n = 0;
    int err;

    if (!pinsp || !np)
        return cm_log(log, logsz, -EINVAL, "no result pointers");
    *pinsp = NULL;
    *np = 0;
    if (kind == BPFRT_PIN_PROG)
        w.magic = prog_pin_file_magic();
    else if (kind == BPFRT_PIN_MAP)
        w.magic = map_pin_file_magic();
    else
        return cm_log(log, logsz, -EINVAL, "unknown kind of pin %d", (int)kind);
    if (!dir)
        return cm_log(log, logsz, -errno, "no state directory: %s", strerror(errno));
    err = walk(&w, dir, 0);
    if (!err && w.n && (!(pins = calloc(w.n, sizeof(*pins))) || !(first = calloc(w.n, sizeof(*first)))))
        err = -ENOMEM;
    for (size_t i = 0; !err && i < w.n; i++) {
        size_t k;
        char **p;

        for (k = 0; k < n; k++) /* the same file under another name (a hard link) */
            if (w.files[first[k]].dev == w.files[i].dev && w.files[first[k]].ino == w.files[i].ino)
                break;
        if (k == n)
            first[n++] = i;
        p = realloc(pins[k].paths, (pins[k].nr_paths + 1) * sizeof(*p));
        if (!p) {
            err = -ENOMEM;
            break;
        }
        pins[k].paths = p;
        p[pins[k].nr_paths++] = w.files[i].path;
        w.files[i].path = NULL;
    }
    for (size_t i = 0; i < w.n; i++)
        free(w.files[i].path);
    free(w.files);
    free(first);
    if (err) {
        bpfrt_pin_list_free(pins, n);
        return cm_log(log, logsz, err, "cannot list the pins under '%s': %s", dir, strerror(-err));
    }
    *pinsp = pins;
    *np = n;
    return 0;
}

void bpfrt_pin_list_free(struct bpfrt_pin_entry *pins, size_t n)
{
    for (size_t i = 0; pins && i < n; i++) {
        for (size_t k = 0; k < pins[i].nr_paths; k++)
            free(pins[i].paths[k]);
        free(pins[i].paths);
    }
    free(pins);
}
