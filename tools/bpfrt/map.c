/* map.c - `bpfrt map ...`: pinned maps (MAP := pinned FILE), shared by
 * every invocation, the maps of an ELF object, created in this process by
 * loading it (MAP := obj FILE name NAME), `map create` (pinned at FILE)
 * and `map pin`.
 *
 * A pinned map persists between invocations: updates made by one command
 * are seen by the next.  An object's maps do not: every command loads the
 * object afresh, so what it shows is the maps' initial contents (global
 * data, map-in-map `values`) and what a change would do (update, delete,
 * push: errors as the kernel's) unless the command pins them.  Output as
 * bpftool's: typed values from BTF as its "formatted" JSON (text mode: the
 * same JSON, pretty), hex without BTF. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "btf_fmt.h"
#include "cli.h"

struct map_ctx {
    struct cli_obj_spec spec; /* pinned: file = the pin, map = the map's name */
    const char *pinned;       /* MAP is `pinned FILE` */
    struct bpfrt_object *obj;
    struct bpfrt_map *map;
    struct btf *btf; /* when the map's values are typed: parsed from the map's BTF */
    uint32_t key_id, value_id;
    uint32_t key_size, value_size, nr_cpus, value_len; /* value_len: all per-CPU slots */
    int percpu;
};

static int is_percpu(enum bpf_map_type t)
{
    return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
           t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static const char *map_type_str(enum bpf_map_type t, char *buf, size_t sz)
{
    const char *n = libbpf_bpf_map_type_str(t);
    if (n)
        return n;
    snprintf(buf, sz, "type %u", (unsigned)t);
    return buf;
}

/* The BTF a typed dump uses: the map's own (what the loader created it
 * with, or what its pin kept).  The kernel keeps a map's BTF only when the
 * key type is real (sizes matching), or keyless for a global data array
 * (a DATASEC value) and a bloom filter; libbpf otherwise creates the map
 * without BTF, and bpftool then prints hex.  bpfrt shows what bpftool
 * would show for the same object loaded in the kernel. */
static void map_typed(struct map_ctx *c)
{
    enum bpf_map_type t = bpfrt_map__type(c->map);
    const struct btf_type *vt;
    libbpf_print_fn_t old;
    struct btf *btf;
    const void *raw;
    size_t len = 0;

    raw = bpfrt_map__btf(c->map, &len);
    c->key_id = bpfrt_map__btf_key_type_id(c->map);
    c->value_id = bpfrt_map__btf_value_type_id(c->map);
    if (!raw || !len || len > UINT32_MAX || !c->value_id)
        return;
    old = libbpf_set_print(NULL);
    btf = btf__new(raw, (uint32_t)len);
    libbpf_set_print(old);
    if (libbpf_get_error(btf))
        return;
    if (btf__resolve_size(btf, c->value_id) != (int64_t)c->value_size)
        goto untyped;
    vt = btf__type_by_id(btf, c->value_id);
    if (c->key_id) {
        if (btf__resolve_size(btf, c->key_id) != (int64_t)c->key_size)
            goto untyped;
    } else if (!(t == BPF_MAP_TYPE_ARRAY && bpfrt_map__max_entries(c->map) == 1 && vt && btf_is_datasec(vt)) &&
               t != BPF_MAP_TYPE_BLOOM_FILTER) {
        goto untyped;
    }
    c->btf = btf;
    return;
untyped:
    btf__free(btf);
}

static void ctx_fill(struct map_ctx *c)
{
    c->key_size = bpfrt_map__key_size(c->map);
    c->value_size = bpfrt_map__value_size(c->map);
    c->percpu = is_percpu(bpfrt_map__type(c->map));
    c->nr_cpus = c->percpu ? bpfrt_map__nr_workers(c->map) : 1;
    c->value_len = c->percpu ? ((c->value_size + 7) & ~7u) * c->nr_cpus : c->value_size;
    map_typed(c);
}

/* Parse MAP at argv[0]; returns words used or -1 after reporting. */
static int parse_map(int argc, char **argv, struct map_ctx *c, int need_name)
{
    int used;

    memset(c, 0, sizeof(*c));
    if (argc < 1) {
        cli_err("expected a MAP (pinned FILE | obj FILE name NAME)");
        return -1;
    }
    if (!strcmp(argv[0], "pinned")) {
        if (argc < 2) {
            cli_err("MAP 'pinned' needs the FILE the map is pinned at");
            return -1;
        }
        c->pinned = argv[1];
        c->spec.file = argv[1];
        return 2;
    }
    if (!strcmp(argv[0], "id") || !strcmp(argv[0], "name")) {
        cli_err("MAP '%s' needs the object store, which this build does not have yet; use 'pinned FILE' or "
                "'obj FILE name NAME'",
                argv[0]);
        return -1;
    }
    if (strcmp(argv[0], "obj")) {
        cli_err("unknown MAP kind '%s' (expected pinned FILE or obj FILE name NAME)", argv[0]);
        return -1;
    }
    used = cli_obj_parse(argc, argv, 1, &c->spec);
    if (used < 0)
        return -1;
    if (need_name && !c->spec.map) {
        cli_err("MAP 'obj %s' needs 'name NAME' to choose one of its maps", c->spec.file);
        return -1;
    }
    return used;
}

/* "a, b" of the object's maps. */
static void map_names(const struct bpfrt_object *obj, char *buf, size_t sz)
{
    const struct bpfrt_map *m = NULL;
    size_t len = 0;

    buf[0] = 0;
    while ((m = bpfrt_object__next_map(obj, m)) && len < sz)
        len += (size_t)snprintf(buf + len, sz - len, "%s%s", len ? ", " : "", bpfrt_map__name(m));
}

/* The command only reads maps (show, dump, lookup, getnext, peek): pins
 * are opened read-only, so that a pin another user shares 0644, or one on
 * a read-only filesystem, can be read (bpftool's BPF_F_RDONLY for these). */
static int open_rdonly;

/* Load the object and find the map; 0 or 1 after reporting. */
static int open_map(struct map_ctx *c)
{
    char names[1024];
    int err;

    if (c->pinned) {
        char log[1024] = "";
        BPFRT_OPTS(bpfrt_pin_opts, po, .log_buf = log, .log_size = sizeof(log),
                   .file_flags = open_rdonly ? BPF_F_RDONLY : 0);
        err = bpfrt_map__open_pinned_opts(c->pinned, &po, &c->map);
        if (err)
            return cli_err("%s", log[0] ? log : strerror(-err));
        c->spec.map = bpfrt_map__name(c->map)[0] ? bpfrt_map__name(c->map) : "(no name)";
        ctx_fill(c);
        return 0;
    }
    if (cli_obj_load(&c->spec, &c->obj))
        return 1;
    if (!c->spec.map)
        return 0;
    c->map = bpfrt_object__find_map_by_name(c->obj, c->spec.map);
    if (!c->map) {
        map_names(c->obj, names, sizeof(names));
        cli_err("object '%s' has no map '%s' (maps: %s)", c->spec.file, c->spec.map, names[0] ? names : "none");
        bpfrt_object__close(c->obj);
        c->obj = NULL;
        return 1;
    }
    ctx_fill(c);
    return 0;
}

static void close_map(struct map_ctx *c)
{
    btf__free(c->btf);
    c->btf = NULL;
    if (c->pinned)
        bpfrt_map__free(c->map); /* unmaps; the pin stays */
    else
        bpfrt_object__close(c->obj);
    c->map = NULL;
    c->obj = NULL;
}

/* bpftool's BYTES: `hex` then hex digits per byte, else numbers (0x..,
 * decimal, 0.. octal), exactly n of them.  *i advances past them. */
static int parse_bytes(int argc, char **argv, int *i, uint8_t *out, uint32_t n, const char *what)
{
    int base = 0;

    if (*i < argc && !strcmp(argv[*i], "hex")) {
        base = 16;
        (*i)++;
    }
    for (uint32_t k = 0; k < n; k++, (*i)++) {
        char *end;
        unsigned long v;
        if (*i >= argc)
            return cli_err("%s expected %u bytes got %u", what, n, k);
        errno = 0;
        v = strtoul(argv[*i], &end, base);
        if (errno || *end || !argv[*i][0] || v > 0xff)
            return cli_err("can't parse '%s' as a byte of %s", argv[*i], what);
        out[k] = (uint8_t)v;
    }
    return 0;
}

/* ------------------------------------------------------------- printing */

/* bpftool's hex: bytes separated by a space, two between groups of 8, a
 * new line every 16. */
static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t k = 0; k < n; k++)
        printf("%s%02x", !k ? "" : k % 16 == 0 ? "\n" : k % 8 == 0 ? "  " : " ", p[k]);
}

