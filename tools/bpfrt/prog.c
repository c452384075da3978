/* prog.c - `bpfrt prog ...`: run and dump programs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "btf_fmt.h"
#include "cli.h"
#include "loader/btf_info.h"

/* Program types by bpftool's names (enum bpf_prog_type in linux/bpf.h). */
static const struct {
    const char *name;
    enum bpf_prog_type type;
} prog_types[] = {
    {"socket", BPF_PROG_TYPE_SOCKET_FILTER}, {"socket_filter", BPF_PROG_TYPE_SOCKET_FILTER},
    {"kprobe", BPF_PROG_TYPE_KPROBE},         {"sched_cls", BPF_PROG_TYPE_SCHED_CLS},
    {"classifier", BPF_PROG_TYPE_SCHED_CLS},  {"tc", BPF_PROG_TYPE_SCHED_CLS},
    {"sched_act", BPF_PROG_TYPE_SCHED_ACT},   {"action", BPF_PROG_TYPE_SCHED_ACT},
    {"tracepoint", BPF_PROG_TYPE_TRACEPOINT}, {"xdp", BPF_PROG_TYPE_XDP},
    {"perf_event", BPF_PROG_TYPE_PERF_EVENT}, {"cgroup_skb", BPF_PROG_TYPE_CGROUP_SKB},
    {"lwt_in", BPF_PROG_TYPE_LWT_IN},         {"lwt_out", BPF_PROG_TYPE_LWT_OUT},
    {"lwt_xmit", BPF_PROG_TYPE_LWT_XMIT},     {"sk_skb", BPF_PROG_TYPE_SK_SKB},
    {"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR},
};

struct prog_spec {
    const char *file;
    enum bpf_prog_type type;
    int is_obj;             /* obj FILE ...: an ELF object */
    struct cli_obj_spec obj;
};

/* Parse PROG at argv[0..]: returns the number of words used, or -1 after
 * reporting an error. */
static int parse_prog(int argc, char **argv, struct prog_spec *spec)
{
    int used;

    memset(spec, 0, sizeof(*spec));
    if (argc < 1) {
        cli_err("expected a PROG (raw FILE [type TYPE] or obj FILE [sec SECTION | prog NAME] [type TYPE])");
        return -1;
    }
    if (!strcmp(argv[0], "obj")) {
        used = cli_obj_parse(argc, argv, 0, &spec->obj);
        if (used < 0)
            return -1;
        spec->is_obj = 1;
        spec->file = spec->obj.file;
        return used;
    }
    if (strcmp(argv[0], "raw")) {
        static const char *const later[] = {"id", "pinned", "tag", "name"};
        for (size_t k = 0; k < sizeof(later) / sizeof(later[0]); k++)
            if (!strcmp(argv[0], later[k])) {
                cli_err("PROG '%s' needs the object store, which this build does not have yet; use 'raw FILE' or "
                        "'obj FILE'",
                        argv[0]);
                return -1;
            }
        cli_err("unknown PROG kind '%s' (expected raw FILE or obj FILE)", argv[0]);
        return -1;
    }
    if (argc < 2) {
        cli_err("'raw' needs a FILE of 8-byte instructions");
        return -1;
    }
    spec->file = argv[1];
    spec->type = BPF_PROG_TYPE_UNSPEC;
    used = 2;
    if (argc >= 4 && !strcmp(argv[2], "type")) {
        size_t k;
        for (k = 0; k < sizeof(prog_types) / sizeof(prog_types[0]); k++)
            if (!strcmp(argv[3], prog_types[k].name))
                break;
        if (k == sizeof(prog_types) / sizeof(prog_types[0])) {
            cli_err("unknown program type '%s'", argv[3]);
            return -1;
        }
        spec->type = prog_types[k].type;
        used = 4;
    } else if (argc == 3 && !strcmp(argv[2], "type")) {
        cli_err("'type' needs a TYPE");
        return -1;
    }
    return used;
}

/* Read and load the program a spec names; 0 or 1 after reporting. */
static int load_spec(const struct prog_spec *spec, struct bpfrt_prog **progp)
{
    char log[512];
    BPFRT_OPTS(bpfrt_prog_load_opts, opts, .type = spec->type, .log_buf = log, .log_size = sizeof(log));
    uint8_t *buf;
    size_t len;
    int err;

    err = cli_read_file(spec->file, &buf, &len);
    if (err)
        return cli_err("cannot read '%s': %s", spec->file, strerror(-err));
    if (len % sizeof(struct bpf_insn)) {
        free(buf);
        return cli_err("'%s': %zu bytes is not a whole number of 8-byte instructions", spec->file, len);
    }
    if (len == 0) {
        free(buf);
        return cli_err("'%s': no instructions", spec->file);
    }
    err = bpfrt_prog__load_insns((const struct bpf_insn *)buf, len / sizeof(struct bpf_insn), &opts, progp);
    free(buf);
    if (err)
        return cli_err("'%s': %s", spec->file, log[0] ? log : strerror(-err));
    return 0;
}

static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x%s", p[i], (i % 16 == 15 || i + 1 == n) ? "\n" : " ");
}

