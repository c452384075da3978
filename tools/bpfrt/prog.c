/* prog.c - `bpfrt prog ...`: run and dump programs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"
#include "kdiff.h"

#define RUN_DATA_OUT_MAX (18u * 4096) /* a multi-buffer XDP packet out: a page and 17 fragments */

struct prog_spec {
    const char *file;
    enum bpf_prog_type type;
    int is_obj;             /* obj FILE ...: an ELF object */
    int is_pinned;          /* pinned FILE: a program pinned by prog pin / load */
    struct cli_obj_spec obj;
    uint32_t log_level;     /* the verifier's options for loading it (log_level N, unpriv) */
    int unpriv;
};

/* Parse PROG at argv[0..]: returns the number of words used, or -1 after
 * reporting an error. */
static int parse_prog(int argc, char **argv, struct prog_spec *spec)
{
    int used;

    memset(spec, 0, sizeof(*spec));
    if (argc < 1) {
        cli_err("expected a PROG (pinned FILE, raw FILE [type TYPE] or obj FILE [sec SECTION | prog NAME] [type "
                "TYPE])");
        return -1;
    }
    if (!strcmp(argv[0], "pinned")) {
        if (argc < 2) {
            cli_err("'pinned' needs a FILE (a program pinned by 'prog pin', 'prog load' or 'prog loadall')");
            return -1;
        }
        spec->is_pinned = 1;
        spec->file = argv[1];
        return 2;
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
        static const char *const later[] = {"id", "tag", "name"};
        for (size_t k = 0; k < sizeof(later) / sizeof(later[0]); k++)
            if (!strcmp(argv[0], later[k])) {
                cli_err("PROG '%s' needs the object store, which this build does not have yet; use 'pinned FILE', "
                        "'raw FILE' or 'obj FILE'",
                        argv[0]);
                return -1;
            }
        cli_err("unknown PROG kind '%s' (expected pinned FILE, raw FILE or obj FILE)", argv[0]);
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
        if (bpfrt_prog_type_from_name(argv[3], &spec->type)) {
            cli_err("unknown program type '%s'", argv[3]);
            return -1;
        }
        used = 4;
    } else if (argc == 3 && !strcmp(argv[2], "type")) {
        cli_err("'type' needs a TYPE");
        return -1;
    }
    return used;
}

/* Read and load the program a spec names; 0 or 1 after reporting. */
#define VLOG_SIZE (16u << 20) /* the verifier's log at log_level (pages are touched as written) */

static int load_spec(const struct prog_spec *spec, struct bpfrt_prog **progp)
{
    char small[512] = "", *log = small;
    size_t logsz = sizeof(small);
    struct bpfrt_diag diag = {.sz = sizeof(diag), .insn = -1};
    uint8_t *buf;
    size_t len;
    int err;

    if (spec->is_pinned) {
        char msg[1024] = "";
        BPFRT_OPTS(bpfrt_pin_opts, po, .log_buf = msg, .log_size = sizeof(msg), .engine = cli.engine);
        err = bpfrt_prog__open_pinned_opts(spec->file, &po, progp);
        if (err)
            return cli_err("%s", msg[0] ? msg : strerror(-err));
        return 0;
    }
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
    if (spec->log_level) {
        log = calloc(1, VLOG_SIZE);
        logsz = VLOG_SIZE;
        if (!log) {
            free(buf);
            return cli_err("out of memory for the verifier log");
        }
    }
    BPFRT_OPTS(bpfrt_prog_load_opts, opts, .type = spec->type, .log_buf = log, .log_size = logsz, .diag = &diag,
               .log_level = spec->log_level, .unpriv = spec->unpriv, .engine = cli.engine);
    /* the pipeline verifies first: a refused program gets the verifier's
     * reason and instruction */
    err = bpfrt_prog__load_insns((const struct bpf_insn *)buf, len / sizeof(struct bpf_insn), &opts, progp);
    free(buf);
    if (spec->log_level && log[0] && (err || cli.debug))
        fprintf(stderr, "%s%s", log, log[strlen(log) - 1] == '\n' ? "" : "\n");
    if (err && diag.err && diag.insn >= 0)
        cli_err("'%s': insn %ld: %s", spec->file, diag.insn, diag.message);
    else if (err && diag.err)
        cli_err("'%s': %s", spec->file, diag.message);
    else if (err)
        cli_err("'%s': %s", spec->file, log[0] && !spec->log_level ? log : strerror(-err));
    if (log != small)
        free(log);
    return err ? 1 : 0;
}

/* bpftool's hex_print (`prog run ... data_out -`): the offset, 16 bytes
 * in groups of two, then their ASCII, '.' for what does not print, a
 * space after the eighth (test_cli_testrun bpftool_layout). */
static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        size_t j;

        printf("%07zx\t", i);
        for (j = i; j < i + 16 && j < n; j++)
            printf("%02x%s", p[j], j % 2 ? " " : "");
        for (; j < i + 16; j++)
            printf("  %s", j % 2 ? " " : "");
        printf("| ");
        for (j = i; j < i + 16 && j < n; j++) {
            putchar(p[j] < ' ' || p[j] > '~' ? '.' : p[j]);
            if (j % 16 == 7)
                putchar(' ');
        }
        printf("\n");
    }
}

static void collect_trace(const char *line, void *ctx)
{
    struct json *j = ctx;
    if (j)
        json_str(j, line);
    else
        printf("%s\n", line);
}

