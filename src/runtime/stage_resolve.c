/* stage_resolve.c - pipeline stage 2: map references.
 *
 * An LD_IMM64 with BPF_PSEUDO_MAP_FD names a map by id (bpfrt's "fd" is
 * the id bpftool shows) and loads its address; with BPF_PSEUDO_MAP_VALUE
 * it loads the address of byte imm2 of the array's value (global data).
 * The program's own and xlated instructions keep the references, as the
 * kernel's xlated form does for dumps; the engine's copy gets the
 * addresses (prog_exec_copy). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../isa/isa.h"
#include "../maps/map.h"
#include "../maps/registry.h"
#include "prog.h"

static int add_used_map(struct bpfrt_prog *prog, struct bpfrt_map *m)
{
    struct bpfrt_map **n;

    for (unsigned i = 0; i < prog->nmaps; i++)
        if (prog->maps[i] == m)
            return 0;
    n = realloc(prog->maps, (prog->nmaps + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    prog->maps = n;
    prog->maps[prog->nmaps++] = m;
    return 0;
}

/* The map and address an LD_IMM64 at insns[i] refers to: 0 with *mp and
 * *addr set, 1 when it is no map reference, or a negative errno. */
static int map_ref(const struct bpf_insn *in, size_t i, struct bpfrt_map **mp, uint64_t *addr, struct cm_diag *d)
{
    struct bpfrt_map *m;

    switch (in->src_reg) {
    case BPF_PSEUDO_MAP_FD:
    case BPF_PSEUDO_MAP_VALUE: break;
    case BPF_PSEUDO_MAP_IDX:
    case BPF_PSEUDO_MAP_IDX_VALUE:
        return cm_diag_err(d, -EINVAL, (long)i, "map index %d needs an fd_array, which bpfrt does not take",
                           in->imm);
    case BPF_PSEUDO_BTF_ID:
        return cm_diag_err(d, -EOPNOTSUPP, (long)i, "kernel symbol (BTF id %d) has no meaning in user space",
                           in->imm);
    default: return 1; /* a constant, or BPF_PSEUDO_FUNC: the engine's */
    }
    m = map_by_id((uint32_t)in->imm);
    if (!m)
        return cm_diag_err(d, -EBADF, (long)i, "fd %d is not pointing to a valid map (no map with id %d)", in->imm,
                           in->imm);
    if (in->src_reg == BPF_PSEUDO_MAP_FD) {
        if (in[1].imm)
            return cm_diag_err(d, -EINVAL, (long)i, "map reference with a non-zero second immediate");
        *addr = (uint64_t)(uintptr_t)m;
    } else {
        uint32_t zero = 0, off = (uint32_t)in[1].imm;
        void *v;
        if (m->type != BPF_MAP_TYPE_ARRAY || !m->ops->lookup)
            return cm_diag_err(d, -EINVAL, (long)i, "direct value access needs an array map; map '%s' is not",
                               m->name);
        if (m->max_entries != 1)
            /* array_map_direct_value_addr: only a one-element array */
            return cm_diag_err(d, -524 /* the kernel's ENOTSUPP, as bpf() returns it */, (long)i,
                               "invalid access to map value pointer, value_size=%u off=%u: direct value access "
                               "needs an array of one element; map '%s' has %u",
                               m->value_size, (uint32_t)in[1].imm, m->name, m->max_entries);
        if (off >= m->value_size)
            return cm_diag_err(d, -EINVAL, (long)i, "direct value offset %u is past the value of map '%s' (%u bytes)",
                               off, m->name, m->value_size);
        v = m->ops->lookup(m, &zero, 0);
        if (!v)
            return cm_diag_err(d, -EINVAL, (long)i, "map '%s' has no element 0", m->name);
        *addr = (uint64_t)(uintptr_t)v + off;
    }
    *mp = m;
    return 0;
}

int prog_stage_resolve(struct bpfrt_prog *prog, struct cm_diag *d)
{
    for (size_t i = 0; i + 1 < prog->cnt; i++) {
        const struct bpf_insn *in = &prog->insns[i];
        struct bpfrt_map *m;
        uint64_t addr;
        int err;

        if (!isa_is_ldimm64(in))
            continue;
        err = map_ref(in, i, &m, &addr, d);
        i++;
        if (err == 1)
            continue;
        if (err)
            return err;
        err = add_used_map(prog, m);
        if (err)
            return cm_diag_err(d, err, -1, "out of memory");
    }
    return 0;
}

int prog_exec_copy(const struct bpfrt_prog *prog, struct bpf_insn **execp, struct cm_diag *d)
{
    struct bpf_insn *x = malloc(prog->xl_cnt * sizeof(*x));

    if (!x)
        return cm_diag_err(d, -ENOMEM, -1, "out of memory");
    memcpy(x, prog->xl, prog->xl_cnt * sizeof(*x));
    for (size_t i = 0; i + 1 < prog->xl_cnt; i++) {
        struct bpfrt_map *m;
        uint64_t addr;
        int err;

        if (!isa_is_ldimm64(&x[i]))
            continue;
        err = map_ref(&x[i], prog->xl_orig[i], &m, &addr, d);
        if (err < 0) {
            free(x);
            return err;
        }
        if (!err) {
            x[i].src_reg = 0;
            x[i].imm = (int32_t)(uint32_t)addr;
            x[i + 1].imm = (int32_t)(uint32_t)(addr >> 32);
        }
        i++;
    }
    *execp = x;
    return 0;
}
