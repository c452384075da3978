/* object.c - the bpfrt_object__* / bpfrt_program__* API: open (parse the
 * ELF, map definitions, BTF, BTF.ext), load (create maps, fill global
 * data, link and relocate, CO-RE, load programs), iterate, close. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "loader.h"
#include "maps/map.h"

#include "../common/opts.h"

#define MAX_OBJECT_FILE (1ull << 30)

/* libbpf's object name: the file's base name up to its first '.'. */
static void object_name(const char *path, char *out, size_t outsz)
{
    const char *b = strrchr(path, '/');

    b = b ? b + 1 : path;
    snprintf(out, outsz, "%.*s", (int)strcspn(b, "."), b);
}

/* A malformed .BTF.ext is ignored, as libbpf does ("Ignored and
 * continue"); running out of memory is not a property of the object: it
 * fails the open, rather than giving an object silently without its line
 * info and CO-RE relocations. */
static int parse_btf_ext(struct bpfrt_object *obj)
{
    const struct ld_sec *s;
    char msg[512] = "";
    int err;

    if (obj->btf_ext_idx < 0 || !obj->btf)
        return 0;
    s = &obj->secs[obj->btf_ext_idx];
    if (!s->data)
        return 0;
    err = btf_ext_parse(s->data, s->size, obj->btf, &obj->btf_ext, msg, sizeof(msg));
    if (err == -ENOMEM)
        return err;
    if (err) {
        obj->btf_ext = NULL;
        ld_log(obj, "%s: section '.BTF.ext': ignored: %s", obj->path, msg);
    }
    return 0;
}

static int open_common(const char *path, const void *buf, size_t size, const struct bpfrt_object_open_opts *opts,
                       struct bpfrt_object **objp)
{
    const char *oname = CM_OPT(opts, object_name, NULL);
    const char *custom = CM_OPT(opts, btf_custom_path, NULL);
    struct bpfrt_object *obj;
    int err;

    obj = calloc(1, sizeof(*obj));
    if (!obj)
        return -ENOMEM;
    obj->log = CM_OPT(opts, log_buf, NULL);
    obj->log_size = CM_OPT(opts, log_size, 0);
    if (obj->log && obj->log_size)
        obj->log[0] = 0;
    obj->opt_prog_type = CM_OPT(opts, prog_type, BPF_PROG_TYPE_UNSPEC);
    obj->log_level = CM_OPT(opts, log_level, 0);
    obj->unpriv = CM_OPT(opts, unpriv, 0);
    obj->prog_flags = CM_OPT(opts, prog_flags, 0);
    snprintf(obj->engine, sizeof(obj->engine), "%s", CM_OPT(opts, engine, NULL) ? CM_OPT(opts, engine, NULL) : "");
    obj->vlog = CM_OPT(opts, verifier_log_buf, NULL);
    obj->vlog_size = CM_OPT(opts, verifier_log_size, 0);
    if (obj->vlog && obj->vlog_size)
        obj->vlog[0] = 0;
    obj->legacy_maps = CM_OPT(opts, legacy_maps, BPFRT_LEGACY_MAPS_AUTO);
    obj->path = strdup(path);
    obj->btf_custom_path = custom ? strdup(custom) : NULL;
    obj->buf = malloc(size ? size : 1);
    if (!obj->path || !obj->buf || (custom && !obj->btf_custom_path)) {
        bpfrt_object__close(obj);
        return -ENOMEM;
    }
    memcpy(obj->buf, buf, size);
    obj->buf_size = size;
    object_name(oname ? oname : path, obj->name, sizeof(obj->name));
    err = ld_elf_parse(obj);
    if (!err)
        err = ld_relocs_collect(obj);
    if (!err)
        err = ld_maps_parse(obj);
    if (!err)
        err = ld_tail_secs(obj);
    if (!err)
        err = parse_btf_ext(obj);
    if (!err)
        err = ld_map_conv_opts(obj, CM_OPT(opts, map_max_entries, NULL), CM_OPT(opts, nr_map_max_entries, 0));
    if (err) {
        if (err == -ENOMEM)
            ld_log(obj, "%s: out of memory", obj->path);
        bpfrt_object__close(obj);
        return err;
    }
    *objp = obj;
    return 0;
}

