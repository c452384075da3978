/* obj.c - `obj FILE ...`: programs and maps straight from an ELF object,
 * opened and loaded in this process (shared by prog, map and btf).
 *
 * The few facts the public API does not carry yet (the object's BTF, a
 * program's func/line info, a map's frozen state) are
 * read here, in one place, from the loader's and the maps' internal
 * structures; everything else goes through bpfrt.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfrt/bpfrt.h"
#include "btf_fmt.h"
#include "cli.h"
#include "loader/loader.h"
#include "maps/map.h"
#include "runtime/prog_pin.h"

/* Program types by name: bpftool's `prog load ... type` words and
 * libbpf's names (libbpf_bpf_prog_type_str). */
static const struct {
    const char *name;
    enum bpf_prog_type type;
} prog_type_words[] = {
    {"socket", BPF_PROG_TYPE_SOCKET_FILTER}, {"classifier", BPF_PROG_TYPE_SCHED_CLS},  {"tc", BPF_PROG_TYPE_SCHED_CLS},
    {"action", BPF_PROG_TYPE_SCHED_ACT},     {"cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB},
};

int cli_prog_type_parse(const char *s, enum bpf_prog_type *type)
{
    for (size_t k = 0; k < sizeof(prog_type_words) / sizeof(prog_type_words[0]); k++)
        if (!strcmp(s, prog_type_words[k].name)) {
            *type = prog_type_words[k].type;
            return 0;
        }
    for (int t = 1; t < 64; t++) {
        const char *n = libbpf_bpf_prog_type_str((enum bpf_prog_type)t);
        if (n && !strcmp(n, s)) {
            *type = (enum bpf_prog_type)t;
            return 0;
        }
    }
    return -ENOENT;
}

const char *cli_prog_type_str(enum bpf_prog_type type, char *buf, size_t sz)
{
    const char *n = libbpf_bpf_prog_type_str(type);

    if (n)
        return n;
    snprintf(buf, sz, "type %u", (unsigned)type);
    return buf;
}

static int is_kw(const char *a, int for_map)
{
    if (for_map)
        return !strcmp(a, "name");
    return !strcmp(a, "sec") || !strcmp(a, "prog") || !strcmp(a, "type");
}

int cli_obj_parse(int argc, char **argv, int for_map, struct cli_obj_spec *s)
{
    int i;

    memset(s, 0, sizeof(*s));
    if (argc < 2) {
        cli_err("'obj' needs a FILE (an ELF object)");
        return -1;
    }
    s->file = argv[1];
    for (i = 2; i < argc && is_kw(argv[i], for_map); i += 2) {
        const char *kw = argv[i];
        if (i + 1 >= argc) {
            cli_err("'%s' needs a value", kw);
            return -1;
        }
        if (!strcmp(kw, "name")) {
            s->map = argv[i + 1];
        } else if (!strcmp(kw, "sec")) {
            if (s->prog) {
                cli_err("give 'sec SECTION' or 'prog NAME', not both");
                return -1;
            }
            s->sec = argv[i + 1];
        } else if (!strcmp(kw, "prog")) {
            if (s->sec) {
                cli_err("give 'sec SECTION' or 'prog NAME', not both");
                return -1;
            }
            s->prog = argv[i + 1];
        } else {
            if (cli_prog_type_parse(argv[i + 1], &s->type)) {
                cli_err("unknown program type '%s'", argv[i + 1]);
                return -1;
            }
            s->has_type = 1;
        }
    }
    return i;
}

int cli_obj_load(const struct cli_obj_spec *s, struct bpfrt_object **objp)
{
    char log[2048] = "";
    BPFRT_OPTS(bpfrt_object_open_opts, o, .prog_type = s->has_type ? s->type : BPF_PROG_TYPE_UNSPEC, .log_buf = log,
               .log_size = sizeof(log));
    struct bpfrt_object *obj;
    int err;

    err = bpfrt_object__open_file(s->file, &o, &obj);
    if (err) {
        if (err == -ENOENT && !log[0])
            return cli_err("cannot open object '%s': %s", s->file, strerror(-err));
        return cli_err("cannot open object '%s': %s", s->file, log[0] ? log : strerror(-err));
    }
    err = bpfrt_object__load(obj);
    if (err) {
        cli_err("cannot load object '%s': %s", s->file, log[0] ? log : strerror(-err));
        bpfrt_object__close(obj);
        return 1;
    }
    if (cli.debug && log[0])
        fprintf(stderr, "%s", log);
    *objp = obj;
    return 0;
}

/* "a, b, c" of every program of obj (or of section sec). */
static void prog_names(const struct bpfrt_object *obj, const char *sec, char *buf, size_t sz)
{
    const struct bpfrt_program *p = NULL;
    size_t len = 0;

    buf[0] = 0;
    while ((p = bpfrt_object__next_program(obj, p))) {
        if (sec && strcmp(bpfrt_program__section_name(p), sec))
            continue;
        len += (size_t)snprintf(buf + len, len < sz ? sz - len : 0, "%s%s", len ? ", " : "", bpfrt_program__name(p));
        if (len >= sz)
            break;
    }
}

struct bpfrt_program *cli_obj_prog(const struct bpfrt_object *obj, const struct cli_obj_spec *s)
{
    struct bpfrt_program *p = NULL, *found = NULL;
    char names[1024];
    int n = 0;

    if (s->prog) {
        found = bpfrt_object__find_program_by_name(obj, s->prog);
        if (!found) {
            prog_names(obj, NULL, names, sizeof(names));
            cli_err("object '%s' has no program '%s' (programs: %s)", s->file, s->prog, names[0] ? names : "none");
        }
        return found;
    }
    while ((p = bpfrt_object__next_program(obj, p)))
        if (!s->sec || !strcmp(bpfrt_program__section_name(p), s->sec)) {
            found = p;
            n++;
        }
    if (n == 1)
        return found;
    if (n == 0) {
        if (s->sec)
            cli_err("object '%s' has no program in section '%s'", s->file, s->sec);
        else
            cli_err("object '%s' has no programs", s->file);
        return NULL;
    }
    prog_names(obj, s->sec, names, sizeof(names));
    if (s->sec)
        cli_err("section '%s' of '%s' has %d programs (%s): choose one with 'prog NAME'", s->sec, s->file, n, names);
    else
        cli_err("object '%s' has %d programs (%s): choose one with 'prog NAME' or 'sec SECTION'", s->file, n, names);
    return NULL;
}

int cli_obj_prog_id(const struct bpfrt_object *obj, const struct bpfrt_program *p)
{
    const struct bpfrt_program *q = NULL;
    int id = 0;

    while ((q = bpfrt_object__next_program(obj, q))) {
        id++;
        if (q == p)
            return id;
    }
    return 0;
}

/* ------------------------------------------ facts beyond the public API */

const struct btf *cli_obj_btf(const struct bpfrt_object *obj)
{
    return obj->btf;
}

uint32_t cli_prog_func_at(const struct bpfrt_program *p, size_t idx)
{
    for (size_t i = 0; i < p->pi.nr_funcs; i++)
        if (p->pi.funcs[i].insn_off == idx)
            return p->pi.funcs[i].type_id;
    return 0;
}

const struct btf_ext_line *cli_prog_line_at(const struct bpfrt_program *p, size_t idx)
{
    return p->linked ? btf_prog_info_line_at(&p->pi, idx) : NULL;
}

/* Pin the loaded program of p at path, with what only the object knows:
 * the kernel's tag, the expected attach type, and the func/line info as
 * text (so that `prog dump xlated pinned FILE` shows source lines). */
int cli_obj_pin_prog(const struct bpfrt_object *obj, const struct bpfrt_program *p, const char *path, char *log,
                     size_t logsz)
{
    struct bpfrt_prog *prog = p->prog;
    struct prog_src_info si = {0};
    char (*protos)[512] = NULL;
    uint8_t tag[8];
    int err = -ENOMEM;

    if (!prog) {
        snprintf(log, logsz, "program '%s' is not loaded", p->name);
        return -EINVAL;
    }
    if (!cli_prog_tag(bpfrt_prog__insns(prog), bpfrt_prog__insn_cnt(prog), tag))
        prog_set_tag(prog, tag);
    prog_set_attach_type(prog, p->attach);
    if (p->linked) {
        si.nr_funcs = obj->btf ? p->pi.nr_funcs : 0;
        si.nr_lines = p->pi.nr_lines;
        si.funcs = calloc(si.nr_funcs ? si.nr_funcs : 1, sizeof(*si.funcs));
        protos = calloc(si.nr_funcs ? si.nr_funcs : 1, sizeof(*protos));
        si.lines = calloc(si.nr_lines ? si.nr_lines : 1, sizeof(*si.lines));
        if (!si.funcs || !protos || !si.lines)
            goto out;
        for (size_t k = 0; k < si.nr_funcs; k++) {
            const struct btf_type *t = btf__type_by_id(obj->btf, p->pi.funcs[k].type_id);
            si.funcs[k].insn_off = p->pi.funcs[k].insn_off;
            si.funcs[k].name = (char *)(t ? btf__name_by_offset(obj->btf, t->name_off) : "");
            if (btf_fmt_func_proto(obj->btf, p->pi.funcs[k].type_id, protos[k], sizeof(protos[k])))
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
        err = prog_set_src(prog, &si); /* copies */
        if (err)
            goto out;
    }
    err = prog_pin_log(prog, path, log, logsz);
out:
    if (err == -ENOMEM && !log[0])
        snprintf(log, logsz, "out of memory");
    free(si.funcs);
    free(si.lines);
    free(protos);
    return err;
}

int cli_map_frozen(const struct bpfrt_map *m)
{
    return __atomic_load_n(&m->frozen, __ATOMIC_ACQUIRE);
}

uint32_t cli_map_nr_workers(const struct bpfrt_map *m)
{
    return m->nr_workers;
}

/* ------------------------------------------------------ listing pins */

struct pin_file {
    char *path;
    dev_t dev;
    ino_t ino;
};

struct pin_walk {
    const char *magic;
    struct pin_file *files;
    size_t n, cap;
};

static int has_magic(const char *path, const char *magic)
{
    char buf[8];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ssize_t n;

    if (fd < 0)
        return 0;
    n = pread(fd, buf, sizeof(buf), 0);
    close(fd);
    return n == (ssize_t)sizeof(buf) && !memcmp(buf, magic, sizeof(buf));
}

static int walk(struct pin_walk *w, const char *dir, int depth)
{
    struct dirent **ents = NULL;
    int n, err = 0;

    if (depth > 32)
        return 0;
    n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0)
        return depth ? 0 : -errno; /* a subdirectory that went away or is unreadable: skipped */
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        struct stat st;
        char *path;

        if (err || !strcmp(name, ".") || !strcmp(name, "..") || asprintf(&path, "%s/%s", dir, name) < 0) {
            free(ents[i]);
            continue;
        }
        if (lstat(path, &st)) {
            free(path);
        } else if (S_ISDIR(st.st_mode)) {
            err = walk(w, path, depth + 1);
            free(path);
        } else if (S_ISREG(st.st_mode) && has_magic(path, w->magic)) {
            if (w->n == w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 16;
                struct pin_file *f = realloc(w->files, cap * sizeof(*f));
                if (!f) {
                    free(path);
                    err = -ENOMEM;
                    free(ents[i]);
                    continue;
                }
                w->files = f;
                w->cap = cap;
            }
            w->files[w->n++] = (struct pin_file){path, st.st_dev, st.st_ino};
        } else {
            free(path);
        }
        free(ents[i]);
    }
    free(ents);
    return err;
}

