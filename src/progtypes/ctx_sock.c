/* ctx_sock.c - the context rules of the socket and cgroup types:
 * cgroup_sock (struct bpf_sock), cgroup_sock_addr (struct bpf_sock_addr),
 * sock_ops (struct bpf_sock_ops), sk_msg (struct sk_msg_md), sk_lookup
 * (struct bpf_sk_lookup), cgroup_sysctl (struct bpf_sysctl),
 * cgroup_sockopt (struct bpf_sockopt), cgroup_device (struct
 * bpf_cgroup_dev_ctx); and their return-value ranges.
 *
 * Kernel behaviour matched: net/core/filter.c (bpf_sock_is_valid_access,
 * sock_filter_is_valid_access, sock_addr_, sock_ops_, sk_msg_,
 * sk_lookup_is_valid_access), kernel/bpf/cgroup.c (sysctl_,
 * cg_sockopt_, cgroup_dev_is_valid_access), kernel/bpf/verifier.c
 * (check_return_code).  bpfrt does not run these types; the rules give the
 * verifier the kernel's verdicts. */
#include "ctx.h"

#define OFF(T, f) ((uint32_t)offsetof(struct T, f))
#define END(T, f) ((uint32_t)(offsetof(struct T, f) + sizeof(((struct T *)0)->f)))
/* off in [lo, hi): one unsigned comparison (fields at offset 0 too) */
#define WITHIN(off, lo, hi) ((uint32_t)((off) - (lo)) < (uint32_t)((hi) - (lo)))
#define RANGE(off, T, f) WITHIN(off, OFF(T, f), END(T, f))
#define RANGE_TILL(off, T, f1, f2) WITHIN(off, OFF(T, f1), END(T, f2))
#define RANGE_PTR(off, T, f) WITHIN(off, OFF(T, f), OFF(T, f) + 8)

/* A 32-bit field read whole or in part (bpf_ctx_record_field_size 4 and
 * bpf_ctx_narrow_access_ok). */
static int narrow32(const struct pt_access *a, struct pt_access_res *res)
{
    return pt_narrow_ok(a->size, 4) ? pt_ok(res, PT_REG_SCALAR, a->size < 4 ? 4 : 0) : 0;
}

/* ----------------------------------------------------- cgroup_sock */

/* bpf_sock_is_valid_access: the struct bpf_sock rules. */
static int bpf_sock_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off, size = a->size;

    if (off >= sizeof(struct bpf_sock) || off % size != 0)
        return 0;
    if (off == OFF(bpf_sock, state) || off == OFF(bpf_sock, family) || off == OFF(bpf_sock, type) ||
        off == OFF(bpf_sock, protocol) || off == OFF(bpf_sock, src_port) || off == OFF(bpf_sock, rx_queue_mapping) ||
        RANGE(off, bpf_sock, src_ip4) || RANGE_TILL(off, bpf_sock, src_ip6[0], src_ip6[3]) ||
        RANGE(off, bpf_sock, dst_ip4) || RANGE_TILL(off, bpf_sock, dst_ip6[0], dst_ip6[3]))
        return narrow32(a, res);
    if (RANGE(off, bpf_sock, dst_port)) {
        /* a 16-bit port in a 32-bit word: a whole-word load, or loads of
         * the 16-bit port and its bytes */
        uint32_t field = size == 4 ? 4 : 2;
        return pt_narrow_ok(size, field) ? pt_ok(res, PT_REG_SCALAR, size < field ? field : 0) : 0;
    }
    if (off >= END(bpf_sock, dst_port) && off < OFF(bpf_sock, dst_ip4))
        return 0; /* the zero padding after dst_port */
    return size == 4 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
}

/* sock_filter_is_valid_access: the struct bpf_sock rules, then the attach
 * type's (__sock_filter_check_attach_type): bound_dev_if, mark and
 * priority readable and writable at socket creation and release only;
 * the source address and port readable after bind only; the rest
 * read-only. */
