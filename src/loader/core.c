/* core.c - CO-RE ("compile once, run everywhere") relocation.
 *
 * Semantics as documented for the BPF CO-RE design: kernel
 * Documentation/bpf/llvm_reloc.rst and btf.rst (struct bpf_core_relo and
 * enum bpf_core_relo_kind in linux/bpf.h), the contract of the
 * bpf_core_read.h macros (bpf_core_field_exists, bpf_core_type_size, ...:
 * what each returns when the target lacks the field or type), and the
 * libbpf CO-RE write-ups (flavors "___suffix", field matching by name
 * through anonymous members, load-size adjustment, poisoning).
 *
 * A relocation names a local type (root), an access string "a:b:c" and a
 * kind.  The access string is walked through the local BTF: the first
 * number indexes the root as an array, each further number is a member
 * index (struct/union) or an element index (array).  Named members and
 * array indexes form the path matched against each candidate of the
 * target BTF: a type of the same kind whose name equals the local one
 * with any "___flavor" suffix stripped.  Anonymous members are not part of
 * the path: a named member is searched for through the target's anonymous
 * structs/unions.  The value is computed from the target (and from the
 * local BTF to check the instruction holds what the compiler emitted),
 * then written into the instruction.
 *
 * Every walk over types is bounded: hostile BTF with looping chains ends
 * with an error, never a hang.
 */
#include "loader/btf_info.h"
#include "isa/isa.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CORE_MAX_DEPTH 32 /* modifier/typedef chains, nested comparisons */
#define CORE_MAX_SPEC 64  /* numbers in an access string */

/* The work one relocation may do comparing against the target BTF, in
 * member/parameter visits.  Anonymous members are searched recursively and
 * types can be shared, so hostile BTF (an anonymous struct with two
 * anonymous members of one anonymous struct type, 32 levels deep) makes a
 * plain search exponential: 2^32 visits.  libbpf and the kernel bound the
 * recursion only by the spec length (BPF_CORE_SPEC_MAX_LEN, -E2BIG), which
 * still lets such BTF run for hours; bpfrt bounds the nesting (depth) and the
 * total visits, and refuses the relocation (-E2BIG) when either is
 * exceeded.  Matching a field against vmlinux BTF takes a few thousand
 * visits, so the budgets leave orders of magnitude of room. */
#define CORE_RELO_STEPS (1u << 20)  /* per relocation */
#define CORE_TOTAL_STEPS (1u << 26) /* per core_relocate call (one program) */

struct core_walk {
    uint64_t limit; /* visits allowed for this relocation */
    uint64_t left;  /* of which left */
    bool too_deep;  /* anonymous members nested deeper than CORE_MAX_DEPTH */
};

/* The error for a walk that stopped with -E2BIG comparing with target id. */
static void walk_error(const struct core_walk *w, uint32_t id, char *err, size_t errsz)
{
    if (w->too_deep)
        snprintf(err, errsz, "target type [%u]: anonymous members nested deeper than %d levels", id, CORE_MAX_DEPTH);
    else
        snprintf(err, errsz,
                 "target type [%u]: matching needs more than %llu member visits (hostile BTF: anonymous or shared "
                 "types multiply the search)",
                 id, (unsigned long long)w->limit);
}

/* Charge one visit: 0, or -E2BIG once the budget is spent. */
static int walk_step(struct core_walk *w)
{
    if (!w->left)
        return -E2BIG;
    w->left--;
    return 0;
}

static void log_add(char *log, size_t logsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void log_add(char *log, size_t logsz, const char *fmt, ...)
{
    va_list ap;
    size_t len;

    if (!log || !logsz)
        return;
    len = strnlen(log, logsz);
    if (len >= logsz - 1)
        return;
    va_start(ap, fmt);
    vsnprintf(log + len, logsz - len, fmt, ap);
    va_end(ap);
}

static const char *const kind_names[] = {
    [BPF_CORE_FIELD_BYTE_OFFSET] = "byte_off",    [BPF_CORE_FIELD_BYTE_SIZE] = "byte_sz",
    [BPF_CORE_FIELD_EXISTS] = "field_exists",     [BPF_CORE_FIELD_SIGNED] = "signed",
    [BPF_CORE_FIELD_LSHIFT_U64] = "lshift_u64",   [BPF_CORE_FIELD_RSHIFT_U64] = "rshift_u64",
    [BPF_CORE_TYPE_ID_LOCAL] = "local_type_id",   [BPF_CORE_TYPE_ID_TARGET] = "target_type_id",
    [BPF_CORE_TYPE_EXISTS] = "type_exists",       [BPF_CORE_TYPE_SIZE] = "type_size",
    [BPF_CORE_ENUMVAL_EXISTS] = "enumval_exists", [BPF_CORE_ENUMVAL_VALUE] = "enumval_value",
    [BPF_CORE_TYPE_MATCHES] = "type_matches",
};

const char *core_relo_kind_str(uint32_t kind)
{
    return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "unknown";
}

static bool kind_is_field(uint32_t k)
{
    return k <= BPF_CORE_FIELD_RSHIFT_U64;
}

static bool kind_is_type(uint32_t k)
{
    return (k >= BPF_CORE_TYPE_ID_LOCAL && k <= BPF_CORE_TYPE_SIZE) || k == BPF_CORE_TYPE_MATCHES;
}

static bool kind_is_enumval(uint32_t k)
{
    return k == BPF_CORE_ENUMVAL_EXISTS || k == BPF_CORE_ENUMVAL_VALUE;
}

/* ------------------------------------------------------------ BTF helpers */

static bool is_mod(const struct btf_type *t)
{
    switch (btf_kind(t)) {
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG: return true;
    default: return false;
    }
}

/* The type id after typedefs and modifiers (at most CORE_MAX_DEPTH), or
 * NULL for a bad id or too long a chain.  *res receives the id. */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *res)
{
    for (int i = 0; i < CORE_MAX_DEPTH; i++) {
        const struct btf_type *t = btf__type_by_id(btf, id);

        if (!t)
            return NULL;
        if (!is_mod(t)) {
            if (res)
                *res = id;
            return t;
        }
        id = t->type;
    }
    return NULL;
}

