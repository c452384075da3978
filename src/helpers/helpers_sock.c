/* helpers_sock.c - the helpers on a socket pointer that reach the socket
 * of an skb test run (__sk_buff.sk: the UAPI struct bpf_sock the run side
 * builds, kctx.h), as net/core/filter.c has them: bpf_sk_fullsock (the
 * socket itself unless it is a time-wait or request socket),
 * bpf_tcp_sock (a full TCP socket's tcp_sock view, else NULL) and
 * bpf_get_listener_sock (a full socket in TCP_LISTEN, else NULL);
 * bpf_get_socket_uid on the skb (its socket's owner).  The
 * run's socket is neither TCP nor listening (the kernel's test run
 * socket: tests/kernel-diff/test_skb_ctx_diff.c test_run_socket); a
 * socket of another origin fails the run with a message. */
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "helpers.h"
#include "helpers_internal.h"
#include "kctx.h"

/* r1 as the run's socket, or NULL with the run failed. */
static struct bpf_sock *run_sock(struct rt_run *run, uint64_t r1, const char *helper)
{
    const struct pt_skb_kctx *s = run->ctx_kind == RT_CTX_SKB ? run->ctx : NULL;

    if (!s || !s->sk || (void *)(uintptr_t)r1 != s->sk) {
        rt_fail(run, -EFAULT, run->err_pc, "helper bpf_%s: r1 = 0x%llx is not the socket of the skb (__sk_buff.sk)",
                helper, (unsigned long long)r1);
        return NULL;
    }
    return s->sk;
}

/* sk_fullsock: (1 << sk_state) & ~(TCPF_TIME_WAIT | TCPF_NEW_SYN_RECV) */
static int full_sock(const struct bpf_sock *sk)
{
    return sk->state != BPF_TCP_TIME_WAIT && sk->state != BPF_TCP_NEW_SYN_RECV;
}

static uint64_t hlp_sk_fullsock(uint64_t r1, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct bpf_sock *sk = run_sock(run, r1, "sk_fullsock");
    (void)b, (void)c, (void)d, (void)e;

    return sk && full_sock(sk) ? r1 : 0;
}

static uint64_t hlp_tcp_sock(uint64_t r1, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct bpf_sock *sk = run_sock(run, r1, "tcp_sock");
    (void)b, (void)c, (void)d, (void)e;

    if (!sk || !full_sock(sk) || sk->protocol != IPPROTO_TCP)
        return 0;
    rt_fail(run, -EOPNOTSUPP, run->err_pc, "helper bpf_tcp_sock: bpfrt has no struct bpf_tcp_sock view of a TCP socket");
    return 0;
}

static uint64_t hlp_get_listener_sock(uint64_t r1, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                      struct rt_run *run)
{
    struct bpf_sock *sk = run_sock(run, r1, "get_listener_sock");
    (void)b, (void)c, (void)d, (void)e;

    /* sk_to_full_sk, then a listener that the RCU frees (every TCP one) */
    return sk && full_sock(sk) && sk->state == BPF_TCP_LISTEN && sk->protocol == IPPROTO_TCP ? r1 : 0;
}

/* bpf_get_socket_uid(skb): the owner of the skb's full socket
 * (sock_net_uid), overflowuid (65534) without one.  The test run's socket
 * has no struct socket: sock_init_data gives it uid 0. */
static uint64_t hlp_get_socket_uid(uint64_t r1, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "get_socket_uid");
    (void)b, (void)c, (void)d, (void)e;

    if (!s)
        return 0;
    if (!s->sk || !full_sock(s->sk))
        return 65534; /* overflowuid */
    return 0;
}

static const struct hlp_desc hlp_sock_table[] = {
    {BPF_FUNC_get_socket_uid, "get_socket_uid", hlp_get_socket_uid, 0},
    {BPF_FUNC_sk_fullsock, "sk_fullsock", hlp_sk_fullsock, 0},
    {BPF_FUNC_tcp_sock, "tcp_sock", hlp_tcp_sock, 0},
    {BPF_FUNC_get_listener_sock, "get_listener_sock", hlp_get_listener_sock, 0},
};
HLP_TABLE(hlp_sock_tab, hlp_sock_table);
