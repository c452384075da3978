/* skb_buf.h - the test-run skb's buffer as the helpers that move packet
 * data see it (helpers_skb_buf.c): room at the head and the tail made
 * the way the kernel's skb_cow / pskb_expand_head make it, header
 * offsets kept as the kernel keeps them, the data pointers recomputed
 * after every change (bpf_compute_data_pointers).  r1's context is a
 * struct pt_skb_kctx (kctx.h). */
#ifndef BPFRT_HELPERS_SKB_BUF_H
#define BPFRT_HELPERS_SKB_BUF_H

#include <stdint.h>

#include "../engine/run.h"
#include "csum.h"
#include "kctx.h"

/* The kernel's internal ENOTSUPP (include/linux/errno.h), which several
 * skb helpers return to programs. */
#define HLP_ENOTSUPP 524
/* BPF_SKB_MAX_LEN: SKB_MAX_ALLOC = SKB_WITH_OVERHEAD(PAGE_SIZE << 2) on
 * x86-64 (16384 - 320) */
#define HLP_SKB_MAX_LEN 16064u
#define HLP_ETH_HLEN 14u
#define HLP_VLAN_HLEN 4u

/* The linear bytes (skb_headlen). */
static inline uint32_t hlp_skb_headlen(const struct pt_skb_kctx *s)
{
    return s->len - s->data_len;
}

/* pskb_may_pull on a linear skb: are the first n bytes there? */
static inline int hlp_skb_may_pull(const struct pt_skb_kctx *s, uint64_t n)
{
    return n <= hlp_skb_headlen(s);
}

/* skb_network_offset / skb_mac_header_len (int arithmetic of u16
 * offsets, as the kernel's). */
static inline int hlp_skb_network_offset(const struct pt_skb_kctx *s)
{
    return (int)s->network_header - (int)(s->data - s->head);
}

static inline int hlp_skb_gso(const struct pt_skb_kctx *s)
{
    return s->gso_size != 0; /* skb_is_gso */
}

/* The offset of p from head as the kernel's u16 header fields hold it. */
static inline uint16_t hlp_skb_off(const struct pt_skb_kctx *s, const uint8_t *p)
{
    return (uint16_t)(p - s->head);
}

/* The CHECKSUM_COMPLETE sum after bytes leave or enter the packet
 * (include/linux/skbuff.h): skb_postpull_rcsum (start..start+len
 * pulled), __skb_postpull_rcsum / __skb_postpush_rcsum (len bytes at
 * offset off of data removed from or added to the sum; an odd offset
 * rotates the partial sum, csum_shift).  No-ops for other states. */
static inline void hlp_skb_postpull_rcsum(struct pt_skb_kctx *s, const uint8_t *start, uint32_t len)
{
    if (s->ip_summed == PT_SKB_CSUM_COMPLETE)
        s->csum = 0u - cs_partial(start, len, 0u - s->csum); /* wsum_negate */
}

static inline uint32_t hlp_csum_shift(uint32_t sum, uint32_t off)
{
    return off & 1 ? sum >> 8 | sum << 24 : sum;
}

static inline void hlp_skb_rcsum_block(struct pt_skb_kctx *s, const uint8_t *start, uint32_t len, uint32_t off, int add)
{
    uint32_t part;

    if (s->ip_summed != PT_SKB_CSUM_COMPLETE)
        return;
    part = cs_partial(start, len, 0);
    s->csum = cs_add(s->csum, hlp_csum_shift(add ? part : ~part, off));
}

/* bpf_compute_data_pointers, and the packet that LD_ABS/LD_IND read. */
void hlp_skb_sync(struct rt_run *run, struct pt_skb_kctx *s);

/* skb_cow(skb, headroom) / skb_cow_head: when fewer than headroom bytes
 * lie before data, the buffer grows at the head by ALIGN(delta,
 * NET_SKB_PAD) bytes (pskb_expand_head, with its header offset update).
 * 0, or -ENOMEM when the buffer would pass what kmalloc gives. */
int hlp_skb_cow(struct rt_run *run, struct pt_skb_kctx *s, uint64_t headroom);

/* __skb_grow: make room for len bytes of packet (the tail grows when the
 * tailroom is short) and set len; the new bytes are left as they are.
 * 0 or -ENOMEM. */
int hlp_skb_grow(struct rt_run *run, struct pt_skb_kctx *s, uint32_t len);

/* bpf_skb_generic_push / bpf_skb_generic_pop: len bytes of zeros put in
 * (or taken out) after the first off bytes, data moving down (up).  Push
 * expects the headroom (hlp_skb_cow) and gives -ENOMEM when the packet
 * is shorter than off; pop gives -ENOMEM when off + len bytes are not
 * there.  -EFAULT with the run failed when the kernel's
 * memmove would leave the buffer (offsets no valid skb has). */
int hlp_skb_push_at(struct rt_run *run, struct pt_skb_kctx *s, uint32_t off, uint32_t len, const char *helper);
int hlp_skb_pop_at(struct rt_run *run, struct pt_skb_kctx *s, uint32_t off, uint32_t len, const char *helper);

#endif