static int prog_run(int argc, char **argv)
{
    const char *data_in = NULL, *data_out = NULL;
    struct prog_spec spec;
    struct bpfrt_prog *prog = NULL;
    uint8_t *data = NULL;
    size_t data_len = 0;
    uint64_t repeat = 1;
    char errbuf[512];
    int used, err, i;

    used = parse_prog(argc, argv, &spec);
    if (used < 0)
        return 1;
    for (i = used; i < argc; i += 2) {
        if (i + 1 >= argc)
            return cli_err("'%s' needs a value", argv[i]);
        if (!strcmp(argv[i], "data_in"))
            data_in = argv[i + 1];
        else if (!strcmp(argv[i], "data_out"))
            data_out = argv[i + 1];
        else if (!strcmp(argv[i], "repeat")) {
            if (cli_parse_u64(argv[i + 1], UINT32_MAX, &repeat) || repeat == 0)
                return cli_err("repeat '%s' is not a number from 1 to %u", argv[i + 1], UINT32_MAX);
        } else if (!strcmp(argv[i], "ctx_in") || !strcmp(argv[i], "ctx_out"))
            return cli_err("'%s': raw programs take no context (r1 is the data)", argv[i]);
        else
            return cli_err("unknown keyword '%s' (expected data_in, data_out or repeat)", argv[i]);
    }
    if (data_out && !data_in)
        return cli_err("data_out needs data_in");
    if (spec.is_obj)
        return cli_err("'prog run obj' needs program contexts (XDP, tc), which this build does not have yet");
    if (load_spec(&spec, &prog))
        return 1;
    if (data_in) {
        err = cli_read_file(data_in, &data, &data_len);
        if (err) {
            bpfrt_prog__free(prog);
            return cli_err("cannot read data_in '%s': %s", data_in, strerror(-err));
        }
    }
    /* Until the verifier exists a raw program runs checked: no input can
     * make it touch memory outside its data and stack. */
    BPFRT_OPTS(bpfrt_run_opts, opts, .data = data, .data_size = data_len, .flags = BPFRT_RUN_CHECKED,
               .repeat = (uint32_t)repeat, .err_buf = errbuf, .err_size = sizeof(errbuf));
    err = bpfrt_prog__run(prog, &opts);
    bpfrt_prog__free(prog);
    if (err) {
        free(data);
        return cli_err("run of '%s' failed: %s", spec.file, errbuf);
    }
    if (data_out && strcmp(data_out, "-")) {
        err = cli_write_file(data_out, data, data_len);
        if (err) {
            free(data);
            return cli_err("cannot write data_out '%s': %s", data_out, strerror(-err));
        }
    }
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        json_obj_open(&cli.j);
        json_kv_u64(&cli.j, "retval", opts.retval);
        json_kv_u64(&cli.j, "duration", opts.duration_ns);
        if (cli.debug)
            json_kv_u64(&cli.j, "insn_cnt", opts.insn_cnt);
        if (data_out && !strcmp(data_out, "-")) {
            json_key(&cli.j, "data_out");
            json_arr_open(&cli.j);
            for (size_t k = 0; k < data_len; k++)
                json_u64(&cli.j, data[k]);
            json_arr_close(&cli.j);
        }
        json_obj_close(&cli.j);
        json_end(&cli.j);
    } else {
        printf("Return value: %" PRIu64 ", duration%s: %" PRIu64 "ns\n", opts.retval, repeat > 1 ? " (average)" : "",
               opts.duration_ns);
        if (cli.debug)
            printf("Instructions executed: %" PRIu64 "\n", opts.insn_cnt);
        if (data_out && !strcmp(data_out, "-")) {
            printf("data_out:\n");
            print_hex(data, data_len);
        }
    }
    free(data);
    return 0;
}

