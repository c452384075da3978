/* helpers_diff.c - bpf_loop, bpf_for_each_map_elem, the ring buffer and
 * bpf_map_lookup_percpu_elem against the running kernel, for
 * tests/kernel-diff/test_helpers_diff.c (compiled there at test time).
 *
 * Every case is one __always_inline work function behind two entries: an
 * XDP one the kernel runs with BPF_PROG_TEST_RUN and a raw one bpfrt runs
 * (r1 = packet, r2 = its length).  The entry copies the first 128 bytes of
 * the packet to the stack (the XDP one then reloads its packet pointers, so
 * that the verifier goes on from one state whatever the length); the work
 * derives everything from them, stores its results in the map `out` (key 0)
 * and, when the packet is long enough, writes them over its start too. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define BUF 128
#define NOUT 24

/* The packet's first bytes (then 8 zeros) and room for callbacks to
 * accumulate in. */
struct scratch {
    __u8 buf[BUF];
    __u8 tail[8];
    __u64 acc[6];
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64[NOUT]);
    __uint(max_entries, 1);
} out SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 16);
} arr SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 32);
} h SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4);
} pa SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} rb SEC(".maps");

/* The first BUF bytes of the packet (zeros past its end, and for 8 more). */
static __always_inline void load_buf(__u8 *buf, void *data, void *end)
{
    __builtin_memset(buf, 0, BUF + 8);
    for (int i = 0; i < BUF; i++) {
        __u8 *p = (__u8 *)data + i;
        if ((void *)(p + 1) > end)
            break;
        buf[i] = *p;
    }
}

/* 8 bytes at off (< BUF) of a scratch buf; the mask, which clang may not
 * drop however much it knows about off, shows the verifier the bound
 * without a branch (a branch per call multiplies the paths in loops) */
static __always_inline __u64 get64(const __u8 *buf, __u32 off)
{
    __u64 v;
    asm volatile("" : "+r"(off));
    off &= BUF - 1;
    __builtin_memcpy(&v, buf + off, 8);
    return v;
}

/* The results: into `out` and over the start of the packet (the first
 * `pkt_bytes` of them). */
static __always_inline void put_out(const __u64 *o, void *data, void *end, int pkt_bytes)
{
    __u32 zero = 0;
    bpf_map_update_elem(&out, &zero, o, BPF_ANY);
    if (data + NOUT * 8 <= end) {
        for (int i = 0; i < NOUT; i++)
            if (i * 8 < pkt_bytes)
                ((__u64 *)data)[i] = o[i];
    }
}

#define ENTRIES(name)                                                                                                  \
    SEC("raw") int name##_raw(void *data, __u64 len)                                                                   \
    {                                                                                                                  \
        struct scratch s;                                                                                              \
        load_buf(s.buf, data, data + len);                                                                             \
        return name(&s, data, data + len);                                                                             \
    }                                                                                                                  \
    SEC("xdp") int name##_xdp(struct xdp_md *ctx)                                                                      \
    {                                                                                                                  \
        struct scratch s;                                                                                              \
        load_buf(s.buf, (void *)(long)ctx->data, (void *)(long)ctx->data_end);                                         \
        asm volatile("" ::: "memory");                                                                                 \
        return name(&s, (void *)(long)ctx->data, (void *)(long)ctx->data_end);                                         \
    }

/* ------------------------------------------------------------- bpf_loop */

/* acc: 0 sum, 1 hash, 2 callbacks, 3 the divisor */
/* over the packet bytes from index 3 on; stops at the first byte that is a
 * multiple of the divisor */
static long acc_cb(__u32 i, struct scratch *s)
{
    __u8 b = s->buf[(i + 3) & (BUF - 1)];
    s->acc[0] += b;
    s->acc[1] = s->acc[1] * 31 + b + i;
    s->acc[2]++;
    return b % s->acc[3] == 0;
}

struct collatz {
    __u64 x, steps, peak;
};

/* a stack context of its own: Collatz steps until 1 (x starts below 2^16,
 * so its peak stays below 2^40: the mask changes nothing but lets the
 * verifier's states of x converge) */
