/* calls.c - calls: helpers checked against their prototypes for the
 * program type (src/helpers/protos.h through the type's func_proto),
 * the maps each helper accepts, the registers a call clobbers and what
 * r0 becomes; bpf-to-bpf calls (static ones walked in the caller's
 * context, global ones checked against their BTF signature), callbacks
 * (bpf_loop, bpf_for_each_map_elem, bpf_timer_set_callback, ...), tail
 * calls, and the return code at exit (the kernel's check_helper_call,
 * check_func_arg, check_map_func_compatibility, check_func_call,
 * prepare_func_exit, check_return_code). */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../helpers/bprintf.h"
#include "../helpers/helpers.h"
#include "../helpers/protos.h"
#include "../isa/isa.h"
#include "../maps/map.h"
#include "../progtypes/progtypes.h"
#include "check.h"
#include "bpfrt/bpfrt.h"

#define VF_MAX_VAR_SIZ (1 << 29)

/* The CPUs a program may see (bpf_get_smp_processor_id's range): the
 * workers bpfrt runs, as many as the machine has. */
static int64_t vf_nr_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_CONF);
    return n > 0 ? n : 1;
}

struct call_meta {
    const struct bpfrt_map *map;
    uint32_t map_regno;
    int64_t mem_size;      /* HA_CONST_ALLOC_SIZE_OR_ZERO */
    uint32_t ref_obj_id;   /* the reference an argument carries */
    int release_regno;
    int subprog;           /* HA_FUNC */
    int raw_regno;         /* HA_MEM | HAF_UNINIT: written by the helper */
    int64_t msize_max;     /* the largest size a size argument allows (-1: none) */
    int64_t const_key;     /* the map key when it is a known constant on the stack (-1: not known) */
    uint8_t pkt_access;
};

static const char *helper_name(uint32_t id, char *buf, size_t n)
{
    const char *s = bpfrt_helper_name(id);

    snprintf(buf, n, "bpf_%s", s ? s : "unknown");
    if (!s)
        snprintf(buf, n, "unknown");
    return buf;
}

/* check_map_func_compatibility: which helpers take which map types. */
static int map_func_ok(const struct bpfrt_map *m, uint32_t fn)
{
    enum bpf_map_type t = m->type;

    /* the map type's side */
    switch (t) {
    case BPF_MAP_TYPE_PROG_ARRAY:
        if (fn != BPF_FUNC_tail_call)
            return 0;
        break;
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
        if (fn != BPF_FUNC_perf_event_read && fn != BPF_FUNC_perf_event_output && fn != BPF_FUNC_skb_output &&
            fn != BPF_FUNC_perf_event_read_value && fn != BPF_FUNC_xdp_output)
            return 0;
        break;
    case BPF_MAP_TYPE_RINGBUF:
        if (fn != BPF_FUNC_ringbuf_output && fn != BPF_FUNC_ringbuf_reserve && fn != BPF_FUNC_ringbuf_query &&
            fn != BPF_FUNC_ringbuf_reserve_dynptr && fn != BPF_FUNC_ringbuf_submit_dynptr &&
            fn != BPF_FUNC_ringbuf_discard_dynptr)
            return 0;
        break;
    case BPF_MAP_TYPE_USER_RINGBUF:
        if (fn != BPF_FUNC_user_ringbuf_drain)
            return 0;
        break;
    case BPF_MAP_TYPE_STACK_TRACE:
        if (fn != BPF_FUNC_get_stackid)
            return 0;
        break;
    case BPF_MAP_TYPE_CGROUP_ARRAY:
        if (fn != BPF_FUNC_skb_under_cgroup && fn != BPF_FUNC_current_task_under_cgroup)
            return 0;
        break;
    case BPF_MAP_TYPE_CGROUP_STORAGE:
    case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
        if (fn != BPF_FUNC_get_local_storage)
            return 0;
        break;
    case BPF_MAP_TYPE_DEVMAP:
    case BPF_MAP_TYPE_DEVMAP_HASH:
        if (fn != BPF_FUNC_redirect_map && fn != BPF_FUNC_map_lookup_elem)
            return 0;
        break;
    case BPF_MAP_TYPE_CPUMAP:
        if (fn != BPF_FUNC_redirect_map)
            return 0;
        break;
    case BPF_MAP_TYPE_XSKMAP:
        if (fn != BPF_FUNC_redirect_map && fn != BPF_FUNC_map_lookup_elem)
            return 0;
        break;
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
    case BPF_MAP_TYPE_HASH_OF_MAPS:
        if (fn != BPF_FUNC_map_lookup_elem)
            return 0;
        break;
    case BPF_MAP_TYPE_SOCKMAP:
        if (fn != BPF_FUNC_sk_redirect_map && fn != BPF_FUNC_sock_map_update && fn != BPF_FUNC_map_delete_elem &&
            fn != BPF_FUNC_msg_redirect_map && fn != BPF_FUNC_sk_select_reuseport && fn != BPF_FUNC_map_lookup_elem &&
            fn != BPF_FUNC_map_update_elem)
            return 0;
        break;
    case BPF_MAP_TYPE_SOCKHASH:
        if (fn != BPF_FUNC_sk_redirect_hash && fn != BPF_FUNC_sock_hash_update && fn != BPF_FUNC_map_delete_elem &&
            fn != BPF_FUNC_msg_redirect_hash && fn != BPF_FUNC_sk_select_reuseport && fn != BPF_FUNC_map_lookup_elem &&
            fn != BPF_FUNC_map_update_elem)
            return 0;
        break;
    case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY:
        if (fn != BPF_FUNC_sk_select_reuseport)
            return 0;
        break;
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK:
        if (fn != BPF_FUNC_map_peek_elem && fn != BPF_FUNC_map_pop_elem && fn != BPF_FUNC_map_push_elem)
            return 0;
        break;
    case BPF_MAP_TYPE_SK_STORAGE:
        if (fn != BPF_FUNC_sk_storage_get && fn != BPF_FUNC_sk_storage_delete)
            return 0;
        break;
    case BPF_MAP_TYPE_INODE_STORAGE:
        if (fn != BPF_FUNC_inode_storage_get && fn != BPF_FUNC_inode_storage_delete)
            return 0;
        break;
    case BPF_MAP_TYPE_TASK_STORAGE:
        if (fn != BPF_FUNC_task_storage_get && fn != BPF_FUNC_task_storage_delete)
            return 0;
        break;
    case BPF_MAP_TYPE_BLOOM_FILTER:
        if (fn != BPF_FUNC_map_peek_elem && fn != BPF_FUNC_map_push_elem)
            return 0;
        break;
    default: break;
    }
    /* the helper's side */
    switch (fn) {
    case BPF_FUNC_tail_call: return t == BPF_MAP_TYPE_PROG_ARRAY;
    case BPF_FUNC_perf_event_read:
    case BPF_FUNC_perf_event_output:
    case BPF_FUNC_perf_event_read_value:
    case BPF_FUNC_skb_output:
    case BPF_FUNC_xdp_output: return t == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
    case BPF_FUNC_ringbuf_output:
    case BPF_FUNC_ringbuf_reserve:
    case BPF_FUNC_ringbuf_query:
    case BPF_FUNC_ringbuf_reserve_dynptr:
    case BPF_FUNC_ringbuf_submit_dynptr:
    case BPF_FUNC_ringbuf_discard_dynptr: return t == BPF_MAP_TYPE_RINGBUF;
    case BPF_FUNC_user_ringbuf_drain: return t == BPF_MAP_TYPE_USER_RINGBUF;
    case BPF_FUNC_get_stackid: return t == BPF_MAP_TYPE_STACK_TRACE;
    case BPF_FUNC_current_task_under_cgroup:
    case BPF_FUNC_skb_under_cgroup: return t == BPF_MAP_TYPE_CGROUP_ARRAY;
    case BPF_FUNC_redirect_map:
        return t == BPF_MAP_TYPE_DEVMAP || t == BPF_MAP_TYPE_DEVMAP_HASH || t == BPF_MAP_TYPE_CPUMAP ||
               t == BPF_MAP_TYPE_XSKMAP;
    case BPF_FUNC_sk_redirect_map:
    case BPF_FUNC_msg_redirect_map:
    case BPF_FUNC_sock_map_update: return t == BPF_MAP_TYPE_SOCKMAP;
    case BPF_FUNC_sk_redirect_hash:
    case BPF_FUNC_msg_redirect_hash:
    case BPF_FUNC_sock_hash_update: return t == BPF_MAP_TYPE_SOCKHASH;
    case BPF_FUNC_get_local_storage:
        return t == BPF_MAP_TYPE_CGROUP_STORAGE || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
    case BPF_FUNC_sk_select_reuseport:
        return t == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY || t == BPF_MAP_TYPE_SOCKMAP || t == BPF_MAP_TYPE_SOCKHASH;
    case BPF_FUNC_map_pop_elem: return t == BPF_MAP_TYPE_QUEUE || t == BPF_MAP_TYPE_STACK;
    case BPF_FUNC_map_peek_elem:
    case BPF_FUNC_map_push_elem:
        return t == BPF_MAP_TYPE_QUEUE || t == BPF_MAP_TYPE_STACK || t == BPF_MAP_TYPE_BLOOM_FILTER;
    case BPF_FUNC_map_lookup_percpu_elem:
        return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
    case BPF_FUNC_sk_storage_get:
    case BPF_FUNC_sk_storage_delete: return t == BPF_MAP_TYPE_SK_STORAGE;
    case BPF_FUNC_inode_storage_get:
    case BPF_FUNC_inode_storage_delete: return t == BPF_MAP_TYPE_INODE_STORAGE;
    case BPF_FUNC_task_storage_get:
    case BPF_FUNC_task_storage_delete: return t == BPF_MAP_TYPE_TASK_STORAGE;
    default: return 1;
    }
}

