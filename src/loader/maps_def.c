/* maps_def.c - map definitions: BTF-defined `.maps`, the legacy `maps`
 * section (libbpf's struct bpf_map_def, the kernel samples' 28-byte
 * variant, iproute2's struct bpf_elf_map), global data (.data, .rodata*,
 * .bss) and .kconfig externs, each an ARRAY of one element as libbpf
 * makes them. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

#include <bpf/btf.h>

#include "loader.h"

#define MAX_BTF_DEPTH 32

static struct ld_map *add_map(struct bpfrt_object *obj, const char *name, enum ld_map_kind kind)
{
    struct ld_map *m;

    if (obj->nr_maps >= LD_MAX_MAPS)
        return NULL;
    m = realloc(obj->maps, (obj->nr_maps + 1) * sizeof(*m));
    if (!m)
        return NULL;
    obj->maps = m;
    m = &obj->maps[obj->nr_maps++];
    memset(m, 0, sizeof(*m));
    snprintf(m->name, sizeof(m->name), "%s", name);
    m->kind = kind;
    m->inner = -1;
    m->sec_idx = -1;
    m->values_off = ~0ull;
    return m;
}

static int add_init(struct ld_map *m, uint32_t slot, int map_idx, int prog_idx)
{
    struct ld_init *in;
    uint32_t i;

    for (i = 0; i < m->nr_inits; i++)
        if (m->inits[i].slot == slot) {
            m->inits[i].map_idx = map_idx;
            m->inits[i].prog_idx = prog_idx;
            return 0;
        }
    in = realloc(m->inits, (m->nr_inits + 1) * sizeof(*in));
    if (!in)
        return -ENOMEM;
    m->inits = in;
    in[m->nr_inits++] = (struct ld_init){.slot = slot, .map_idx = map_idx, .prog_idx = prog_idx};
    return 0;
}

int ld_map_add_init(struct ld_map *m, uint32_t slot, int map_idx, int prog_idx)
{
    return add_init(m, slot, map_idx, prog_idx);
}

int ld_map_at(const struct bpfrt_object *obj, int sec_idx, uint64_t off)
{
    size_t i;

    for (i = 0; i < obj->nr_maps; i++)
        if (obj->maps[i].sec_idx == sec_idx && obj->maps[i].kind == LD_MAP_USER && !obj->maps[i].is_inner_proto &&
            obj->maps[i].sec_off == off)
            return (int)i;
    return -1;
}

static int is_map_in_map(uint32_t type)
{
    return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/* max_entries 0 on per-CPU-sized maps means one per CPU, as libbpf fills it. */
static void fixup_defaults(struct ld_map *m)
{
    if (m->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && m->max_entries == 0)
        m->max_entries = bpfrt_nr_workers();
    if ((is_map_in_map(m->type) || m->type == BPF_MAP_TYPE_PROG_ARRAY) && m->value_size == 0)
        m->value_size = 4;
    if (m->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
        if (!m->key_size)
            m->key_size = 4;
        if (!m->value_size)
            m->value_size = 4;
    }
}

/* ------------------------------------------------------ legacy `maps` */

static int cmp_sym_value(const void *a, const void *b)
{
    const struct ld_sym *x = *(const struct ld_sym *const *)a, *y = *(const struct ld_sym *const *)b;
    return x->value < y->value ? -1 : x->value > y->value;
}

/* 28-byte records are either the kernel samples' bpf_map_def (..., inner_map_idx,
 * numa_node) or old iproute2's bpf_elf_map (..., id, pinning).  Weigh the
 * evidence; returns 1 for iproute2. */
static int guess_iproute2(struct bpfrt_object *obj, uint32_t (*w)[9], size_t n, size_t rec)
{
    int k = 0, i2 = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (is_map_in_map(w[i][0])) {
            if (w[i][5] < n && !is_map_in_map(w[w[i][5]][0]))
                k += 2; /* inner_map_idx names a plausible prototype */
        } else if (w[i][5]) {
            i2++; /* an id: inner_map_idx means nothing on a plain map */
        }
        if (rec >= 28) {
            if (w[i][4] & BPF_F_NUMA_NODE)
                k += 2;
            else if (w[i][6] > 3)
                k += 2; /* a NUMA node, not a PIN_* value */
            else if (w[i][6])
                i2++; /* PIN_OBJECT_NS / PIN_GLOBAL_NS without BPF_F_NUMA_NODE */
        }
    }
    ld_log(obj, "%s: section 'maps': %zu-byte records read as %s (evidence %d vs %d; set legacy_maps to force)",
           obj->path, rec,
           i2 > k ? "iproute2 struct bpf_elf_map (id, pinning)"
                  : "kernel struct bpf_map_def "
                    "(inner_map_idx, numa_node)",
           i2, k);
    return i2 > k;
}