int bpfrt_object__open_mem(const void *buf, size_t size, const struct bpfrt_object_open_opts *opts,
                           struct bpfrt_object **objp)
{
    const char *oname = CM_OPT(opts, object_name, NULL);

    if (!objp || (!buf && size))
        return -EINVAL;
    return open_common(oname ? oname : "<memory>", buf, size, opts, objp);
}

int bpfrt_object__open_file(const char *path, const struct bpfrt_object_open_opts *opts, struct bpfrt_object **objp)
{
    char *log = CM_OPT(opts, log_buf, NULL);
    size_t logsz = CM_OPT(opts, log_size, 0);
    FILE *f;
    long n;
    uint8_t *buf;
    int err;

    if (!path || !objp)
        return -EINVAL;
    f = fopen(path, "rb");
    if (!f) {
        err = -errno;
        if (log && logsz)
            snprintf(log, logsz, "%s: cannot open: %s", path, strerror(-err));
        return err;
    }
    if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || (unsigned long long)n > MAX_OBJECT_FILE ||
        fseek(f, 0, SEEK_SET)) {
        fclose(f);
        if (log && logsz)
            snprintf(log, logsz, "%s: not a readable regular file of at most 1 GiB", path);
        return -EINVAL;
    }
    buf = malloc((size_t)n ? (size_t)n : 1);
    if (!buf) {
        fclose(f);
        return -ENOMEM;
    }
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        if (log && logsz)
            snprintf(log, logsz, "%s: read error", path);
        return -EIO;
    }
    fclose(f);
    /* messages name the file; the object's name is object_name if given */
    err = open_common(path, buf, (size_t)n, opts, objp);
    free(buf);
    return err;
}

/* ----------------------------------------------------------------- load */

static int create_map(struct bpfrt_object *obj, struct ld_map *m)
{
    char msg[256] = "";
    BPFRT_OPTS(bpfrt_map_create_opts, o, .map_flags = m->map_flags, .numa_node = m->numa_node,
               .map_extra = m->map_extra, .btf_key_type_id = m->btf_key_type_id,
               .btf_value_type_id = m->btf_value_type_id, .log_buf = msg, .log_size = sizeof(msg));
    char name[BPF_OBJ_NAME_LEN];
    int err;

    err = ld_map_conv(obj, m);
    if (err)
        return err;
    o.btf_key_type_id = m->btf_key_type_id;
    o.btf_value_type_id = m->btf_value_type_id;
    if (m->inner >= 0) {
        o.inner_map = obj->maps[m->inner].map;
        if (!o.inner_map)
            return ld_err(obj, -EINVAL, "%s: map '%s': its inner map '%s' was not created", obj->path, m->name,
                          obj->maps[m->inner].name);
    }
    snprintf(name, sizeof(name), "%.*s", (int)sizeof(name) - 1, m->name);
    if (obj->btf && m->btf_value_type_id) {
        /* the map finds its struct bpf_spin_lock in the BTF, as the kernel does */
        uint32_t blen = 0;
        o.btf = btf__raw_data(obj->btf, &blen);
        o.btf_size = blen;
    }
    err = bpfrt_map__create((enum bpf_map_type)m->type, name, m->key_size, m->value_size, m->max_entries, &o, &m->map);
    if (err)
        return ld_err(obj, err,
                      "%s: map '%s': cannot create (type %u, key %u, value %u, max_entries %u, flags %#x): "
                      "%s%s",
                      obj->path, m->name, m->type, m->key_size, m->value_size, m->max_entries, m->map_flags,
                      msg[0] ? msg : strerror(-err), ld_map_conv_hint(m));
    m->rt_id = bpfrt_map__id(m->map);
    /* The map keeps the BTF its type ids refer to (after the DATASEC
     * fixups of open), so that a pin of it can be printed typed. */
    if (obj->btf && (m->btf_key_type_id || m->btf_value_type_id)) {
        uint32_t len = 0;
        const void *raw = btf__raw_data(obj->btf, &len);
        if (raw && len && map_set_btf(m->map, raw, len))
            return ld_err(obj, -ENOMEM, "%s: map '%s': out of memory", obj->path, m->name);
    }
    return 0;
}