static bool is_composite(const struct btf_type *t)
{
    return btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_UNION;
}

static bool is_any_enum(const struct btf_type *t)
{
    return btf_kind(t) == BTF_KIND_ENUM || btf_kind(t) == BTF_KIND_ENUM64;
}

/* Kinds equal for matching purposes (enum and enum64 are one family). */
static bool same_kind(const struct btf_type *a, const struct btf_type *b)
{
    return btf_kind(a) == btf_kind(b) || (is_any_enum(a) && is_any_enum(b));
}

/* Length of name without its flavor: "foo___v2" -> 3.  A flavor separator
 * is the last "___" with a non-underscore on both sides. */
static size_t essential_len(const char *name)
{
    size_t n = strlen(name);

    for (size_t i = n >= 5 ? n - 4 : 0; i >= 1 && n >= 5; i--) {
        if (name[i - 1] != '_' && !strncmp(name + i, "___", 3) && name[i + 3] != '_')
            return i;
    }
    return n;
}

static const char *type_name(const struct btf *btf, const struct btf_type *t)
{
    const char *s = btf__name_by_offset(btf, t->name_off);

    return s ? s : "";
}

static const char *kind_word(const struct btf_type *t)
{
    switch (btf_kind(t)) {
    case BTF_KIND_STRUCT: return "struct ";
    case BTF_KIND_UNION: return "union ";
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: return "enum ";
    case BTF_KIND_FWD: return "fwd ";
    case BTF_KIND_TYPEDEF: return "typedef ";
    default: return "";
    }
}

/* ------------------------------------------------------------ specs */

struct core_step {
    const char *name; /* member name, NULL for an array index */
    uint32_t idx;
    uint32_t type_id; /* local type of what the step yields */
};

struct core_spec {
    const struct btf *btf;
    uint32_t root_id;
    uint32_t raw[CORE_MAX_SPEC];
    int nraw;
    struct core_step steps[CORE_MAX_SPEC]; /* steps[0]: root array index */
    int nsteps;
    uint64_t bit_off;
    uint32_t field_id; /* type of the accessed field (or root) */
    uint32_t bf_size;  /* bitfield size in bits, 0 if none */
    /* enum value relocations */
    const char *enum_name;
    uint64_t enum_val;
};

static int parse_access(const char *s, struct core_spec *sp)
{
    sp->nraw = 0;
    if (!*s)
        return -EINVAL;
    while (*s) {
        uint64_t v = 0;

        if (*s < '0' || *s > '9')
            return -EINVAL;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (uint64_t)(*s - '0');
            if (v > INT32_MAX)
                return -EINVAL;
            s++;
        }
        if (sp->nraw == CORE_MAX_SPEC)
            return -E2BIG;
        sp->raw[sp->nraw++] = (uint32_t)v;
        if (*s == ':' && s[1])
            s++;
        else if (*s)
            return -EINVAL;
    }
    return 0;
}

/* Walk the local access through local BTF, filling steps, bit_off,
 * field_id, bf_size.  -EINVAL with why for an access that does not fit. */
static int spec_local_field(struct core_spec *sp, char *why, size_t whysz)
{
    const struct btf *btf = sp->btf;
    uint32_t cur = sp->root_id;
    int64_t sz;

    sp->bit_off = 0;
    sp->bf_size = 0;
    sp->nsteps = 0;
    if (sp->raw[0]) {
        sz = btf__resolve_size(btf, cur);
        if (sz < 0) {
            snprintf(why, whysz, "root type has no size");
            return -EINVAL;
        }
        sp->bit_off = (uint64_t)sz * 8 * sp->raw[0];
    }
    sp->steps[sp->nsteps++] = (struct core_step){NULL, sp->raw[0], cur};
    for (int i = 1; i < sp->nraw; i++) {
        uint32_t idx = sp->raw[i], tid;
        const struct btf_type *t = skip_mods(btf, cur, &tid);

        if (!t) {
            snprintf(why, whysz, "bad type chain at access %d", i);
            return -EINVAL;
        }
        if (is_composite(t)) {
            const struct btf_member *m = btf_members(t) + idx;
            const char *nm;

            if (idx >= btf_vlen(t)) {
                snprintf(why, whysz, "member index %u out of range for %s%s (%u members)", idx, kind_word(t),
                         type_name(btf, t), btf_vlen(t));
                return -EINVAL;
            }
            sp->bit_off += btf_member_bit_offset(t, idx);
            sp->bf_size = btf_member_bitfield_size(t, idx);
            nm = btf__name_by_offset(btf, m->name_off);
            cur = m->type;
            if (nm && *nm)
                sp->steps[sp->nsteps++] = (struct core_step){nm, idx, cur};
        } else if (btf_kind(t) == BTF_KIND_ARRAY) {
            const struct btf_array *a = btf_array(t);

            if (a->nelems && idx >= a->nelems) {
                snprintf(why, whysz, "array index %u out of range (%u elements)", idx, a->nelems);
                return -EINVAL;
            }
            sz = btf__resolve_size(btf, a->type);
            if (sz < 0) {
                snprintf(why, whysz, "array element without size at access %d", i);
                return -EINVAL;
            }
            sp->bit_off += (uint64_t)sz * 8 * idx;
            sp->bf_size = 0;
            cur = a->type;
            sp->steps[sp->nsteps++] = (struct core_step){NULL, idx, cur};
        } else {
            snprintf(why, whysz, "access %d goes into a type that is neither struct, union nor array", i);
            return -EINVAL;
        }
    }
    sp->field_id = cur;
    return 0;
}

/* Are local field type lid and target field type tid compatible (the
 * documented field rules: same kind family; structs/unions, enums,
 * floats, forwards, pointers and integers of any size alike; arrays by
 * their elements)?  1 yes, 0 no, -EINVAL for a broken chain. */