static int type_err(struct vf_env *env, uint32_t regno, const struct vf_reg *r, const char *expected)
{
    return vf_reject(env, -EACCES, env->insn_idx, "R%u type=%s expected=%s", regno, vf_type_name(r), expected);
}

static int is_null_scalar(const struct vf_reg *r)
{
    return r->type == VF_SCALAR && tnum_equals_const(r->var_off, 0);
}

/* A memory argument's pointer kinds (ARG_PTR_TO_MEM's compatible types) */
static int is_mem_ptr(const struct vf_reg *r)
{
    switch (r->type) {
    case VF_PTR_TO_STACK:
    case VF_PTR_TO_PACKET:
    case VF_PTR_TO_PACKET_META:
    case VF_PTR_TO_MAP_KEY:
    case VF_PTR_TO_MAP_VALUE:
    case VF_PTR_TO_MEM:
    case VF_PTR_TO_BUF: return !(r->flags & VF_MAYBE_NULL);
    default: return 0;
    }
}

static int check_size_arg(struct vf_env *env, uint32_t regno, int zero_ok, const struct hlp_proto *fn, int mem_arg,
                          struct call_meta *meta)
{
    struct vf_reg *r = &vf_regs(env)[regno];
    uint8_t mflags = fn->arg_flags[mem_arg];
    /* the helper writes it (MEM_UNINIT / MEM_WRITE), or only reads it */
    int write = (mflags & (HAF_UNINIT | HAF_WRITE)) != 0;
    int uninit = (mflags & HAF_UNINIT) != 0;
    struct vf_reg *mem = &vf_regs(env)[BPF_REG_1 + mem_arg];
    int err;

    if (r->type != VF_SCALAR)
        return type_err(env, regno, r, "scalar");
    if (!tnum_is_const(r->var_off))
        /* a variable size: the kernel then checks the pointer's memory
         * for the largest size (and needs it initialised) */
        uninit = 0;
    if (r->smin < 0)
        return vf_reject(env, -EACCES, env->insn_idx, "R%u min value is negative, either use unsigned or 'var &= const'",
                         regno);
    if (is_null_scalar(mem) && (fn->arg_flags[mem_arg] & HAF_OR_NULL)) {
        /* a NULL buffer: its size must be 0 */
        if (!tnum_equals_const(r->var_off, 0))
            return vf_reject(env, -EACCES, env->insn_idx, "R%u type=scalar expected=fp", BPF_REG_1 + mem_arg);
        return 0;
    }
    if (r->umin == 0) {
        err = vf_check_helper_mem(env, BPF_REG_1 + (uint32_t)mem_arg, 0, zero_ok, write, uninit);
        if (err)
            return err;
    }
    if (r->umax >= VF_MAX_VAR_SIZ)
        return vf_reject(env, -EACCES, env->insn_idx, "R%u unbounded memory access, use 'var &= const' or 'if (var < const)'",
                         regno);
    meta->msize_max = (int64_t)r->umax;
    if (r->umax)
        err = vf_check_helper_mem(env, BPF_REG_1 + (uint32_t)mem_arg, (int64_t)r->umax, zero_ok, write, uninit);
    else
        err = 0;
    if (!err)
        vf_mark_chain_precision(env, regno); /* the size decided what the helper may touch */
    return err;
}

