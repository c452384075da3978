/* prog_info.c - what a loaded program tells besides its instructions
 * (bpftool's `prog show` and `prog dump xlated` fields): license, owner,
 * load time, expected attach type, and its function and source-line
 * records (from its object's BTF, or kept by its pin). */
#include <errno.h>

#include "bpfrt/bpfrt.h"
#include "prog_pin.h"

const char *bpfrt_prog__license(const struct bpfrt_prog *prog)
{
    return prog ? prog_license(prog) : NULL;
}

uint64_t bpfrt_prog__load_time(const struct bpfrt_prog *prog)
{
    return prog ? prog_loaded_at(prog) : 0;
}

uint32_t bpfrt_prog__uid(const struct bpfrt_prog *prog)
{
    return prog ? prog_uid(prog) : 0;
}

enum bpf_attach_type bpfrt_prog__expected_attach_type(const struct bpfrt_prog *prog)
{
    return prog ? prog_attach_type(prog) : (enum bpf_attach_type)0;
}

int bpfrt_prog__func_at(const struct bpfrt_prog *prog, size_t idx, struct bpfrt_func_info *fi)
{
    const struct prog_src_func *f;

    if (!prog || !fi)
        return -EINVAL;
    f = prog_src_func_at(prog_src(prog), idx);
    if (!f)
        return -ENOENT;
    fi->insn_off = f->insn_off;
    fi->name = f->name;
    fi->proto = f->proto;
    return 0;
}

static void line_out(const struct prog_src_line *l, struct bpfrt_line_info *li)
{
    li->insn_off = l->insn_off;
    li->line_nr = l->line;
    li->col = l->col;
    li->file = l->file;
    li->text = l->text;
}

int bpfrt_prog__line_at(const struct bpfrt_prog *prog, size_t idx, struct bpfrt_line_info *li)
{
    const struct prog_src_line *l;

    if (!prog || !li)
        return -EINVAL;
    l = prog_src_line_at(prog_src(prog), idx);
    if (!l)
        return -ENOENT;
    line_out(l, li);
    return 0;
}

int bpfrt_prog__source_line(const struct bpfrt_prog *prog, size_t idx, struct bpfrt_line_info *li)
{
    const struct prog_src_info *si;
    size_t lo = 0, hi;

    if (!prog || !li)
        return -EINVAL;
    if (idx >= bpfrt_prog__insn_cnt(prog))
        return -ENOENT;
    si = prog_src(prog);
    hi = si->nr_lines;
    /* the last record starting at or before idx (sorted by insn_off) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (si->lines[mid].insn_off <= idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!lo)
        return -ENOENT;
    line_out(&si->lines[lo - 1], li);
    return 0;
}
