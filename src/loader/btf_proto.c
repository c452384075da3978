/* btf_proto.c - a BTF FUNC as the C prototype bpftool heads each function
 * of `prog dump xlated` with ("int entry(struct xdp_md * ctx)": pointers
 * spelled "type *", as bpftool's btf_dump_func does).  The loader keeps it
 * as text with a program's source facts, so a pinned program shows it
 * too. */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "btf_info.h"

#define MAX_DEPTH 32

static const char *str(const struct btf *btf, uint32_t off)
{
    const char *s = btf__name_by_offset(btf, off);
    return s ? s : "";
}

/* Append the C spelling of type id to buf at *len. */
static void type_name(const struct btf *btf, uint32_t id, char *buf, size_t sz, size_t *len, int depth)
{
    const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
    const char *pfx = "";

#define PUT(...) (*len += (size_t)snprintf(buf + *len, *len < sz ? sz - *len : 0, __VA_ARGS__))
    if (*len >= sz)
        return;
    if (!id) {
        PUT("void");
        return;
    }
    if (!t || depth > MAX_DEPTH) {
        PUT("?");
        return;
    }
    switch (btf_kind(t)) {
    case BTF_KIND_PTR:
        type_name(btf, t->type, buf, sz, len, depth + 1);
        PUT(" *");
        return;
    case BTF_KIND_CONST:
        PUT("const ");
        type_name(btf, t->type, buf, sz, len, depth + 1);
        return;
    case BTF_KIND_VOLATILE:
        PUT("volatile ");
        type_name(btf, t->type, buf, sz, len, depth + 1);
        return;
    case BTF_KIND_RESTRICT:
        PUT("restrict ");
        type_name(btf, t->type, buf, sz, len, depth + 1);
        return;
    case BTF_KIND_TYPE_TAG: type_name(btf, t->type, buf, sz, len, depth + 1); return;
    case BTF_KIND_ARRAY:
        type_name(btf, btf_array(t)->type, buf, sz, len, depth + 1);
        PUT("[%u]", btf_array(t)->nelems);
        return;
    case BTF_KIND_STRUCT: pfx = "struct "; break;
    case BTF_KIND_UNION: pfx = "union "; break;
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: pfx = "enum "; break;
    case BTF_KIND_FWD: pfx = btf_kflag(t) ? "union " : "struct "; break;
    case BTF_KIND_FUNC_PROTO: PUT("func_proto"); return;
    default: break;
    }
    PUT("%s%s", pfx, str(btf, t->name_off));
#undef PUT
}

int btf_func_proto_str(const struct btf *btf, uint32_t func_id, char *buf, size_t sz)
{
    const struct btf_type *f = btf ? btf__type_by_id(btf, func_id) : NULL, *proto;
    const struct btf_param *p;
    size_t len = 0;

    buf[0] = 0;
    if (!f || !btf_is_func(f))
        return -EINVAL;
    proto = btf__type_by_id(btf, f->type);
    if (!proto || !btf_is_func_proto(proto))
        return -EINVAL;
    type_name(btf, proto->type, buf, sz, &len, 0);
    len += (size_t)snprintf(buf + len, len < sz ? sz - len : 0, " %s(", str(btf, f->name_off));
    p = btf_params(proto);
    for (int i = 0; i < btf_vlen(proto); i++) {
        if (i)
            len += (size_t)snprintf(buf + len, len < sz ? sz - len : 0, ", ");
        if (!p[i].type) { /* variadic */
            len += (size_t)snprintf(buf + len, len < sz ? sz - len : 0, "...");
            continue;
        }
        type_name(btf, p[i].type, buf, sz, &len, 0);
        if (str(btf, p[i].name_off)[0])
            len += (size_t)snprintf(buf + len, len < sz ? sz - len : 0, " %s", str(btf, p[i].name_off));
    }
    snprintf(buf + len, len < sz ? sz - len : 0, ")");
    return 0;
}