/* The program PROG names, runnable with the raw convention: raw files,
 * and programs of objects or pins whose type is unspecified (SEC("raw")
 * and friends).  Typed programs need their context (xdp_md, __sk_buff),
 * which comes with the verifier's context conversion.  *objp holds the
 * object that owns the program, *ownp whether the caller frees it. */
static int load_runnable(struct prog_spec *spec, struct bpfrt_prog **progp, struct bpfrt_object **objp, int *ownp)
{
    *objp = NULL;
    *ownp = 1;
    if (spec->is_obj) {
        spec->obj.log_level = spec->log_level;
        spec->obj.unpriv = spec->unpriv;
        if (cli_obj_load(&spec->obj, objp))
            return 1;
        *progp = cli_obj_loaded_prog(*objp, &spec->obj);
        if (!*progp) {
            bpfrt_object__close(*objp);
            return 1;
        }
        *ownp = 0;
    } else if (load_spec(spec, progp)) {
        return 1;
    }
    /* raw FILE type TYPE as well: running an XDP program with the raw
     * convention would hand it data where it expects struct xdp_md */
    if (!bpfrt_prog_type_can_run(bpfrt_prog__type(*progp))) {
        char tbuf[32];
        const char *name = bpfrt_prog__name(*progp);
        const char *t = cli_prog_type_str(bpfrt_prog__type(*progp), tbuf, sizeof(tbuf));
        /* report before freeing: name belongs to the program */
        cli_err("program '%s' is of type %s, whose context bpfrt does not build yet: programs of types xdp, "
                "sched_cls, sched_act, socket_filter and cgroup_skb run as the kernel's test run runs them, and "
                "raw programs (raw files without 'type', SEC(\"raw\")) with r1 = data, r2 = length",
                name && *name ? name : spec->file, t);
        if (*ownp)
            bpfrt_prog__free(*progp);
        bpfrt_object__close(*objp);
        return 1;
    }
    return 0;
}

/* kernel_diff: the kernel's side of this prog run (kdiff.h) */
static struct kd *run_kd;

