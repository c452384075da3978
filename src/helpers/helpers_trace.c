/* helpers_trace.c - the printf-like helpers on the format engine of
 * bprintf.c:
 *
 *   bpf_trace_printk(fmt, fmt_size, a1, a2, a3)   kernel/trace/bpf_trace.c
 *   bpf_trace_vprintk(fmt, fmt_size, args, data_len)
 *   bpf_snprintf(str, str_size, fmt, args, data_len)  kernel/bpf/helpers.c
 *
 * The two trace helpers write one line, the formatted message cut at 1023
 * bytes (MAX_BPRINTF_BUF) and at its first NUL, to the trace buffer
 * (trace.c: the trace_pipe analogue) and return the length the whole
 * message would have had (bstr_printf's value), or -EINVAL / -ENOSPC as
 * the kernel.  The message is kept as formatted: a trailing "\n" stays,
 * so trace_pipe's reader shows an empty line after it, as the kernel's
 * does.  bpf_snprintf returns the length it needed, NUL included. */
#include <errno.h>
#include <string.h>

#include "bprintf.h"
#include "helpers.h"
#include "helpers_internal.h"
#include "trace.h"

static uint64_t ret_err(int err)
{
    return (uint64_t)(int64_t)err;
}

static uint64_t print_line(struct rt_run *run, const char *helper, uint64_t fmt, uint64_t fmt_size,
                           const uint64_t *args, uint32_t nargs)
{
    char line[HLP_BPRINTF_BUF];
    int n;

    if (hlp_arg_mem(run, fmt, fmt_size, 0, helper, "fmt"))
        return 0;
    if (fmt_size > UINT32_MAX)
        return ret_err(-EINVAL);
    n = hlp_bprintf(run, line, sizeof(line), (const char *)(uintptr_t)fmt, (uint32_t)fmt_size, args, nargs);
    if (n < 0)
        return ret_err(n);
    trace_emit(run->worker, line);
    return (uint64_t)n;
}

static uint64_t hlp_trace_printk(uint64_t fmt, uint64_t fmt_size, uint64_t a1, uint64_t a2, uint64_t a3,
                                 struct rt_run *run)
{
    const uint64_t args[HLP_TRACE_PRINTK_VARARGS] = {a1, a2, a3};

    return print_line(run, "trace_printk", fmt, fmt_size, args, HLP_TRACE_PRINTK_VARARGS);
}

/* The u64 array of the v-helpers: data_len a multiple of 8, at most 12
 * of them, args not NULL when there are any (bpf_trace_vprintk,
 * bpf_snprintf); 0 or -EINVAL; the run failed (checked) when unreadable. */
static int var_args(struct rt_run *run, const char *helper, uint64_t args, uint64_t data_len, uint64_t *out,
                    uint32_t *nargs)
{
    if ((data_len & 7) || data_len > HLP_BPRINTF_VARARGS * 8 || (data_len && !args))
        return -EINVAL;
    if (hlp_arg_mem(run, args, data_len, 0, helper, "args"))
        return -EFAULT;
    if (data_len)
        memcpy(out, (const void *)(uintptr_t)args, data_len);
    *nargs = (uint32_t)(data_len / 8);
    return 0;
}

static uint64_t hlp_trace_vprintk(uint64_t fmt, uint64_t fmt_size, uint64_t args, uint64_t data_len, uint64_t r5,
                                  struct rt_run *run)
{
    uint64_t a[HLP_BPRINTF_VARARGS];
    uint32_t nargs;
    int err = var_args(run, "trace_vprintk", args, data_len, a, &nargs);

    (void)r5;
    if (err)
        return err == -EFAULT ? 0 : ret_err(err);
    return print_line(run, "trace_vprintk", fmt, fmt_size, a, nargs);
}

/* The length of the NUL-terminated fmt (ARG_PTR_TO_CONST_STR: the
 * verifier proved it in a read-only map value); checked runs read it
 * byte by byte.  -1 with the run failed when it runs off readable memory. */
static long const_str_len(struct rt_run *run, uint64_t s, const char *helper)
{
    long n = 0;

    if (!run->checked)
        return (long)strlen((const char *)(uintptr_t)s);
    for (;; n++) {
        if (hlp_arg_mem(run, s + (uint64_t)n, 1, 0, helper, "fmt"))
            return -1;
        if (!*(const char *)(uintptr_t)(s + (uint64_t)n))
            return n;
    }
}

static uint64_t hlp_snprintf(uint64_t str, uint64_t str_size, uint64_t fmt, uint64_t args, uint64_t data_len,
                             struct rt_run *run)
{
    uint64_t a[HLP_BPRINTF_VARARGS];
    uint32_t nargs;
    long flen;
    int err, n;

    err = var_args(run, "snprintf", args, data_len, a, &nargs);
    if (err)
        return err == -EFAULT ? 0 : ret_err(err);
    flen = const_str_len(run, fmt, "snprintf");
    if (flen < 0)
        return 0;
    if (str_size && (!str || hlp_arg_mem(run, str, str_size, 1, "snprintf", "str")))
        return str ? 0 : ret_err(-EINVAL);
    if (str_size > INT32_MAX)
        return 1; /* bstr_printf refuses a size over INT_MAX and prints nothing */
    n = hlp_bprintf(run, (char *)(uintptr_t)str, str_size, (const char *)(uintptr_t)fmt, (uint32_t)flen + 1, a, nargs);
    if (n < 0)
        return ret_err(n);
    return (uint64_t)n + 1;
}

static const struct hlp_desc hlp_trace_table[] = {
    {BPF_FUNC_trace_printk, "trace_printk", hlp_trace_printk, 1},
    {BPF_FUNC_trace_vprintk, "trace_vprintk", hlp_trace_vprintk, 1},
    {BPF_FUNC_snprintf, "snprintf", hlp_snprintf, 1},
};
HLP_TABLE(hlp_trace_tab, hlp_trace_table);