static int parse_legacy_maps(struct bpfrt_object *obj)
{
    const struct ld_sec *sec = &obj->secs[obj->maps_idx];
    const struct ld_sym **syms = NULL;
    uint32_t(*w)[9] = NULL;
    size_t n = 0, i, j, rec, first = obj->nr_maps;
    int all_zero = 1, iproute2, err = 0;

    if (!sec->data)
        return ld_err(obj, -EINVAL, "%s: section 'maps': no contents", obj->path);
    for (i = 0; i < obj->nr_syms; i++) {
        const struct ld_sym *s = &obj->syms[i];
        if (s->shndx == (uint32_t)obj->maps_idx && (s->type == STT_OBJECT || s->type == STT_NOTYPE) && s->name[0])
            n++;
    }
    if (n == 0) {
        if (sec->size)
            ld_log(obj, "%s: section 'maps': %zu bytes but no symbols: no maps", obj->path, sec->size);
        return 0;
    }
    if (n > LD_MAX_MAPS)
        return ld_err(obj, -E2BIG, "%s: section 'maps': %zu maps is too many", obj->path, n);
    syms = calloc(n, sizeof(*syms));
    w = calloc(n, sizeof(*w));
    if (!syms || !w) {
        err = -ENOMEM;
        goto out;
    }
    for (i = 0, j = 0; i < obj->nr_syms; i++) {
        const struct ld_sym *s = &obj->syms[i];
        if (s->shndx == (uint32_t)obj->maps_idx && (s->type == STT_OBJECT || s->type == STT_NOTYPE) && s->name[0]) {
            syms[j++] = s;
            if (s->size)
                all_zero = 0;
        }
    }
    qsort(syms, n, sizeof(*syms), cmp_sym_value);
    /* Record size: the symbols' size, or (STT_NOTYPE of size 0) the
     * section divided evenly among them. */
    if (all_zero) {
        if (sec->size % n) {
            err = ld_err(obj, -EINVAL, "%s: section 'maps': %zu bytes do not divide among %zu map symbols", obj->path,
                         sec->size, n);
            goto out;
        }
        rec = sec->size / n;
    } else {
        rec = syms[0]->size;
        for (i = 1; i < n; i++)
            if (syms[i]->size != rec) {
                err = ld_err(obj, -EINVAL, "%s: section 'maps': map '%s' has size %lu, map '%s' %zu", obj->path,
                             syms[i]->name, (unsigned long)syms[i]->size, syms[0]->name, rec);
                goto out;
            }
    }
    if (rec < 16 || rec % 4) {
        err = ld_err(obj, -EINVAL, "%s: section 'maps': map '%s': record of %zu bytes is not a map definition",
                     obj->path, syms[0]->name, rec);
        goto out;
    }
    for (i = 0; i < n; i++) {
        uint64_t off = syms[i]->value;
        if (off > sec->size || rec > sec->size - off) {
            err = ld_err(obj, -EINVAL, "%s: section 'maps': map '%s' at offset %lu runs past the section", obj->path,
                         syms[i]->name, (unsigned long)off);
            goto out;
        }
        memcpy(w[i], sec->data + off, rec < sizeof(w[i]) ? rec : sizeof(w[i]));
        for (j = sizeof(w[i]); j < rec; j++)
            if (sec->data[off + j]) {
                ld_log(obj, "%s: section 'maps': map '%s': nonzero bytes past the known fields ignored", obj->path,
                       syms[i]->name);
                break;
            }
    }
    if (rec <= 20)
        iproute2 = 0;
    else if (rec >= 36)
        iproute2 = 1;
    else if (obj->legacy_maps == BPFRT_LEGACY_MAPS_KERNEL)
        iproute2 = 0;
    else if (obj->legacy_maps == BPFRT_LEGACY_MAPS_IPROUTE2)
        iproute2 = 1;
    else
        iproute2 = guess_iproute2(obj, w, n, rec);

    for (i = 0; i < n; i++) {
        struct ld_map *m = add_map(obj, syms[i]->name, LD_MAP_USER);
        if (!m) {
            err = -ENOMEM;
            goto out;
        }
        m->sec_idx = obj->maps_idx;
        m->sec_off = syms[i]->value;
        m->sec_size = rec;
        m->type = w[i][0];
        m->key_size = w[i][1];
        m->value_size = w[i][2];
        m->max_entries = w[i][3];
        m->map_flags = w[i][4];
        if (iproute2) {
            m->id = w[i][5];
            m->pinning = w[i][6];
            m->inner_id = w[i][7];
            m->inner_idx = rec >= 36 ? w[i][8] : ~0u;
        } else if (rec > 20) {
            if (is_map_in_map(m->type)) {
                if (w[i][5] >= n || w[i][5] == i) {
                    err = ld_err(obj, -EINVAL, "%s: section 'maps': map '%s': inner_map_idx %u is not another map",
                                 obj->path, m->name, w[i][5]);
                    goto out;
                }
                m->inner = (int)(first + w[i][5]);
            }
            m->numa_node = w[i][6];
        }
        fixup_defaults(m);
    }
    /* iproute2: an outer map's prototype is the map whose id is its
     * inner_id; that map goes into every such outer map at its inner_idx. */
    if (iproute2) {
        for (i = first; i < obj->nr_maps; i++) {
            struct ld_map *o = &obj->maps[i];
            if (!o->inner_id)
                continue;
            for (j = first; j < obj->nr_maps; j++) {
                struct ld_map *in = &obj->maps[j];
                if (j == i || in->id != o->inner_id)
                    continue;
                if (o->inner < 0)
                    o->inner = (int)j;
                if (in->inner_idx != ~0u && !in->inner_id && is_map_in_map(o->type) &&
                    (err = add_init(o, in->inner_idx, (int)j, -1)))
                    goto out;
            }
            if (o->inner < 0 && is_map_in_map(o->type)) {
                err = ld_err(obj, -EINVAL, "%s: section 'maps': map '%s': no map has id %u (its inner_id)", obj->path,
                             o->name, o->inner_id);
                goto out;
            }
        }
    }
out:
    free(syms);
    free(w);
    return err;
}