static int prog_run1(int argc, char **argv)
{
    const char *data_in = NULL, *data_out = NULL, *pcap = NULL, *ctx_in = NULL, *ctx_out = NULL, *out_dir = NULL;
    const char *fib = NULL;
    struct bpfrt_fib_table *fib_table = NULL;
    uint8_t *ctx = NULL, *ctx_buf = NULL, *out_buf = NULL;
    size_t ctx_len = 0;
    int typed;
    struct prog_spec spec;
    struct bpfrt_prog *prog = NULL;
    struct bpfrt_object *obj;
    uint8_t *data = NULL;
    size_t data_len = 0;
    uint64_t repeat = 1, total_budget;
    char errbuf[512];
    int used, err, i, own, kdiff = 0;
    struct kd_run kr = {0};

    used = parse_prog(argc, argv, &spec);
    if (used < 0)
        return 1;
    for (i = used; i < argc; i += 2) {
        int w = cli_parse_verifier_word(argc, argv, i, &spec.log_level, &spec.unpriv);
        if (w < 0)
            return 1;
        if (w) {
            i += w - 2;
            continue;
        }
        if (!strcmp(argv[i], "kernel_diff")) {
            kdiff = 1;
            i--;
            continue;
        }
        if (i + 1 >= argc)
            return cli_err("'%s' needs a value", argv[i]);
        if (!strcmp(argv[i], "data_in"))
            data_in = argv[i + 1];
        else if (!strcmp(argv[i], "data_out"))
            data_out = argv[i + 1];
        else if (!strcmp(argv[i], "pcap"))
            pcap = argv[i + 1];
        else if (!strcmp(argv[i], "out"))
            out_dir = argv[i + 1];
        else if (!strcmp(argv[i], "repeat")) {
            if (cli_parse_u64(argv[i + 1], UINT32_MAX, &repeat) || repeat == 0)
                return cli_err("repeat '%s' is not a number from 1 to %u", argv[i + 1], UINT32_MAX);
        } else if (!strcmp(argv[i], "ctx_in"))
            ctx_in = argv[i + 1];
        else if (!strcmp(argv[i], "ctx_out"))
            ctx_out = argv[i + 1];
        else if (!strcmp(argv[i], "fib"))
            fib = argv[i + 1];
        else
            return cli_err("unknown keyword '%s' (expected data_in, data_out, ctx_in, ctx_out, fib, pcap, out, repeat, "
                           "log_level, unpriv or kernel_diff)",
                           argv[i]);
    }
    if (data_out && !data_in)
        return cli_err("data_out needs data_in");
    if (out_dir && !pcap)
        return cli_err("out DIR takes the packets of a pcap replay: it needs pcap FILE");
    if (pcap && (data_in || repeat > 1))
        return cli_err("pcap runs the program once per packet: it does not combine with data_in or repeat");
    if (cli_total_budget(&total_budget))
        return 1;
    if (pcap && (ctx_in || ctx_out))
        return cli_err("pcap runs the program once per packet: it does not combine with ctx_in or ctx_out");
    if (pcap && fib)
        return cli_err("fib: the routing table is for runs on data_in (a pcap replay has no routing table)");
    if (fib) {
        err = bpfrt_fib_table__load(fib, &fib_table, errbuf, sizeof(errbuf));
        if (err)
            return cli_err("fib: %s", errbuf);
    }
    if (kdiff) {
        struct kd_src ks = {.kind = spec.is_pinned ? KD_PINNED : spec.is_obj ? KD_OBJ : KD_RAW,
                            .file = spec.file, .obj = &spec.obj, .type = spec.type};
        int rc = kd_open(&ks, &run_kd);
        if (rc) {
            bpfrt_fib_table__free(fib_table);
            return rc;
        }
    }
    if (load_runnable(&spec, &prog, &obj, &own)) {
        bpfrt_fib_table__free(fib_table);
        return 1;
    }
    if (run_kd && kd_attach(run_kd, prog, obj)) {
        if (own)
            bpfrt_prog__free(prog);
        bpfrt_object__close(obj);
        bpfrt_fib_table__free(fib_table);
        return 1;
    }
    typed = bpfrt_prog__type(prog) != BPF_PROG_TYPE_UNSPEC;
    if (!typed && (ctx_in || ctx_out)) {
        if (own)
            bpfrt_prog__free(prog);
        bpfrt_object__close(obj);
        return cli_err("'%s': raw programs take no context (r1 is the data)", ctx_in ? "ctx_in" : "ctx_out");
    }
    if (pcap) {
        /* the library's default mode (an unverified program runs
         * checked), or checked on request */
        uint32_t flags = cli.checked ? BPFRT_RUN_CHECKED : 0;
        int rc = run_kd ? kd_run_pcap(run_kd, prog, obj, spec.file, pcap, out_dir, flags, total_budget)
                        : cli_run_pcap(prog, spec.file, pcap, out_dir, flags, total_budget);
        if (own)
            bpfrt_prog__free(prog);
        bpfrt_object__close(obj);
        return rc;
    }
    if (data_in) {
        err = cli_read_file(data_in, &data, &data_len);
        if (err) {
            if (own)
                bpfrt_prog__free(prog);
            bpfrt_object__close(obj);
            return cli_err("cannot read data_in '%s': %s", data_in, strerror(-err));
        }
    }
    if (ctx_in) {
        err = cli_read_file(ctx_in, &ctx, &ctx_len);
        if (err) {
            free(data);
            if (own)
                bpfrt_prog__free(prog);
            bpfrt_object__close(obj);
            return cli_err("cannot read ctx_in '%s': %s", ctx_in, strerror(-err));
        }
    }
    /* typed programs: the packet and the context out as the kernel's test
     * run gives them back (the context at most a page; the packet a page,
     * or for XDP its first page and up to 17 page fragments) */
    if (typed) {
        out_buf = calloc(1, RUN_DATA_OUT_MAX);
        ctx_buf = calloc(1, 4096);
        if (!out_buf || !ctx_buf) {
            free(out_buf), free(ctx_buf), free(data), free(ctx);
            if (own)
                bpfrt_prog__free(prog);
            bpfrt_object__close(obj);
            return cli_err("out of memory");
        }
    }
    /* The library's default mode: a program the verifier has not proven
     * safe runs checked, so no input can make it touch memory outside its
     * data, stack and map values; a verified one runs in the fast engine,
     * unless --checked asks for the checked one (debugging: every access
     * validated, instructions counted). */
    bpfrt_trace_drain(NULL, NULL);
    BPFRT_OPTS(bpfrt_run_opts, opts, .data = data, .data_size = data_len, .repeat = (uint32_t)repeat,
               .err_buf = errbuf, .err_size = sizeof(errbuf), .total_budget = total_budget,
               .flags = cli.checked ? BPFRT_RUN_CHECKED : 0, .ctx_in = ctx, .ctx_size_in = (uint32_t)ctx_len,
               .ctx_out = ctx_out || (run_kd && ctx_in) ? ctx_buf : NULL,
               .ctx_size_out = ctx_out || (run_kd && ctx_in) ? 4096 : 0, .data_out = out_buf,
               .data_size_out = out_buf ? RUN_DATA_OUT_MAX : 0, .fib = fib_table,
               .worker = run_kd ? kd_worker(run_kd) : 0);
    err = bpfrt_prog__run(prog, &opts);
    if (run_kd) {
        /* the same input in the kernel, then the maps of both */
        kr = (struct kd_run){.data = data, .data_len = (uint32_t)data_len, .ctx_in = ctx, .ctx_len = (uint32_t)ctx_len,
                             .want_ctx_out = opts.ctx_out != NULL, .repeat = (uint32_t)repeat, .err = err,
                             .retval = (uint32_t)opts.retval, .data_out = out_buf, .data_out_len = opts.data_size_out,
                             .ctx_out = ctx_buf, .ctx_out_len = opts.ctx_size_out};
        kd_run_single(run_kd, &kr, obj);
    }
    bpfrt_fib_table__free(fib_table);
    if (own)
        bpfrt_prog__free(prog);
    bpfrt_object__close(obj);
    free(ctx);
    if (!err && typed) {
        /* what the program left: the packet out replaces the data */
        free(data);
        data = out_buf;
        data_len = opts.data_size_out;
        out_buf = NULL;
    }
    free(out_buf);
    if (err) {
        free(data);
        free(ctx_buf);
        bpfrt_trace_drain(NULL, NULL);
        if (run_kd && !cli.json)
            kd_report_single(run_kd, &kr);
        return cli_err("run of '%s' failed: %s%s", spec.file, errbuf,
                       err == -E2BIG && strstr(errbuf, "total instruction budget")
                           ? " (the cap of one prog run command; BPFRT_TOTAL_BUDGET sets it)"
                           : "");
    }
    if (data_out && strcmp(data_out, "-")) {
        err = cli_write_file(data_out, data, data_len);
        if (err) {
            free(data);
            free(ctx_buf);
            return cli_err("cannot write data_out '%s': %s", data_out, strerror(-err));
        }
    }
    if (ctx_out && strcmp(ctx_out, "-")) {
        err = cli_write_file(ctx_out, ctx_buf, opts.ctx_size_out);
        if (err) {
            free(data);
            free(ctx_buf);
            return cli_err("cannot write ctx_out '%s': %s", ctx_out, strerror(-err));
        }
    }
    /* bpftool's order (do_run): the bytes out first, then retval and the
     * duration (the mean of the repeat runs) */
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        json_obj_open(&cli.j);
        if (data_out && !strcmp(data_out, "-")) {
            json_key(&cli.j, "data_out");
            json_arr_open(&cli.j);
            for (size_t k = 0; k < data_len; k++)
                json_u64(&cli.j, data[k]);
            json_arr_close(&cli.j);
        }
        if (ctx_out && !strcmp(ctx_out, "-") && opts.ctx_size_out) {
            json_key(&cli.j, "ctx_out");
            json_arr_open(&cli.j);
            for (size_t k = 0; k < opts.ctx_size_out; k++)
                json_u64(&cli.j, ctx_buf[k]);
            json_arr_close(&cli.j);
        }
        json_kv_u64(&cli.j, "retval", opts.retval);
        json_kv_u64(&cli.j, "duration", opts.duration_ns);
        if (cli.debug)
            json_kv_u64(&cli.j, "insn_cnt", opts.insn_cnt);
        if (opts.redirect_ifindex || opts.redirect_map_id) {
            /* (bpfrt) where bpf_redirect / bpf_redirect_map sent the packet */
            json_key(&cli.j, "redirect");
            json_obj_open(&cli.j);
            json_kv_u64(&cli.j, "ifindex", opts.redirect_ifindex);
            json_kv_u64(&cli.j, "map_id", opts.redirect_map_id);
            json_kv_u64(&cli.j, "key", opts.redirect_key);
            json_kv_u64(&cli.j, "flags", opts.redirect_flags);
            json_obj_close(&cli.j);
        }
        json_key(&cli.j, "trace"); /* (bpfrt) lines the program printed */
        json_arr_open(&cli.j);
        bpfrt_trace_drain(collect_trace, &cli.j);
        json_arr_close(&cli.j);
        if (run_kd)
            kd_report_single(run_kd, &kr);
        json_obj_close(&cli.j);
        json_end(&cli.j);
    } else {
        if (data_out && !strcmp(data_out, "-"))
            print_hex(data, data_len);
        if (ctx_out && !strcmp(ctx_out, "-"))
            print_hex(ctx_buf, opts.ctx_size_out);
        printf("Return value: %" PRIu64 ", duration%s: %" PRIu64 "ns\n", opts.retval, repeat > 1 ? " (average)" : "",
               opts.duration_ns);
        if (cli.debug)
            printf("Instructions executed: %" PRIu64 "\n", opts.insn_cnt);
        if (opts.redirect_map_id)
            printf("Redirect: map id %u key %u ifindex %u flags 0x%" PRIx64 "\n", opts.redirect_map_id,
                   opts.redirect_key, opts.redirect_ifindex, opts.redirect_flags);
        else if (opts.redirect_ifindex)
            printf("Redirect: ifindex %u flags 0x%" PRIx64 "\n", opts.redirect_ifindex, opts.redirect_flags);
        bpfrt_trace_drain(collect_trace, NULL);
        if (run_kd)
            kd_report_single(run_kd, &kr);
    }
    free(data);
    free(ctx_buf);
    return 0;
}

