/* reloc.c - relocations and subprogram linking.
 *
 * A program is its entry function followed by every function it calls,
 * directly or through a callback pointer (ld_imm64 with BPF_PSEUDO_FUNC),
 * appended once each, as loaders do; call offsets are then rewritten
 * relative to the new layout.  Map references become ld_imm64 with
 * BPF_PSEUDO_MAP_FD (imm = map id); global data and .kconfig externs
 * BPF_PSEUDO_MAP_VALUE (imm = map id, second imm = offset in the value).
 * Relocation types are those of LLVM's BPF target (llvm_reloc.rst in the
 * kernel's Documentation/bpf). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "../isa/isa.h"
#include "loader.h"

static int cmp_reloc(const void *a, const void *b)
{
    const struct ld_reloc *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Does a relocation section's target need relocating?  Code and the
 * `values` of BTF maps; debug info, BTF and data are left alone. */
static int wants_relocs(enum ld_sec_kind k)
{
    return k == LD_SEC_PROG || k == LD_SEC_TEXT || k == LD_SEC_BTF_MAPS;
}

int ld_relocs_collect(struct bpfrt_object *obj)
{
    size_t i, j;

    for (i = 1; i < obj->nr_secs; i++) {
        const struct ld_sec *rs = &obj->secs[i];
        struct ld_sec *ts;
        size_t ent = rs->sh.sh_type == SHT_RELA ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel), n;
        struct ld_reloc *nr;

        if (rs->kind != LD_SEC_REL)
            continue;
        if (rs->sh.sh_info == 0 || rs->sh.sh_info >= obj->nr_secs)
            return ld_err(obj, -EINVAL, "%s: section '%s': target section index %u out of range", obj->path, rs->name,
                          rs->sh.sh_info);
        ts = &obj->secs[rs->sh.sh_info];
        if (!wants_relocs(ts->kind))
            continue;
        if (obj->symtab_idx < 0 || (rs->sh.sh_link && rs->sh.sh_link != (uint32_t)obj->symtab_idx))
            return ld_err(obj, -EINVAL, "%s: section '%s': relocations without the symbol table", obj->path, rs->name);
        if (rs->size % ent)
            return ld_err(obj, -EINVAL, "%s: section '%s': size %zu is not a multiple of %zu", obj->path, rs->name,
                          rs->size, ent);
        n = rs->size / ent;
        if (n > LD_MAX_RELOCS || ts->nr_relocs + n > LD_MAX_RELOCS)
            return ld_err(obj, -E2BIG, "%s: section '%s': %zu relocations is too many", obj->path, rs->name, n);
        if (!n)
            continue;
        nr = realloc(ts->relocs, (ts->nr_relocs + n) * sizeof(*nr));
        if (!nr)
            return -ENOMEM;
        ts->relocs = nr;
        for (j = 0; j < n; j++) {
            Elf64_Rela r = {0};
            struct ld_reloc *lr;

            memcpy(&r, rs->data + j * ent, ent); /* little-endian, checked at open */
            if (ELF64_R_SYM(r.r_info) >= obj->nr_syms)
                return ld_err(obj, -EINVAL, "%s: section '%s': relocation %zu: symbol index %lu out of range",
                              obj->path, rs->name, j, (unsigned long)ELF64_R_SYM(r.r_info));
            if (ELF64_R_TYPE(r.r_info) == LD_R_BPF_NONE && obj->e_machine == EM_BPF)
                continue;
            if (r.r_offset >= ts->size || ts->size - r.r_offset < 8 ||
                (ts->kind != LD_SEC_BTF_MAPS && r.r_offset % sizeof(struct bpf_insn)))
                return ld_err(obj, -EINVAL,
                              "%s: section '%s': relocation %zu (symbol '%s'): offset %lu outside "
                              "section '%s' or misaligned",
                              obj->path, rs->name, j, obj->syms[ELF64_R_SYM(r.r_info)].name, (unsigned long)r.r_offset,
                              ts->name);
            lr = &ts->relocs[ts->nr_relocs++];
            lr->offset = r.r_offset;
            lr->type = (uint32_t)ELF64_R_TYPE(r.r_info);
            lr->sym = (uint32_t)ELF64_R_SYM(r.r_info);
        }
        qsort(ts->relocs, ts->nr_relocs, sizeof(*ts->relocs), cmp_reloc);
    }
    return 0;
}

static const struct ld_reloc *reloc_at(const struct ld_sec *s, uint64_t off)
{
    size_t lo = 0, hi = s->nr_relocs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->relocs[mid].offset < off)
            lo = mid + 1;
        else if (s->relocs[mid].offset > off)
            hi = mid;
        else
            return &s->relocs[mid];
    }
    return NULL;
}

/* ------------------------------------------------------------- linking */