/* ------------------------------------------------------ BTF `.maps` */

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id)
{
    const struct btf_type *t = btf__type_by_id(btf, id);
    int depth = 0;

    while (t && depth++ < MAX_BTF_DEPTH && (btf_is_typedef(t) || btf_is_mod(t))) {
        id = t->type;
        t = btf__type_by_id(btf, id);
    }
    if (depth > MAX_BTF_DEPTH)
        return NULL;
    if (res_id)
        *res_id = id;
    return t;
}

/* __uint(name, val) is `int (*name)[val]`: val is the array length. */
static int btf_uint(const struct btf *btf, uint32_t type, uint32_t *val)
{
    const struct btf_type *t = skip_mods(btf, type, NULL), *arr;

    if (!t || !btf_is_ptr(t))
        return -EINVAL;
    arr = skip_mods(btf, t->type, NULL);
    if (!arr || !btf_is_array(arr))
        return -EINVAL;
    *val = btf_array(arr)->nelems;
    return 0;
}

static int parse_btf_def(struct bpfrt_object *obj, struct ld_map *m, uint32_t def_id, int depth);

/* `__type(key, T)`: a pointer to T; the size is T's. */
static int btf_ptr_target_size(struct bpfrt_object *obj, const struct ld_map *m, const char *field, uint32_t type,
                               uint32_t *size, uint32_t *type_id)
{
    const struct btf_type *t = skip_mods(obj->btf, type, NULL);
    long sz;

    if (!t || !btf_is_ptr(t))
        return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': '%s' is not a __type() pointer", obj->path, m->name,
                      field);
    sz = btf__resolve_size(obj->btf, t->type);
    if (sz < 0 || sz > UINT32_MAX)
        return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': cannot size the '%s' type (%ld)", obj->path,
                      m->name, field, sz);
    if (*size && *size != (uint32_t)sz)
        return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': %s_size %u but the %s type has %ld bytes",
                      obj->path, m->name, field, *size, field, sz);
    *size = (uint32_t)sz;
    *type_id = t->type;
    return 0;
}

static int parse_values(struct bpfrt_object *obj, struct ld_map *m, const struct btf_type *st, uint16_t idx, int depth)
{
    const struct btf_member *mb = btf_members(st) + idx;
    const struct btf_type *arr = skip_mods(obj->btf, mb->type, NULL), *ptr, *tgt;
    uint32_t tgt_id;
    struct ld_map *inner;
    size_t midx = (size_t)(m - obj->maps);
    char name[64];
    int err;

    if (!arr || !btf_is_array(arr))
        return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': 'values' is not an __array()", obj->path, m->name);
    ptr = skip_mods(obj->btf, btf_array(arr)->type, NULL);
    if (!ptr || !btf_is_ptr(ptr))
        return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': 'values' is not an array of pointers", obj->path,
                      m->name);
    tgt = skip_mods(obj->btf, ptr->type, &tgt_id);
    if (!tgt)
        return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': bad 'values' type", obj->path, m->name);
    m->values_off = btf_member_bit_offset(st, idx) / 8;
    if (btf_is_func_proto(tgt)) {
        if (m->type != BPF_MAP_TYPE_PROG_ARRAY)
            return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': function 'values' need a prog array", obj->path,
                          m->name);
        m->values_are_progs = 1;
        return 0;
    }
    if (!btf_is_struct(tgt))
        return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': 'values' must point to a map definition", obj->path,
                      m->name);
    if (!is_map_in_map(m->type))
        return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': inner map definition on a map of type %u",
                      obj->path, m->name, m->type);
    if (depth > 0)
        return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': nested map-in-map definitions", obj->path, m->name);
    snprintf(name, sizeof(name), "%.50s.inner", m->name);
    inner = add_map(obj, name, LD_MAP_USER);
    if (!inner)
        return -ENOMEM;
    m = &obj->maps[midx]; /* add_map may move the array */
    inner->is_inner_proto = 1;
    m->inner = (int)obj->nr_maps - 1;
    err = parse_btf_def(obj, inner, tgt_id, depth + 1);
    if (err)
        return err;
    return 0;
}