/* prog run; with kernel_diff, 1 when bpfrt and the kernel differ beyond
 * the expected (kd_close) */
static int prog_run(int argc, char **argv)
{
    int rc = prog_run1(argc, argv), k = kd_close(run_kd);

    run_kd = NULL;
    return rc ? rc : k;
}

/* A program being listed: raw instructions, or a program of a loaded
 * object or a pinned one (then func/line info and map ids are known). */
struct listing {
    const struct bpf_insn *insns; /* the xlated program */
    size_t cnt;
    const struct bpfrt_prog *prog; /* NULL for raw */
    const struct bpfrt_prog *xl;   /* whose xlated program insns is (its index map) */
    int opcodes, linum;
};

/* The original instruction xlated instruction i came from, when i is the
 * first one it became (source facts are the original's); -1 otherwise. */
static long src_idx(const struct listing *l, size_t i)
{
    long o;

    if (!l->xl)
        return (long)i;
    o = bpfrt_prog__xlated_orig_idx(l->xl, i);
    if (o < 0 || (i > 0 && bpfrt_prog__xlated_orig_idx(l->xl, i - 1) == o))
        return -1;
    return o;
}

/* Is there a program with names and map ids (an object's or a pinned one)? */
static int has_identity(const struct listing *l)
{
    return l->prog != NULL;
}

/* The BTF name of the function starting at idx, or NULL. */
static const char *func_name_at(const struct listing *l, size_t idx)
{
    struct bpfrt_func_info fi;
    long o = src_idx(l, idx);

    if (!l->prog || o < 0 || bpfrt_prog__func_at(l->prog, (size_t)o, &fi))
        return NULL;
    return fi.name[0] ? fi.name : NULL;
}

static int func_starts_at(const struct listing *l, size_t idx)
{
    struct bpfrt_func_info fi;
    long o = src_idx(l, idx);

    return l->prog && o >= 0 && !bpfrt_prog__func_at(l->prog, (size_t)o, &fi);
}

/* Where the function that a bpf-to-bpf call at i enters ends: the next
 * function start (func info) after it, or the end. */
