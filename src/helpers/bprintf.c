/* bprintf.c - the printf-like helpers' format engine, in two passes as
 * the kernel's:
 *
 *   prepare  bpf_bprintf_prepare() (kernel/bpf/helpers.c): every format
 *            byte and conversion checked (-EINVAL), and the arguments
 *            captured into a 512-byte buffer (MAX_BPRINTF_BIN_ARGS) laid
 *            out as the kernel lays it out: numbers 4-aligned, 4 or 8
 *            bytes; %c one byte; %s / %pks / %pus the string copied there
 *            (truncated to the room left, -ENOSPC once none is left);
 *            %pI4 / %pI6 / %pB formatted there as text.
 *   output   bstr_printf() (lib/vsprintf.c): the captured values printed
 *            with the kernel's number(), string(), pointer() rules.
 *
 * Facts shown by the running kernel (tests/kernel-diff/
 * test_core_helpers_diff.c): no precision, '#', h/z/L qualifiers; width
 * over 8388607 (FIELD_WIDTH_MAX) is clamped and a width that wraps an int
 * pads nothing; %p prints a 32-bit hash of the pointer (NULL and error
 * pointers as they are), %px the pointer; %ps/%pS/%pB print "0x<hex>" (no
 * kernel symbol lies in a bpfrt process); %pus reads user memory, of which
 * a bpfrt program has none, so it prints an empty string as the kernel
 * does for a kernel pointer; width is ignored for %pks/%pus/%pI4/%pI6/%pB
 * (pre-formatted), and the letters after %pI4 are swallowed ("%pI6c"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bprintf.h"

/* ---- the kernel's ctype (lib/ctype.c), Latin-1 upper half included ---- */

enum { KC_U = 1, KC_L = 2, KC_D = 4, KC_C = 8, KC_P = 16, KC_S = 32, KC_X = 64, KC_SP = 128 };

static unsigned kc(unsigned char c)
{
    if (c < 32)
        return c >= 9 && c <= 13 ? KC_C | KC_S : KC_C;
    if (c == 32)
        return KC_S | KC_SP;
    if (c < '0')
        return KC_P;
    if (c <= '9')
        return KC_D;
    if (c < 'A')
        return KC_P;
    if (c <= 'Z')
        return KC_U | (c <= 'F' ? KC_X : 0);
    if (c < 'a')
        return KC_P;
    if (c <= 'z')
        return KC_L | (c <= 'f' ? KC_X : 0);
    if (c < 127)
        return KC_P;
    if (c < 160)
        return c == 127 ? KC_C : 0;
    if (c == 160)
        return KC_S | KC_SP;
    if (c < 192 || c == 215 || c == 247)
        return KC_P;
    return c < 223 ? KC_U : KC_L;
}

#define k_isspace(c) (kc((unsigned char)(c)) & KC_S)
#define k_ispunct(c) (kc((unsigned char)(c)) & KC_P)
#define k_isprint(c) (kc((unsigned char)(c)) & (KC_P | KC_U | KC_L | KC_D | KC_SP))
#define k_isalnum(c) (kc((unsigned char)(c)) & (KC_U | KC_L | KC_D))
#define k_isdigit(c) ((c) >= '0' && (c) <= '9')

/* ---- reading what the program points at, without faulting ---- */

/* May the program's pointer be read for size bytes?  Checked runs: inside
 * its regions (a probe: a refusal does not fail the run, as the kernel's
 * *_nofault copies only report it).  Others: the bytes are mapped. */
static int probe(struct rt_run *run, uint64_t addr, void *dst, size_t size)
{
    if (!size)
        return 0;
    if (run && run->checked) {
        int saved = run->err;
        char msg[RT_ERRMSG];
        memcpy(msg, run->errmsg, sizeof(msg));
        if (rt_check_mem(run, addr, size, RT_R, "bprintf", "probe")) {
            run->err = saved;
            memcpy(run->errmsg, msg, sizeof(msg));
            return -EFAULT;
        }
        memcpy(dst, (const void *)(uintptr_t)addr, size);
        return 0;
    }
    struct iovec local = {dst, size}, remote = {(void *)(uintptr_t)addr, size};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)size ? 0 : -EFAULT;
}