static int parse_btf_def(struct bpfrt_object *obj, struct ld_map *m, uint32_t def_id, int depth)
{
    const struct btf_type *t = skip_mods(obj->btf, def_id, NULL);
    const struct btf_member *mb;
    size_t midx = (size_t)(m - obj->maps);
    uint16_t i, vlen;
    int err;

    if (!t || !btf_is_struct(t))
        return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': definition is not a struct", obj->path, m->name);
    vlen = btf_vlen(t);
    for (i = 0; i < vlen; i++) {
        const char *f;
        uint32_t v = 0;

        m = &obj->maps[midx];
        mb = btf_members(t) + i;
        f = btf__name_by_offset(obj->btf, mb->name_off);
        if (!f)
            return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': member %u has no name", obj->path, m->name, i);
        if (!strcmp(f, "key")) {
            err = btf_ptr_target_size(obj, m, "key", mb->type, &m->key_size, &m->btf_key_type_id);
        } else if (!strcmp(f, "value")) {
            err = btf_ptr_target_size(obj, m, "value", mb->type, &m->value_size, &m->btf_value_type_id);
        } else if (!strcmp(f, "values")) {
            err = parse_values(obj, m, t, i, depth);
        } else {
            static const char *const uints[] = {"type",     "max_entries", "map_flags", "numa_node",
                                                "key_size", "value_size",  "map_extra", "pinning"};
            size_t k;
            for (k = 0; k < sizeof(uints) / sizeof(uints[0]); k++)
                if (!strcmp(f, uints[k]))
                    break;
            if (k == sizeof(uints) / sizeof(uints[0])) {
                ld_log(obj, "%s: section '.maps': map '%s': unknown field '%s' ignored", obj->path, m->name, f);
                continue;
            }
            if (btf_uint(obj->btf, mb->type, &v))
                return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': '%s' is not an __uint()", obj->path,
                              m->name, f);
            switch (k) {
            case 0: m->type = v; break;
            case 1: m->max_entries = v; break;
            case 2: m->map_flags = v; break;
            case 3: m->numa_node = v; break;
            case 4:
                if (m->key_size && m->key_size != v)
                    return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': key_size %u but key type %u bytes",
                                  obj->path, m->name, v, m->key_size);
                m->key_size = v;
                break;
            case 5:
                if (m->value_size && m->value_size != v)
                    return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': value_size %u but value type %u bytes",
                                  obj->path, m->name, v, m->value_size);
                m->value_size = v;
                break;
            case 6: m->map_extra = v; break;
            default: m->pinning = v; break;
            }
            err = 0;
        }
        if (err)
            return err;
    }
    m = &obj->maps[midx];
    if ((is_map_in_map(m->type) || m->type == BPF_MAP_TYPE_PROG_ARRAY) && !m->key_size)
        m->key_size = 4;
    fixup_defaults(m);
    return 0;
}

static int find_sym_in(const struct bpfrt_object *obj, int sec_idx, const char *name)
{
    size_t i;

    for (i = 0; i < obj->nr_syms; i++)
        if (obj->syms[i].shndx == (uint32_t)sec_idx && obj->syms[i].type != STT_SECTION &&
            !strcmp(obj->syms[i].name, name))
            return (int)i;
    return -1;
}

/* ------------------------------------------------------ DATASEC fixup */

/* clang leaves a DATASEC's size and its variables' offsets 0 in the
 * object; libbpf fills them at open from the ELF section's size and the
 * variables' symbols, so that the BTF describes the global data maps (and
 * the kernel, and bpftool, print them by it).  Done here in place on the
 * object's BTF, for every DATASEC whose section is in the object (extern
 * sections .kconfig / .ksyms have no section: parse_kconfig lays .kconfig
 * out).  Sizes already set (a statically linked object) are kept, and so
 * are the offsets then.  Variables without a symbol keep their offset. */
static void fixup_datasecs(struct bpfrt_object *obj)
{
    uint32_t n;

    if (!obj->btf)
        return;
    n = btf__type_cnt(obj->btf);
    for (uint32_t id = 1; id < n; id++) {
        struct btf_type *t = (struct btf_type *)btf__type_by_id(obj->btf, id);
        struct btf_var_secinfo *vs;
        const char *name;
        int sec = -1;

        if (!t || !btf_is_datasec(t) || t->size)
            continue;
        name = btf__name_by_offset(obj->btf, t->name_off);
        if (!name || !strcmp(name, ".kconfig") || !strcmp(name, ".ksyms"))
            continue;
        for (size_t i = 1; i < obj->nr_secs; i++)
            if (obj->secs[i].name && !strcmp(obj->secs[i].name, name)) {
                sec = (int)i;
                break;
            }
        if (sec < 0 || !obj->secs[sec].size || obj->secs[sec].size > UINT32_MAX)
            continue;
        t->size = (uint32_t)obj->secs[sec].size;
        vs = btf_var_secinfos(t);
        for (int i = 0; i < btf_vlen(t); i++) {
            const struct btf_type *v = btf__type_by_id(obj->btf, vs[i].type);
            const char *vname;
            int sym;

            if (!v || !btf_is_var(v) || btf_var(v)->linkage == BTF_VAR_GLOBAL_EXTERN)
                continue;
            vname = btf__name_by_offset(obj->btf, v->name_off);
            sym = vname && vname[0] ? find_sym_in(obj, sec, vname) : -1;
            if (sym >= 0 && obj->syms[sym].value <= t->size)
                vs[i].offset = (uint32_t)obj->syms[sym].value;
        }
    }
}

