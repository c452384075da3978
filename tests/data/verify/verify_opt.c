/* prog verify and prog run: a '?' section (libbpf's autoload off: the
 * program loads only when named) and a prog array initialiser naming it,
 * which loading the object without it tolerates (test_cli_verify.c).
 * SEC("raw"): bpfrt's raw convention (r1 = data, r2 = length), so the
 * programs run. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("?raw")
int optional(void *data)
{
    return 7;
}

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} total SEC(".maps");

/* The sum of the data's bytes, added to a map value. */
SEC("raw")
int entry(unsigned char *data, unsigned long len)
{
    __u32 k = 0;
    __u64 sum = 0, *t;

    for (unsigned long i = 0; i < len && i < 64; i++)
        sum += data[i];
    t = bpf_map_lookup_elem(&total, &k);
    if (t)
        *t += sum;
    return (int)sum;
}

/* Its initialiser names 'optional', which loads only when named. */
struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u32);
    __array(values, int(void *));
} jumps SEC(".maps") = {
    .values = {[0] = (void *)&optional},
};

char LICENSE[] SEC("license") = "GPL";