static long collatz_cb(__u32 i, struct collatz *c)
{
    __u64 x = c->x & 0xffffffffffull;

    (void)i;

    if (x == 1)
        return 1;
    x = x & 1 ? 3 * x + 1 : x / 2;
    c->x = x;
    c->steps++;
    if (x > c->peak)
        c->peak = x;
    return 0;
}

static long count_cb(__u32 i, __u64 *n)
{
    *n += i;
    return 0;
}

static __always_inline int loop(struct scratch *s, void *data, void *end)
{
    struct collatz z;
    __u64 o[NOUT], idx = 0;
    __u32 n;

    __builtin_memset(o, 0, sizeof(o));
    s->acc[0] = s->acc[1] = s->acc[2] = 0;
    s->acc[3] = (s->buf[1] & 31) + 2;
    n = s->buf[0] | (s->buf[2] & 1) << 8; /* 0..511 */
    o[0] = bpf_loop(n, acc_cb, s, 0);
    o[1] = s->acc[0];
    o[2] = s->acc[1];
    o[3] = s->acc[2];
    o[4] = n;

    z.x = (get64(s->buf, 8) & 0xffff) + 1;
    z.steps = z.peak = 0;
    o[5] = bpf_loop(1000, collatz_cb, &z, 0);
    o[6] = z.x;
    o[7] = z.steps;
    o[8] = z.peak;

    o[9] = bpf_loop(s->buf[3], count_cb, &idx, 0);
    o[10] = idx;
    o[11] = bpf_loop(0, count_cb, &idx, 0);
    o[12] = bpf_loop(4, count_cb, &idx, 1);                                  /* -EINVAL */
    o[13] = bpf_loop((1u << 23) + 1 + (s->buf[4] & 127), count_cb, &idx, 0); /* -E2BIG */
    o[14] = idx;
    put_out(o, data, end, 15 * 8);
    return (o[0] + o[5]) & 3;
}
ENTRIES(loop)

/* ------------------------------------------------- for_each over ARRAY */

struct each_ctx {
    __u64 cnt, ksum, vsum, vmax, hash, mod, found;
};

static long arr_cb(void *map, __u32 *key, __u64 *val, struct each_ctx *c)
{
    (void)map;
    c->cnt++;
    c->ksum += *key;
    c->vsum += *val;
    if (*val > c->vmax)
        c->vmax = *val;
    c->hash = c->hash * 131 + *val + *key; /* order matters: the array's is defined */
    *val += *key + 1;
    return c->mod && *val % c->mod == 0;
}

static __always_inline int each_array(struct scratch *s, void *data, void *end)
{
    struct each_ctx c;
    __u64 o[NOUT];
    __u32 n;

    __builtin_memset(o, 0, sizeof(o));
    n = s->buf[0] % 17;
    for (int i = 0; i < 16; i++) {
        __u32 k = i; /* not i itself: its spill would lose the loop's bound */
        __u64 v;
        if ((__u32)i >= n)
            break;
        v = get64(s->buf, i * 8) >> (s->buf[1] & 63);
        o[13] += bpf_map_update_elem(&arr, &k, &v, BPF_ANY); /* no branch per element: 2^16 paths */
    }
    __builtin_memset(&c, 0, sizeof(c));
    o[0] = bpf_for_each_map_elem(&arr, arr_cb, &c, 0); /* the whole array */
    o[1] = c.cnt;
    o[2] = c.ksum;
    o[3] = c.vsum;
    o[4] = c.vmax;
    o[5] = c.hash;
    __builtin_memset(&c, 0, sizeof(c));
    c.mod = (s->buf[2] & 7) + 2; /* stops at the first value (after += key + 1) divisible by mod */
    o[6] = bpf_for_each_map_elem(&arr, arr_cb, &c, 0);
    o[7] = c.cnt;
    o[8] = c.ksum;
    o[9] = c.vsum;
    o[10] = c.hash;
    o[11] = bpf_for_each_map_elem(&arr, arr_cb, &c, 2); /* -EINVAL */
    o[12] = c.cnt;
    o[14] = n;
    put_out(o, data, end, 15 * 8);
    return o[6] & 3;
}
ENTRIES(each_array)

/* -------------------------------------------------- for_each over HASH */

