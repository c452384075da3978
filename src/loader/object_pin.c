/* object_pin.c - pin the programs and maps of a loaded object, all or
 * nothing: bpftool's `prog loadall OBJ DIR [pinmaps DIR]` and `prog load
 * OBJ PATH` (libbpf's bpf_object__pin_programs / __pin_maps).  A call
 * that fails takes back what it created (pins, directories, the maps a
 * program pin put under <state dir>/maps/) and leaves what was there
 * before untouched; the log names the program or map, the path and the
 * reason. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/opts.h"
#include "loader.h"
#include "runtime/prog_pin.h"

/* What one call created, in order. */
struct undo {
    char **dirs;
    size_t ndirs;
    struct bpfrt_map **maps; /* pinned by this call: unpinned again */
    size_t nmaps;
    char **files; /* program pins */
    size_t nfiles;
    struct bpfrt_prog **plans; /* pins planned (prog_pin_plan): dropped again */
    size_t nplans;
    int oom;
};

static void push(void ***list, size_t *n, void *v, struct undo *u)
{
    void **nl = realloc(*list, (*n + 1) * sizeof(*nl));

    if (!nl || !v) {
        u->oom = 1;
        if (nl)
            *list = nl;
        return;
    }
    *list = nl;
    nl[(*n)++] = v;
}

static void undo_dir(struct undo *u, const char *p)
{
    push((void ***)&u->dirs, &u->ndirs, strdup(p), u);
}

static void undo_map(struct undo *u, struct bpfrt_map *m)
{
    push((void ***)&u->maps, &u->nmaps, m, u);
}

static void undo_file(struct undo *u, const char *p)
{
    push((void ***)&u->files, &u->nfiles, strdup(p), u);
}

/* Plan prog's pin at path (a prog array pinned before it refers to it). */
static int plan(struct undo *u, struct bpfrt_prog *prog, const char *path)
{
    if (prog_pin_path(prog))
        return 0;
    if (prog_pin_plan(prog, path))
        return -ENOMEM;
    push((void ***)&u->plans, &u->nplans, prog, u);
    return 0;
}

/* Pins first (newest first), then the directories made for them. */
static void undo_end(struct undo *u, int roll_back)
{
    while (u->nfiles) {
        char *f = u->files[--u->nfiles];
        if (roll_back)
            unlink(f);
        free(f);
    }
    while (u->nmaps) {
        struct bpfrt_map *m = u->maps[--u->nmaps];
        if (roll_back)
            bpfrt_map__unpin(m);
    }
    while (u->ndirs) {
        char *d = u->dirs[--u->ndirs];
        if (roll_back)
            rmdir(d);
        free(d);
    }
    while (u->nplans) {
        struct bpfrt_prog *p = u->plans[--u->nplans];
        if (roll_back)
            prog_pin_plan(p, NULL); /* its pin is gone: the plan goes */
    }
    free(u->plans);
    free(u->files);
    free(u->maps);
    free(u->dirs);
}

/* mkdir -p dir (mode 0700, as the state directory), recording what it
 * creates; refused outside the state directory before anything is made. */
static int make_dirs(const char *dir, struct undo *u, char *log, size_t logsz)
{
    char p[PATH_MAX];
    struct stat st;
    size_t len;
    int err;

    if ((size_t)snprintf(p, sizeof(p), "%s/x", dir) >= sizeof(p))
        return cm_log(log, logsz, -ENAMETOOLONG, "'%s': path too long", dir);
    /* a file in dir must be a legal pin: dir lies under the state directory */
    err = cm_pin_path_check(p, log, logsz);
    if (err) {
        if (err == -EPERM)
            cm_log(log, logsz, err,
                       "cannot pin under '%s': it is outside the state directory '%s' (pins live under it, as the "
                       "kernel's live in bpffs; set BPFRT_FS to choose another)",
                       dir, bpfrt_fs_dir());
        return err;
    }
    snprintf(p, sizeof(p), "%s", dir);
    len = strlen(p);
    while (len > 1 && p[len - 1] == '/')
        p[--len] = 0;
    for (char *c = p + 1;; c++) {
        if (*c && *c != '/')
            continue;
        char save = *c;
        *c = 0;
        if (mkdir(p, 0700) == 0)
            undo_dir(u, p);
        else if (errno != EEXIST)
            return cm_log(log, logsz, -errno, "cannot create directory '%s': %s", p, strerror(errno));
        *c = save;
        if (!save)
            break;
    }
    if (stat(p, &st) || !S_ISDIR(st.st_mode))
        return cm_log(log, logsz, -ENOTDIR, "'%s' is not a directory", p);
    return 0;
}