/* strncpy_from_kernel_nofault(dst, addr, count): the bytes up to and
 * including the NUL, at most count (the last then made a NUL); returns
 * the bytes stored, 0 when count <= 0, -EFAULT when a byte is unreadable
 * (dst[0] made NUL).  ptype 'u' (%pus) reads user memory: none here. */
static long copy_str(struct rt_run *run, char *dst, uint64_t addr, char ptype, long count)
{
    long n = 0;

    if (count <= 0)
        return 0;
    if (ptype == 'u') {
        dst[0] = 0;
        return -EFAULT;
    }
    while (n < count) {
        /* a chunk up to the page end: a mapped page is mapped whole */
        long chunk = 4096 - (long)((addr + (uint64_t)n) & 4095);
        if (chunk > count - n)
            chunk = count - n;
        if (run && run->checked)
            chunk = 1;
        if (probe(run, addr + (uint64_t)n, dst + n, (size_t)chunk)) {
            dst[0] = 0;
            return -EFAULT;
        }
        char *z = memchr(dst + n, 0, (size_t)chunk);
        if (z)
            return (long)(z - dst) + 1;
        n += chunk;
    }
    dst[count - 1] = 0;
    return count;
}

/* ---- pass 1: bpf_bprintf_prepare ---- */

/* The capture buffer: the kernel's 512 bytes, with slack for what its
 * snprintf() of an address may run past the end (it advances by the
 * untruncated length). */
struct bin {
    uint8_t b[HLP_BPRINTF_BIN_ARGS + 64];
    long pos;
};

static void ip_text(char *out, size_t outsz, int *len, const uint8_t *ip, char kind, char ver)
{
    int n = 0;

    if (ver == '4')
        n = snprintf(out, outsz, kind == 'i' ? "%03u.%03u.%03u.%03u" : "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    else {
        char t[48];
        for (int g = 0; g < 8; g++)
            n += snprintf(t + n, sizeof(t) - (size_t)n, kind == 'I' && g < 7 ? "%02x%02x:" : "%02x%02x", ip[2 * g],
                          ip[2 * g + 1]);
        n = snprintf(out, outsz, "%s", t);
    }
    *len = n;
}

