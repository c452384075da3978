/* fuzz_btf_ext.c - hostile .BTF.ext sections (and, through them, hostile
 * CO-RE relocations) against btf_ext_parse, the per-program records and
 * core_relocate.
 *
 * Input: byte 0 chooses the BTF the section is read against.
 *   even: a built-in BTF (structs, bitfields, anonymous members, arrays,
 *         enums, a typedef loop) and the rest of the input is the .BTF.ext;
 *   odd:  bytes 1-2 are a little-endian length L, the next L bytes a raw
 *         BTF (libbpf validates it), the rest the .BTF.ext.
 * Every relocation that parses is then applied to a fixed instruction
 * array, against a built-in target BTF with the same names in another
 * layout. */
#include <bpf/btf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/btf_info.h"

static struct btf *local_btf, *target_btf;

static void build_local(struct btf *b, int variant)
{
    int i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);    /* 1 */
    int u8 = btf__add_int(b, "unsigned char", 1, 0);        /* 2 */
    int arr = btf__add_array(b, i32, i32, variant ? 8 : 4); /* 3 */
    int inner = btf__add_struct(b, NULL, 8);                /* 4: anonymous */
    int s, e, td, p, fp;

    btf__add_field(b, "a", i32, 0, 0);
    btf__add_field(b, "b", i32, 32, 0);
    s = btf__add_struct(b, variant ? "thing" : "thing___v1", 40); /* 5 */
    btf__add_field(b, "x", i32, variant ? 32 : 0, 0);
    btf__add_field(b, "bits", u8, variant ? 3 : 64, 3);
    btf__add_field(b, "more", u8, variant ? 6 : 67, 5);
    btf__add_field(b, NULL, inner, 96, 0);
    btf__add_field(b, "arr", arr, 160, 0);
    e = btf__add_enum(b, "color", 4); /* 6 */
    btf__add_enum_value(b, "RED", variant ? 3 : 0);
    btf__add_enum_value(b, "GREEN", 1);
    td = btf__add_typedef(b, "loop_a", 8); /* 7 -> 8 */
    btf__add_typedef(b, "loop_b", 7);      /* 8 -> 7 */
    p = btf__add_ptr(b, s);                /* 9 */
    fp = btf__add_func_proto(b, i32);      /* 10 */
    btf__add_func_param(b, "p", p);
    btf__add_func(b, "f", BTF_FUNC_GLOBAL, fp); /* 11 */
    btf__add_union(b, "u", 4);                  /* 12 */
    btf__add_field(b, "l", td, 0, 0);
    (void)e;
    for (int k = 0; k < 4; k++) {
        static const char *const strs[] = {"0", "0:1", "0:3:1", "0:4:2", "1", "sec", "a.c", "x = 1;", "0:0"};

        for (size_t j = 0; j < sizeof(strs) / sizeof(strs[0]); j++)
            btf__add_str(b, strs[j]);
    }
}

static void init(void)
{
    if (local_btf)
        return;
    local_btf = btf__new_empty();
    target_btf = btf__new_empty();
    build_local(local_btf, 0);
    build_local(target_btf, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct btf *own = NULL;
    const struct btf *btf;
    struct btf_ext_info *ext = NULL;
    char log[512];
    struct bpf_insn insns[64];

    init();
    if (!size)
        return 0;
    if (data[0] & 1) {
        size_t l;

        if (size < 3)
            return 0;
        l = data[1] | (size_t)data[2] << 8;
        if (l > size - 3)
            return 0;
        own = btf__new(data + 3, (uint32_t)l);
        if (!own)
            return 0;
        btf = own;
        data += 3 + l;
        size -= 3 + l;
    } else {
        btf = local_btf;
        data++;
        size--;
    }
    log[0] = 0;
    if (btf_ext_parse(data, size, btf, &ext, log, sizeof(log)) == 0) {
        for (size_t s = 0; s < ext->nr_secs; s++) {
            struct btf_prog_info pi = {0};
            const struct btf_ext_line *first;
            size_t n;

            btf_ext_lines_for(ext, ext->secs[s].name, 0, 64, &first, &n);
            if (btf_prog_info_append(&pi, ext, ext->secs[s].name, 0, 64, 0) ||
                btf_prog_info_append(&pi, ext, ext->secs[s].name, 2, 10, 64))
                abort();
            for (size_t i = 0; i < 80; i++) {
                btf_prog_info_line(&pi, i);
                btf_prog_info_line_at(&pi, i);
            }
            for (size_t i = 0; i < 64; i++) {
                insns[i] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = (int32_t)(i % 9)};
                if (i % 4 == 1)
                    insns[i] =
                        (struct bpf_insn){.code = BPF_LDX | BPF_MEM | BPF_W, .src_reg = 1, .off = (int16_t)(i % 12)};
                if (i % 8 == 2)
                    insns[i] = (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW, .imm = (int32_t)(i % 5)};
            }
            log[0] = 0;
            core_relocate(insns, 64, btf, target_btf, ext->secs[s].relos, ext->secs[s].nr_relos, "fuzz", log,
                          sizeof(log));
            log[0] = 0;
            core_relocate(insns, 64, btf, btf, pi.relos, pi.nr_relos, "fuzz", log, sizeof(log));
            log[0] = 0;
            core_relocate(insns, 64, btf, NULL, pi.relos, pi.nr_relos, "fuzz", log, sizeof(log));
            btf_prog_info_free(&pi);
        }
        btf_ext_free(ext);
    } else if (ext) {
        abort();
    }
    btf__free(own);
    return 0;
}