/* `values` initialisers: relocations in .rel.maps, one pointer a slot. */
static int parse_btf_values(struct bpfrt_object *obj)
{
    const struct ld_sec *sec = &obj->secs[obj->btf_maps_idx];
    size_t r, i;

    for (r = 0; r < sec->nr_relocs; r++) {
        const struct ld_reloc *rel = &sec->relocs[r];
        const struct ld_sym *s = &obj->syms[rel->sym];
        struct ld_map *m = NULL;
        uint64_t slot;
        int tgt = -1, err;

        for (i = 0; i < obj->nr_maps; i++) {
            struct ld_map *c = &obj->maps[i];
            if (c->sec_idx == obj->btf_maps_idx && !c->is_inner_proto && rel->offset >= c->sec_off &&
                rel->offset < c->sec_off + c->sec_size)
                m = c;
        }
        if (!m || m->values_off == ~0ull || rel->offset < m->sec_off + m->values_off ||
            (rel->offset - m->sec_off - m->values_off) % 8)
            return ld_err(obj, -EINVAL,
                          "%s: section '.maps': relocation at offset %lu (symbol '%s') is not in a "
                          "'values' array",
                          obj->path, (unsigned long)rel->offset, s->name);
        slot = (rel->offset - m->sec_off - m->values_off) / 8;
        if (m->max_entries && slot >= m->max_entries)
            return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': 'values' slot %lu past max_entries %u",
                          obj->path, m->name, (unsigned long)slot, m->max_entries);
        if (m->values_are_progs) {
            const struct ld_func *f = NULL;
            if (s->shndx < obj->nr_secs && obj->secs[s->shndx].kind == LD_SEC_PROG)
                f = ld_func_at(obj, (int)s->shndx, s->value / 8);
            if (!f || f->prog_idx < 0)
                return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': slot %lu: '%s' is not a program", obj->path,
                              m->name, (unsigned long)slot, s->name);
            err = add_init(m, (uint32_t)slot, -1, f->prog_idx);
        } else {
            if (s->shndx != (uint32_t)obj->btf_maps_idx || (tgt = ld_map_at(obj, (int)s->shndx, s->value)) < 0)
                return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s': slot %lu: '%s' is not a map", obj->path,
                              m->name, (unsigned long)slot, s->name);
            err = add_init(m, (uint32_t)slot, tgt, -1);
        }
        if (err)
            return err;
    }
    return 0;
}

static int parse_btf_maps(struct bpfrt_object *obj)
{
    const struct ld_sec *sec = &obj->secs[obj->btf_maps_idx];
    const struct btf_type *ds;
    const struct btf_var_secinfo *vi;
    int ds_id, i, vlen;
    int err;

    if (!obj->btf)
        return ld_err(obj, -EINVAL, "%s: section '.maps' needs BTF, and the object has no usable .BTF", obj->path);
    ds_id = btf__find_by_name_kind(obj->btf, ".maps", BTF_KIND_DATASEC);
    if (ds_id < 0)
        return ld_err(obj, -EINVAL, "%s: section '.maps': no DATASEC '.maps' in BTF", obj->path);
    ds = btf__type_by_id(obj->btf, (uint32_t)ds_id);
    vlen = btf_vlen(ds);
    for (i = 0; i < vlen; i++) {
        const struct btf_type *var;
        const char *name;
        struct ld_map *m;
        int sym;

        vi = btf_var_secinfos(ds) + i;
        var = btf__type_by_id(obj->btf, vi->type);
        name = var ? btf__name_by_offset(obj->btf, var->name_off) : NULL;
        if (!var || !btf_is_var(var) || !name || !name[0])
            return ld_err(obj, -EINVAL, "%s: section '.maps': entry %d is not a named variable", obj->path, i);
        m = add_map(obj, name, LD_MAP_USER);
        if (!m)
            return -ENOMEM;
        m->sec_idx = obj->btf_maps_idx;
        sym = find_sym_in(obj, obj->btf_maps_idx, name);
        m->sec_off = sym >= 0 ? obj->syms[sym].value : vi->offset;
        m->sec_size = vi->size;
        if (m->sec_off > sec->size || m->sec_size > sec->size - m->sec_off)
            return ld_err(obj, -EINVAL, "%s: section '.maps': map '%s' at offset %lu runs past the section", obj->path,
                          name, (unsigned long)m->sec_off);
        err = parse_btf_def(obj, m, var->type, 0);
        if (err)
            return err;
    }
    return parse_btf_values(obj);
}