static int check_func_arg(struct vf_env *env, uint32_t argno, struct call_meta *meta, const struct hlp_proto *fn)
{
    uint32_t regno = BPF_REG_1 + argno;
    struct vf_reg *r = &vf_regs(env)[regno];
    uint8_t kind = fn->arg[argno], fl = fn->arg_flags[argno];
    int err;

    if (kind == HA_NONE)
        return 0;
    if ((err = vf_check_reg_read(env, regno)))
        return err;
    if (kind == HA_ANYTHING || kind == HA_SCALAR) {
        if (vf_is_ptr_leak(env, r))
            return vf_reject(env, -EACCES, env->insn_idx, "R%u leaks addr into helper function", regno);
        return 0;
    }
    if (vf_is_pkt(r) && !meta->pkt_access && kind != HA_CTX)
        return vf_reject(env, -EACCES, env->insn_idx, "helper access to the packet is not allowed");
    if ((fl & HAF_OR_NULL) && is_null_scalar(r) && kind != HA_CONST_SIZE && kind != HA_CONST_SIZE_OR_ZERO)
        return 0;
    if (r->ref_obj_id && vf_is_ptr(r)) {
        if (meta->ref_obj_id)
            return vf_reject(env, -EFAULT, env->insn_idx,
                             "verifier internal error: more than one arg with ref_obj_id R%u %u %u", regno,
                             r->ref_obj_id, meta->ref_obj_id);
        meta->ref_obj_id = r->ref_obj_id;
    }
    if (fn->ref == HREF_RELEASE && fn->release_arg == argno)
        meta->release_regno = (int)regno;
    switch (kind) {
    case HA_CONST_MAP_PTR:
        if (r->type != VF_CONST_PTR_TO_MAP || (r->flags & VF_MAYBE_NULL))
            return type_err(env, regno, r, "map_ptr");
        meta->map = r->map;
        meta->map_regno = regno;
        return 0;
    case HA_MAP_KEY:
    case HA_MAP_VALUE:
    case HA_UNINIT_MAP_VALUE:
        if (!meta->map)
            return vf_reject(env, -EACCES, env->insn_idx, "invalid map_ptr to access map->%s",
                             kind == HA_MAP_KEY ? "key" : "value");
        if ((kind == HA_MAP_VALUE || kind == HA_UNINIT_MAP_VALUE) &&
            (meta->map->type == BPF_MAP_TYPE_SOCKMAP || meta->map->type == BPF_MAP_TYPE_SOCKHASH) &&
            (r->type == VF_PTR_TO_SOCKET || r->type == VF_PTR_TO_SOCK_COMMON || r->type == VF_PTR_TO_TCP_SOCK ||
             r->type == VF_PTR_TO_BTF_ID) &&
            !(r->flags & VF_MAYBE_NULL))
            return 0; /* a socket map's value is a socket (ARG_PTR_TO_BTF_ID_SOCK_COMMON) */
        if (!is_mem_ptr(r) || r->type == VF_PTR_TO_MEM || r->type == VF_PTR_TO_BUF)
            return type_err(env, regno, r, "fp, pkt, pkt_meta, map_key, map_value");
        if (kind == HA_MAP_KEY) {
            meta->const_key = vf_stack_const_key(env, r, meta->map->key_size);
            return vf_check_helper_mem(env, regno, meta->map->key_size, 0, 0, 0);
        }

        return vf_check_helper_mem(env, regno, meta->map->value_size, 0,
                                   kind == HA_UNINIT_MAP_VALUE || (fl & (HAF_UNINIT | HAF_WRITE)),
                                   kind == HA_UNINIT_MAP_VALUE || (fl & HAF_UNINIT));
    case HA_MEM:
        if (!is_mem_ptr(r))
            return type_err(env, regno, r, "fp, pkt, pkt_meta, map_key, map_value, mem, buf");
        if (fl & HAF_FIXED) {
            if ((fl & HAF_ALIGNED) && (err = vf_check_arg_align(env, regno, fn->arg_size[argno])))
                return err; /* the former ARG_PTR_TO_LONG/INT: aligned as the access would be */
            return vf_check_helper_mem(env, regno, fn->arg_size[argno], 0, (fl & (HAF_UNINIT | HAF_WRITE)) != 0,
                                       (fl & HAF_UNINIT) != 0);
        }
        return 0; /* checked with its size argument */
    case HA_CONST_SIZE:
    case HA_CONST_SIZE_OR_ZERO:
        if (argno == 0)
            return vf_reject(env, -EFAULT, env->insn_idx, "verifier internal error: size argument without memory");
        return check_size_arg(env, regno, kind == HA_CONST_SIZE_OR_ZERO, fn, (int)argno - 1, meta);
    case HA_CTX:
        if (r->type != VF_PTR_TO_CTX)
            return type_err(env, regno, r, "ctx");
        if (r->off || !tnum_equals_const(r->var_off, 0))
            return vf_reject(env, -EACCES, env->insn_idx, "dereference of modified ctx ptr R%u off=%d disallowed",
                             regno, r->off);
        return 0;
    case HA_SOCK_COMMON:
    case HA_BTF_ID_SOCK_COMMON:
        if ((r->type != VF_PTR_TO_SOCK_COMMON && r->type != VF_PTR_TO_SOCKET && r->type != VF_PTR_TO_TCP_SOCK &&
             r->type != VF_PTR_TO_BTF_ID) ||
            (r->flags & VF_MAYBE_NULL))
            return type_err(env, regno, r, "sock_common, sock, tcp_sock, xdp_sock, ptr_");
        return 0;
    case HA_SOCKET:
        if ((r->type != VF_PTR_TO_SOCKET && r->type != VF_PTR_TO_BTF_ID) || (r->flags & VF_MAYBE_NULL))
            return type_err(env, regno, r, "sock");
        return 0;
    case HA_BTF_ID:
    case HA_PERCPU_BTF_ID:
    case HA_KPTR:
        if (r->type != VF_PTR_TO_BTF_ID || (r->flags & VF_MAYBE_NULL))
            return type_err(env, regno, r, "ptr_");
        return 0;
    case HA_SPIN_LOCK: return vf_check_spin_lock_arg(env, regno, fn->id == BPF_FUNC_spin_lock);
    case HA_TIMER:
        if (r->type != VF_PTR_TO_MAP_VALUE || (r->flags & VF_MAYBE_NULL))
            return type_err(env, regno, r, "map_value");
        if (!tnum_is_const(r->var_off))
            return vf_reject(env, -EACCES, env->insn_idx,
                             "R%u doesn't have constant offset. bpf_timer has to be at the constant offset", regno);
        meta->map = r->map;
        return 0;
    case HA_LONG:
    case HA_INT: {
        int size = kind == HA_LONG ? 8 : 4;
        if (r->type != VF_PTR_TO_STACK && r->type != VF_PTR_TO_MAP_VALUE && r->type != VF_PTR_TO_MEM)
            return type_err(env, regno, r, "fp, map_value, mem");
        return vf_check_helper_mem(env, regno, size, 0, 1, 1);
    }
    case HA_ALLOC_MEM:
        if (r->type != VF_PTR_TO_MEM || !(r->flags & VF_RINGBUF) || (r->flags & VF_MAYBE_NULL))
            return type_err(env, regno, r, "ringbuf_mem");
        if (r->off || !tnum_equals_const(r->var_off, 0))
            return vf_reject(env, -EACCES, env->insn_idx, "R%u must have zero offset when passed to release func",
                             regno);
        return 0;
    case HA_CONST_ALLOC_SIZE_OR_ZERO:
        if (r->type != VF_SCALAR)
            return type_err(env, regno, r, "scalar");
        if (!tnum_is_const(r->var_off))
            return vf_reject(env, -EACCES, env->insn_idx, "R%u is not a known constant'", regno);
        meta->mem_size = (int64_t)r->var_off.value;
        vf_mark_chain_precision(env, regno);
        return 0;
    case HA_FUNC:
        if (r->type != VF_PTR_TO_FUNC)
            return type_err(env, regno, r, "func");
        meta->subprog = (int)r->subprog;
        return 0;
    case HA_STACK:
        if (r->type != VF_PTR_TO_STACK)
            return type_err(env, regno, r, "fp");
        return 0;
    case HA_CONST_STR: {
        if (r->type != VF_PTR_TO_MAP_VALUE || (r->flags & VF_MAYBE_NULL))
            return type_err(env, regno, r, "map_value");
        const struct bpfrt_map *m = r->map;
        if (!tnum_is_const(r->var_off))
            return vf_reject(env, -EACCES, env->insn_idx, "R%u is not a constant address'", regno);
        if (!(m->map_flags & BPF_F_RDONLY_PROG) || !*map_frozen_word((struct bpfrt_map *)m))
            return vf_reject(env, -EACCES, env->insn_idx, "R%u does not point to a readonly map'", regno);
        return vf_check_const_str(env, regno, m, r->off + (int64_t)r->var_off.value);
    }
    case HA_DYNPTR:
        if (r->type != VF_PTR_TO_STACK)
            return type_err(env, regno, r, "fp");
        return vf_check_helper_mem(env, regno, 16, 0, 1, (fl & HAF_UNINIT) != 0);
    case HA_MAP_VALUE_OR_KEY:
        if (!is_mem_ptr(r))
            return type_err(env, regno, r, "fp, map_value");
        return 0;
    default: return vf_reject(env, -EFAULT, env->insn_idx, "verifier internal error: unknown argument kind %u", kind);
    }
}

