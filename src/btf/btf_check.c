/* btf_check.c - BTF that libbpf parsed can still name types that do not
 * exist (libbpf does not check every reference, and its helpers such as
 * btf__align_of then read out of bounds): check each reference once; and
 * it can hold reference loops that libbpf's walkers (the C dumper) follow
 * forever: find those once too. */
#include <bpf/btf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "btf_check.h"

/* How many type ids t refers to (ref_at gives the i-th); REF_UNKNOWN for
 * a kind this checker (and the C dumper) does not know. */
#define REF_UNKNOWN UINT32_MAX
static uint32_t ref_count(const struct btf_type *t)
{
    switch (btf_kind(t)) {
    case BTF_KIND_INT:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
    case BTF_KIND_FWD:
    case BTF_KIND_FLOAT: return 0;
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG:
    case BTF_KIND_FUNC:
    case BTF_KIND_VAR:
    case BTF_KIND_DECL_TAG: return 1;
    case BTF_KIND_ARRAY: return 2;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_DATASEC: return btf_vlen(t);
    case BTF_KIND_FUNC_PROTO: return btf_vlen(t) + 1;
    default: return REF_UNKNOWN;
    }
}

static uint32_t ref_at(const struct btf_type *t, uint32_t i)
{
    switch (btf_kind(t)) {
    case BTF_KIND_ARRAY: return i ? btf_array(t)->index_type : btf_array(t)->type;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: return btf_members(t)[i].type;
    case BTF_KIND_DATASEC: return btf_var_secinfos(t)[i].type;
    case BTF_KIND_FUNC_PROTO: return i ? btf_params(t)[i - 1].type : t->type;
    default: return t->type;
    }
}

uint32_t btf_first_bad_ref(const struct btf *btf)
{
    uint32_t n = btf__type_cnt(btf);

    for (uint32_t id = 1; id < n; id++) {
        const struct btf_type *t = btf__type_by_id(btf, id);
        uint32_t refs = ref_count(t);

        if (refs == REF_UNKNOWN)
            return id;
        for (uint32_t j = 0; j < refs; j++)
            if (ref_at(t, j) >= n)
                return id;
    }
    return 0;
}

static bool named_composite(const struct btf *btf, const struct btf_type *t)
{
    const char *name = btf__name_by_offset(btf, t->name_off);

    return (btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_UNION) && name && *name;
}

/* Depth-first search for a cycle in the reference graph, not following the
 * references of the types cut() says end a chain.  Iterative (a chain can
 * be as long as the BTF).  Returns a type id on a cycle, 0 for none,
 * UINT32_MAX when out of memory. */
static uint32_t find_cycle(const struct btf *btf, bool (*cut)(const struct btf *, const struct btf_type *))
{
    uint32_t n = btf__type_cnt(btf), found = 0, sp = 0;
    uint8_t *colour = calloc(n, 1); /* 0 unseen, 1 on the current path, 2 done */
    uint32_t *stk = malloc((size_t)n * sizeof(*stk)), *next = malloc((size_t)n * sizeof(*next));

    if (!colour || !stk || !next) {
        found = UINT32_MAX;
        goto out;
    }
    for (uint32_t root = 1; root < n && !found; root++) {
        if (colour[root])
            continue;
        colour[root] = 1;
        stk[sp] = root;
        next[sp++] = 0;
        while (sp && !found) {
            uint32_t id = stk[sp - 1];
            const struct btf_type *t = btf__type_by_id(btf, id);
            uint32_t nref = cut(btf, t) ? 0 : ref_count(t), to;

            if (next[sp - 1] >= nref) {
                colour[id] = 2;
                sp--;
                continue;
            }
            to = ref_at(t, next[sp - 1]++);
            if (!to || to >= n || colour[to] == 2)
                continue;
            if (colour[to] == 1) {
                found = to;
                break;
            }
            colour[to] = 1;
            stk[sp] = to;
            next[sp++] = 0;
        }
    }
out:
    free(colour);
    free(stk);
    free(next);
    return found;
}

static bool cut_at_named_composite(const struct btf *btf, const struct btf_type *t)
{
    return named_composite(btf, t);
}

static bool cut_at_pointer(const struct btf *btf, const struct btf_type *t)
{
    (void)btf;
    return btf_kind(t) == BTF_KIND_PTR;
}

static const char *const kinds[] = {
    "void",  "int",      "ptr",      "array",   "struct",   "union",     "enum",     "fwd",      "typedef", "volatile",
    "const", "restrict", "func",     "func_proto", "var",   "datasec",   "float",    "decl_tag", "type_tag", "enum64",
};

static void describe(const struct btf *btf, uint32_t id, char *buf, size_t sz)
{
    const struct btf_type *t = btf__type_by_id(btf, id);
    const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
    unsigned k = t ? btf_kind(t) : 0;

    snprintf(buf, sz, "[%u] %s '%.64s'", id, k < sizeof(kinds) / sizeof(kinds[0]) ? kinds[k] : "unknown",
             name && *name ? name : "(anon)");
}

int btf_check_types(const struct btf *btf, char *why, size_t whysz)
{
    uint32_t id = btf_first_bad_ref(btf);
    char d[96];

    if (id) {
        describe(btf, id, d, sizeof(d));
        snprintf(why, whysz, "type %s refers to a type that does not exist (or has an unknown kind)", d);
        return -EINVAL;
    }
    /* In C a type can only refer back to itself through a named struct or
     * union (its tag); a loop of pointers, typedefs, modifiers, arrays or
     * prototypes alone is what the kernel's BTF verifier refuses as "Loop
     * detected", and what libbpf's C dumper follows until the stack runs
     * out. */
    id = find_cycle(btf, cut_at_named_composite);
    if (!id) {
        /* ... and only through a pointer: a struct cannot contain itself
         * (the kernel refuses that loop too) */
        id = find_cycle(btf, cut_at_pointer);
        if (id && id != UINT32_MAX) {
            describe(btf, id, d, sizeof(d));
            snprintf(why, whysz, "type %s contains itself (a reference loop without a pointer)", d);
            return -EINVAL;
        }
    } else if (id != UINT32_MAX) {
        describe(btf, id, d, sizeof(d));
        snprintf(why, whysz, "type %s refers to itself through a loop that passes no named struct or union", d);
        return -EINVAL;
    }
    if (id == UINT32_MAX) {
        snprintf(why, whysz, "out of memory checking the BTF");
        return -ENOMEM;
    }
    return 0;
}
