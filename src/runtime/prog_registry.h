/* prog_registry.h - live programs by id (the "fd" of a program in a prog
 * array, as bpftool shows ids). */
#ifndef BPFRT_PROG_REGISTRY_H
#define BPFRT_PROG_REGISTRY_H

#include <linux/bpf.h>
#include <stdint.h>

struct bpfrt_prog;

struct bpfrt_prog *prog_get_by_id(uint32_t id);
enum bpf_prog_type prog_get_type(const struct bpfrt_prog *p);

#endif