static int holds_refs(const struct bpfrt_map *m)
{
    enum bpf_map_type t = bpfrt_map__type(m);
    return t == BPF_MAP_TYPE_PROG_ARRAY || t == BPF_MAP_TYPE_ARRAY_OF_MAPS || t == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/* The loaded programs of obj that its prog arrays hold and that are not
 * among progs and not pinned: their pins are planned under <state
 * dir>/progs/<name>.<pid>.<id> (so that the arrays can refer to them) and
 * they go to *extra, to be pinned with the others. */
static int plan_extras(struct bpfrt_object *obj, struct bpfrt_program *const *progs, size_t nprogs,
                       struct bpfrt_program ***extra, size_t *nextra, struct undo *u, char *log, size_t logsz)
{
    char sub[PATH_MAX], path[PATH_MAX];
    const char *fs = NULL;
    int err;

    *extra = NULL;
    *nextra = 0;
    for (size_t i = 0; i < obj->nr_maps; i++) {
        struct bpfrt_map *m = obj->maps[i].map;
        if (!m || bpfrt_map__type(m) != BPF_MAP_TYPE_PROG_ARRAY)
            continue;
        for (uint32_t key = 0; key < bpfrt_map__max_entries(m); key++) {
            uint32_t id;
            struct bpfrt_program *p = NULL;
            int given = 0;
            if (bpfrt_map__lookup_elem(m, &key, 4, &id, 4, 0))
                continue;
            for (size_t k = 0; k < obj->nr_progs && !p; k++)
                if (obj->progs[k].prog && bpfrt_prog__id(obj->progs[k].prog) == id)
                    p = &obj->progs[k];
            if (!p || prog_pin_path(p->prog))
                continue; /* another object's: the array's pin names it, or says it is not pinned */
            for (size_t k = 0; k < nprogs; k++)
                given |= progs[k] == p;
            for (size_t k = 0; k < *nextra; k++)
                given |= (*extra)[k] == p;
            if (given)
                continue;
            if (!fs) {
                if (!(fs = bpfrt_fs_dir()))
                    return cm_log(log, logsz, -errno, "no state directory for program '%s' of prog array '%s': %s",
                                  p->name, bpfrt_map__name(m), strerror(errno));
                snprintf(sub, sizeof(sub), "%s/progs", fs);
                if ((err = make_dirs(sub, u, log, logsz)))
                    return err;
            }
            if ((size_t)snprintf(path, sizeof(path), "%s/%s.%ld.%u", sub, p->name, (long)getpid(), id) >=
                sizeof(path))
                return cm_log(log, logsz, -ENAMETOOLONG, "'%s/%s': path too long", sub, p->name);
            struct bpfrt_program **nx = realloc(*extra, (*nextra + 1) * sizeof(*nx));
            if (!nx || plan(u, p->prog, path))
                return cm_log(log, logsz, -ENOMEM, "out of memory");
            *extra = nx;
            nx[(*nextra)++] = p;
        }
    }
    return 0;
}

static int prog_uses(const struct bpfrt_prog *prog, const struct bpfrt_map *m)
{
    unsigned n;
    struct bpfrt_map *const *maps = prog ? prog_used_maps(prog, &n) : NULL;

    for (unsigned k = 0; maps && k < n; k++)
        if (maps[k] == m)
            return 1;
    return 0;
}

/* Every map of obj not pinned yet at dir/<map name> (bpftool's pinmaps,
 * libbpf's bpf_object__pin_maps), the arrays that refer to pins last.  A
 * map that cannot be pinned (a hash of maps; an array holding a program
 * that is not pinned nor planned) is left out when none of progs uses it,
 * with a note in the log; when one does, that is an error naming the map. */
static int pin_maps(struct bpfrt_object *obj, struct bpfrt_program *const *progs, size_t nprogs, const char *dir,
                    struct undo *u, char *log, size_t logsz)
{
    char abs[PATH_MAX], path[PATH_MAX], note[1024];
    struct bpfrt_map *m = NULL;
    int err;

    err = make_dirs(dir, u, log, logsz);
    if (err)
        return err;
    /* absolute, so that the pinned programs find their maps from anywhere */
    if (!realpath(dir, abs))
        return cm_log(log, logsz, -errno, "'%s': %s", dir, strerror(errno));
    note[0] = 0;
    /* maps first, then the arrays that refer to maps and programs by
     * their pins (an inner map pinned here, not under the state dir) */
    for (int pass = 0; pass < 2; pass++, m = NULL)
    while ((m = bpfrt_object__next_map(obj, m))) {
        int used = 0;
        if (bpfrt_map__pin_path(m) || holds_refs(m) != pass)
            continue;
        for (size_t k = 0; k < nprogs; k++)
            used |= prog_uses(bpfrt_program__prog(progs[k]), m);
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", abs, bpfrt_map__name(m)) >= sizeof(path))
            return cm_log(log, logsz, -ENAMETOOLONG, "'%s/%s': path too long", abs, bpfrt_map__name(m));
        err = bpfrt_map__pin(m, path);
        if (!err) {
            undo_map(u, m);
            continue;
        }
        if (err == -EEXIST)
            return cm_log(log, logsz, err, "cannot pin map '%s': '%s' exists", bpfrt_map__name(m), path);
        if (!used) {
            cm_log_append(note, sizeof(note), "map '%s' not pinned (no pinned program uses it): %s\n",
                              bpfrt_map__name(m), bpfrt_pin_error()[0] ? bpfrt_pin_error() : strerror(-err));
            continue;
        }
        /* the pin's own message already reads "cannot pin map 'x' at 'P': why" */
        if (!strncmp(bpfrt_pin_error(), "cannot pin ", 11))
            return cm_log(log, logsz, err, "%s", bpfrt_pin_error());
        return cm_log(log, logsz, err, "cannot pin map '%s' at '%s': %s", bpfrt_map__name(m), path,
                      bpfrt_pin_error()[0] ? bpfrt_pin_error() : strerror(-err));
    }
    cm_log_append(log, logsz, "%s", note);
    return 0;
}

/* The absolute form of a pin path, its directory resolved (it exists). */
static int abs_target(const char *p, char *out, size_t sz)
{
    char d[PATH_MAX], rd[PATH_MAX];
    const char *slash = strrchr(p, '/');

    if (!slash)
        snprintf(d, sizeof(d), ".");
    else
        snprintf(d, sizeof(d), "%.*s", (int)(slash - p) ? (int)(slash - p) : 1, p);
    if (!realpath(d, rd))
        return -errno;
    return (size_t)snprintf(out, sz, "%s/%s", rd, slash ? slash + 1 : p) < sz ? 0 : -ENAMETOOLONG;
}

/* One loaded program at path; records the pin and the maps it pinned
 * under the state directory. */
static int pin_prog(struct bpfrt_object *obj, struct bpfrt_program *p, const char *path, struct undo *u, char *log,
                    size_t logsz)
{
    struct bpfrt_prog *prog = bpfrt_program__prog(p);
    struct bpfrt_map *const *maps;
    char msg[1024] = "";
    unsigned n;
    int *was_pinned, err;

    if (!prog)
        return cm_log(log, logsz, -EINVAL, "cannot pin program '%s' of '%s' at '%s': program '%s' is not loaded",
                          p->name, obj->path, path, p->name);
    maps = prog_used_maps(prog, &n);
    was_pinned = calloc(n ? n : 1, sizeof(*was_pinned));
    if (!was_pinned)
        return cm_log(log, logsz, -ENOMEM, "out of memory");
    for (unsigned k = 0; k < n; k++)
        was_pinned[k] = bpfrt_map__pin_path(maps[k]) != NULL;
    err = prog_pin_log(prog, path, msg, sizeof(msg));
    if (err) {
        free(was_pinned);
        return cm_log(log, logsz, err, "cannot pin program '%s' of '%s' at '%s': %s", p->name, obj->path, path,
                          msg[0] ? msg : strerror(-err));
    }
    undo_file(u, path);
    for (unsigned k = 0; k < n; k++)
        if (!was_pinned[k] && bpfrt_map__pin_path(maps[k]))
            undo_map(u, maps[k]);
    free(was_pinned);
    return 0;
}

/* progs[i] at paths[i] (dir/<name> when dir is set, else path), maps at
 * maps_dir first when it is set. */
static int pin_all(struct bpfrt_object *obj, struct bpfrt_program *const *progs, size_t nprogs, const char *dir,
                   const char *path, const struct bpfrt_object_pin_opts *opts)
{
    const char *maps_dir = CM_OPT(opts, maps_dir, NULL);
    char *log = CM_OPT(opts, log_buf, NULL);
    size_t logsz = CM_OPT(opts, log_size, 0);
    char target[PATH_MAX];
    struct bpfrt_program **extra = NULL;
    size_t nextra = 0;
    struct undo u = {0};
    struct stat st;
    int err = 0;

    if (log && logsz)
        log[0] = 0;
    if (!obj->loaded)
        return cm_log(log, logsz, -EINVAL, "object '%s' is not loaded", obj->path);
    if (!nprogs)
        return cm_log(log, logsz, -ENOENT, "object '%s' has no programs", obj->path);
    if (dir) {
        err = make_dirs(dir, &u, log, logsz);
        for (size_t k = 0; !err && k < nprogs; k++) {
            if ((size_t)snprintf(target, sizeof(target), "%s/%s", dir, progs[k]->name) >= sizeof(target))
                err = cm_log(log, logsz, -ENAMETOOLONG, "'%s/%s': path too long", dir, progs[k]->name);
            else if (lstat(target, &st) == 0)
                err = cm_log(log, logsz, -EEXIST, "cannot pin program '%s' at '%s': it exists", progs[k]->name,
                                 target);
        }
    }
    /* where each program goes, before any prog array is pinned: the
     * arrays refer to their programs by these pins */
    for (size_t k = 0; !err && k < nprogs; k++) {
        char abs[PATH_MAX];
        if (!progs[k]->prog)
            continue; /* pin_prog says it is not loaded */
        if (dir)
            snprintf(target, sizeof(target), "%s/%s", dir, progs[k]->name);
        else
            snprintf(target, sizeof(target), "%s", path);
        if (abs_target(target, abs, sizeof(abs)))
            err = cm_log(log, logsz, -ENAMETOOLONG, "'%s': path too long", target);
        else if (plan(&u, progs[k]->prog, abs))
            err = cm_log(log, logsz, -ENOMEM, "out of memory");
    }
    if (!err)
        err = plan_extras(obj, progs, nprogs, &extra, &nextra, &u, log, logsz);
    if (!err && maps_dir)
        err = pin_maps(obj, progs, nprogs, maps_dir, &u, log, logsz);
    for (size_t k = 0; !err && k < nprogs; k++) {
        if (dir)
            snprintf(target, sizeof(target), "%s/%s", dir, progs[k]->name);
        else
            snprintf(target, sizeof(target), "%s", path);
        err = pin_prog(obj, progs[k], target, &u, log, logsz);
    }
    for (size_t k = 0; !err && k < nextra; k++)
        err = pin_prog(obj, extra[k], prog_pin_path(extra[k]->prog), &u, log, logsz);
    free(extra);
    if (!err && u.oom)
        err = cm_log(log, logsz, -ENOMEM, "out of memory");
    undo_end(&u, err != 0);
    return err;
}

int bpfrt_object__pin_programs(struct bpfrt_object *obj, const char *dir, const struct bpfrt_object_pin_opts *opts)
{
    struct bpfrt_program **progs;
    int err;

    if (!obj || !dir || !*dir)
        return cm_log(CM_OPT(opts, log_buf, NULL), CM_OPT(opts, log_size, 0), -EINVAL,
                          "no object or no directory");
    progs = malloc((obj->nr_progs ? obj->nr_progs : 1) * sizeof(*progs));
    if (!progs)
        return -ENOMEM;
    /* the loaded programs: one switched off (autoload, a '?' section) is
     * not pinned, as libbpf's bpf_object__pin_programs skips it */
    size_t n = 0;
    for (size_t k = 0; k < obj->nr_progs; k++)
        if (obj->progs[k].prog || obj->progs[k].autoload)
            progs[n++] = &obj->progs[k];
    err = pin_all(obj, progs, n, dir, NULL, opts);
    free(progs);
    return err;
}

int bpfrt_program__pin(struct bpfrt_program *p, const char *path, const struct bpfrt_object_pin_opts *opts)
{
    if (!p || !path || !*path)
        return cm_log(CM_OPT(opts, log_buf, NULL), CM_OPT(opts, log_size, 0), -EINVAL,
                          "no program or no path");
    return pin_all(p->obj, &p, 1, NULL, path, opts);
}

int bpfrt_object__pin_maps(struct bpfrt_object *obj, const char *dir, const struct bpfrt_object_pin_opts *opts)
{
    char *log = CM_OPT(opts, log_buf, NULL);
    size_t logsz = CM_OPT(opts, log_size, 0);
    struct bpfrt_program **progs;
    struct undo u = {0};
    int err;

    if (log && logsz)
        log[0] = 0;
    if (!obj || !dir || !*dir)
        return cm_log(log, logsz, -EINVAL, "no object or no directory");
    if (!obj->loaded)
        return cm_log(log, logsz, -EINVAL, "object '%s' is not loaded", obj->path);
    progs = malloc((obj->nr_progs ? obj->nr_progs : 1) * sizeof(*progs));
    if (!progs)
        return cm_log(log, logsz, -ENOMEM, "out of memory");
    for (size_t k = 0; k < obj->nr_progs; k++)
        progs[k] = &obj->progs[k];
    /* the programs its prog arrays hold are pinned under the state
     * directory, so that the pinned arrays can refer to them */
    struct bpfrt_program **extra = NULL;
    size_t nextra = 0;
    err = plan_extras(obj, NULL, 0, &extra, &nextra, &u, log, logsz);
    if (!err)
        err = pin_maps(obj, progs, obj->nr_progs, dir, &u, log, logsz);
    for (size_t k = 0; !err && k < nextra; k++)
        err = pin_prog(obj, extra[k], prog_pin_path(extra[k]->prog), &u, log, logsz);
    free(extra);
    if (!err && u.oom)
        err = cm_log(log, logsz, -ENOMEM, "out of memory");
    undo_end(&u, err != 0);
    free(progs);
    return err;
}