static void json_hex(struct json *j, const uint8_t *p, size_t n)
{
    char b[8];
    json_arr_open(j);
    for (size_t k = 0; k < n; k++) {
        snprintf(b, sizeof(b), "0x%02x", p[k]);
        json_str(j, b);
    }
    json_arr_close(j);
}

/* A typed value; hex strings when the BTF cannot describe these bytes. */
static void put_typed(struct json *j, const struct map_ctx *c, uint32_t id, const uint8_t *p, size_t n)
{
    if (btf_fmt_value(j, c->btf, id, p, n))
        json_hex(j, p, n);
}

/* The "formatted" object of one entry: {"key":..,"value":..} or
 * {"key":..,"values":[{"cpu":0,"value":..}]}; no key when the key is
 * untyped (global data). */
static void put_formatted(struct json *j, const struct map_ctx *c, const uint8_t *key, const uint8_t *value,
                          int with_key)
{
    json_obj_open(j);
    if (with_key && c->key_id && c->key_size) {
        json_key(j, "key");
        put_typed(j, c, c->key_id, key, c->key_size);
    }
    if (c->percpu) {
        json_key(j, "values");
        json_arr_open(j);
        for (uint32_t cpu = 0; cpu < c->nr_cpus; cpu++) {
            json_obj_open(j);
            json_kv_u64(j, "cpu", cpu);
            json_key(j, "value");
            put_typed(j, c, c->value_id, value + (size_t)cpu * ((c->value_size + 7) & ~7u), c->value_size);
            json_obj_close(j);
        }
        json_arr_close(j);
    } else {
        json_key(j, "value");
        put_typed(j, c, c->value_id, value, c->value_size);
    }
    json_obj_close(j);
}

