/* kdiff.c - `prog run ... kernel_diff` (bpfrt): load the object bpfrt
 * runs into the running kernel with libbpf, as bpftool would, run the same
 * input there (bpf_prog_test_run_opts: BPF_PROG_TEST_RUN), and hand the
 * two outcomes to kdiff_cmp.c.  docs/CLI.md, "Comparing with the kernel";
 * tests/unit/test_cli_kdiff.c. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "kdiff.h"

#define KD_DATA_OUT_MAX (18u * 4096) /* as prog run's: a page and 17 fragments */
#define KD_CTX_OUT_MAX 4096u
#define KD_LOG_TAIL 12 /* lines of the kernel's verifier log shown when it refuses */

/* libbpf's messages (the verifier log of a refused program among them) */
static char kmsg[65536];
static size_t kmsg_len;

static int keep_msg(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    int n;

    if (level == LIBBPF_DEBUG || kmsg_len >= sizeof(kmsg) - 1)
        return 0;
    n = vsnprintf(kmsg + kmsg_len, sizeof(kmsg) - kmsg_len, fmt, ap);
    if (n > 0)
        kmsg_len += (size_t)n;
    if (kmsg_len >= sizeof(kmsg))
        kmsg_len = sizeof(kmsg) - 1;
    return 0;
}

/* The last KD_LOG_TAIL lines of libbpf's messages: the end of the
 * verifier's log (libbpf prints it between "-- BEGIN PROG LOAD LOG --"
 * and "-- END PROG LOAD LOG --"), else whatever libbpf said. */
static const char *log_tail(void)
{
    char *start = strstr(kmsg, "-- BEGIN PROG LOAD LOG --"), *end, *p;
    int lines = 0;

    if (start) {
        start = strchr(start, '\n');
        start = start ? start + 1 : kmsg + strlen(kmsg);
        end = strstr(start, "-- END PROG LOAD LOG --");
        if (end) {
            /* back to the start of the END marker's line */
            while (end > start && end[-1] != '\n')
                end--;
            *end = 0;
        }
    } else {
        start = kmsg;
    }
    p = start + strlen(start);
    while (p > start && (p[-1] == '\n' || p[-1] == ' '))
        *--p = 0;
    while (p > start) {
        if (p[-1] == '\n' && ++lines == KD_LOG_TAIL)
            break;
        p--;
    }
    return p;
}

/* bpf() available?  A two-instruction socket filter, the least a caller
 * may load (unprivileged where the sysctl allows it): 0, or the errno. */
static int probe_bpf(void)
{
    struct bpf_insn insns[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "kdiff_probe", "GPL", insns, 2, NULL);

    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

static int no_kernel(int e)
{
    char why[160] = "";

    if (e == EPERM || e == EACCES) {
        FILE *f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "r");
        int v = -1;
        if (f) {
            if (fscanf(f, "%d", &v) != 1)
                v = -1;
            fclose(f);
        }
        snprintf(why, sizeof(why), ": loading programs needs CAP_BPF (root)%s",
                 v > 0 && geteuid() != 0 ? " here (kernel.unprivileged_bpf_disabled is set)" : "");
    }
    cli_err("kernel_diff: the kernel's bpf() is not available (%s)%s; nothing was compared (run without kernel_diff "
            "for bpfrt alone)",
            strerror(e), why);
    return KD_EXIT_NO_KERNEL;
}

/* The helpers whose values bpfrt documents as its own (docs/CLI.md):
 * differences in a run of a program that calls one are expected. */