/* ---- frames: calls and callbacks ---- */

static int push_frame(struct vf_env *env, uint32_t callsite, uint32_t subprog, struct vf_state *st)
{
    uint32_t n = st->curframe + 1;

    if (n >= VF_MAX_FRAMES)
        return vf_reject(env, -E2BIG, callsite, "the call stack of %u frames is too deep !", n + 1);
    st->frame[n] = vf_frame_new(n, (int32_t)callsite, subprog);
    if (!st->frame[n])
        return vf_reject(env, -ENOMEM, callsite, "out of memory");
    st->curframe = n;
    st->slot_written[n] = 0;
    return 0;
}

/* The callee's registers of a callback (set_*_callback_state). */
static void set_cb_regs(struct vf_env *env, uint32_t fn, struct vf_frame *caller, struct vf_frame *callee,
                        const struct call_meta *meta)
{
    struct vf_reg *c = callee->regs;

    switch (fn) {
    case BPF_FUNC_loop:
        vf_reg_unknown(env, &c[BPF_REG_1]); /* the index */
        c[BPF_REG_2] = caller->regs[BPF_REG_3];
        callee->cb_ret_min = 0, callee->cb_ret_max = 1;
        break;
    case BPF_FUNC_for_each_map_elem:
    case BPF_FUNC_timer_set_callback: {
        const struct bpfrt_map *m = meta->map;
        memset(&c[BPF_REG_1], 0, offsetof(struct vf_reg, parent));
        c[BPF_REG_1].type = VF_CONST_PTR_TO_MAP;
        c[BPF_REG_1].map = m;
        memset(&c[BPF_REG_2], 0, offsetof(struct vf_reg, parent));
        c[BPF_REG_2].type = VF_PTR_TO_MAP_KEY;
        c[BPF_REG_2].map = m;
        c[BPF_REG_2].mem_size = m ? m->key_size : 0;
        memset(&c[BPF_REG_3], 0, offsetof(struct vf_reg, parent));
        c[BPF_REG_3].type = VF_PTR_TO_MAP_VALUE;
        c[BPF_REG_3].map = m;
        for (int i = 1; i <= 3; i++)
            c[i].var_off = tnum_const(0);
        if (fn == BPF_FUNC_for_each_map_elem) {
            /* bpf_for_each_map_elem(map, cb, ctx, flags): cb(map, key, value, ctx) */
            c[BPF_REG_4] = caller->regs[BPF_REG_3];
            callee->cb_ret_min = 0, callee->cb_ret_max = 1;
        } else {
            callee->cb_ret_min = 0, callee->cb_ret_max = 0;
        }
        break;
    }
    case BPF_FUNC_find_vma:
        memset(&c[BPF_REG_1], 0, offsetof(struct vf_reg, parent));
        c[BPF_REG_1].type = VF_PTR_TO_BTF_ID;
        memset(&c[BPF_REG_2], 0, offsetof(struct vf_reg, parent));
        c[BPF_REG_2].type = VF_PTR_TO_BTF_ID;
        c[BPF_REG_3] = caller->regs[BPF_REG_4];
        callee->cb_ret_min = 0, callee->cb_ret_max = 1;
        break;
    default:
        vf_reg_unknown(env, &c[BPF_REG_1]);
        c[BPF_REG_2] = caller->regs[BPF_REG_3];
        callee->cb_ret_min = 0, callee->cb_ret_max = 1;
        break;
    }
    for (int i = 1; i <= 5; i++)
        c[i].parent = NULL;
}

