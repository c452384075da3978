/* report.c - the programs' table and its JSON. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runner.h"

bool result_ok(const struct result *r)
{
    return !r->mismatches && r->interp.st != ST_ERR && r->jit.st != ST_ERR && r->kern.st != ST_ERR;
}

/* How the kernel runs the programs. */
const char *kernel_mode(void)
{
    return !kernel_available ? kernel_why : bench_kernel_test_run_mode();
}

static void fmt_ns(char *buf, size_t sz, const struct side *s)
{
    if (s->st == ST_OK)
        snprintf(buf, sz, s->ns < 100 ? "%.2f" : "%.1f", s->ns);
    else
        snprintf(buf, sz, "%s", s->st == ST_UNAVAIL ? "n/a" : "error");
}

static bool ratio_ok(const struct side *a, const struct side *b)
{
    return a->st == ST_OK && b->st == ST_OK && b->ns > 0 && a->ns > 0;
}

static void fmt_ratio(char *buf, size_t sz, const struct side *a, const struct side *b)
{
    if (ratio_ok(a, b))
        snprintf(buf, sz, "%.2fx", a->ns / b->ns);
    else
        snprintf(buf, sz, "-");
}

void report_side_errors(const char *row, const struct side *interp, const struct side *jit, const struct side *kern)
{
    if (interp->st == ST_ERR)
        printf("%s: interp: %s\n", row, interp->err);
    if (jit->st == ST_ERR)
        printf("%s: jit: %s\n", row, jit->err);
    if (kern->st == ST_ERR)
        printf("%s: kernel: %s\n", row, kern->err);
}

struct gmean {
    double logsum;
    unsigned n;
};

static void gm_add(struct gmean *g, const struct side *a, const struct side *b)
{
    if (ratio_ok(a, b)) {
        g->logsum += log(a->ns / b->ns);
        g->n++;
    }
}

static double gm(const struct gmean *g)
{
    return g->n ? exp(g->logsum / g->n) : 0;
}

void report_table(const struct result *res, size_t n)
{
    struct gmean g_jk = {0, 0}, g_ik = {0, 0}, g_jn = {0, 0}, g_ji = {0, 0};
    char c[8][32];

    printf("packets: %zu bytes (802.1Q VLAN 100, TCP/IPv4 10.1.0.1:43210 -> 10.2.0.2:443); l4lb: the selftests' "
           "pkt_v4 (%zu bytes)\n",
           timed_std.len, timed_v4.len);
    printf("kernel: %s\n", kernel_mode());
    if (cfg.t.repeat)
        printf("best of %u trials of %u runs each", cfg.t.trials, cfg.t.repeat);
    else
        printf("best of %u trials; runs per trial calibrated per side to ~%u ms", cfg.t.trials, cfg.t.target_ms);
    printf("%s; bpfrt and native timed by %s\n\n", cfg.cpu >= 0 ? "; pinned to one CPU" : "",
           cfg.wall ? "the wall clock" : "the thread's CPU time");
    printf("%-10s %7s %10s %10s %10s %10s %11s %9s %9s  %s\n", "program", "insns", "interp ns", "jit ns",
           "kernel ns", "native ns", "interp/kern", "jit/kern", "jit/nat", "results");
    for (size_t i = 0; i < n; i++) {
        const struct result *r = &res[i];

        fmt_ns(c[0], sizeof(c[0]), &r->interp);
        fmt_ns(c[1], sizeof(c[1]), &r->jit);
        fmt_ns(c[2], sizeof(c[2]), &r->kern);
        fmt_ns(c[3], sizeof(c[3]), &r->nat);
        fmt_ratio(c[4], sizeof(c[4]), &r->interp, &r->kern);
        fmt_ratio(c[5], sizeof(c[5]), &r->jit, &r->kern);
        fmt_ratio(c[6], sizeof(c[6]), &r->jit, &r->nat);
        gm_add(&g_jk, &r->jit, &r->kern);
        gm_add(&g_ik, &r->interp, &r->kern);
        gm_add(&g_jn, &r->jit, &r->nat);
        gm_add(&g_ji, &r->jit, &r->interp);
        printf("%-10s %7llu %10s %10s %10s %10s %11s %9s %9s  %s\n", r->b->name, (unsigned long long)r->insns_exec,
               c[0], c[1], c[2], c[3], c[4], c[5], c[6],
               r->mismatches              ? "MISMATCH"
               : !result_ok(r)            ? "error"
               : r->jit.st == ST_UNAVAIL ? "n/a"
                                          : "agree");
    }
    printf("geometric mean: jit/kern %.2fx over %u programs (kern/jit %.2fx), interp/kern %.2fx, jit/nat %.2fx over "
           "%u programs with native code, jit/interp %.2fx\n",
           gm(&g_jk), g_jk.n, gm(&g_jk) > 0 ? 1 / gm(&g_jk) : 0, gm(&g_ik), gm(&g_jn), g_jn.n, gm(&g_ji));
    printf("(insns: BPF instructions one interpreter run executed; results: retval and packet out of every side "
           "equal on the timed packet and %zu variants)\n",
           nvariants);
    for (size_t i = 0; i < n; i++) {
        const struct result *r = &res[i];

        if (r->mismatches)
            printf("%s: %u of %u results differ; first: %s\n", r->b->name, r->mismatches, r->checked, r->mismatch);
        report_side_errors(r->b->name, &r->interp, &r->jit, &r->kern);
        if (r->nat.st == ST_UNAVAIL && r->jit.st == ST_UNAVAIL)
            printf("%s: n/a: %s\n", r->b->name, r->nat.err);
        else if (r->nat.st == ST_UNAVAIL)
            printf("%s: native n/a: %s\n", r->b->name, r->nat.err);
    }
}

