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
    uint32_t scan_end;  /* offsets 0 .. scan_end-1 */
    uint32_t scan2_lo;  /* and scan2_lo .. scan2_hi-1 (tracepoint's far end) */
    uint32_t scan2_hi;
    int st;             /* also BPF_ST stores */
    int required;       /* percent of agreement required */
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
static void one(const struct dcase *c, const struct pt_desc *d, int mode, uint32_t off, uint32_t size,
                struct tally *t, unsigned *printed)
{
    static const char *modes[] = {"load", "stx", "st"};
    struct bpf_insn prog[4];
    struct pt_access acc = {.off = off, .size = size, .write = mode != 0, .priv = 1, .store_imm = mode == 2,
                            .attach = c->attach};
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
                fprintf(stderr, "  %s load off=%u size=%u: kernel gives r2 kind %d, bpfrt %d\n", c->name, off, size,
                        kk, res.reg_kind);
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
                fprintf(stderr, "  %s r0=%d: kernel %s, bpfrt %s\n", c->name, values[v],
                        kern ? "accepts" : "refuses", ours ? "accepts" : "refuses");
        }
        snprintf(line + len, sizeof(line) - (size_t)len, " %u/%u agree (bpfrt: %s [%lld, %lld])", ok_here,
                 measured, has ? "range" : "any value", (long long)lo, (long long)hi);
        fprintf(stderr, "%s\n", line);
        n += measured;
        agree += ok_here;
    }
    fprintf(stderr, "ctx_access_diff return ranges: %u/%u verdicts agree\n", agree, n);
    cr_assert_gt(n, 0, "no return value could be measured");
    cr_assert_eq(agree, n, "return ranges disagree with the kernel's (see above)");
}
