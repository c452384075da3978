/* btf_fmt.h - map values printed from BTF the way bpftool
 * prints them (its "formatted" map values). */
#ifndef BPFRT_TOOL_BTF_FMT_H
#define BPFRT_TOOL_BTF_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

struct btf;

/* Write the value at data (size bytes available) of BTF type id into j as
 * one JSON value: integers as numbers, char arrays holding text as
 * strings, enums by name, structs and unions as objects by member name,
 * variables as {"name": value}, data sections as {"sec": [vars]}.
 * Returns 0, or -EINVAL when the type does not fit in size bytes or is
 * malformed (nothing written then is guaranteed only for the size check). */
int btf_fmt_value(struct json *j, const struct btf *btf, uint32_t id, const void *data, size_t size);

#endif