static size_t func_end(const struct listing *l, size_t start)
{
    for (size_t k = start + 1; k < l->cnt; k++)
        if (func_starts_at(l, k))
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
    if (!has_identity(l))
        return n;
    if (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
        (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE)) {
        char *f = strstr(text, "map[fd:");
        if (f)
            memcpy(f + 4, "id", 2);
    } else if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL) {
        long long target = (long long)i + 1 + in->imm;
        const char *fname = target >= 0 && (size_t)target < l->cnt ? func_name_at(l, (size_t)target) : NULL;
        uint8_t tag[8];
        if (fname && !bpfrt_prog_calc_tag(l->insns + target, func_end(l, (size_t)target) - (size_t)target, tag)) {
            size_t len = strlen(text);
            snprintf(text + len, sz - len, "#bpf_prog_%02x%02x%02x%02x%02x%02x%02x%02x_%s", tag[0], tag[1], tag[2],
                     tag[3], tag[4], tag[5], tag[6], tag[7], fname);
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
        const struct bpfrt_line_info *ln = NULL;
        struct bpfrt_line_info pl;
        struct bpfrt_func_info fi;
        const char *src = "";
        int n = insn_text(l, i, text, sizeof(text));
        size_t bytes = (size_t)n * sizeof(struct bpf_insn);

        if (i + (size_t)n > l->cnt)
            n = 1, bytes = sizeof(struct bpf_insn);
        if (l->prog && src_idx(l, i) >= 0) {
            size_t o = (size_t)src_idx(l, i);
            if (!bpfrt_prog__func_at(l->prog, o, &fi))
                snprintf(proto, sizeof(proto), "%s", fi.proto);
            if (!bpfrt_prog__line_at(l->prog, o, &pl))
                ln = &pl;
            if (ln)
                for (src = ln->text; *src == ' ' || *src == '\t';)
                    src++; /* bpftool drops the indentation */
        }
        hex_groups(hex, sizeof(hex), (const uint8_t *)&l->insns[i], bytes);
        if (json && has_identity(l)) {
            const struct bpf_insn *in = &l->insns[i];
            char b[300];
            json_obj_open(&cli.j);
            if (proto[0])
                json_kv_str(&cli.j, "proto", proto);
            if (ln) {
                json_kv_str(&cli.j, "src", src);
                if (l->linum) {
                    json_kv_str(&cli.j, "file", ln->file);
                    json_kv_u64(&cli.j, "line_num", ln->line_nr);
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
                    printf(" [file:%s line_num:%u line_col:%u]", ln->file, ln->line_nr, ln->col);
                printf("\n");
            }
            printf("%4zu: (%02x) %s\n", i, l->insns[i].code, text);
            if (l->opcodes)
                printf("       %s\n", hex);
        }
        i += (size_t)n;
    }
}

/* What dump jited shows of BPF instruction i (cli_jited_note_fn). */
static void jited_note(void *arg, size_t i, struct cli_jited_note *nt)
{
    const struct listing *l = arg;
    static struct bpfrt_line_info pl;
    struct bpfrt_func_info fi;
    long o = src_idx(l, i);

    insn_text(l, i, nt->bpf, sizeof(nt->bpf));
    nt->proto[0] = 0;
    nt->src = NULL;
    if (!l->prog || o < 0)
        return;
    if (!bpfrt_prog__func_at(l->prog, (size_t)o, &fi))
        snprintf(nt->proto, sizeof(nt->proto), "%s", fi.proto);
    if (!bpfrt_prog__line_at(l->prog, (size_t)o, &pl)) {
        for (nt->src = pl.text; *nt->src == ' ' || *nt->src == '\t';)
            nt->src++; /* bpftool drops the indentation */
        nt->file = pl.file;
        nt->line = pl.line_nr;
        nt->col = pl.col;
    }
}

/* prog dump jited: the JIT's code of a program the JIT runs. */
static int dump_jited(const struct listing *l)
{
    const uint8_t *code;
    const uint32_t *offs;
    size_t len = bpfrt_prog__jited(l->xl, &code, &offs);
    const char *name = bpfrt_prog__name(l->xl);
    char label[128];
    uint8_t t[8];

    if (!len)
        return cli_err("program '%s' runs in engine '%s', not the JIT: nothing is jited (an unverified program runs in "
                       "the JIT only with --engine jit)",
                       name, bpfrt_prog__engine(l->xl));
    bpfrt_prog__tag(l->xl, t);
    snprintf(label, sizeof(label), "bpf_prog_%02x%02x%02x%02x%02x%02x%02x%02x_%s", t[0], t[1], t[2], t[3], t[4], t[5],
             t[6], t[7], name);
    return cli_dump_jited(label, code, len, offs, l->cnt, l->opcodes, l->linum, jited_note, (void *)l);
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
    int used, jited, err = 0;

    if (argc < 1 || (strcmp(argv[0], "xlated") && strcmp(argv[0], "jited")))
        return cli_err("expected 'xlated' or 'jited' after dump");
    jited = !strcmp(argv[0], "jited");
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
        l.prog = l.xl = cli_obj_loaded_prog(obj, &spec.obj);
        if (!l.prog) {
            bpfrt_object__close(obj);
            return 1;
        }
    } else {
        if (load_spec(&spec, &prog))
            return 1;
        l.xl = prog;
        if (spec.is_pinned)
            l.prog = prog;
    }
    /* the translated program, as the kernel's xlated dump */
    l.insns = bpfrt_prog__xlated_insns(l.xl);
    l.cnt = bpfrt_prog__xlated_cnt(l.xl);
    if (jited) {
        err = dump_jited(&l);
    } else {
        if (cli.json) {
            json_init(&cli.j, stdout, cli.pretty);
            json_arr_open(&cli.j);
        }
        dump_one(&l);
        if (cli.json) {
            json_arr_close(&cli.j);
            json_end(&cli.j);
        }
    }
    bpfrt_prog__free(prog);
    bpfrt_object__close(obj);
    return err;
}

