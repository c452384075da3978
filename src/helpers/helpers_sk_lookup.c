/* helpers_sk_lookup.c - the socket lookups of tc and XDP programs
 * (bpf_sk_lookup_tcp, bpf_sk_lookup_udp, bpf_skc_lookup_tcp; the XDP
 * flavours share the ids), as net/core/filter.c's __bpf_skc_lookup
 * answers them in a test run.
 *
 * bpfrt's test run has no sockets besides the run's own (which no lookup
 * finds: it is bound to nothing), as a kernel test run in a network
 * namespace of its own: every lookup finds none and returns NULL, after
 * checking the tuple size (neither struct bpf_sock_tuple's ipv4 nor ipv6
 * part: NULL), the flags (any: NULL) and the netns id (another namespace
 * than the caller's: none is known, NULL).  The kernel's answer is the
 * same on a host where nothing listens on the looked-up tuple; the
 * references the verifier tracks are never taken, so bpf_sk_release has
 * nothing to release.  Tests: tests/kernel-diff/test_skb_tun_diff.c,
 * tests/kernel-diff/test_selftests_run_diff.c
 * (test_sk_lookup_kern.c, test_tcp_check_syncookie_kern.c). */
#include <errno.h>
#include <linux/bpf.h>

#include "helpers.h"
#include "helpers_internal.h"
#include "kctx.h"

/* r1 must be the run's context (tc: the skb, XDP: the xdp_md), r2 the
 * tuple of r3 bytes. */
static uint64_t lookup(uint64_t r1, uint64_t tuple, uint64_t len, struct rt_run *run, const char *helper)
{
    if (!run->ctx || (void *)(uintptr_t)r1 != run->ctx) {
        rt_fail(run, -EFAULT, run->err_pc, "helper bpf_%s: r1 = 0x%llx is not the program's context", helper,
                (unsigned long long)r1);
        return 0;
    }
    hlp_arg_mem(run, tuple, len, 0, helper, "r2 (tuple)");
    return 0;
}

static uint64_t hlp_sk_lookup_tcp(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t netns, uint64_t flags,
                                  struct rt_run *run)
{
    (void)netns, (void)flags;
    return lookup(r1, r2, r3, run, "sk_lookup_tcp");
}

static uint64_t hlp_sk_lookup_udp(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t netns, uint64_t flags,
                                  struct rt_run *run)
{
    (void)netns, (void)flags;
    return lookup(r1, r2, r3, run, "sk_lookup_udp");
}

static uint64_t hlp_skc_lookup_tcp(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t netns, uint64_t flags,
                                   struct rt_run *run)
{
    (void)netns, (void)flags;
    return lookup(r1, r2, r3, run, "skc_lookup_tcp");
}

static const struct hlp_desc hlp_sk_lookup_table[] = {
    {BPF_FUNC_sk_lookup_tcp, "sk_lookup_tcp", hlp_sk_lookup_tcp, 0},
    {BPF_FUNC_sk_lookup_udp, "sk_lookup_udp", hlp_sk_lookup_udp, 0},
    {BPF_FUNC_skc_lookup_tcp, "skc_lookup_tcp", hlp_skc_lookup_tcp, 0},
};
HLP_TABLE(hlp_sk_lookup_tab, hlp_sk_lookup_table);