struct link {
    struct bpfrt_object *obj;
    struct bpfrt_program *prog;
    struct bpf_insn *insns;
    size_t cnt, cap;
    struct ld_part *parts;
    size_t nr_parts, cap_parts;
};

/* Append cnt instructions of section sec_idx from sec_off as a new part. */
static int append_part(struct link *l, int sec_idx, size_t sec_off, size_t cnt)
{
    const struct ld_sec *s = &l->obj->secs[sec_idx];

    if (l->cnt + cnt > BPFRT_MAX_INSNS)
        return ld_err(l->obj, -E2BIG, "%s: program '%s': over %u instructions with its subprograms", l->obj->path,
                      l->prog->name, BPFRT_MAX_INSNS);
    if (l->cnt + cnt > l->cap) {
        size_t cap = (l->cnt + cnt) * 2;
        struct bpf_insn *ni = realloc(l->insns, cap * sizeof(*ni));
        if (!ni)
            return -ENOMEM;
        l->insns = ni;
        l->cap = cap;
    }
    if (l->nr_parts == l->cap_parts) {
        size_t cap = l->cap_parts ? l->cap_parts * 2 : 8;
        struct ld_part *np = realloc(l->parts, cap * sizeof(*np));
        if (!np)
            return -ENOMEM;
        l->parts = np;
        l->cap_parts = cap;
    }
    memcpy(l->insns + l->cnt, s->data + sec_off * sizeof(struct bpf_insn), cnt * sizeof(struct bpf_insn));
    l->parts[l->nr_parts++] = (struct ld_part){.sec_idx = sec_idx, .sec_off = sec_off, .cnt = cnt, .pos = l->cnt};
    if (btf_prog_info_append(&l->prog->pi, l->obj->btf_ext, s->name, sec_off, cnt, l->cnt))
        return -ENOMEM;
    l->cnt += cnt;
    return 0;
}

/* Position in the linked program of instruction `target` of section
 * sec_idx, appending the function holding it when not there yet. */
static int code_target(struct link *l, int sec_idx, int64_t target, const char *what, size_t at_sec, size_t at,
                       size_t *posp)
{
    const struct ld_sec *s = &l->obj->secs[sec_idx];
    const struct ld_func *f;
    size_t i;
    int err;

    if (target < 0 || (uint64_t)target >= s->size / sizeof(struct bpf_insn) ||
        !(f = ld_func_at(l->obj, sec_idx, (size_t)target)))
        return ld_err(l->obj, -EINVAL,
                      "%s: section '%s': insn %zu (program '%s'): %s target %lld is not in a "
                      "function of section '%s'",
                      l->obj->path, l->obj->secs[at_sec].name, at, l->prog->name, what, (long long)target, s->name);
    for (i = 0; i < l->nr_parts; i++)
        if (l->parts[i].sec_idx == sec_idx && l->parts[i].sec_off == f->start) {
            *posp = l->parts[i].pos + ((size_t)target - f->start);
            return 0;
        }
    err = append_part(l, sec_idx, f->start, f->cnt);
    if (err)
        return err;
    *posp = l->parts[l->nr_parts - 1].pos + ((size_t)target - f->start);
    return 0;
}

static int is_code(const struct bpfrt_object *obj, uint32_t shndx)
{
    return shndx < obj->nr_secs && (obj->secs[shndx].kind == LD_SEC_PROG || obj->secs[shndx].kind == LD_SEC_TEXT);
}

static int map_rt_id(struct link *l, int map_idx, size_t sec_idx, size_t at, const char *sym)
{
    const struct ld_map *m = &l->obj->maps[map_idx];

    if (!m->rt_id)
        return ld_err(l->obj, -EINVAL,
                      "%s: section '%s': insn %zu (program '%s'): map '%s' (symbol '%s') was not "
                      "created",
                      l->obj->path, l->obj->secs[sec_idx].name, at, l->prog->name, m->name, sym);
    return 0;
}

