/* helpers_skb.c - the helpers on a struct __sk_buff's packet (r1 = the
 * run-time context, struct pt_skb_kctx of kctx.h) and the checksum
 * helpers, with the kernel's semantics and errors (net/core/filter.c:
 * bpf_skb_load_bytes, bpf_skb_store_bytes, bpf_skb_pull_data,
 * bpf_csum_diff, bpf_l3_csum_replace, bpf_l4_csum_replace; the running
 * kernel decides where versions differ).
 *
 * bpfrt's test-run skb is linear (len == data_end - data for the types
 * with direct packet access), so "make the first n bytes writable"
 * (bpf_try_make_writable) succeeds when n is at most len and fails
 * otherwise, as pskb_may_pull does on a linear skb; it recomputes data_end
 * either way (bpf_compute_data_pointers).  With a CHECKSUM_COMPLETE skb
 * (BPF_F_TEST_SKB_CHECKSUM_COMPLETE) BPF_F_RECOMPUTE_CSUM and the pseudo
 * header flag keep skb->csum in step (skb_buf.h). */
#include <errno.h>
#include <string.h>

#include "csum.h"
#include "helpers.h"
#include "helpers_internal.h"
#include "kctx.h"
#include "skb_buf.h"

#ifndef BPF_F_IPV6
#define BPF_F_IPV6 (1ULL << 7) /* l4_csum_replace, Linux >= 6.16 */
#endif
#define CSUM_MANGLED_0 0xffff

/* r1 of a helper that takes the skb: the run's context, else the run
 * stops (only a program whose verifier was bypassed passes anything
 * else). */
struct pt_skb_kctx *hlp_skb_ctx(struct rt_run *run, uint64_t r1, const char *helper)
{
    if (run->ctx_kind != RT_CTX_SKB || (void *)(uintptr_t)r1 != run->ctx) {
        rt_fail(run, -EFAULT, run->err_pc, "helper bpf_%s: r1 = 0x%llx is not the program's context (struct __sk_buff)",
                helper, (unsigned long long)r1);
        return NULL;
    }
    return run->ctx;
}

/* bpf_compute_data_pointers */
static void skb_data_pointers(struct pt_skb_kctx *s)
{
    s->data_meta = s->data;
    s->data_end = s->data + (s->len - s->data_len);
}

/* bpf_try_make_writable(skb, n): 0 when the first n bytes are there
 * (pskb_may_pull), -ENOMEM when the packet is shorter. */
static int skb_make_writable(struct pt_skb_kctx *s, uint64_t n)
{
    int err = n > s->len - s->data_len ? -ENOMEM : 0;
    skb_data_pointers(s);
    return err;
}

/* bpf_skb_load_bytes(skb, offset, to, len): -EFAULT (and to cleared) for
 * an offset above INT_MAX or bytes past the packet. */
static uint64_t hlp_skb_load_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_load_bytes");
    uint32_t off = (uint32_t)r2, len = (uint32_t)r4;
    uint8_t *to = (uint8_t *)(uintptr_t)r3;
    (void)r5;

    if (!s || hlp_arg_mem(run, r3, len, 1, "skb_load_bytes", "r3 (to)"))
        return 0;
    if (off > INT32_MAX || (uint64_t)off + len > s->len - s->data_len) {
        memset(to, 0, len);
        return (uint64_t)(int64_t)-EFAULT;
    }
    memcpy(to, s->data + off, len);
    return 0;
}

/* bpf_skb_store_bytes(skb, offset, from, len, flags): -EINVAL for flags
 * other than BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH, -EFAULT for an
 * offset above INT_MAX or bytes past the packet. */
