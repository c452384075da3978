/* helpers_skb_meta.c - what an skb carries besides its bytes, as the
 * kernel's helpers give it in a test run (net/core/filter.c;
 * net/bpf/test_run.c builds the skb: a dummy socket of the calling task,
 * no route, no tunnel; the running kernel decides where versions differ):
 *
 *   bpf_get_socket_cookie(skb)   the test run's socket's cookie
 *   bpf_skb_cgroup_id(skb)       the cgroup v2 of that socket: the caller's
 *   bpf_skb_ancestor_cgroup_id(skb, level)  its ancestor at level
 *   bpf_get_cgroup_classid(skb)  the calling task's net_cls classid
 *   bpf_get_route_realm(skb)     the route's realm: 0 (no route)
 *   bpf_skb_get_tunnel_key / bpf_skb_set_tunnel_key  the tunnel metadata
 *
 * Tests: tests/kernel-diff/test_net_helpers_diff.c (ancestors:
 * test_skb_tun_diff.c) against the running
 * kernel; tests/unit/test_net_helpers.c. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "helpers_internal.h"
#include "kctx.h"

#define ERR(e) ((uint64_t)(int64_t)(e))

/* ------------------------------------------------------- socket cookie */

/* bpf_get_socket_cookie(skb): the test run's socket gets a cookie the
 * first time one is asked for (__sock_gen_cookie), from a counter that
 * only grows; the same socket keeps it (every repeat of one test run).
 * The kernel's counter is the host's, shared with every socket made since
 * boot, so its values cannot be matched: bpfrt's count from 1 in each
 * process.  Never 0 (the kernel's 0 means "no socket"). */
static uint64_t cookie_next;

static uint64_t hlp_get_socket_cookie(uint64_t r1, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "get_socket_cookie");
    (void)b, (void)c, (void)d, (void)e;

    if (!s)
        return 0;
    if (!s->meta.sk_cookie)
        s->meta.sk_cookie = __atomic_add_fetch(&cookie_next, 1, __ATOMIC_RELAXED);
    return s->meta.sk_cookie;
}

/* ------------------------------------------------------------ cgroups */

/* The path after "PREFIX:" of the line of /proc/self/cgroup whose
 * controllers field matches want (exactly, or as one of a comma list; ""
 * for the cgroup v2 line "0::PATH").  0 with path set, or -1. */
static int self_cgroup_path(const char *want, char *path, size_t size)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[PATH_MAX + 64];
    int rc = -1;

    if (!f)
        return -1;
    while (rc && fgets(line, sizeof(line), f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *tok, *save = NULL;
        if (!c2)
            continue;
        *c2 = 0;
        line[strcspn(line, "\n")] = 0;
        c2[1 + strcspn(c2 + 1, "\n")] = 0;
        if (!*want) {
            if (c1[1] == 0 && !strncmp(line, "0:", 2))
                rc = 0;
        } else {
            for (tok = strtok_r(c1 + 1, ",", &save); tok && rc; tok = strtok_r(NULL, ",", &save))
                if (!strcmp(tok, want))
                    rc = 0;
        }
        if (!rc && (size_t)snprintf(path, size, "%s", c2 + 1) >= size)
            rc = -1;
    }
    fclose(f);
    return rc;
}

/* The mount point of a cgroup hierarchy: the cgroup2 one (want ""), or
 * the v1 one with controller want among its options.  0, or -1. */
static int cgroup_mount(const char *want, char *mnt, size_t size)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[PATH_MAX * 2];
    int rc = -1;

    if (!f)
        return -1;
    while (rc && fgets(line, sizeof(line), f)) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [FIELDS] - FSTYPE SOURCE SUPEROPTS */
        char root[PATH_MAX], point[PATH_MAX], fstype[64], super[512];
        char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
            sscanf(dash + 3, "%63s %*s %511s", fstype, super) != 2)
            continue;
        if (!*want) {
            if (!strcmp(fstype, "cgroup2"))
                rc = 0;
        } else if (!strcmp(fstype, "cgroup")) {
            char *tok, *save = NULL;
            for (tok = strtok_r(super, ",", &save); tok && rc; tok = strtok_r(NULL, ",", &save))
                if (!strcmp(tok, want))
                    rc = 0;
        }
        if (!rc && (size_t)snprintf(mnt, size, "%s", point) >= size)
            rc = -1;
    }
    fclose(f);
    return rc;
}

