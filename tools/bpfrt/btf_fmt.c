/* btf_fmt.c - map values from BTF, printed as bpftool prints them
 * (function prototypes are the library's: bpfrt_prog__func_at).  The formats were taken from bpftool's output on the same objects
 * (tests/unit/test_cli_obj.c compares): integers by encoding and size,
 * `char` arrays holding text as strings, enums by enumerator name,
 * aggregates as objects keyed by member name, a data section as
 * {".bss":[{"counter":0}]}.  The BTF is libbpf's struct btf. */
#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "btf_fmt.h"

#define MAX_DEPTH 32

static const char *str(const struct btf *btf, uint32_t off)
{
    const char *s = btf__name_by_offset(btf, off);
    return s ? s : "";
}

/* ---------------------------------------------------------------- values */

static uint64_t load_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static int64_t sign_extend(uint64_t v, unsigned bits)
{
    if (bits >= 64)
        return (int64_t)v;
    uint64_t m = 1ull << (bits - 1);
    v &= (1ull << bits) - 1;
    return (int64_t)((v ^ m) - m);
}

/* An integer of nr_bits at bit bit_off of data. */
static void put_bits(struct json *j, const uint8_t *data, unsigned bit_off, unsigned nr_bits, int is_signed)
{
    uint64_t v = 0;

    for (unsigned b = 0; b < nr_bits && b < 64; b++) {
        unsigned at = bit_off + b;
        v |= (uint64_t)((data[at / 8] >> (at % 8)) & 1) << b;
    }
    if (is_signed)
        json_i64(j, sign_extend(v, nr_bits));
    else
        json_u64(j, v);
}

static void put_hex_string(struct json *j, const uint8_t *p, size_t n)
{
    char s[2 + 2 * 16 + 1] = "0x";
    size_t len = 2;

    /* most significant byte first, leading zero bytes dropped */
    size_t top = n;
    while (top > 1 && !p[top - 1])
        top--;
    for (size_t i = top; i-- > 0 && len + 2 < sizeof(s);)
        len += (size_t)snprintf(s + len, sizeof(s) - len, len == 2 ? "%x" : "%02x", p[i]);
    json_str(j, s);
}

static int put_int(struct json *j, const struct btf_type *t, const uint8_t *data, unsigned bit_off, size_t size)
{
    uint8_t enc = btf_int_encoding(t);
    unsigned bits = btf_int_bits(t), off = btf_int_offset(t) + bit_off;

    if ((off + bits + 7) / 8 > size)
        return -EINVAL;
    if (enc & BTF_INT_BOOL) {
        json_bool(j, data[off / 8] != 0);
        return 0;
    }
    if (bits > 64) {
        if (off % 8)
            return -EINVAL;
        put_hex_string(j, data + off / 8, bits / 8);
        return 0;
    }
    if (off % 8 || bits % 8 || (bits != 8 && bits != 16 && bits != 32 && bits != 64)) {
        put_bits(j, data, off, bits, enc & BTF_INT_SIGNED);
        return 0;
    }
    uint64_t v = load_le(data + off / 8, bits / 8);
    if (enc & BTF_INT_SIGNED)
        json_i64(j, sign_extend(v, bits));
    else
        json_u64(j, v);
    return 0;
}

static int put_type(struct json *j, const struct btf *btf, uint32_t id, const uint8_t *data, size_t size, int depth);

/* A char array whose bytes are printable text up to a NUL: a string. */
static int is_text(const struct btf *btf, const struct btf_array *a, const uint8_t *data, size_t size)
{
    int eid = btf__resolve_type(btf, a->type);
    const struct btf_type *e = eid > 0 ? btf__type_by_id(btf, (uint32_t)eid) : NULL;

    if (!e || !btf_is_int(e) || e->size != 1 || a->nelems > size)
        return 0;
    if (!(btf_int_encoding(e) & BTF_INT_CHAR) && strcmp(str(btf, e->name_off), "char"))
        return 0;
    for (uint32_t i = 0; i < a->nelems; i++) {
        if (!data[i])
            return 1;
        if (!isprint(data[i]))
            return 0;
    }
    return 0; /* no terminating NUL */
}

static int put_array(struct json *j, const struct btf *btf, const struct btf_type *t, const uint8_t *data, size_t size,
                     int depth)
{
    const struct btf_array *a = btf_array(t);
    int64_t esz = btf__resolve_size(btf, a->type);

    if (esz < 0 || (uint64_t)esz * a->nelems > size)
        return -EINVAL;
    if (is_text(btf, a, data, size)) {
        json_str(j, (const char *)data);
        return 0;
    }
    json_arr_open(j);
    for (uint32_t i = 0; i < a->nelems; i++) {
        int err = put_type(j, btf, a->type, data + (size_t)esz * i, size - (size_t)esz * i, depth + 1);
        if (err)
            return err;
    }
    json_arr_close(j);
    return 0;
}