static int fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid)
{
    for (int depth = 0; depth < CORE_MAX_DEPTH; depth++) {
        const struct btf_type *lt = skip_mods(lb, lid, &lid), *tt = skip_mods(tb, tid, &tid);

        if (!lt || !tt)
            return -EINVAL;
        if (is_composite(lt) && is_composite(tt))
            return 1;
        if (!same_kind(lt, tt))
            return 0;
        switch (btf_kind(lt)) {
        case BTF_KIND_PTR:
        case BTF_KIND_FLOAT:
        case BTF_KIND_FWD:
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
        case BTF_KIND_INT: return 1;
        case BTF_KIND_ARRAY:
            lid = btf_array(lt)->type;
            tid = btf_array(tt)->type;
            continue;
        default: return 0;
        }
    }
    return -EINVAL;
}

/* Find member name in composite t of btf, looking through anonymous
 * struct/union members.  On success (1) adds its bit offset to *bit_off
 * and sets *type_id, *bf; 0 when absent; -E2BIG when the walk's budget or
 * depth is exceeded (w says which). */
static int find_member(const struct btf *btf, const struct btf_type *t, const char *name, int depth, uint64_t *bit_off,
                       uint32_t *type_id, uint32_t *bf, struct core_walk *w)
{
    const struct btf_member *m = btf_members(t);

    if (depth > CORE_MAX_DEPTH) {
        w->too_deep = true;
        return -E2BIG;
    }
    for (uint32_t i = 0; i < btf_vlen(t); i++, m++) {
        const char *nm = btf__name_by_offset(btf, m->name_off);
        int r = walk_step(w);

        if (r)
            return r;

        if (nm && *nm) {
            if (!strcmp(nm, name)) {
                *bit_off += btf_member_bit_offset(t, i);
                *type_id = m->type;
                *bf = btf_member_bitfield_size(t, i);
                return 1;
            }
        } else {
            const struct btf_type *mt = skip_mods(btf, m->type, NULL);
            uint64_t sub = 0;

            if (mt && is_composite(mt)) {
                r = find_member(btf, mt, name, depth + 1, &sub, type_id, bf, w);
                if (r < 0)
                    return r;
                if (r) {
                    *bit_off += btf_member_bit_offset(t, i) + sub;
                    return 1;
                }
            }
        }
    }
    return 0;
}

/* Match the local spec's path in target btf starting at root troot.
 * 1 and *ts filled on a match, 0 on none, -EINVAL on broken BTF, -E2BIG
 * when the walk's bounds are exceeded. */
static int spec_match_field(const struct core_spec *ls, const struct btf *tb, uint32_t troot, struct core_spec *ts,
                            struct core_walk *w)
{
    uint32_t cur = troot;
    int64_t sz;

    memset(ts, 0, sizeof(*ts));
    ts->btf = tb;
    ts->root_id = troot;
    if (ls->raw[0]) {
        sz = btf__resolve_size(tb, troot);
        if (sz < 0)
            return 0;
        ts->bit_off = (uint64_t)sz * 8 * ls->raw[0];
    }
    for (int i = 1; i < ls->nsteps; i++) {
        const struct core_step *s = &ls->steps[i];
        uint32_t tid;
        const struct btf_type *t = skip_mods(tb, cur, &tid);
        int r;

        if (!t)
            return -EINVAL;
        if (s->name) {
            uint32_t mtype = 0, bf = 0;

            if (!is_composite(t))
                return 0;
            r = find_member(tb, t, s->name, 0, &ts->bit_off, &mtype, &bf, w);
            if (r <= 0)
                return r;
            r = fields_compat(ls->btf, s->type_id, tb, mtype);
            if (r <= 0)
                return r;
            ts->bf_size = bf;
            cur = mtype;
        } else {
            const struct btf_array *a;

            if (btf_kind(t) != BTF_KIND_ARRAY)
                return 0;
            a = btf_array(t);
            if (a->nelems && s->idx >= a->nelems)
                return 0;
            sz = btf__resolve_size(tb, a->type);
            if (sz < 0)
                return 0;
            ts->bit_off += (uint64_t)sz * 8 * s->idx;
            ts->bf_size = 0;
            cur = a->type;
        }
        ts->steps[ts->nsteps++] = *s;
    }
    /* a path of the root alone: the root types must be compatible */
    if (ls->nsteps == 1) {
        int r = fields_compat(ls->btf, ls->root_id, tb, troot);

        if (r <= 0)
            return r;
    }
    ts->field_id = cur;
    return 1;
}

/* Value of a field relocation kind for a resolved spec.  -EINVAL with why
 * when it cannot be expressed (bitfield straddling 8 bytes, no size). */
