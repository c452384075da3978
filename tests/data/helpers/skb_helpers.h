/* skb_helpers.h - what tests/data/helpers/skb_helpers.c (the BPF
 * programs) and tests/kernel-diff/test_skb_helpers_diff.c (which fills
 * `params` and reads `results`) share: the operations, their arguments
 * and the record of each. */
#ifndef BPFRT_TEST_SKB_HELPERS_H
#define BPFRT_TEST_SKB_HELPERS_H

#include <linux/types.h>

#define NOPS 6

enum {
    OP_NONE,
    OP_CHANGE_PROTO, /* a: proto (network order), b: flags */
    OP_CHANGE_TYPE,  /* a: pkt_type */
    OP_CHANGE_HEAD,  /* a: head_room, b: flags */
    OP_CHANGE_TAIL,  /* a: new_len, b: flags */
    OP_ADJUST_ROOM,  /* a: len_diff (s32), b: mode, c: flags */
    OP_VLAN_PUSH,    /* a: vlan_proto (network order), b: vlan_tci */
    OP_VLAN_POP,
    OP_LOAD_REL, /* a: offset, b: len - 1 (& 63), c: start_header */
    OP_ECN_SET_CE,
    OP_CSUM_UPDATE, /* a: csum */
    OP_CSUM_LEVEL,  /* b: level */
    OP_LD_ABS,      /* a: offset (& 0xff): two bytes through LD_ABS */
    OP_STORE_BYTES, /* a: offset, b: the 4 bytes, c: flags */
    OP_L4_CSUM,     /* a: offset | flags << 16, b: from, c: to */
    OP_COUNT
};

struct op {
    __u32 op;
    __u32 a;
    __u64 b;
    __u64 c;
};

struct params {
    __u32 nops;
    __u32 pad;
    struct op ops[NOPS];
};

/* After each operation: its return value (-999: not called) and what
 * the program sees of the skb then. */
struct res {
    __s64 ret;
    __u32 len, protocol, vlan_present, vlan_tci, vlan_proto, pkt_type;
    __u32 gso_size, gso_segs, hash, direct14, direct60, done;
    __u8 buf[64];
};

#endif