static int fill_map(struct bpfrt_object *obj, struct ld_map *m)
{
    uint32_t key = 0;
    uint8_t *val = NULL;
    int err = 0;

    if (m->kind == LD_MAP_DATA || m->kind == LD_MAP_RODATA) {
        const struct ld_sec *s = &obj->secs[m->sec_idx];
        err = bpfrt_map__update_elem(m->map, &key, sizeof(key), s->data, s->size, BPF_ANY);
    } else if (m->kind == LD_MAP_KCONFIG) {
        val = calloc(1, m->value_size);
        if (!val)
            return -ENOMEM;
        err = ld_kconfig_fill(obj, val, m->value_size);
        if (!err)
            err = bpfrt_map__update_elem(m->map, &key, sizeof(key), val, m->value_size, BPF_ANY);
    }
    free(val);
    if (err)
        return ld_err(obj, err, "%s: map '%s': cannot set its initial value: %s", obj->path, m->name, strerror(-err));
    if (m->kind == LD_MAP_RODATA || m->kind == LD_MAP_KCONFIG) {
        err = bpfrt_map__freeze(m->map);
        if (err)
            return ld_err(obj, err, "%s: map '%s': cannot freeze: %s", obj->path, m->name, strerror(-err));
    }
    return 0;
}

/* Map-in-map slots given by the object (BTF `values`, iproute2 inner_idx):
 * the value is the inner map's id.  Prog array slots wait for program ids. */
static int fill_slots(struct bpfrt_object *obj, struct ld_map *m)
{
    uint32_t i;
    int err;

    for (i = 0; i < m->nr_inits; i++) {
        const struct ld_init *in = &m->inits[i];
        uint32_t key = in->slot, val;

        if (in->map_idx < 0)
            continue; /* a program: fill_prog_slots() after the programs load */
        val = obj->maps[in->map_idx].rt_id;
        err = bpfrt_map__update_elem(m->map, &key, sizeof(key), &val, sizeof(val), BPF_ANY);
        if (err)
            return ld_err(obj, err, "%s: map '%s': cannot insert map '%s' at slot %u: %s", obj->path, m->name,
                          obj->maps[in->map_idx].name, key, strerror(-err));
    }
    return 0;
}

static int create_maps(struct bpfrt_object *obj)
{
    size_t i;
    int pass, err;

    /* Prototypes and plain maps first, then the maps that hold maps. */
    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < obj->nr_maps; i++) {
            struct ld_map *m = &obj->maps[i];
            if (m->map || (m->inner >= 0) != pass)
                continue;
            err = create_map(obj, m);
            if (!err)
                err = fill_map(obj, m);
            if (err)
                return err;
        }
    for (i = 0; i < obj->nr_maps; i++) {
        err = fill_slots(obj, &obj->maps[i]);
        if (err)
            return err;
    }
    obj->maps_created = 1;
    return 0;
}

static int core_relocate_prog(struct bpfrt_object *obj, struct bpfrt_program *p)
{
    char msg[1024] = "";
    int n;

    if (!p->pi.nr_relos)
        return 0;
    if (!obj->core_target_tried) {
        obj->core_target_tried = 1;
        if (core_target_btf_load(obj->btf_custom_path, &obj->core_target, msg, sizeof(msg))) {
            obj->core_target = NULL;
            ld_log(obj, "%s: CO-RE: no target BTF (%s): relocations needing it are poisoned", obj->path, msg);
            msg[0] = 0;
        }
    }
    free(p->poisons);
    p->poisons = NULL;
    p->nr_poisons = 0;
    n = core_relocate_rec(p->insns, p->cnt, obj->btf, obj->core_target, p->pi.relos, p->pi.nr_relos, p->name, msg,
                          sizeof(msg), &p->poisons, &p->nr_poisons);
    if (n < 0)
        return ld_err(obj, n, "%s: section '%s': program '%s': CO-RE: %s", obj->path, obj->secs[p->sec_idx].name,
                      p->name, msg);
    if (n > 0)
        ld_log(obj, "%s: program '%s': %d CO-RE relocation(s) poisoned: %s", obj->path, p->name, n, msg);
    return 0;
}

/* Prog array slots given by the object (BTF `values` of functions): the
 * value is the program's id, inserted once every program is loaded, as
 * libbpf does. */
