/* helpers_internal.h - what the helper families share: argument checks
 * for checked runs and their tables, which helpers.c gathers. */
#ifndef BPFRT_HELPERS_INTERNAL_H
#define BPFRT_HELPERS_INTERNAL_H

#include <stdint.h>

#include "helpers.h"

struct bpfrt_map;

/* Checked mode: is r (argument argno) a live map?  Fails the run (and
 * returns NULL) if not.  A map the program reaches without naming it (an
 * inner map of a map-in-map) gets its storage added to the regions the
 * run may access, except a ring buffer's, which the program reaches only
 * through reservations.  Fast mode: r as is. */
struct bpfrt_map *hlp_arg_map(struct rt_run *run, uint64_t r, unsigned argno, const char *helper);
/* Checked mode: may the program read (or write) size bytes at addr?  0,
 * or -EFAULT with the run failed.  Fast mode: 0. */
int hlp_arg_mem(struct rt_run *run, uint64_t addr, uint64_t size, int write, const char *helper, const char *what);
/* Does the program reach map m's storage directly (its arena is a region
 * of checked runs)?  Not for a ring buffer. */
int hlp_map_storage_visible(const struct bpfrt_map *m);
/* Checked runs: add map m's storage as a region (once) whose bytes a
 * program may touch only where the map type allows (its values).  0, or
 * -E2BIG when the run has no room left. */
int hlp_add_map_region(struct rt_run *run, const struct bpfrt_map *m);

/* r1 of a helper that takes a struct __sk_buff: the run's context
 * (struct pt_skb_kctx of kctx.h), or NULL with the run failed. */
struct pt_skb_kctx;
struct pt_skb_kctx *hlp_skb_ctx(struct rt_run *run, uint64_t r1, const char *helper);

/* The families' tables (helpers_*.c). */
struct hlp_table {
    const struct hlp_desc *desc;
    unsigned cnt;
};
extern const struct hlp_table hlp_map_tab, hlp_cb_tab, hlp_ringbuf_tab, hlp_perf_tab, hlp_xdp_tab, hlp_skb_tab,
    hlp_sock_tab;
extern const struct hlp_table hlp_skb_room_tab, hlp_skb_vlan_tab, hlp_skb_hdr_tab;
/* helpers_redirect.c, helpers_fib.c, helpers_skb_meta.c, helpers_hash.c */
extern const struct hlp_table hlp_redirect_tab, hlp_fib_tab, hlp_skb_meta_tab, hlp_hash_tab;
extern const struct hlp_table hlp_trace_tab, hlp_str_tab, hlp_time_tab, hlp_lock_tab;
/* helpers_skb_tun.c, helpers_sk_lookup.c, helpers_cg_storage.c */
extern const struct hlp_table hlp_skb_tun_tab, hlp_sk_lookup_tab, hlp_cg_storage_tab;

#define HLP_TABLE(name, arr) const struct hlp_table name = {arr, sizeof(arr) / sizeof(arr[0])}

#endif