static uint64_t cgroup_id, cgroup_classid;
static pthread_once_t cgroup_once = PTHREAD_ONCE_INIT;
/* The cgroup2 mount point and the caller's path under it ("" each when
 * cgroup2 is not mounted), for bpf_skb_ancestor_cgroup_id. */
static char cgroup2_mnt[PATH_MAX], cgroup2_path[PATH_MAX];

/* Read once per process: the id of the caller's cgroup v2 (the inode of
 * its directory in the cgroup2 file system, which is what cgroup_id()
 * gives; 1, the root's, when cgroup2 is not mounted: every task is then
 * in the default hierarchy's root) and its net_cls classid (0: no net_cls
 * hierarchy, the root's classid). */
static void cgroup_init(void)
{
    char mnt[PATH_MAX], path[PATH_MAX], full[PATH_MAX * 2 + 32];
    struct stat st;
    FILE *f;

    cgroup_id = 1;
    if (!cgroup_mount("", mnt, sizeof(mnt)) && !self_cgroup_path("", path, sizeof(path))) {
        snprintf(full, sizeof(full), "%s%s", mnt, path);
        if (!stat(full, &st)) {
            cgroup_id = st.st_ino;
            snprintf(cgroup2_mnt, sizeof(cgroup2_mnt), "%s", mnt);
            snprintf(cgroup2_path, sizeof(cgroup2_path), "%s", strcmp(path, "/") ? path : "");
        }
    }
    cgroup_classid = 0;
    if (!cgroup_mount("net_cls", mnt, sizeof(mnt)) && !self_cgroup_path("net_cls", path, sizeof(path))) {
        snprintf(full, sizeof(full), "%s%s/net_cls.classid", mnt, path);
        f = fopen(full, "r");
        if (f) {
            unsigned long long v;
            if (fscanf(f, "%llu", &v) == 1)
                cgroup_classid = (uint32_t)v;
            fclose(f);
        }
    }
}

/* bpf_skb_cgroup_id(skb): the cgroup v2 id of the skb's full socket
 * (__bpf_sk_cgroup_id); the test run's socket was made by the calling
 * task (sk_alloc -> cgroup_sk_alloc), so its cgroup is the caller's. */
static uint64_t hlp_skb_cgroup_id(uint64_t r1, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    (void)b, (void)c, (void)d, (void)e;
    if (!hlp_skb_ctx(run, r1, "skb_cgroup_id"))
        return 0;
    pthread_once(&cgroup_once, cgroup_init);
    return cgroup_id;
}

/* bpf_skb_ancestor_cgroup_id(skb, level): the id of the ancestor at
 * level (0: the root, id 1) of the skb's socket's cgroup v2, the caller's
 * (__bpf_sk_ancestor_cgroup_id, cgroup_ancestor); 0 for a level below
 * that cgroup's own.  Without cgroup2 every task is in the root: level 0
 * gives 1, any other 0. */
static uint64_t hlp_skb_ancestor_cgroup_id(uint64_t r1, uint64_t level, uint64_t c, uint64_t d, uint64_t e,
                                           struct rt_run *run)
{
    char full[PATH_MAX * 2 + 8];
    const char *p;
    int32_t want = (int32_t)level;
    int depth = 0;
    struct stat st;
    (void)c, (void)d, (void)e;

    if (!hlp_skb_ctx(run, r1, "skb_ancestor_cgroup_id"))
        return 0;
    pthread_once(&cgroup_once, cgroup_init);
    if (want < 0)
        return 0;
    if (want == 0)
        return 1;
    /* the path's first `want` components, if it has that many */
    for (p = cgroup2_path; *p; p++) {
        if (*p == '/' && p[1] && ++depth == want + 1)
            break;
    }
    if (depth < want)
        return 0;
    snprintf(full, sizeof(full), "%s%.*s", cgroup2_mnt, (int)(p - cgroup2_path), cgroup2_path);
    return stat(full, &st) ? 0 : (uint64_t)st.st_ino;
}

/* bpf_get_cgroup_classid(skb): task_get_classid: outside softirq (a test
 * run) the calling task's net_cls classid. */