/* Apply relocation rel to the ld_imm64 at pos (section instruction at). */
static int reloc_ldimm64(struct link *l, const struct ld_reloc *rel, int sec_idx, size_t at, size_t pos)
{
    struct bpfrt_object *obj = l->obj;
    const struct ld_sym *s = &obj->syms[rel->sym];
    const char *sname = obj->secs[sec_idx].name;
    struct bpf_insn *in = &l->insns[pos];
    const struct ld_sec *ts;
    int idx, err;

    if (s->shndx == SHN_UNDEF) {
        if (s->kcfg_idx >= 0 && obj->kconfig_map >= 0) {
            err = map_rt_id(l, obj->kconfig_map, (size_t)sec_idx, at, s->name);
            if (err)
                return err;
            in[0].src_reg = BPF_PSEUDO_MAP_VALUE;
            in[1].imm = in[0].imm + (int32_t)obj->kcfg[s->kcfg_idx].off;
            in[0].imm = (int32_t)obj->maps[obj->kconfig_map].rt_id;
            return 0;
        }
        if (s->bind == STB_WEAK) { /* an unresolved weak extern reads as 0, as libbpf has it */
            in[0].src_reg = 0;
            in[0].imm = in[1].imm = 0;
            return 0;
        }
        return ld_err(obj, -ENOTSUP,
                      "%s: section '%s': insn %zu (program '%s'): reference to undefined symbol '%s' "
                      "(externs other than .kconfig are not supported)",
                      obj->path, sname, at, l->prog->name, s->name);
    }
    if (s->shndx >= obj->nr_secs)
        return ld_err(obj, -EINVAL, "%s: section '%s': insn %zu (program '%s'): symbol '%s' in special section %#x",
                      obj->path, sname, at, l->prog->name, s->name, s->shndx);
    ts = &obj->secs[s->shndx];
    switch (ts->kind) {
    case LD_SEC_MAPS:
    case LD_SEC_BTF_MAPS:
        idx = ld_map_at(obj, (int)s->shndx, s->value + (s->type == STT_SECTION ? (uint64_t)(int64_t)in[0].imm : 0));
        if (idx < 0)
            return ld_err(obj, -EINVAL,
                          "%s: section '%s': insn %zu (program '%s'): symbol '%s' is not a map "
                          "definition in '%s'",
                          obj->path, sname, at, l->prog->name, s->name, ts->name);
        err = map_rt_id(l, idx, (size_t)sec_idx, at, s->name);
        if (err)
            return err;
        in[0].src_reg = BPF_PSEUDO_MAP_FD;
        in[0].imm = (int32_t)obj->maps[idx].rt_id;
        in[1].imm = 0;
        return 0;
    case LD_SEC_DATA:
    case LD_SEC_RODATA:
    case LD_SEC_BSS: {
        int64_t off = (int64_t)in[0].imm + (int64_t)s->value;
        if (ts->map_idx < 0 || off < 0 || (uint64_t)off > ts->size)
            return ld_err(obj, -EINVAL,
                          "%s: section '%s': insn %zu (program '%s'): symbol '%s' offset %lld outside "
                          "'%s'",
                          obj->path, sname, at, l->prog->name, s->name, (long long)off, ts->name);
        err = map_rt_id(l, ts->map_idx, (size_t)sec_idx, at, s->name);
        if (err)
            return err;
        in[0].src_reg = BPF_PSEUDO_MAP_VALUE;
        in[0].imm = (int32_t)obj->maps[ts->map_idx].rt_id;
        in[1].imm = (int32_t)off;
        return 0;
    }
    case LD_SEC_PROG:
    case LD_SEC_TEXT: {
        int64_t byte = (int64_t)s->value + (int64_t)in[0].imm;
        size_t tpos;
        if (byte % (int64_t)sizeof(struct bpf_insn))
            return ld_err(obj, -EINVAL, "%s: section '%s': insn %zu (program '%s'): function pointer '%s' misaligned",
                          obj->path, sname, at, l->prog->name, s->name);
        err = code_target(l, (int)s->shndx, byte / 8, "callback", (size_t)sec_idx, at, &tpos);
        if (err)
            return err;
        in = &l->insns[pos];
        in[0].src_reg = BPF_PSEUDO_FUNC;
        in[0].imm = (int32_t)((int64_t)tpos - (int64_t)pos - 1);
        in[1].imm = 0;
        return 0;
    }
    default:
        return ld_err(obj, -ENOTSUP,
                      "%s: section '%s': insn %zu (program '%s'): reference to '%s' in section '%s', "
                      "which is neither maps, global data nor code",
                      obj->path, sname, at, l->prog->name, s->name, ts->name);
    }
}

/* A kernel function: an extern FUNC listed in the ".ksyms" DATASEC (how
 * clang records `extern ... __ksym` declarations). */
static int is_kfunc(const struct bpfrt_object *obj, const char *name)
{
    const struct btf_type *ds;
    int id, ds_id;
    uint16_t i;

    if (!obj->btf || (id = btf__find_by_name_kind(obj->btf, name, BTF_KIND_FUNC)) <= 0 ||
        (ds_id = btf__find_by_name_kind(obj->btf, ".ksyms", BTF_KIND_DATASEC)) <= 0)
        return 0;
    ds = btf__type_by_id(obj->btf, (uint32_t)ds_id);
    for (i = 0; i < btf_vlen(ds); i++)
        if (btf_var_secinfos(ds)[i].type == (uint32_t)id)
            return 1;
    return 0;
}

