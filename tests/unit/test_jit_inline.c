/* test_jit_inline.c - helper calls the JIT inlines from the verifier's
 * facts (src/runtime/fixup_inline.c, jit_x86_64_emit.c
 * emit_array_lookup): bpf_map_lookup_elem on an array map is the
 * kernel's array_map_gen_lookup (kernel/bpf/arraymap.c): a bounds check
 * of the u32 index (index >= max_entries gives NULL, as array_map_lookup_elem)
 * and values + index * round_up(value_size, 8).  Every program runs in
 * the JIT and in the interpreter (which calls the helper) and both must
 * give the expected result; the image must hold the inlined sequence.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "insns.h"

#if defined(__x86_64__)
#include "engine/jit_x86_64.h"
#include "maps/map.h"
#include "runtime/prog.h"

static int has_bytes(const struct bpfrt_prog *prog, const void *b, size_t n)
{
    const struct jit_image *img = prog->image;

    for (size_t k = 0; k + n <= img->code_len; k++)
        if (!memcmp(img->code + k, b, n))
            return 1;
    return 0;
}

/* r7 += lookup(map, key) ? *(u64 *)value : 1000, for each key; r0 = r7. */
static size_t sum_prog(struct bpf_insn *p, uint32_t id, const uint32_t *keys, size_t nkeys)
{
    size_t n = 0;

    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(7, 0);
    for (size_t k = 0; k < nkeys; k++) {
        p[n++] = (struct bpf_insn)INSN_ST_IMM(BPF_W, 10, -4, (int32_t)keys[k]);
        p[n++] = (struct bpf_insn)INSN_RAW(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, id);
        p[n++] = (struct bpf_insn){0};
        p[n++] = (struct bpf_insn)INSN_MOV64_REG(2, 10);
        p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, 2, -4);
        p[n++] = (struct bpf_insn)INSN_CALL(BPF_FUNC_map_lookup_elem);
        p[n++] = (struct bpf_insn)INSN_JMP_IMM(BPF_JNE, 0, 0, 2);
        p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, 7, 1000);
        p[n++] = (struct bpf_insn)INSN_JA(2);
        p[n++] = (struct bpf_insn)INSN_LDX(BPF_DW, 1, 0, 0);
        p[n++] = (struct bpf_insn)INSN_ALU64_REG(BPF_ADD, 7, 1);
    }
    p[n++] = (struct bpf_insn)INSN_MOV64_REG(0, 7);
    p[n++] = (struct bpf_insn)INSN_EXIT();
    return n;
}

/* Load p as type (unpriv: the unprivileged rules) in engine, run it on a
 * 64-byte packet, return r0. */
static uint64_t load_run(const struct bpf_insn *p, size_t n, enum bpf_prog_type type, int unpriv, const char *engine,
                         struct bpfrt_prog **keep)
{
    char log[4096] = "", err[256] = "";
    uint8_t pkt[64] = {0};
    struct bpfrt_prog *prog = NULL;
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = type, .engine = engine, .unpriv = unpriv, .log_buf = log,
               .log_size = sizeof(log), .log_level = 0);
    BPFRT_OPTS(bpfrt_run_opts, r, .data = pkt, .data_size = sizeof(pkt), .err_buf = err, .err_size = sizeof(err));

    cr_assert_eq(bpfrt_prog__load_insns(p, n, &o, &prog), 0, "%s load: %s", engine, log);
    cr_assert(bpfrt_prog__is_verified(prog));
    cr_assert_eq(bpfrt_prog__run(prog, &r), 0, "%s run: %s", engine, err);
    if (keep)
        *keep = prog;
    else
        bpfrt_prog__free(prog);
    return r.retval;
}

/* Three strides: 8 (value_size 8: shift), 16 (value_size 12, rounded up
 * to 8 as the kernel's elem_size), 24 (value_size 20: a multiply); keys
 * in range, the last one, max_entries and 0xffffffff (NULL). */