static int setup_callback(struct vf_env *env, uint32_t fn, const struct call_meta *meta, uint32_t *insn_idx)
{
    struct vf_state *st = env->cur;
    struct vf_frame *caller = vf_cur_frame(env);
    uint32_t sub = (uint32_t)meta->subprog;
    int err;

    if (meta->subprog <= 0 || sub >= env->nsub)
        return vf_reject(env, -EFAULT, *insn_idx, "verifier internal error: callback without a subprogram");
    env->sub[sub].is_cb = 1;
    if (fn == BPF_FUNC_timer_set_callback) {
        /* An async callback runs later, alone: walked as a path of its
         * own with a fresh frame (push_async_cb). */
        struct vf_state *as = vf_push_branch(env, env->sub[sub].start, *insn_idx, &err);
        if (!as)
            return err;
        for (uint32_t i = 1; i <= as->curframe; i++) {
            vf_frame_free(as->frame[i]);
            as->frame[i] = NULL;
        }
        struct vf_frame *nf = vf_frame_new(0, (int32_t)*insn_idx, sub);
        if (!nf)
            return vf_reject(env, -ENOMEM, *insn_idx, "out of memory");
        set_cb_regs(env, fn, caller, nf, meta);
        nf->in_async_callback = 1;
        /* its own segment: nothing before the callback's start is its past */
        as->first_insn_idx = env->sub[sub].start;
        as->nhist = 0;
        vf_frame_free(as->frame[0]);
        as->frame[0] = nf;
        as->curframe = 0;
        as->nrefs = 0;
        as->active_lock_id = 0;
        return 0;
    }
    {
        /* A synchronous callback may run any number of times (6.6's
         * push_callback_call): the current path goes on after the call as
         * if it ran none, and a path of its own enters the callback; at
         * the callback's exit that path comes back to the call, which
         * then enters the callback again, until the state at the call
         * repeats (prune.c compares it with the earlier visits). */
        struct vf_state *cs = vf_push_branch(env, env->sub[sub].start, *insn_idx, &err);
        struct vf_frame *ccaller;
        if (!cs)
            return err;
        ccaller = cs->frame[cs->curframe];
        if ((err = push_frame(env, *insn_idx, sub, cs)))
            return err;
        set_cb_regs(env, fn, ccaller, cs->frame[cs->curframe], meta);
        cs->frame[cs->curframe]->in_callback = 1;
        cs->cb_unroll++;
        (void)st;
        (void)caller;
    }
    return 0;
}

static void set_ret(struct vf_env *env, struct vf_reg *r0, const struct hlp_proto *fn, const struct call_meta *meta)
{
    vf_reg_unknown(env, r0);
    switch (fn->ret) {
    case HR_INTEGER: return;
    case HR_VOID: vf_mark_not_init(r0); return;
    case HR_MAP_VALUE_OR_NULL:
    case HR_MAP_VALUE:
        vf_mark_known_zero(r0);
        if (meta->map && (meta->map->type == BPF_MAP_TYPE_ARRAY_OF_MAPS || meta->map->type == BPF_MAP_TYPE_HASH_OF_MAPS)) {
            r0->type = VF_CONST_PTR_TO_MAP;
            r0->map = meta->map->inner_map;
        } else if (meta->map && (meta->map->type == BPF_MAP_TYPE_SOCKMAP || meta->map->type == BPF_MAP_TYPE_SOCKHASH)) {
            r0->type = VF_PTR_TO_SOCKET;
        } else if (meta->map && meta->map->type == BPF_MAP_TYPE_XSKMAP) {
            r0->type = VF_PTR_TO_XDP_SOCK;
        } else {
            r0->type = VF_PTR_TO_MAP_VALUE;
            r0->map = meta->map;
        }
        if (fn->ret == HR_MAP_VALUE_OR_NULL)
            r0->flags = VF_MAYBE_NULL;
        /* an array lookup of a constant key below max_entries cannot fail
         * (6.13's can_elide_value_nullness) */
        if (fn->id == BPF_FUNC_map_lookup_elem && meta->map &&
            (meta->map->type == BPF_MAP_TYPE_ARRAY || meta->map->type == BPF_MAP_TYPE_PERCPU_ARRAY) &&
            meta->const_key >= 0 && meta->const_key < (int64_t)meta->map->max_entries)
            r0->flags &= (uint8_t)~VF_MAYBE_NULL;
        break;
    case HR_SOCKET_OR_NULL: vf_mark_known_zero(r0); r0->type = VF_PTR_TO_SOCKET; r0->flags = VF_MAYBE_NULL; break;
    case HR_TCP_SOCK_OR_NULL: vf_mark_known_zero(r0); r0->type = VF_PTR_TO_TCP_SOCK; r0->flags = VF_MAYBE_NULL; break;
    case HR_SOCK_COMMON_OR_NULL:
        vf_mark_known_zero(r0);
        r0->type = VF_PTR_TO_SOCK_COMMON;
        r0->flags = VF_MAYBE_NULL;
        break;
    case HR_ALLOC_MEM_OR_NULL:
        vf_mark_known_zero(r0);
        r0->type = VF_PTR_TO_MEM;
        r0->flags = VF_MAYBE_NULL | VF_RINGBUF;
        r0->mem_size = (uint32_t)meta->mem_size;
        break;
    case HR_MEM_OR_NULL:
        vf_mark_known_zero(r0);
        r0->type = VF_PTR_TO_MEM;
        r0->flags = VF_MAYBE_NULL | VF_RDONLY;
        r0->mem_size = fn->ret_size;
        break;
    case HR_MEM_OR_BTF_ID_OR_NULL:
    case HR_BTF_ID_OR_NULL:
        vf_mark_known_zero(r0);
        r0->type = VF_PTR_TO_BTF_ID;
        r0->flags = VF_MAYBE_NULL;
        r0->btf_id = vf_kbtf_struct_id(fn->ret_btf_type);
        break;
    case HR_MEM_OR_BTF_ID:
    case HR_BTF_ID:
        vf_mark_known_zero(r0);
        r0->type = VF_PTR_TO_BTF_ID;
        r0->btf_id = vf_kbtf_struct_id(fn->ret_btf_type);
        break;
    }
    r0->precise = 0;
    if (r0->flags & VF_MAYBE_NULL)
        r0->id = vf_new_id(env);
    else if (r0->type == VF_PTR_TO_MAP_VALUE && r0->map && vf_map_has_spin_lock(r0->map))
        /* a value that cannot be null still needs an identity for the
         * lock it holds (which lock an unlock names) */
        r0->id = vf_new_id(env);
}