static int prepare(struct rt_run *run, const char *fmt, size_t n, const uint64_t *args, uint32_t num_args,
                   struct bin *bin)
{
    const long room = HLP_BPRINTF_BIN_ARGS;
    int cap = bin && num_args;
    uint32_t spec = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)fmt[i];
        uint64_t val = 0;
        long size;
        char ptype;

        /* plain text: ASCII control bytes refused, bytes >= 0x80 kept (UTF-8) */
        if (c < 0x80 && !k_isprint(c) && !k_isspace(c))
            return -EINVAL;
        if (c != '%')
            continue;
        if (fmt[i + 1] == '%') {
            i++;
            continue;
        }
        if (spec >= num_args)
            return -EINVAL;
        i++;
        if ((unsigned char)fmt[i] >= 0x80)
            return -EINVAL;
        /* "[0 +-]*[1-9][0-9]*": flags and width */
        while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ')
            i++;
        if (fmt[i] >= '1' && fmt[i] <= '9') {
            i++;
            while (k_isdigit(fmt[i]))
                i++;
        }
        if (fmt[i] == 'p') {
            char nx = fmt[i + 1];
            size = 8;
            if (nx == 0 || k_isspace(nx) || k_ispunct(nx)) {
                val = cap ? args[spec] : 0;
                goto nocopy;
            }
            if ((nx == 'k' || nx == 'u') && fmt[i + 2] == 's') {
                ptype = nx;
                i += 2;
                goto fmt_str;
            }
            if (nx == 'K' || nx == 'x' || nx == 's' || nx == 'S') {
                val = cap ? args[spec] : 0;
                i++;
                goto nocopy;
            }
            if (nx == 'B') {
                /* a backtrace symbol: no kernel symbol here, the address */
                if (cap) {
                    long left = room - bin->pos;
                    int w = snprintf(left > 0 ? (char *)bin->b + bin->pos : NULL, left > 0 ? (size_t)left : 0, "0x%llx",
                                     (unsigned long long)args[spec]);
                    bin->pos += w + 1;
                }
                i++;
                spec++;
                continue;
            }
            /* only %pI4, %pi4, %pI6, %pi6 */
            if ((nx != 'i' && nx != 'I') || (fmt[i + 2] != '4' && fmt[i + 2] != '6'))
                return -EINVAL;
            i += 2;
            if (!cap)
                goto nocopy;
            long ipsz = fmt[i] == '4' ? 4 : 16;
            uint8_t ip[16] = {0};
            int w;
            if (room - bin->pos < ipsz)
                return -ENOSPC;
            if (probe(run, args[spec], ip, (size_t)ipsz))
                memset(ip, 0, sizeof(ip));
            ip_text((char *)bin->b + bin->pos, (size_t)(room - bin->pos), &w, ip, fmt[i - 1], fmt[i]);
            bin->pos += w + 1;
            spec++;
            continue;
        } else if (fmt[i] == 's') {
            ptype = 's';
        fmt_str:
            if (fmt[i + 1] != 0 && !k_isspace(fmt[i + 1]) && !k_ispunct(fmt[i + 1]))
                return -EINVAL;
            if (!cap)
                goto nocopy;
            if (bin->pos == room)
                return -ENOSPC;
            long r = bin->pos < room ? copy_str(run, (char *)bin->b + bin->pos, args[spec], ptype, room - bin->pos) : 0;
            if (r < 0) {
                bin->b[bin->pos] = 0;
                r = 1;
            }
            bin->pos += r;
            spec++;
            continue;
        } else if (fmt[i] == 'c') {
            if (!cap)
                goto nocopy;
            if (bin->pos == room)
                return -ENOSPC;
            if (bin->pos < (long)sizeof(bin->b))
                bin->b[bin->pos] = (uint8_t)args[spec];
            bin->pos++;
            spec++;
            continue;
        }
        size = 4;
        if (fmt[i] == 'l') {
            size = 8;
            i++;
        }
        if (fmt[i] == 'l')
            i++;
        if (fmt[i] != 'i' && fmt[i] != 'd' && fmt[i] != 'u' && fmt[i] != 'x' && fmt[i] != 'X')
            return -EINVAL;
        val = cap ? args[spec] : 0;
    nocopy:
        if (cap) {
            bin->pos = (bin->pos + 3) & ~3l;
            if (room - bin->pos < size)
                return -ENOSPC;
            uint32_t lo = (uint32_t)val, hi = (uint32_t)(val >> 32);
            memcpy(bin->b + bin->pos, &lo, 4);
            if (size == 8)
                memcpy(bin->b + bin->pos + 4, &hi, 4);
            bin->pos += size;
        }
        spec++;
    }
    return 0;
}

int hlp_bprintf_check(const char *fmt, uint32_t fmt_size, uint32_t num_args)
{
    const char *end = memchr(fmt, 0, fmt_size);

    if (!end)
        return -EINVAL;
    return prepare(NULL, fmt, (size_t)(end - fmt), NULL, num_args, NULL);
}

/* ---- pass 2: bstr_printf ---- */

