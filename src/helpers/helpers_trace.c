/* helpers_trace.c - bpf_trace_printk(fmt, fmt_size, ...): the kernel's
 * format subset (bpf-helpers(7): %d %i %u %x %X %c %s %p and the l / ll
 * length modifiers, at most three arguments, fmt NUL-terminated within
 * fmt_size) written as a line to the trace buffer (src/runtime/trace.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "trace.h"
#include "helpers.h"

#define TRACE_LINE 512

/* Copy a string argument (%s) the program points at, at most max - 1
 * bytes; in checked mode every byte must be readable. */
static int read_str(struct rt_run *run, uint64_t addr, char *out, size_t max)
{
    size_t n = 0;

    for (; n + 1 < max; n++) {
        if (run->checked && rt_check_mem(run, addr + n, 1, RT_R, "trace_printk", "%s argument"))
            return -EFAULT;
        out[n] = *(const char *)(uintptr_t)(addr + n);
        if (!out[n])
            return 0;
    }
    out[n] = 0;
    return 0;
}

static uint64_t hlp_trace_printk(uint64_t fmt_addr, uint64_t fmt_size, uint64_t a1, uint64_t a2, uint64_t a3,
                                 struct rt_run *run)
{
    const char *fmt = (const char *)(uintptr_t)fmt_addr;
    const uint64_t args[3] = {a1, a2, a3};
    char line[TRACE_LINE], spec[16], str[128];
    size_t len = 0;
    unsigned nargs = 0;

    if (!fmt_size || fmt_size > 4096)
        return (uint64_t)(int64_t)-EINVAL;
    if (run->checked && rt_check_mem(run, fmt_addr, fmt_size, RT_R, "trace_printk", "fmt"))
        return 0;
    if (!memchr(fmt, 0, fmt_size))
        return (uint64_t)(int64_t)-EINVAL;
    for (const char *f = fmt; *f && len + 1 < sizeof(line);) {
        if (*f != '%') {
            line[len++] = *f++;
            continue;
        }
        if (f[1] == '%') {
            line[len++] = '%';
            f += 2;
            continue;
        }
        /* %[-0 width][l|ll|h|hh]conv, as the kernel's checker accepts */
        const char *start = f++;
        while (*f == '-' || *f == '0' || *f == '+' || *f == ' ' || (*f >= '1' && *f <= '9'))
            f++;
        int lmod = 0;
        while (*f == 'l' && lmod < 2)
            f++, lmod++;
        char conv = *f;
        if (!conv || !strchr("diuxXcsp", conv))
            return (uint64_t)(int64_t)-EINVAL;
        if (nargs >= 3)
            return (uint64_t)(int64_t)-EINVAL;
        f++;
        size_t slen = (size_t)(f - start);
        if (slen >= sizeof(spec) - 3)
            return (uint64_t)(int64_t)-EINVAL;
        uint64_t v = args[nargs++];
        int w;
        if (conv == 's') {
            if (read_str(run, v, str, sizeof(str)))
                return 0;
            memcpy(spec, start, slen);
            spec[slen] = 0;
            w = snprintf(line + len, sizeof(line) - len, spec, str);
        } else if (conv == 'p') {
            w = snprintf(line + len, sizeof(line) - len, "0x%016llx", (unsigned long long)v);
        } else if (conv == 'c') {
            w = snprintf(line + len, sizeof(line) - len, "%c", (int)(unsigned char)v);
        } else {
            /* rebuild the spec with ll so the argument is always 64 bits;
             * without l/ll the value is the low 32 bits, as in the kernel */
            size_t flags = (size_t)(f - 1 - start) - (size_t)lmod;
            memcpy(spec, start, flags);
            memcpy(spec + flags, "ll", 2);
            spec[flags + 2] = conv;
            spec[flags + 3] = 0;
            if (lmod == 0)
                v = (conv == 'd' || conv == 'i') ? (uint64_t)(int64_t)(int32_t)v : (uint32_t)v;
            w = snprintf(line + len, sizeof(line) - len, spec, (long long)v);
        }
        if (w < 0)
            return (uint64_t)(int64_t)-EINVAL;
        len += (size_t)w < sizeof(line) - len ? (size_t)w : sizeof(line) - len - 1;
    }
    line[len] = 0;
    /* the kernel drops one trailing newline: each call is one line */
    if (len && line[len - 1] == '\n')
        line[--len] = 0;
    trace_emit(run->worker, line);
    return len + 1;
}

const struct hlp_desc hlp_trace_desc = {BPF_FUNC_trace_printk, "trace_printk", hlp_trace_printk, 1};