static int fill_prog_slots(struct bpfrt_object *obj)
{
    for (size_t i = 0; i < obj->nr_maps; i++) {
        struct ld_map *m = &obj->maps[i];
        for (uint32_t k = 0; k < m->nr_inits; k++) {
            const struct ld_init *in = &m->inits[k];
            uint32_t key = in->slot, val;
            struct bpfrt_program *p;
            int err;

            if (in->map_idx >= 0 || in->prog_idx < 0)
                continue;
            p = &obj->progs[in->prog_idx];
            if (!p->prog) {
                /* a program switched off (autoload, a '?' section) leaves
                 * its slot empty, as libbpf does for programs it did not
                 * load */
                ld_log(obj, "%s: map '%s': slot %u left empty: program '%s' is not loaded", obj->path, m->name, key,
                       p->name);
                continue;
            }
            val = bpfrt_prog__id(p->prog);
            err = bpfrt_map__update_elem(m->map, &key, sizeof(key), &val, sizeof(val), BPF_ANY);
            if (err)
                return ld_err(obj, err, "%s: map '%s': cannot insert program '%s' at slot %u: %s", obj->path,
                              m->name, p->name, key, strerror(-err));
        }
    }
    return 0;
}

/* Link p with its subprograms and apply its relocations and CO-RE
 * relocations, once (bpfrt_object__load and bpfrt_program__verify share
 * the result). */
static int prog_prepare(struct bpfrt_object *obj, struct bpfrt_program *p)
{
    int err;

    if (p->no_type)
        return ld_err(obj, -EINVAL,
                      "%s: section '%s': program '%s': the section name gives no program type: give one "
                      "(prog_type in the open options, 'type TYPE' on the command line), or name the section "
                      "\"raw\" for bpfrt's raw convention (r1 = data, r2 = length)",
                      obj->path, obj->secs[p->sec_idx].name, p->name);
    if (p->relocated)
        return 0;
    err = ld_prog_link(obj, p);
    if (!err)
        err = core_relocate_prog(obj, p);
    if (!err)
        p->relocated = 1;
    return err;
}

/* What the verifier is given of p besides its instructions: the object's
 * raw BTF and p's func and line info as BPF_PROG_LOAD takes them
 * (insn_off in instructions, string offsets into that BTF), so that it
 * checks global functions against their BTF signatures and names source
 * lines, as the kernel does with what libbpf passes.  The arrays are
 * malloc'd into *fip / *lip. */
static int prog_btf_opts(const struct bpfrt_object *obj, const struct bpfrt_program *p, struct bpfrt_prog_load_opts *o,
                         struct bpf_func_info **fip, struct bpf_line_info **lip)
{
    const void *raw;
    uint32_t len = 0;

    *fip = NULL;
    *lip = NULL;
    if (!obj->btf || !p->linked)
        return 0;
    raw = btf__raw_data(obj->btf, &len);
    if (!raw)
        return -ENOMEM;
    o->btf = raw;
    o->btf_size = len;
    if (p->pi.nr_funcs) {
        *fip = calloc(p->pi.nr_funcs, sizeof(**fip));
        if (!*fip)
            return -ENOMEM;
        for (size_t k = 0; k < p->pi.nr_funcs; k++)
            (*fip)[k] = (struct bpf_func_info){.insn_off = p->pi.funcs[k].insn_off, .type_id = p->pi.funcs[k].type_id};
        o->func_info = *fip;
        o->func_info_rec_size = sizeof(struct bpf_func_info);
        o->func_info_cnt = (uint32_t)p->pi.nr_funcs;
    }
    if (p->pi.nr_lines) {
        *lip = calloc(p->pi.nr_lines, sizeof(**lip));
        if (!*lip)
            return -ENOMEM;
        for (size_t k = 0; k < p->pi.nr_lines; k++) {
            const struct btf_ext_line *ln = &p->pi.lines[k];
            (*lip)[k] = (struct bpf_line_info){.insn_off = ln->insn_off,
                                               .file_name_off = ln->file_name_off,
                                               .line_off = ln->line_off,
                                               .line_col = ln->line << 10 | (ln->col & 0x3ff)};
        }
        o->line_info = *lip;
        o->line_info_rec_size = sizeof(struct bpf_line_info);
        o->line_info_cnt = (uint32_t)p->pi.nr_lines;
    }
    return 0;
}

