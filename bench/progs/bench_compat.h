/* bench_compat.h - lets one benchmark source compile three ways:
 *
 *   clang -target bpf        (__bpf__ defined): one BPF program per source,
 *                            SEC("xdp") xdp_<name>, which the kernel and
 *                            bpfrt both run as a test run of the packet
 *                            (retval: the 64-bit result folded to 32 bits);
 *   gcc/clang natively       (BENCH_NATIVE defined): one ordinary function
 *                            bench_native_<name>(data, len).
 *
 * A source defines `static __always_inline u64 <name>_work(const u8 *data,
 * const u8 *end)` and ends with BENCH_PROG(<name>); a program that writes
 * the packet defines `<name>_work(u8 *data, u8 *end)` and ends with
 * BENCH_PROG_RW(<name>).  Work functions use no maps or global data: the
 * program is the work itself.
 */
#ifndef BENCH_COMPAT_H
#define BENCH_COMPAT_H

#ifdef __bpf__
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#else /* native */
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the benchmarks assume a little-endian host and BPF target (bpfel)"
#endif
#define bench_ntohs(x) ((u16)__builtin_bswap16((u16)(x)))
#define bench_ntohl(x) ((u32)__builtin_bswap32((u32)(x)))

/* Loads of packet fields.  In BPF C, a plain dereference, as BPF programs
 * are written (`eth->h_proto`, `iph->saddr`): one load instruction; x86 and
 * the BPF engines allow unaligned loads.  Natively, memcpy: free of
 * undefined behaviour and also one load. */
#ifdef __bpf__
static __always_inline u16 bench_ld16(const u8 *p)
{
    return *(const u16 *)p;
}

static __always_inline u32 bench_ld32(const u8 *p)
{
    return *(const u32 *)p;
}

static __always_inline void bench_st16(u8 *p, u16 v)
{
    *(u16 *)p = v;
}

static __always_inline void bench_st32(u8 *p, u32 v)
{
    *(u32 *)p = v;
}
#else
static __always_inline void bench_st16(u8 *p, u16 v)
{
    __builtin_memcpy(p, &v, sizeof(v));
}

static __always_inline void bench_st32(u8 *p, u32 v)
{
    __builtin_memcpy(p, &v, sizeof(v));
}

static __always_inline u16 bench_ld16(const u8 *p)
{
    u16 v;
    __builtin_memcpy(&v, p, sizeof(v));
    return v;
}

static __always_inline u32 bench_ld32(const u8 *p)
{
    u32 v;
    __builtin_memcpy(&v, p, sizeof(v));
    return v;
}
#endif

/* Hide what the compiler knows of a value (an empty asm that may change
 * it): a bounds check the compiler would prove redundant from an earlier
 * one, but the verifier cannot, stays in the program. */
#define bench_barrier_var(x) __asm__ volatile("" : "+r"(x))

/* The kernel's test run reports a 32-bit retval: the XDP entry returns the
 * 64-bit result folded to 32 bits; the runner folds bpfrt's and the native
 * result the same way to compare. */
static __always_inline u32 bench_fold32(u64 r)
{
    return (u32)(r ^ (r >> 32));
}

#ifdef __bpf__
#define BENCH_PROG(name)                                                                        \
    SEC("xdp") int xdp_##name(struct xdp_md *ctx)                                               \
    {                                                                                           \
        const u8 *data = (const u8 *)(unsigned long)ctx->data;                                  \
        const u8 *end = (const u8 *)(unsigned long)ctx->data_end;                               \
        return (int)bench_fold32(name##_work(data, end));                                       \
    }                                                                                           \
    char _license[] SEC("license") = "Dual BSD/GPL"
#define BENCH_PROG_RW(name)                                                                     \
    SEC("xdp") int xdp_##name(struct xdp_md *ctx)                                               \
    {                                                                                           \
        u8 *data = (u8 *)(unsigned long)ctx->data;                                              \
        u8 *end = (u8 *)(unsigned long)ctx->data_end;                                           \
        return (int)bench_fold32(name##_work(data, end));                                       \
    }                                                                                           \
    char _license[] SEC("license") = "Dual BSD/GPL"
#else
/* natives take a writable packet, whether or not they write it */
#define BENCH_PROG(name)                                                                        \
    u64 bench_native_##name(u8 *data, size_t len);                                              \
    u64 bench_native_##name(u8 *data, size_t len)                                               \
    {                                                                                           \
        return name##_work(data, data + len);                                                   \
    }
#define BENCH_PROG_RW(name) BENCH_PROG(name)
#endif

#endif