static void json_side(const char *key, const struct side *s)
{
    printf("\"%s\": {\"ns\": ", key);
    if (s->st == ST_OK)
        printf("%.3f, \"repeat\": %u}", s->ns, s->repeat);
    else {
        printf("null, \"error\": ");
        bench_json_str(s->err);
        printf("}");
    }
}

static void json_ratio(const char *key, const struct side *a, const struct side *b)
{
    printf(", \"%s\": ", key);
    if (ratio_ok(a, b))
        printf("%.4f", a->ns / b->ns);
    else
        printf("null");
}

void report_json(const struct result *res, size_t n)
{
    struct gmean g = {0, 0};

    printf("{\"kernel_mode\": ");
    bench_json_str(kernel_mode());
    printf(", \"trials\": %u, \"repeat\": %u, \"variants\": %zu, \"rows\": [\n", cfg.t.trials, cfg.t.repeat,
           nvariants);
    for (size_t i = 0; i < n; i++) {
        const struct result *r = &res[i];

        printf("  {\"name\": ");
        bench_json_str(r->b->name);
        printf(", \"object\": ");
        bench_json_str(r->b->obj);
        printf(", \"program\": ");
        bench_json_str(r->b->prog);
        printf(", \"insns_static\": %zu, \"insns_executed\": %llu, \"jit_bytes\": %zu, ", r->insns_static,
               (unsigned long long)r->insns_exec, r->jit_bytes);
        json_side("interp", &r->interp);
        printf(", ");
        json_side("jit", &r->jit);
        printf(", ");
        json_side("kernel", &r->kern);
        printf(", ");
        json_side("native", &r->nat);
        json_ratio("interp_kern", &r->interp, &r->kern);
        json_ratio("jit_kern", &r->jit, &r->kern);
        json_ratio("jit_native", &r->jit, &r->nat);
        gm_add(&g, &r->jit, &r->kern);
        printf(", \"checked\": %u, \"mismatches\": %u", r->checked, r->mismatches);
        if (r->mismatches) {
            printf(", \"first_mismatch\": ");
            bench_json_str(r->mismatch);
        }
        printf("}%s\n", i + 1 < n ? "," : "");
    }
    printf(" ], \"geomean_jit_kern\": %.4f}", gm(&g));
}
