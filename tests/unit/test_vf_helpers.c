/* test_vf_helpers.c - the helper prototypes (src/helpers/protos*.c) and
 * the program types' helper sets (src/progtypes/pt_funcs_*.c), against
 * the kernel: its prototypes as kernel 6.1 writes them, and the helper
 * set of every program type as the RUNNING kernel offers it.
 *
 * The running kernel is asked the way libbpf's libbpf_probe_bpf_helper
 * (and so `bpftool feature probe`) asks: load "call HELPER; exit" as a
 * GPL program of the type and read the verifier's log; the helper is
 * missing for that type when the log says "invalid func",
 * "unknown func" or (kernels >= 6.3) "program of this type cannot use
 * helper".  bpftool itself is not used: the bpftool on this machine
 * (7.1, libbpf 1.1) predates the third message and reports every helper
 * for every type on 6.18. */
#include <criterion/criterion.h>
#include <bpf/btf.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "helpers/helpers.h"
#include "helpers/protos.h"
#include "progtypes/progtypes.h"
#include "progtypes/pt_funcs.h"

#define N(a) (sizeof(a) / sizeof(a[0]))

/* ---- the kernel's helper sets */

struct probe_case {
    const char *name;   /* bpftool's name of the type (and the attach point) */
    uint32_t type;
    int attach;         /* expected attach type, as libbpf's probe sets it */
    const char *btf_fn; /* tracing: the BTF object attached to (attach_btf_id) */
    int btf_kind;
    int exact;          /* the sets must be identical (networking types) */
};

