/* btf_check.h - BTF that libbpf parsed can still name types that do not
 * exist: the loader, pinned maps and BTF listings check it once before
 * they walk it (src/btf/ sits below the maps and the loader, which both
 * take BTF from outside). */
#ifndef BPFRT_BTF_CHECK_H
#define BPFRT_BTF_CHECK_H

#include <stdint.h>

struct btf; /* libbpf */

/* The first type id whose references name a type that does not exist (or
 * whose kind is unknown), 0 when every reference is good. */
uint32_t btf_first_bad_ref(const struct btf *btf);

#endif