/* ------------------------------------------------------ global data */

/* libbpf's internal map names: as much of the object name as leaves room
 * for the section name (at least 7 characters of it), within
 * BPF_OBJ_NAME_LEN, with characters the kernel refuses turned into '_':
 * "hello" + ".bss" -> "hello.bss", "a_long_name" + ".rodata" ->
 * "a_long_n.rodata". */
void ld_internal_map_name(const char *obj_name, const char *sec, char *out, size_t outsz)
{
    size_t sfx = strlen(sec), pfx = strlen(obj_name), i;
    char buf[BPF_OBJ_NAME_LEN];

    if (sfx < 7)
        sfx = 7;
    if (sfx > BPF_OBJ_NAME_LEN - 1)
        sfx = BPF_OBJ_NAME_LEN - 1;
    if (pfx > BPF_OBJ_NAME_LEN - 1 - sfx)
        pfx = BPF_OBJ_NAME_LEN - 1 - sfx;
    snprintf(buf, sizeof(buf), "%.*s%.*s", (int)pfx, obj_name, (int)sfx, sec);
    for (i = 0; buf[i]; i++)
        if (!isalnum((unsigned char)buf[i]) && buf[i] != '_' && buf[i] != '.')
            buf[i] = '_';
    snprintf(out, outsz, "%s", buf);
}