/* A rejection at an instruction a CO-RE relocation poisoned is that
 * relocation's failure: name it (libbpf leaves the kernel's bare
 * "invalid func unknown#195896080" to decode).  The poison covers both
 * slots of an LD_IMM64. */
static void explain_poison(const struct bpfrt_program *p, struct bpfrt_diag *d)
{
    char m[sizeof(d->message)];

    if (d->insn < 0 || (size_t)d->insn >= p->cnt || !core_insn_is_poison(&p->insns[d->insn]))
        return;
    /* the relocation of that instruction; else, the second slot of a
     * poisoned LD_IMM64, the relocation of the slot before */
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < p->nr_poisons; k++) {
            long at = (long)p->poisons[k].insn_off;
            if (d->insn != at + pass)
                continue;
            snprintf(m, sizeof(m), "CO-RE relocation failed at insn %ld: %s", at, p->poisons[k].what);
            snprintf(d->message, sizeof(d->message), "%s", m);
            d->insn = at;
            return;
        }
}

/* Append to the object's verifier log (open options). */
static char *vlog_tail(struct bpfrt_object *obj, size_t *room)
{
    size_t len;

    if (!obj->vlog || !obj->vlog_size || !obj->log_level)
        return NULL;
    len = strnlen(obj->vlog, obj->vlog_size - 1);
    *room = obj->vlog_size - len;
    return obj->vlog + len;
}

int bpfrt_object__load(struct bpfrt_object *obj)
{
    size_t i;
    int err;

    if (!obj)
        return -EINVAL;
    if (obj->loaded)
        return ld_err(obj, -EBUSY, "%s: already loaded", obj->path);
    obj->loaded = 1;
    if (!obj->maps_created) {
        err = create_maps(obj);
        if (err)
            return err;
    }
    for (i = 0; i < obj->nr_progs; i++) {
        struct bpfrt_program *p = &obj->progs[i];
        char msg[1024] = "", *vl;
        size_t room = 0;
        struct bpfrt_diag diag = {.sz = sizeof(diag)};
        struct bpf_func_info *fi = NULL;
        struct bpf_line_info *li = NULL;
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = p->type, .name = p->name, .license = obj->license,
                   .log_buf = msg, .log_size = sizeof(msg), .expected_attach_type = p->attach, .diag = &diag,
                   .log_level = obj->log_level, .unpriv = obj->unpriv, .prog_flags = obj->prog_flags | p->sec_flags,
                   .engine = obj->engine[0] ? obj->engine : NULL);

        if (!p->autoload)
            continue; /* libbpf's autoload off: a '?' section, or switched off */
        err = prog_prepare(obj, p);
        if (err)
            return err;
        if (prog_btf_opts(obj, p, &o, &fi, &li)) {
            free(fi);
            free(li);
            return ld_err(obj, -ENOMEM, "%s: program '%s': out of memory", obj->path, p->name);
        }
        /* the verifier's log (log_level) goes to the object's verifier log */
        vl = vlog_tail(obj, &room);
        if (vl && room > 1) {
            int n = snprintf(vl, room, "program '%s':\n", p->name);
            if (n > 0 && (size_t)n < room) {
                o.log_buf = vl + n;
                o.log_size = room - (size_t)n;
            }
        }
        err = bpfrt_prog__load_insns(p->insns, p->cnt, &o, &p->prog);
        free(fi);
        free(li);
        if (err) {
            /* the reason in plain words, at the source line of the
             * instruction at fault */
            const struct btf_ext_line *ln;
            char why[sizeof(diag.message) + 32];
            if (diag.err) {
                explain_poison(p, &diag);
                if (diag.insn >= 0 && strncmp(diag.message, "CO-RE relocation failed", 23))
                    snprintf(why, sizeof(why), "insn %ld: %s", diag.insn, diag.message);
                else
                    snprintf(why, sizeof(why), "%s", diag.message);
            } else {
                snprintf(why, sizeof(why), "%s", msg[0] ? msg : strerror(-err));
            }
            ln = diag.insn >= 0 ? btf_prog_info_line(&p->pi, (size_t)diag.insn) : NULL;
            if (ln && ln->text[0])
                return ld_err(obj, err, "%s: section '%s': program '%s': %s (%s:%u: %s)", obj->path,
                              obj->secs[p->sec_idx].name, p->name, why, ln->file, ln->line, ln->text);
            return ld_err(obj, err, "%s: section '%s': program '%s': %s", obj->path, obj->secs[p->sec_idx].name,
                          p->name, why);
        }
        err = ld_prog_give_src(obj, p);
        if (err)
            return err;
    }
    return fill_prog_slots(obj);
}