static int field_value(const struct core_spec *sp, uint32_t kind, uint64_t *val, uint32_t *byte_sz_out, char *why,
                       size_t whysz)
{
    const struct btf_type *ft = skip_mods(sp->btf, sp->field_id, NULL);
    uint64_t byte_off, bit_sz;
    int64_t sz;
    uint32_t byte_sz;

    if (!ft) {
        snprintf(why, whysz, "bad field type");
        return -EINVAL;
    }
    if (kind == BPF_CORE_FIELD_EXISTS) {
        *val = 1;
        return 0;
    }
    sz = btf__resolve_size(sp->btf, sp->field_id);
    if (sz < 0) {
        snprintf(why, whysz, "field has no size");
        return -EINVAL;
    }
    if (sp->bf_size) {
        /* the narrowest naturally aligned load, at least the size of the
         * bitfield's type, that covers the bits */
        bit_sz = sp->bf_size;
        byte_sz = (uint32_t)sz;
        if (!byte_sz || byte_sz > 8 || (byte_sz & (byte_sz - 1))) {
            snprintf(why, whysz, "bitfield of a %u-byte type", byte_sz);
            return -EINVAL;
        }
        byte_off = sp->bit_off / 8 / byte_sz * byte_sz;
        while (sp->bit_off + bit_sz - byte_off * 8 > (uint64_t)byte_sz * 8) {
            if (byte_sz >= 8) {
                snprintf(why, whysz, "bitfield does not fit in an 8-byte load");
                return -EINVAL;
            }
            byte_sz *= 2;
            byte_off = sp->bit_off / 8 / byte_sz * byte_sz;
        }
    } else {
        if (sp->bit_off % 8) {
            snprintf(why, whysz, "field not byte aligned");
            return -EINVAL;
        }
        byte_sz = (uint32_t)sz;
        byte_off = sp->bit_off / 8;
        bit_sz = (uint64_t)byte_sz * 8;
    }
    if (byte_sz_out)
        *byte_sz_out = byte_sz;
    switch (kind) {
    case BPF_CORE_FIELD_BYTE_OFFSET: *val = byte_off; break;
    case BPF_CORE_FIELD_BYTE_SIZE: *val = byte_sz; break;
    case BPF_CORE_FIELD_SIGNED:
        if (btf_kind(ft) == BTF_KIND_INT)
            *val = !!(btf_int_encoding(ft) & BTF_INT_SIGNED);
        else if (is_any_enum(ft))
            *val = btf_kflag(ft);
        else
            *val = 0;
        break;
    case BPF_CORE_FIELD_LSHIFT_U64:
        /* little-endian: bring the field's top bit to bit 63 */
        if (sp->bit_off + bit_sz - byte_off * 8 > 64) {
            snprintf(why, whysz, "field wider than 64 bits");
            return -EINVAL;
        }
        *val = 64 - (sp->bit_off + bit_sz - byte_off * 8);
        break;
    case BPF_CORE_FIELD_RSHIFT_U64:
        if (bit_sz > 64) {
            snprintf(why, whysz, "field wider than 64 bits");
            return -EINVAL;
        }
        *val = 64 - bit_sz;
        break;
    default: return -EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------ type rules */

/* Documented compatibility for type-based relocations: after typedefs and
 * modifiers the kinds agree; named composites/enums/forwards/floats/ints
 * are compatible as such; pointers and arrays by what they refer to;
 * function prototypes by return and parameter types. */
static int types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid, int depth,
                        struct core_walk *w)
{
    for (; depth < CORE_MAX_DEPTH; depth++) {
        const struct btf_type *lt = skip_mods(lb, lid, &lid), *tt = skip_mods(tb, tid, &tid);

        /* parameters of shared prototypes multiply: charge every step */
        if (walk_step(w))
            return -E2BIG;
        if (!lt || !tt)
            return -EINVAL;
        if (!same_kind(lt, tt))
            return 0;
        switch (btf_kind(lt)) {
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
        case BTF_KIND_FWD:
        case BTF_KIND_FLOAT:
        case BTF_KIND_INT: return 1;
        case BTF_KIND_PTR:
            lid = lt->type;
            tid = tt->type;
            continue;
        case BTF_KIND_ARRAY:
            lid = btf_array(lt)->type;
            tid = btf_array(tt)->type;
            continue;
        case BTF_KIND_FUNC_PROTO: {
            const struct btf_param *lp = btf_params(lt), *tp = btf_params(tt);

            if (btf_vlen(lt) != btf_vlen(tt))
                return 0;
            for (uint32_t i = 0; i < btf_vlen(lt); i++) {
                int r = types_compat(lb, lp[i].type, tb, tp[i].type, depth + 1, w);

                if (r <= 0)
                    return r;
            }
            lid = lt->type;
            tid = tt->type;
            continue;
        }
        default: return 0;
        }
    }
    return -EINVAL;
}

static bool names_match(const struct btf *lb, const struct btf_type *lt, const struct btf *tb,
                        const struct btf_type *tt)
{
    const char *ln = type_name(lb, lt), *tn = type_name(tb, tt);
    size_t ll = essential_len(ln), tl = essential_len(tn);

    return ll == tl && !strncmp(ln, tn, ll);
}

/* The stricter "type matches" relation (bpf_core_type_matches): names of
 * named types agree, every local member/enumerator exists in the target
 * by name with a matching type, integers agree in size and signedness,
 * arrays in length, prototypes in arity. */
static int types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid, int depth,
                       struct core_walk *w)
{
    const struct btf_type *lt, *tt;