int cli_pins_find(const char *magic, struct cli_pin **pinsp, size_t *np)
{
    struct pin_walk w = {.magic = magic};
    struct cli_pin *pins = NULL;
    size_t *first = NULL; /* the file of each group, in w.files */
    const char *dir = bpfrt_fs_dir();
    size_t n = 0;
    int err;

    *pinsp = NULL;
    *np = 0;
    if (!dir)
        return cli_err("no state directory: %s", strerror(errno));
    err = walk(&w, dir, 0);
    if (!err && w.n && (!(pins = calloc(w.n, sizeof(*pins))) || !(first = calloc(w.n, sizeof(*first)))))
        err = -ENOMEM;
    for (size_t i = 0; !err && i < w.n; i++) {
        size_t k;
        char **p;

        for (k = 0; k < n; k++) /* the same file under another name (a hard link) */
            if (w.files[first[k]].dev == w.files[i].dev && w.files[first[k]].ino == w.files[i].ino)
                break;
        if (k == n)
            first[n++] = i;
        p = realloc(pins[k].paths, (pins[k].npaths + 1) * sizeof(*p));
        if (!p) {
            err = -ENOMEM;
            break;
        }
        pins[k].paths = p;
        p[pins[k].npaths++] = w.files[i].path;
        w.files[i].path = NULL;
    }
    for (size_t i = 0; i < w.n; i++)
        free(w.files[i].path);
    free(w.files);
    free(first);
    if (err) {
        cli_pins_free(pins, n);
        return cli_err("cannot list the pins under '%s': %s", dir, strerror(-err));
    }
    *pinsp = pins;
    *np = n;
    return 0;
}

