/* xdp_frags.h - an XDP packet as the helpers see it: the linear part
 * (data .. data_end of struct pt_xdp_kctx) and, for a multi-buffer
 * packet, its page fragments (struct pt_xdp_frags of kctx.h), as the
 * kernel's xdp_buff with its skb_shared_info (include/net/xdp.h,
 * net/core/filter.c). */
#ifndef BPFRT_HELPERS_XDP_FRAGS_H
#define BPFRT_HELPERS_XDP_FRAGS_H

#include <stdint.h>

#include "kctx.h"

/* The fragments' bytes (0 when the packet is linear). */
uint32_t hlp_xdp_frags_size(const struct pt_xdp_kctx *x);
/* xdp_get_buff_len: the linear part plus the fragments. */
uint32_t hlp_xdp_buff_len(const struct pt_xdp_kctx *x);
/* bpf_xdp_copy_buf: len bytes at offset off of the whole packet to
 * (to_packet) or from buf; the caller checked off + len against
 * hlp_xdp_buff_len. */
void hlp_xdp_copy(struct pt_xdp_kctx *x, uint32_t off, uint8_t *buf, uint32_t len, int to_packet);
/* bpf_xdp_adjust_tail on a packet with fragments (x->nr_frags != 0):
 * bpf_xdp_frags_increase_tail for offset >= 0, bpf_xdp_frags_shrink_tail
 * below.  0 or -EINVAL. */
int hlp_xdp_frags_adjust_tail(struct pt_xdp_kctx *x, int32_t offset);

#endif