static uint64_t hlp_skb_store_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                    struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_store_bytes");
    uint32_t off = (uint32_t)r2, len = (uint32_t)r4;

    if (!s || hlp_arg_mem(run, r3, len, 0, "skb_store_bytes", "r3 (from)"))
        return 0;
    if (r5 & ~(uint64_t)(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH))
        return (uint64_t)(int64_t)-EINVAL;
    if (off > INT32_MAX)
        return (uint64_t)(int64_t)-EFAULT;
    if (skb_make_writable(s, (uint64_t)off + len))
        return (uint64_t)(int64_t)-EFAULT;
    if (r5 & BPF_F_RECOMPUTE_CSUM) /* __skb_postpull_rcsum: a CHECKSUM_COMPLETE sum loses the old bytes */
        hlp_skb_rcsum_block(s, s->data + off, len, off, 0);
    memmove(s->data + off, (const void *)(uintptr_t)r3, len);
    if (r5 & BPF_F_RECOMPUTE_CSUM) /* __skb_postpush_rcsum: and gains the new ones */
        hlp_skb_rcsum_block(s, s->data + off, len, off, 1);
    if (r5 & BPF_F_INVALIDATE_HASH) {
        s->hash = 0; /* skb_clear_hash */
        s->meta.sw_hash = s->meta.l4_hash = 0;
    }
    return 0;
}

/* bpf_skb_pull_data(skb, len): the first len bytes (0: the linear part)
 * made writable; -ENOMEM past the packet. */
static uint64_t hlp_skb_pull_data(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_pull_data");
    uint32_t len = (uint32_t)r2;
    (void)r3, (void)r4, (void)r5;

    if (!s)
        return 0;
    return (uint64_t)(int64_t)skb_make_writable(s, len ? len : s->len - s->data_len);
}

/* bpf_csum_diff(from, from_size, to, to_size, seed): the 6.13+ helper:
 * the sum of to minus the sum of from, folded to 16 bits without
 * complement.  Sizes need not be multiples of 4 any more (the running
 * kernel sums 6 bytes as csum_partial does); together at most 512 bytes
 * (the old scratch buffer's size, -EINVAL beyond). */
static uint64_t hlp_csum_diff(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    uint32_t from_size = (uint32_t)r2, to_size = (uint32_t)r4, ret = (uint32_t)r5;
    const void *from = (const void *)(uintptr_t)r1, *to = (const void *)(uintptr_t)r3;

    if ((uint64_t)from_size + to_size > 512)
        return (uint64_t)(int64_t)-EINVAL;
    if (hlp_arg_mem(run, r1, from_size, 0, "csum_diff", "r1 (from)") ||
        hlp_arg_mem(run, r3, to_size, 0, "csum_diff", "r3 (to)"))
        return 0;
    if (from_size && to_size)
        ret = cs_sub(cs_partial(to, to_size, ret), cs_partial(from, from_size, 0));
    else if (to_size)
        ret = cs_partial(to, to_size, ret);
    else if (from_size)
        ret = ~cs_partial(from, from_size, ~ret);
    return cs_from32to16(ret);
}

/* The 16-bit checksum field at offset of the packet, for l3/l4_csum_replace:
 * -EFAULT for an odd offset, one above 0xffff, or past the packet. */
static uint8_t *csum_field(struct pt_skb_kctx *s, uint32_t off, int *err)
{
    *err = 0;
    if (off > 0xffff || (off & 1)) {
        *err = -EFAULT;
        return NULL;
    }
    if (skb_make_writable(s, (uint64_t)off + 2)) {
        *err = -EFAULT;
        return NULL;
    }
    return s->data + off;
}

static uint16_t ld16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static void st16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

/* bpf_l3_csum_replace(skb, offset, from, to, flags): the checksum at
 * offset updated for a field changing from `from` to `to` (flags & 0xf:
 * its size, 2 or 4; 0: `to` is a checksum difference, from must be 0).
 * -EINVAL for other flags or sizes. */
static uint64_t hlp_l3_csum_replace(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                    struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "l3_csum_replace");
    uint8_t *ptr;
    uint16_t sum;
    int err;

    if (!s)
        return 0;
    if (r5 & ~(uint64_t)BPF_F_HDR_FIELD_MASK)
        return (uint64_t)(int64_t)-EINVAL;
    ptr = csum_field(s, (uint32_t)r2, &err);
    if (!ptr)
        return (uint64_t)(int64_t)err;
    sum = ld16(ptr);
    switch (r5 & BPF_F_HDR_FIELD_MASK) {
    case 0: /* csum_replace_by_diff */
        if (r3)
            return (uint64_t)(int64_t)-EINVAL;
        st16(ptr, cs_fold(cs_add((uint32_t)r4, ~(uint32_t)sum)));
        break;
    case 2: /* csum_replace2 */
        st16(ptr, (uint16_t)~cs16_add(cs16_add((uint16_t)~sum, (uint16_t)~(uint16_t)r3), (uint16_t)r4));
        break;
    case 4: /* csum_replace4 */
        st16(ptr, cs_fold(cs_add(cs_sub(~(uint32_t)sum, (uint32_t)r3), (uint32_t)r4)));
        break;
    default: return (uint64_t)(int64_t)-EINVAL;
    }
    return 0;
}

