/* protos_internal.h - the prototype tables' rows (protos_core.c,
 * protos_net.c, protos_trace.c) and the macros they are written with. */
#ifndef BPFRT_HELPERS_PROTOS_INTERNAL_H
#define BPFRT_HELPERS_PROTOS_INTERNAL_H

#include <linux/bpf.h>
#include <stddef.h>

#include "protos.h"

/* A row of helper BPF_FUNC_fn without a callback, and one whose argument
 * cb (0-based) is a callback that must return a value in [lo, hi] (the
 * kernel's callback_ret_range). */
#define R(fn, ...) {.id = BPF_FUNC_##fn, .cb_arg = HLP_NO_CB, __VA_ARGS__}
#define RCB(fn, cb, lo, hi, ...) {.id = BPF_FUNC_##fn, .cb_arg = (cb), .cb_ret_min = (lo), .cb_ret_max = (hi), __VA_ARGS__}

extern const struct hlp_proto hlp_protos_core[], hlp_protos_net[], hlp_protos_trace[];
extern const unsigned hlp_nr_protos_core, hlp_nr_protos_net, hlp_nr_protos_trace;
extern const struct hlp_proto hlp_variants_core[], hlp_variants_net[], hlp_variants_trace[];
extern const unsigned hlp_nr_variants_core, hlp_nr_variants_net, hlp_nr_variants_trace;

#endif