int pt_cgroup_sock_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off;
    /* The kernel fixes an unset expected attach type of cgroup_sock
     * programs up to BPF_CGROUP_INET_SOCK_CREATE
     * (bpf_prog_load_fixup_attach_type). */
    int attach = a->attach == 0 ? BPF_CGROUP_INET_SOCK_CREATE : a->attach;

    if (a->atomic || !bpf_sock_access(a, res))
        return 0;
    if (off == OFF(bpf_sock, bound_dev_if) || off == OFF(bpf_sock, mark) || off == OFF(bpf_sock, priority))
        return attach == BPF_CGROUP_INET_SOCK_CREATE || attach == BPF_CGROUP_INET_SOCK_RELEASE;
    if (RANGE(off, bpf_sock, src_ip4))
        return attach == BPF_CGROUP_INET4_POST_BIND && !a->write;
    if (RANGE_TILL(off, bpf_sock, src_ip6[0], src_ip6[3]))
        return attach == BPF_CGROUP_INET6_POST_BIND && !a->write;
    if (RANGE(off, bpf_sock, src_port))
        return (attach == BPF_CGROUP_INET4_POST_BIND || attach == BPF_CGROUP_INET6_POST_BIND) && !a->write;
    return !a->write;
}

/* ------------------------------------------------ cgroup_sock_addr */

static int attach_is(int attach, const int *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == attach)
            return 1;
    return 0;
}
#define ATTACH_IS(attach, ...)                                                                                         \
    attach_is((attach), (const int[]){__VA_ARGS__}, sizeof((int[]){__VA_ARGS__}) / sizeof(int))

/* bpf_ctx_wide_access_ok: an aligned 8-byte access inside an array of
 * 32-bit words (the IPv6 addresses). */
#define WIDE_OK(off, size, T, f) ((size) == 8 && (off) >= OFF(T, f) && (off) + 8 <= END(T, f) && (off) % 8 == 0)

/* sock_addr_is_valid_access: the IPv4 fields for IPv4 attach types, the
 * IPv6 ones for IPv6 attach types, the message source address for
 * sendmsg only; addresses and user_port read whole or in part and
 * written whole (IPv6 ones also 8 bytes at a time); sk a full socket;
 * the rest read whole. */
int pt_sock_addr_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off, size = a->size;
    int at = a->attach;

    if (a->atomic || off >= sizeof(struct bpf_sock_addr) || off % size != 0)
        return 0;
    if (RANGE(off, bpf_sock_addr, user_ip4) &&
        !ATTACH_IS(at, BPF_CGROUP_INET4_BIND, BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET4_GETPEERNAME,
                   BPF_CGROUP_INET4_GETSOCKNAME, BPF_CGROUP_UDP4_SENDMSG, BPF_CGROUP_UDP4_RECVMSG))
        return 0;
    if (RANGE_TILL(off, bpf_sock_addr, user_ip6[0], user_ip6[3]) &&
        !ATTACH_IS(at, BPF_CGROUP_INET6_BIND, BPF_CGROUP_INET6_CONNECT, BPF_CGROUP_INET6_GETPEERNAME,
                   BPF_CGROUP_INET6_GETSOCKNAME, BPF_CGROUP_UDP6_SENDMSG, BPF_CGROUP_UDP6_RECVMSG))
        return 0;
    if (RANGE(off, bpf_sock_addr, msg_src_ip4) && at != BPF_CGROUP_UDP4_SENDMSG)
        return 0;
    if (RANGE_TILL(off, bpf_sock_addr, msg_src_ip6[0], msg_src_ip6[3]) && at != BPF_CGROUP_UDP6_SENDMSG)
        return 0;

    if (RANGE(off, bpf_sock_addr, user_ip4) || RANGE_TILL(off, bpf_sock_addr, user_ip6[0], user_ip6[3]) ||
        RANGE(off, bpf_sock_addr, msg_src_ip4) || RANGE_TILL(off, bpf_sock_addr, msg_src_ip6[0], msg_src_ip6[3]) ||
        RANGE(off, bpf_sock_addr, user_port)) {
        if (WIDE_OK(off, size, bpf_sock_addr, user_ip6) || WIDE_OK(off, size, bpf_sock_addr, msg_src_ip6))
            return pt_ok(res, PT_REG_SCALAR, 0);
        if (a->write)
            return size == 4 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
        return narrow32(a, res);
    }
    if (RANGE_PTR(off, bpf_sock_addr, sk))
        return !a->write && size == 8 ? pt_ok(res, PT_REG_SOCKET, 0) : 0;
    /* user_family, family, type, protocol: read whole (not the padding
     * before sk) */
    if (off == OFF(bpf_sock_addr, user_family) || off == OFF(bpf_sock_addr, family) ||
        off == OFF(bpf_sock_addr, type) || off == OFF(bpf_sock_addr, protocol))
        return !a->write && size == 4 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
    return 0;
}