int bpfrt_program__verify(struct bpfrt_program *p, struct bpfrt_verify_opts *opts)
{
    struct bpfrt_object *obj;
    struct bpfrt_diag d = {.sz = sizeof(d), .insn = -1};
    struct bpfrt_diag *dout;
    struct bpf_func_info *fi = NULL;
    struct bpf_line_info *li = NULL;
    char *log, *saved_log;
    size_t logsz, saved_size;
    int err;

    if (!p || !CM_OPT_HAS(opts, verdict))
        return -EINVAL;
    obj = p->obj;
    opts->verdict = BPFRT_VERDICT_NONE;
    log = opts->log_buf;
    logsz = log ? opts->log_size : 0;
    dout = opts->diag;
    if (dout && dout->sz >= sizeof(*dout)) {
        dout->err = 0;
        dout->insn = -1;
        dout->message[0] = 0;
    }
    /* what keeps the program from being verified is logged to the
     * caller's log, not the object's */
    saved_log = obj->log;
    saved_size = obj->log_size;
    obj->log = log;
    obj->log_size = logsz;
    if (log && logsz)
        log[0] = 0;
    err = obj->maps_created ? 0 : create_maps(obj);
    if (!err)
        err = prog_prepare(obj, p);
    obj->log = saved_log;
    obj->log_size = saved_size;
    if (err) {
        if (dout && dout->sz >= sizeof(*dout)) {
            dout->err = err;
            snprintf(dout->message, sizeof(dout->message), "%s", log && logsz ? log : "");
        }
        return err;
    }
    {
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = p->type, .name = p->name, .license = obj->license,
                   .log_buf = log, .log_size = logsz, .expected_attach_type = p->attach, .diag = &d,
                   .log_level = opts->log_level, .unpriv = opts->unpriv, .prog_flags = opts->prog_flags | p->sec_flags,
                   .stats = opts->stats);
        if (prog_btf_opts(obj, p, &o, &fi, &li)) {
            free(fi);
            free(li);
            return -ENOMEM;
        }
        err = bpfrt_prog__verify_insns(p->insns, p->cnt, &o);
        free(fi);
        free(li);
    }
    if (err == -ENOMEM) {
        if (log && logsz)
            snprintf(log, logsz, "%s: program '%s': out of memory", obj->path, p->name);
        return err;
    }
    opts->verdict = err ? BPFRT_VERDICT_REJECTED : BPFRT_VERDICT_ACCEPTED;
    if (err) {
        explain_poison(p, &d);
        if (dout && dout->sz >= sizeof(*dout)) {
            dout->err = d.err ? d.err : err;
            dout->insn = d.insn;
            snprintf(dout->message, sizeof(dout->message), "%s", d.message);
        }
    }
    return err;
}

void bpfrt_object__close(struct bpfrt_object *obj)
{
    size_t i;

    if (!obj)
        return;
    for (i = 0; i < obj->nr_progs; i++) {
        struct bpfrt_program *p = &obj->progs[i];
        bpfrt_prog__free(p->prog);
        free(p->name);
        free(p->insns);
        free(p->parts);
        free(p->poisons);
        btf_prog_info_free(&p->pi);
    }
    free(obj->progs);
    /* outer maps before the prototypes they were made from */
    for (i = 0; i < obj->nr_maps; i++)
        if (obj->maps[i].inner >= 0)
            bpfrt_map__free(obj->maps[i].map);
    for (i = 0; i < obj->nr_maps; i++) {
        if (obj->maps[i].inner < 0)
            bpfrt_map__free(obj->maps[i].map);
        free(obj->maps[i].inits);
    }
    free(obj->maps);
    for (i = 0; i < obj->nr_secs; i++) {
        free(obj->secs[i].relocs);
        free(obj->secs[i].funcs);
    }
    free(obj->secs);
    free(obj->syms);
    free(obj->kcfg);
    btf_ext_free(obj->btf_ext);
    btf__free(obj->btf);
    btf__free(obj->core_target);
    if (obj->elf)
        elf_end(obj->elf);
    free(obj->buf);
    free(obj->path);
    free(obj->btf_custom_path);
    free(obj);
}