static int reloc_call(struct link *l, const struct ld_reloc *rel, int sec_idx, size_t at, size_t pos)
{
    struct bpfrt_object *obj = l->obj;
    const struct ld_sym *s = &obj->syms[rel->sym];
    const char *sname = obj->secs[sec_idx].name;
    struct bpf_insn *in = &l->insns[pos];
    size_t tpos;
    int64_t target;
    int err;

    if (s->shndx == SHN_UNDEF) {
        if (is_kfunc(obj, s->name))
            return ld_err(obj, -ENOTSUP,
                          "%s: section '%s': insn %zu (program '%s'): call to kernel function (kfunc) "
                          "'%s': kfuncs are not supported",
                          obj->path, sname, at, l->prog->name, s->name);
        return ld_err(obj, -ENOTSUP, "%s: section '%s': insn %zu (program '%s'): call to undefined function '%s'",
                      obj->path, sname, at, l->prog->name, s->name);
    }
    if (!is_code(obj, s->shndx))
        return ld_err(obj, -EINVAL, "%s: section '%s': insn %zu (program '%s'): call to '%s', which is not code",
                      obj->path, sname, at, l->prog->name, s->name);
    if (s->value % sizeof(struct bpf_insn))
        return ld_err(obj, -EINVAL, "%s: section '%s': insn %zu (program '%s'): call to '%s' misaligned", obj->path,
                      sname, at, l->prog->name, s->name);
    /* Global functions: imm -1 and the function's symbol; static ones: the
     * section's symbol and imm = target - 1.  One formula for both. */
    target = (int64_t)(s->value / sizeof(struct bpf_insn)) + in->imm + 1;
    err = code_target(l, (int)s->shndx, target, "call", (size_t)sec_idx, at, &tpos);
    if (err)
        return err;
    in = &l->insns[pos];
    in->src_reg = BPF_PSEUDO_CALL;
    in->imm = (int32_t)((int64_t)tpos - (int64_t)pos - 1);
    return 0;
}

static int is_call(const struct bpf_insn *in)
{
    return in->code == (BPF_JMP | BPF_CALL);
}

int ld_prog_link(struct bpfrt_object *obj, struct bpfrt_program *prog)
{
    struct link l = {.obj = obj, .prog = prog};
    size_t k, i;
    int err;

    btf_prog_info_free(&prog->pi);
    memset(&prog->pi, 0, sizeof(prog->pi));
    err = append_part(&l, prog->sec_idx, prog->sec_off, prog->orig_cnt);
    for (k = 0; !err && k < l.nr_parts; k++) {
        struct ld_part part = l.parts[k];
        const struct ld_sec *sec = &obj->secs[part.sec_idx];

        for (i = 0; !err && i < part.cnt; i++) {
            size_t pos = part.pos + i, at = part.sec_off + i;
            const struct ld_reloc *rel = reloc_at(sec, at * sizeof(struct bpf_insn));
            struct bpf_insn *in = &l.insns[pos];
            int ld64 = isa_is_ldimm64(in);

            if (ld64 && i + 1 >= part.cnt) {
                err = ld_err(obj, -EINVAL,
                             "%s: section '%s': insn %zu (program '%s'): ld_imm64 cut by the end of "
                             "function",
                             obj->path, sec->name, at, prog->name);
                break;
            }
            if (rel) {
                if (ld64)
                    err = reloc_ldimm64(&l, rel, part.sec_idx, at, pos);
                else if (is_call(in))
                    err = reloc_call(&l, rel, part.sec_idx, at, pos);
                else
                    err = ld_err(obj, -EINVAL,
                                 "%s: section '%s': insn %zu (program '%s'): relocation (type %u, symbol "
                                 "'%s') on an instruction that is neither ld_imm64 nor call",
                                 obj->path, sec->name, at, prog->name, rel->type, obj->syms[rel->sym].name);
            } else if ((is_call(in) && in->src_reg == BPF_PSEUDO_CALL) || (ld64 && in->src_reg == BPF_PSEUDO_FUNC)) {
                /* pc-relative within the section, resolved by the assembler */
                size_t tpos;
                int64_t target = (int64_t)at + in->imm + 1;
                err =
                    code_target(&l, part.sec_idx, target, ld64 ? "callback" : "call", (size_t)part.sec_idx, at, &tpos);
                if (!err)
                    l.insns[pos].imm = (int32_t)((int64_t)tpos - (int64_t)pos - 1);
            }
            if (ld64)
                i++;
        }
    }
    if (err) {
        free(l.insns);
        free(l.parts);
        return err;
    }
    free(prog->insns);
    free(prog->parts);
    prog->insns = l.insns;
    prog->cnt = l.cnt;
    prog->parts = l.parts;
    prog->nr_parts = l.nr_parts;
    prog->linked = 1;
    return 0;
}

int ld_object_relocate(struct bpfrt_object *obj)
{
    size_t i;
    int err;

    for (i = 0; i < obj->nr_progs; i++) {
        err = ld_prog_link(obj, &obj->progs[i]);
        if (err)
            return err;
    }
    return 0;
}
