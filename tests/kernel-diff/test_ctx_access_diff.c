/* test_ctx_access_diff.c - the program types' context rules against the
 * running kernel.
 *
 * For each program type (and a few attach types), for every offset from 0
 * to past the end of its context and every size 1, 2, 4, 8, a tiny program
 *     r0 = 1; r2 = *(size *)(r1 + off); exit                   (load)
 *     r0 = 1; r2 = 0; *(size *)(r1 + off) = r2; exit           (STX store)
 *     r0 = 1; *(size *)(r1 + off) = 0; exit                    (ST store, some types)
 * is loaded into the kernel (BPF_PROG_LOAD, privileged) and the verdict
 * compared with the row's is_valid_access.  For loads the kernel accepts,
 * the register type its level-2 log gives r2 (pkt, pkt_end, scalar, ...)
 * is compared with res.reg_kind.  r0 = 1 lies in every type's return
 * range.  Agreement is printed per type; the networking types bpfrt runs
 * (socket_filter, sched_cls, sched_act, xdp, cgroup_skb) must agree on
 * every access, the others on at least 98%.
 *
 * Skipped (with the reason) when bpf() is not permitted here; a type the
 * kernel will not load at all (a trivial program refused) is reported and
 * left out. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "progtypes/ctx.h"
#include "progtypes/progtypes.h"

#define LOG_SZ 16384

static char logbuf[LOG_SZ];

static int kload(enum bpf_prog_type type, int attach, const struct bpf_insn *insns, unsigned n, int log_level)
{
    union bpf_attr attr;
    int fd;

    memset(&attr, 0, sizeof(attr));
    attr.prog_type = type;
    attr.expected_attach_type = (uint32_t)attach;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.insn_cnt = n;
    attr.license = (uint64_t)(uintptr_t) "GPL";
    if (type == BPF_PROG_TYPE_SYSCALL) /* "Syscall programs can only be sleepable" */
        attr.prog_flags = BPF_F_SLEEPABLE;
    logbuf[0] = 0;
    if (log_level) {
        attr.log_buf = (uint64_t)(uintptr_t)logbuf;
        attr.log_size = LOG_SZ;
        attr.log_level = (uint32_t)log_level;
    }
    fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
    if (fd >= 0)
        close(fd);
    return fd >= 0 ? 1 : -errno;
}

static struct bpf_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
    return i;
}

/* The kernel's name of r2's type after instruction 1 (level-2 log:
 * "1: (61) r2 = *(u32 *)(r1 +76)  ; R1=ctx() R2_w=pkt(r=0)"). */
static int log_reg_kind(const char *log)
{
    static const struct {
        const char *name;
        int kind;
    } names[] = {
        {"pkt_end", PT_REG_PKT_END},
        {"pkt_meta", PT_REG_PKT_META},
        {"pkt", PT_REG_PKT},
        {"sock_common_or_null", PT_REG_SOCK_COMMON_OR_NULL},
        {"sock_or_null", PT_REG_SOCKET_OR_NULL},
        {"sock", PT_REG_SOCKET},
        {"flow_keys", PT_REG_FLOW_KEYS},
        {"tp_buffer", PT_REG_TP_BUFFER},
        {"scalar", PT_REG_SCALAR},
        {"inv", PT_REG_SCALAR},
    };
    const char *p = strstr(log, "\n1: ");
    const char *r;

    if (!p)
        p = strstr(log, "1: (");
    if (!p)
        return -1;
    r = strstr(p, " R2_w=");
    if (!r)
        r = strstr(p, " R2=");
    if (!r)
        return -1;
    r = strchr(r, '=') + 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strncmp(r, names[i].name, strlen(names[i].name)))
            return names[i].kind;
    if (!strncmp(r, "trusted_ptr_", 12) || !strncmp(r, "ptr_", 4)) /* a BTF-typed kernel object */
        return PT_REG_BTF_ID;
    if (*r >= '0' && *r <= '9') /* a scalar known to the kernel */
        return PT_REG_SCALAR;
    return -1;
}