#define F_SIGN 1
#define F_LEFT 2
#define F_PLUS 4
#define F_SPACE 8
#define F_ZEROPAD 16
#define F_SMALL 32
#define FIELD_WIDTH_MAX ((1 << 23) - 1)

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if (o->len < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_n(struct out *o, char c, long n)
{
    if (n <= 0)
        return;
    size_t room = o->len < o->size ? o->size - o->len : 0;
    if (room)
        memset(o->buf + o->len, c, (size_t)n < room ? (size_t)n : room);
    o->len += (size_t)n;
}

static void put_s(struct out *o, const char *s, size_t n)
{
    if (o->len < o->size)
        memcpy(o->buf + o->len, s, n < o->size - o->len ? n : o->size - o->len);
    o->len += n;
}

/* lib/vsprintf.c number(): no precision and no '#' reach it from BPF */
static void number(struct out *o, uint64_t num, int width, unsigned flags, unsigned base)
{
    char tmp[24], sign = 0;
    int i = 0;

    if (flags & F_LEFT)
        flags &= ~(unsigned)F_ZEROPAD;
    if (flags & F_SIGN) {
        if ((int64_t)num < 0) {
            sign = '-';
            num = -num;
            width--;
        } else if (flags & F_PLUS) {
            sign = '+';
            width--;
        } else if (flags & F_SPACE) {
            sign = ' ';
            width--;
        }
    }
    do {
        unsigned d = (unsigned)(num % base);
        tmp[i++] = (char)(d < 10 ? '0' + d : ((flags & F_SMALL) ? 'a' : 'A') + d - 10);
        num /= base;
    } while (num);
    width -= i;
    if (!(flags & (F_ZEROPAD | F_LEFT)))
        put_n(o, ' ', width), width = 0;
    if (sign)
        put(o, sign);
    if (!(flags & F_LEFT))
        put_n(o, (flags & F_ZEROPAD) ? '0' : ' ', width), width = 0;
    while (--i >= 0)
        put(o, tmp[i]);
    put_n(o, ' ', width);
}

/* string()/widen_string(): spaces only, '-' puts them after */
static void string(struct out *o, const char *s, size_t n, int width, unsigned flags)
{
    long pad = (long)width - (long)n;
    if (!(flags & F_LEFT))
        put_n(o, ' ', pad);
    put_s(o, s, n);
    if (flags & F_LEFT)
        put_n(o, ' ', pad);
}

/* ptr_to_id(): the kernel hashes a pointer with a boot-time siphash key
 * and prints the low 32 bits; bpfrt keys a 64-bit mix per process. */
static uint32_t ptr_hash(uint64_t p)
{
    static uint64_t key;
    uint64_t k = __atomic_load_n(&key, __ATOMIC_RELAXED);
    if (!k) {
        if (getrandom(&k, sizeof(k), 0) != sizeof(k))
            k = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull;
        k |= 1;
        __atomic_store_n(&key, k, __ATOMIC_RELAXED);
    }
    p ^= k;
    p ^= p >> 33;
    p *= 0xff51afd7ed558ccdull;
    p ^= p >> 33;
    p *= 0xc4ceb9fe1a85ec53ull;
    p ^= p >> 33;
    return (uint32_t)p;
}

/* pointer(): what follows 'p' picks the form */
static void pointer(struct out *o, char kind, uint64_t p, int width, int has_width, unsigned flags)
{
    if (kind == 'S' || kind == 's') {
        char t[24];
        int n = snprintf(t, sizeof(t), "0x%llx", (unsigned long long)p);
        string(o, t, (size_t)n, has_width ? width : -1, flags);
        return;
    }
    /* %p and %pK (kptr_restrict 0): hashed unless NULL or an error pointer */
    if (kind != 'x' && p && p < (uint64_t)-4095)
        p = ptr_hash(p);
    if (!has_width) {
        width = 16;
        flags |= F_ZEROPAD;
    }
    number(o, p, width, flags | F_SMALL, 16);
}

static uint32_t get32(const struct bin *bin, long *a)
{
    uint32_t v = 0;
    *a = (*a + 3) & ~3l;
    if (*a + 4 <= (long)sizeof(bin->b))
        memcpy(&v, bin->b + *a, 4);
    *a += 4;
    return v;
}

static uint64_t get64(const struct bin *bin, long *a)
{
    uint64_t lo = get32(bin, a);
    return lo | (uint64_t)get32(bin, a) << 32;
}

static size_t bin_strlen(const struct bin *bin, long a)
{
    if (a >= (long)sizeof(bin->b))
        return 0;
    const uint8_t *z = memchr(bin->b + a, 0, sizeof(bin->b) - (size_t)a);
    return z ? (size_t)(z - (bin->b + a)) : sizeof(bin->b) - (size_t)a;
}

static size_t bstr(char *buf, size_t size, const char *fmt, const struct bin *bin)
{
    struct out o = {buf, size, 0};
    long a = 0;

    while (*fmt) {
        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        fmt++;
        if (*fmt == '%') {
            put(&o, '%');
            fmt++;
            continue;
        }
        unsigned flags = 0;
        for (;; fmt++) {
            if (*fmt == '-')
                flags |= F_LEFT;
            else if (*fmt == '+')
                flags |= F_PLUS;
            else if (*fmt == ' ')
                flags |= F_SPACE;
            else if (*fmt == '0')
                flags |= F_ZEROPAD;
            else
                break;
        }
        int width = -1, has_width = 0;
        if (k_isdigit(*fmt)) {
            uint32_t w = 0; /* skip_atoi: an int that may wrap */
            while (k_isdigit(*fmt))
                w = w * 10 + (uint32_t)(*fmt++ - '0');
            width = (int32_t)w;
            width = width > FIELD_WIDTH_MAX ? FIELD_WIDTH_MAX : width < -FIELD_WIDTH_MAX ? -FIELD_WIDTH_MAX : width;
            has_width = 1;
        }
        int ll = 0;
        while (*fmt == 'l')
            ll++, fmt++;
        char conv = *fmt++;
        switch (conv) {
        case 'c': {
            char c = a < (long)sizeof(bin->b) ? (char)bin->b[a] : 0;
            a++;
            if (!(flags & F_LEFT))
                put_n(&o, ' ', (long)width - 1);
            put(&o, c);
            if (flags & F_LEFT)
                put_n(&o, ' ', (long)width - 1);
            break;
        }
        case 's': {
            size_t n = bin_strlen(bin, a);
            string(&o, (const char *)bin->b + (a < (long)sizeof(bin->b) ? a : 0), n, width, flags);
            a += (long)n + 1;
            break;
        }
        case 'p': {
            char kind = *fmt;
            if (kind == 'S' || kind == 's' || kind == 'x' || kind == 'K' || !k_isalnum(kind)) {
                pointer(&o, kind, get64(bin, &a), width, has_width, flags);
            } else if (o.len < o.size) {
                /* pre-formatted (%pks, %pus, %pI4, %pI6, %pB): as is */
                size_t n = bin_strlen(bin, a);
                put_s(&o, (const char *)bin->b + (a < (long)sizeof(bin->b) ? a : 0), n);
                a += (long)n + 1;
            }
            while (k_isalnum(*fmt))
                fmt++;
            break;
        }
        default: {
            uint64_t num;
            unsigned base = (conv == 'x' || conv == 'X') ? 16 : 10;
            if (conv == 'x')
                flags |= F_SMALL;
            if (conv == 'd' || conv == 'i')
                flags |= F_SIGN;
            if (ll)
                num = get64(bin, &a);
            else if (flags & F_SIGN)
                num = (uint64_t)(int64_t)(int32_t)get32(bin, &a);
            else
                num = get32(bin, &a);
            number(&o, num, width, flags, base);
            break;
        }
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return o.len;
}

int hlp_bprintf(struct rt_run *run, char *out, size_t outsz, const char *fmt, uint32_t fmt_size, const uint64_t *args,
                uint32_t num_args)
{
    const char *end = memchr(fmt, 0, fmt_size);
    struct bin bin;
    int err;

    if (!end)
        return -EINVAL;
    memset(&bin, 0, sizeof(bin));
    err = prepare(run, fmt, (size_t)(end - fmt), args, num_args, &bin);
    if (err)
        return err;
    size_t len = bstr(out, outsz, fmt, &bin);
    return len > INT32_MAX ? INT32_MAX : (int)len;
}
