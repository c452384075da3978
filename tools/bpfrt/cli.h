/* cli.h - shared state and utilities of the bpfrt command. */
#ifndef BPFRT_TOOL_CLI_H
#define BPFRT_TOOL_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

struct cli {
    int json;     /* -j */
    int pretty;   /* -p */
    int debug;    /* -d */
    const char *engine;
    struct json j;
};

extern struct cli cli;

/* Report an error the way bpftool does ("Error: ..." on stderr, or
 * {"error":"..."} on stdout with -j) and return 1 (the exit status). */
int cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Is arg a non-empty prefix of word?  bpftool accepts abbreviated keywords. */
int cli_is_prefix(const char *arg, const char *word);

/* Read a whole file ("-" for stdin).  Returns 0 and a malloc'd buffer, or
 * a negative errno; *lenp gets the length.  A NUL is appended (not counted). */
int cli_read_file(const char *path, uint8_t **bufp, size_t *lenp);
/* Write len bytes to path ("-" for stdout).  Returns 0 or a negative errno. */
int cli_write_file(const char *path, const void *buf, size_t len);
/* Parse an unsigned decimal or 0x number that fits in max.  0 or -EINVAL. */
int cli_parse_u64(const char *s, uint64_t max, uint64_t *v);

/* ------------------------------------------------ obj FILE (obj.c) */
#include <linux/bpf.h>

struct bpfrt_object;
struct bpfrt_program;
struct bpfrt_map;
struct btf;
struct btf_ext_line;

/* `obj FILE [sec SECTION | prog NAME] [type TYPE]` (a PROG) or
 * `obj FILE [name NAME]` (a MAP). */
struct cli_obj_spec {
    const char *file;
    const char *sec, *prog; /* PROG: selection */
    const char *map;        /* MAP: name */
    enum bpf_prog_type type;
    int has_type;
};

/* Parse from argv[0] == "obj"; returns the words used, or -1 after
 * reporting.  Stops at the first word that is not one of its keywords. */
int cli_obj_parse(int argc, char **argv, int for_map, struct cli_obj_spec *s);
/* Open and load the object; 0, or 1 after reporting. */
int cli_obj_load(const struct cli_obj_spec *s, struct bpfrt_object **objp);
/* The program the spec selects; NULL after reporting (none, or several
 * and no selection: the message lists the names). */
struct bpfrt_program *cli_obj_prog(const struct bpfrt_object *obj, const struct cli_obj_spec *s);
/* bpfrt's id of a program of an object: its position, from 1. */
int cli_obj_prog_id(const struct bpfrt_object *obj, const struct bpfrt_program *p);
int cli_prog_type_parse(const char *s, enum bpf_prog_type *type);
const char *cli_prog_type_str(enum bpf_prog_type type, char *buf, size_t sz);
/* The kernel's tag: first 8 bytes of SHA-1 (SHA-256 from Linux 6.18 on,
 * chosen by the running kernel; BPFRT_TAG_HASH=sha1|sha256 overrides) over
 * the instructions with map references zeroed (bpf_prog_calc_tag). */
int cli_prog_tag(const struct bpf_insn *insns, size_t cnt, uint8_t tag[8]);

/* Facts beyond the public API (read from the loader and maps). */
const struct btf *cli_obj_btf(const struct bpfrt_object *obj);
uint32_t cli_prog_func_at(const struct bpfrt_program *p, size_t idx);
const struct btf_ext_line *cli_prog_line_at(const struct bpfrt_program *p, size_t idx);
/* Pin the loaded program p of obj at path (with its tag, attach type and
 * source lines); 0 or -errno with the reason in log. */
int cli_obj_pin_prog(const struct bpfrt_object *obj, const struct bpfrt_program *p, const char *path, char *log,
                     size_t logsz);
int cli_map_frozen(const struct bpfrt_map *m);

/* Pins under the state directory, for `prog show` / `map show` without
 * an object: every regular file below bpfrt_fs_dir() (recursively, in
 * path order) whose first 8 bytes are magic, grouped by file (hard links
 * are one pin with several paths).  0, or 1 after reporting. */
struct cli_pin {
    char **paths; /* sorted; paths[0] is the one opened */
    size_t npaths;
};
int cli_pins_find(const char *magic, struct cli_pin **pinsp, size_t *np);
void cli_pins_free(struct cli_pin *pins, size_t n);
uint32_t cli_map_nr_workers(const struct bpfrt_map *m);

/* prog run PROG pcap FILE: run once per packet; exit status. */
int cli_run_pcap(struct bpfrt_prog *prog, const char *name, const char *path, uint32_t flags);
/* The instruction budget of one `prog run` (all repeat runs, or all the
 * packets of a capture): BPFRT_TOTAL_BUDGET, else CLI_TOTAL_BUDGET.
 * 0, or 1 after reporting a bad BPFRT_TOTAL_BUDGET. */
#define CLI_TOTAL_BUDGET 10000000000ull /* 100 runs of the per-run budget */
int cli_total_budget(uint64_t *budget);

int do_prog(int argc, char **argv);
int do_map(int argc, char **argv);
int do_btf(int argc, char **argv);
int do_asm(int argc, char **argv);
int do_disasm(int argc, char **argv);

#endif
