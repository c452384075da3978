/* prog.c - the program object: its facts, its id, its release.  Loading
 * is the pipeline's (pipeline.c), running is prog_run.c's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/progid.h"
#include "../helpers/helpers.h"
#include "prog.h"

uint32_t bpfrt_prog__id(const struct bpfrt_prog *prog)
{
    return prog->id;
}

enum bpf_prog_type bpfrt_prog__type(const struct bpfrt_prog *prog)
{
    return prog->type;
}

const struct pt_desc *prog_ptype(const struct bpfrt_prog *prog)
{
    return prog->pt;
}

int bpfrt_prog__is_verified(const struct bpfrt_prog *prog)
{
    return prog->verified;
}

const char *bpfrt_prog__engine(const struct bpfrt_prog *prog)
{
    return prog->engine ? prog->engine->name : NULL;
}

size_t bpfrt_prog__jited(const struct bpfrt_prog *prog, const uint8_t **code, const uint32_t **insn_off)
{
    const uint32_t *offs = NULL;
    const uint8_t *c;

    if (!prog->engine || !prog->engine->code)
        return 0;
    c = prog->engine->code(prog->image, &offs);
    if (code)
        *code = c;
    if (insn_off)
        *insn_off = offs;
    return prog->engine->image_size(prog->image);
}

size_t bpfrt_prog__xlated_cnt(const struct bpfrt_prog *prog)
{
    return prog->xl_cnt;
}

const struct bpf_insn *bpfrt_prog__xlated_insns(const struct bpfrt_prog *prog)
{
    return prog->xl;
}

long bpfrt_prog__xlated_orig_idx(const struct bpfrt_prog *prog, size_t xl_idx)
{
    return xl_idx < prog->xl_cnt ? (long)prog->xl_orig[xl_idx] : -1;
}

int bpfrt_prog__gpl_compatible(const struct bpfrt_prog *prog)
{
    return hlp_license_is_gpl(prog->license);
}

size_t bpfrt_prog__map_ids(const struct bpfrt_prog *prog, uint32_t *ids, size_t max)
{
    for (unsigned i = 0; i < prog->nmaps && i < max; i++)
        ids[i] = bpfrt_map__id(prog->maps[i]);
    return prog->nmaps;
}

void bpfrt_prog__free(struct bpfrt_prog *prog)
{
    if (!prog)
        return;
    if (prog->id)
        cm_progid_del(prog->id);
    if (prog->image)
        prog->engine->free(prog->image);
    free(prog->maps);
    free(prog->insns);
    prog_xl_release(prog);
    free(prog->xl_orig);
    prog_src_info_free(&prog->src);
    free(prog->facts);
    for (unsigned k = prog->nowned; k-- > 0;)
        bpfrt_map__free(prog->owned[k]);
    free(prog->owned);
    free(prog->pin_path);
    bpfrt_prog__free(prog->twin);
    free(prog);
}

/* ---- facts for pinning and introspection (prog_pin.h) ---- */

static int pin_exists(const struct bpfrt_prog *prog)
{
    struct stat st;
    return prog->pin_path && lstat(prog->pin_path, &st) == 0;
}

int prog_pin_plan(struct bpfrt_prog *prog, const char *path)
{
    char *p = NULL;

    if (path && !(p = strdup(path)))
        return -ENOMEM;
    if (!path && pin_exists(prog)) /* a plan that came true stays */
        return 0;
    free(prog->pin_path);
    prog->pin_path = p;
    return 0;
}

const char *prog_pin_path(const struct bpfrt_prog *prog)
{
    return prog->pin_path;
}


struct bpfrt_map *const *prog_used_maps(const struct bpfrt_prog *prog, unsigned *n)
{
    *n = prog->nmaps;
    return prog->maps;
}

const char *prog_license(const struct bpfrt_prog *prog)
{
    return prog->license;
}

enum bpf_attach_type prog_attach_type(const struct bpfrt_prog *prog)
{
    return prog->attach;
}

void prog_set_attach_type(struct bpfrt_prog *prog, enum bpf_attach_type t)
{
    prog->attach = t;
}

uint64_t prog_loaded_at(const struct bpfrt_prog *prog)
{
    return prog->loaded_at;
}

uint32_t prog_uid(const struct bpfrt_prog *prog)
{
    return prog->uid;
}

void prog_set_origin(struct bpfrt_prog *prog, uint64_t loaded_at, uint32_t uid)
{
    prog->loaded_at = loaded_at;
    prog->uid = uid;
}

const uint8_t *prog_tag(const struct bpfrt_prog *prog)
{
    return prog->has_tag ? prog->tag : NULL;
}

void prog_set_tag(struct bpfrt_prog *prog, const uint8_t tag[8])
{
    memcpy(prog->tag, tag, 8);
    prog->has_tag = 1;
}

const struct prog_src_info *prog_src(const struct bpfrt_prog *prog)
{
    return &prog->src;
}

int prog_set_src(struct bpfrt_prog *prog, const struct prog_src_info *src)
{
    struct prog_src_info copy;
    int err = prog_src_info_copy(&copy, src);

    if (err)
        return err;
    prog_src_info_free(&prog->src);
    prog->src = copy;
    return 0;
}

int prog_own_maps(struct bpfrt_prog *prog, struct bpfrt_map **maps, unsigned n)
{
    struct bpfrt_map **o = realloc(prog->owned, (prog->nowned + n) * sizeof(*o));

    if (!o && n)
        return -ENOMEM;
    prog->owned = o;
    memcpy(prog->owned + prog->nowned, maps, n * sizeof(*maps));
    prog->nowned += n;
    return 0;
}

size_t bpfrt_prog__insn_cnt(const struct bpfrt_prog *prog)
{
    return prog->cnt;
}

const struct bpf_insn *bpfrt_prog__insns(const struct bpfrt_prog *prog)
{
    return prog->insns;
}

const char *bpfrt_prog__name(const struct bpfrt_prog *prog)
{
    return prog->name;
}
