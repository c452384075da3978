/* prog_pin.h - inside libbpfrt: the facts a program keeps beyond its
 * instructions (license, attach type, load time, owner, tag, source
 * lines), which a pin writes out and bpftool's `prog show` / `dump
 * xlated` print, and the pinning entry points that take a log. */
#ifndef BPFRT_PROG_PIN_H
#define BPFRT_PROG_PIN_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

struct bpfrt_prog;
struct bpfrt_map;

/* Source facts from BTF func/line info, as text (the BTF itself is not
 * kept): each array sorted by insn_off; strings owned ("" when absent). */
struct prog_src_func {
    uint32_t insn_off;
    char *name;  /* the function's BTF name */
    char *proto; /* its prototype as bpftool prints it, or "" */
};

struct prog_src_line {
    uint32_t insn_off, line, col;
    char *file, *text;
};

struct prog_src_info {
    struct prog_src_func *funcs;
    size_t nr_funcs;
    struct prog_src_line *lines;
    size_t nr_lines;
};

/* Deep copy (0 or -ENOMEM; dst untouched on failure) and release. */
int prog_src_info_copy(struct prog_src_info *dst, const struct prog_src_info *src);
void prog_src_info_free(struct prog_src_info *si);
/* The record starting exactly at instruction idx, or NULL. */
const struct prog_src_func *prog_src_func_at(const struct prog_src_info *si, size_t idx);
const struct prog_src_line *prog_src_line_at(const struct prog_src_info *si, size_t idx);

/* prog.c: accessors and setters. */
struct bpfrt_map *const *prog_used_maps(const struct bpfrt_prog *prog, unsigned *n);
const char *prog_license(const struct bpfrt_prog *prog);
enum bpf_attach_type prog_attach_type(const struct bpfrt_prog *prog);
void prog_set_attach_type(struct bpfrt_prog *prog, enum bpf_attach_type t);
uint64_t prog_loaded_at(const struct bpfrt_prog *prog); /* seconds since the epoch */
uint32_t prog_uid(const struct bpfrt_prog *prog);
void prog_set_origin(struct bpfrt_prog *prog, uint64_t loaded_at, uint32_t uid);
/* The tag a pin kept (or a caller set), or NULL: bpfrt_prog__tag computes
 * it then (prog_tag.c). */
const uint8_t *prog_tag(const struct bpfrt_prog *prog);
void prog_set_tag(struct bpfrt_prog *prog, const uint8_t tag[8]);
const struct prog_src_info *prog_src(const struct bpfrt_prog *prog);
int prog_set_src(struct bpfrt_prog *prog, const struct prog_src_info *src);
/* Hand maps to the program: freed (after it) by bpfrt_prog__free. */
int prog_own_maps(struct bpfrt_prog *prog, struct bpfrt_map **maps, unsigned n);

/* prog_pin.c: bpfrt_prog__pin / bpfrt_prog__open_pinned with the reason
 * of a failure in log (names the file, and the map or record at fault). */
int prog_pin_log(struct bpfrt_prog *prog, const char *path, char *log, size_t logsz);
/* Plan prog's pin at path (absolute) before it is made, so that a prog
 * array pinned first can refer to it (a pin of a whole object); NULL
 * drops a plan.  A program already pinned keeps its pin.  0 or -ENOMEM. */
int prog_pin_plan(struct bpfrt_prog *prog, const char *path);
/* Where prog is pinned or planned to be, or NULL. */
const char *prog_pin_path(const struct bpfrt_prog *prog);
int prog_open_pinned_log(const char *path, struct bpfrt_prog **progp, char *log, size_t logsz);
struct eng_ops;
/* prog in engine e: prog itself, or the same pinned program opened again
 * from its pin in e (kept with prog, freed with it), for a tail call from
 * a program of another engine into one a pinned prog array opened
 * (prog_run.c).  NULL when prog is not pinned or its pin does not open. */
struct bpfrt_prog *prog_in_engine(struct bpfrt_prog *prog, const struct eng_ops *e);
/* The first 8 bytes of every pinned program's file ("BPFRTPRG"), for a
 * listing of pins (pin_list.c). */
const char *prog_pin_file_magic(void);

#endif