/* One entry in -j form: raw bytes, and "formatted" when typed. */
static void put_entry_json(struct json *j, const struct map_ctx *c, const uint8_t *key, const uint8_t *value)
{
    json_obj_open(j);
    json_key(j, "key");
    json_hex(j, key, key ? c->key_size : 0);
    if (c->percpu) {
        json_key(j, "values");
        json_arr_open(j);
        for (uint32_t cpu = 0; cpu < c->nr_cpus; cpu++) {
            json_obj_open(j);
            json_kv_u64(j, "cpu", cpu);
            json_key(j, "value");
            json_hex(j, value + (size_t)cpu * ((c->value_size + 7) & ~7u), c->value_size);
            json_obj_close(j);
        }
        json_arr_close(j);
    } else {
        json_key(j, "value");
        json_hex(j, value, c->value_size);
    }
    if (c->btf) {
        json_key(j, "formatted");
        put_formatted(j, c, key, value, 1);
    }
    json_obj_close(j);
}

/* One entry in text form without BTF (bpftool's plain layout). */
static void put_entry_hex(const struct map_ctx *c, const uint8_t *key, const uint8_t *value)
{
    if (!c->percpu) {
        int brk = c->key_size > 16 || c->value_size > 16;
        int one_line = !brk && c->key_size + c->value_size <= 24;
        if (c->key_size) {
            printf("key:%c", brk ? '\n' : ' ');
            print_hex(key, c->key_size);
            printf(one_line ? "  " : "\n");
        }
        if (c->value_size) {
            printf("value:%c", brk ? '\n' : ' ');
            print_hex(value, c->value_size);
        }
        printf("\n");
        return;
    }
    if (c->key_size) {
        printf("key:\n");
        print_hex(key, c->key_size);
        printf("\n");
    }
    for (uint32_t cpu = 0; cpu < c->nr_cpus; cpu++) {
        printf("value (CPU %02u):%c", cpu, c->value_size > 16 ? '\n' : ' ');
        print_hex(value + (size_t)cpu * ((c->value_size + 7) & ~7u), c->value_size);
        printf("\n");
    }
}

/* ----------------------------------------------------------------- show */

/* One map; its pinned paths are paths (a listing: every name of the
 * file), else the one it was opened by. */
