/* prog_type_names.c - program types by name, as bpftool writes and reads
 * them: `prog show` prints "xdp", "sched_cls", "socket_filter" (the enum
 * bpf_prog_type of linux/bpf.h without its prefix, in lower case, which is
 * also libbpf's libbpf_bpf_prog_type_str), and `prog load ... type` takes
 * those and a few older words ("socket", "classifier", "action", ...).
 * (To move into the program-type tables of src/progtypes/.) */
#include <errno.h>
#include <string.h>

#include "bpfrt/bpfrt.h"

static const char *const type_names[] = {
    [BPF_PROG_TYPE_UNSPEC] = "unspec",
    [BPF_PROG_TYPE_SOCKET_FILTER] = "socket_filter",
    [BPF_PROG_TYPE_KPROBE] = "kprobe",
    [BPF_PROG_TYPE_SCHED_CLS] = "sched_cls",
    [BPF_PROG_TYPE_SCHED_ACT] = "sched_act",
    [BPF_PROG_TYPE_TRACEPOINT] = "tracepoint",
    [BPF_PROG_TYPE_XDP] = "xdp",
    [BPF_PROG_TYPE_PERF_EVENT] = "perf_event",
    [BPF_PROG_TYPE_CGROUP_SKB] = "cgroup_skb",
    [BPF_PROG_TYPE_CGROUP_SOCK] = "cgroup_sock",
    [BPF_PROG_TYPE_LWT_IN] = "lwt_in",
    [BPF_PROG_TYPE_LWT_OUT] = "lwt_out",
    [BPF_PROG_TYPE_LWT_XMIT] = "lwt_xmit",
    [BPF_PROG_TYPE_SOCK_OPS] = "sock_ops",
    [BPF_PROG_TYPE_SK_SKB] = "sk_skb",
    [BPF_PROG_TYPE_CGROUP_DEVICE] = "cgroup_device",
    [BPF_PROG_TYPE_SK_MSG] = "sk_msg",
    [BPF_PROG_TYPE_RAW_TRACEPOINT] = "raw_tracepoint",
    [BPF_PROG_TYPE_CGROUP_SOCK_ADDR] = "cgroup_sock_addr",
    [BPF_PROG_TYPE_LWT_SEG6LOCAL] = "lwt_seg6local",
    [BPF_PROG_TYPE_LIRC_MODE2] = "lirc_mode2",
    [BPF_PROG_TYPE_SK_REUSEPORT] = "sk_reuseport",
    [BPF_PROG_TYPE_FLOW_DISSECTOR] = "flow_dissector",
    [BPF_PROG_TYPE_CGROUP_SYSCTL] = "cgroup_sysctl",
    [BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE] = "raw_tracepoint_writable",
    [BPF_PROG_TYPE_CGROUP_SOCKOPT] = "cgroup_sockopt",
    [BPF_PROG_TYPE_TRACING] = "tracing",
    [BPF_PROG_TYPE_STRUCT_OPS] = "struct_ops",
    [BPF_PROG_TYPE_EXT] = "ext",
    [BPF_PROG_TYPE_LSM] = "lsm",
    [BPF_PROG_TYPE_SK_LOOKUP] = "sk_lookup",
    [BPF_PROG_TYPE_SYSCALL] = "syscall",
};

/* bpftool's older words for `prog load ... type` (do_load in
 * tools/bpf/bpftool/prog.c accepts them as section-name prefixes). */
static const struct {
    const char *name;
    enum bpf_prog_type type;
} aliases[] = {
    {"socket", BPF_PROG_TYPE_SOCKET_FILTER}, {"classifier", BPF_PROG_TYPE_SCHED_CLS},
    {"tc", BPF_PROG_TYPE_SCHED_CLS},         {"action", BPF_PROG_TYPE_SCHED_ACT},
    {"cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB},
};

const char *bpfrt_prog_type_name(enum bpf_prog_type type)
{
    if ((size_t)type >= sizeof(type_names) / sizeof(type_names[0]))
        return NULL;
    return type_names[type];
}

int bpfrt_prog_type_from_name(const char *name, enum bpf_prog_type *type)
{
    if (!name || !type)
        return -EINVAL;
    for (size_t k = 0; k < sizeof(aliases) / sizeof(aliases[0]); k++)
        if (!strcmp(name, aliases[k].name)) {
            *type = aliases[k].type;
            return 0;
        }
    /* from 1: "unspec" names no type a program can be given */
    for (size_t t = 1; t < sizeof(type_names) / sizeof(type_names[0]); t++)
        if (type_names[t] && !strcmp(name, type_names[t])) {
            *type = (enum bpf_prog_type)t;
            return 0;
        }
    return -ENOENT;
}

/* What a return value means.  For now every type reads it as XDP's
 * verdict (enum xdp_action), the convention `prog run ... pcap` has used
 * so far for the raw programs it runs on packets; the program-type tables
 * will give each type its own codes (TC_ACT_*, socket filter lengths). */
const char *bpfrt_prog_type_retval_name(enum bpf_prog_type type, uint64_t retval)
{
    (void)type;
    switch (retval) {
    case XDP_ABORTED: return "XDP_ABORTED";
    case XDP_DROP: return "XDP_DROP";
    case XDP_PASS: return "XDP_PASS";
    case XDP_TX: return "XDP_TX";
    case XDP_REDIRECT: return "XDP_REDIRECT";
    default: return NULL;
    }
}
