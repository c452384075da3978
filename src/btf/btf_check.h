/* btf_check.h - BTF that libbpf parsed can still name types that do not
 * exist: the loader, pinned maps and BTF listings check it once before
 * they walk it (src/btf/ sits below the maps and the loader, which both
 * take BTF from outside). */
#ifndef BPFRT_BTF_CHECK_H
#define BPFRT_BTF_CHECK_H

#include <stddef.h>
#include <stdint.h>

struct btf; /* libbpf */

/* The first type id whose references name a type that does not exist (or
 * whose kind is unknown), 0 when every reference is good. */
uint32_t btf_first_bad_ref(const struct btf *btf);

/* Every reference names an existing type (btf_first_bad_ref), and every
 * reference loop passes through a pointer and a named struct or union, as
 * in C (the kernel's BTF verifier refuses the other loops; libbpf's walkers
 * recurse on them until the stack runs out).  0, or -EINVAL with the first
 * offending type in why (-ENOMEM). */
int btf_check_types(const struct btf *btf, char *why, size_t whysz);

#endif
