/* replay.c - `prog run PROG pcap FILE` (bpfrt): the library runs the
 * program once per packet of the capture (bpfrt_prog__run_pcap); this
 * prints each packet's return value, the totals by verdict and the trace
 * lines the program printed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

#define MAX_SHOWN 64 /* packets listed one by one in text mode */

struct trace_lines {
    char **v;
    size_t n, cap;
};

static void keep_line(const char *line, void *ctx)
{
    struct trace_lines *t = ctx;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **nv = realloc(t->v, cap * sizeof(*nv));
        if (!nv)
            return;
        t->v = nv, t->cap = cap;
    }
    t->v[t->n] = strdup(line);
    if (t->v[t->n])
        t->n++;
}

struct replay {
    enum bpf_prog_type type;
    struct trace_lines trace;
    int started; /* JSON: the results array is open */
};

static void json_start(struct replay *r)
{
    if (r->started || !cli.json)
        return;
    json_init(&cli.j, stdout, cli.pretty);
    json_obj_open(&cli.j);
    json_key(&cli.j, "results");
    json_arr_open(&cli.j);
    r->started = 1;
}

static int on_packet(const struct bpfrt_pcap_packet *pkt, void *ctx)
{
    struct replay *r = ctx;

    bpfrt_trace_drain(keep_line, &r->trace);
    if (cli.json) {
        json_start(r);
        json_obj_open(&cli.j);
        json_kv_u64(&cli.j, "packet", pkt->nr);
        json_kv_u64(&cli.j, "len", pkt->len);
        json_kv_u64(&cli.j, "retval", pkt->retval);
        json_obj_close(&cli.j);
    } else if (pkt->nr <= MAX_SHOWN) {
        const char *vn = bpfrt_prog_type_retval_name(r->type, pkt->retval);
        printf("packet %4" PRIu64 ": len %5u  retval %" PRIu64 "%s%s%s\n", pkt->nr, pkt->len, pkt->retval,
               vn ? " (" : "", vn ? vn : "", vn ? ")" : "");
    }
    return 0;
}

int cli_total_budget(uint64_t *budget)
{
    const char *env = getenv("BPFRT_TOTAL_BUDGET");

    *budget = CLI_TOTAL_BUDGET;
    if (env && (cli_parse_u64(env, UINT64_MAX, budget) || !*budget))
        return cli_err("BPFRT_TOTAL_BUDGET '%s' is not a number of instructions from 1 to %llu", env,
                       (unsigned long long)UINT64_MAX);
    return 0;
}

int cli_run_pcap(struct bpfrt_prog *prog, const char *name, const char *path, uint32_t flags, uint64_t total_budget)
{
    struct replay r = {.type = bpfrt_prog__type(prog)};
    char log[1024] = "";
    BPFRT_OPTS(bpfrt_pcap_run_opts, o, .flags = flags, .packet_fn = on_packet, .ctx = &r, .log_buf = log,
               .log_size = sizeof(log), .total_budget = total_budget);
    uint64_t other;
    int err, ret = 0;

    bpfrt_trace_drain(NULL, NULL);
    err = bpfrt_prog__run_pcap(prog, path, &o);
    if (err) {
        if (o.failed_stage != BPFRT_PCAP_OPEN && cli.json) {
            /* the results so far, closed, then the error */
            json_start(&r);
            json_arr_close(&cli.j);
            json_obj_close(&cli.j);
            json_end(&cli.j);
        }
        if (o.failed_stage == BPFRT_PCAP_RUN)
            ret = cli_err("'%s': %s%s", name, log,
                          err == -E2BIG && strstr(log, "for all packets is spent")
                              ? " (the cap of one prog run command; BPFRT_TOTAL_BUDGET sets it)"
                              : "");
        else
            ret = cli_err("%s", log[0] ? log : strerror(-err));
    } else {
        /* return values without a name count as "other" */
        other = o.retval_other;
        for (uint64_t v = 0; v < BPFRT_PCAP_RETVALS; v++)
            if (!bpfrt_prog_type_retval_name(r.type, v))
                other += o.retval_counts[v];
        if (cli.json) {
            json_start(&r);
            json_arr_close(&cli.j);
            json_kv_u64(&cli.j, "packets", o.packets);
            json_key(&cli.j, "verdicts");
            json_obj_open(&cli.j);
            for (uint64_t v = 0; v < BPFRT_PCAP_RETVALS; v++)
                if (o.retval_counts[v] && bpfrt_prog_type_retval_name(r.type, v))
                    json_kv_u64(&cli.j, bpfrt_prog_type_retval_name(r.type, v), o.retval_counts[v]);
            if (other)
                json_kv_u64(&cli.j, "other", other);
            json_obj_close(&cli.j);
            json_kv_u64(&cli.j, "duration", o.duration_ns);
            json_key(&cli.j, "trace");
            json_arr_open(&cli.j);
            for (size_t i = 0; i < r.trace.n; i++)
                json_str(&cli.j, r.trace.v[i]);
            json_arr_close(&cli.j);
            json_obj_close(&cli.j);
            json_end(&cli.j);
        } else {
            if (o.packets > MAX_SHOWN)
                printf("... (%" PRIu64 " more packets)\n", o.packets - MAX_SHOWN);
            printf("Packets: %" PRIu64 ", duration (average): %" PRIu64 "ns\nVerdicts:", o.packets, o.duration_ns);
            for (uint64_t v = 0; v < BPFRT_PCAP_RETVALS; v++)
                if (o.retval_counts[v] && bpfrt_prog_type_retval_name(r.type, v))
                    printf(" %s %" PRIu64, bpfrt_prog_type_retval_name(r.type, v), o.retval_counts[v]);
            if (other)
                printf(" other %" PRIu64, other);
            printf("\n");
            if (r.trace.n) {
                printf("Trace (%zu lines):\n", r.trace.n);
                for (size_t i = 0; i < r.trace.n; i++)
                    printf("%s\n", r.trace.v[i]);
            }
        }
    }
    for (size_t i = 0; i < r.trace.n; i++)
        free(r.trace.v[i]);
    free(r.trace.v);
    return ret;
}