static void show_one(struct bpfrt_map *m, char *const *paths, size_t npaths)
{
    const char *own = bpfrt_map__pin_path(m);

    char tb[32];
    const char *type = map_type_str(bpfrt_map__type(m), tb, sizeof(tb));
    int frozen = bpfrt_map__is_frozen(m);

    if (cli.json) {
        json_obj_open(&cli.j);
        json_kv_u64(&cli.j, "id", bpfrt_map__id(m));
        json_kv_str(&cli.j, "type", type);
        json_kv_str(&cli.j, "name", bpfrt_map__name(m));
        json_kv_u64(&cli.j, "flags", bpfrt_map__map_flags(m));
        json_kv_u64(&cli.j, "bytes_key", bpfrt_map__key_size(m));
        json_kv_u64(&cli.j, "bytes_value", bpfrt_map__value_size(m));
        json_kv_u64(&cli.j, "max_entries", bpfrt_map__max_entries(m));
        json_kv_u64(&cli.j, "frozen", (uint64_t)frozen);
        if (npaths || own) {
            json_key(&cli.j, "pinned");
            json_arr_open(&cli.j);
            for (size_t k = 0; k < npaths; k++)
                json_str(&cli.j, paths[k]);
            if (!npaths)
                json_str(&cli.j, own);
            json_arr_close(&cli.j);
        }
        json_obj_close(&cli.j);
        return;
    }
    printf("%u: %s  name %s  flags 0x%x\n", bpfrt_map__id(m), type, bpfrt_map__name(m), bpfrt_map__map_flags(m));
    printf("\tkey %uB  value %uB  max_entries %u\n", bpfrt_map__key_size(m), bpfrt_map__value_size(m),
           bpfrt_map__max_entries(m));
    /* bpftool's order: the pins, then btf_id and frozen on one line */
    for (size_t k = 0; k < npaths; k++)
        printf("\tpinned %s\n", paths[k]);
    if (!npaths && own)
        printf("\tpinned %s\n", own);
    if (frozen)
        printf("\tfrozen\n");
}

/* `map show` alone: every map pinned under the state directory (there is
 * no list of every map in user space), each once with all its names, in
 * the order of their paths; ids are this process's, by that order.  A
 * file that starts like a map but does not open is left out (-d says
 * why). */
static int map_list_pinned(void)
{
    struct bpfrt_pin_entry *pins;
    char log[1024] = "";
    BPFRT_OPTS(bpfrt_pin_opts, po, .log_buf = log, .log_size = sizeof(log), .file_flags = BPF_F_RDONLY);
    size_t n;
    int err = bpfrt_pin_list(BPFRT_PIN_MAP, &po, &pins, &n);

    if (err)
        return cli_err("%s", log[0] ? log : strerror(-err));
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        json_arr_open(&cli.j);
    }
    for (size_t i = 0; i < n; i++) {
        struct bpfrt_map *m;
        if (bpfrt_map__open_pinned_opts(pins[i].paths[0], &po, &m)) {
            if (cli.debug)
                fprintf(stderr, "skipped: %s\n", log);
            continue;
        }
        show_one(m, pins[i].paths, pins[i].nr_paths);
        bpfrt_map__free(m);
    }
    if (cli.json) {
        json_arr_close(&cli.j);
        json_end(&cli.j);
    }
    bpfrt_pin_list_free(pins, n);
    return 0;
}

static int map_show(int argc, char **argv)
{
    struct map_ctx c;
    int used;

    if (argc < 1)
        return map_list_pinned();
    used = parse_map(argc, argv, &c, 0);
    if (used < 0)
        return 1;
    if (used < argc)
        return cli_err("unexpected '%s' after MAP", argv[used]);
    if (open_map(&c))
        return 1;
    if (cli.json)
        json_init(&cli.j, stdout, cli.pretty);
    if (c.map) {
        show_one(c.map, NULL, 0);
    } else {
        struct bpfrt_map *m = NULL;
        if (cli.json)
            json_arr_open(&cli.j);
        while ((m = bpfrt_object__next_map(c.obj, m)))
            show_one(m, NULL, 0);
        if (cli.json)
            json_arr_close(&cli.j);
    }
    if (cli.json)
        json_end(&cli.j);
    close_map(&c);
    return 0;
}

/* ----------------------------------------------------------------- dump */

