/* helpers_str.c - the string helpers of kernel/bpf/helpers.c:
 *
 *   bpf_strncmp(s1, s1_sz, s2)               strncmp(): -1, 0 or 1 (lib/string.c
 *                                            compares unsigned bytes and returns
 *                                            the sign only)
 *   bpf_strtol(buf, buf_len, flags, res)     __bpf_strtoll()
 *   bpf_strtoul(buf, buf_len, flags, res)    __bpf_strtoull()
 *
 * strtol/strtoul: flags is the base (0, 8, 10, 16; any other bit -EINVAL);
 * leading white space (the kernel's isspace, 0xa0 included) and one '-'
 * are skipped; base 0 picks 16 for "0x" followed by a hex digit, 8 for a
 * leading '0', else 10, and base 16 skips a "0x"; at most 63 characters
 * after the sign are looked at.  Returns the characters consumed, or
 * -EINVAL (nothing to parse, no digit, a '-' for strtoul), -ERANGE (the
 * value does not fit: _parse_integer's overflow, or the sign); *res is 0
 * on every error.  tests/kernel-diff/test_core_helpers_diff.c compares
 * them with the kernel. */
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "helpers_internal.h"

#define STRTOX_BASE_MASK 0x1f /* BPF_STRTOX_BASE_MASK */
#define STRTOX_MAX 63         /* the kernel's char str[64] */

static uint64_t hlp_strncmp(uint64_t s1, uint64_t s1_sz, uint64_t s2, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    (void)r4, (void)r5;
    if (hlp_arg_mem(run, s1, s1_sz, 0, "strncmp", "s1"))
        return 0;
    for (uint64_t i = 0; i < s1_sz; i++) {
        if (run->checked && hlp_arg_mem(run, s2 + i, 1, 0, "strncmp", "s2"))
            return 0;
        unsigned char c1 = *(const unsigned char *)(uintptr_t)(s1 + i);
        unsigned char c2 = *(const unsigned char *)(uintptr_t)(s2 + i);
        if (c1 != c2)
            return c1 < c2 ? (uint64_t)-1 : 1;
        if (!c1)
            break;
    }
    return 0;
}

static int k_isspace(unsigned char c)
{
    return c == ' ' || (c >= 9 && c <= 13) || c == 0xa0; /* lib/ctype.c: _S */
}

/* _parse_integer_fixup_radix + _parse_integer (lib/kstrtox.c): digits of
 * base at s (NUL-terminated); the count of digits, *overflow set when the
 * value passed 64 bits. */
static unsigned parse_digits(const char *s, unsigned base, uint64_t *res, int *overflow)
{
    unsigned n = 0;

    *res = 0;
    *overflow = 0;
    for (;; n++, s++) {
        unsigned c = (unsigned char)*s, lc = c | 0x20, val;
        if (c >= '0' && c <= '9')
            val = c - '0';
        else if (lc >= 'a' && lc <= 'f')
            val = lc - 'a' + 10;
        else
            break;
        if (val >= base)
            break;
        if ((*res >> 60) && *res > (UINT64_MAX - val) / base)
            *overflow = 1;
        *res = *res * base + val;
    }
    return n;
}

static int is_xdigit(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* __bpf_strtoull: characters consumed or -EINVAL / -ERANGE */
static long strtoull_k(const char *buf, uint64_t len, uint64_t flags, uint64_t *res, int *neg)
{
    unsigned base = (unsigned)(flags & STRTOX_BASE_MASK), nd;
    uint64_t i = 0, cur;
    char str[STRTOX_MAX + 1];
    const char *s = str;
    int ovf;

    if (!len)
        return -EINVAL;
    if (base != 0 && base != 8 && base != 10 && base != 16)
        return -EINVAL;
    if (flags & ~(uint64_t)STRTOX_BASE_MASK)
        return -EINVAL;
    while (i < len && k_isspace((unsigned char)buf[i]))
        i++;
    *neg = i < len && buf[i] == '-';
    if (*neg)
        i++;
    if (i == len)
        return -EINVAL;
    cur = len - i < STRTOX_MAX ? len - i : STRTOX_MAX;
    memcpy(str, buf + i, cur);
    str[cur] = 0;
    if (base == 0)
        base = s[0] == '0' ? ((s[1] | 0x20) == 'x' && is_xdigit(s[2]) ? 16 : 8) : 10;
    if (base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
        s += 2;
    nd = parse_digits(s, base, res, &ovf);
    if (ovf)
        return -ERANGE;
    if (!nd)
        return -EINVAL;
    return (long)(i + (uint64_t)(s - str) + nd);
}

static uint64_t strtox(uint64_t buf, uint64_t len, uint64_t flags, uint64_t res, struct rt_run *run, int is_signed)
{
    const char *name = is_signed ? "strtol" : "strtoul";
    uint64_t v = 0, zero = 0;
    int neg = 0;
    long n;

    if (hlp_arg_mem(run, res, 8, 1, name, "res") || hlp_arg_mem(run, buf, len, 0, name, "buf"))
        return 0;
    memcpy((void *)(uintptr_t)res, &zero, 8);
    n = strtoull_k((const char *)(uintptr_t)buf, len, flags, &v, &neg);
    if (n < 0)
        return (uint64_t)(int64_t)n;
    if (is_signed) {
        if (neg ? (int64_t)-v > 0 : (int64_t)v < 0)
            return (uint64_t)(int64_t)-ERANGE;
        v = neg ? -v : v;
    } else if (neg) {
        return (uint64_t)(int64_t)-EINVAL;
    }
    memcpy((void *)(uintptr_t)res, &v, 8);
    return (uint64_t)n;
}

static uint64_t hlp_strtol(uint64_t buf, uint64_t len, uint64_t flags, uint64_t res, uint64_t r5, struct rt_run *run)
{
    (void)r5;
    return strtox(buf, len, flags, res, run, 1);
}

static uint64_t hlp_strtoul(uint64_t buf, uint64_t len, uint64_t flags, uint64_t res, uint64_t r5, struct rt_run *run)
{
    (void)r5;
    return strtox(buf, len, flags, res, run, 0);
}

static const struct hlp_desc hlp_str_table[] = {
    {BPF_FUNC_strncmp, "strncmp", hlp_strncmp, 0},
    {BPF_FUNC_strtol, "strtol", hlp_strtol, 0},
    {BPF_FUNC_strtoul, "strtoul", hlp_strtoul, 0},
};
HLP_TABLE(hlp_str_tab, hlp_str_table);