/* A program being listed: raw instructions, or a program of a loaded
 * object (then func/line info and map ids are known). */
struct listing {
    const struct bpf_insn *insns;
    size_t cnt;
    const struct bpfrt_object *obj; /* NULL for raw */
    const struct bpfrt_program *p;
    const struct btf *btf;
    int opcodes, linum;
};

/* Where the function that a bpf-to-bpf call at i enters ends: the next
 * function start (func info) after it, or the end. */
static size_t func_end(const struct listing *l, size_t start)
{
    for (size_t k = start + 1; k < l->cnt; k++)
        if (cli_prog_func_at(l->p, k))
            return k;
    return l->cnt;
}

/* The text of instruction i as bpftool shows a loaded program: map loads
 * name the map by id ("map[id:3]", "map[id:3][0]+8"), bpf-to-bpf calls
 * name the callee as the kernel's symbol ("call pc+6#bpf_prog_<tag>_f"). */
static int insn_text(const struct listing *l, size_t i, char *text, size_t sz)
{
    const struct bpf_insn *in = &l->insns[i];
    int n = bpfrt_disasm_insn(l->insns, l->cnt, i, text, sz);

    if (n <= 0) {
        snprintf(text, sz, "<undecodable>");
        return 1;
    }
    if (!l->obj)
        return n;
    if (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
        (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE)) {
        char *f = strstr(text, "map[fd:");
        if (f)
            memcpy(f + 4, "id", 2);
    } else if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL) {
        long long target = (long long)i + 1 + in->imm;
        uint32_t fid = target >= 0 && (size_t)target < l->cnt ? cli_prog_func_at(l->p, (size_t)target) : 0;
        const struct btf_type *t = fid && l->btf ? btf__type_by_id(l->btf, fid) : NULL;
        uint8_t tag[8];
        if (t && !cli_prog_tag(l->insns + target, func_end(l, (size_t)target) - (size_t)target, tag)) {
            size_t len = strlen(text);
            snprintf(text + len, sz - len, "#bpf_prog_%02x%02x%02x%02x%02x%02x%02x%02x_%s", tag[0], tag[1], tag[2],
                     tag[3], tag[4], tag[5], tag[6], tag[7], btf__name_by_offset(l->btf, t->name_off));
        }
    }
    return n;
}

/* bpftool's hex: two spaces between groups of 8 bytes. */
static void hex_groups(char *out, size_t sz, const uint8_t *p, size_t n)
{
    size_t len = 0;
    out[0] = 0;
    for (size_t k = 0; k < n && len < sz; k++)
        len += (size_t)snprintf(out + len, sz - len, "%s%02x", !k ? "" : (k % 8 ? " " : "  "), p[k]);
}

static void json_hex_array(struct json *j, const uint8_t *p, size_t n)
{
    char b[8];
    json_arr_open(j);
    for (size_t k = 0; k < n; k++) {
        snprintf(b, sizeof(b), "0x%02x", p[k]);
        json_str(j, b);
    }
    json_arr_close(j);
}