void cli_pins_free(struct cli_pin *pins, size_t n)
{
    for (size_t i = 0; pins && i < n; i++) {
        for (size_t k = 0; k < pins[i].npaths; k++)
            free(pins[i].paths[k]);
        free(pins[i].paths);
    }
    free(pins);
}

/* ------------------------------------------------------------- the tag */

/* SHA-1 (FIPS 180-4): the program tag of kernels before 6.18. */
struct sha1 {
    uint32_t h[5];
    uint8_t buf[64];
    uint64_t len;
};

static uint32_t rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(struct sha1 *s, const uint8_t *p)
{
    uint32_t w[80], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20)
            f = (b & c) | (~b & d), k = 0x5a827999;
        else if (i < 40)
            f = b ^ c ^ d, k = 0x6ed9eba1;
        else if (i < 60)
            f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
        else
            f = b ^ c ^ d, k = 0xca62c1d6;
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

static void sha1_update(struct sha1 *s, const uint8_t *p, size_t n)
{
    while (n--) {
        s->buf[s->len++ % 64] = *p++;
        if (s->len % 64 == 0)
            sha1_block(s, s->buf);
    }
}

static void sha1(const void *data, size_t n, uint8_t out[20])
{
    struct sha1 s = {{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0}, {0}, 0};
    uint64_t bits = (uint64_t)n * 8;
    uint8_t pad = 0x80, zero = 0, lenb[8];

    sha1_update(&s, data, n);
    sha1_update(&s, &pad, 1);
    while (s.len % 64 != 56)
        sha1_update(&s, &zero, 1);
    for (int i = 0; i < 8; i++)
        lenb[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha1_update(&s, lenb, 8);
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 4; k++)
            out[4 * i + k] = (uint8_t)(s.h[i] >> (24 - 8 * k));
}