Test(jit_inline, array_lookup)
{
    static const uint32_t vsz[] = {8, 12, 20};
    static const uint32_t keys[] = {0, 3, 4, 5, 0xffffffffu, 1};

    for (size_t v = 0; v < 3; v++) {
        struct bpfrt_map *m = NULL;
        struct bpf_insn p[128];
        struct bpfrt_prog *prog;
        uint64_t expect = 0, got, values;
        size_t n;

        cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "a", 4, vsz[v], 5, NULL, &m), 0);
        for (uint32_t k = 0; k < 5; k++) {
            uint8_t val[20] = {0};
            uint64_t x = 11ull * (k + 1) + v;
            memcpy(val, &x, 8);
            cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, val, vsz[v], BPF_ANY), 0);
        }
        for (size_t k = 0; k < 6; k++)
            expect += keys[k] < 5 ? 11ull * (keys[k] + 1) + v : 1000;
        n = sum_prog(p, bpfrt_map__id(m), keys, 6);
        cr_assert_eq(load_run(p, n, BPF_PROG_TYPE_XDP, 0, "interp", NULL), (uint32_t)expect);
        got = load_run(p, n, BPF_PROG_TYPE_XDP, 0, "jit", &prog);
        cr_assert_eq(got, (uint32_t)expect, "value_size %u: jit %llu, expected %llu", vsz[v],
                     (unsigned long long)got, (unsigned long long)expect);
        /* inlined: the address of the values is in the code */
        {
            uint32_t zero = 0;
            values = (uint64_t)(uintptr_t)m->ops->lookup(m, &zero, 0);
        }
        cr_assert(has_bytes(prog, &values, 8), "value_size %u: the lookup is not inlined", vsz[v]);
        /* r1 = map right before each call: no check of r1 (the map's
         * address only in the six LD_IMM64s) */
        {
            const struct jit_image *img = prog->image;
            uint64_t mp = (uint64_t)(uintptr_t)m;
            size_t seen = 0;
            for (size_t i = 0; i + 8 <= img->code_len; i++)
                seen += !memcmp(img->code + i, &mp, 8);
            if (!img->blinded)
                cr_assert_eq(seen, 6, "value_size %u: the map's address %zu times", vsz[v], seen);
        }
        bpfrt_prog__free(prog);
        bpfrt_map__free(m);
    }
}

/* Unprivileged programs: after the bounds check the index is masked with
 * roundup_pow_of_two(max_entries) - 1 (the kernel's array->index_mask,
 * applied by array_map_gen_lookup unless bypass_spec_v1): the bounds
 * check's jae, then and eax, 7.  A privileged load has no mask. */
Test(jit_inline, array_lookup_spectre_mask_unpriv)
{
    static const uint32_t keys[] = {2, 7};
    static const uint8_t and7[] = {0x83, 0xE0, 0x07};
    struct bpfrt_map *m = NULL;
    struct bpf_insn p[64];
    uint64_t val = 5;
    uint32_t k = 2;
    size_t n;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "a", 4, 8, 5, NULL, &m), 0);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &val, 8, BPF_ANY), 0);
    n = sum_prog(p, bpfrt_map__id(m), keys, 2);
    for (int unpriv = 0; unpriv < 2; unpriv++) {
        struct bpfrt_prog *prog;
        const struct jit_image *img;
        int masked = 0;

        cr_assert_eq(load_run(p, n, BPF_PROG_TYPE_SOCKET_FILTER, unpriv, "interp", NULL), 1005);
        cr_assert_eq(load_run(p, n, BPF_PROG_TYPE_SOCKET_FILTER, unpriv, "jit", &prog), 1005);
        img = prog->image;
        for (size_t i = 0; i + 5 <= img->code_len; i++)
            if (img->code[i] == 0x73 && !memcmp(img->code + i + 2, and7, 3))
                masked = 1;
        cr_assert_eq(masked, unpriv, "unpriv %d: masked %d", unpriv, masked);
        bpfrt_prog__free(prog);
    }
    bpfrt_map__free(m);
}

/* A lookup in an inner map (from an ARRAY_OF_MAPS lookup): the verifier's
 * fact is the inner map's prototype, not the map r1 holds at run time, so
 * the inlined code must take the helper call (r1 is compared with the map
 * the fact named) and find the inner map's value. */
Test(jit_inline, inner_map_takes_the_call)
{
    struct bpfrt_map *proto = NULL, *inner = NULL, *outer = NULL;
    struct bpfrt_map_create_opts o = {.sz = sizeof(o)};
    uint32_t k = 0, id;
    uint64_t val = 77;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "proto", 4, 8, 4, NULL, &proto), 0);
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "inner", 4, 8, 4, NULL, &inner), 0);
    o.inner_map = proto;
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "outer", 4, 4, 2, &o, &outer), 0);
    id = bpfrt_map__id(inner);
    cr_assert_eq(bpfrt_map__update_elem(outer, &k, 4, &id, 4, BPF_ANY), 0);
    k = 2;
    cr_assert_eq(bpfrt_map__update_elem(inner, &k, 4, &val, 8, BPF_ANY), 0);
    {
        const struct bpf_insn p[] = {
            INSN_ST_IMM(BPF_W, 10, -4, 0),
            INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_FD, bpfrt_map__id(outer), 0),
            INSN_MOV64_REG(2, 10),
            INSN_ALU64_IMM(BPF_ADD, 2, -4),
            INSN_CALL(BPF_FUNC_map_lookup_elem),
            INSN_JMP_IMM(BPF_JNE, 0, 0, 2),
            INSN_MOV64_IMM(0, 1),
            INSN_EXIT(),
            INSN_MOV64_REG(1, 0),
            INSN_ST_IMM(BPF_W, 10, -8, 2),
            INSN_MOV64_REG(2, 10),
            INSN_ALU64_IMM(BPF_ADD, 2, -8),
            INSN_CALL(BPF_FUNC_map_lookup_elem),
            INSN_JMP_IMM(BPF_JNE, 0, 0, 2),
            INSN_MOV64_IMM(0, 2),
            INSN_EXIT(),
            INSN_LDX(BPF_DW, 0, 0, 0),
            INSN_EXIT(),
        };
        size_t n = sizeof(p) / sizeof(p[0]);
        cr_assert_eq(load_run(p, n, BPF_PROG_TYPE_XDP, 0, "interp", NULL), 77);
        cr_assert_eq(load_run(p, n, BPF_PROG_TYPE_XDP, 0, "jit", NULL), 77);
    }
    bpfrt_map__free(outer);
    bpfrt_map__free(inner);
    bpfrt_map__free(proto);
}
#endif

