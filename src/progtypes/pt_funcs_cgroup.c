/* pt_funcs_cgroup.c - the helper sets of the cgroup hooks, as
 * kernel/bpf/cgroup.c and net/core/filter.c give them: what every cgroup
 * hook shares (cgroup_common_func_proto, cgroup_current_func_proto), then
 * cgroup_sock, cgroup_sock_addr, cgroup_device, cgroup_sysctl and
 * cgroup_sockopt.  Some depend on the expected attach type. */
#include <linux/bpf.h>

#include "pt_funcs.h"

/* Hooks whose return value is not a syscall's (the kernel's list in
 * cgroup_common_func_proto): they get no bpf_get_retval/bpf_set_retval. */
static int attach_has_no_retval(int attach)
{
    switch (attach) {
    case BPF_CGROUP_INET_INGRESS:
    case BPF_CGROUP_INET_EGRESS:
    case BPF_CGROUP_SOCK_OPS:
    case BPF_CGROUP_UDP4_RECVMSG:
    case BPF_CGROUP_UDP6_RECVMSG:
    case BPF_CGROUP_INET4_GETPEERNAME:
    case BPF_CGROUP_INET6_GETPEERNAME:
    case BPF_CGROUP_INET4_GETSOCKNAME:
    case BPF_CGROUP_INET6_GETSOCKNAME: return 1;
    default: return 0;
    }
}

const struct hlp_proto *pt_fp_cgroup_common(uint32_t id, int attach)
{
    switch (id) {
    case BPF_FUNC_get_local_storage: return hlp_proto(id);
    case BPF_FUNC_get_retval:
    case BPF_FUNC_set_retval: return attach_has_no_retval(attach) ? NULL : hlp_proto(id);
    default: return NULL;
    }
}

/* Hooks that run in the context of a process (socket creation, bind,
 * connect, sysctl, sockopt, device): its facts.  (6.1 listed
 * bpf_get_current_comm here too; 6.18 leaves it to the base set's
 * CAP_PERFMON tier, as the running kernel shows with CAP_BPF alone.) */
const struct hlp_proto *pt_fp_cgroup_current(uint32_t id)
{
    switch (id) {
    case BPF_FUNC_get_current_uid_gid:
    case BPF_FUNC_get_current_pid_tgid:
    case BPF_FUNC_get_current_cgroup_id:
    case BPF_FUNC_get_current_ancestor_cgroup_id: return hlp_proto(id);
    case BPF_FUNC_get_cgroup_classid: return PT_V(get_cgroup_classid, "curr");
    default: return NULL;
    }
}

static const struct hlp_proto *cgroup_both(uint32_t id, int attach)
{
    const struct hlp_proto *p = pt_fp_cgroup_common(id, attach);
    return p ? p : pt_fp_cgroup_current(id);
}

/* sock_filter_func_proto (the kernel's name for cgroup_sock's) */
const struct hlp_proto *pt_fp_cgroup_sock(uint32_t id, int attach, int priv)
{
    const struct hlp_proto *p;

    /* bpf_prog_load_fixup_attach_type: a cgroup_sock program loaded with
     * no expected attach type is a socket-creation hook */
    if (!attach)
        attach = BPF_CGROUP_INET_SOCK_CREATE;
    p = cgroup_both(id, attach);

    if (p)
        return p;
    switch (id) {
    case BPF_FUNC_get_socket_cookie: return PT_V(get_socket_cookie, "sock");
    case BPF_FUNC_get_netns_cookie: return PT_V(get_netns_cookie, "sock");
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "data");
    case BPF_FUNC_sk_storage_get: return PT_V(sk_storage_get, "cg_sock");
    case BPF_FUNC_ktime_get_coarse_ns: return hlp_proto(id);
    default: return pt_fp_base(id, priv);
    }
}

/* sock_addr_func_proto: bind() only from connect hooks; socket options
 * only from the hooks that hold the socket lock. */
