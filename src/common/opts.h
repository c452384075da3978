/* opts.h - reading the size-prefixed options structs of the public API
 * (BPFRT_OPTS): a field the caller's struct is too small to hold reads as
 * its default, so old callers keep working when fields are added. */
#ifndef BPFRT_COMMON_OPTS_H
#define BPFRT_COMMON_OPTS_H

#include <stddef.h>

#define CM_OPT(opts, field, dflt)                                                                                      \
    ((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field) ? (opts)->field : (dflt))

/* Does the caller's struct hold field? */
#define CM_OPT_HAS(opts, field) ((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))

#endif
