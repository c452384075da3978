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
    int checked;  /* --checked: runs validate every access even when verified */
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
/* The library's message without its leading "<path>: " (the command's own
 * message names the file already). */
const char *cli_after_path(const char *msg, const char *path);
/* Parse an unsigned decimal or 0x number that fits in max.  0 or -EINVAL. */
int cli_parse_u64(const char *s, uint64_t max, uint64_t *v);

/* ------------------------------------------------ obj FILE (obj.c) */
#include <linux/bpf.h>

struct bpfrt_object;
struct bpfrt_program;
struct bpfrt_prog;

/* `obj FILE [sec SECTION | prog NAME] [type TYPE]` (a PROG) or
 * `obj FILE [name NAME]` (a MAP). */
struct cli_obj_spec {
    const char *file;
    const char *sec, *prog; /* PROG: selection */
    const char *map;        /* MAP: name */
    enum bpf_prog_type type;
    int has_type;
    /* The verifier's options for loading (log_level N, unpriv) */
    uint32_t log_level;
    int unpriv;
    /* max_entries of maps by name (prog load/loadall: map name NAME max_entries N) */
    const struct bpfrt_map_max_entries *max_entries;
    size_t nr_max_entries;
};

/* Parse from argv[0] == "obj"; returns the words used, or -1 after
 * reporting.  Stops at the first word that is not one of its keywords. */
int cli_obj_parse(int argc, char **argv, int for_map, struct cli_obj_spec *s);
/* Open the object (not loaded); 0, or 1 after reporting. */
int cli_obj_open(const struct cli_obj_spec *s, struct bpfrt_object **objp);
/* Open and load the object; 0, or 1 after reporting.  The program the
 * spec names (prog NAME, the programs of sec SECTION, or the only
 * program) is loaded even from a '?' section, as naming it does in
 * libbpf (autoload); with log_level the verifier's log of a refused
 * program is printed (stderr) before the error. */
int cli_obj_load(const struct cli_obj_spec *s, struct bpfrt_object **objp);
/* The program the spec selects; NULL after reporting (none, or several
 * and no selection: the message lists the names). */
struct bpfrt_program *cli_obj_prog(const struct bpfrt_object *obj, const struct cli_obj_spec *s);
/* The loaded program the spec selects; NULL after reporting (also when
 * it is not loaded). */
struct bpfrt_prog *cli_obj_loaded_prog(const struct bpfrt_object *obj, const struct cli_obj_spec *s);
/* `log_level N` and `unpriv` at argv[i]: the words used (2, 1), 0 when
 * argv[i] is neither, -1 after reporting a bad level. */
int cli_parse_verifier_word(int argc, char **argv, int i, uint32_t *log_level, int *unpriv);
/* bpfrt's id of a program of an object: its position, from 1. */
int cli_obj_prog_id(const struct bpfrt_object *obj, const struct bpfrt_program *p);
/* bpftool's name of a program type, or "type N" (in buf). */
const char *cli_prog_type_str(enum bpf_prog_type type, char *buf, size_t sz);

/* prog run PROG pcap FILE: run once per packet; exit status. */
int cli_run_pcap(struct bpfrt_prog *prog, const char *name, const char *path, const char *out_dir, uint32_t flags,
                 uint64_t total_budget);
/* The instruction budget of one `prog run` (all repeat runs, or all the
 * packets of a capture): BPFRT_TOTAL_BUDGET, else CLI_TOTAL_BUDGET.
 * 0, or 1 after reporting a bad BPFRT_TOTAL_BUDGET. */
#define CLI_TOTAL_BUDGET 10000000000ull /* 100 runs of the per-run budget */
int cli_total_budget(uint64_t *budget);

/* prog verify PROG [type TYPE] [log_level N] [unpriv] (verify.c): exit
 * status 0 accepted, 1 rejected, 2 not verified. */
int cli_prog_verify(int argc, char **argv);
/* prog tracelog [idle MS] (tracelog.c): the state directory's trace pipe. */
int cli_prog_tracelog(int argc, char **argv);

int do_prog(int argc, char **argv);
int do_map(int argc, char **argv);
int do_btf(int argc, char **argv);
int do_asm(int argc, char **argv);
int do_disasm(int argc, char **argv);

/* ------------------------------------------------ prog dump jited (jited.c) */
/* What the listing knows of BPF instruction i: its text, and from BTF its
 * function's prototype ("" when no function starts there) and source line
 * (src NULL when none). */
struct cli_jited_note {
    char bpf[256];
    char proto[512];
    const char *src, *file;
    unsigned line, col;
};
typedef void (*cli_jited_note_fn)(void *arg, size_t insn, struct cli_jited_note *note);
/* Print len bytes of machine code under the label name, instruction i of
 * cnt at offs[i] (offs has cnt + 1 entries), bpftool's layout or JSON. */
int cli_dump_jited(const char *name, const uint8_t *code, size_t len, const uint32_t *offs, size_t cnt, int opcodes,
                   int linum, cli_jited_note_fn note, void *arg);

#endif