static void dump_one(const struct listing *l)
{
    int json = cli.json;

    for (size_t i = 0; i < l->cnt;) {
        char text[256], hex[64], proto[512] = "";
        const struct btf_ext_line *ln = NULL;
        const char *src = "";
        int n = insn_text(l, i, text, sizeof(text));
        size_t bytes = (size_t)n * sizeof(struct bpf_insn);

        if (i + (size_t)n > l->cnt)
            n = 1, bytes = sizeof(struct bpf_insn);
        if (l->obj) {
            uint32_t fid = cli_prog_func_at(l->p, i);
            if (fid && l->btf)
                btf_fmt_func_proto(l->btf, fid, proto, sizeof(proto));
            ln = cli_prog_line_at(l->p, i);
            if (ln)
                for (src = ln->text; *src == ' ' || *src == '\t';)
                    src++; /* bpftool drops the indentation */
        }
        hex_groups(hex, sizeof(hex), (const uint8_t *)&l->insns[i], bytes);
        if (json && l->obj) {
            const struct bpf_insn *in = &l->insns[i];
            char b[300];
            json_obj_open(&cli.j);
            if (proto[0])
                json_kv_str(&cli.j, "proto", proto);
            if (ln) {
                json_kv_str(&cli.j, "src", src);
                if (l->linum) {
                    json_kv_str(&cli.j, "file", ln->file);
                    json_kv_u64(&cli.j, "line_num", ln->line);
                    json_kv_u64(&cli.j, "line_col", ln->col);
                }
            }
            snprintf(b, sizeof(b), "(%02x) %s", in->code, text);
            json_kv_str(&cli.j, "disasm", b);
            if (l->opcodes) {
                json_key(&cli.j, "opcodes");
                json_obj_open(&cli.j);
                snprintf(b, sizeof(b), "0x%02x", in->code);
                json_kv_str(&cli.j, "code", b);
                snprintf(b, sizeof(b), "0x%x", in->src_reg);
                json_kv_str(&cli.j, "src_reg", b);
                snprintf(b, sizeof(b), "0x%x", in->dst_reg);
                json_kv_str(&cli.j, "dst_reg", b);
                json_key(&cli.j, "off");
                json_hex_array(&cli.j, (const uint8_t *)&in->off, 2);
                json_key(&cli.j, "imm");
                json_hex_array(&cli.j, (const uint8_t *)&in->imm, n == 2 ? 12 : 4);
                json_obj_close(&cli.j);
            }
            json_obj_close(&cli.j);
        } else if (json) {
            json_obj_open(&cli.j);
            json_kv_u64(&cli.j, "pc", i);
            json_kv_str(&cli.j, "disasm", text);
            if (l->opcodes)
                json_kv_str(&cli.j, "opcodes", hex);
            json_obj_close(&cli.j);
        } else {
            if (proto[0])
                printf("%s:\n", proto);
            if (ln) {
                printf("; %s", src);
                if (l->linum)
                    printf(" [file:%s line_num:%u line_col:%u]", ln->file, ln->line, ln->col);
                printf("\n");
            }
            printf("%4zu: (%02x) %s\n", i, l->insns[i].code, text);
            if (l->opcodes)
                printf("       %s\n", hex);
        }
        i += (size_t)n;
    }
}

/* prog dump xlated PROG [opcodes] [linum]: the program as bpfrt runs it,
 * bpftool's layout ("   0: (b7) r0 = 1"); for a program of an object,
 * with its function prototypes and source lines from BTF. */