static const struct {
    int id;
    const char *name;
} own_values[] = {
    {BPF_FUNC_get_prandom_u32, "bpf_get_prandom_u32"},     {BPF_FUNC_ktime_get_ns, "bpf_ktime_get_ns"},
    {BPF_FUNC_ktime_get_boot_ns, "bpf_ktime_get_boot_ns"}, {BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns"},
    {BPF_FUNC_ktime_get_tai_ns, "bpf_ktime_get_tai_ns"},   {BPF_FUNC_jiffies64, "bpf_jiffies64"},
    {BPF_FUNC_get_socket_cookie, "bpf_get_socket_cookie"}, {BPF_FUNC_get_hash_recalc, "bpf_get_hash_recalc"},
};

static void scan_expected(struct kd *kd, const struct bpf_insn *in, size_t cnt)
{
    for (size_t i = 0; i < cnt; i++) {
        if (in[i].code != (BPF_JMP | BPF_CALL) || in[i].src_reg != 0)
            continue;
        for (size_t h = 0; h < sizeof(own_values) / sizeof(own_values[0]); h++) {
            size_t len = strlen(kd->expected);
            if (in[i].imm != own_values[h].id || strstr(kd->expected, own_values[h].name))
                continue;
            snprintf(kd->expected + len, sizeof(kd->expected) - len, "%s%s", len ? ", " : "", own_values[h].name);
        }
    }
}

/* Pin the thread to the first CPU it may run on: the kernel's test run
 * runs on the caller's CPU (bpf_test_run: migrate_disable), bpfrt's as
 * that worker. */
static void pin_cpu(struct kd *kd)
{
    cpu_set_t set;

    kd->kcpu = 0;
    if (sched_getaffinity(0, sizeof(set), &set))
        return;
    for (uint32_t c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) {
            kd->kcpu = c;
            break;
        }
    CPU_ZERO(&set);
    CPU_SET(kd->kcpu, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

static int refused(struct kd *kd, const char *file, int err)
{
    const char *tail = log_tail();
    char why[128];
    int libbpf_own = (err < 0 ? -err : err) >= LIBBPF_ERRNO__LIBELF; /* libbpf's errors, not the kernel's */

    libbpf_strerror(err, why, sizeof(why));
    if (libbpf_own)
        cli_err("kernel_diff: libbpf cannot load '%s' into the kernel (%s)%s%s", file, why,
                tail[0] ? "; what libbpf said:\n" : "", tail);
    else
        cli_err("kernel_diff: the kernel refuses '%s' (%s)%s%s", file, why, tail[0] ? "; the end of its log:\n" : "",
                tail);
    bpf_object__close(kd->kobj);
    free(kd);
    return libbpf_own ? 1 : KD_EXIT_REFUSED;
}

static int open_obj(struct kd *kd, const struct cli_obj_spec *s)
{
    struct bpf_program *p;
    struct bpf_map *m;
    int n = 0, err;

    kd->kobj = bpf_object__open_file(s->file, NULL);
    if (!kd->kobj) {
        char why[128];
        libbpf_strerror(errno, why, sizeof(why));
        free(kd);
        return cli_err("kernel_diff: libbpf cannot open '%s': %s", s->file, why);
    }
    bpf_object__for_each_program(p, kd->kobj) n++;
    bpf_object__for_each_program(p, kd->kobj)
    {
        if (s->has_type)
            bpf_program__set_type(p, s->type);
        /* the programs bpfrt loads (cli_obj_load): a named one even from a
         * '?' section, as libbpf's caller would switch it on */
        if ((s->prog && !strcmp(bpf_program__name(p), s->prog)) ||
            (s->sec && !strcmp(bpf_program__section_name(p), s->sec)) || (!s->prog && !s->sec && n == 1))
            bpf_program__set_autoload(p, true);
        if (bpf_program__type(p) == BPF_PROG_TYPE_UNSPEC)
            bpf_program__set_autoload(p, false);
    }
    /* both sides start from the object's state: no map reused from a pin */
    bpf_object__for_each_map(m, kd->kobj) bpf_map__set_pin_path(m, NULL);
    err = bpf_object__load(kd->kobj);
    if (err) {
        int e = errno;
        if (err == -EPERM || err == -ENOSYS || e == EPERM || e == ENOSYS) {
            bpf_object__close(kd->kobj);
            free(kd);
            return no_kernel(err == -ENOSYS || e == ENOSYS ? ENOSYS : EPERM);
        }
        return refused(kd, s->file, err);
    }
    bpf_object__for_each_program(p, kd->kobj)
    {
        if (bpf_program__fd(p) >= 0)
            scan_expected(kd, bpf_program__insns(p), bpf_program__insn_cnt(p));
    }
    return 0;
}

static int open_raw(struct kd *kd, const struct kd_src *src)
{
    uint8_t *buf;
    size_t len;
    char *log = calloc(1, 1u << 20);
    int err;

    if (src->type == BPF_PROG_TYPE_UNSPEC) {
        free(log);
        free(kd);
        return cli_err("kernel_diff: '%s' runs with bpfrt's raw convention (r1 = data), which the kernel has not: give "
                       "its type (raw FILE type TYPE)",
                       src->file);
    }
    err = cli_read_file(src->file, &buf, &len);
    if (err || !log) {
        free(log);
        free(kd);
        return cli_err("kernel_diff: cannot read '%s': %s", src->file, strerror(err ? -err : ENOMEM));
    }
    LIBBPF_OPTS(bpf_prog_load_opts, lo, .log_buf = log, .log_size = 1u << 20, .log_level = 1);
    kd->raw_fd =
        bpf_prog_load(src->type, "kdiff_raw", "GPL", (const struct bpf_insn *)buf, len / sizeof(struct bpf_insn), &lo);
    if (kd->raw_fd < 0) {
        int e = errno;
        free(buf);
        if (e == EPERM || e == ENOSYS) {
            free(log);
            free(kd);
            return no_kernel(e);
        }
        kmsg_len = (size_t)snprintf(kmsg, sizeof(kmsg), "%s", log);
        free(log);
        return refused(kd, src->file, -e);
    }
    scan_expected(kd, (const struct bpf_insn *)buf, len / sizeof(struct bpf_insn));
    kd->kfd = kd->raw_fd;
    free(buf);
    free(log);
    return 0;
}

int kd_open(const struct kd_src *src, struct kd **kdp)
{
    struct kd *kd;
    int e, n, rc;

    if (src->kind == KD_PINNED)
        return cli_err("kernel_diff compares a program the kernel can load as bpfrt does: name it by its object (obj "
                       "FILE) or its instructions (raw FILE type TYPE); a pinned program carries bpfrt's map state, "
                       "which the kernel cannot start from");
    e = probe_bpf();
    if (e)
        return no_kernel(e);
    kd = calloc(1, sizeof(*kd));
    if (!kd)
        return cli_err("out of memory");
    kd->kfd = kd->raw_fd = -1;
    kmsg_len = 0;
    kmsg[0] = 0;
    libbpf_set_print(keep_msg);
    /* per-CPU values: as many slots as the kernel gives user space */
    n = libbpf_num_possible_cpus();
    kd->ncpus = n > 0 ? (uint32_t)n : 1;
    bpfrt_set_nr_workers(kd->ncpus);
    pin_cpu(kd);
    kd->bworker = kd->kcpu;
    rc = src->kind == KD_OBJ ? open_obj(kd, src->obj) : open_raw(kd, src);
    if (rc)
        return rc;
    *kdp = kd;
    return 0;
}

int kd_attach(struct kd *kd, const struct bpfrt_prog *prog, const struct bpfrt_object *obj)
{
    struct bpf_program *p;
    const char *name = bpfrt_prog__name(prog);

    (void)obj;
    kd->type = bpfrt_prog__type(prog);
    if (kd->type == BPF_PROG_TYPE_UNSPEC)
        return cli_err("kernel_diff: '%s' runs with bpfrt's raw convention (r1 = data), which the kernel has not: "
                       "give its type (type TYPE)",
                       name);
    if (kd->kfd >= 0)
        return 0;
    p = bpf_object__find_program_by_name(kd->kobj, name);
    if (!p || bpf_program__fd(p) < 0)
        return cli_err("kernel_diff: the kernel's object has no loaded program '%s'", name);
    kd->kfd = bpf_program__fd(p);
    return 0;
}

uint32_t kd_worker(const struct kd *kd)
{
    return kd->bworker;
}

void kd_run_single(struct kd *kd, const struct kd_run *r, struct bpfrt_object *obj)
{
    uint8_t *data_out = calloc(1, KD_DATA_OUT_MAX), *ctx_out = calloc(1, KD_CTX_OUT_MAX);
    int err;

    if (!data_out || !ctx_out) {
        free(data_out), free(ctx_out);
        kd_diff_num(kd, "error", 0, r->err, -ENOMEM);
        return;
    }
    LIBBPF_OPTS(bpf_test_run_opts, ko, .data_in = r->data, .data_size_in = r->data_len, .data_out = data_out,
                .data_size_out = KD_DATA_OUT_MAX, .ctx_in = r->ctx_in, .ctx_size_in = r->ctx_len,
                .ctx_out = r->want_ctx_out ? ctx_out : NULL, .ctx_size_out = r->want_ctx_out ? KD_CTX_OUT_MAX : 0,
                .repeat = r->repeat);
    err = bpf_prog_test_run_opts(kd->kfd, &ko) ? -errno : 0;
    kd->packets = r->repeat ? r->repeat : 1;
    if (err != r->err) {
        kd_diff_num(kd, "error", 0, r->err, err);
    } else if (!err) {
        if (ko.retval != r->retval)
            kd_diff_num(kd, "retval", 0, r->retval, ko.retval);
        if (ko.data_size_out != r->data_out_len)
            kd_diff_num(kd, "data_out_size", 0, r->data_out_len, ko.data_size_out);
        kd_diff_bytes(kd, "data_out", 0, NULL, NULL, 0, -1, r->data_out, data_out,
                      ko.data_size_out < r->data_out_len ? ko.data_size_out : r->data_out_len);
        if (r->want_ctx_out) {
            if (ko.ctx_size_out != r->ctx_out_len)
                kd_diff_num(kd, "ctx_out_size", 0, r->ctx_out_len, ko.ctx_size_out);
            kd_diff_bytes(kd, "ctx_out", 0, NULL, NULL, 0, -1, r->ctx_out, ctx_out,
                          ko.ctx_size_out < r->ctx_out_len ? ko.ctx_size_out : r->ctx_out_len);
        }
    }
    free(data_out);
    free(ctx_out);
    kd_compare_maps(kd, obj);
}

void kd_report_single(struct kd *kd, const struct kd_run *r)
{
    char ran[160];

    if (r->err)
        snprintf(ran, sizeof(ran), "%" PRIu64 " run%s: the test run's error, %d (%s)", kd->packets,
                 kd->packets == 1 ? "" : "s", r->err, strerror(-r->err));
    else
        snprintf(ran, sizeof(ran), "%" PRIu64 " run%s: retval, data_out %u bytes%s", kd->packets,
                 kd->packets == 1 ? "" : "s", r->data_out_len, r->want_ctx_out ? ", ctx_out" : "");
    if (cli.json) {
        json_key(&cli.j, "kernel_diff");
        json_obj_open(&cli.j);
        kd_json_verdict(kd);
        kd_json_diffs(kd);
        json_obj_close(&cli.j);
        return;
    }
    kd_print_diffs(kd);
    kd_print_verdict(kd, ran);
}

int kd_close(struct kd *kd)
{
    int rc;

    if (!kd)
        return 0;
    if (cli.debug && kmsg[0]) /* -d: what libbpf said while loading the kernel's side */
        fprintf(stderr, "%s", kmsg);
    rc = kd->total > kd->total_expected;
    for (uint32_t i = 0; i < kd->nd; i++)
        free(kd->diffs[i].key), free(kd->diffs[i].b), free(kd->diffs[i].k);
    if (kd->raw_fd >= 0)
        close(kd->raw_fd);
    bpf_object__close(kd->kobj);
    free(kd);
    return rc;
}