/* ------------------------------------------------------------ accessors */

const char *bpfrt_object__name(const struct bpfrt_object *obj)
{
    return obj->name;
}

const char *bpfrt_object__license(const struct bpfrt_object *obj)
{
    return obj->license;
}

uint32_t bpfrt_object__kversion(const struct bpfrt_object *obj)
{
    return obj->kversion;
}

struct bpfrt_program *bpfrt_object__next_program(const struct bpfrt_object *obj, const struct bpfrt_program *prev)
{
    size_t i = prev ? (size_t)(prev - obj->progs) + 1 : 0;

    return i < obj->nr_progs ? &obj->progs[i] : NULL;
}

struct bpfrt_program *bpfrt_object__find_program_by_name(const struct bpfrt_object *obj, const char *name)
{
    size_t i;

    for (i = 0; i < obj->nr_progs; i++)
        if (!strcmp(obj->progs[i].name, name))
            return &obj->progs[i];
    return NULL;
}

/* Maps exist once the object is loaded; inner prototypes are not listed. */
struct bpfrt_map *bpfrt_object__next_map(const struct bpfrt_object *obj, const struct bpfrt_map *prev)
{
    size_t i = 0;

    if (prev) {
        while (i < obj->nr_maps && obj->maps[i].map != prev)
            i++;
        i++;
    }
    for (; i < obj->nr_maps; i++)
        if (obj->maps[i].map && !obj->maps[i].is_inner_proto)
            return obj->maps[i].map;
    return NULL;
}

struct bpfrt_map *bpfrt_object__find_map_by_name(const struct bpfrt_object *obj, const char *name)
{
    size_t i;

    for (i = 0; i < obj->nr_maps; i++)
        if (obj->maps[i].map && !obj->maps[i].is_inner_proto && !strcmp(obj->maps[i].name, name))
            return obj->maps[i].map;
    return NULL;
}

const char *bpfrt_program__name(const struct bpfrt_program *p)
{
    return p->name;
}

const char *bpfrt_program__section_name(const struct bpfrt_program *p)
{
    return p->obj->secs[p->sec_idx].name;
}

enum bpf_prog_type bpfrt_program__type(const struct bpfrt_program *p)
{
    return p->type;
}

int bpfrt_program__set_type(struct bpfrt_program *p, enum bpf_prog_type type)
{
    if (!p)
        return -EINVAL;
    if (p->obj->loaded)
        return -EBUSY;
    if (p->type != type)
        p->attach = 0;
    p->type = type;
    p->no_type = 0;
    return 0;
}

int bpfrt_program__autoload(const struct bpfrt_program *p)
{
    return p ? p->autoload : 0;
}

int bpfrt_program__set_autoload(struct bpfrt_program *p, int autoload)
{
    if (!p)
        return -EINVAL;
    if (p->obj->loaded)
        return -EBUSY;
    p->autoload = !!autoload;
    return 0;
}

enum bpf_attach_type bpfrt_program__expected_attach_type(const struct bpfrt_program *p)
{
    return p->attach;
}

const struct bpf_insn *bpfrt_program__insns(const struct bpfrt_program *p)
{
    return p->insns;
}

size_t bpfrt_program__insn_cnt(const struct bpfrt_program *p)
{
    return p->cnt;
}

struct bpfrt_prog *bpfrt_program__prog(const struct bpfrt_program *p)
{
    return p->prog;
}

const char *bpfrt_program__source_line(const struct bpfrt_program *p, size_t idx, uint32_t *line_nr, const char **file)
{
    const struct btf_ext_line *ln;

    if (!p->linked || idx >= p->cnt)
        return NULL;
    ln = btf_prog_info_line(&p->pi, idx);
    if (!ln)
        return NULL;
    if (line_nr)
        *line_nr = ln->line;
    if (file)
        *file = ln->file;
    return ln->text;
}