const struct hlp_proto *pt_fp_cgroup_sock_addr(uint32_t id, int attach, int priv)
{
    const struct hlp_proto *p = cgroup_both(id, attach);

    if (p)
        return p;
    switch (id) {
    case BPF_FUNC_bind:
        return attach == BPF_CGROUP_INET4_CONNECT || attach == BPF_CGROUP_INET6_CONNECT ? hlp_proto(id) : NULL;
    case BPF_FUNC_get_socket_cookie: return PT_V(get_socket_cookie, "sock_addr");
    case BPF_FUNC_get_netns_cookie: return PT_V(get_netns_cookie, "sock_addr");
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "data");
    case BPF_FUNC_sk_lookup_tcp: return PT_V(sk_lookup_tcp, "sock_addr");
    case BPF_FUNC_sk_lookup_udp: return PT_V(sk_lookup_udp, "sock_addr");
    case BPF_FUNC_skc_lookup_tcp: return PT_V(skc_lookup_tcp, "sock_addr");
    case BPF_FUNC_sk_release:
    case BPF_FUNC_sk_storage_get:
    case BPF_FUNC_sk_storage_delete: return hlp_proto(id);
    case BPF_FUNC_setsockopt:
    case BPF_FUNC_getsockopt:
        switch (attach) {
        case BPF_CGROUP_INET4_BIND:
        case BPF_CGROUP_INET6_BIND:
        case BPF_CGROUP_INET4_CONNECT:
        case BPF_CGROUP_INET6_CONNECT:
        case BPF_CGROUP_UDP4_RECVMSG:
        case BPF_CGROUP_UDP6_RECVMSG:
        case BPF_CGROUP_UDP4_SENDMSG:
        case BPF_CGROUP_UDP6_SENDMSG:
        case BPF_CGROUP_INET4_GETPEERNAME:
        case BPF_CGROUP_INET6_GETPEERNAME:
        case BPF_CGROUP_INET4_GETSOCKNAME:
        case BPF_CGROUP_INET6_GETSOCKNAME: return hlp_proto_variant(id, "sock_addr");
        default: return NULL;
        }
    default: return pt_fp_sk_base(id, priv);
    }
}

/* cgroup_dev_func_proto */
const struct hlp_proto *pt_fp_cgroup_device(uint32_t id, int attach, int priv)
{
    const struct hlp_proto *p = cgroup_both(id, attach);

    if (p)
        return p;
    if (id == BPF_FUNC_perf_event_output)
        return PT_V(perf_event_output, "data");
    return pt_fp_base(id, priv);
}

/* sysctl_func_proto */
const struct hlp_proto *pt_fp_cgroup_sysctl(uint32_t id, int attach, int priv)
{
    const struct hlp_proto *p = cgroup_both(id, attach);

    if (p)
        return p;
    switch (id) {
    case BPF_FUNC_sysctl_get_name:
    case BPF_FUNC_sysctl_get_current_value:
    case BPF_FUNC_sysctl_get_new_value:
    case BPF_FUNC_sysctl_set_new_value:
    case BPF_FUNC_ktime_get_coarse_ns: return hlp_proto(id);
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "data");
    default: return pt_fp_base(id, priv);
    }
}

/* cg_sockopt_func_proto: socket options of the socket itself only from
 * setsockopt hooks */
const struct hlp_proto *pt_fp_cgroup_sockopt(uint32_t id, int attach, int priv)
{
    const struct hlp_proto *p = cgroup_both(id, attach);

    if (p)
        return p;
    switch (id) {
    case BPF_FUNC_get_netns_cookie: return PT_V(get_netns_cookie, "sockopt");
    case BPF_FUNC_sk_storage_get:
    case BPF_FUNC_sk_storage_delete:
    case BPF_FUNC_tcp_sock: return hlp_proto(id);
    case BPF_FUNC_setsockopt:
    case BPF_FUNC_getsockopt: return attach == BPF_CGROUP_SETSOCKOPT ? hlp_proto(id) : NULL;
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "data");
    default: return pt_fp_base(id, priv);
    }
}