/* What `prog show` prints of one program. */
struct show_facts {
    uint32_t id;
    enum bpf_prog_type type;
    const char *name, *license;
    const struct bpfrt_prog *prog; /* tag, license, xlated size, maps */
    time_t loaded_at;
    uint32_t uid;
    char *const *pinned; /* a listing of pins: the program's paths */
    size_t npinned;
};

static void show_facts(const struct show_facts *f)
{
    size_t nmaps, xlated = bpfrt_prog__xlated_cnt(f->prog) * sizeof(struct bpf_insn);
    size_t jited = bpfrt_prog__jited(f->prog, NULL, NULL);
    int gpl = bpfrt_prog__gpl_compatible(f->prog);
    uint32_t ids[64];
    uint8_t t[8];
    char tag[17], tbuf[32], when[64];
    const char *type = cli_prog_type_str(f->type, tbuf, sizeof(tbuf));

    bpfrt_prog__tag(f->prog, t);
    snprintf(tag, sizeof(tag), "%02x%02x%02x%02x%02x%02x%02x%02x", t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
    nmaps = bpfrt_prog__map_ids(f->prog, ids, sizeof(ids) / sizeof(ids[0]));
    if (nmaps > sizeof(ids) / sizeof(ids[0]))
        nmaps = sizeof(ids) / sizeof(ids[0]);
    if (cli.json) {
        json_obj_open(&cli.j);
        json_kv_u64(&cli.j, "id", f->id);
        json_kv_str(&cli.j, "type", type);
        json_kv_str(&cli.j, "name", f->name);
        json_kv_str(&cli.j, "tag", tag);
        json_key(&cli.j, "gpl_compatible");
        json_bool(&cli.j, gpl);
        json_kv_u64(&cli.j, "loaded_at", (uint64_t)f->loaded_at);
        json_kv_u64(&cli.j, "uid", f->uid);
        json_kv_u64(&cli.j, "bytes_xlated", xlated);
        json_key(&cli.j, "jited");
        json_bool(&cli.j, jited > 0);
        if (jited)
            json_kv_u64(&cli.j, "bytes_jited", jited);
        if (nmaps) {
            json_key(&cli.j, "map_ids");
            json_arr_open(&cli.j);
            for (size_t k = 0; k < nmaps; k++)
                json_u64(&cli.j, ids[k]);
            json_arr_close(&cli.j);
        }
        if (f->npinned) {
            json_key(&cli.j, "pinned");
            json_arr_open(&cli.j);
            for (size_t k = 0; k < f->npinned; k++)
                json_str(&cli.j, f->pinned[k]);
            json_arr_close(&cli.j);
        }
        json_obj_close(&cli.j);
        return;
    }
    strftime(when, sizeof(when), "%FT%T%z", localtime(&f->loaded_at));
    printf("%u: %s  name %s  tag %s%s\n", f->id, type, f->name, tag, gpl ? "  gpl" : "");
    printf("\tloaded_at %s  uid %u\n", when, (unsigned)f->uid);
    if (jited)
        printf("\txlated %zuB  jited %zuB", xlated, jited);
    else
        printf("\txlated %zuB  not jited", xlated);
    for (size_t k = 0; k < nmaps; k++)
        printf("%s%u", k ? "," : "  map_ids ", ids[k]);
    printf("\n");
    for (size_t k = 0; k < f->npinned; k++)
        printf("\tpinned %s\n", f->pinned[k]);
}

static void show_one(const struct bpfrt_object *obj, const struct bpfrt_program *p, time_t loaded_at)
{
    struct show_facts f = {
        .id = (uint32_t)cli_obj_prog_id(obj, p),
        .type = bpfrt_program__type(p),
        .name = bpfrt_program__name(p),
        .license = bpfrt_object__license(obj),
        .prog = bpfrt_program__prog(p),
        .loaded_at = loaded_at,
        .uid = (uint32_t)getuid(),
    };
    show_facts(&f);
}

/* A pinned program: the facts it was pinned with (load time, owner, tag);
 * the id and map ids are this process's, as it opened them. */
static void show_pinned(const struct bpfrt_prog *prog, char *const *paths, size_t npaths)
{
    struct show_facts f = {
        .id = bpfrt_prog__id(prog),
        .type = bpfrt_prog__type(prog),
        .name = bpfrt_prog__name(prog),
        .license = bpfrt_prog__license(prog),
        .prog = prog,
        .loaded_at = (time_t)bpfrt_prog__load_time(prog),
        .uid = bpfrt_prog__uid(prog),
        .pinned = paths,
        .npinned = npaths,
    };
    show_facts(&f);
}

/* `prog show` alone: every program pinned under the state directory
 * (there is no list of every loaded program in user space), each once
 * with all its names, in the order of their paths.  A file that starts
 * like a pinned program but does not open (damaged, a map pin missing) is
 * left out (-d says why). */
static int prog_list_pinned(void)
{
    struct bpfrt_pin_entry *pins;
    char log[1024] = "";
    BPFRT_OPTS(bpfrt_pin_opts, po, .log_buf = log, .log_size = sizeof(log));
    size_t n;
    int err = bpfrt_pin_list(BPFRT_PIN_PROG, &po, &pins, &n);

    if (err)
        return cli_err("%s", log[0] ? log : strerror(-err));
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        json_arr_open(&cli.j);
    }
    for (size_t i = 0; i < n; i++) {
        struct bpfrt_prog *prog;
        int err = bpfrt_prog__open_pinned(pins[i].paths[0], &prog);
        if (err) {
            if (cli.debug)
                fprintf(stderr, "skipped '%s': %s\n", pins[i].paths[0], strerror(-err));
            continue;
        }
        show_pinned(prog, pins[i].paths, pins[i].nr_paths);
        bpfrt_prog__free(prog);
    }
    if (cli.json) {
        json_arr_close(&cli.j);
        json_end(&cli.j);
    }
    bpfrt_pin_list_free(pins, n);
    return 0;
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
        return prog_list_pinned();
    used = parse_prog(argc, argv, &spec);
    if (used < 0)
        return 1;
    if (used < argc)
        return cli_err("unexpected '%s' after PROG", argv[used]);
    if (spec.is_pinned) {
        struct bpfrt_prog *prog;
        if (load_spec(&spec, &prog))
            return 1;
        if (cli.json)
            json_init(&cli.j, stdout, cli.pretty);
        show_pinned(prog, NULL, 0);
        if (cli.json)
            json_end(&cli.j);
        bpfrt_prog__free(prog);
        return 0;
    }
    if (!spec.is_obj)
        return cli_err("'prog show' needs a loaded program: use 'pinned FILE' or 'obj FILE' (raw programs have no "
                       "identity)");
    if (cli_obj_load(&spec.obj, &obj))
        return 1;
    now = time(NULL);
    one = spec.obj.prog || spec.obj.sec;
    if (one) {
        p = cli_obj_prog(obj, &spec.obj);
        if (!p || !cli_obj_loaded_prog(obj, &spec.obj)) {
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
            if (bpfrt_program__prog(p)) /* not a '?' program left unloaded */
                show_one(obj, p, now);
    if (cli.json) {
        if (!one)
            json_arr_close(&cli.j);
        json_end(&cli.j);
    }
    bpfrt_object__close(obj);
    return 0;
}

/* ------------------------------------- prog pin, prog load, prog loadall */

static void print_done(void)
{
    if (cli.json)
        printf("null\n");
}

#define CLI_MAX_MAP_MAX 64

/* `map name NAME max_entries N` at argv[i] (a bpfrt extension of bpftool's
 * `map { idx IDX | name NAME } MAP`, which reuses a map: not here).
 * Returns the words used, or -1 after reporting. */
static int parse_map_max(int argc, char **argv, int i, struct bpfrt_map_max_entries *mx, size_t *n)
{
    uint64_t v;

    if (i + 4 >= argc || strcmp(argv[i + 1], "name") || strcmp(argv[i + 3], "max_entries")) {
        if (i + 1 < argc && !strcmp(argv[i + 1], "idx"))
            return cli_err("'map idx IDX MAP' (reusing a map) is not supported by bpfrt; 'map name NAME "
                           "max_entries N' sets a map's size"), -1;
        return cli_err("'map' needs 'name NAME max_entries N'"), -1;
    }
    if (cli_parse_u64(argv[i + 4], UINT32_MAX, &v))
        return cli_err("max_entries '%s' of map '%s' is not a number up to %u", argv[i + 4], argv[i + 2], UINT32_MAX),
               -1;
    if (*n >= CLI_MAX_MAP_MAX)
        return cli_err("more than %d 'map name NAME max_entries N'", CLI_MAX_MAP_MAX), -1;
    mx[*n].name = argv[i + 2];
    mx[(*n)++].max_entries = (uint32_t)v;
    return 5;
}

/* prog load OBJ PATH [type TYPE] [pinmaps DIR]: load every program of the
 * object, pin the first at PATH (bpftool's rule).
 * prog loadall OBJ DIR [type TYPE] [pinmaps DIR]: pin each at DIR/<name>.
 * The library pins all or nothing (bpfrt_object__pin_programs). */
static int prog_load(int argc, char **argv, int all)
{
    const char *what = all ? "loadall" : "load", *pinmaps = NULL, *path;
    struct cli_obj_spec spec = {0};
    struct bpfrt_object *obj = NULL;
    struct bpfrt_program *first;
    char log[2048] = "";
    BPFRT_OPTS(bpfrt_object_pin_opts, po, .log_buf = log, .log_size = sizeof(log));
    struct bpfrt_map_max_entries mx[CLI_MAX_MAP_MAX];
    size_t nmx = 0;
    struct stat st;
    int err;

    if (argc < 2)
        return cli_err("'prog %s' needs OBJ and %s", what, all ? "DIR" : "PATH");
    spec.file = argv[0];
    path = argv[1];
    for (int i = 2; i < argc; i += 2) {
        int w = cli_parse_verifier_word(argc, argv, i, &spec.log_level, &spec.unpriv);
        if (w < 0)
            return 1;
        if (w) {
            i += w - 2;
            continue;
        }
        if (i + 1 >= argc)
            return cli_err("'%s' needs a value", argv[i]);
        if (!strcmp(argv[i], "type")) {
            if (bpfrt_prog_type_from_name(argv[i + 1], &spec.type))
                return cli_err("unknown program type '%s'", argv[i + 1]);
            spec.has_type = 1;
        } else if (!strcmp(argv[i], "pinmaps")) {
            pinmaps = argv[i + 1];
        } else if (!strcmp(argv[i], "map")) {
            int w = parse_map_max(argc, argv, i, mx, &nmx);
            if (w < 0)
                return 1;
            i += w - 2;
        } else if (!strcmp(argv[i], "dev") || !strcmp(argv[i], "offload_dev") || !strcmp(argv[i], "xdpmeta_dev")) {
            return cli_err("'%s' is not supported by bpfrt's prog %s", argv[i], what);
        } else {
            return cli_err("unknown keyword '%s' (expected type, map, pinmaps, log_level or unpriv)", argv[i]);
        }
    }
    if (!all && lstat(path, &st) == 0)
        return cli_err("cannot pin at '%s': it exists", path);
    spec.max_entries = mx;
    spec.nr_max_entries = nmx;
    if (cli_obj_load(&spec, &obj))
        return 1;
    /* the first program loaded (a '?' program is not, unless alone) */
    first = NULL;
    while ((first = bpfrt_object__next_program(obj, first)) && !bpfrt_program__prog(first))
        ;
    if (!first) {
        cli_err("object '%s' has no programs", spec.file);
        bpfrt_object__close(obj);
        return 1;
    }
    po.maps_dir = pinmaps;
    err = all ? bpfrt_object__pin_programs(obj, path, &po) : bpfrt_program__pin(first, path, &po);
    bpfrt_object__close(obj);
    if (err)
        return cli_err("%s", log[0] ? log : strerror(-err));
    if (cli.debug && log[0])
        fprintf(stderr, "%s", log); /* notes: maps left out */
    print_done();
    return 0;
}

/* prog pin PROG FILE */
static int prog_pin(int argc, char **argv)
{
    struct prog_spec spec;
    struct bpfrt_object *obj = NULL;
    struct bpfrt_prog *prog = NULL;
    char log[1024] = "";
    const char *file;
    int used, err;

    used = parse_prog(argc, argv, &spec);
    if (used < 0)
        return 1;
    if (used >= argc)
        return cli_err("'prog pin' needs a FILE after PROG");
    file = argv[used];
    if (used + 1 < argc)
        return cli_err("unexpected '%s' after FILE", argv[used + 1]);
    if (spec.is_obj) {
        struct bpfrt_program *p;
        BPFRT_OPTS(bpfrt_object_pin_opts, po, .log_buf = log, .log_size = sizeof(log));
        if (cli_obj_load(&spec.obj, &obj))
            return 1;
        p = cli_obj_prog(obj, &spec.obj);
        err = p ? bpfrt_program__pin(p, file, &po) : 0;
        bpfrt_object__close(obj);
        if (!p)
            return 1;
        if (err)
            return cli_err("%s", log[0] ? log : strerror(-err));
        print_done();
        return 0;
    }
    if (load_spec(&spec, &prog))
        return 1;
    BPFRT_OPTS(bpfrt_pin_opts, po, .log_buf = log, .log_size = sizeof(log));
    err = bpfrt_prog__pin_opts(prog, file, &po);
    bpfrt_prog__free(prog);
    if (err)
        return cli_err("cannot pin '%s' at '%s': %s", spec.file, file, log[0] ? log : strerror(-err));
    print_done();
    return 0;
}

int do_prog(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "help")) {
        fprintf(argc < 1 ? stderr : stdout,
                "Usage: bpfrt prog run PROG [data_in FILE [data_out FILE]] [ctx_in FILE] [ctx_out FILE] [fib FILE] "
                "[repeat N] [log_level N] [unpriv] [kernel_diff]\n"
                "       bpfrt prog run PROG pcap FILE [out DIR] [kernel_diff]\n"
                "       bpfrt prog dump xlated PROG [opcodes] [linum]\n"
                "       bpfrt prog { show | list } PROG\n"
                "       bpfrt prog load OBJ PATH [type TYPE] [map name NAME max_entries N]... [pinmaps DIR]\n"
                "                 [log_level N] [unpriv]\n"
                "       bpfrt prog loadall OBJ DIR [type TYPE] [map name NAME max_entries N]... [pinmaps DIR]\n"
                "                 [log_level N] [unpriv]\n"
                "       bpfrt prog pin PROG FILE\n"
                "       bpfrt prog verify { PROG | OBJ } [type TYPE] [log_level N] [unpriv]\n"
                "       bpfrt prog tracelog [idle MS]\n"
                "       PROG := pinned FILE | raw FILE [type TYPE] | obj FILE [sec SECTION | prog NAME] [type TYPE]\n");
        return argc < 1;
    }
    if (cli_is_prefix(argv[0], "run"))
        return prog_run(argc - 1, argv + 1);
    if (cli_is_prefix(argv[0], "dump"))
        return prog_dump(argc - 1, argv + 1);
    if (cli_is_prefix(argv[0], "show") || cli_is_prefix(argv[0], "list"))
        return prog_show(argc - 1, argv + 1);
    if (!strcmp(argv[0], "loadall"))
        return prog_load(argc - 1, argv + 1, 1);
    if (cli_is_prefix(argv[0], "load"))
        return prog_load(argc - 1, argv + 1, 0);
    if (cli_is_prefix(argv[0], "pin"))
        return prog_pin(argc - 1, argv + 1);
    if (cli_is_prefix(argv[0], "tracelog"))
        return cli_prog_tracelog(argc - 1, argv + 1);
    if (cli_is_prefix(argv[0], "verify"))
        return cli_prog_verify(argc - 1, argv + 1);
    return cli_err("unknown command 'prog %s' (expected run, dump, show, list, load, loadall, pin or verify; see "
                   "bpfrt prog help)",
                   argv[0]);
}