/* bpf_l4_csum_replace(skb, offset, from, to, flags): as l3 through the
 * kernel's inet_proto_csum_replace* (the skb is not CHECKSUM_PARTIAL in a
 * test run); BPF_F_MARK_MANGLED_0: a zero checksum is left alone (unless
 * BPF_F_MARK_ENFORCE) and a result of zero is stored as 0xffff. */
static uint64_t hlp_l4_csum_replace(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                    struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "l4_csum_replace");
    int mmzero = !!(r5 & BPF_F_MARK_MANGLED_0), mforce = !!(r5 & BPF_F_MARK_ENFORCE);
    uint32_t diff[2];
    uint8_t *ptr;
    uint16_t sum;
    int err;

    if (!s)
        return 0;
    if (r5 & ~(uint64_t)(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK |
                         BPF_F_IPV6))
        return (uint64_t)(int64_t)-EINVAL;
    ptr = csum_field(s, (uint32_t)r2, &err);
    if (!ptr)
        return (uint64_t)(int64_t)err;
    sum = ld16(ptr);
    if (mmzero && !mforce && !sum)
        return 0;
    switch (r5 & BPF_F_HDR_FIELD_MASK) {
    case 0: /* inet_proto_csum_replace_by_diff */
        if (r3)
            return (uint64_t)(int64_t)-EINVAL;
        sum = cs_fold(cs_add((uint32_t)r4, ~(uint32_t)sum));
        if (s->ip_summed == PT_SKB_CSUM_COMPLETE && (r5 & BPF_F_PSEUDO_HDR) && !(r5 & BPF_F_IPV6))
            s->csum = ~cs_sub((uint32_t)r4, s->csum);
        break;
    case 2: /* inet_proto_csum_replace2: the 16-bit values widened */
    case 4: /* inet_proto_csum_replace4 */
        if ((r5 & BPF_F_HDR_FIELD_MASK) == 2) {
            diff[0] = ~(uint32_t)(uint16_t)r3;
            diff[1] = (uint16_t)r4;
        } else {
            diff[0] = ~(uint32_t)r3;
            diff[1] = (uint32_t)r4;
        }
        sum = cs_fold(cs_partial(diff, sizeof(diff), ~(uint32_t)sum));
        if (s->ip_summed == PT_SKB_CSUM_COMPLETE && (r5 & BPF_F_PSEUDO_HDR)) /* skb->csum has no pseudo header */
            s->csum = ~cs_partial(diff, sizeof(diff), ~s->csum);
        break;
    default: return (uint64_t)(int64_t)-EINVAL;
    }
    if (mmzero && !sum)
        sum = CSUM_MANGLED_0;
    st16(ptr, sum);
    return 0;
}

static const struct hlp_desc hlp_skb_table[] = {
    {BPF_FUNC_skb_load_bytes, "skb_load_bytes", hlp_skb_load_bytes, 0},
    {BPF_FUNC_skb_store_bytes, "skb_store_bytes", hlp_skb_store_bytes, 0},
    {BPF_FUNC_skb_pull_data, "skb_pull_data", hlp_skb_pull_data, 0},
    {BPF_FUNC_csum_diff, "csum_diff", hlp_csum_diff, 0},
    {BPF_FUNC_l3_csum_replace, "l3_csum_replace", hlp_l3_csum_replace, 0},
    {BPF_FUNC_l4_csum_replace, "l4_csum_replace", hlp_l4_csum_replace, 0},
};
HLP_TABLE(hlp_skb_tab, hlp_skb_table);