    if (depth >= CORE_MAX_DEPTH)
        return -EINVAL;
    /* members and parameters of shared types multiply: charge every step */
    if (walk_step(w))
        return -E2BIG;
    lt = skip_mods(lb, lid, &lid);
    tt = skip_mods(tb, tid, &tid);
    if (!lt || !tt)
        return -EINVAL;
    if (btf_kind(lt) == BTF_KIND_FWD && is_composite(tt))
        return btf_kflag(lt) == (btf_kind(tt) == BTF_KIND_UNION) && names_match(lb, lt, tb, tt);
    if (!same_kind(lt, tt))
        return 0;
    switch (btf_kind(lt)) {
    case BTF_KIND_FWD: return btf_kflag(lt) == btf_kflag(tt) && names_match(lb, lt, tb, tt);
    case BTF_KIND_FLOAT: return lt->size == tt->size;
    case BTF_KIND_INT:
        return lt->size == tt->size &&
               !!(btf_int_encoding(lt) & BTF_INT_SIGNED) == !!(btf_int_encoding(tt) & BTF_INT_SIGNED);
    case BTF_KIND_PTR: return types_match(lb, lt->type, tb, tt->type, depth + 1, w);
    case BTF_KIND_ARRAY:
        if (btf_array(lt)->nelems != btf_array(tt)->nelems)
            return 0;
        return types_match(lb, btf_array(lt)->type, tb, btf_array(tt)->type, depth + 1, w);
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
        if (lt->name_off && !names_match(lb, lt, tb, tt))
            return 0;
        for (uint32_t i = 0; i < btf_vlen(lt); i++) {
            uint32_t lno = btf_kind(lt) == BTF_KIND_ENUM ? btf_enum(lt)[i].name_off : btf_enum64(lt)[i].name_off;
            const char *ln = btf__name_by_offset(lb, lno);
            bool found = false;

            for (uint32_t j = 0; ln && j < btf_vlen(tt) && !found; j++) {
                uint32_t tno = btf_kind(tt) == BTF_KIND_ENUM ? btf_enum(tt)[j].name_off : btf_enum64(tt)[j].name_off;
                const char *tn = btf__name_by_offset(tb, tno);

                found = tn && !strcmp(ln, tn);
            }
            if (!found)
                return 0;
        }
        return 1;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
        if (lt->name_off && !names_match(lb, lt, tb, tt))
            return 0;
        for (uint32_t i = 0; i < btf_vlen(lt); i++) {
            const struct btf_member *lm = btf_members(lt) + i;
            const char *ln = btf__name_by_offset(lb, lm->name_off);
            uint32_t mtype = 0, bf = 0;
            uint64_t off = 0;
            int r;

            if (!ln || !*ln)
                continue;
            r = find_member(tb, tt, ln, 0, &off, &mtype, &bf, w);
            if (r <= 0)
                return r;
            /* a pointer member matches by name only at this level:
             * following pointers into the whole kernel graph is both
             * costly and looping */
            {
                const struct btf_type *a = skip_mods(lb, lm->type, NULL), *b = skip_mods(tb, mtype, NULL);

                if (!a || !b)
                    return -EINVAL;
                if (btf_kind(a) == BTF_KIND_PTR && btf_kind(b) == BTF_KIND_PTR)
                    continue;
            }
            r = types_match(lb, lm->type, tb, mtype, depth + 1, w);
            if (r <= 0)
                return r;
        }
        return 1;
    case BTF_KIND_FUNC_PROTO:
        if (btf_vlen(lt) != btf_vlen(tt))
            return 0;
        for (uint32_t i = 0; i < btf_vlen(lt); i++) {
            int r = types_match(lb, btf_params(lt)[i].type, tb, btf_params(tt)[i].type, depth + 1, w);

            if (r <= 0)
                return r;
        }
        return types_match(lb, lt->type, tb, tt->type, depth + 1, w);
    default: return 0;
    }
}

/* Enumerator idx of enum type t: name and value (sign-extended for a
 * signed 32-bit enum). */
static const char *enum_at(const struct btf *btf, const struct btf_type *t, uint32_t idx, uint64_t *val)
{
    if (btf_kind(t) == BTF_KIND_ENUM) {
        const struct btf_enum *e = btf_enum(t) + idx;

        *val = btf_kflag(t) ? (uint64_t)(int64_t)e->val : (uint64_t)(uint32_t)e->val;
        return btf__name_by_offset(btf, e->name_off);
    }
    *val = btf_enum64_value(btf_enum64(t) + idx);
    return btf__name_by_offset(btf, btf_enum64(t)[idx].name_off);
}

/* ------------------------------------------------------------ resolution */

struct relo_res {
    uint64_t orig;    /* value the compiler emitted (local BTF) */
    uint64_t val;     /* value to write */
    bool check_orig;  /* compare the instruction with orig */
    bool poison;      /* no satisfying target: poison */
    uint32_t orig_sz; /* local field byte size (byte_off on memory insns) */
    uint32_t new_sz;  /* target field byte size */
    bool sz_fixable;  /* target field an int/enum/pointer that is not signed */
    char why[160];    /* reason for poisoning */
};

/* A human-readable path: "struct sk_buff.len", "enum bpf_map_type::BPF_MAP_TYPE_HASH". */
static void spec_str(const struct core_spec *sp, uint32_t kind, char *buf, size_t sz)
{
    const struct btf_type *t = btf__type_by_id(sp->btf, sp->root_id);
    size_t n;

    if (!t) {
        snprintf(buf, sz, "[%u]", sp->root_id);
        return;
    }
    n = (size_t)snprintf(buf, sz, "%s%s", kind_word(t), *type_name(sp->btf, t) ? type_name(sp->btf, t) : "(anon)");
    if (kind_is_enumval(kind) && sp->enum_name) {
        if (n < sz)
            snprintf(buf + n, sz - n, "::%s", sp->enum_name);
        return;
    }
    if (!kind_is_field(kind))
        return;
    if (sp->raw[0] && n < sz)
        n += (size_t)snprintf(buf + n, sz - n, "[%u]", sp->raw[0]);
    for (int i = 1; i < sp->nsteps && n < sz; i++) {
        if (sp->steps[i].name)
            n += (size_t)snprintf(buf + n, sz - n, ".%s", sp->steps[i].name);
        else
            n += (size_t)snprintf(buf + n, sz - n, "[%u]", sp->steps[i].idx);
    }
}

/* Candidates of a local type: the target types of the same kind family
 * and essential name.  Found by one pass over the target per local type
 * and kept for the rest of the core_relocate call. */
struct cands {
    uint32_t local_id;
    uint32_t *ids;
    size_t n;
};

struct cand_cache {
    struct cands *v;
    size_t n, cap;
};

static void cand_cache_free(struct cand_cache *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].ids);
    free(c->v);
}

/* The candidates of local type lid (none without a target or for an
 * anonymous type), or NULL on allocation failure. */
static const struct cands *cands_of(struct cand_cache *c, const struct btf *lb, uint32_t lid, const struct btf *tb)
{
    const struct btf_type *lt = btf__type_by_id(lb, lid);
    uint32_t ntypes = tb ? btf__type_cnt(tb) : 0;
    struct cands *e;
    size_t cap = 0;

    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].local_id == lid)
            return &c->v[i];
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8;
        struct cands *nv = realloc(c->v, ncap * sizeof(*nv));

        if (!nv)
            return NULL;
        c->v = nv;
        c->cap = ncap;
    }
    e = &c->v[c->n];
    *e = (struct cands){.local_id = lid};
    if (lt && *type_name(lb, lt)) {
        for (uint32_t id = 1; id < ntypes; id++) {
            const struct btf_type *tt = btf__type_by_id(tb, id);

            if (!tt || !same_kind(lt, tt) || !names_match(lb, lt, tb, tt))
                continue;
            if (e->n == cap) {
                size_t ncap = cap ? cap * 2 : 4;
                uint32_t *ni = realloc(e->ids, ncap * sizeof(*ni));

                if (!ni) {
                    free(e->ids);
                    return NULL;
                }
                e->ids = ni;
                cap = ncap;
            }
            e->ids[e->n++] = id;
        }
    }
    c->n++;
    return e;
}

