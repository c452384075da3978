/* btf_kern.c - kernel objects a program may read through BTF: the
 * structs behind a map pointer (struct bpf_array, bpf_htab, ...) and
 * behind the socket pointers bpf_skc_to_*() and friends return (struct
 * tcp_sock, ...).  The kernel checks such reads against its own BTF
 * (btf_struct_access); bpfrt reads the same description from
 * /sys/kernel/btf/vmlinux when the machine has one.  Without it, such a
 * read is refused and the message says what is missing.  (A run of such
 * a program reaches a helper bpfrt has no body for first: only the
 * verdict is at stake.) */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "check.h"

static struct btf *vmlinux;
static pthread_once_t vmlinux_once = PTHREAD_ONCE_INIT;

static void load_vmlinux(void)
{
    struct btf *b = btf__load_vmlinux_btf();

    vmlinux = b && !libbpf_get_error(b) ? b : NULL;
}

static const struct btf *kbtf(void)
{
    pthread_once(&vmlinux_once, load_vmlinux);
    return vmlinux;
}

uint32_t vf_kbtf_struct_id(const char *name)
{
    const struct btf *b = kbtf();
    int id;

    if (!b || !name)
        return 0;
    id = btf__find_by_name_kind(b, name, BTF_KIND_STRUCT);
    return id > 0 ? (uint32_t)id : 0;
}

/* The struct a map pointer's reads see (the kernel's map_btf_id of each
 * map type's ops). */
static const char *map_struct(enum bpf_map_type t)
{
    switch (t) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_PROG_ARRAY:
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
    case BPF_MAP_TYPE_CGROUP_ARRAY:
    case BPF_MAP_TYPE_ARRAY_OF_MAPS: return "bpf_array";
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case BPF_MAP_TYPE_HASH_OF_MAPS: return "bpf_htab";
    case BPF_MAP_TYPE_RINGBUF: return "bpf_ringbuf_map";
    case BPF_MAP_TYPE_LPM_TRIE: return "lpm_trie";
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK: return "bpf_queue_stack";
    case BPF_MAP_TYPE_STACK_TRACE: return "bpf_stack_map";
    case BPF_MAP_TYPE_BLOOM_FILTER: return "bpf_bloom_filter";
    default: return "bpf_map";
    }
}

uint32_t vf_kbtf_map_struct_id(const struct bpfrt_map *m)
{
    uint32_t id = vf_kbtf_struct_id(map_struct(vf_map_type(m)));

    return id ? id : vf_kbtf_struct_id("bpf_map");
}

static const struct btf_type *skip_mods(const struct btf *b, uint32_t id, uint32_t *res)
{
    const struct btf_type *t = btf__type_by_id(b, id);

    while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
        id = t->type;
        t = btf__type_by_id(b, id);
    }
    *res = id;
    return t;
}

/* btf_struct_walk: what [off, off + size) of struct id holds.  1 with
 * *ptr_id (a pointer member read whole: the pointee, 0 when it is no
 * struct), 0 for data, or a rejection. */
static int walk(struct vf_env *env, uint32_t regno, uint32_t id, int64_t off, int size, uint32_t *ptr_id)
{
    const struct btf *b = kbtf();
    const struct btf_type *t;
    uint32_t tid;

    for (int depth = 0; depth < 32; depth++) {
        t = skip_mods(b, id, &tid);
        if (!t)
            break;
        if (btf_is_array(t)) {
            const struct btf_array *a = btf_array(t);
            const struct btf_type *et;
            uint32_t eid;
            et = skip_mods(b, a->type, &eid);
            long esz = btf__resolve_size(b, eid);
            (void)et;
            if (esz <= 0 || off >= (int64_t)esz * a->nelems)
                return vf_reject(env, -EACCES, env->insn_idx, "R%u invalid access beyond an array member", regno);
            off %= esz;
            id = eid;
            continue;
        }
        if (!btf_is_composite(t)) {
            if (btf_is_ptr(t)) {
                if (off == 0 && size == 8) {
                    uint32_t pid;
                    const struct btf_type *pt = skip_mods(b, t->type, &pid);
                    *ptr_id = pt && btf_is_struct(pt) ? pid : 0;
                    return 1;
                }
            }
            return 0; /* a scalar member (or part of a pointer, read as data) */
        }
        if (off < 0 || off + size > (int64_t)t->size)
            return vf_reject(env, -EACCES, env->insn_idx, "access beyond struct %s at off %lld size %d",
                             btf__name_by_offset(b, t->name_off), (long long)off, size);
        {
            const struct btf_member *mm = btf_members(t);
            int found = 0;
            for (uint32_t k = 0; k < btf_vlen(t); k++) {
                uint32_t moff = btf_member_bit_offset(t, k) / 8, mid;
                const struct btf_type *mt = skip_mods(b, mm[k].type, &mid);
                long msz = mt ? btf__resolve_size(b, mid) : -1;
                if (msz <= 0 || off < moff || off >= (int64_t)moff + msz)
                    continue;
                if (off + size > (int64_t)moff + msz) {
                    /* straddles members: the kernel allows it for data, as
                     * long as it stays inside the struct */
                    return 0;
                }
                off -= moff;
                id = mid;
                found = 1;
                break;
            }
            if (!found)
                return 0; /* padding */
        }
    }
    return 0;
}

int vf_kbtf_access(struct vf_env *env, uint32_t regno, uint32_t struct_id, int64_t off, int size, int write,
                   int value_regno, const char *what)
{
    struct vf_reg *regs = vf_regs(env);
    uint32_t ptr_id = 0;
    int r;

    if (!kbtf())
        return vf_reject(env, -EACCES, env->insn_idx,
                         "R%u %s: reading a kernel object needs the kernel's BTF, and this machine has no "
                         "/sys/kernel/btf/vmlinux",
                         regno, what);
    if (!struct_id)
        return vf_reject(env, -EACCES, env->insn_idx, "R%u %s: the kernel's BTF does not describe it", regno, what);
    if (write)
        return vf_reject(env, -EACCES, env->insn_idx, "only read is supported");
    r = walk(env, regno, struct_id, off, size, &ptr_id);
    if (r < 0)
        return r;
    if (value_regno < 0)
        return 0;
    vf_reg_unknown(env, &regs[value_regno]);
    if (r == 1 && ptr_id) {
        /* a pointer to another kernel object, as untrusted as the kernel
         * makes a walked pointer */
        struct vf_reg *d = &regs[value_regno];
        vf_mark_known_zero(d);
        d->type = VF_PTR_TO_BTF_ID;
        d->flags = VF_UNTRUSTED;
        d->btf_id = ptr_id;
        d->precise = 0;
    }
    return 0;
}