static uint64_t hlp_get_cgroup_classid(uint64_t r1, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                       struct rt_run *run)
{
    (void)b, (void)c, (void)d, (void)e;
    if (!hlp_skb_ctx(run, r1, "get_cgroup_classid"))
        return 0;
    pthread_once(&cgroup_once, cgroup_init);
    return cgroup_classid;
}

/* bpf_get_route_realm(skb): dst_tclassid, the realm of the skb's route; a
 * test run's skb has no route (and a tunnel key's metadata dst has realm
 * 0). */
static uint64_t hlp_get_route_realm(uint64_t r1, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    (void)b, (void)c, (void)d, (void)e;
    hlp_skb_ctx(run, r1, "get_route_realm");
    return 0;
}

/* -------------------------------------------------------- tunnel keys */

#ifndef BPF_F_NO_TUNNEL_KEY
#define BPF_F_NO_TUNNEL_KEY (1ULL << 4) /* set_tunnel_key, Linux >= 6.3 */
#endif
/* The kernel's TUNNEL_* flags (include/net/ip_tunnels.h), as the UAPI's
 * __be16 tunnel_flags carries them */
#define TUN_CSUM 0x0001
#define TUN_KEY 0x0004
#define TUN_SEQ 0x0008
#define TUN_DONT_FRAGMENT 0x0100
#define TUN_NOCACHE 0x2000
#define KEY_SIZE ((uint32_t)sizeof(struct bpf_tunnel_key))
#define OFF(f) ((uint32_t)offsetof(struct bpf_tunnel_key, f))

static uint16_t be16(uint16_t v)
{
    return (uint16_t)(v << 8 | v >> 8);
}

static uint32_t be32(uint32_t v)
{
    return __builtin_bswap32(v);
}

/* bpf_skb_get_tunnel_key(skb, to, size, flags): -EINVAL (to cleared)
 * without tunnel metadata or for flags other than BPF_F_TUNINFO_IPV6 |
 * BPF_F_TUNINFO_FLAGS; -EPROTO when the metadata is of the other family;
 * the old layouts' sizes (up to tunnel_ext, tunnel_label, local_ipv4; up to
 * remote_ipv6[1] for IPv4 only) are filled partly, other sizes -EINVAL.
 * The remote address is the metadata's source, the local its destination
 * (a received packet's view). */
static uint64_t hlp_skb_get_tunnel_key(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t flags, uint64_t e,
                                       struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_get_tunnel_key");
    uint32_t size = (uint32_t)r3;
    uint8_t *to = (uint8_t *)(uintptr_t)r2;
    struct bpf_tunnel_key k;
    const struct pt_skb_tunnel *t;
    int err = -EINVAL;
    (void)e;

    if (!s || hlp_arg_mem(run, r2, size, 1, "skb_get_tunnel_key", "r2 (to)"))
        return 0;
    t = &s->meta.tunnel;
    if (!s->meta.has_tunnel || (flags & ~(uint64_t)(BPF_F_TUNINFO_IPV6 | BPF_F_TUNINFO_FLAGS)))
        goto clear;
    if (t->ipv6 != !!(flags & BPF_F_TUNINFO_IPV6)) {
        err = -EPROTO;
        goto clear;
    }
    if (size != KEY_SIZE && size != OFF(local_ipv6) && size != OFF(tunnel_label) && size != OFF(tunnel_ext) &&
        !(size == OFF(remote_ipv6[1]) && !t->ipv6)) {
        err = -EINVAL;
        goto clear;
    }
    memset(&k, 0, sizeof(k));
    k.tunnel_id = (uint32_t)t->tun_id;
    k.tunnel_tos = t->tos;
    k.tunnel_ttl = t->ttl;
    k.tunnel_ext = (flags & BPF_F_TUNINFO_FLAGS) ? be16(t->tun_flags) : 0;
    if (flags & BPF_F_TUNINFO_IPV6) {
        memcpy(k.remote_ipv6, t->src, 16);
        memcpy(k.local_ipv6, t->dst, 16);
        k.tunnel_label = be32(t->label);
    } else {
        k.remote_ipv4 = be32(t->src[0]);
        k.local_ipv4 = be32(t->dst[0]);
    }
    /* a short (old) layout gets its part; the full one every byte the
     * kernel writes (the padding after tunnel_ttl... is a field) */
    memcpy(to, &k, size);
    return 0;
clear:
    memset(to, 0, size);
    return ERR(err);
}