static int put_member_bits(struct json *j, const struct btf *btf, uint32_t type, const uint8_t *data, size_t size,
                           unsigned bit_off, unsigned bits)
{
    int rid = btf__resolve_type(btf, type);
    const struct btf_type *t = rid > 0 ? btf__type_by_id(btf, (uint32_t)rid) : NULL;
    int is_signed = t && btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED);

    if ((bit_off + bits + 7) / 8 > size)
        return -EINVAL;
    put_bits(j, data, bit_off, bits, is_signed);
    return 0;
}

static int put_struct(struct json *j, const struct btf *btf, const struct btf_type *t, const uint8_t *data, size_t size,
                      int depth)
{
    const struct btf_member *m = btf_members(t);
    int err = 0;

    if (t->size > size)
        return -EINVAL;
    json_obj_open(j);
    for (int i = 0; i < btf_vlen(t) && !err; i++) {
        uint32_t off = btf_member_bit_offset(t, (uint32_t)i), bits = btf_member_bitfield_size(t, (uint32_t)i);
        json_key(j, str(btf, m[i].name_off));
        if (bits)
            err = put_member_bits(j, btf, m[i].type, data + off / 8, size - off / 8, off % 8, bits);
        else if (off % 8 || off / 8 > size)
            err = -EINVAL;
        else
            err = put_type(j, btf, m[i].type, data + off / 8, size - off / 8, depth + 1);
    }
    json_obj_close(j);
    return err;
}

static int put_enum(struct json *j, const struct btf *btf, const struct btf_type *t, const uint8_t *data, size_t size)
{
    int is_signed = btf_kflag(t);
    uint64_t v;

    if (t->size > size || t->size > 8 || !t->size)
        return -EINVAL;
    v = load_le(data, t->size);
    if (is_signed)
        v = (uint64_t)sign_extend(v, t->size * 8);
    for (int i = 0; i < btf_vlen(t); i++) {
        uint64_t ev;
        const char *name;
        if (btf_is_enum(t)) {
            const struct btf_enum *e = btf_enum(t) + i;
            ev = is_signed ? (uint64_t)(int64_t)e->val : (uint64_t)(uint32_t)e->val;
            if (t->size < 8)
                ev &= (1ull << (t->size * 8)) - 1, v &= (1ull << (t->size * 8)) - 1;
            name = str(btf, e->name_off);
        } else {
            const struct btf_enum64 *e = btf_enum64(t) + i;
            ev = btf_enum64_value(e);
            name = str(btf, e->name_off);
        }
        if (ev == v) {
            json_str(j, name);
            return 0;
        }
    }
    if (is_signed)
        json_i64(j, (int64_t)v);
    else
        json_u64(j, v);
    return 0;
}

static int put_datasec(struct json *j, const struct btf *btf, const struct btf_type *t, const uint8_t *data,
                       size_t size, int depth)
{
    const struct btf_var_secinfo *vs = btf_var_secinfos(t);
    int err = 0;

    json_obj_open(j);
    json_key(j, str(btf, t->name_off));
    json_arr_open(j);
    for (int i = 0; i < btf_vlen(t) && !err; i++) {
        if (vs[i].offset > size || vs[i].size > size - vs[i].offset) {
            err = -EINVAL;
            break;
        }
        err = put_type(j, btf, vs[i].type, data + vs[i].offset, vs[i].size, depth + 1);
    }
    json_arr_close(j);
    json_obj_close(j);
    return err;
}

static int put_type(struct json *j, const struct btf *btf, uint32_t id, const uint8_t *data, size_t size, int depth)
{
    const struct btf_type *t = btf__type_by_id(btf, id);
    int err;

    if (!t || depth > MAX_DEPTH)
        return -EINVAL;
    switch (btf_kind(t)) {
    case BTF_KIND_INT: return put_int(j, t, data, 0, size);
    case BTF_KIND_FLOAT: {
        char s[64];
        if (t->size > size)
            return -EINVAL;
        if (t->size == 4) {
            float f;
            memcpy(&f, data, 4);
            snprintf(s, sizeof(s), "%f", (double)f);
        } else if (t->size == 8) {
            double d;
            memcpy(&d, data, 8);
            snprintf(s, sizeof(s), "%f", d);
        } else {
            put_hex_string(j, data, t->size);
            return 0;
        }
        json_str(j, s);
        return 0;
    }
    case BTF_KIND_PTR:
        if (size < 8)
            return -EINVAL;
        json_u64(j, load_le(data, 8));
        return 0;
    case BTF_KIND_ARRAY: return put_array(j, btf, t, data, size, depth);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: return put_struct(j, btf, t, data, size, depth);
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: return put_enum(j, btf, t, data, size);
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG: return put_type(j, btf, t->type, data, size, depth + 1);
    case BTF_KIND_VAR:
        json_obj_open(j);
        json_key(j, str(btf, t->name_off));
        err = put_type(j, btf, t->type, data, size, depth + 1);
        json_obj_close(j);
        return err;
    case BTF_KIND_DATASEC: return put_datasec(j, btf, t, data, size, depth);
    case BTF_KIND_FWD:
    default: return -EINVAL;
    }
}

int btf_fmt_value(struct json *j, const struct btf *btf, uint32_t id, const void *data, size_t size)
{
    return put_type(j, btf, id, data, size, 0);
}
