/* fixup_inline.c - helper calls an engine may inline, from the verifier's
 * facts (part of pipeline stage 4, stage_fixup.c).
 *
 * bpf_map_lookup_elem on a BPF_MAP_TYPE_ARRAY that the verifier saw as
 * the call's map argument on every path (vf_insn_fact.map: the kernel's
 * insn_aux_data map_ptr_state, not poisoned) becomes
 * ENG_INLINE_ARRAY_LOOKUP, the kernel's array_map_gen_lookup
 * (kernel/bpf/arraymap.c): a bounds check of the u32 index and an address
 * computation, no call.  The engine keeps the helper call for any other
 * r1 (a map from a map-in-map lookup has the inner map's prototype as its
 * fact), so the fact only picks the map to expect.  The values' address
 * and stride come from the array itself: index 0's value (the map's own
 * lookup) and round_up(value_size, 8) (arraymap.c's layout; the kernel's
 * elem_size).  Unprivileged programs get the kernel's Spectre v1
 * index_mask (roundup_pow_of_two(max_entries) - 1), which the kernel's
 * lookup applies after the bounds check unless bypass_spec_v1; and their
 * pointer arithmetic with a register offset gets the kernel's masking of
 * the offset (do_misc_fixups() from sanitize_ptr_alu's alu_state and
 * alu_limit).  Tested in tests/unit/test_jit_inline.c. */
#include <linux/bpf.h>

#include "../isa/isa.h"
#include "../maps/map.h"
#include "../verifier/verifier.h"
#include "prog.h"

static uint32_t spec_mask(uint32_t n)
{
    uint64_t p = 1;

    while (p < n)
        p <<= 1;
    return (uint32_t)(p - 1);
}

void prog_fixup_inline(const struct bpfrt_prog *prog, struct eng_call *calls)
{
    if (!prog->verified || !prog->facts)
        return;
    for (size_t i = 0; i < prog->xl_cnt; i++) {
        const struct bpf_insn *in = &prog->xl[i];
        const struct vf_insn_fact *f = &prog->facts[prog->xl_orig[i]];
        const struct bpfrt_map *m;
        uint32_t zero = 0;
        void *v0;

        /* Spectre v1: unprivileged pointer arithmetic with a register
         * offset, masked as do_misc_fixups() does (the engine emits it) */
        if (prog->unpriv && (in->code == (BPF_ALU64 | BPF_ADD | BPF_X) || in->code == (BPF_ALU64 | BPF_SUB | BPF_X)) &&
            f->alu_state && f->alu_state != ENG_ALU_NON_POINTER) {
            calls[i].alu_state = f->alu_state;
            calls[i].alu_limit = f->alu_limit;
            continue;
        }

        if (in->code != (BPF_JMP | BPF_CALL) || in->src_reg != 0 || in->imm != BPF_FUNC_map_lookup_elem ||
            calls[i].kind != ENG_CALL_HELPER)
            continue;
        m = f->map;
        if (!m || m->type != BPF_MAP_TYPE_ARRAY || !m->ops->lookup || !m->max_entries ||
            map_round8(m->value_size) > INT32_MAX)
            continue;
        v0 = m->ops->lookup((struct bpfrt_map *)m, &zero, 0);
        if (!v0)
            continue;
        calls[i].inl = ENG_INLINE_ARRAY_LOOKUP;
        calls[i].map = (uint64_t)(uintptr_t)m;
        calls[i].values = (uint64_t)(uintptr_t)v0;
        calls[i].stride = map_round8(m->value_size);
        calls[i].max_entries = m->max_entries;
        calls[i].mask = prog->unpriv ? spec_mask(m->max_entries) : 0;
    }
}