static int map_dump(int argc, char **argv)
{
    struct map_ctx c;
    uint8_t *key, *next, *value;
    unsigned n = 0;
    struct json bj;
    int used, err;

    used = parse_map(argc, argv, &c, 1);
    if (used < 0)
        return 1;
    if (used < argc)
        return cli_err("unexpected '%s' after MAP", argv[used]);
    if (open_map(&c))
        return 1;
    key = calloc(1, c.key_size + 1);
    next = calloc(1, c.key_size + 1);
    value = calloc(1, c.value_len + 1);
    if (!key || !next || !value) {
        free(key), free(next), free(value), close_map(&c);
        return cli_err("out of memory");
    }
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        json_arr_open(&cli.j);
    } else if (c.btf) {
        json_init(&bj, stdout, 1); /* bpftool prints typed entries as pretty JSON */
        json_arr_open(&bj);
    }
    for (err = bpfrt_map__get_next_key(c.map, NULL, next, c.key_size); !err;
         err = bpfrt_map__get_next_key(c.map, key, next, c.key_size)) {
        memcpy(key, next, c.key_size);
        if (bpfrt_map__lookup_elem(c.map, key, c.key_size, value, c.value_len, 0))
            continue; /* deleted meanwhile, or not readable (as bpftool skips) */
        n++;
        if (cli.json)
            put_entry_json(&cli.j, &c, key, value);
        else if (c.btf)
            put_formatted(&bj, &c, key, value, 1);
        else
            put_entry_hex(&c, key, value);
    }
    if (cli.json) {
        json_arr_close(&cli.j);
        json_end(&cli.j);
    } else if (c.btf) {
        json_arr_close(&bj);
        json_end(&bj);
    } else {
        printf("Found %u element%s\n", n, n == 1 ? "" : "s");
    }
    free(key), free(next), free(value);
    close_map(&c);
    return 0;
}

/* ----------------------------------------------- lookup, getnext, update */

/* Parse MAP then `key BYTES` (need_key: 1 required, 2 optional) and, with
 * want_value, `value BYTES`; flags at the end for update. */
struct elem_args {
    uint8_t *key, *value;
    int has_key, has_value;
    uint64_t flags;
};

static int parse_elem(int argc, char **argv, struct map_ctx *c, struct elem_args *e, int need_key, int want_value,
                      int want_flags)
{
    int i;

    memset(e, 0, sizeof(*e));
    i = parse_map(argc, argv, c, 1);
    if (i < 0)
        return 1;
    if (open_map(c))
        return 1;
    e->key = calloc(1, c->key_size + 1);
    e->value = calloc(1, c->value_len + 1);
    if (!e->key || !e->value)
        return cli_err("out of memory");
    while (i < argc) {
        if (!strcmp(argv[i], "key") && need_key) {
            i++;
            if (parse_bytes(argc, argv, &i, e->key, c->key_size, "key"))
                return 1;
            e->has_key = 1;
        } else if (!strcmp(argv[i], "value") && want_value) {
            i++;
            if (parse_bytes(argc, argv, &i, e->value, c->value_size, "value"))
                return 1;
            /* per-CPU: the same value on every CPU, as bpftool does */
            for (uint32_t cpu = 1; cpu < c->nr_cpus; cpu++)
                memcpy(e->value + (size_t)cpu * ((c->value_size + 7) & ~7u), e->value, c->value_size);
            e->has_value = 1;
        } else if (want_flags &&
                   (!strcmp(argv[i], "any") || !strcmp(argv[i], "noexist") || !strcmp(argv[i], "exist"))) {
            e->flags = !strcmp(argv[i], "any") ? BPF_ANY : !strcmp(argv[i], "noexist") ? BPF_NOEXIST : BPF_EXIST;
            i++;
        } else {
            return cli_err("unexpected '%s' (expected%s%s%s)", argv[i], need_key ? " key BYTES" : "",
                           want_value ? " value BYTES" : "", want_flags ? " [any|noexist|exist]" : "");
        }
    }
    if (need_key == 1 && !e->has_key && c->key_size)
        return cli_err("map '%s' needs 'key BYTES' (%u bytes)", c->spec.map, c->key_size);
    if (want_value && !e->has_value)
        return cli_err("map '%s' needs 'value BYTES' (%u bytes)", c->spec.map, c->value_size);
    return 0;
}

static void elem_free(struct map_ctx *c, struct elem_args *e)
{
    free(e->key);
    free(e->value);
    close_map(c);
}

static int map_err(const struct map_ctx *c, const char *what, int err)
{
    return cli_err("%s in map '%s' of '%s' failed: %s", what, c->spec.map, c->spec.file, strerror(-err));
}

/* Print one looked-up (or peeked, popped) element. */
static void print_elem(const struct map_ctx *c, const uint8_t *key, const uint8_t *value)
{
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        put_entry_json(&cli.j, c, key, value);
        json_end(&cli.j);
    } else if (c->btf) {
        struct json bj;
        json_init(&bj, stdout, 1);
        put_formatted(&bj, c, key, value, 1);
        json_end(&bj);
    } else {
        put_entry_hex(c, key, value);
    }
}