static int parse_global_data(struct bpfrt_object *obj)
{
    size_t i;

    for (i = 1; i < obj->nr_secs; i++) {
        struct ld_sec *s = &obj->secs[i];
        enum ld_map_kind kind;
        struct ld_map *m;
        char name[BPF_OBJ_NAME_LEN];

        if (s->kind == LD_SEC_DATA)
            kind = LD_MAP_DATA;
        else if (s->kind == LD_SEC_RODATA)
            kind = LD_MAP_RODATA;
        else if (s->kind == LD_SEC_BSS)
            kind = LD_MAP_BSS;
        else
            continue;
        if (!s->size)
            continue;
        if (s->size > LD_MAX_DATA_SIZE)
            return ld_err(obj, -E2BIG, "%s: section '%s': %zu bytes of global data is too much", obj->path, s->name,
                          s->size);
        ld_internal_map_name(obj->name, s->name, name, sizeof(name));
        m = add_map(obj, name, kind);
        if (!m)
            return -ENOMEM;
        m->type = BPF_MAP_TYPE_ARRAY;
        m->key_size = 4;
        m->value_size = (uint32_t)s->size;
        m->max_entries = 1;
        m->map_flags = BPF_F_MMAPABLE | (kind == LD_MAP_RODATA ? BPF_F_RDONLY_PROG : 0);
        m->sec_idx = (int)i;
        s->map_idx = (int)obj->nr_maps - 1;
        /* libbpf's bpf_map_find_btf_info: keyless, the section's DATASEC
         * as the value type (what bpftool prints global data by). */
        if (obj->btf) {
            int id = btf__find_by_name_kind(obj->btf, s->name, BTF_KIND_DATASEC);
            if (id > 0) {
                m->btf_key_type_id = 0;
                m->btf_value_type_id = (uint32_t)id;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------ .kconfig */

/* Alignment of a .kconfig value: integers, enums and pointers by their
 * size (at most 8), char arrays 1.  Our own walk: libbpf's btf__align_of
 * recurses without a depth limit. */
static int kcfg_align(const struct btf *btf, const struct btf_type *t)
{
    if (!t)
        return -EINVAL;
    if (btf_is_int(t) || btf_is_any_enum(t))
        return t->size >= 8 ? 8 : t->size >= 4 ? 4 : t->size >= 2 ? 2 : 1;
    if (btf_is_ptr(t))
        return 8;
    if (btf_is_array(t)) {
        const struct btf_type *el = skip_mods(btf, btf_array(t)->type, NULL);
        return el && btf_is_int(el) && el->size == 1 ? 1 : -EINVAL;
    }
    return -EINVAL;
}

static int parse_kconfig(struct bpfrt_object *obj)
{
    const struct btf_type *ds;
    uint32_t off = 0;
    int ds_id, i, vlen;
    size_t k;
    struct ld_map *m;
    char name[BPF_OBJ_NAME_LEN];

    if (!obj->btf)
        goto check_externs;
    ds_id = btf__find_by_name_kind(obj->btf, ".kconfig", BTF_KIND_DATASEC);
    if (ds_id < 0)
        goto check_externs;
    ds = btf__type_by_id(obj->btf, (uint32_t)ds_id);
    vlen = btf_vlen(ds);
    obj->kcfg = calloc(vlen ? (size_t)vlen : 1, sizeof(*obj->kcfg));
    if (!obj->kcfg)
        return -ENOMEM;
    for (i = 0; i < vlen; i++) {
        const struct btf_var_secinfo *vi = btf_var_secinfos(ds) + i;
        const struct btf_type *var = btf__type_by_id(obj->btf, vi->type), *t;
        struct ld_kcfg *kc = &obj->kcfg[obj->nr_kcfg];
        const char *vname = var ? btf__name_by_offset(obj->btf, var->name_off) : NULL;
        long sz;
        int al, sym;

        if (!var || !btf_is_var(var) || !vname || !vname[0])
            return ld_err(obj, -EINVAL, "%s: BTF '.kconfig': entry %d is not a named variable", obj->path, i);
        t = skip_mods(obj->btf, var->type, &kc->btf_type);
        sz = btf__resolve_size(obj->btf, var->type);
        al = kcfg_align(obj->btf, t);
        if (!t || sz <= 0 || sz > 4096 || al <= 0)
            return ld_err(obj, -EINVAL, "%s: extern '%s' (.kconfig): unsupported type", obj->path, vname);
        kc->name = vname;
        kc->size = (uint32_t)sz;
        if (btf_is_int(t)) {
            kc->is_bool = !!(btf_int_encoding(t) & BTF_INT_BOOL);
            kc->is_signed = !!(btf_int_encoding(t) & BTF_INT_SIGNED);
        } else if (btf_is_enum(t)) {
            const char *en = btf__name_by_offset(obj->btf, t->name_off);
            kc->is_tristate = en && !strcmp(en, "libbpf_tristate");
        } else if (btf_is_array(t)) {
            const struct btf_type *el = skip_mods(obj->btf, btf_array(t)->type, NULL);
            if (!el || !btf_is_int(el) || el->size != 1)
                return ld_err(obj, -EINVAL, "%s: extern '%s' (.kconfig): arrays must be of char", obj->path, vname);
            kc->is_char_array = 1;
        } else {
            return ld_err(obj, -EINVAL, "%s: extern '%s' (.kconfig): unsupported type kind %u", obj->path, vname,
                          btf_kind(t));
        }
        off = (off + (uint32_t)al - 1) & ~((uint32_t)al - 1);
        kc->off = off;
        off += kc->size;
        sym = find_sym_in(obj, SHN_UNDEF, vname);
        if (sym >= 0) {
            obj->syms[sym].kcfg_idx = (int)obj->nr_kcfg;
            kc->is_weak = obj->syms[sym].bind == STB_WEAK;
        }
        obj->nr_kcfg++;
    }
    if (!obj->nr_kcfg)
        return 0;
    ld_internal_map_name(obj->name, ".kconfig", name, sizeof(name));
    m = add_map(obj, name, LD_MAP_KCONFIG);
    if (!m)
        return -ENOMEM;
    m->type = BPF_MAP_TYPE_ARRAY;
    m->key_size = 4;
    m->value_size = (off + 7) & ~7u;
    m->max_entries = 1;
    m->map_flags = BPF_F_MMAPABLE | BPF_F_RDONLY_PROG;
    obj->kconfig_map = (int)obj->nr_maps - 1;
    /* The DATASEC describes the map's value as laid out above (libbpf
     * sets it so from its extern layout). */
    if ((int)obj->nr_kcfg == vlen) {
        struct btf_type *dt = (struct btf_type *)ds;
        struct btf_var_secinfo *vs = btf_var_secinfos(dt);
        dt->size = m->value_size;
        for (i = 0; i < vlen; i++)
            vs[i].offset = obj->kcfg[i].off;
        m->btf_value_type_id = (uint32_t)ds_id;
    }
check_externs:
    for (k = 0; k < obj->nr_syms; k++) {
        const struct ld_sym *s = &obj->syms[k];
        if (s->shndx == SHN_UNDEF && s->name[0] && s->kcfg_idx < 0 && s->bind != STB_LOCAL &&
            !strncmp(s->name, "CONFIG_", 7))
            return ld_err(obj, -EINVAL, "%s: extern '%s' looks like a kconfig value but has no BTF in '.kconfig'",
                          obj->path, s->name);
    }
    return 0;
}

/* Kernel config: /proc/config.gz, else /boot/config-$(uname -r).  Returns
 * the text (malloc'd) or NULL. */
static char *read_kernel_config(const char *release, char *where, size_t wsz)
{
    char path[512], *buf = NULL;
    size_t len = 0, cap = 0;
    gzFile f;
    int n;

    snprintf(where, wsz, "/proc/config.gz");
    f = gzopen("/proc/config.gz", "rb");
    if (!f) {
        snprintf(path, sizeof(path), "/boot/config-%s", release);
        snprintf(where, wsz, "%s", path);
        f = gzopen(path, "rb"); /* gz reads plain files too */
    }
    if (!f)
        return NULL;
    for (;;) {
        if (cap - len < 65536) {
            char *nb;
            if (cap > (64u << 20))
                break;
            cap = cap ? cap * 2 : 262144;
            nb = realloc(buf, cap + 1);
            if (!nb)
                break;
            buf = nb;
        }
        n = gzread(f, buf + len, (unsigned)(cap - len));
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    gzclose(f);
    if (buf)
        buf[len] = 0;
    return buf;
}

/* The value text of name in the config ("y", "m", "\"str\"", "123"), or NULL. */
static const char *config_value(const char *cfg, const char *name, size_t *lenp)
{
    size_t n = strlen(name);
    const char *p = cfg;

    while (p && *p) {
        if (!strncmp(p, name, n) && p[n] == '=') {
            const char *v = p + n + 1;
            *lenp = strcspn(v, "\n");
            return v;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

static uint32_t kernel_version_code(const char *release)
{
    unsigned a = 0, b = 0, c = 0;

    sscanf(release, "%u.%u.%u", &a, &b, &c);
    return (a << 16) + (b << 8) + (c > 255 ? 255 : c);
}

int ld_kconfig_fill(struct bpfrt_object *obj, uint8_t *val, size_t size)
{
    struct utsname u;
    char *cfg = NULL, where[600];
    int need_cfg = 0;
    size_t i;

    memset(val, 0, size);
    if (uname(&u))
        snprintf(u.release, sizeof(u.release), "0.0.0");
    for (i = 0; i < obj->nr_kcfg; i++)
        if (!strncmp(obj->kcfg[i].name, "CONFIG_", 7))
            need_cfg = 1;
    if (need_cfg) {
        cfg = read_kernel_config(u.release, where, sizeof(where));
        if (!cfg)
            ld_log(obj,
                   "%s: kconfig: no readable kernel config (/proc/config.gz, /boot/config-%s): CONFIG_* "
                   "externs default to 0",
                   obj->path, u.release);
    }
    for (i = 0; i < obj->nr_kcfg; i++) {
        const struct ld_kcfg *kc = &obj->kcfg[i];
        uint8_t *dst;
        uint64_t num = 0;
        const char *v = NULL;
        size_t vlen = 0;

        if ((size_t)kc->off + kc->size > size)
            return ld_err(obj, -EINVAL, "%s: kconfig: '%s' outside the map value", obj->path, kc->name);
        dst = val + kc->off;
        if (!strcmp(kc->name, "LINUX_KERNEL_VERSION")) {
            num = kernel_version_code(u.release);
        } else if (!strcmp(kc->name, "LINUX_HAS_BPF_COOKIE") || !strcmp(kc->name, "LINUX_HAS_SYSCALL_WRAPPER")) {
            num = 1;
        } else if (strncmp(kc->name, "CONFIG_", 7)) {
            if (!kc->is_weak)
                return ld_err(obj, -EINVAL, "%s: kconfig: unknown extern '%s'", obj->path, kc->name);
            continue;
        } else if (cfg) {
            v = config_value(cfg, kc->name, &vlen);
            if (!v) {
                if (!kc->is_weak)
                    ld_log(obj, "%s: kconfig: '%s' not in %s: defaults to 0", obj->path, kc->name, where);
                continue;
            }
            if (kc->is_char_array) {
                size_t n;
                if (vlen < 2 || v[0] != '"' || v[vlen - 1] != '"')
                    return ld_err(obj, -EINVAL, "%s: kconfig: '%s' is not a string in %s", obj->path, kc->name, where);
                n = vlen - 2 < kc->size - 1 ? vlen - 2 : kc->size - 1;
                memcpy(dst, v + 1, n);
                continue;
            }
            if (vlen == 1 && (v[0] == 'y' || v[0] == 'n' || v[0] == 'm'))
                num = v[0] == 'y' ? 1 : v[0] == 'm' ? (kc->is_tristate ? 2 : 1) : 0;
            else if (kc->is_bool || kc->is_tristate)
                return ld_err(obj, -EINVAL, "%s: kconfig: '%s' = '%.*s' is not y/n/m", obj->path, kc->name, (int)vlen,
                              v);
            else
                num = kc->is_signed ? (uint64_t)strtoll(v, NULL, 0) : strtoull(v, NULL, 0);
        } else {
            continue;
        }
        if (kc->is_char_array)
            continue;
        memcpy(dst, &num, kc->size < 8 ? kc->size : 8); /* little-endian */
    }
    free(cfg);
    return 0;
}

/* ------------------------------------------------------ all forms */

int ld_maps_parse(struct bpfrt_object *obj)
{
    int err = 0;

    fixup_datasecs(obj);
    if (obj->btf_maps_idx >= 0)
        err = parse_btf_maps(obj);
    if (!err && obj->maps_idx >= 0)
        err = parse_legacy_maps(obj);
    if (!err)
        err = parse_global_data(obj);
    if (!err)
        err = parse_kconfig(obj);
    return err;
}