static int resolve_field(const struct core_relo *r, struct core_spec *ls, const struct btf *tb,
                         const struct cands *cands, struct relo_res *res, struct core_walk *w, char *err, size_t errsz)
{
    const struct btf_type *lt = btf__type_by_id(ls->btf, r->type_id);
    uint32_t lbytes = 0;
    bool found = false;
    int e;

    e = spec_local_field(ls, err, errsz);
    if (e)
        return e;
    e = field_value(ls, r->kind, &res->orig, &lbytes, err, errsz);
    if (e)
        return e;
    /* a bitfield's load size is the compiler's choice (it may use the
     * record's alignment): its values are not checked against ours */
    res->check_orig = !ls->bf_size;
    res->orig_sz = lbytes;
    if (!*type_name(ls->btf, lt)) {
        snprintf(res->why, sizeof(res->why), "anonymous root type cannot be matched");
        goto none;
    }
    for (size_t c = 0; c < cands->n; c++) {
        uint32_t id = cands->ids[c], tbytes = 0;
        struct core_spec ts;
        uint64_t v;
        int m;

        m = spec_match_field(ls, tb, id, &ts, w);
        if (m == -E2BIG) {
            walk_error(w, id, err, errsz);
            return m;
        }
        if (m < 0) {
            snprintf(err, errsz, "target type [%u] has a broken type chain", id);
            return m;
        }
        if (!m)
            continue;
        if (field_value(&ts, r->kind, &v, &tbytes, res->why, sizeof(res->why))) {
            res->poison = true;
            return 0;
        }
        if (found && v != res->val) {
            snprintf(res->why, sizeof(res->why), "candidates disagree (%llu vs %llu, target type [%u])",
                     (unsigned long long)res->val, (unsigned long long)v, id);
            res->poison = true;
            return 0;
        }
        if (!found) {
            const struct btf_type *ft = skip_mods(tb, ts.field_id, NULL);

            res->new_sz = tbytes;
            res->sz_fixable = ft && !ts.bf_size &&
                              ((btf_kind(ft) == BTF_KIND_INT && !(btf_int_encoding(ft) & BTF_INT_SIGNED)) ||
                               btf_kind(ft) == BTF_KIND_PTR || is_any_enum(ft));
        }
        found = true;
        res->val = v;
    }
    if (found)
        return 0;
    snprintf(res->why, sizeof(res->why), "no matching field in target BTF");
none:
    if (r->kind == BPF_CORE_FIELD_EXISTS)
        res->val = 0;
    else
        res->poison = true;
    return 0;
}

static int resolve_type(const struct core_relo *r, struct core_spec *ls, const struct btf *tb,
                        const struct cands *cands, struct relo_res *res, struct core_walk *w, char *err, size_t errsz)
{
    const struct btf_type *lt = btf__type_by_id(ls->btf, r->type_id);
    bool found = false;

    if (ls->nraw != 1 || ls->raw[0] != 0) {
        snprintf(err, errsz, "type relocation with access string other than \"0\"");
        return -EINVAL;
    }
    if (r->kind == BPF_CORE_TYPE_ID_LOCAL) {
        res->val = res->orig = r->type_id;
        return 0;
    }
    switch (r->kind) {
    case BPF_CORE_TYPE_SIZE: {
        int64_t sz = btf__resolve_size(ls->btf, r->type_id);

        if (sz < 0) {
            snprintf(err, errsz, "local type has no size");
            return -EINVAL;
        }
        res->orig = (uint64_t)sz;
        res->check_orig = true;
        break;
    }
    case BPF_CORE_TYPE_EXISTS:
    case BPF_CORE_TYPE_MATCHES:
        res->orig = 1;
        res->check_orig = true;
        break;
    default: break; /* TYPE_ID_TARGET: the compiler's placeholder is not checked */
    }
    if (!*type_name(ls->btf, lt)) {
        snprintf(res->why, sizeof(res->why), "anonymous type cannot be matched");
        res->val = 0;
        return 0;
    }
    for (size_t c = 0; c < cands->n; c++) {
        uint32_t id = cands->ids[c];
        uint64_t v;
        int m;

        if (r->kind == BPF_CORE_TYPE_MATCHES)
            m = types_match(ls->btf, r->type_id, tb, id, 0, w);
        else
            m = types_compat(ls->btf, r->type_id, tb, id, 0, w);
        if (m == -E2BIG) {
            walk_error(w, id, err, errsz);
            return m;
        }
        if (m < 0) {
            snprintf(err, errsz, "broken type chain comparing with target type [%u]", id);
            return m;
        }
        if (!m)
            continue;
        switch (r->kind) {
        case BPF_CORE_TYPE_ID_TARGET: v = id; break;
        case BPF_CORE_TYPE_SIZE: {
            int64_t sz = btf__resolve_size(tb, id);

            if (sz < 0)
                continue;
            v = (uint64_t)sz;
            break;
        }
        default: v = 1; break;
        }
        if (found && v != res->val) {
            snprintf(res->why, sizeof(res->why), "candidates disagree (%llu vs %llu, target type [%u])",
                     (unsigned long long)res->val, (unsigned long long)v, id);
            res->poison = true;
            return 0;
        }
        found = true;
        res->val = v;
    }
    if (!found) {
        /* bpf_core_read.h: every type-based kind yields 0 when no type matches */
        snprintf(res->why, sizeof(res->why), "no matching type in target BTF");
        res->val = 0;
    }
    return 0;
}