static int is_ptr_cast(uint32_t id)
{
    switch (id) {
    case BPF_FUNC_tcp_sock:
    case BPF_FUNC_sk_fullsock:
    case BPF_FUNC_skc_to_tcp_sock:
    case BPF_FUNC_skc_to_tcp6_sock:
    case BPF_FUNC_skc_to_udp6_sock:
    case BPF_FUNC_skc_to_mptcp_sock:
    case BPF_FUNC_skc_to_tcp_timewait_sock:
    case BPF_FUNC_skc_to_tcp_request_sock: return 1;
    default: return 0;
    }
}

/* Helpers whose result the kernel bounds (do_refine_retval_range): the
 * copy-out helpers return at most the size they were given, or a
 * negative errno; the CPU id is below the CPU count. */
static void refine_retval(struct vf_env *env, uint32_t id, struct vf_reg *r0, const struct call_meta *meta)
{
    (void)env;
    switch (id) {
    case BPF_FUNC_get_stack:
    case BPF_FUNC_get_task_stack:
    case BPF_FUNC_probe_read_str:
    case BPF_FUNC_probe_read_kernel_str:
    case BPF_FUNC_probe_read_user_str:
        if (meta->msize_max < 0)
            return;
        r0->smax = meta->msize_max;
        r0->s32_max = (int32_t)meta->msize_max;
        r0->smin = -4095;
        r0->s32_min = -4095;
        vf_reg_bounds_sync(r0);
        break;
    case BPF_FUNC_get_smp_processor_id:
        r0->umax = r0->smax = vf_nr_cpus() - 1;
        r0->u32_max = r0->s32_max = (int32_t)(vf_nr_cpus() - 1);
        r0->umin = r0->smin = 0;
        r0->u32_min = 0, r0->s32_min = 0;
        vf_reg_bounds_sync(r0);
        break;
    default: break;
    }
}

/* check_bpf_snprintf_call: the format (r3, a constant string in a
 * read-only map, checked by HA_CONST_STR) is checked against the number
 * of u64 arguments r5 gives, as bpf_bprintf_prepare will check it at run
 * time (src/helpers/bprintf.c): a refused format refuses the program. */
static int check_snprintf_fmt(struct vf_env *env, const struct vf_reg *regs)
{
    const struct vf_reg *f = &regs[BPF_REG_3], *len = &regs[BPF_REG_5];
    const struct bpfrt_map *m = f->map;
    uint32_t zero = 0;
    int64_t off = f->off + (int64_t)f->var_off.value;
    const char *v;

    if (len->var_off.value % 8) /* the kernel says nothing more */
        return vf_reject(env, -EINVAL, env->insn_idx, "R5 data_len %llu is not a multiple of 8",
                         (unsigned long long)len->var_off.value);
    v = m && m->ops->lookup ? m->ops->lookup((struct bpfrt_map *)m, &zero, 0) : NULL;
    if (!v || off < 0 || off >= (int64_t)m->value_size)
        return vf_reject(env, -EFAULT, env->insn_idx, "verifier bug");
    if (hlp_bprintf_check(v + off, m->value_size - (uint32_t)off, (uint32_t)(len->var_off.value / 8)))
        return vf_reject(env, -EINVAL, env->insn_idx, "Invalid format string");
    return 0;
}

