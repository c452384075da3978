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
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "helpers/helpers.h"
#include "helpers/protos.h"
#include "progtypes/progtypes.h"

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

Test(vf_helpers, type_sets_match_the_running_kernel, .timeout = 60)
{
    struct btf *vmlinux = btf__load_vmlinux_btf();
    unsigned measured = 0, failed = 0;
    char failures[2048] = "";

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
        if (fd < 0) {
            btf__free(vmlinux);
            cr_skip_test("bpf(BPF_PROG_LOAD) is not available here (%s): no kernel to compare with",
                         strerror(errno));
        }
        close(fd);
    }
    for (size_t i = 0; i < N(cases); i++) {
        const struct probe_case *c = &cases[i];
        const struct pt_desc *t = pt_by_type((enum bpf_prog_type)c->type);
        uint8_t kset[256] = {0};
        unsigned both = 0, only_k = 0, only_b = 0;
        char diff[1536] = "";
        size_t dl = 0;
        int r;

        cr_assert(t, "%s: no row for type %u", c->name, c->type);
        r = kernel_set(c, vmlinux, kset);
        if (r < 0) {
            btf__free(vmlinux);
            cr_skip_test("bpf() unavailable: %s", strerror(-r));
        }
        if (r == PROBE_NO_TYPE) {
            fprintf(stderr, "vf_helpers: %-24s not measurable: the running kernel loads no such program\n",
                    c->name);
            continue;
        }
        measured++;
        for (uint32_t id = 1; id < hlp_max_id(); id++) {
            int b = pt_func_proto(t, id, c->attach, 1) != NULL;
            if (b && kset[id])
                both++;
            else if (b || kset[id]) {
                if (b)
                    only_b++;
                else
                    only_k++;
                if (dl < sizeof(diff) - 64)
                    dl += (size_t)snprintf(diff + dl, sizeof(diff) - dl, " %cbpf_%s", b ? '+' : '-',
                                           bpfrt_helper_name(id));
            }
        }
        {
            /* agreement: the helpers both offer, of those either offers */
            double agree = 100.0 * both / (both + only_k + only_b ? both + only_k + only_b : 1);
            fprintf(stderr, "vf_helpers: %-24s kernel %3u bpfrt %3u agreement %5.1f%%%s%s\n", c->name,
                    both + only_k, both + only_b, agree, dl ? " differences (+ bpfrt only, - kernel only):" : "",
                    diff);
            if ((c->exact && (only_k || only_b)) || agree < 95.0) {
                failed++;
                snprintf(failures + strlen(failures), sizeof(failures) - strlen(failures), " %s (%.1f%%)", c->name,
                         agree);
            }
        }
    }
    btf__free(vmlinux);
    cr_assert(measured > 0, "no program type could be measured");
    cr_assert_eq(failed, 0, "helper sets differ from the running kernel's:%s", failures);
}
