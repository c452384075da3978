/* replay.c - `prog run PROG pcap FILE [out DIR]` (bpfrt): the library runs
 * the program once per packet of the capture (bpfrt_prog__run_pcap: a test
 * run of each packet for typed programs), counts verdicts, writes the
 * packets out per verdict and reads the records the runs write; this
 * prints each packet (the first MAX_SHOWN, and every packet with trace
 * lines or records), its trace lines and records, a progress bar on a
 * terminal, and the summary table.  With -j: JSON lines, one object a
 * line, the summary last (docs/CLI.md, "Replaying a capture"). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

#define MAX_SHOWN 64                   /* packets listed one by one in text mode */
#define PROGRESS_MIN_BYTES (1u << 20) /* a capture this long gets a progress bar on a terminal */

struct replay {
    enum bpf_prog_type type;
    const char *out_dir;
    uint64_t listed;    /* packets whose line was printed */
    uint64_t cur;       /* the packet last run */
    int cur_printed;    /* its line is out */
    char cur_line[256]; /* its line, for when a record comes after it */
    int pre_printed;    /* "before the replay:" is out */
    int bar;            /* a progress bar is drawn */
    uint64_t bar_ns;    /* when it was last drawn */
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void bar_clear(struct replay *r)
{
    if (r->bar) {
        fputs("\r\033[K", stderr);
        r->bar = 0;
    }
}

static void json_line_start(uint64_t packet)
{
    json_init(&cli.j, stdout, 0); /* JSON lines: never pretty */
    json_obj_open(&cli.j);
    json_kv_u64(&cli.j, "packet", packet);
}

static void json_line_end(void)
{
    json_obj_close(&cli.j);
    json_end(&cli.j);
}

static void json_bytes(const char *key, const void *p, uint32_t n)
{
    json_key(&cli.j, key);
    json_arr_open(&cli.j);
    for (uint32_t i = 0; i < n; i++)
        json_u64(&cli.j, ((const uint8_t *)p)[i]);
    json_arr_close(&cli.j);
}

/* The current packet's line, once, before anything printed under it. */
static void cur_line_out(struct replay *r)
{
    if (r->cur_printed)
        return;
    bar_clear(r);
    fputs(r->cur_line, stdout);
    r->cur_printed = 1;
    r->listed++;
}

static void on_trace(const char *line, void *ctx)
{
    struct replay *r = ctx;

    if (cli.json) {
        json_line_start(r->cur);
        json_kv_str(&cli.j, "trace", line);
        json_line_end();
        return;
    }
    cur_line_out(r);
    printf("    trace: %s\n", line);
}

/* "  changed: 26-29 0a000001>c6336401, 50-51 b3e7>cc2e" (the byte ranges
 * that differ over the common length, with their bytes before and after
 * when they are short) and "len 54 -> 60" when the length changed; ""
 * when the packet left as it came. */
static void describe_change(const struct bpfrt_pcap_packet *pkt, char *buf, size_t sz)
{
    const uint8_t *a = pkt->data_in, *b = pkt->data;
    uint32_t n = pkt->len_in < pkt->len ? pkt->len_in : pkt->len;
    size_t used = 0;
    int ranges = 0;

#define PUT(...) (used += (size_t)snprintf(buf + used, used < sz ? sz - used : 0, __VA_ARGS__))
    buf[0] = 0;
    for (uint32_t i = 0; i < n && a && b; i++) {
        uint32_t end = i;
        if (a[i] == b[i])
            continue;
        while (end + 1 < n && a[end + 1] != b[end + 1])
            end++;
        if (ranges++ == 4) {
            PUT(", ...");
            break;
        }
        PUT(ranges == 1 ? "  changed: %u" : ", %u", i);
        if (end > i)
            PUT("-%u", end);
        if (end - i < 6) {
            PUT(" ");
            for (uint32_t k = i; k <= end; k++)
                PUT("%02x", a[k]);
            PUT(">");
            for (uint32_t k = i; k <= end; k++)
                PUT("%02x", b[k]);
        }
        i = end;
    }
    if (pkt->len != pkt->len_in)
        PUT("%slen %u -> %u", ranges ? ", " : "  changed: ", pkt->len_in, pkt->len);
#undef PUT
}

static int on_packet(const struct bpfrt_pcap_packet *pkt, void *ctx)
{
    struct replay *r = ctx;
    char change[160];

    r->cur = pkt->nr;
    r->cur_printed = 0;
    if (pkt->err) {
        change[0] = 0;
        snprintf(r->cur_line, sizeof(r->cur_line), "packet %4" PRIu64 ": len %5u  refused by the test run: %s\n",
                 pkt->nr, pkt->len_in, pkt->err_msg ? pkt->err_msg : strerror(-pkt->err));
    } else {
        const char *vn = bpfrt_prog_type_retval_name(r->type, pkt->retval);
        describe_change(pkt, change, sizeof(change));
        snprintf(r->cur_line, sizeof(r->cur_line), "packet %4" PRIu64 ": len %5u  retval %" PRIu64 "%s%s%s%s\n",
                 pkt->nr, pkt->len_in, pkt->retval, vn ? " (" : "", vn ? vn : "", vn ? ")" : "", change);
    }
    if (cli.json) {
        json_line_start(pkt->nr);
        json_kv_u64(&cli.j, "len", pkt->len_in);
        if (pkt->err) {
            json_kv_str(&cli.j, "verdict", pkt->verdict);
            json_kv_str(&cli.j, "error", pkt->err_msg ? pkt->err_msg : strerror(-pkt->err));
        } else {
            json_kv_u64(&cli.j, "retval", pkt->retval);
            json_kv_str(&cli.j, "verdict", pkt->verdict);
            json_kv_u64(&cli.j, "len_out", pkt->len);
            json_key(&cli.j, "changed");
            json_bool(&cli.j, pkt->len != pkt->len_in || (pkt->len && memcmp(pkt->data, pkt->data_in, pkt->len)));
        }
        json_line_end();
    } else if (pkt->nr <= MAX_SHOWN) {
        cur_line_out(r);
    }
    bpfrt_trace_drain(on_trace, r);
    return 0;
}

static int on_record(const struct bpfrt_pcap_record *rec, void *ctx)
{
    struct replay *r = ctx;
    const char *map = bpfrt_map__name(rec->map);

    if (cli.json) {
        json_line_start(rec->packet);
        json_kv_str(&cli.j, rec->kind == BPFRT_PCAP_RINGBUF ? "ringbuf" : "perf_event", map);
        if (rec->kind != BPFRT_PCAP_RINGBUF)
            json_kv_u64(&cli.j, "cpu", rec->cpu);
        if (rec->kind == BPFRT_PCAP_PERF_LOST)
            json_kv_u64(&cli.j, "lost", rec->lost);
        else
            json_bytes("data", rec->data, rec->size);
        json_line_end();
        return 0;
    }
    if (rec->packet == 0) {
        /* records left in a ring before the first packet ran */
        bar_clear(r);
        if (!r->pre_printed)
            printf("before the replay:\n");
        r->pre_printed = 1;
    } else if (rec->packet == r->cur) {
        cur_line_out(r);
    } else {
        bar_clear(r);
    }
    if (rec->kind == BPFRT_PCAP_PERF_LOST) {
        printf("    perf_event %s cpu %u: %" PRIu64 " samples lost\n", map, rec->cpu, rec->lost);
        return 0;
    }
    if (rec->kind == BPFRT_PCAP_RINGBUF)
        printf("    ringbuf %s (%u bytes):", map, rec->size);
    else
        printf("    perf_event %s cpu %u (%u bytes):", map, rec->cpu, rec->size);
    for (uint32_t i = 0; i < rec->size; i++)
        printf("%s%02x", i && i % 32 == 0 ? "\n     " : " ", ((const uint8_t *)rec->data)[i]);
    printf("\n");
    return 0;
}

/* A bar on stderr when it is a terminal and the capture is long: at most
 * ten redraws a second. */
static void on_progress(uint64_t packets, uint64_t pos, uint64_t size, void *ctx)
{
    struct replay *r = ctx;
    uint64_t now = mono_ns();
    int width = 40, fill;

    if (cli.json || size < PROGRESS_MIN_BYTES || !isatty(STDERR_FILENO) || pos >= size)
        return;
    if (r->bar && now - r->bar_ns < 100000000ull)
        return;
    fflush(stdout);
    fill = (int)((pos * (uint64_t)width) / size);
    fprintf(stderr, "\r[%.*s%*s] %3d%%  %" PRIu64 " packets", fill, "########################################",
            width - fill, "", (int)(pos * 100 / size), packets);
    fflush(stderr);
    r->bar = 1;
    r->bar_ns = now;
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

static void summary_json(const struct replay *r, const struct bpfrt_pcap_run_opts *o)
{
    char path[4096];

    json_init(&cli.j, stdout, 0);
    json_obj_open(&cli.j);
    json_key(&cli.j, "summary");
    json_obj_open(&cli.j);
    json_kv_u64(&cli.j, "packets", o->packets);
    json_kv_u64(&cli.j, "bytes", o->bytes);
    json_kv_u64(&cli.j, "duration", o->duration_ns);
    json_key(&cli.j, "verdicts");
    json_arr_open(&cli.j);
    for (uint32_t i = 0; i < o->nr_verdicts; i++) {
        const struct bpfrt_pcap_verdict *v = &o->verdicts[i];
        json_obj_open(&cli.j);
        json_kv_str(&cli.j, "verdict", v->name);
        if (strcmp(v->name, "other") && strcmp(v->name, "refused"))
            json_kv_u64(&cli.j, "retval", v->retval);
        json_kv_u64(&cli.j, "packets", v->packets);
        json_key(&cli.j, "percent");
        json_fixed(&cli.j, o->packets ? 100.0 * (double)v->packets / (double)o->packets : 0, 1);
        json_kv_u64(&cli.j, "bytes", v->bytes);
        json_kv_u64(&cli.j, "bytes_out", v->bytes_out);
        if (r->out_dir) {
            snprintf(path, sizeof(path), "%s/%s", r->out_dir, v->file_name);
            json_kv_str(&cli.j, "file", path);
        }
        json_obj_close(&cli.j);
    }
    json_arr_close(&cli.j);
    json_obj_close(&cli.j);
    json_obj_close(&cli.j);
    json_end(&cli.j);
}

static void summary_text(const struct replay *r, const struct bpfrt_pcap_run_opts *o)
{
    if (o->packets > r->listed)
        printf("... (%" PRIu64 " more packets, not listed)\n", o->packets - r->listed);
    printf("Packets: %" PRIu64 ", duration (average): %" PRIu64 "ns\n", o->packets, o->duration_ns);
    printf("%-18s %9s %7s %11s%s\n", "Verdict", "Packets", "%", "Bytes", r->out_dir ? "  Output" : "");
    for (uint32_t i = 0; i < o->nr_verdicts; i++) {
        const struct bpfrt_pcap_verdict *v = &o->verdicts[i];
        printf("%-18s %9" PRIu64 " %6.1f%% %11" PRIu64, v->name, v->packets,
               o->packets ? 100.0 * (double)v->packets / (double)o->packets : 0.0, v->bytes);
        if (r->out_dir)
            printf("  %s/%s", r->out_dir, v->file_name);
        printf("\n");
    }
    printf("%-18s %9" PRIu64 " %6.1f%% %11" PRIu64 "\n", "total", o->packets, o->packets ? 100.0 : 0.0, o->bytes);
}

int cli_run_pcap(struct bpfrt_prog *prog, const char *name, const char *path, const char *out_dir, uint32_t flags,
                 uint64_t total_budget)
{
    struct replay r = {.type = bpfrt_prog__type(prog), .out_dir = out_dir};
    char log[1024] = "";
    BPFRT_OPTS(bpfrt_pcap_run_opts, o, .flags = flags, .packet_fn = on_packet, .ctx = &r, .log_buf = log,
               .log_size = sizeof(log), .total_budget = total_budget, .out_dir = out_dir, .record_fn = on_record,
               .progress_fn = on_progress);
    int err;

    bpfrt_trace_drain(NULL, NULL);
    err = bpfrt_prog__run_pcap(prog, path, &o);
    bar_clear(&r);
    bpfrt_trace_drain(on_trace, &r); /* after a failed run too */
    if (err) {
        fflush(stdout);
        if (o.failed_stage == BPFRT_PCAP_RUN)
            return cli_err("'%s': %s%s", name, log,
                           err == -E2BIG && strstr(log, "for all packets is spent")
                               ? " (the cap of one prog run command; BPFRT_TOTAL_BUDGET sets it)"
                               : "");
        return cli_err("%s", log[0] ? log : strerror(-err));
    }
    if (cli.json)
        summary_json(&r, &o);
    else
        summary_text(&r, &o);
    return 0;
}