static int map_lookup(int argc, char **argv)
{
    struct map_ctx c;
    struct elem_args e;
    int err;

    err = parse_elem(argc, argv, &c, &e, 1, 0, 0);
    if (!err) {
        err = bpfrt_map__lookup_elem(c.map, c.key_size ? e.key : NULL, c.key_size, e.value, c.value_len, 0);
        if (err == -ENOENT)
            err = cli_err("key not found in map '%s' of '%s'", c.spec.map, c.spec.file);
        else if (err)
            err = map_err(&c, "lookup", err);
        else
            print_elem(&c, e.key, e.value);
    }
    elem_free(&c, &e);
    return err ? 1 : 0;
}

static int map_getnext(int argc, char **argv)
{
    struct map_ctx c;
    struct elem_args e;
    uint8_t *next = NULL;
    int err;

    err = parse_elem(argc, argv, &c, &e, 2, 0, 0);
    if (!err) {
        next = calloc(1, c.key_size + 1);
        err = next ? bpfrt_map__get_next_key(c.map, e.has_key ? e.key : NULL, next, c.key_size) : -ENOMEM;
        if (err == -ENOENT)
            err = cli_err("can't get next key: %s (map '%s' of '%s')", strerror(ENOENT), c.spec.map, c.spec.file);
        else if (err)
            err = map_err(&c, "getnext", err);
        else if (cli.json) {
            json_init(&cli.j, stdout, cli.pretty);
            json_obj_open(&cli.j);
            json_key(&cli.j, "key");
            if (e.has_key)
                json_hex(&cli.j, e.key, c.key_size);
            else
                json_null(&cli.j);
            json_key(&cli.j, "next_key");
            json_hex(&cli.j, next, c.key_size);
            json_obj_close(&cli.j);
            json_end(&cli.j);
        } else {
            if (e.has_key) {
                printf("key:\n");
                print_hex(e.key, c.key_size);
                printf("\n");
            } else {
                printf("key: None\n");
            }
            printf("next key:\n");
            print_hex(next, c.key_size);
            printf("\n");
        }
    }
    free(next);
    elem_free(&c, &e);
    return err ? 1 : 0;
}

static int map_update(int argc, char **argv)
{
    struct map_ctx c;
    struct elem_args e;
    int err;

    err = parse_elem(argc, argv, &c, &e, 1, 1, 1);
    if (!err) {
        err = bpfrt_map__update_elem(c.map, c.key_size ? e.key : NULL, c.key_size, e.value, c.value_len, e.flags);
        if (err)
            err = map_err(&c, "update", err);
        else if (cli.json)
            printf("null\n");
    }
    elem_free(&c, &e);
    return err ? 1 : 0;
}

static int map_delete(int argc, char **argv)
{
    struct map_ctx c;
    struct elem_args e;
    int err;

    err = parse_elem(argc, argv, &c, &e, 1, 0, 0);
    if (!err) {
        err = bpfrt_map__delete_elem(c.map, e.key, c.key_size, 0);
        if (err)
            err = map_err(&c, "delete", err);
        else if (cli.json)
            printf("null\n");
    }
    elem_free(&c, &e);
    return err ? 1 : 0;
}

static int map_freeze(int argc, char **argv)
{
    struct map_ctx c;
    struct elem_args e;
    int err;

    err = parse_elem(argc, argv, &c, &e, 0, 0, 0);
    if (!err) {
        err = bpfrt_map__freeze(c.map);
        if (err)
            err = map_err(&c, "freeze", err);
        else if (cli.json)
            printf("null\n");
    }
    elem_free(&c, &e);
    return err ? 1 : 0;
}

/* peek / pop (queue, stack) and push. */
static int map_qs(int argc, char **argv, const char *op)
{
    struct map_ctx c;
    struct elem_args e;
    int err, push = !strcmp(op, "push");

    err = parse_elem(argc, argv, &c, &e, 0, push, 0);
    if (!err) {
        enum bpf_map_type t = bpfrt_map__type(c.map);
        if (t != BPF_MAP_TYPE_QUEUE && t != BPF_MAP_TYPE_STACK && (!push || t != BPF_MAP_TYPE_BLOOM_FILTER))
            err = cli_err("'%s' needs a queue or stack map; '%s' is %s", op, c.spec.map,
                          libbpf_bpf_map_type_str(t) ? libbpf_bpf_map_type_str(t) : "another type");
        else if (push)
            err = bpfrt_map__update_elem(c.map, NULL, 0, e.value, c.value_len, 0);
        else if (!strcmp(op, "peek"))
            err = bpfrt_map__lookup_elem(c.map, NULL, 0, e.value, c.value_len, 0);
        else
            err = bpfrt_map__lookup_and_delete_elem(c.map, NULL, 0, e.value, c.value_len, 0);
        if (err < 0) {
            err = err == -ENOENT ? cli_err("empty map ('%s' of '%s')", c.spec.map, c.spec.file) : map_err(&c, op, err);
        } else if (!err && !push) {
            print_elem(&c, NULL, e.value);
        } else if (!err && cli.json) {
            printf("null\n");
        }
    }
    elem_free(&c, &e);
    return err ? 1 : 0;
}

