/* helpers_skb_buf.c - the test-run skb's buffer for the helpers that
 * move packet data (skb_buf.h): room made as the kernel makes it
 * (include/linux/skbuff.h: __skb_cow, __skb_grow; net/core/skbuff.c:
 * pskb_expand_head, skb_headers_offset_update; net/core/filter.c:
 * bpf_skb_generic_push, bpf_skb_generic_pop, bpf_compute_data_pointers).
 *
 * A larger buffer replaces the old one (the kernel's kmalloc'd head
 * does the same): the bytes from head to the tail are copied nhead bytes
 * further in, the header offsets move by nhead in u16 arithmetic (the
 * unset transport header too, as skb_headers_offset_update does, so it
 * reads as set afterwards: after bpf_skb_adjust_room grew the buffer,
 * bpf_skb_change_tail refuses lengths below that "transport header",
 * tests/kernel-diff/test_skb_helpers_diff.c and
 * tests/unit/test_skb_helpers.c show the kernel doing so), and a
 * checked run's packet region follows the buffer. */
#include <errno.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "skb_buf.h"

#define NET_SKB_PAD 64u        /* max(32, L1_CACHE_BYTES) on x86-64 */
#define SHINFO_ROOM 320u       /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define KMALLOC_MAX (4u << 20) /* KMALLOC_MAX_SIZE: 1 << (MAX_PAGE_ORDER + PAGE_SHIFT) */

void hlp_skb_sync(struct rt_run *run, struct pt_skb_kctx *s)
{
    s->data_meta = s->data;
    s->data_end = s->data + hlp_skb_headlen(s);
    if (run->ctx_kind == RT_CTX_SKB && run->ctx == s) {
        run->pkt = s->data;
        run->pkt_len = hlp_skb_headlen(s);
    }
}

/* What kmalloc hands out for n bytes (its size classes, then whole
 * pages): the kernel's skb end is that size less SHINFO_ROOM. */
static uint64_t alloc_size(uint64_t n)
{
    uint64_t c = 64;

    if (n > 8192)
        return (n + 4095) & ~(uint64_t)4095;
    if (n > 64 && n <= 96)
        return 96;
    if (n > 128 && n <= 192)
        return 192;
    while (c < n)
        c <<= 1;
    return c;
}

/* pskb_expand_head(skb, nhead, ntail) */
static int skb_expand(struct rt_run *run, struct pt_skb_kctx *s, uint64_t nhead, uint64_t ntail)
{
    uint64_t osize = (uint64_t)(s->end - s->head), size, cap;
    uint32_t tail = (uint32_t)(s->data - s->head) + hlp_skb_headlen(s);
    uint8_t *nb, *old = s->head;

    size = (osize + nhead + ntail + 63) & ~(uint64_t)63; /* SKB_DATA_ALIGN */
    if (size + SHINFO_ROOM > KMALLOC_MAX)
        return -ENOMEM;
    cap = alloc_size(size + SHINFO_ROOM);
    nb = calloc(1, cap);
    if (!nb)
        return -ENOMEM;
    memcpy(nb + nhead, old, tail);
    /* skb_headers_offset_update */
    s->transport_header = (uint16_t)(s->transport_header + nhead);
    s->network_header = (uint16_t)(s->network_header + nhead);
    if (s->mac_header != PT_SKB_HDR_UNSET)
        s->mac_header = (uint16_t)(s->mac_header + nhead);
    s->data = nb + nhead + (s->data - old);
    s->head = nb;
    s->end = nb + cap - SHINFO_ROOM;
    /* the checked run's packet region (src/progtypes/testrun.c) */
    for (unsigned i = 0; i < run->nregions; i++)
        if (run->regions[i].start == (uint64_t)(uintptr_t)old && run->regions[i].name &&
            !strcmp(run->regions[i].name, "packet")) {
            run->regions[i].start = (uint64_t)(uintptr_t)nb;
            run->regions[i].size = cap;
        }
    s->buf_size = (uint32_t)cap;
    free(old);
    hlp_skb_sync(run, s);
    return 0;
}

int hlp_skb_cow(struct rt_run *run, struct pt_skb_kctx *s, uint64_t headroom)
{
    uint64_t have = (uint64_t)(s->data - s->head);

    if (headroom <= have)
        return 0;
    return skb_expand(run, s, (headroom - have + NET_SKB_PAD - 1) & ~(uint64_t)(NET_SKB_PAD - 1), 0);
}

int hlp_skb_grow(struct rt_run *run, struct pt_skb_kctx *s, uint32_t len)
{
    uint64_t diff = (uint64_t)len - s->len;
    uint64_t tailroom = (uint64_t)(s->end - s->data) - hlp_skb_headlen(s);
    int err;

    if (len > s->len && tailroom < diff) {
        err = skb_expand(run, s, 0, diff - tailroom);
        if (err)
            return err;
    }
    s->len = len;
    return 0;
}

/* Does [p, p + n) lie in the buffer? */
static int in_buf(const struct pt_skb_kctx *s, const uint8_t *p, uint64_t n)
{
    return p >= s->head && (uint64_t)(p - s->head) + n <= s->buf_size;
}

int hlp_skb_push_at(struct rt_run *run, struct pt_skb_kctx *s, uint32_t off, uint32_t len, const char *helper)
{
    uint8_t *data = s->data - len;

    /* the running kernel refuses to move header bytes the packet does not
     * have (-ENOMEM, as pskb_may_pull(skb, off) failing; after the
     * encapsulation checks of bpf_skb_net_grow: tests/kernel-diff/
     * test_skb_helpers_diff.c) */
    if (!hlp_skb_may_pull(s, off))
        return -ENOMEM;
    if ((uint64_t)(s->data - s->head) < len || !in_buf(s, data + len, off) || !in_buf(s, data + off, len)) {
        rt_fail(run, -EFAULT, run->err_pc,
                "helper bpf_%s: moving %u header bytes by %u leaves the skb's buffer (the kernel's skb_push / memmove "
                "would too)",
                helper, off, len);
        return -EFAULT;
    }
    s->data = data;
    s->len += len;
    memmove(data, data + len, off);
    memset(data + off, 0, len);
    return 0;
}

int hlp_skb_pop_at(struct rt_run *run, struct pt_skb_kctx *s, uint32_t off, uint32_t len, const char *helper)
{
    uint8_t *old = s->data;

    (void)run, (void)helper;
    if (!hlp_skb_may_pull(s, (uint64_t)off + len))
        return -ENOMEM;
    s->data += len;
    s->len -= len;
    hlp_skb_postpull_rcsum(s, old + off, len);
    memmove(s->data, old, off);
    return 0;
}

const uint8_t *hlp_skb_ld_neg(struct rt_run *run, int32_t off, uint32_t size)
{
    const struct pt_skb_kctx *s = run->ctx;
    const uint8_t *tail;
    int64_t at;

    if (run->ctx_kind != RT_CTX_SKB || !s)
        return NULL;
    if (off >= SKF_NET_OFF)
        at = (int64_t)s->network_header + (off - SKF_NET_OFF);
    else if (off >= SKF_LL_OFF && s->mac_header != PT_SKB_HDR_UNSET)
        at = (int64_t)s->mac_header + (off - SKF_LL_OFF);
    else
        return NULL;
    tail = s->data + hlp_skb_headlen(s);
    if (at < 0 || at + size > tail - s->head)
        return NULL;
    return s->head + at;
}
