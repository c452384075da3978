/* btf_check.c - BTF that libbpf parsed can still name types that do not
 * exist (libbpf does not check every reference, and its helpers such as
 * btf__align_of then read out of bounds): check each reference once. */
#include <bpf/btf.h>

#include "btf_check.h"

uint32_t btf_first_bad_ref(const struct btf *btf)
{
    uint32_t n = btf__type_cnt(btf);

    for (uint32_t id = 1; id < n; id++) {
        const struct btf_type *t = btf__type_by_id(btf, id);
        uint32_t vlen = btf_vlen(t), bad = 0;

        switch (btf_kind(t)) {
        case BTF_KIND_INT:
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
        case BTF_KIND_FWD:
        case BTF_KIND_FLOAT: break;
        case BTF_KIND_PTR:
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
        case BTF_KIND_FUNC:
        case BTF_KIND_VAR:
        case BTF_KIND_DECL_TAG: bad = t->type >= n; break;
        case BTF_KIND_ARRAY: bad = btf_array(t)->type >= n || btf_array(t)->index_type >= n; break;
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
            for (uint32_t j = 0; j < vlen && !bad; j++)
                bad = btf_members(t)[j].type >= n;
            break;
        case BTF_KIND_FUNC_PROTO:
            bad = t->type >= n;
            for (uint32_t j = 0; j < vlen && !bad; j++)
                bad = btf_params(t)[j].type >= n;
            break;
        case BTF_KIND_DATASEC:
            for (uint32_t j = 0; j < vlen && !bad; j++)
                bad = btf_var_secinfos(t)[j].type >= n;
            break;
        default: bad = 1;
        }
        if (bad)
            return id;
    }
    return 0;
}