#if defined(__x86_64__)
/* Unprivileged pointer arithmetic with a register offset: the offset is
 * masked as the kernel's do_misc_fixups() masks it from sanitize_ptr_alu's
 * alu_state/alu_limit (kernel/bpf/verifier.c): sar r10, 63 builds the mask
 * (49 C1 FA 3F).  A map value of 16 bytes holds an index (bytes 0-7) and
 * data (bytes 8-15); the programs move a value pointer by the index (the
 * offset in src_reg, then in dst_reg) or by a register the verifier knows
 * (the mask is then the constant), and read the byte there: the same in
 * both engines, privileged (no mask) or not.  (A sub or a negative offset
 * leaves a map value pointer unbounded: the verifier refuses its access,
 * as the kernel's.) */
Test(jit_inline, pointer_offset_spectre_mask_unpriv)
{
    static const uint8_t sar63[] = {0x49, 0xC1, 0xFA, 0x3F}, add_rax_r10[] = {0x4C, 0x01, 0xD0};
    struct bpfrt_map *m = NULL;
    uint8_t val[16];
    uint32_t k = 0;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "a", 4, 16, 1, NULL, &m), 0);
    memset(val, 0, sizeof(val));
    val[0] = 5;
    for (int b = 8; b < 16; b++)
        val[b] = (uint8_t)(200 + b);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, val, 16, BPF_ANY), 0);
    for (int form = 0; form < 3; form++) {
        /* data[8 + 5] twice, then data[8 + 3] */
        static const uint64_t expect[3] = {213, 213, 211};
        struct bpf_insn p[32];
        size_t n = 0;

        p[n++] = (struct bpf_insn)INSN_ST_IMM(BPF_W, 10, -4, 0);
        p[n++] = (struct bpf_insn)INSN_RAW(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, bpfrt_map__id(m));
        p[n++] = (struct bpf_insn){0};
        p[n++] = (struct bpf_insn)INSN_MOV64_REG(2, 10);
        p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, 2, -4);
        p[n++] = (struct bpf_insn)INSN_CALL(BPF_FUNC_map_lookup_elem);
        p[n++] = (struct bpf_insn)INSN_JMP_IMM(BPF_JNE, 0, 0, 1);
        p[n++] = (struct bpf_insn)INSN_EXIT();
        p[n++] = (struct bpf_insn)INSN_LDX(BPF_DW, 1, 0, 0);
        p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_AND, 1, 7);
        if (form == 0) {
            p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, 0, 8);
            p[n++] = (struct bpf_insn)INSN_ALU64_REG(BPF_ADD, 0, 1);
        } else if (form == 1) { /* the offset in dst, the pointer in src */
            p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, 0, 8);
            p[n++] = (struct bpf_insn)INSN_ALU64_REG(BPF_ADD, 1, 0);
            p[n++] = (struct bpf_insn)INSN_MOV64_REG(0, 1);
        } else { /* a register the verifier knows: 3 */
            p[n++] = (struct bpf_insn)INSN_MOV64_IMM(1, 3);
            p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, 0, 8);
            p[n++] = (struct bpf_insn)INSN_ALU64_REG(BPF_ADD, 0, 1);
        }
        p[n++] = (struct bpf_insn)INSN_LDX(BPF_B, 0, 0, 0);
        p[n++] = (struct bpf_insn)INSN_EXIT();
        for (int unpriv = 0; unpriv < 2; unpriv++) {
            struct bpfrt_prog *prog;
            cr_assert_eq(load_run(p, n, BPF_PROG_TYPE_SOCKET_FILTER, unpriv, "interp", NULL), expect[form]);
            cr_assert_eq(load_run(p, n, BPF_PROG_TYPE_SOCKET_FILTER, unpriv, "jit", &prog), expect[form],
                         "form %d unpriv %d", form, unpriv);
            if (form < 2)
                cr_assert_eq(has_bytes(prog, sar63, 4), unpriv, "form %d unpriv %d: masked", form, unpriv);
            else if (!((const struct jit_image *)prog->image)->blinded) /* add rax, r10: the constant through AX */
                cr_assert_eq(has_bytes(prog, add_rax_r10, 3), unpriv, "unpriv %d: the constant offset", unpriv);
            bpfrt_prog__free(prog);
        }
    }
    bpfrt_map__free(m);
}
#endif
