/* btf_fmt.h - values and prototypes printed from BTF the way bpftool
 * prints them (its "formatted" map values, its function prototypes in
 * `prog dump xlated`). */
#ifndef BPFRT_TOOL_BTF_FMT_H
#define BPFRT_TOOL_BTF_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

struct btf;

/* "int entry(struct xdp_md * ctx)" for the BTF FUNC func_id, as bpftool
 * heads each function of a listing.  Returns 0, or -EINVAL when func_id
 * is not a FUNC with a prototype (buf then empty). */
int btf_fmt_func_proto(const struct btf *btf, uint32_t func_id, char *buf, size_t sz);

/* Write the value at data (size bytes available) of BTF type id into j as
 * one JSON value: integers as numbers, char arrays holding text as
 * strings, enums by name, structs and unions as objects by member name,
 * variables as {"name": value}, data sections as {"sec": [vars]}.
 * Returns 0, or -EINVAL when the type does not fit in size bytes or is
 * malformed (nothing written then is guaranteed only for the size check). */
int btf_fmt_value(struct json *j, const struct btf *btf, uint32_t id, const void *data, size_t size);

#endif