static int resolve_enumval(const struct core_relo *r, struct core_spec *ls, const struct btf *tb,
                           const struct cands *cands, struct relo_res *res, char *err, size_t errsz)
{
    const struct btf_type *lt = btf__type_by_id(ls->btf, r->type_id), *st;
    bool found = false;

    st = skip_mods(ls->btf, r->type_id, NULL);
    if (!st || !is_any_enum(st) || ls->nraw != 1 || ls->raw[0] >= btf_vlen(st)) {
        snprintf(err, errsz, "enum value relocation needs an enum type and an enumerator index");
        return -EINVAL;
    }
    ls->enum_name = enum_at(ls->btf, st, ls->raw[0], &ls->enum_val);
    if (!ls->enum_name || !*ls->enum_name) {
        snprintf(err, errsz, "enumerator %u has no name", ls->raw[0]);
        return -EINVAL;
    }
    res->orig = r->kind == BPF_CORE_ENUMVAL_EXISTS ? 1 : ls->enum_val;
    res->check_orig = true;
    if (!*type_name(ls->btf, lt)) {
        snprintf(res->why, sizeof(res->why), "anonymous enum cannot be matched");
        res->val = 0;
        return 0;
    }
    for (size_t c = 0; c < cands->n; c++) {
        uint32_t id = cands->ids[c];
        const struct btf_type *tt = skip_mods(tb, id, NULL);
        uint64_t v = 0;
        bool has = false;

        if (!tt || !is_any_enum(tt))
            continue;
        for (uint32_t j = 0; j < btf_vlen(tt) && !has; j++) {
            const char *n = enum_at(tb, tt, j, &v);

            has = n && !strcmp(n, ls->enum_name);
        }
        if (!has)
            continue;
        if (r->kind == BPF_CORE_ENUMVAL_EXISTS)
            v = 1;
        if (found && v != res->val) {
            snprintf(res->why, sizeof(res->why), "candidates disagree (%llu vs %llu, target type [%u])",
                     (unsigned long long)res->val, (unsigned long long)v, id);
            res->poison = true;
            return 0;
        }
        found = true;
        res->val = v;
    }
    if (!found) {
        /* existence is 0; a missing value poisons, as libbpf does (the
         * bpf_core_read.h comment promising 0 is not what loaders do, and
         * a silent 0 would be a wrong constant) */
        snprintf(res->why, sizeof(res->why), "no matching enumerator in target BTF");
        res->val = 0;
        res->poison = r->kind == BPF_CORE_ENUMVAL_VALUE;
    }
    return 0;
}

/* ------------------------------------------------------------ patching */

static void poison_insn(struct bpf_insn *insns, size_t cnt, size_t i)
{
    bool wide = isa_is_ldimm64(&insns[i]) && i + 1 < cnt;
    struct bpf_insn p = {.code = BPF_JMP | BPF_CALL, .imm = CORE_POISON_IMM};

    insns[i] = p;
    /* the second half of an LD_IMM64 is poisoned as well, so that it is
     * never seen as a malformed instruction of its own */
    if (wide)
        insns[i + 1] = p;
}

/* Write res into insns[i].  Returns 0, 1 when it poisoned instead (with
 * res->why set), or -EINVAL with err. */
static int patch_insn(struct bpf_insn *insns, size_t cnt, size_t i, uint32_t kind, struct relo_res *res, char *err,
                      size_t errsz)
{
    struct bpf_insn *in = &insns[i];
    uint8_t cls = ISA_CLASS(in->code);

    if (res->poison) {
        poison_insn(insns, cnt, i);
        return 1;
    }
    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
        if (ISA_SRC(in->code) != BPF_K) {
            snprintf(err, errsz, "ALU instruction with a register operand");
            return -EINVAL;
        }
        if (res->check_orig && (uint32_t)in->imm != (uint32_t)res->orig) {
            snprintf(err, errsz, "instruction imm %d, expected %llu from local BTF", in->imm,
                     (unsigned long long)res->orig);
            return -EINVAL;
        }
        if (res->val > UINT32_MAX && (int64_t)res->val != (int32_t)res->val) {
            snprintf(res->why, sizeof(res->why), "value %llu does not fit a 32-bit immediate",
                     (unsigned long long)res->val);
            poison_insn(insns, cnt, i);
            return 1;
        }
        in->imm = (int32_t)(uint32_t)res->val;
        return 0;
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: {
        int mode = ISA_MODE(in->code);

        if (kind != BPF_CORE_FIELD_BYTE_OFFSET ||
            (mode != BPF_MEM && mode != BPF_MEMSX && !(cls == BPF_STX && mode == BPF_ATOMIC))) {
            snprintf(err, errsz, "%s relocation on a memory instruction", core_relo_kind_str(kind));
            return -EINVAL;
        }
        if (res->check_orig && in->off != (int64_t)res->orig) {
            snprintf(err, errsz, "instruction offset %d, expected %llu from local BTF", in->off,
                     (unsigned long long)res->orig);
            return -EINVAL;
        }
        if (res->val > INT16_MAX) {
            snprintf(res->why, sizeof(res->why), "offset %llu does not fit the 16-bit offset field",
                     (unsigned long long)res->val);
            poison_insn(insns, cnt, i);
            return 1;
        }
        if (res->new_sz != res->orig_sz && mode != BPF_ATOMIC) {
            /* the field changed size: a load of the whole field of an
             * unsigned integer, enum or pointer may follow it */
            unsigned code_sz;

            if (isa_size_bytes(in->code) != res->orig_sz || !res->sz_fixable || mode == BPF_MEMSX ||
                (res->new_sz != 1 && res->new_sz != 2 && res->new_sz != 4 && res->new_sz != 8)) {
                snprintf(res->why, sizeof(res->why), "field is %u bytes in target, %u locally: access not adjustable",
                         res->new_sz, res->orig_sz);
                poison_insn(insns, cnt, i);
                return 1;
            }
            code_sz = res->new_sz == 1 ? BPF_B : res->new_sz == 2 ? BPF_H : res->new_sz == 4 ? BPF_W : BPF_DW;
            in->code = (uint8_t)((in->code & ~0x18) | code_sz);
        }
        in->off = (int16_t)res->val;
        return 0;
    }
    case BPF_LD:
        if (!isa_is_ldimm64(in) || i + 1 >= cnt || in->src_reg != 0) {
            snprintf(err, errsz, "BPF_LD instruction that is not a plain LD_IMM64");
            return -EINVAL;
        }
        if (res->check_orig && isa_imm64(in) != res->orig) {
            snprintf(err, errsz, "instruction imm64 %llu, expected %llu from local BTF",
                     (unsigned long long)isa_imm64(in), (unsigned long long)res->orig);
            return -EINVAL;
        }
        in[0].imm = (int32_t)(uint32_t)res->val;
        in[1].imm = (int32_t)(uint32_t)(res->val >> 32);
        return 0;
    default: snprintf(err, errsz, "instruction class 0x%x cannot carry a CO-RE relocation", cls); return -EINVAL;
    }
}