int vf_check_helper_call(struct vf_env *env, const struct bpf_insn *in, uint32_t *insn_idx)
{
    const struct hlp_proto *fn = NULL;
    struct call_meta meta;
    struct vf_frame *caller;
    struct vf_reg *regs;
    char name[64];
    uint32_t id = (uint32_t)in->imm;
    int err;

    if (in->imm < 0 || id >= hlp_max_id())
        return vf_reject(env, -EINVAL, *insn_idx, "invalid func unknown#%d", in->imm);
    fn = pt_func_proto(env->pt, id, env->attach, env->priv);
    if (!fn) {
        if (!bpfrt_helper_name(id))
            return vf_reject(env, -EINVAL, *insn_idx, "unknown func %s#%d", helper_name(id, name, sizeof(name)),
                             in->imm);
        /* the kernel's words, then why */
        return vf_reject(env, -EINVAL, *insn_idx, "unknown func %s#%d: programs of type %s may not call it%s",
                         helper_name(id, name, sizeof(name)), in->imm, env->pt->name,
                         pt_func_proto(env->pt, id, env->attach, 1) && !env->priv
                             ? " without the privileges of CAP_BPF and CAP_PERFMON"
                             : "");
    }
    if (!env->gpl && fn->gpl_only)
        return vf_reject(env, -EINVAL, *insn_idx, "cannot call GPL-restricted function from non-GPL compatible program");
    if (fn->might_sleep)
        return vf_reject(env, -EINVAL, *insn_idx, "helper call might sleep in a non-sleepable prog");
    memset(&meta, 0, sizeof(meta));
    meta.pkt_access = fn->pkt_access;
    meta.subprog = -1;
    meta.msize_max = -1;
    meta.const_key = -1;
    for (uint32_t i = 0; i < 5; i++)
        if ((err = check_func_arg(env, i, &meta, fn)))
            return err;
    if (meta.map && (meta.map->map_flags & BPF_F_RDONLY_PROG) &&
        (id == BPF_FUNC_map_update_elem || id == BPF_FUNC_map_delete_elem || id == BPF_FUNC_map_push_elem ||
         id == BPF_FUNC_map_pop_elem))
        /* check_map_access_type for the helpers that change the map */
        return vf_reject(env, -EACCES, *insn_idx, "write into map forbidden");
    if (meta.map) {
        if (!map_func_ok(meta.map, id))
            return vf_reject(env, -EINVAL, *insn_idx, "cannot pass map_type %d into func %s#%d", meta.map->type,
                             helper_name(id, name, sizeof(name)), in->imm);
        struct vf_insn_aux *aux = &env->aux[*insn_idx];
        if (!aux->map && !aux->map_poisoned)
            aux->map = meta.map;
        else if (aux->map != meta.map)
            aux->map_poisoned = 1;
    } else if (id == BPF_FUNC_map_lookup_elem || id == BPF_FUNC_map_update_elem || id == BPF_FUNC_map_delete_elem ||
               id == BPF_FUNC_tail_call) {
        /* these need their map argument (a constant map pointer) */
    }
    regs = vf_regs(env);
    caller = vf_cur_frame(env);
    if (meta.release_regno) {
        err = -EINVAL;
        if (meta.ref_obj_id)
            err = vf_ref_release(env, env->cur, meta.ref_obj_id);
        else if (is_null_scalar(&regs[meta.release_regno]))
            err = 0;
        if (err)
            return vf_reject(env, -EINVAL, *insn_idx, "func %s#%d reference has not been acquired before",
                             helper_name(id, name, sizeof(name)), in->imm);
    }
    switch (id) {
    case BPF_FUNC_tail_call:
        if (vf_ref_check_leak(env, env->cur, 0))
            return vf_reject(env, -EINVAL, *insn_idx, "tail_call would lead to reference leak");
        env->has_tail_call = 1;
        env->sub[vf_subprog_of(env, *insn_idx)].has_tail_call = 1;
        env->aux[*insn_idx].is_tail_call = 1;
        /* record_func_key: a constant index inside the array is a fact
         * the kernel's JIT builds a direct jump on, so it is precise */
        if (meta.map && tnum_is_const(regs[BPF_REG_3].var_off) && regs[BPF_REG_3].type == VF_SCALAR &&
            regs[BPF_REG_3].var_off.value < meta.map->max_entries &&
            (err = vf_mark_chain_precision(env, BPF_REG_3)))
            return err;
        break;
    case BPF_FUNC_get_local_storage:
        if (!is_null_scalar(&regs[BPF_REG_2]))
            return vf_reject(env, -EINVAL, *insn_idx, "get_local_storage() doesn't support non-zero flags");
        break;
    case BPF_FUNC_spin_lock:
    case BPF_FUNC_spin_unlock: break;
    case BPF_FUNC_snprintf:
        if ((err = check_snprintf_fmt(env, regs)))
            return err;
        break;
    default: break;
    }
    if (fn->cb_arg != 0xff && fn->cb_arg < 5 && fn->arg[fn->cb_arg] == HA_FUNC) {
        if ((err = setup_callback(env, id, &meta, insn_idx)))
            return err;
    }
    /* caller-saved registers are clobbered, r0 is the result (in the
     * caller's frame even when a callback is now being walked) */
    for (int i = BPF_REG_1; i <= BPF_REG_5; i++)
        vf_mark_not_init(&caller->regs[i]);
    set_ret(env, &caller->regs[BPF_REG_0], fn, &meta);
    if (fn->ret == HR_MAP_VALUE_OR_NULL && !meta.map)
        return vf_reject(env, -EINVAL, env->insn_idx, "kernel subsystem misconfigured verifier");
    /* a socket looked up in a socket map is a reference
     * (is_acquire_function with the map) */
    int acquire = fn->ref == HREF_ACQUIRE ||
                  (id == BPF_FUNC_map_lookup_elem && meta.map &&
                   (meta.map->type == BPF_MAP_TYPE_SOCKMAP || meta.map->type == BPF_MAP_TYPE_SOCKHASH));
    if (acquire) {
        uint32_t rid;
        if ((err = vf_ref_acquire(env, env->cur, env->insn_idx,
                                  fn->ret == HR_ALLOC_MEM_OR_NULL ? VF_REF_RINGBUF : VF_REF_SOCKET, &rid)))
            return err;
        /* the pointer's id is its reference's (acquire_reference_state) */
        caller->regs[BPF_REG_0].ref_obj_id = rid;
        caller->regs[BPF_REG_0].id = rid;
    } else if (is_ptr_cast(id)) {
        /* the same socket seen as another struct keeps its reference
         * (is_ptr_cast_function): releasing either releases both */
        caller->regs[BPF_REG_0].ref_obj_id = meta.ref_obj_id;
    }
    if (fn->ret == HR_INTEGER)
        refine_retval(env, id, &caller->regs[BPF_REG_0], &meta);
    if (fn->changes_pkt_data)
        vf_clear_pkt_pointers(env, env->cur);
    if (id == BPF_FUNC_tail_call && env->cur->curframe) {
        /* A tail call from a subprogram that succeeds ends it: the
         * called program ran and returned some value to the caller, and
         * may have moved the packet (6.18).  The path where it fails goes
         * on after the call. */
        if (!vf_push_branch(env, *insn_idx + 1, *insn_idx, &err))
            return err;
        vf_clear_pkt_pointers(env, env->cur);
        vf_reg_unknown(env, &vf_regs(env)[BPF_REG_0]);
        if ((err = vf_prepare_func_exit(env, insn_idx)))
            return err;
        (*insn_idx)--; /* the walk steps past the helper call */
    }
    return 0;
}

/* ---- bpf-to-bpf calls ---- */

int vf_check_func_call(struct vf_env *env, const struct bpf_insn *in, uint32_t *insn_idx)
{
    uint32_t target = (uint32_t)((int64_t)*insn_idx + in->imm + 1);
    int sub = vf_subprog_at(env, target);
    struct vf_state *st = env->cur;
    struct vf_frame *caller = vf_cur_frame(env), *callee;
    int err;

    if (sub < 0)
        return vf_reject(env, -EFAULT, *insn_idx, "verifier bug. No program starts at insn %u", target);
    if (st->curframe + 1 >= VF_MAX_FRAMES)
        return vf_reject(env, -E2BIG, *insn_idx, "the call stack of %u frames is too deep !", st->curframe + 2);
    if (env->sub[sub].is_global) {
        /* Verified alone against its signature: here only the
         * arguments are checked, and r0 is any scalar. */
        if ((err = vf_global_func_check_args(env, (uint32_t)sub)))
            return err;
        if (env->log_level & 3)
            vf_log(env, "Func#%d is global and valid. Skipping.\n", sub);
        /* verified after the main program, if some reachable call names
         * it (6.18's lazy do_check_subprogs) */
        env->sub[sub].called = 1;
        for (int i = BPF_REG_1; i <= BPF_REG_5; i++)
            vf_mark_not_init(&caller->regs[i]);
        vf_reg_unknown(env, &caller->regs[BPF_REG_0]);
        if (env->sub[sub].changes_pkt_data)
            vf_clear_pkt_pointers(env, st);
        (*insn_idx)++; /* the walk goes on after the call */
        return 0;
    }
    if ((err = push_frame(env, *insn_idx, (uint32_t)sub, st)))
        return err;
    callee = st->frame[st->curframe];
    for (int i = BPF_REG_1; i <= BPF_REG_5; i++) {
        callee->regs[i] = caller->regs[i];
        callee->regs[i].parent = NULL;
    }
    for (int i = BPF_REG_0; i <= BPF_REG_5; i++)
        vf_mark_not_init(&caller->regs[i]);
    if (env->log_level & 3) {
        vf_log(env, "caller:\n");
        vf_log_state(env, st, st->curframe - 1);
        vf_log(env, "callee:\n");
        vf_log_state(env, st, st->curframe);
    }
    *insn_idx = target;
    return 0;
}