/* order-independent: counts, sums, max, xor; every value += 1 */
static long hash_cb(void *map, __u32 *key, __u64 *val, struct each_ctx *c)
{
    (void)map;
    c->cnt++;
    c->ksum += *key;
    c->vsum += *val;
    if (*val > c->vmax)
        c->vmax = *val;
    c->hash ^= *val * 0x9e3779b97f4a7c15ull + *key;
    *val += 1;
    return 0;
}

/* stops at key mod (order-dependent: the test compares only what is not) */
static long hash_stop_cb(void *map, __u32 *key, __u64 *val, struct each_ctx *c)
{
    (void)map;
    c->cnt++;
    if (*key == c->mod) {
        c->found = *val;
        return 1;
    }
    return 0;
}

static __always_inline int each_hash(struct scratch *s, void *data, void *end)
{
    struct each_ctx c;
    __u64 o[NOUT];

    __builtin_memset(o, 0, sizeof(o));
    /* 24 operations: update (7 in 8; some BPF_NOEXIST) or delete a key of 0..63 */
    for (__u32 i = 0; i < 24; i++) {
        __u32 k = s->buf[(i + 8) & 127] & 63;
        __u64 v = get64(s->buf, (i * 4 + 32) % 120);
        long r;
        if ((s->buf[(i + 96) & 127] & 7) == 0)
            r = bpf_map_delete_elem(&h, &k);
        else
            r = bpf_map_update_elem(&h, &k, &v, (s->buf[(i + 64) & 127] & 0x18) == 0x18 ? BPF_NOEXIST : BPF_ANY);
        /* 2 bits per op: 0 ok, 1 -ENOENT, 2 -E2BIG, 3 -EEXIST or other */
        o[8] |= (__u64)(r == 0 ? 0 : r == -2 ? 1 : r == -7 ? 2 : 3) << (2 * i);
    }
    __builtin_memset(&c, 0, sizeof(c));
    o[0] = bpf_for_each_map_elem(&h, hash_cb, &c, 0);
    o[1] = c.cnt;
    o[2] = c.ksum;
    o[3] = c.vsum;
    o[4] = c.vmax;
    o[5] = c.hash;
    o[6] = bpf_for_each_map_elem(&h, hash_cb, &c, 1); /* -EINVAL */
    o[7] = c.cnt;
    /* the early stop: which elements precede the key depends on the order */
    __builtin_memset(&c, 0, sizeof(c));
    c.mod = s->buf[5] & 63;
    c.found = ~0ull;
    o[16] = bpf_for_each_map_elem(&h, hash_stop_cb, &c, 0);
    o[17] = c.cnt;
    o[18] = c.found;
    put_out(o, data, end, 16 * 8);
    return o[0] & 3;
}
ENTRIES(each_hash)

/* ---------------------------------------------------------- ring buffer */

struct rec {
    __u32 seq, tag;
    __u8 bytes[24];
};

static __always_inline int ring(struct scratch *s, void *data, void *end)
{
    __u8 *buf = s->buf;
    __u64 o[NOUT];

    __builtin_memset(o, 0, sizeof(o));
    o[0] = bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE);
    o[1] = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA); /* the test consumed everything */
    for (__u32 i = 0; i < 10; i++) {
        __u8 b = buf[(i + 40) & 127];
        long r = 0;

        switch (b & 3) {
        case 0: { /* a 32-byte record, submitted or discarded */
            struct rec *p = bpf_ringbuf_reserve(&rb, sizeof(*p), 0);
            if (!p) {
                r = 1000;
                break;
            }
            p->seq = i;
            p->tag = b;
            __builtin_memcpy(p->bytes, buf + (i & 7) * 8, 24);
            if (b & 4)
                bpf_ringbuf_discard(p, 0);
            else
                bpf_ringbuf_submit(p, b & 8 ? BPF_RB_NO_WAKEUP : 0);
            r = 100 + (b & 4);
            break;
        }
        case 1: { /* 5 bytes: the length is not a multiple of 8 */
            __u8 *p = bpf_ringbuf_reserve(&rb, 5, 0);
            if (!p) {
                r = 1001;
                break;
            }
            p[0] = i;
            p[1] = b;
            p[2] = buf[i & 127];
            p[3] = buf[(i + 1) & 127];
            p[4] = 0xa5;
            if (b & 4)
                bpf_ringbuf_discard(p, BPF_RB_FORCE_WAKEUP);
            else
                bpf_ringbuf_submit(p, 0);
            r = 200 + (b & 4);
            break;
        }
        case 2: /* output from the stack, 0..63 bytes */
            r = bpf_ringbuf_output(&rb, buf + 64, buf[(i + 20) & 127] & 63, b & 4 ? BPF_RB_FORCE_WAKEUP : 0);
            break;
        default: /* output from a variable place on the stack, or with bad flags
                  * (the kernel refuses packet pointers here) */
            if (buf[(i + 60) & 127] & 7)
                r = bpf_ringbuf_output(&rb, buf + (buf[(i + 30) & 127] & 31), buf[(i + 50) & 127] & 47, 0);
            else
                r = bpf_ringbuf_output(&rb, buf, 8, 4) + 300;
            break;
        }
        o[2 + i] = r;
    }
    o[12] = bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE);
    put_out(o, data, end, 13 * 8);
    return o[2] & 3;
}
ENTRIES(ring)

