/* progtypes_api.c - the program-type tables as the public API shows them. */
#include <errno.h>

#include "bpfrt/bpfrt.h"
#include "progtypes.h"

int bpfrt_prog_type_from_name(const char *name, enum bpf_prog_type *type)
{
    const struct pt_desc *t = pt_by_name(name);

    if (!t || !type)
        return -ENOENT;
    *type = t->type;
    return 0;
}

const char *bpfrt_prog_type_name(enum bpf_prog_type type)
{
    const struct pt_desc *t = pt_by_type(type);
    return t ? t->name : NULL;
}

const char *bpfrt_prog_type_retval_name(enum bpf_prog_type type, uint64_t retval)
{
    return pt_retcode_name(pt_by_type(type), retval);
}

int bpfrt_prog_type_from_section(const char *sec, enum bpf_prog_type *type, enum bpf_attach_type *attach)
{
    enum bpf_attach_type a = 0;
    const struct pt_desc *t = pt_by_section(sec, &a);

    if (!t)
        return -ENOENT;
    if (type)
        *type = t->type;
    if (attach)
        *attach = a;
    return 0;
}

int bpfrt_prog_type_can_run(enum bpf_prog_type type)
{
    return pt_can_run(pt_by_type(type));
}