/* SHA-256 (FIPS 180-4), for kernels from 6.18 on. */
static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64], v[8];

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, h, sizeof(v));
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6])) +
                      sha256_k[i] + w[i];
        uint32_t t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof(v[0]));
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += v[i];
}

/* Both digests share the padding (length in bits, big-endian, last). */
static void sha256(const void *data, size_t n, uint8_t out[32])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const uint8_t *p = data;
    uint8_t last[128] = {0};
    size_t rest = n % 64, tail = rest < 56 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;

    for (size_t off = 0; off + 64 <= n; off += 64)
        sha256_block(h, p + off);
    memcpy(last, p + n - rest, rest);
    last[rest] = 0x80;
    for (int i = 0; i < 8; i++)
        last[tail - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (size_t off = 0; off < tail; off += 64)
        sha256_block(h, last + off);
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 4; k++)
            out[4 * i + k] = (uint8_t)(h[i] >> (24 - 8 * k));
}

/* Linux 6.18 changed the tag from SHA-1 to SHA-256 (bpf_prog_calc_tag);
 * bpfrt reports the tag the running kernel would. */
static int kernel_tag_is_sha256(void)
{
    static int cached = -1;
    struct utsname u;
    unsigned maj = 0, min = 0;

    if (cached < 0) {
        const char *env = getenv("BPFRT_TAG_HASH");
        if (env)
            cached = !strcmp(env, "sha256");
        else
            cached = !uname(&u) && sscanf(u.release, "%u.%u", &maj, &min) == 2 && (maj > 6 || (maj == 6 && min >= 18));
    }
    return cached;
}

int cli_prog_tag(const struct bpf_insn *insns, size_t cnt, uint8_t tag[8])
{
    struct bpf_insn *c = malloc((cnt ? cnt : 1) * sizeof(*c));
    uint8_t d[32];

    if (!c)
        return -ENOMEM;
    memcpy(c, insns, cnt * sizeof(*c));
    /* As the kernel's bpf_prog_calc_tag: the map of a map load (fd or
     * value) is not part of the program's identity, so both immediates of
     * such an LD_IMM64 count as zero. */
    for (size_t i = 0; i + 1 < cnt; i++)
        if (c[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
            (c[i].src_reg == BPF_PSEUDO_MAP_FD || c[i].src_reg == BPF_PSEUDO_MAP_VALUE)) {
            c[i].imm = 0;
            if (c[i + 1].code == 0 && c[i + 1].dst_reg == 0 && c[i + 1].src_reg == 0 && c[i + 1].off == 0)
                c[i + 1].imm = 0;
            i++;
        }
    if (kernel_tag_is_sha256())
        sha256(c, cnt * sizeof(*c), d);
    else
        sha1(c, cnt * sizeof(*c), d);
    memcpy(tag, d, 8);
    free(c);
    return 0;
}