int core_relocate(struct bpf_insn *insns, size_t cnt, const struct btf *local, const struct btf *target,
                  const struct core_relo *relos, size_t n, const char *where, char *log, size_t logsz)
{
    return core_relocate_rec(insns, cnt, local, target, relos, n, where, log, logsz, NULL, NULL);
}

int core_relocate_rec(struct bpf_insn *insns, size_t cnt, const struct btf *local, const struct btf *target,
                      const struct core_relo *relos, size_t n, const char *where, char *log, size_t logsz,
                      struct core_poison **poisonsp, size_t *np)
{
    struct cand_cache cache = {0};
    uint64_t total_left = CORE_TOTAL_STEPS;
    struct core_poison *pois = NULL;
    int poisoned = 0;

    if (poisonsp)
        *poisonsp = NULL;
    if (np)
        *np = 0;

    if (!where)
        where = "?";
    for (size_t k = 0; k < n; k++) {
        const struct core_relo *r = &relos[k];
        const char *acc = local ? btf__name_by_offset(local, r->access_str_off) : NULL;
        const struct btf_type *lt = local ? btf__type_by_id(local, r->type_id) : NULL;
        const struct cands *cands;
        struct core_spec ls = {.btf = local, .root_id = r->type_id};
        struct relo_res res = {0};
        struct core_walk walk = {.limit = total_left < CORE_RELO_STEPS ? total_left : CORE_RELO_STEPS};
        char err[192] = "", path[256];
        int e;

        if (r->insn_off >= cnt || !lt || !acc || r->kind > BPF_CORE_TYPE_MATCHES) {
            log_add(log, logsz, "prog '%s': CO-RE relo #%zu: %s\n", where, k,
                    r->insn_off >= cnt ? "instruction index out of range"
                    : !lt              ? "bad local type id"
                    : !acc             ? "bad access string offset"
                                       : "unknown relocation kind");
            cand_cache_free(&cache);
            free(pois);
            return -EINVAL;
        }
        e = parse_access(acc, &ls);
        if (e) {
            log_add(log, logsz, "prog '%s': CO-RE relo #%zu: insn %u: malformed access string \"%.64s\"\n", where, k,
                    r->insn_off, acc);
            cand_cache_free(&cache);
            free(pois);
            return -EINVAL;
        }
        cands = cands_of(&cache, local, r->type_id, target);
        if (!cands) {
            cand_cache_free(&cache);
            free(pois);
            return -ENOMEM;
        }
        walk.left = walk.limit;
        if (kind_is_field(r->kind))
            e = resolve_field(r, &ls, target, cands, &res, &walk, err, sizeof(err));
        else if (kind_is_type(r->kind))
            e = resolve_type(r, &ls, target, cands, &res, &walk, err, sizeof(err));
        else
            e = resolve_enumval(r, &ls, target, cands, &res, err, sizeof(err));
        total_left -= walk.limit - walk.left;
        if (!e)
            e = patch_insn(insns, cnt, r->insn_off, r->kind, &res, err, sizeof(err));
        spec_str(&ls, r->kind, path, sizeof(path));
        if (e < 0) {
            log_add(log, logsz, "prog '%s': CO-RE relo #%zu: insn %u: %s of %s (access %s, type [%u]): %s\n", where, k,
                    r->insn_off, core_relo_kind_str(r->kind), path, acc, r->type_id, err);
            cand_cache_free(&cache);
            free(pois);
            return e;
        }
        if (e == 1) {
            poisoned++;
            log_add(log, logsz,
                    "prog '%s': CO-RE relo #%zu: insn %u: %s of %s (access %s, type [%u]): %s; instruction "
                    "poisoned\n",
                    where, k, r->insn_off, core_relo_kind_str(r->kind), path, acc, r->type_id, res.why);
            if (poisonsp) {
                struct core_poison *np2 = realloc(pois, (size_t)poisoned * sizeof(*pois));
                if (!np2) {
                    cand_cache_free(&cache);
                    free(pois);
                    return -ENOMEM;
                }
                pois = np2;
                pois[poisoned - 1].insn_off = r->insn_off;
                pois[poisoned - 1].relo_idx = (uint32_t)k;
                snprintf(pois[poisoned - 1].what, sizeof(pois[poisoned - 1].what),
                         "%.24s of %.200s (access %.64s, local type [%u]): %.120s", core_relo_kind_str(r->kind), path, acc,
                         r->type_id, res.why);
            }
        }
    }
    cand_cache_free(&cache);
    if (poisonsp) {
        *poisonsp = pois;
        *np = (size_t)poisoned;
    }
    return poisoned;
}

int core_target_btf_load(const char *path, struct btf **out, char *log, size_t logsz)
{
    const char *p = path ? path : "/sys/kernel/btf/vmlinux";
    struct btf *btf;
    int err;

    *out = NULL;
    btf = btf__parse(p, NULL);
    if (!btf) {
        err = errno ? -errno : -EINVAL;
        log_add(log, logsz, "CO-RE target BTF '%s': cannot load (%s)\n", p, strerror(-err));
        return err;
    }
    *out = btf;
    return 0;
}
