/* prog_src.c - what a loaded program of an object keeps of the object:
 * its expected attach type and its BTF func/line info as text.  The
 * object's BTF goes away with the object; a program keeps function names,
 * prototypes and source lines so that `prog dump xlated` can show them,
 * bpfrt_prog__func_at / bpfrt_prog__line_at can answer, and a pin can
 * write them (the kernel keeps func_info/line_info with the program and
 * bpftool prints them from BPF_OBJ_GET_INFO_BY_FD). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "btf_info.h"
#include "loader.h"
#include "runtime/prog_pin.h"

#define PROTO_MAX 512 /* bpftool's prototype line */

int ld_prog_give_src(struct bpfrt_object *obj, struct bpfrt_program *p)
{
    struct prog_src_info si = {0};
    char (*protos)[PROTO_MAX] = NULL;
    int err = -ENOMEM;

    if (!p->prog)
        return 0;
    prog_set_attach_type(p->prog, p->attach);
    if (!p->linked || (!p->pi.nr_lines && !(obj->btf && p->pi.nr_funcs)))
        return 0;
    /* func info names BTF types: without the object's BTF there is
     * nothing to name them by */
    si.nr_funcs = obj->btf ? p->pi.nr_funcs : 0;
    si.nr_lines = p->pi.nr_lines;
    si.funcs = calloc(si.nr_funcs ? si.nr_funcs : 1, sizeof(*si.funcs));
    protos = calloc(si.nr_funcs ? si.nr_funcs : 1, sizeof(*protos));
    si.lines = calloc(si.nr_lines ? si.nr_lines : 1, sizeof(*si.lines));
    if (!si.funcs || !protos || !si.lines)
        goto out;
    for (size_t k = 0; k < si.nr_funcs; k++) {
        const struct btf_type *t = btf__type_by_id(obj->btf, p->pi.funcs[k].type_id);
        const char *name = t ? btf__name_by_offset(obj->btf, t->name_off) : NULL;
        si.funcs[k].insn_off = p->pi.funcs[k].insn_off;
        si.funcs[k].name = (char *)(name ? name : "");
        if (btf_func_proto_str(obj->btf, p->pi.funcs[k].type_id, protos[k], sizeof(protos[k])))
            protos[k][0] = 0;
        si.funcs[k].proto = protos[k];
    }
    for (size_t k = 0; k < si.nr_lines; k++) {
        const struct btf_ext_line *ln = &p->pi.lines[k];
        si.lines[k].insn_off = ln->insn_off;
        si.lines[k].line = ln->line;
        si.lines[k].col = ln->col;
        si.lines[k].file = (char *)ln->file;
        si.lines[k].text = (char *)ln->text;
    }
    err = prog_set_src(p->prog, &si); /* copies */
out:
    free(si.funcs);
    free(si.lines);
    free(protos);
    if (err)
        return ld_err(obj, err, "%s: program '%s': out of memory keeping its source lines", obj->path, p->name);
    return 0;
}

const struct btf *bpfrt_object__btf(const struct bpfrt_object *obj)
{
    return obj ? obj->btf : NULL;
}