static int prog_dump(int argc, char **argv)
{
    struct prog_spec spec;
    struct bpfrt_prog *prog = NULL;
    struct bpfrt_object *obj = NULL;
    struct listing l = {0};
    int used;

    if (argc < 1 || (strcmp(argv[0], "xlated") && strcmp(argv[0], "jited")))
        return cli_err("expected 'xlated' or 'jited' after dump");
    if (!strcmp(argv[0], "jited"))
        return cli_err("'dump jited' needs the JIT, which this build does not have (only the interpreter)");
    used = parse_prog(argc - 1, argv + 1, &spec);
    if (used < 0)
        return 1;
    for (int i = 1 + used; i < argc; i++) {
        if (!strcmp(argv[i], "opcodes"))
            l.opcodes = 1;
        else if (!strcmp(argv[i], "linum"))
            l.linum = 1;
        else if (!strcmp(argv[i], "visual"))
            return cli_err("'visual' (the control-flow graph) is not in this build");
        else
            return cli_err("unknown keyword '%s' (expected opcodes or linum)", argv[i]);
    }
    if (spec.is_obj) {
        if (cli_obj_load(&spec.obj, &obj))
            return 1;
        l.p = cli_obj_prog(obj, &spec.obj);
        if (!l.p) {
            bpfrt_object__close(obj);
            return 1;
        }
        l.obj = obj;
        l.btf = cli_obj_btf(obj);
        l.insns = bpfrt_program__insns(l.p);
        l.cnt = bpfrt_program__insn_cnt(l.p);
    } else {
        if (load_spec(&spec, &prog))
            return 1;
        l.insns = bpfrt_prog__insns(prog);
        l.cnt = bpfrt_prog__insn_cnt(prog);
    }
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        json_arr_open(&cli.j);
    }
    dump_one(&l);
    if (cli.json) {
        json_arr_close(&cli.j);
        json_end(&cli.j);
    }
    bpfrt_prog__free(prog);
    bpfrt_object__close(obj);
    return 0;
}

/* The kernel's license_is_gpl_compatible(). */
static int gpl_compatible(const char *lic)
{
    static const char *const ok[] = {"GPL",          "GPL v2",       "GPL and additional rights",
                                     "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"};
    for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++)
        if (lic && !strcmp(lic, ok[k]))
            return 1;
    return 0;
}

/* Ids of the maps a program uses, in order of first reference (as the
 * kernel's used_maps). */
static size_t prog_map_ids(const struct bpf_insn *insns, size_t cnt, uint32_t *ids, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i + 1 < cnt; i++) {
        if (insns[i].code != (BPF_LD | BPF_IMM | BPF_DW))
            continue;
        if (insns[i].src_reg == BPF_PSEUDO_MAP_FD || insns[i].src_reg == BPF_PSEUDO_MAP_VALUE) {
            uint32_t id = (uint32_t)insns[i].imm;
            size_t k;
            for (k = 0; k < n && ids[k] != id; k++)
                ;
            if (k == n && n < max)
                ids[n++] = id;
        }
        i++;
    }
    return n;
}