/* --------------------------------------------------------------- create */

static int map_type_parse(const char *s, enum bpf_map_type *t)
{
    for (int k = 1; k < 64; k++) {
        const char *n = libbpf_bpf_map_type_str((enum bpf_map_type)k);
        if (n && !strcmp(n, s)) {
            *t = (enum bpf_map_type)k;
            return 0;
        }
    }
    return -ENOENT;
}

static int map_create(int argc, char **argv)
{
    const char *file, *name = "", *type_s = NULL;
    uint64_t key = UINT64_MAX, value = UINT64_MAX, entries = UINT64_MAX, flags = 0;
    enum bpf_map_type type = BPF_MAP_TYPE_UNSPEC;
    struct map_ctx inner = {0};
    struct bpfrt_map *m;
    char log[512] = "";
    int i, err;

    if (argc < 1)
        return cli_err("'map create' needs FILE type TYPE key KEY_SIZE value VALUE_SIZE entries MAX");
    file = argv[0];
    for (i = 1; i < argc;) {
        const char *kw = argv[i];
        uint64_t *num = NULL;
        if (i + 1 >= argc) {
            close_map(&inner);
            return cli_err("'%s' needs a value", kw);
        }
        if (!strcmp(kw, "type"))
            type_s = argv[i + 1];
        else if (!strcmp(kw, "name"))
            name = argv[i + 1];
        else if (!strcmp(kw, "key"))
            num = &key;
        else if (!strcmp(kw, "value"))
            num = &value;
        else if (!strcmp(kw, "entries"))
            num = &entries;
        else if (!strcmp(kw, "flags"))
            num = &flags;
        else if (!strcmp(kw, "inner_map")) {
            int used;
            if (inner.obj) {
                close_map(&inner);
                return cli_err("'inner_map' given twice");
            }
            used = parse_map(argc - i - 1, argv + i + 1, &inner, 1);
            if (used < 0 || open_map(&inner))
                return 1;
            i += 1 + used;
            continue;
        } else {
            close_map(&inner);
            if (!strcmp(kw, "dev") || !strcmp(kw, "offload_dev"))
                return cli_err("'%s': device offload has no meaning in user space", kw);
            return cli_err("unknown keyword '%s' (expected type, key, value, entries, name, flags or inner_map)", kw);
        }
        if (num && cli_parse_u64(argv[i + 1], UINT32_MAX, num)) {
            close_map(&inner);
            return cli_err("can't parse %s '%s' (a number up to %u)", kw, argv[i + 1], UINT32_MAX);
        }
        i += 2;
    }
    err = 0;
    if (!type_s)
        err = cli_err("map type not specified (type TYPE)");
    else if (map_type_parse(type_s, &type))
        err = cli_err("invalid map type '%s'", type_s);
    else if (key == UINT64_MAX)
        err = cli_err("key size not specified (key KEY_SIZE)");
    else if (value == UINT64_MAX)
        err = cli_err("value size not specified (value VALUE_SIZE)");
    else if (entries == UINT64_MAX)
        err = cli_err("max entries not specified (entries MAX)");
    else if (strlen(name) >= BPF_OBJ_NAME_LEN)
        err = cli_err("map name '%s' too long (at most %d characters)", name, BPF_OBJ_NAME_LEN - 1);
    if (err) {
        close_map(&inner);
        return err;
    }
    BPFRT_OPTS(bpfrt_map_create_opts, o, .map_flags = (uint32_t)flags, .inner_map = inner.map, .log_buf = log,
               .log_size = sizeof(log));
    err = bpfrt_map__create(type, name, (uint32_t)key, (uint32_t)value, (uint32_t)entries, &o, &m);
    close_map(&inner);
    if (err)
        return cli_err("map create failed: %s%s%s", strerror(-err), log[0] ? ": " : "", log);
    BPFRT_OPTS(bpfrt_pin_opts, po, .log_buf = log, .log_size = sizeof(log));
    err = bpfrt_map__pin_opts(m, file, &po);
    bpfrt_map__free(m);
    if (err)
        return cli_err("map created (%s key %u value %u entries %u) but not pinned: %s", type_s, (unsigned)key,
                       (unsigned)value, (unsigned)entries, log[0] ? log : strerror(-err));
    if (cli.json)
        printf("null\n");
    return 0;
}