static const struct probe_case cases[] = {
    {"socket_filter", BPF_PROG_TYPE_SOCKET_FILTER, 0, NULL, 0, 1},
    {"sched_cls", BPF_PROG_TYPE_SCHED_CLS, 0, NULL, 0, 1},
    {"sched_act", BPF_PROG_TYPE_SCHED_ACT, 0, NULL, 0, 1},
    {"xdp", BPF_PROG_TYPE_XDP, 0, NULL, 0, 1},
    {"cgroup_skb", BPF_PROG_TYPE_CGROUP_SKB, 0, NULL, 0, 1},
    {"kprobe", BPF_PROG_TYPE_KPROBE, 0, NULL, 0, 0},
    {"tracepoint", BPF_PROG_TYPE_TRACEPOINT, 0, NULL, 0, 0},
    {"perf_event", BPF_PROG_TYPE_PERF_EVENT, 0, NULL, 0, 0},
    {"cgroup_sock", BPF_PROG_TYPE_CGROUP_SOCK, 0, NULL, 0, 0},
    {"lwt_in", BPF_PROG_TYPE_LWT_IN, 0, NULL, 0, 0},
    {"lwt_out", BPF_PROG_TYPE_LWT_OUT, 0, NULL, 0, 0},
    {"lwt_xmit", BPF_PROG_TYPE_LWT_XMIT, 0, NULL, 0, 0},
    {"sock_ops", BPF_PROG_TYPE_SOCK_OPS, 0, NULL, 0, 0},
    {"sk_skb", BPF_PROG_TYPE_SK_SKB, 0, NULL, 0, 0},
    {"cgroup_device", BPF_PROG_TYPE_CGROUP_DEVICE, 0, NULL, 0, 0},
    {"sk_msg", BPF_PROG_TYPE_SK_MSG, 0, NULL, 0, 0},
    {"raw_tracepoint", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, NULL, 0, 0},
    {"cgroup_sock_addr", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, NULL, 0, 0},
    {"lwt_seg6local", BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, NULL, 0, 0},
    {"lirc_mode2", BPF_PROG_TYPE_LIRC_MODE2, BPF_LIRC_MODE2, NULL, 0, 0},
    {"sk_reuseport", BPF_PROG_TYPE_SK_REUSEPORT, 0, NULL, 0, 0},
    {"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, 0, NULL, 0, 0},
    {"cgroup_sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL, 0, NULL, 0, 0},
    {"raw_tracepoint_writable", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, NULL, 0, 0},
    {"cgroup_sockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, NULL, 0, 0},
    {"tracing (tp_btf)", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, "btf_trace_sched_switch", BTF_KIND_TYPEDEF, 0},
    {"tracing (iter)", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, "bpf_iter_task", BTF_KIND_FUNC, 0},
    {"tracing (fentry)", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, "bpf_fentry_test1", BTF_KIND_FUNC, 0},
    {"lsm", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_file_open", BTF_KIND_FUNC, 0},
    {"sk_lookup", BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, NULL, 0, 0},
    {"syscall", BPF_PROG_TYPE_SYSCALL, 0, NULL, 0, 0},
    {"netfilter", PT_PROG_TYPE_NETFILTER, PT_ATTACH_NETFILTER, NULL, 0, 0},
};

enum { PROBE_OK = 0, PROBE_NO_TYPE = 1 };

/* The running kernel's set for one case: kset[id] = 1 when the type may
 * call helper id.  PROBE_NO_TYPE when the kernel loads no program of the
 * type at all (a type it lacks, or an attach point it lacks); -errno when
 * bpf() itself is unavailable. */
static int kernel_set(const struct probe_case *c, struct btf *vmlinux, uint8_t *kset)
{
    static char log[16384];
    int btf_id = 0, usable = 0;
    unsigned kver = 0;

    if (c->btf_fn) {
        if (!vmlinux)
            return PROBE_NO_TYPE;
        btf_id = btf__find_by_name_kind(vmlinux, c->btf_fn, c->btf_kind);
        if (btf_id <= 0)
            return PROBE_NO_TYPE;
    }
    {
        unsigned a = 0, b = 0, d = 0;
        FILE *f = fopen("/proc/sys/kernel/osrelease", "r");
        if (f && fscanf(f, "%u.%u.%u", &a, &b, &d) >= 2)
            kver = (a << 16) | (b << 8) | (d > 255 ? 255 : d);
        if (f)
            fclose(f);
    }
    for (uint32_t id = 1; id < hlp_max_id(); id++) {
        struct bpf_insn insns[2] = {{.code = BPF_JMP | BPF_CALL, .imm = (int32_t)id}, {.code = BPF_JMP | BPF_EXIT}};
        union bpf_attr a;
        int fd;

        memset(&a, 0, sizeof(a));
        a.prog_type = c->type;
        a.insns = (uint64_t)(uintptr_t)insns;
        a.insn_cnt = 2;
        a.license = (uint64_t)(uintptr_t) "GPL";
        a.log_level = 1;
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = sizeof(log);
        a.expected_attach_type = (uint32_t)c->attach;
        a.attach_btf_id = (uint32_t)btf_id;
        a.kern_version = kver;
        if (c->type == BPF_PROG_TYPE_SYSCALL)
            a.prog_flags = BPF_F_SLEEPABLE;
        log[0] = 0;
        fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
        if (fd >= 0) {
            close(fd);
            kset[id] = 1;
            usable = 1;
            continue;
        }
        if (errno == ENOSYS)
            return -ENOSYS;
        if (!log[0]) /* refused before the verifier ran: the type or its attach point is missing */
            continue;
        usable = 1;
        kset[id] = !(strstr(log, "invalid func ") || strstr(log, "unknown func ") ||
                     strstr(log, "program of this type cannot use helper "));
    }
    return usable ? PROBE_OK : PROBE_NO_TYPE;
}

/* Helpers the running kernel's configuration withholds, not its tables:
 * bpfrt offers them as a kernel without these restrictions does. */
static const char *config_reason(uint32_t id)
{
    switch (id) {
    case BPF_FUNC_probe_write_user:
        return "refused under lockdown (LOCKDOWN_BPF_WRITE_USER; this kernel: CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY)";
    case BPF_FUNC_override_return: return "needs CONFIG_BPF_KPROBE_OVERRIDE";
    default: return NULL;
    }
}

/* Every case's kernel set, probed by a child holding the given
 * capabilities: full (as the test runs, root) or CAP_BPF without
 * CAP_PERFMON and CAP_SYS_ADMIN (what the kernel's bpf_capable() and
 * perfmon_capable() then answer: the base set's second tier only).
 * status[i]: PROBE_OK, PROBE_NO_TYPE or a negative errno. */
static int probe_all(int bpf_only, uint8_t (*ksets)[256], int *status)
{
    int fds[2];
    pid_t pid;

    if (pipe(fds))
        return -errno;
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        struct btf *vmlinux = btf__load_vmlinux_btf();
        int ok = 1;
        close(fds[0]);
        if (bpf_only) {
            struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
            struct __user_cap_data_struct d[2];
            ok = !syscall(SYS_capget, &h, d);
            for (int k = 0; k < 2; k++) {
                d[k].effective &= ~(1u << (CAP_PERFMON % 32)) | (k != CAP_PERFMON / 32 ? ~0u : 0u);
                d[k].effective &= ~(1u << (CAP_SYS_ADMIN % 32)) | (k != CAP_SYS_ADMIN / 32 ? ~0u : 0u);
            }
            ok = ok && !syscall(SYS_capset, &h, d);
        }
        for (size_t i = 0; i < N(cases); i++) {
            uint8_t k[256] = {0};
            int st = ok ? kernel_set(&cases[i], vmlinux, k) : -EPERM;
            if (write(fds[1], &st, sizeof(st)) != sizeof(st) || write(fds[1], k, sizeof(k)) != sizeof(k))
                _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    {
        FILE *f = fdopen(fds[0], "r");
        int st;
        for (size_t i = 0; i < N(cases); i++) {
            if (fread(&st, sizeof(st), 1, f) != 1 || fread(ksets[i], 256, 1, f) != 1) {
                fclose(f);
                waitpid(pid, NULL, 0);
                return -EIO;
            }
            status[i] = st;
        }
        fclose(f);
    }
    waitpid(pid, NULL, 0);
    return 0;
}

/* Compare every measurable case with func_proto(id, attach, priv): print
 * the agreement (helpers both offer, of those either offers) and the
 * differences; the networking types must agree exactly, the others by 95%
 * at least.  Configuration-dependent helpers (config_reason) are printed
 * and left out of the figure. */
static void compare_all(int priv, const char *label)
{
    static uint8_t ksets[N(cases)][256];
    int status[N(cases)];
    unsigned measured = 0, failed = 0;
    char failures[2048] = "";
    int r = probe_all(priv == PT_PRIV_BPF_ONLY, ksets, status);

    if (r)
        cr_skip_test("could not probe the running kernel: %s", strerror(-r));
    for (size_t i = 0; i < N(cases); i++) {
        const struct probe_case *c = &cases[i];
        const struct pt_desc *t = pt_by_type((enum bpf_prog_type)c->type);
        unsigned both = 0, only_k = 0, only_b = 0;
        char diff[1536] = "", conf[512] = "";
        size_t dl = 0, cl = 0;

        cr_assert(t, "%s: no row for type %u", c->name, c->type);
        if (status[i] < 0)
            cr_skip_test("bpf() unavailable: %s", strerror(-status[i]));
        if (status[i] == PROBE_NO_TYPE) {
            fprintf(stderr, "vf_helpers[%s]: %-24s not measurable: the running kernel loads no such program\n",
                    label, c->name);
            continue;
        }
        measured++;
        for (uint32_t id = 1; id < hlp_max_id(); id++) {
            int b = pt_func_proto(t, id, c->attach, priv) != NULL, k = ksets[i][id];
            if (b == k) {
                both += b;
                continue;
            }
            if (config_reason(id)) {
                if (cl < sizeof(conf) - 200)
                    cl += (size_t)snprintf(conf + cl, sizeof(conf) - cl, " %cbpf_%s (%s)", b ? '+' : '-',
                                           bpfrt_helper_name(id), config_reason(id));
                continue;
            }
            only_b += b;
            only_k += k;
            if (dl < sizeof(diff) - 64)
                dl += (size_t)snprintf(diff + dl, sizeof(diff) - dl, " %cbpf_%s", b ? '+' : '-',
                                       bpfrt_helper_name(id));
        }
        {
            double agree = 100.0 * both / (both + only_k + only_b ? both + only_k + only_b : 1);
            fprintf(stderr, "vf_helpers[%s]: %-24s kernel %3u bpfrt %3u agreement %5.1f%%%s%s%s%s\n", label, c->name,
                    both + only_k, both + only_b, agree, dl ? "; differences (+ bpfrt only, - kernel only):" : "",
                    diff, cl ? "; configuration:" : "", conf);
            if ((c->exact && (only_k || only_b)) || agree < 95.0) {
                failed++;
                snprintf(failures + strlen(failures), sizeof(failures) - strlen(failures), " %s (%.1f%%)", c->name,
                         agree);
            }
        }
    }
    cr_assert(measured > 0, "no program type could be measured");
    cr_assert_eq(failed, 0, "helper sets differ from the running kernel's:%s", failures);
}

static void need_bpf(void)
{
    /* bpf() at all: a socket filter "r0 = 0; exit" */
    struct bpf_insn insns[2] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K}, {.code = BPF_JMP | BPF_EXIT}};
    union bpf_attr a;
    int fd;

    memset(&a, 0, sizeof(a));
    a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    a.insns = (uint64_t)(uintptr_t)insns;
    a.insn_cnt = 2;
    a.license = (uint64_t)(uintptr_t) "GPL";
    fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
    if (fd < 0)
        cr_skip_test("bpf(BPF_PROG_LOAD) is not available here (%s): no kernel to compare with", strerror(errno));
    close(fd);
}

/* The privileged verifier (CAP_BPF + CAP_PERFMON), bpfrt's default */
Test(vf_helpers, type_sets_match_the_running_kernel, .timeout = 60)
{
    need_bpf();
    compare_all(PT_PRIV_FULL, "privileged");
}

/* CAP_BPF alone: the kernel's bpf_base_func_proto stops before its
 * perfmon_capable() tier (trace_printk, probe_read_kernel, snprintf, ...)
 * and bpf_sk_base_func_proto withholds the bpf_skc_to_* casts */
Test(vf_helpers, type_sets_match_the_running_kernel_without_perfmon, .timeout = 60)
{
    need_bpf();
    if (geteuid() != 0)
        cr_skip_test("needs root to probe with CAP_BPF alone");
    compare_all(PT_PRIV_BPF_ONLY, "CAP_BPF only");
}

/* ---- the prototypes */

/* Every helper of the UAPI header (__BPF_FUNC_MAPPER) has a default
 * prototype, with its own id, and nothing past the header's last id. */
Test(vf_helpers, every_uapi_helper_has_a_prototype)
{
    for (uint32_t id = 1; id < hlp_max_id(); id++) {
        const struct hlp_proto *p = hlp_proto(id);
        cr_assert(p, "bpf_%s (#%u) has no prototype", bpfrt_helper_name(id), id);
        cr_assert_eq(p->id, id);
        cr_assert_null(p->variant, "bpf_%s: the default is not a variant", bpfrt_helper_name(id));
        cr_assert(p->cb_arg == HLP_NO_CB || (p->cb_arg < 5 && p->arg[p->cb_arg] == HA_FUNC),
                  "bpf_%s: cb_arg %u is not an HA_FUNC argument", bpfrt_helper_name(id), p->cb_arg);
        for (int a = 0; a < 5; a++) {
            if (p->arg_flags[a] & HAF_FIXED)
                cr_assert(p->arg_size[a] > 0, "bpf_%s arg %d: fixed size 0", bpfrt_helper_name(id), a + 1);
            /* a memory argument without a fixed size is followed by its size (check_arg_pair_ok) */
            if (p->arg[a] == HA_MEM && !(p->arg_flags[a] & HAF_FIXED))
                cr_assert(a < 4 && (p->arg[a + 1] == HA_CONST_SIZE || p->arg[a + 1] == HA_CONST_SIZE_OR_ZERO),
                          "bpf_%s arg %d: memory without its size", bpfrt_helper_name(id), a + 1);
        }
    }
    cr_assert_null(hlp_proto(0));
    cr_assert_null(hlp_proto(hlp_max_id()));
    cr_assert_null(hlp_proto(100000));
    /* and the variants all name helpers of the header */
    for (unsigned i = 0; hlp_proto_nth(i); i++) {
        const struct hlp_proto *p = hlp_proto_nth(i);
        cr_assert(p->id > 0 && p->id < hlp_max_id());
        if (p->variant)
            cr_assert_eq(hlp_proto_variant(p->id, p->variant), p, "bpf_%s variant %s", bpfrt_helper_name(p->id),
                         p->variant);
    }
}

/* The run-time table's GPL flags are the kernel's (check_helper_call
 * refuses a GPL-only helper to a non-GPL program: "cannot call
 * GPL-restricted function from non-GPL compatible program"). */
Test(vf_helpers, helper_table_gpl_flags_are_the_prototypes)
{
    unsigned checked = 0;

    for (uint32_t id = 1; id < hlp_max_id(); id++) {
        const struct hlp_desc *h = hlp_find(id);
        if (!h)
            continue;
        checked++;
        cr_assert_eq(!!h->gpl_only, !!hlp_proto(id)->gpl_only, "bpf_%s: helper table gpl_only %d, kernel %d", h->name,
                     h->gpl_only, hlp_proto(id)->gpl_only);
    }
    cr_assert(checked > 10, "only %u helpers have an implementation?", checked);
}

/* bpf_map_lookup_elem: (CONST_PTR_TO_MAP, PTR_TO_MAP_KEY) ->
 * PTR_TO_MAP_VALUE_OR_NULL, packet pointers accepted as the key
 * (bpf_map_lookup_elem_proto, kernel/bpf/helpers.c) */
Test(vf_helpers, map_lookup_elem_prototype)
{
    const struct hlp_proto *p = hlp_proto(BPF_FUNC_map_lookup_elem);

    cr_assert_eq(p->ret, HR_MAP_VALUE_OR_NULL);
    cr_assert_eq(p->arg[0], HA_CONST_MAP_PTR);
    cr_assert_eq(p->arg[1], HA_MAP_KEY);
    cr_assert_eq(p->arg[2], HA_NONE);
    cr_assert(p->pkt_access && !p->gpl_only && p->ref == HREF_NONE);
}

/* Ring buffer records are references: bpf_ringbuf_reserve acquires one
 * (is_acquire_function), bpf_ringbuf_submit and _discard release their
 * first argument (OBJ_RELEASE), the reserve_dynptr variant makes its
 * dynptr argument the reference */
Test(vf_helpers, ringbuf_references)
{
    const struct hlp_proto *r = hlp_proto(BPF_FUNC_ringbuf_reserve);

    cr_assert_eq(r->ret, HR_ALLOC_MEM_OR_NULL);
    cr_assert_eq(r->ref, HREF_ACQUIRE);
    cr_assert_eq(r->arg[1], HA_CONST_ALLOC_SIZE_OR_ZERO);
    for (uint32_t id = BPF_FUNC_ringbuf_submit; id <= BPF_FUNC_ringbuf_discard; id++) {
        const struct hlp_proto *s = hlp_proto(id);
        cr_assert_eq(s->ref, HREF_RELEASE);
        cr_assert_eq(s->release_arg, 0);
        cr_assert_eq(s->arg[0], HA_ALLOC_MEM);
        cr_assert_eq(s->ret, HR_VOID);
    }
    cr_assert_eq(hlp_proto(BPF_FUNC_ringbuf_reserve_dynptr)->ref, HREF_ACQUIRE_DYNPTR);
    cr_assert_eq(hlp_proto(BPF_FUNC_ringbuf_reserve_dynptr)->release_arg, 3);
    cr_assert_eq(hlp_proto(BPF_FUNC_ringbuf_submit_dynptr)->ref, HREF_RELEASE);
    cr_assert_eq(hlp_proto(BPF_FUNC_sk_release)->ref, HREF_RELEASE);
    cr_assert_eq(hlp_proto(BPF_FUNC_sk_lookup_tcp)->ref, HREF_ACQUIRE);
    cr_assert_eq(hlp_proto_variant(BPF_FUNC_sk_lookup_tcp, "xdp")->ref, HREF_ACQUIRE);
    cr_assert_eq(hlp_proto(BPF_FUNC_kptr_xchg)->ref, HREF_ACQUIRE_RELEASE);
    cr_assert_eq(hlp_proto(BPF_FUNC_kptr_xchg)->release_arg, 1);
}

/* bpf_helper_changes_pkt_data (net/core/filter.c): the helpers that may
 * move the packet, after which the verifier forgets packet pointers */
Test(vf_helpers, packet_changing_helpers)
{
    static const uint32_t changes[] = {BPF_FUNC_skb_store_bytes, BPF_FUNC_skb_pull_data, BPF_FUNC_xdp_adjust_head,
                                       BPF_FUNC_xdp_adjust_tail, BPF_FUNC_l3_csum_replace, BPF_FUNC_msg_pop_data,
                                       BPF_FUNC_lwt_push_encap, BPF_FUNC_store_hdr_opt, BPF_FUNC_clone_redirect};
    for (size_t i = 0; i < N(changes); i++)
        cr_assert(hlp_proto(changes[i])->changes_pkt_data, "bpf_%s", bpfrt_helper_name(changes[i]));
    cr_assert(hlp_proto_variant(BPF_FUNC_skb_pull_data, "sk_skb")->changes_pkt_data);
    cr_assert(hlp_proto_variant(BPF_FUNC_lwt_push_encap, "lwt_xmit")->changes_pkt_data);
    cr_assert(!hlp_proto(BPF_FUNC_skb_load_bytes)->changes_pkt_data);
    cr_assert(!hlp_proto(BPF_FUNC_xdp_load_bytes)->changes_pkt_data);
    cr_assert(!hlp_proto(BPF_FUNC_redirect)->changes_pkt_data);
}

/* Callbacks and the range their r0 must lie in (callback_ret_range in the
 * kernel's set_*_callback_state: 0 or 1) */
Test(vf_helpers, callback_helpers)
{
    cr_assert_eq(hlp_proto(BPF_FUNC_loop)->cb_arg, 1);
    cr_assert_eq(hlp_proto(BPF_FUNC_for_each_map_elem)->cb_arg, 1);
    cr_assert_eq(hlp_proto(BPF_FUNC_timer_set_callback)->cb_arg, 1);
    cr_assert_eq(hlp_proto(BPF_FUNC_find_vma)->cb_arg, 2);
    cr_assert_eq(hlp_proto(BPF_FUNC_user_ringbuf_drain)->cb_arg, 1);
    cr_assert_eq(hlp_proto(BPF_FUNC_loop)->cb_ret_min, 0);
    cr_assert_eq(hlp_proto(BPF_FUNC_loop)->cb_ret_max, 1);
    cr_assert_eq(hlp_proto(BPF_FUNC_map_lookup_elem)->cb_arg, HLP_NO_CB);
}

/* Per-type choices of the kernel's func_proto */
Test(vf_helpers, type_helper_sets)
{
    const struct pt_desc *xdp = pt_by_type(BPF_PROG_TYPE_XDP), *sf = pt_by_type(BPF_PROG_TYPE_SOCKET_FILTER),
                         *tc = pt_by_type(BPF_PROG_TYPE_SCHED_CLS), *sa = pt_by_type(BPF_PROG_TYPE_CGROUP_SOCK_ADDR),
                         *tp = pt_by_type(BPF_PROG_TYPE_TRACEPOINT), *fd = pt_by_type(BPF_PROG_TYPE_FLOW_DISSECTOR),
                         *raw = pt_by_type(BPF_PROG_TYPE_UNSPEC);

    /* xdp_func_proto: xdp_adjust_head yes, skb_load_bytes no */
    cr_assert(pt_func_proto(xdp, BPF_FUNC_xdp_adjust_head, BPF_XDP, 1));
    cr_assert_null(pt_func_proto(xdp, BPF_FUNC_skb_load_bytes, BPF_XDP, 1));
    cr_assert_null(pt_func_proto(sf, BPF_FUNC_xdp_adjust_head, 0, 1));
    /* the variants each type takes */
    cr_assert_str_eq(pt_func_proto(xdp, BPF_FUNC_perf_event_output, 0, 1)->variant, "xdp");
    cr_assert_str_eq(pt_func_proto(tc, BPF_FUNC_perf_event_output, 0, 1)->variant, "skb");
    cr_assert_str_eq(pt_func_proto(tp, BPF_FUNC_perf_event_output, 0, 1)->variant, "tp");
    cr_assert_str_eq(pt_func_proto(xdp, BPF_FUNC_fib_lookup, 0, 1)->variant, "xdp");
    cr_assert_null(pt_func_proto(tc, BPF_FUNC_fib_lookup, 0, 1)->variant);
    cr_assert_str_eq(pt_func_proto(tc, BPF_FUNC_sk_lookup_tcp, 0, 1)->variant, "tc");
    cr_assert_str_eq(pt_func_proto(fd, BPF_FUNC_skb_load_bytes, 0, 1)->variant, "flow_dissector");
    /* trace_printk and the other perfmon_capable() helpers only for the privileged */
    cr_assert(pt_func_proto(sf, BPF_FUNC_trace_printk, 0, PT_PRIV_FULL));
    cr_assert_null(pt_func_proto(sf, BPF_FUNC_trace_printk, 0, PT_PRIV_BPF_ONLY));
    cr_assert_null(pt_func_proto(sf, BPF_FUNC_trace_printk, 0, PT_PRIV_NONE));
    cr_assert_null(pt_func_proto(sf, BPF_FUNC_spin_lock, 0, PT_PRIV_NONE)); /* bpf_capable() */
    cr_assert(pt_func_proto(sf, BPF_FUNC_spin_lock, 0, PT_PRIV_BPF_ONLY));
    cr_assert(pt_func_proto(sf, BPF_FUNC_map_lookup_elem, 0, PT_PRIV_NONE));
    /* sock_addr_func_proto: bpf_bind only from connect hooks */
    cr_assert(pt_func_proto(sa, BPF_FUNC_bind, BPF_CGROUP_INET4_CONNECT, 1));
    cr_assert_null(pt_func_proto(sa, BPF_FUNC_bind, BPF_CGROUP_UDP4_SENDMSG, 1));
    cr_assert_str_eq(pt_func_proto(sa, BPF_FUNC_setsockopt, BPF_CGROUP_INET4_BIND, 1)->variant, "sock_addr");
    /* the raw convention keeps every helper */
    for (uint32_t id = 1; id < hlp_max_id(); id++)
        cr_assert(pt_func_proto(raw, id, 0, 0), "raw: bpf_%s", bpfrt_helper_name(id));
    /* every type row has a func_proto */
    for (int ty = 0; ty < 40; ty++) {
        const struct pt_desc *d = pt_by_type((enum bpf_prog_type)ty);
        if (d)
            cr_assert(d->func_proto, "%s", d->name);
    }
    cr_assert_null(pt_func_proto(NULL, BPF_FUNC_map_lookup_elem, 0, 1));
}
