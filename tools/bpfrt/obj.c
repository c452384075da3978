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

int cli_parse_verifier_word(int argc, char **argv, int i, uint32_t *log_level, int *unpriv)
{
    uint64_t v;

    if (!strcmp(argv[i], "unpriv")) {
        *unpriv = 1;
        return 1;
    }
    if (strcmp(argv[i], "log_level"))
        return 0;
    if (i + 1 >= argc) {
        cli_err("'log_level' needs a value (1, 2, 4 or a sum of them, as the kernel's)");
        return -1;
    }
    /* the kernel's BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS */
    if (cli_parse_u64(argv[i + 1], 7, &v)) {
        cli_err("log_level '%s' is not a level from 0 to 7 (1: the path to an error, 2: every instruction, 4: "
                "statistics; combinable)",
                argv[i + 1]);
        return -1;
    }
    *log_level = (uint32_t)v;
    return 2;
}

static int open_with(const struct cli_obj_spec *s, struct bpfrt_object **objp, char *log, size_t logsz, char *vlog,
                     size_t vlogsz)
{
    BPFRT_OPTS(bpfrt_object_open_opts, o, .prog_type = s->has_type ? s->type : BPF_PROG_TYPE_UNSPEC, .log_buf = log,
               .log_size = logsz, .log_level = s->log_level, .unpriv = s->unpriv, .verifier_log_buf = vlog,
               .verifier_log_size = vlogsz, .engine = cli.engine, .map_max_entries = s->max_entries,
               .nr_map_max_entries = s->nr_max_entries);
    int err = bpfrt_object__open_file(s->file, &o, objp);

    if (err) {
        if (err == -ENOENT && !log[0])
            return cli_err("cannot open object '%s': %s", s->file, strerror(-err));
        return cli_err("cannot open object '%s': %s", s->file, log[0] ? cli_after_path(log, s->file) : strerror(-err));
    }
    return 0;
}

int cli_obj_open(const struct cli_obj_spec *s, struct bpfrt_object **objp)
{
    char log[2048] = "";

    return open_with(s, objp, log, sizeof(log), NULL, 0);
}

#define CLI_VLOG_SIZE (16u << 20) /* the verifier's log of one object (pages are touched as written) */

int cli_obj_load(const struct cli_obj_spec *s, struct bpfrt_object **objp)
{
    char log[2048] = "", *vlog = NULL;
    struct bpfrt_object *obj;
    struct bpfrt_program *p = NULL;
    int err, n = 0;

    if (s->log_level && !(vlog = calloc(1, CLI_VLOG_SIZE)))
        return cli_err("out of memory for the verifier log");
    if (open_with(s, &obj, log, sizeof(log), vlog, vlog ? CLI_VLOG_SIZE : 0)) {
        free(vlog);
        return 1;
    }
    /* A program that is named loads even from a '?' section (libbpf: the
     * caller switches its autoload on); so does the only one. */
    while ((p = bpfrt_object__next_program(obj, p)))
        n++;
    while ((p = bpfrt_object__next_program(obj, p)))
        if ((s->prog && !strcmp(bpfrt_program__name(p), s->prog)) ||
            (s->sec && !strcmp(bpfrt_program__section_name(p), s->sec)) || (!s->prog && !s->sec && n == 1))
            bpfrt_program__set_autoload(p, 1);
    err = bpfrt_object__load(obj);
    if (vlog && vlog[0] && (err || cli.debug))
        fprintf(stderr, "%s%s", vlog, vlog[strlen(vlog) - 1] == '\n' ? "" : "\n");
    free(vlog);
    if (err) {
        cli_err("cannot load object '%s': %s", s->file, log[0] ? cli_after_path(log, s->file) : strerror(-err));
        bpfrt_object__close(obj);
        return 1;
    }
    if (cli.debug && log[0])
        fprintf(stderr, "%s%s", log, log[strlen(log) - 1] == '\n' ? "" : "\n");
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

struct bpfrt_prog *cli_obj_loaded_prog(const struct bpfrt_object *obj, const struct cli_obj_spec *s)
{
    struct bpfrt_program *p = cli_obj_prog(obj, s);

    if (p && !bpfrt_program__prog(p)) {
        cli_err("program '%s' of '%s' is not loaded: its section '%s' starts with '?' (libbpf loads it only when "
                "asked): name it with 'prog %s'",
                bpfrt_program__name(p), s->file, bpfrt_program__section_name(p), bpfrt_program__name(p));
        return NULL;
    }
    return p ? bpfrt_program__prog(p) : NULL;
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