/* ------------------------------------------------------------------ pin */

/* `map pin MAP FILE`: an object's map is created by loading the object
 * and pinned with those contents; a pinned map gets a second name (a hard
 * link to the same file). */
static int map_pin(int argc, char **argv)
{
    struct map_ctx c;
    char log[1024] = "";
    BPFRT_OPTS(bpfrt_pin_opts, po, .log_buf = log, .log_size = sizeof(log));
    int used, err;

    used = parse_map(argc, argv, &c, 1);
    if (used < 0)
        return 1;
    if (used >= argc)
        return cli_err("'map pin' needs MAP then FILE");
    if (used + 1 < argc)
        return cli_err("unexpected '%s' after FILE", argv[used + 1]);
    if (open_map(&c))
        return 1;
    err = bpfrt_map__pin_opts(c.map, argv[used], &po);
    if (err)
        err = cli_err("%s", log[0] ? log : strerror(-err));
    else if (cli.json)
        printf("null\n");
    close_map(&c);
    return err ? 1 : 0;
}

int do_map(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "help")) {
        fprintf(argc < 1 ? stderr : stdout,
                "Usage: bpfrt map { show | list } { pinned FILE | obj FILE [name NAME] }\n"
                "       bpfrt map dump MAP\n"
                "       bpfrt map lookup MAP key BYTES\n"
                "       bpfrt map getnext MAP [key BYTES]\n"
                "       bpfrt map update MAP key BYTES value BYTES [any|noexist|exist]\n"
                "       bpfrt map delete MAP key BYTES\n"
                "       bpfrt map freeze MAP\n"
                "       bpfrt map { peek | pop } MAP  /  bpfrt map push MAP value BYTES\n"
                "       bpfrt map create FILE type TYPE key KEY_SIZE value VALUE_SIZE entries MAX [name NAME]\n"
                "                        [flags FLAGS] [inner_map MAP]\n"
                "       bpfrt map pin MAP FILE\n"
                "       MAP   := { pinned FILE | obj FILE name NAME }\n"
                "                (pinned: shared by every invocation; obj: the object is loaded in this process,\n"
                "                its maps as created)\n"
                "       Pins live in the state directory: $BPFRT_FS, /run/bpfrt (root) or $XDG_RUNTIME_DIR/bpfrt\n"
                "       BYTES := { hex XX XX ... | N N ... }   (0x.. hex, decimal or 0.. octal bytes)\n");
        return argc < 1;
    }
    const char *cmd = argv[0];
    argc--, argv++;
    open_rdonly = cli_is_prefix(cmd, "show") || cli_is_prefix(cmd, "list") || cli_is_prefix(cmd, "dump") ||
                  cli_is_prefix(cmd, "lookup") || cli_is_prefix(cmd, "getnext") || !strcmp(cmd, "peek");
    if (cli_is_prefix(cmd, "show") || cli_is_prefix(cmd, "list"))
        return map_show(argc, argv);
    if (cli_is_prefix(cmd, "dump"))
        return map_dump(argc, argv);
    if (cli_is_prefix(cmd, "lookup"))
        return map_lookup(argc, argv);
    if (cli_is_prefix(cmd, "getnext"))
        return map_getnext(argc, argv);
    if (cli_is_prefix(cmd, "update"))
        return map_update(argc, argv);
    if (cli_is_prefix(cmd, "delete"))
        return map_delete(argc, argv);
    if (cli_is_prefix(cmd, "freeze"))
        return map_freeze(argc, argv);
    if (!strcmp(cmd, "peek") || !strcmp(cmd, "push") || !strcmp(cmd, "pop") || !strcmp(cmd, "enqueue") ||
        !strcmp(cmd, "dequeue"))
        return map_qs(argc, argv, !strcmp(cmd, "enqueue") ? "push" : !strcmp(cmd, "dequeue") ? "pop" : cmd);
    if (cli_is_prefix(cmd, "create"))
        return map_create(argc, argv);
    if (!strcmp(cmd, "pin"))
        return map_pin(argc, argv);
    if (cli_is_prefix(cmd, "event_pipe"))
        return cli_err("'map %s' needs the object store, which this build does not have yet", cmd);
    return cli_err("unknown command 'map %s' (see bpfrt map help)", cmd);
}
