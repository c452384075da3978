/* xdp_frags.c - the fragments of a multi-buffer XDP packet as the
 * helpers use them (bpf_xdp_get_buff_len, bpf_xdp_load_bytes,
 * bpf_xdp_store_bytes, bpf_xdp_adjust_tail in helpers_xdp.c), following
 * net/core/filter.c (bpf_xdp_copy_buf, bpf_xdp_frags_increase_tail,
 * bpf_xdp_frags_shrink_tail) for the buffers the kernel's test run
 * builds: every fragment a page at offset 0, all full but the last (the
 * layout struct pt_xdp_frags of kctx.h keeps).  Shown against the kernel
 * by tests/kernel-diff/test_xdp_frags_diff.c. */
#include <errno.h>
#include <string.h>

#include "xdp_frags.h"

#define XDP_ETH_HLEN 14

static struct pt_xdp_frags *frags_of(const struct pt_xdp_kctx *x)
{
    return x->nr_frags ? (struct pt_xdp_frags *)x->frags : NULL;
}

uint32_t hlp_xdp_frags_size(const struct pt_xdp_kctx *x)
{
    const struct pt_xdp_frags *f = frags_of(x);
    return f ? f->size : 0;
}

uint32_t hlp_xdp_buff_len(const struct pt_xdp_kctx *x)
{
    return (uint32_t)(x->data_end - x->data) + hlp_xdp_frags_size(x);
}

void hlp_xdp_copy(struct pt_xdp_kctx *x, uint32_t off, uint8_t *buf, uint32_t len, int to_packet)
{
    uint32_t lin = (uint32_t)(x->data_end - x->data), n;
    uint8_t *p;

    if (off < lin) {
        n = lin - off < len ? lin - off : len;
        if (to_packet)
            memmove(x->data + off, buf, n);
        else
            memmove(buf, x->data + off, n);
        buf += n, off += n, len -= n;
    }
    if (!len)
        return;
    p = frags_of(x)->data + (off - lin);
    if (to_packet)
        memmove(p, buf, len);
    else
        memmove(buf, p, len);
}

/* bpf_xdp_frags_increase_tail: the last fragment grows into the rest of
 * its page (the test run's rxq frag_size; its fragments start at offset
 * 0), the new bytes zeroed; -EINVAL past the page. */
static int frags_grow(struct pt_xdp_frags *f, uint32_t nr, int32_t offset)
{
    uint32_t last = f->size - (nr - 1) * PT_XDP_FRAG_SIZE;
    uint32_t tailroom = PT_XDP_FRAG_SIZE - last;

    if ((uint32_t)offset > tailroom)
        return -EINVAL;
    memset(f->data + f->size, 0, (size_t)offset);
    f->size += (uint32_t)offset;
    return 0;
}

/* bpf_xdp_frags_shrink_tail(xdp, shrink): -EINVAL when shrink is more
 * than the packet less an Ethernet header (compared as int, as the
 * kernel does: the shrink of INT_MIN, -INT_MIN in two's complement, is
 * negative and changes nothing); else the fragments lose shrink bytes
 * from the end, each one emptied released, and what is left once none
 * remains comes off the linear part (the packet is linear again, the
 * kernel's frags flag cleared). */
static int frags_shrink(struct pt_xdp_kctx *x, struct pt_xdp_frags *f, int32_t shrink)
{
    int64_t len = (int64_t)hlp_xdp_buff_len(x) - XDP_ETH_HLEN;
    uint32_t cut;

    if ((int64_t)shrink > len)
        return -EINVAL;
    if (shrink <= 0)
        return 0;
    cut = (uint32_t)shrink < f->size ? (uint32_t)shrink : f->size;
    f->size -= cut;
    x->nr_frags = (f->size + PT_XDP_FRAG_SIZE - 1) / PT_XDP_FRAG_SIZE;
    if (!x->nr_frags)
        x->data_end -= (uint32_t)shrink - cut;
    return 0;
}

int hlp_xdp_frags_adjust_tail(struct pt_xdp_kctx *x, int32_t offset)
{
    struct pt_xdp_frags *f = frags_of(x);

    if (!f)
        return -EINVAL;
    if (offset < 0)
        return frags_shrink(x, f, (int32_t)(0u - (uint32_t)offset));
    /* !rxq->frag_size: a device queue other than the loopback's */
    if (x->flags & PT_XDP_F_NO_FRAG_SIZE)
        return -EOPNOTSUPP;
    return frags_grow(f, x->nr_frags, offset);
}
