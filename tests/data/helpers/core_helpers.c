/* core_helpers.c - the printf-like and string helpers against the running
 * kernel, for tests/kernel-diff/test_core_helpers_diff.c (compiled there
 * at test time).  Every program is an XDP program both sides run with
 * BPF_PROG_TEST_RUN semantics on the same input: struct cs in the map
 * `cases` (key 0).  Arguments 0xfeed0000 + k stand for a pointer to
 * strs[k] (the program substitutes it), so %s, %pks, %pI4 read map memory.
 * bpf_snprintf takes its format from .rodata and its data_len as a
 * constant (the verifier checks the format at load time), so each of its
 * formats is a program of its own (SNP). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct cs {
    char fmt[256];
    __u64 a[12];
    __u32 data_len;
    __u32 size;
    __s64 ret;
    __s64 res;
    __u64 flags;
    char strs[4][128];
    char out[1100];
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct cs);
} cases SEC(".maps");

static __always_inline struct cs *get(void)
{
    __u32 k = 0;
    struct cs *v = bpf_map_lookup_elem(&cases, &k);

    if (!v)
        return 0;
    for (int i = 0; i < 12; i++) {
        __u64 x = v->a[i];
        if ((x >> 8) == 0xfeed00)
            v->a[i] = (__u64)(long)&v->strs[x & 3];
    }
    return v;
}

SEC("xdp") int tp(struct xdp_md *ctx)
{
    struct cs *v = get();
    if (!v || v->size < 1 || v->size > 256)
        return 1;
    v->ret = bpf_trace_printk(v->fmt, v->size, v->a[0], v->a[1], v->a[2]);
    return 2;
}

SEC("xdp") int tv(struct xdp_md *ctx)
{
    struct cs *v = get();
    if (!v || v->size < 1 || v->size > 256 || v->data_len > 96)
        return 1;
    v->ret = bpf_trace_vprintk(v->fmt, v->size, v->a, v->data_len);
    return 2;
}

SEC("xdp") int stol(struct xdp_md *ctx)
{
    struct cs *v = get();
    long res = 77;
    if (!v || v->size < 1 || v->size > 128)
        return 1;
    v->ret = bpf_strtol(v->strs[0], v->size, v->flags, &res);
    v->res = res;
    return 2;
}

SEC("xdp") int stoul(struct xdp_md *ctx)
{
    struct cs *v = get();
    unsigned long res = 77;
    if (!v || v->size < 1 || v->size > 128)
        return 1;
    v->ret = bpf_strtoul(v->strs[0], v->size, v->flags, &res);
    v->res = (__s64)res;
    return 2;
}

SEC("xdp") int clocks(struct xdp_md *ctx)
{
    struct cs *v = get();
    if (!v)
        return 1;
    v->a[0] = bpf_jiffies64();
    v->a[1] = bpf_ktime_get_coarse_ns();
    v->a[2] = bpf_ktime_get_tai_ns();
    v->a[3] = bpf_ktime_get_ns();
    v->a[4] = bpf_ktime_get_boot_ns();
    return 2;
}

#define CMP(name, lit)                                                                                                 \
    SEC("xdp") int name(struct xdp_md *ctx)                                                                            \
    {                                                                                                                  \
        static const char s2[] = lit;                                                                                  \
        struct cs *v = get();                                                                                          \
        if (!v || v->size < 1 || v->size > 128)                                                                        \
            return 1;                                                                                                  \
        v->ret = bpf_strncmp(v->strs[0], v->size, s2);                                                                 \
        return 2;                                                                                                      \
    }
CMP(cmp_abc, "abc")
CMP(cmp_empty, "")
CMP(cmp_high, "a\xff")

#define SNP(name, f, nargs)                                                                                            \
    SEC("xdp") int name(struct xdp_md *ctx)                                                                            \
    {                                                                                                                  \
        static const char fmt[] = f;                                                                                   \
        struct cs *v = get();                                                                                          \
        if (!v || v->size > 1024)                                                                                      \
            return 1;                                                                                                  \
        v->ret = bpf_snprintf(v->out, v->size, fmt, v->a, (nargs) * 8);                                                \
        return 2;                                                                                                      \
    }
SNP(snp_ints, "%d %i %u %x %X|%ld %lu %lx|%lld %llX", 10)
SNP(snp_width, "[%5d|%-5d|%05d|%+d|% d|%+-6d|% 05u|%8x]", 8)
SNP(snp_chars, "%c%c%3c|%-3c|", 4)
SNP(snp_strs, "[%s|%10s|%-10s|%pks|%pus]", 5)
SNP(snp_ips, "%pI4 %pi4 %pI6 %pi6 %pI6c|%10pI4", 5)
SNP(snp_ptrs, "%p %px %pK %ps %pS %pB|%20p|%-20px|", 8)
SNP(snp_plain, "100%% plain", 0)
SNP(snp_many, "%s%s%s%s%s|", 5)
SNP(snp_num_after, "%s%s%s%s%d|", 5)
SNP(snp_utf8, "caf\xc3\xa9 %d", 1)
SNP(snp_wide, "%1000d|%100s", 2)
/* formats the kernel's verifier refuses (check_bpf_snprintf_call) */
SNP(snp_bad_conv, "%q", 1)
SNP(snp_bad_prec, "%.2d", 1)
SNP(snp_bad_hash, "%#x", 1)
SNP(snp_bad_count, "%d %d", 1)
SNP(snp_bad_sfollow, "%sx", 1)
SNP(snp_bad_pa, "%pa", 1)
SNP(snp_bad_ctrl, "bell\x07", 0)
SNP(snp_bad_h, "%hd", 1)

char LICENSE[] SEC("license") = "GPL";