/* check_return_code for cgroup_sock_addr: recvmsg, getpeername and
 * getsockname hooks must return 1; bind hooks 0..3 (bit 1: skip the port
 * capability check); the others 0 (refuse) or 1 (allow). */
int pt_sock_addr_ret_range(int attach, int64_t *ret_min, int64_t *ret_max)
{
    *ret_min = 0;
    *ret_max = 1;
    if (ATTACH_IS(attach, BPF_CGROUP_UDP4_RECVMSG, BPF_CGROUP_UDP6_RECVMSG, PT_ATTACH_CGROUP_UNIX_RECVMSG,
                  BPF_CGROUP_INET4_GETPEERNAME, BPF_CGROUP_INET6_GETPEERNAME, PT_ATTACH_CGROUP_UNIX_GETPEERNAME,
                  BPF_CGROUP_INET4_GETSOCKNAME, BPF_CGROUP_INET6_GETSOCKNAME, PT_ATTACH_CGROUP_UNIX_GETSOCKNAME))
        *ret_min = 1;
    else if (attach == BPF_CGROUP_INET4_BIND || attach == BPF_CGROUP_INET6_BIND)
        *ret_max = 3;
    return 1;
}

int pt_ret_range_0_1(int attach, int64_t *ret_min, int64_t *ret_max)
{
    (void)attach;
    *ret_min = 0;
    *ret_max = 1;
    return 1;
}

/* -------------------------------------------------------- sock_ops */

/* sock_ops_is_valid_access: reply and sk_txhash writable (whole words);
 * the byte counters and pointers read as 64 bits; skb_tcp_flags readable
 * in part; everything else read whole.  Kernels >= 6.3 append the 64-bit
 * skb_hwtstamp after skb_tcp_flags (PT_SOCK_OPS_SIZE). */
int pt_sock_ops_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off, size = a->size;

    if (a->atomic || off >= PT_SOCK_OPS_SIZE || off % size != 0)
        return 0;
    if (a->write) {
        if (off == OFF(bpf_sock_ops, reply) || off == OFF(bpf_sock_ops, sk_txhash))
            return size == 4 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
        return 0;
    }
    if (RANGE_TILL(off, bpf_sock_ops, bytes_received, bytes_acked) || off >= PT_SOCK_OPS_HWTSTAMP)
        return size == 8 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
    if (RANGE_PTR(off, bpf_sock_ops, sk))
        return size == 8 ? pt_ok(res, PT_REG_SOCKET_OR_NULL, 0) : 0;
    if (RANGE_PTR(off, bpf_sock_ops, skb_data))
        return size == 8 ? pt_ok(res, PT_REG_PKT, 0) : 0;
    if (RANGE_PTR(off, bpf_sock_ops, skb_data_end))
        return size == 8 ? pt_ok(res, PT_REG_PKT_END, 0) : 0;
    if (off == OFF(bpf_sock_ops, skb_tcp_flags))
        return narrow32(a, res);
    return size == 4 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
}

/* ---------------------------------------------------------- sk_msg */

/* sk_msg_is_valid_access: read-only; data, data_end and sk 64-bit
 * pointers; the addresses, ports and size whole 32-bit words. */
int pt_sk_msg_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off, size = a->size;

    if (a->atomic || a->write || off % size != 0 || off >= sizeof(struct sk_msg_md))
        return 0;
    if (RANGE_PTR(off, sk_msg_md, data))
        return size == 8 ? pt_ok(res, PT_REG_PKT, 0) : 0;
    if (RANGE_PTR(off, sk_msg_md, data_end))
        return size == 8 ? pt_ok(res, PT_REG_PKT_END, 0) : 0;
    if (RANGE_PTR(off, sk_msg_md, sk))
        return size == 8 ? pt_ok(res, PT_REG_SOCKET, 0) : 0;
    /* family .. size: every other field */
    return size == 4 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
}

/* -------------------------------------------------------- sk_lookup */

/* sk_lookup_is_valid_access: read-only; sk a socket or null; the 32-bit
 * fields readable in part; remote_port a 16-bit field that may also be
 * read as a 32-bit word, and its zero padding as 16 bits. */