int vf_prepare_func_exit(struct vf_env *env, uint32_t *insn_idx)
{
    struct vf_state *st = env->cur;
    struct vf_frame *callee = st->frame[st->curframe], *caller = st->frame[st->curframe - 1];
    struct vf_reg *r0 = &callee->regs[BPF_REG_0];
    int err;

    (void)err;
    if (r0->type == VF_PTR_TO_STACK && !callee->in_callback)
        return vf_reject(env, -EINVAL, *insn_idx, "cannot return stack pointer to the caller");
    if (callee->in_callback) {
        if (r0->type != VF_SCALAR)
            return vf_reject(env, -EACCES, *insn_idx, "R0 not a scalar value");
        vf_mark_chain_precision(env, BPF_REG_0);
        if (r0->smin < callee->cb_ret_min || r0->smax > callee->cb_ret_max || r0->umax > (uint64_t)callee->cb_ret_max) {
            char tn[48], rg[48];
            tnum_fmt(tn, sizeof(tn), r0->var_off);
            tnum_fmt(rg, sizeof(rg), tnum_range((uint64_t)callee->cb_ret_min, (uint64_t)callee->cb_ret_max));
            if (tnum_is_unknown(r0->var_off))
                return vf_reject(env, -EINVAL, *insn_idx,
                                 "At callback return the register R0 has unknown scalar value should have been in %s",
                                 rg);
            return vf_reject(env, -EINVAL, *insn_idx,
                             "At callback return the register R0 has value %s should have been in %s", tn, rg);
        }
    } else {
        caller->regs[BPF_REG_0] = *r0;
        caller->regs[BPF_REG_0].parent = NULL;
    }
    if (env->log_level & 3) {
        vf_log(env, "returning from callee:\n");
        vf_log_state(env, st, st->curframe);
        vf_log(env, "to caller at %d:\n", callee->callsite + 1);
        vf_log_state(env, st, st->curframe - 1);
    }
    /* back to the call of a callback (it may run again), after the call
     * of a subprogram */
    *insn_idx = (uint32_t)callee->callsite + (callee->in_callback ? 0u : 1u);
    {
        int in_cb = callee->in_callback;
        vf_frame_free(callee);
        st->frame[st->curframe] = NULL;
        st->slot_written[st->curframe] = 0;
        st->curframe--;
        if (in_cb)
            vf_widen_imprecise(env, *insn_idx);
    }
    return 0;
}

int vf_check_return_code(struct vf_env *env)
{
    struct vf_frame *f = vf_cur_frame(env);
    struct vf_reg *r0 = &f->regs[BPF_REG_0];
    int64_t lo = 0, hi = 0;
    int has_range;
    int err;

    if ((err = vf_check_reg_read(env, BPF_REG_0)))
        return err;
    if (vf_is_ptr_leak(env, r0))
        return vf_reject(env, -EACCES, env->insn_idx, "R0 leaks addr as return value");
    if (f->in_async_callback) {
        has_range = 1;
        lo = hi = 0;
    } else if (f->subprog != 0) {
        /* a global function verified alone returns any scalar */
        if (r0->type != VF_SCALAR)
            return vf_reject(env, -EACCES, env->insn_idx, "At subprogram exit the register R0 is not a scalar value (%s)",
                             vf_type_name(r0));
        return 0;
    } else {
        has_range = env->pt->ret_range && env->pt->ret_range(env->attach, &lo, &hi);
    }
    if (!has_range)
        return 0;
    if (r0->type == VF_SCALAR)
        vf_mark_chain_precision(env, BPF_REG_0);
    if (r0->type != VF_SCALAR)
        return vf_reject(env, -EINVAL, env->insn_idx, "At program exit the register R0 is not a known value (%s)",
                         vf_type_name(r0));
    if (r0->smin < lo || r0->smax > hi || r0->umin < (uint64_t)lo || r0->umax > (uint64_t)hi) {
        char tn[48], rg[48];
        tnum_fmt(tn, sizeof(tn), r0->var_off);
        tnum_fmt(rg, sizeof(rg), tnum_range((uint64_t)lo, (uint64_t)hi));
        if (tnum_is_unknown(r0->var_off))
            return vf_reject(env, -EINVAL, env->insn_idx,
                             "At program exit the register R0 has unknown scalar value should have been in %s", rg);
        return vf_reject(env, -EINVAL, env->insn_idx,
                         "At program exit the register R0 has value %s should have been in %s", tn, rg);
    }
    return 0;
}

/* ARG_PTR_TO_CONST_STR: a NUL-terminated string inside a read-only
 * map's value, as bpf_snprintf and bpf_trace_vprintk take their format. */
int vf_check_const_str(struct vf_env *env, uint32_t regno, const struct bpfrt_map *m, int64_t off)
{
    uint32_t zero = 0;
    const char *v;

    if (off < 0 || off >= (int64_t)m->value_size)
        return vf_reject(env, -EACCES, env->insn_idx, "R%u invalid access to map value, value_size=%u off=%lld size=1",
                         regno, m->value_size, (long long)off);
    v = m->ops->lookup ? m->ops->lookup((struct bpfrt_map *)m, &zero, 0) : NULL;
    if (!v)
        return vf_reject(env, -EACCES, env->insn_idx, "direct value access on string failed");
    if (!memchr(v + off, 0, m->value_size - (size_t)off))
        return vf_reject(env, -EINVAL, env->insn_idx, "string is not zero-terminated");
    return 0;
}
