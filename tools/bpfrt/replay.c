/* replay.c - `prog run PROG pcap FILE` (bpfrt): run a program once per
 * packet of a capture, read with libpcap, and report each packet's return
 * value, the totals by verdict and the trace lines the program printed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"
#include "pcapio.h"

#define MAX_SHOWN 64 /* packets listed one by one in text mode */

/* XDP actions (enum xdp_action in linux/bpf.h), the usual verdicts. */
static const char *verdict_name(uint64_t v)
{
    switch (v) {
    case XDP_ABORTED: return "XDP_ABORTED";
    case XDP_DROP: return "XDP_DROP";
    case XDP_PASS: return "XDP_PASS";
    case XDP_TX: return "XDP_TX";
    case XDP_REDIRECT: return "XDP_REDIRECT";
    default: return NULL;
    }
}

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

int cli_total_budget(uint64_t *budget)
{
    const char *env = getenv("BPFRT_TOTAL_BUDGET");

    *budget = CLI_TOTAL_BUDGET;
    if (env && (cli_parse_u64(env, UINT64_MAX, budget) || !*budget))
        return cli_err("BPFRT_TOTAL_BUDGET '%s' is not a number of instructions from 1 to %llu", env,
                       (unsigned long long)UINT64_MAX);
    return 0;
}

int cli_run_pcap(struct bpfrt_prog *prog, const char *name, const char *path, uint32_t flags)
{
    char errbuf[512];
    const uint8_t *bytes;
    uint32_t caplen;
    struct pcapio *pc;
    uint64_t counts[6] = {0}, other = 0, total_ns = 0, npkts = 0;
    struct trace_lines trace = {0};
    uint8_t *buf = NULL;
    size_t bufcap = 0;
    int rc, ret = 0;
    uint64_t total, used = 0;

    if (cli_total_budget(&total))
        return 1;
    if (pcapio_open(path, &pc, errbuf, sizeof(errbuf)))
        return cli_err("cannot read capture '%s': %s", path, errbuf);
    bpfrt_trace_drain(NULL, NULL);
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        json_obj_open(&cli.j);
        json_key(&cli.j, "results");
        json_arr_open(&cli.j);
    }
    while ((rc = pcapio_next(pc, &bytes, &caplen, errbuf, sizeof(errbuf))) == 1) {
        if (caplen > bufcap) {
            uint8_t *nb = realloc(buf, caplen);
            if (!nb) {
                ret = cli_err("out of memory");
                break;
            }
            buf = nb, bufcap = caplen;
        }
        /* an empty packet (caplen 0) is legal in a capture: buf may still
         * be NULL then, and memcpy(NULL, ..., 0) is undefined behaviour */
        if (caplen)
            memcpy(buf, bytes, caplen);
        /* the packets share the command's budget as repeat runs do; the
         * checked runs count their instructions exactly */
        BPFRT_OPTS(bpfrt_run_opts, ro, .data = caplen ? buf : NULL, .data_size = caplen, .flags = flags,
                   .err_buf = errbuf, .err_size = sizeof(errbuf), .total_budget = total - used);
        npkts++;
        if (used >= total || bpfrt_prog__run(prog, &ro)) {
            if (used >= total || strstr(errbuf, "total instruction budget"))
                snprintf(errbuf, sizeof(errbuf),
                         "the command's instruction budget of %llu instructions for all packets is spent "
                         "(BPFRT_TOTAL_BUDGET)",
                         (unsigned long long)total);
            if (cli.json) {
                json_arr_close(&cli.j);
                json_obj_close(&cli.j);
                json_end(&cli.j);
            }
            ret = cli_err("'%s': packet %" PRIu64 " of '%s': %s", name, npkts, path, errbuf);
            break;
        }
        used += (flags & BPFRT_RUN_CHECKED) ? ro.insn_cnt : 0;
        total_ns += ro.duration_ns;
        if (ro.retval < 5)
            counts[ro.retval]++;
        else
            other++;
        bpfrt_trace_drain(keep_line, &trace);
        if (cli.json) {
            json_obj_open(&cli.j);
            json_kv_u64(&cli.j, "packet", npkts);
            json_kv_u64(&cli.j, "len", caplen);
            json_kv_u64(&cli.j, "retval", ro.retval);
            json_obj_close(&cli.j);
        } else if (npkts <= MAX_SHOWN) {
            const char *vn = verdict_name(ro.retval);
            printf("packet %4" PRIu64 ": len %5u  retval %" PRIu64 "%s%s%s\n", npkts, caplen, ro.retval,
                   vn ? " (" : "", vn ? vn : "", vn ? ")" : "");
        }
    }
    if (!ret && rc < 0) {
        if (cli.json) {
            json_arr_close(&cli.j);
            json_obj_close(&cli.j);
            json_end(&cli.j);
        }
        ret = cli_err("capture '%s': %s", path, errbuf);
    }
    pcapio_close(pc);
    free(buf);
    if (!ret) {
        uint64_t avg = npkts ? total_ns / npkts : 0;
        if (cli.json) {
            json_arr_close(&cli.j);
            json_kv_u64(&cli.j, "packets", npkts);
            json_key(&cli.j, "verdicts");
            json_obj_open(&cli.j);
            for (int v = 0; v < 5; v++)
                if (counts[v])
                    json_kv_u64(&cli.j, verdict_name((uint64_t)v), counts[v]);
            if (other)
                json_kv_u64(&cli.j, "other", other);
            json_obj_close(&cli.j);
            json_kv_u64(&cli.j, "duration", avg);
            json_key(&cli.j, "trace");
            json_arr_open(&cli.j);
            for (size_t i = 0; i < trace.n; i++)
                json_str(&cli.j, trace.v[i]);
            json_arr_close(&cli.j);
            json_obj_close(&cli.j);
            json_end(&cli.j);
        } else {
            if (npkts > MAX_SHOWN)
                printf("... (%" PRIu64 " more packets)\n", npkts - MAX_SHOWN);
            printf("Packets: %" PRIu64 ", duration (average): %" PRIu64 "ns\nVerdicts:", npkts, avg);
            for (int v = 0; v < 5; v++)
                if (counts[v])
                    printf(" %s %" PRIu64, verdict_name((uint64_t)v), counts[v]);
            if (other)
                printf(" other %" PRIu64, other);
            printf("\n");
            if (trace.n) {
                printf("Trace (%zu lines):\n", trace.n);
                for (size_t i = 0; i < trace.n; i++)
                    printf("%s\n", trace.v[i]);
            }
        }
    }
    for (size_t i = 0; i < trace.n; i++)
        free(trace.v[i]);
    free(trace.v);
    return ret;
}