int pt_sk_lookup_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off, size = a->size;

    if (a->atomic || a->write || off >= sizeof(struct bpf_sk_lookup) || off % size != 0)
        return 0;
    if (RANGE_PTR(off, bpf_sk_lookup, sk))
        return size == 8 ? pt_ok(res, PT_REG_SOCKET_OR_NULL, 0) : 0;
    if (RANGE(off, bpf_sk_lookup, remote_port)) {
        if (size == 4)
            return pt_ok(res, PT_REG_SCALAR, 0);
        return pt_narrow_ok(size, 2) ? pt_ok(res, PT_REG_SCALAR, size < 2 ? 2 : 0) : 0;
    }
    if (off >= END(bpf_sk_lookup, remote_port) && off < OFF(bpf_sk_lookup, local_ip4))
        return pt_narrow_ok(size, 2) ? pt_ok(res, PT_REG_SCALAR, size < 2 ? 2 : 0) : 0;
    if (RANGE(off, bpf_sk_lookup, family) || RANGE(off, bpf_sk_lookup, protocol) ||
        RANGE(off, bpf_sk_lookup, remote_ip4) || RANGE(off, bpf_sk_lookup, local_ip4) ||
        RANGE_TILL(off, bpf_sk_lookup, remote_ip6[0], remote_ip6[3]) ||
        RANGE_TILL(off, bpf_sk_lookup, local_ip6[0], local_ip6[3]) || RANGE(off, bpf_sk_lookup, local_port) ||
        RANGE(off, bpf_sk_lookup, ingress_ifindex))
        return narrow32(a, res);
    return 0;
}

/* ---------------------------------------------------- cgroup_sysctl */

/* sysctl_is_valid_access: write readable (in part), file_pos readable in
 * part and writable whole. */
int pt_sysctl_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off, size = a->size;

    if (a->atomic || off + size > sizeof(struct bpf_sysctl) || off % size != 0)
        return 0;
    if (RANGE(off, bpf_sysctl, write))
        return a->write ? 0 : narrow32(a, res);
    if (RANGE(off, bpf_sysctl, file_pos))
        return a->write ? (size == 4 ? pt_ok(res, PT_REG_SCALAR, 0) : 0) : narrow32(a, res);
    return 0;
}

/* --------------------------------------------------- cgroup_sockopt */

/* cg_sockopt_is_valid_access: sk, optval and optval_end 64-bit pointers
 * (optval..optval_end a packet-like buffer); retval for getsockopt only,
 * level and optname writable by setsockopt only, optlen writable by
 * both; everything a whole 32-bit word. */
int pt_sockopt_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off, size = a->size;

    if (a->atomic || off >= sizeof(struct bpf_sockopt) || off % size != 0)
        return 0;
    if (a->write) {
        if (size != 4)
            return 0;
        if (off == OFF(bpf_sockopt, retval))
            return a->attach == BPF_CGROUP_GETSOCKOPT ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
        if (off == OFF(bpf_sockopt, optname) || off == OFF(bpf_sockopt, level))
            return a->attach == BPF_CGROUP_SETSOCKOPT ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
        if (off == OFF(bpf_sockopt, optlen))
            return pt_ok(res, PT_REG_SCALAR, 0);
        return 0;
    }
    if (RANGE_PTR(off, bpf_sockopt, sk))
        return size == 8 ? pt_ok(res, PT_REG_SOCKET, 0) : 0;
    if (RANGE_PTR(off, bpf_sockopt, optval))
        return size == 8 ? pt_ok(res, PT_REG_PKT, 0) : 0;
    if (RANGE_PTR(off, bpf_sockopt, optval_end))
        return size == 8 ? pt_ok(res, PT_REG_PKT_END, 0) : 0;
    if (RANGE(off, bpf_sockopt, retval))
        return size == 4 && a->attach == BPF_CGROUP_GETSOCKOPT ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
    return size == 4 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
}

/* ---------------------------------------------------- cgroup_device */

/* cgroup_dev_is_valid_access: read-only; access_type readable in part,
 * major and minor whole. */
int pt_cgroup_dev_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off, size = a->size;

    if (a->atomic || a->write || off + size > sizeof(struct bpf_cgroup_dev_ctx) || off % size != 0)
        return 0;
    if (RANGE(off, bpf_cgroup_dev_ctx, access_type))
        return narrow32(a, res);
    return size == 4 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
}
