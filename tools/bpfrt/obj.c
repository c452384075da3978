/* obj.c - `obj FILE ...`: programs and maps straight from an ELF object,
 * opened and loaded in this process (shared by prog, map and btf), through
 * the public API only (bpfrt.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

const char *cli_prog_type_str(enum bpf_prog_type type, char *buf, size_t sz)
{
    const char *n = bpfrt_prog_type_name(type);

    if (n)
        return n;
    snprintf(buf, sz, "type %u", (unsigned)type);
    return buf;
}

static int is_kw(const char *a, int for_map)
{
    if (for_map)
        return !strcmp(a, "name");
    return !strcmp(a, "sec") || !strcmp(a, "prog") || !strcmp(a, "type");
}

int cli_obj_parse(int argc, char **argv, int for_map, struct cli_obj_spec *s)
{
    int i;

    memset(s, 0, sizeof(*s));
    if (argc < 2) {
        cli_err("'obj' needs a FILE (an ELF object)");
        return -1;
    }
    s->file = argv[1];
    for (i = 2; i < argc && is_kw(argv[i], for_map); i += 2) {
        const char *kw = argv[i];
        if (i + 1 >= argc) {
            cli_err("'%s' needs a value", kw);
            return -1;
        }
        if (!strcmp(kw, "name")) {
            s->map = argv[i + 1];
        } else if (!strcmp(kw, "sec")) {
            if (s->prog) {
                cli_err("give 'sec SECTION' or 'prog NAME', not both");
                return -1;
            }
            s->sec = argv[i + 1];
        } else if (!strcmp(kw, "prog")) {
            if (s->sec) {
                cli_err("give 'sec SECTION' or 'prog NAME', not both");
                return -1;
            }
            s->prog = argv[i + 1];
        } else {
            if (bpfrt_prog_type_from_name(argv[i + 1], &s->type)) {
                cli_err("unknown program type '%s'", argv[i + 1]);
                return -1;
            }
            s->has_type = 1;
        }
    }
    return i;
}

int cli_obj_load(const struct cli_obj_spec *s, struct bpfrt_object **objp)
{
    char log[2048] = "";
    BPFRT_OPTS(bpfrt_object_open_opts, o, .prog_type = s->has_type ? s->type : BPF_PROG_TYPE_UNSPEC, .log_buf = log,
               .log_size = sizeof(log));
    struct bpfrt_object *obj;
    int err;

    err = bpfrt_object__open_file(s->file, &o, &obj);
    if (err) {
        if (err == -ENOENT && !log[0])
            return cli_err("cannot open object '%s': %s", s->file, strerror(-err));
        return cli_err("cannot open object '%s': %s", s->file, log[0] ? cli_after_path(log, s->file) : strerror(-err));
    }
    err = bpfrt_object__load(obj);
    if (err) {
        cli_err("cannot load object '%s': %s", s->file, log[0] ? cli_after_path(log, s->file) : strerror(-err));
        bpfrt_object__close(obj);
        return 1;
    }
    if (cli.debug && log[0])
        fprintf(stderr, "%s", log);
    *objp = obj;
    return 0;
}

/* "a, b, c" of every program of obj (or of section sec). */
static void prog_names(const struct bpfrt_object *obj, const char *sec, char *buf, size_t sz)
{
    const struct bpfrt_program *p = NULL;
    size_t len = 0;

    buf[0] = 0;
    while ((p = bpfrt_object__next_program(obj, p))) {
        if (sec && strcmp(bpfrt_program__section_name(p), sec))
            continue;
        len += (size_t)snprintf(buf + len, len < sz ? sz - len : 0, "%s%s", len ? ", " : "", bpfrt_program__name(p));
        if (len >= sz)
            break;
    }
}

struct bpfrt_program *cli_obj_prog(const struct bpfrt_object *obj, const struct cli_obj_spec *s)
{
    struct bpfrt_program *p = NULL, *found = NULL;
    char names[1024];
    int n = 0;

    if (s->prog) {
        found = bpfrt_object__find_program_by_name(obj, s->prog);
        if (!found) {
            prog_names(obj, NULL, names, sizeof(names));
            cli_err("object '%s' has no program '%s' (programs: %s)", s->file, s->prog, names[0] ? names : "none");
        }
        return found;
    }
    while ((p = bpfrt_object__next_program(obj, p)))
        if (!s->sec || !strcmp(bpfrt_program__section_name(p), s->sec)) {
            found = p;
            n++;
        }
    if (n == 1)
        return found;
    if (n == 0) {
        if (s->sec)
            cli_err("object '%s' has no program in section '%s'", s->file, s->sec);
        else
            cli_err("object '%s' has no programs", s->file);
        return NULL;
    }
    prog_names(obj, s->sec, names, sizeof(names));
    if (s->sec)
        cli_err("section '%s' of '%s' has %d programs (%s): choose one with 'prog NAME'", s->sec, s->file, n, names);
    else
        cli_err("object '%s' has %d programs (%s): choose one with 'prog NAME' or 'sec SECTION'", s->file, n, names);
    return NULL;
}

int cli_obj_prog_id(const struct bpfrt_object *obj, const struct bpfrt_program *p)
{
    const struct bpfrt_program *q = NULL;
    int id = 0;

    while ((q = bpfrt_object__next_program(obj, q))) {
        id++;
        if (q == p)
            return id;
    }
    return 0;
}