static void show_one(const struct bpfrt_object *obj, const struct bpfrt_program *p, time_t loaded_at)
{
    const struct bpf_insn *insns = bpfrt_program__insns(p);
    size_t cnt = bpfrt_program__insn_cnt(p), nmaps;
    int gpl = gpl_compatible(bpfrt_object__license(obj));
    uint32_t ids[64];
    uint8_t t[8];
    char tag[17], tbuf[32], when[64];
    const char *type = cli_prog_type_str(bpfrt_program__type(p), tbuf, sizeof(tbuf));

    cli_prog_tag(insns, cnt, t);
    snprintf(tag, sizeof(tag), "%02x%02x%02x%02x%02x%02x%02x%02x", t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
    nmaps = prog_map_ids(insns, cnt, ids, sizeof(ids) / sizeof(ids[0]));
    if (cli.json) {
        json_obj_open(&cli.j);
        json_kv_u64(&cli.j, "id", (uint64_t)cli_obj_prog_id(obj, p));
        json_kv_str(&cli.j, "type", type);
        json_kv_str(&cli.j, "name", bpfrt_program__name(p));
        json_kv_str(&cli.j, "tag", tag);
        json_key(&cli.j, "gpl_compatible");
        json_bool(&cli.j, gpl);
        json_kv_u64(&cli.j, "loaded_at", (uint64_t)loaded_at);
        json_kv_u64(&cli.j, "uid", getuid());
        json_kv_u64(&cli.j, "bytes_xlated", cnt * sizeof(struct bpf_insn));
        json_key(&cli.j, "jited");
        json_bool(&cli.j, 0);
        if (nmaps) {
            json_key(&cli.j, "map_ids");
            json_arr_open(&cli.j);
            for (size_t k = 0; k < nmaps; k++)
                json_u64(&cli.j, ids[k]);
            json_arr_close(&cli.j);
        }
        json_obj_close(&cli.j);
        return;
    }
    strftime(when, sizeof(when), "%FT%T%z", localtime(&loaded_at));
    printf("%d: %s  name %s  tag %s%s\n", cli_obj_prog_id(obj, p), type, bpfrt_program__name(p), tag,
           gpl ? "  gpl" : "");
    printf("\tloaded_at %s  uid %u\n", when, (unsigned)getuid());
    printf("\txlated %zuB  not jited", cnt * sizeof(struct bpf_insn));
    for (size_t k = 0; k < nmaps; k++)
        printf("%s%u", k ? "," : "  map_ids ", ids[k]);
    printf("\n");
}

/* prog { show | list } obj FILE [sec S | prog N]: bpftool's fields as far
 * as bpfrt knows them (no jited image, no BTF object ids, no memlock). */
static int prog_show(int argc, char **argv)
{
    struct prog_spec spec;
    struct bpfrt_object *obj;
    const struct bpfrt_program *p = NULL;
    time_t now;
    int used, one;

    if (argc < 1)
        return cli_err("listing every loaded program needs the object store, which this build does not have yet; "
                       "use 'prog show obj FILE'");
    used = parse_prog(argc, argv, &spec);
    if (used < 0)
        return 1;
    if (used < argc)
        return cli_err("unexpected '%s' after PROG", argv[used]);
    if (!spec.is_obj)
        return cli_err("'prog show' needs a loaded program: use 'obj FILE' (raw programs have no identity)");
    if (cli_obj_load(&spec.obj, &obj))
        return 1;
    now = time(NULL);
    one = spec.obj.prog || spec.obj.sec;
    if (one) {
        p = cli_obj_prog(obj, &spec.obj);
        if (!p) {
            bpfrt_object__close(obj);
            return 1;
        }
    }
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        if (!one)
            json_arr_open(&cli.j);
    }
    if (one)
        show_one(obj, p, now);
    else
        while ((p = bpfrt_object__next_program(obj, p)))
            show_one(obj, p, now);
    if (cli.json) {
        if (!one)
            json_arr_close(&cli.j);
        json_end(&cli.j);
    }
    bpfrt_object__close(obj);
    return 0;
}

int do_prog(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "help")) {
        fprintf(argc < 1 ? stderr : stdout,
                "Usage: bpfrt prog run PROG [data_in FILE [data_out FILE]] [repeat N]\n"
                "       bpfrt prog dump xlated PROG [opcodes] [linum]\n"
                "       bpfrt prog { show | list } PROG\n"
                "       PROG := raw FILE [type TYPE] | obj FILE [sec SECTION | prog NAME] [type TYPE]\n");
        return argc < 1;
    }
    if (cli_is_prefix(argv[0], "run"))
        return prog_run(argc - 1, argv + 1);
    if (cli_is_prefix(argv[0], "dump"))
        return prog_dump(argc - 1, argv + 1);
    if (cli_is_prefix(argv[0], "show") || cli_is_prefix(argv[0], "list"))
        return prog_show(argc - 1, argv + 1);
    if (cli_is_prefix(argv[0], "load") ||
        cli_is_prefix(argv[0], "loadall") || cli_is_prefix(argv[0], "pin"))
        return cli_err("'prog %s' needs the object store, which this build does not have yet", argv[0]);
    return cli_err("unknown command 'prog %s' (expected run, dump, show or list; see bpfrt prog help)", argv[0]);
}