/* bpf_skb_set_tunnel_key(skb, from, size, flags): -EINVAL for unknown
 * flags, a size that is no layout of the struct, a tunnel_label without
 * BPF_F_TUNINFO_IPV6, or a tunnel_ext; else the skb gets the metadata
 * (the kernel's per-CPU metadata dst): TUNNEL_KEY | TUNNEL_CSUM |
 * TUNNEL_NOCACHE, less TUNNEL_CSUM for BPF_F_ZERO_CSUM_TX and TUNNEL_KEY
 * for BPF_F_NO_TUNNEL_KEY, plus TUNNEL_DONT_FRAGMENT, TUNNEL_SEQ. */
static uint64_t hlp_skb_set_tunnel_key(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t flags, uint64_t e,
                                       struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_set_tunnel_key");
    uint32_t size = (uint32_t)r3;
    struct bpf_tunnel_key k;
    struct pt_skb_tunnel *t;
    (void)e;

    if (!s || hlp_arg_mem(run, r2, size, 0, "skb_set_tunnel_key", "r2 (from)"))
        return 0;
    if (flags & ~(uint64_t)(BPF_F_TUNINFO_IPV6 | BPF_F_ZERO_CSUM_TX | BPF_F_DONT_FRAGMENT | BPF_F_SEQ_NUMBER |
                            BPF_F_NO_TUNNEL_KEY))
        return ERR(-EINVAL);
    if (size != KEY_SIZE && size != OFF(local_ipv6) && size != OFF(tunnel_label) && size != OFF(tunnel_ext) &&
        size != OFF(remote_ipv6[1]))
        return ERR(-EINVAL);
    memset(&k, 0, sizeof(k));
    memcpy(&k, (const void *)(uintptr_t)r2, size);
    if ((!(flags & BPF_F_TUNINFO_IPV6) && k.tunnel_label) || k.tunnel_ext)
        return ERR(-EINVAL);
    t = &s->meta.tunnel;
    memset(t, 0, sizeof(*t));
    s->meta.has_tunnel = 1;
    t->tun_flags = TUN_KEY | TUN_CSUM | TUN_NOCACHE;
    if (flags & BPF_F_DONT_FRAGMENT)
        t->tun_flags |= TUN_DONT_FRAGMENT;
    if (flags & BPF_F_ZERO_CSUM_TX)
        t->tun_flags &= (uint16_t)~TUN_CSUM;
    if (flags & BPF_F_SEQ_NUMBER)
        t->tun_flags |= TUN_SEQ;
    if (flags & BPF_F_NO_TUNNEL_KEY)
        t->tun_flags &= (uint16_t)~TUN_KEY;
    t->tun_id = k.tunnel_id;
    t->tos = k.tunnel_tos;
    t->ttl = k.tunnel_ttl;
    if (flags & BPF_F_TUNINFO_IPV6) {
        t->ipv6 = 1;
        memcpy(t->dst, k.remote_ipv6, 16);
        memcpy(t->src, k.local_ipv6, 16);
        t->label = be32(k.tunnel_label) & be32(0x000fffff); /* IPV6_FLOWLABEL_MASK */
    } else {
        t->dst[0] = be32(k.remote_ipv4);
        t->src[0] = be32(k.local_ipv4);
    }
    return 0;
}

static const struct hlp_desc hlp_skb_meta_table[] = {
    {BPF_FUNC_get_socket_cookie, "get_socket_cookie", hlp_get_socket_cookie, 0},
    {BPF_FUNC_skb_cgroup_id, "skb_cgroup_id", hlp_skb_cgroup_id, 0},
    {BPF_FUNC_skb_ancestor_cgroup_id, "skb_ancestor_cgroup_id", hlp_skb_ancestor_cgroup_id, 0},
    {BPF_FUNC_get_cgroup_classid, "get_cgroup_classid", hlp_get_cgroup_classid, 0},
    {BPF_FUNC_get_route_realm, "get_route_realm", hlp_get_route_realm, 0},
    {BPF_FUNC_skb_get_tunnel_key, "skb_get_tunnel_key", hlp_skb_get_tunnel_key, 0},
    {BPF_FUNC_skb_set_tunnel_key, "skb_set_tunnel_key", hlp_skb_set_tunnel_key, 0},
};
HLP_TABLE(hlp_skb_meta_tab, hlp_skb_meta_table);
