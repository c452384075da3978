/* prog.c - `bpfrt prog ...`: run and dump programs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

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
};

/* Parse PROG at argv[0..]: returns the number of words used, or -1 after
 * reporting an error. */
static int parse_prog(int argc, char **argv, struct prog_spec *spec)
{
    int used;

    if (argc < 1) {
        cli_err("expected a PROG (raw FILE [type TYPE])");
        return -1;
    }
    if (strcmp(argv[0], "raw")) {
        static const char *const later[] = {"id", "pinned", "tag", "name", "obj"};
        for (size_t k = 0; k < sizeof(later) / sizeof(later[0]); k++)
            if (!strcmp(argv[0], later[k])) {
                cli_err("PROG '%s' needs the ELF loader and object store, which this build does not have yet; use "
                        "'raw FILE'",
                        argv[0]);
                return -1;
            }
        cli_err("unknown PROG kind '%s' (expected raw FILE)", argv[0]);
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

/* prog dump xlated PROG [opcodes]: the program as bpfrt runs it, bpftool's
 * layout ("   0: (b7) r0 = 1"). */
static int prog_dump(int argc, char **argv)
{
    struct prog_spec spec;
    struct bpfrt_prog *prog;
    int used, opcodes = 0;

    if (argc < 1 || (strcmp(argv[0], "xlated") && strcmp(argv[0], "jited")))
        return cli_err("expected 'xlated' or 'jited' after dump");
    if (!strcmp(argv[0], "jited"))
        return cli_err("'dump jited' needs the JIT, which this build does not have (only the interpreter)");
    used = parse_prog(argc - 1, argv + 1, &spec);
    if (used < 0)
        return 1;
    for (int i = 1 + used; i < argc; i++) {
        if (!strcmp(argv[i], "opcodes"))
            opcodes = 1;
        else
            return cli_err("unknown keyword '%s' (expected opcodes)", argv[i]);
    }
    if (load_spec(&spec, &prog))
        return 1;
    const struct bpf_insn *insns = bpfrt_prog__insns(prog);
    size_t cnt = bpfrt_prog__insn_cnt(prog);
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        json_arr_open(&cli.j);
    }
    for (size_t i = 0; i < cnt;) {
        char text[256], hex[64];
        int n = bpfrt_disasm_insn(insns, cnt, i, text, sizeof(text));
        if (n <= 0)
            n = 1, snprintf(text, sizeof(text), "<undecodable>");
        hex[0] = 0;
        for (int k = 0; k < n * 8 && opcodes; k++)
            snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex), "%s%02x", k ? " " : "",
                     ((const uint8_t *)&insns[i])[k]);
        if (cli.json) {
            json_obj_open(&cli.j);
            json_kv_u64(&cli.j, "pc", i);
            json_kv_str(&cli.j, "disasm", text);
            if (opcodes)
                json_kv_str(&cli.j, "opcodes", hex);
            json_obj_close(&cli.j);
        } else {
            printf("%4zu: (%02x) %s\n", i, insns[i].code, text);
            if (opcodes)
                printf("       %s\n", hex);
        }
        i += (size_t)n;
    }
    if (cli.json) {
        json_arr_close(&cli.j);
        json_end(&cli.j);
    }
    bpfrt_prog__free(prog);
    return 0;
}

int do_prog(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "help")) {
        fprintf(argc < 1 ? stderr : stdout,
                "Usage: bpfrt prog run PROG [data_in FILE [data_out FILE]] [repeat N]\n"
                "       bpfrt prog dump xlated PROG [opcodes]\n"
                "       PROG := raw FILE [type TYPE]\n");
        return argc < 1;
    }
    if (cli_is_prefix(argv[0], "run"))
        return prog_run(argc - 1, argv + 1);
    if (cli_is_prefix(argv[0], "dump"))
        return prog_dump(argc - 1, argv + 1);
    if (cli_is_prefix(argv[0], "show") || cli_is_prefix(argv[0], "list") || cli_is_prefix(argv[0], "load") ||
        cli_is_prefix(argv[0], "loadall") || cli_is_prefix(argv[0], "pin"))
        return cli_err("'prog %s' needs the object store, which this build does not have yet", argv[0]);
    return cli_err("unknown command 'prog %s' (expected run or dump; see bpfrt prog help)", argv[0]);
}