static const char *first_err_line(const char *log)
{
    static char line[160];
    const char *p = strstr(log, "invalid bpf_context");
    size_t n;

    if (!p) {
        /* the last non-empty line before the statistics */
        p = strstr(log, "\nprocessed");
        if (!p)
            p = log + strlen(log);
        while (p > log && p[-1] == '\n')
            p--;
        while (p > log && p[-1] != '\n')
            p--;
    }
    n = strcspn(p, "\n");
    if (n >= sizeof(line))
        n = sizeof(line) - 1;
    memcpy(line, p, n);
    line[n] = 0;
    return line;
}

struct dcase {
    const char *name;
    enum bpf_prog_type type;
    int attach;
    uint32_t scan_end; /* offsets 0 .. scan_end-1 */
    uint32_t scan2_lo; /* and scan2_lo .. scan2_hi-1 (tracepoint's far end) */
    uint32_t scan2_hi;
    int st;       /* also BPF_ST stores */
    int required; /* percent of agreement required */
};

#define A(x) ((int)(x))
static const struct dcase cases[] = {
    {"socket_filter", BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, 0, 0, 1, 100},
    {"sched_cls", BPF_PROG_TYPE_SCHED_CLS, 0, 0, 0, 0, 1, 100},
    {"sched_act", BPF_PROG_TYPE_SCHED_ACT, 0, 0, 0, 0, 0, 100},
    {"xdp", BPF_PROG_TYPE_XDP, 0, 0, 0, 0, 1, 100},
    {"xdp/devmap", BPF_PROG_TYPE_XDP, A(BPF_XDP_DEVMAP), 0, 0, 0, 0, 100},
    {"cgroup_skb/ingress", BPF_PROG_TYPE_CGROUP_SKB, A(BPF_CGROUP_INET_INGRESS), 0, 0, 0, 1, 100},
    {"cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB, A(BPF_CGROUP_INET_EGRESS), 0, 0, 0, 0, 100},
    {"lwt_in", BPF_PROG_TYPE_LWT_IN, 0, 0, 0, 0, 0, 98},
    {"sk_skb", BPF_PROG_TYPE_SK_SKB, 0, 0, 0, 0, 0, 98},
    {"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, A(BPF_FLOW_DISSECTOR), 0, 0, 0, 0, 98},
    {"cgroup_sock/create", BPF_PROG_TYPE_CGROUP_SOCK, A(BPF_CGROUP_INET_SOCK_CREATE), 0, 0, 0, 0, 98},
    {"cgroup_sock/post_bind4", BPF_PROG_TYPE_CGROUP_SOCK, A(BPF_CGROUP_INET4_POST_BIND), 0, 0, 0, 0, 98},
    {"cgroup_sock_addr/connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A(BPF_CGROUP_INET4_CONNECT), 0, 0, 0, 1, 98},
    {"cgroup_sock_addr/sendmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A(BPF_CGROUP_UDP6_SENDMSG), 0, 0, 0, 1, 98},
    {"cgroup_sock_addr/recvmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A(BPF_CGROUP_UDP4_RECVMSG), 0, 0, 0, 0, 98},
    {"sock_ops", BPF_PROG_TYPE_SOCK_OPS, A(BPF_CGROUP_SOCK_OPS), 0, 0, 0, 1, 98},
    {"sk_msg", BPF_PROG_TYPE_SK_MSG, A(BPF_SK_MSG_VERDICT), 0, 0, 0, 0, 98},
    {"sk_lookup", BPF_PROG_TYPE_SK_LOOKUP, A(BPF_SK_LOOKUP), 0, 0, 0, 0, 98},
    {"cgroup_sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL, A(BPF_CGROUP_SYSCTL), 0, 0, 0, 1, 98},
    {"cgroup_sockopt/get", BPF_PROG_TYPE_CGROUP_SOCKOPT, A(BPF_CGROUP_GETSOCKOPT), 0, 0, 0, 1, 98},
    {"cgroup_sockopt/set", BPF_PROG_TYPE_CGROUP_SOCKOPT, A(BPF_CGROUP_SETSOCKOPT), 0, 0, 0, 0, 98},
    {"cgroup_device", BPF_PROG_TYPE_CGROUP_DEVICE, A(BPF_CGROUP_DEVICE), 0, 0, 0, 0, 98},
    {"kprobe", BPF_PROG_TYPE_KPROBE, 0, 0, 0, 0, 0, 98},
    /* the tracepoint record may be 8 KiB: its start and its end */
    {"tracepoint", BPF_PROG_TYPE_TRACEPOINT, 0, 200, PT_TRACEPOINT_CTX_SIZE - 24, PT_TRACEPOINT_CTX_SIZE + 8, 0, 98},
    {"perf_event", BPF_PROG_TYPE_PERF_EVENT, 0, 0, 0, 0, 0, 98},
    {"raw_tracepoint", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, 0, 0, 0, 98},
    {"sk_reuseport", BPF_PROG_TYPE_SK_REUSEPORT, A(BPF_SK_REUSEPORT_SELECT_OR_MIGRATE), 0, 0, 0, 0, 98},
    /* the same rules under other names and attach types */
    {"lwt_xmit", BPF_PROG_TYPE_LWT_XMIT, 0, 0, 0, 0, 0, 98},
    {"sk_skb/stream_verdict", BPF_PROG_TYPE_SK_SKB, A(BPF_SK_SKB_STREAM_VERDICT), 0, 0, 0, 0, 98},
    {"cgroup_sock_addr/bind6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A(BPF_CGROUP_INET6_BIND), 0, 0, 0, 0, 98},
    {"cgroup_sock_addr/connect_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, PT_ATTACH_CGROUP_UNIX_CONNECT, 0, 0, 0, 0, 98},
    {"cgroup_sock/sock_release", BPF_PROG_TYPE_CGROUP_SOCK, A(BPF_CGROUP_INET_SOCK_RELEASE), 0, 0, 0, 1, 98},
    {"raw_tracepoint_writable", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, 0, 0, 0, 0, 98},
    {"netfilter", (enum bpf_prog_type)PT_PROG_TYPE_NETFILTER, PT_ATTACH_NETFILTER, 24, 0, 0, 0, 98},
    /* an instruction offset reaches 32767 at most: the U16_MAX limit is
     * beyond any constant access */
    {"syscall", BPF_PROG_TYPE_SYSCALL, 0, 64, 32752, 32768, 1, 98},
};

struct tally {
    unsigned n, agree, kind_n, kind_agree;
};

static void print_access(const struct dcase *c, const char *mode, uint32_t off, uint32_t size, int kern, int ours,
                         const char *why)
{
    fprintf(stderr, "  %s %s off=%u size=%u: kernel %s, bpfrt %s%s%s\n", c->name, mode, off, size,
            kern ? "accepts" : "refuses", ours ? "accepts" : "refuses", why ? " - kernel: " : "", why ? why : "");
}

/* One access in one mode (0 load, 1 STX, 2 ST) */
static void one(const struct dcase *c, const struct pt_desc *d, int mode, uint32_t off, uint32_t size, struct tally *t,
                unsigned *printed)
{
    static const char *modes[] = {"load", "stx", "st"};
    struct bpf_insn prog[4];
    struct pt_access acc = {
        .off = off, .size = size, .write = mode != 0, .priv = 1, .store_imm = mode == 2, .attach = c->attach};
    struct pt_access_res res = {0};
    int szc = pt_size_code(size), n = 0, kern, ours, kk;

    prog[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
    if (mode == 0) {
        prog[n++] = mk(BPF_LDX | BPF_MEM | (uint8_t)szc, 2, 1, (int16_t)off, 0);
    } else if (mode == 1) {
        prog[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
        prog[n++] = mk(BPF_STX | BPF_MEM | (uint8_t)szc, 1, 2, (int16_t)off, 0);
    } else {
        prog[n++] = mk(BPF_ST | BPF_MEM | (uint8_t)szc, 1, 0, (int16_t)off, 0);
    }
    prog[n++] = mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

    kern = kload(c->type, c->attach, prog, (unsigned)n, mode == 0 ? 2 : 1) == 1;
    ours = d->is_valid_access ? d->is_valid_access(&acc, &res) : 0;
    t->n++;
    if (kern == ours) {
        t->agree++;
    } else if ((*printed)++ < 40) {
        print_access(c, modes[mode], off, size, kern, ours, kern ? NULL : first_err_line(logbuf));
    }
    if (mode == 0 && kern && ours) {
        kk = log_reg_kind(logbuf);
        if (kk >= 0) {
            t->kind_n++;
            if (kk == res.reg_kind)
                t->kind_agree++;
            else if ((*printed)++ < 40)
                fprintf(stderr, "  %s load off=%u size=%u: kernel gives r2 kind %d, bpfrt %d\n", c->name, off, size, kk,
                        res.reg_kind);
        }
    }
}

Test(ctx_access_diff, every_offset_every_size, .timeout = 300)
{
    const struct bpf_insn trivial[] = {mk(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1), mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
    int r = kload(BPF_PROG_TYPE_SOCKET_FILTER, 0, trivial, 2, 0);
    unsigned total = 0, total_agree = 0, failed = 0;

    if (r == -EPERM || r == -ENOSYS || r == -EACCES)
        cr_skip_test("kernel bpf() not available here (%s): the context rules cannot be compared", strerror(-r));
    cr_assert_eq(r, 1, "a trivial socket filter does not load: %s", strerror(-r));

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct dcase *c = &cases[i];
        const struct pt_desc *d = pt_by_type(c->type);
        struct tally t = {0};
        unsigned printed = 0;
        uint32_t end;

        cr_assert(d, "no row for %s", c->name);
        r = kload(c->type, c->attach, trivial, 2, 1);
        if (r != 1) {
            fprintf(stderr, "ctx_access_diff %-28s not measured: the kernel refuses a trivial program (%s) %s\n",
                    c->name, strerror(-r), first_err_line(logbuf));
            continue;
        }
        end = c->scan_end ? c->scan_end : d->ctx_size + 9;
        for (int mode = 0; mode < (c->st ? 3 : 2); mode++)
            for (uint32_t size = 1; size <= 8; size *= 2) {
                for (uint32_t off = 0; off < end; off++)
                    one(c, d, mode, off, size, &t, &printed);
                for (uint32_t off = c->scan2_lo; off < c->scan2_hi; off++)
                    one(c, d, mode, off, size, &t, &printed);
            }
        double pct = 100.0 * t.agree / t.n;
        fprintf(stderr, "ctx_access_diff %-28s %5u/%5u verdicts agree (%.2f%%), load reg types %u/%u\n", c->name,
                t.agree, t.n, pct, t.kind_agree, t.kind_n);
        total += t.n;
        total_agree += t.agree;
        if (pct < c->required || (c->required == 100 && t.kind_agree != t.kind_n)) {
            fprintf(stderr, "ctx_access_diff %s: below the required %d%%\n", c->name, c->required);
            failed++;
        }
    }
    fprintf(stderr, "ctx_access_diff total: %u/%u verdicts agree (%.2f%%)\n", total_agree, total,
            total ? 100.0 * total_agree / total : 0.0);
    cr_assert_eq(failed, 0, "%u program types disagree with the kernel more than allowed (see above)", failed);
}

/* The return-value ranges (check_return_code): r0 = v; exit for a few v,
 * the kernel's verdict against the row's ret_range (none: any value). */
struct rcase {
    const char *name;
    enum bpf_prog_type type;
    int attach;
};
static const struct rcase rcases[] = {
    {"socket_filter", BPF_PROG_TYPE_SOCKET_FILTER, 0},
    {"sched_cls", BPF_PROG_TYPE_SCHED_CLS, 0},
    {"xdp", BPF_PROG_TYPE_XDP, 0},
    {"cgroup_skb/ingress", BPF_PROG_TYPE_CGROUP_SKB, A(BPF_CGROUP_INET_INGRESS)},
    {"cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB, A(BPF_CGROUP_INET_EGRESS)},
    {"lwt_in", BPF_PROG_TYPE_LWT_IN, 0},
    {"sk_skb", BPF_PROG_TYPE_SK_SKB, 0},
    {"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, A(BPF_FLOW_DISSECTOR)},
    {"cgroup_sock", BPF_PROG_TYPE_CGROUP_SOCK, A(BPF_CGROUP_INET_SOCK_CREATE)},
    {"cgroup_sock_addr/connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A(BPF_CGROUP_INET4_CONNECT)},
    {"cgroup_sock_addr/bind4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A(BPF_CGROUP_INET4_BIND)},
    {"cgroup_sock_addr/recvmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A(BPF_CGROUP_UDP6_RECVMSG)},
    {"cgroup_sock_addr/getpeername4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, A(BPF_CGROUP_INET4_GETPEERNAME)},
    {"cgroup_sock_addr/getsockname_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, PT_ATTACH_CGROUP_UNIX_GETSOCKNAME},
    {"cgroup_sock_addr/sendmsg_unix", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, PT_ATTACH_CGROUP_UNIX_SENDMSG},
    {"sock_ops", BPF_PROG_TYPE_SOCK_OPS, A(BPF_CGROUP_SOCK_OPS)},
    {"sk_msg", BPF_PROG_TYPE_SK_MSG, A(BPF_SK_MSG_VERDICT)},
    {"sk_lookup", BPF_PROG_TYPE_SK_LOOKUP, A(BPF_SK_LOOKUP)},
    {"cgroup_sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL, A(BPF_CGROUP_SYSCTL)},
    {"cgroup_sockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, A(BPF_CGROUP_GETSOCKOPT)},
    {"cgroup_device", BPF_PROG_TYPE_CGROUP_DEVICE, A(BPF_CGROUP_DEVICE)},
    {"kprobe", BPF_PROG_TYPE_KPROBE, 0},
    {"kprobe.session", BPF_PROG_TYPE_KPROBE, PT_ATTACH_TRACE_KPROBE_SESSION},
    {"tracepoint", BPF_PROG_TYPE_TRACEPOINT, 0},
    {"perf_event", BPF_PROG_TYPE_PERF_EVENT, 0},
    {"raw_tracepoint", BPF_PROG_TYPE_RAW_TRACEPOINT, 0},
    {"sk_reuseport", BPF_PROG_TYPE_SK_REUSEPORT, A(BPF_SK_REUSEPORT_SELECT)},
    {"netfilter", (enum bpf_prog_type)PT_PROG_TYPE_NETFILTER, PT_ATTACH_NETFILTER},
};

Test(ctx_access_diff, return_ranges, .timeout = 60)
{
    static const int32_t values[] = {-1, 0, 1, 2, 3, 4, 0x7fffffff};
    unsigned n = 0, agree = 0;
    int r;

    {
        const struct bpf_insn trivial[] = {mk(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
                                           mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
        r = kload(BPF_PROG_TYPE_SOCKET_FILTER, 0, trivial, 2, 0);
        if (r == -EPERM || r == -ENOSYS || r == -EACCES)
            cr_skip_test("kernel bpf() not available here (%s): the return ranges cannot be compared", strerror(-r));
    }
    for (size_t i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
        const struct rcase *c = &rcases[i];
        const struct pt_desc *d = pt_by_type(c->type);
        int64_t lo = 0, hi = 0;
        int has = d && d->ret_range ? d->ret_range(c->attach, &lo, &hi) : 0;
        char line[256];
        int len = snprintf(line, sizeof(line), "ctx_access_diff ret %-34s", c->name);
        unsigned ok_here = 0, measured = 0;

        cr_assert(d, "no row for %s", c->name);
        for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
            const struct bpf_insn prog[] = {mk(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, values[v]),
                                            mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
            int kern, ours = !has || (values[v] >= lo && values[v] <= hi);

            r = kload(c->type, c->attach, prog, 2, 1);
            if (r != 1 && !strstr(logbuf, "R0"))
                continue; /* refused for another reason (the type is not available) */
            kern = r == 1;
            measured++;
            if (kern == ours)
                ok_here++;
            else
                fprintf(stderr, "  %s r0=%d: kernel %s, bpfrt %s\n", c->name, values[v], kern ? "accepts" : "refuses",
                        ours ? "accepts" : "refuses");
        }
        snprintf(line + len, sizeof(line) - (size_t)len, " %u/%u agree (bpfrt: %s [%lld, %lld])", ok_here, measured,
                 has ? "range" : "any value", (long long)lo, (long long)hi);
        fprintf(stderr, "%s\n", line);
        n += measured;
        agree += ok_here;
    }
    fprintf(stderr, "ctx_access_diff return ranges: %u/%u verdicts agree\n", agree, n);
    cr_assert_gt(n, 0, "no return value could be measured");
    cr_assert_eq(agree, n, "return ranges disagree with the kernel's (see above)");
}

/* The values of converted loads: for sched_cls, every load bpfrt accepts
 * of a __sk_buff field a test run fills (whole and narrow, at every
 * offset) runs in the kernel (BPF_PROG_TEST_RUN, retval = the loaded
 * value's low 32 bits) and through bpfrt's conversion on a struct
 * pt_skb_kctx filled from the kernel's whole-field values: the narrow
 * loads must give the kernel's values, quirks included (a 2-byte load of
 * a 16-bit field at either half gives the whole field). */
#include <bpf/bpf.h>

static uint64_t conv_eval(const struct bpf_insn *in, int n, void *ctx)
{
    uint64_t r[11] = {0};

    r[1] = (uintptr_t)ctx;
    for (int pc = 0; pc < n; pc++) {
        const struct bpf_insn *i = &in[pc];
        uint8_t sz = BPF_SIZE(i->code), op = BPF_OP(i->code);
        uint32_t bytes = sz == BPF_B ? 1 : sz == BPF_H ? 2 : sz == BPF_W ? 4 : 8;
        uint64_t v = 0;

        switch (BPF_CLASS(i->code)) {
        case BPF_LDX:
            memcpy(&v, (uint8_t *)(uintptr_t)r[i->src_reg] + i->off, bytes);
            r[i->dst_reg] = v;
            break;
        case BPF_ALU:
            v = (uint32_t)r[i->dst_reg];
            v = op == BPF_AND   ? v & (uint32_t)i->imm
                : op == BPF_RSH ? v >> i->imm
                : op == BPF_LSH ? (uint32_t)(v << i->imm)
                                : (uint32_t)i->imm;
            r[i->dst_reg] = v;
            break;
        case BPF_ALU64: r[i->dst_reg] >>= i->imm; break;
        case BPF_JMP:
            if (op == BPF_JA || (op == BPF_JEQ && r[i->dst_reg] == (uint64_t)(int64_t)i->imm))
                pc += i->off;
            break;
        default: cr_assert_fail("unexpected instruction %#x in a load conversion", i->code);
        }
    }
    return r[0];
}

/* The kernel's value of *(size *)(skb + off) in a tc test run (low 32
 * bits), or -1 when the program does not load or run. */
static int64_t kernel_skb_load(uint32_t off, uint32_t size, const struct __sk_buff *ctx_in)
{
    struct bpf_insn prog[] = {mk(BPF_LDX | BPF_MEM | (uint8_t)pt_size_code(size), 0, 1, (int16_t)off, 0),
                              mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
    uint8_t pkt[64] = {0};
    struct __sk_buff ctx = *ctx_in;
    int fd, err;

    memset(pkt, 0xff, 6);
    pkt[12] = 0x08; /* IPv4 */
    pkt[14] = 0x45;
    fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "ctxval", "GPL", prog, 2, NULL);
    if (fd < 0)
        return -1;
    LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = sizeof(pkt), .ctx_in = &ctx,
                .ctx_size_in = sizeof(ctx), .repeat = 1);
    err = bpf_prog_test_run_opts(fd, &topts);
    close(fd);
    return err ? -1 : (int64_t)topts.retval;
}

static uint64_t bpfrt_skb_load(uint32_t off, uint32_t size, struct pt_skb_kctx *k, int *ok)
{
    struct pt_access a = {.off = off, .size = size, .priv = 1};
    struct pt_access_res res = {0};
    struct bpf_insn in = mk(BPF_LDX | BPF_MEM | (uint8_t)pt_size_code(size), 0, 1, (int16_t)off, 0), out[16];
    int n;

    *ok = pt_sched_cls.is_valid_access(&a, &res);
    if (!*ok)
        return 0;
    n = pt_sched_cls.convert_access(&in, res.ctx_field_size, out, 16);
    cr_assert_gt(n, 0, "conversion of off=%u size=%u: %d", off, size, n);
    return conv_eval(out, n, k);
}

Test(ctx_access_diff, narrow_load_values, .timeout = 60)
{
    struct __sk_buff in = {0};
    struct pt_skb_kctx k;
    unsigned n = 0, agree = 0;
    int64_t v;

    in.mark = 0x11223344;
    in.priority = 0x55667788;
    for (int i = 0; i < 5; i++)
        in.cb[i] = 0xa0b0c0d0u + (uint32_t)i * 0x01010101u;
    in.gso_segs = 0x0102;
    in.gso_size = 0x0304;
    in.tstamp = 0x1122334455667788ull;
    if (kernel_skb_load(offsetof(struct __sk_buff, len), 4, &in) < 0) {
        if (errno == EPERM || errno == ENOSYS || errno == EACCES)
            cr_skip_test("kernel bpf() or BPF_PROG_TEST_RUN not available here (%s)", strerror(errno));
        cr_assert_fail("a tc test run that reads __sk_buff.len fails: %s", strerror(errno));
    }

    /* bpfrt's context, filled from the kernel's whole-field values */
    memset(&k, 0, sizeof(k));
#define WHOLE(f) ((uint32_t)kernel_skb_load(offsetof(struct __sk_buff, f), 4, &in))
    k.len = WHOLE(len);
    k.pkt_type = (uint8_t)WHOLE(pkt_type);
    k.mark = WHOLE(mark);
    k.queue_mapping = (uint16_t)WHOLE(queue_mapping);
    k.protocol = (uint16_t)WHOLE(protocol);
    k.vlan_tci = (uint16_t)WHOLE(vlan_tci);
    k.vlan_proto = (uint16_t)WHOLE(vlan_proto);
    k.priority = WHOLE(priority);
    k.ingress_ifindex = WHOLE(ingress_ifindex);
    k.ifindex = WHOLE(ifindex);
    k.tc_index = (uint16_t)WHOLE(tc_index);
    k.hash = WHOLE(hash);
    k.tc_classid = (uint16_t)WHOLE(tc_classid);
    k.napi_id = WHOLE(napi_id);
    k.wire_len = WHOLE(wire_len);
    k.gso_segs = (uint16_t)WHOLE(gso_segs);
    k.gso_size = (uint16_t)WHOLE(gso_size);
    for (int i = 0; i < 5; i++) {
        uint32_t w = (uint32_t)kernel_skb_load(offsetof(struct __sk_buff, cb[i]), 4, &in);
        memcpy(k.cb + 4 * i, &w, 4);
    }
#undef WHOLE
    cr_assert_eq(k.protocol, htons(0x0800), "the kernel's protocol is %#x", k.protocol);
    cr_assert_eq(k.mark, in.mark);

    /* every offset of the scalar fields up to gso_size, sizes 1, 2, 4 */
    for (uint32_t off = 0; off < offsetof(struct __sk_buff, tstamp_type); off++)
        for (uint32_t size = 1; size <= 4; size *= 2) {
            int ok;
            uint64_t ours = bpfrt_skb_load(off, size, &k, &ok);

            if (!ok || (off >= offsetof(struct __sk_buff, data) && off < offsetof(struct __sk_buff, napi_id)) ||
                (off >= offsetof(struct __sk_buff, data_meta) && off < offsetof(struct __sk_buff, wire_len)) ||
                (off >= offsetof(struct __sk_buff, sk) && off < offsetof(struct __sk_buff, gso_size)))
                continue; /* refused, or pointers and timestamps (compared by type, not value) */
            v = kernel_skb_load(off, size, &in);
            cr_assert_geq(v, 0, "the kernel refuses a load bpfrt accepts: off=%u size=%u", off, size);
            n++;
            if ((uint32_t)ours == (uint32_t)v)
                agree++;
            else
                fprintf(stderr, "  sched_cls load off=%u size=%u: kernel %#llx, bpfrt %#llx\n", off, size,
                        (unsigned long long)v, (unsigned long long)ours);
        }
    fprintf(stderr, "ctx_access_diff narrow load values (sched_cls test run): %u/%u agree\n", agree, n);
    cr_assert_gt(n, 100);
    cr_assert_eq(agree, n, "converted loads give other values than the kernel's (see above)");
}
