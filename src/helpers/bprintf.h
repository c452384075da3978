/* bprintf.h - the format engine of the printf-like helpers
 * (bpf_trace_printk, bpf_trace_vprintk, bpf_snprintf): the kernel's
 * bpf_bprintf_prepare() checks and argument capture (kernel/bpf/helpers.c)
 * followed by its bstr_printf() output rules (lib/vsprintf.c), so that a
 * format is refused, truncated and printed as the running kernel does
 * (tests/kernel-diff/test_core_helpers_diff.c compares them). */
#ifndef BPFRT_HELPERS_BPRINTF_H
#define BPFRT_HELPERS_BPRINTF_H

#include <stddef.h>
#include <stdint.h>

#include "../engine/run.h"

#define HLP_BPRINTF_BUF 1024       /* MAX_BPRINTF_BUF (include/linux/bpf.h): trace line bytes, NUL included */
#define HLP_BPRINTF_BIN_ARGS 512   /* MAX_BPRINTF_BIN_ARGS (kernel/bpf/helpers.c): captured arguments */
#define HLP_BPRINTF_VARARGS 12     /* MAX_BPRINTF_VARARGS: vprintk / snprintf arguments */
#define HLP_TRACE_PRINTK_VARARGS 3 /* MAX_TRACE_PRINTK_VARARGS */

/* The kernel's check of a format alone (bpf_bprintf_prepare without
 * arguments, as check_bpf_snprintf_call runs it at load time): fmt must
 * hold a NUL within fmt_size bytes; 0 or -EINVAL. */
int hlp_bprintf_check(const char *fmt, uint32_t fmt_size, uint32_t num_args);

/* Format as bpf_bprintf_prepare + bstr_printf: fmt (NUL within fmt_size;
 * the caller has checked that fmt is readable), args (num_args of them)
 * are the program's values; %s, %pks, %pI4, ... read the memory they point
 * at without faulting (an unreadable pointer gives an empty string or a
 * zero address, as the kernel's *_nofault copies; in checked runs only the
 * run's regions are readable).  Writes at most outsz bytes (NUL-terminated
 * when outsz > 0).  Returns the length the whole output would have (NUL
 * excluded), or -EINVAL (a format the kernel refuses), -ENOSPC (the
 * captured arguments exceed HLP_BPRINTF_BIN_ARGS bytes). */
int hlp_bprintf(struct rt_run *run, char *out, size_t outsz, const char *fmt, uint32_t fmt_size, const uint64_t *args,
                uint32_t num_args);

#endif