/* Fill a fresh ring: outputs of 0..63-byte records (or only 8-byte ones)
 * until one fails, then a reserve that must fail too.
 * acc: 0 records, 1 bytes, 2 the error, 3 fixed size */
static long fill_cb(__u32 i, struct scratch *s)
{
    __u32 sz = s->acc[3] ? 8 : s->buf[i & (BUF - 1)] & 63;
    long r = bpf_ringbuf_output(&rb, s->buf, sz, 0);
    if (r) {
        s->acc[2] = r;
        return 1;
    }
    s->acc[0]++;
    s->acc[1] += sz;
    return 0;
}

static __always_inline int ring_fill(struct scratch *s, void *data, void *end)
{
    __u64 o[NOUT];
    void *p;

    __builtin_memset(o, 0, sizeof(o));
    s->acc[0] = s->acc[1] = s->acc[2] = 0;
    s->acc[3] = s->buf[0] & 1;
    o[0] = bpf_loop(1024, fill_cb, s, 0);
    o[1] = s->acc[0];
    o[2] = s->acc[1];
    o[3] = s->acc[2];
    p = bpf_ringbuf_reserve(&rb, 8, 0);
    o[4] = p != 0;
    if (p)
        bpf_ringbuf_discard(p, 0);
    o[5] = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
    put_out(o, data, end, 6 * 8);
    return o[4] & 3;
}
ENTRIES(ring_fill)

/* ---------------------------------------------- lookup_percpu_elem */

static __always_inline int percpu(struct scratch *s, void *data, void *end)
{
    __u8 *buf = s->buf;
    __u64 o[NOUT], *v;
    __u32 k, absent, cpu;

    __builtin_memset(o, 0, sizeof(o));
    k = buf[0] & 3;
    absent = 4 + (buf[1] & 7);
    cpu = 0x10000 + buf[2] * 257; /* past any CPU count */
    v = bpf_map_lookup_elem(&pa, &k);
    if (v) {
        *v += get64(buf, 8) >> (buf[3] & 63);
        o[0] = *v;
    }
    v = bpf_map_lookup_percpu_elem(&pa, &k, 0);
    o[1] = v ? *v : 0xdead;
    o[2] = v != 0;
    v = bpf_map_lookup_percpu_elem(&pa, &k, cpu);
    o[3] = v != 0;
    v = bpf_map_lookup_percpu_elem(&pa, &k, 0xffffffffu);
    o[4] = v != 0;
    v = bpf_map_lookup_percpu_elem(&pa, &absent, 0);
    o[5] = v != 0;
    /* a write through the per-CPU pointer for cpu 0 */
    k = (k + 1) & 3;
    v = bpf_map_lookup_percpu_elem(&pa, &k, 0);
    if (v) {
        *v ^= buf[4];
        o[6] = *v;
    }
    v = bpf_map_lookup_elem(&pa, &k);
    o[7] = v ? *v : 0xdead;
    o[8] = cpu;
    put_out(o, data, end, 9 * 8);
    return o[1] & 3;
}
ENTRIES(percpu)

char LICENSE[] SEC("license") = "GPL";
