/* opts.h - reading the library's option structs (BPFRT_OPTS in bpfrt.h):
 * a field counts only when the caller's struct, by its sz, is big enough
 * to hold it, so callers built against an older, smaller struct get the
 * default (libbpf's OPTS_GET). */
#ifndef BPFRT_COMMON_OPTS_H
#define BPFRT_COMMON_OPTS_H

#include <stddef.h>

#define COMMON_OPTS_HAS(opts, field) \
    ((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))
#define COMMON_OPTS_GET(opts, field, dflt) (COMMON_OPTS_HAS(opts, field) ? (opts)->field : (dflt))

#endif
