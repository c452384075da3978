/* protos.h - every helper's prototype as the verifier checks it (the
 * kernel's struct bpf_func_proto): the kind of each argument and of the
 * return value, and the facts the verifier needs beyond them.  One row
 * per helper of the UAPI header (__BPF_FUNC_MAPPER), also for helpers
 * bpfrt cannot run: a program that calls them verifies as in the kernel
 * and fails only when a run reaches them.
 *
 * Some helpers have a different prototype depending on the program type
 * (the kernel has several bpf_func_proto for one id: bpf_skb_load_bytes
 * vs bpf_flow_dissector_load_bytes, perf_event_output's skb/xdp/tp
 * variants, get_socket_cookie per context...): those are variants, which
 * a program type's func_proto chooses (src/progtypes/). */
#ifndef BPFRT_HELPERS_PROTOS_H
#define BPFRT_HELPERS_PROTOS_H

#include <stdint.h>

/* Argument kinds (the kernel's enum bpf_arg_type, base part). */
enum hlp_arg {
    HA_NONE = 0,           /* no argument (the kernel's ARG_DONTCARE for an unused one) */
    HA_ANYTHING,           /* any initialised register, pointers included */
    HA_SCALAR,             /* any initialised scalar (the kernel: ARG_ANYTHING is used; kept distinct where a
                              pointer would leak) */
    HA_CONST_MAP_PTR,      /* a map (LD_IMM64 map fd) */
    HA_MAP_KEY,            /* ARG_PTR_TO_MAP_KEY: key_size readable bytes */
    HA_MAP_VALUE,          /* ARG_PTR_TO_MAP_VALUE: value_size readable bytes */
    HA_UNINIT_MAP_VALUE,   /* ARG_PTR_TO_UNINIT_MAP_VALUE: value_size writable bytes (queue/stack pop) */
    HA_MEM,                /* ARG_PTR_TO_MEM: bytes the next argument (a size) counts; read (HAF_RDONLY) or
                              written (HAF_UNINIT: may be uninitialised before) */
    HA_CONST_SIZE,         /* ARG_CONST_SIZE: the size of the previous HA_MEM argument, > 0 */
    HA_CONST_SIZE_OR_ZERO, /* ARG_CONST_SIZE_OR_ZERO */
    HA_CTX,                /* ARG_PTR_TO_CTX */
    HA_SOCK_COMMON,        /* ARG_PTR_TO_SOCK_COMMON */
    HA_SOCKET,             /* ARG_PTR_TO_SOCKET (a full socket) */
    HA_BTF_ID,             /* ARG_PTR_TO_BTF_ID (arg_btf_type names the struct) */
    HA_BTF_ID_SOCK_COMMON, /* ARG_PTR_TO_BTF_ID_SOCK_COMMON */
    HA_SPIN_LOCK,          /* ARG_PTR_TO_SPIN_LOCK: a struct bpf_spin_lock inside a map value */
    HA_LONG,               /* ARG_PTR_TO_LONG: 8 writable bytes */
    HA_INT,                /* ARG_PTR_TO_INT: 4 writable bytes */
    HA_ALLOC_MEM,          /* ARG_PTR_TO_ALLOC_MEM: a ring buffer record (released by the call) */
    HA_CONST_ALLOC_SIZE_OR_ZERO, /* ARG_CONST_ALLOC_SIZE_OR_ZERO: the record size a reservation returns */
    HA_FUNC,               /* ARG_PTR_TO_FUNC: a callback (a static subprogram) */
    HA_STACK,              /* ARG_PTR_TO_STACK (HAF_OR_NULL: or NULL): the callback context of bpf_loop ... */
    HA_CONST_STR,          /* ARG_PTR_TO_CONST_STR: a NUL-terminated string in a read-only map */
    HA_TIMER,              /* ARG_PTR_TO_TIMER: a struct bpf_timer inside a map value */
    HA_PERCPU_BTF_ID,      /* ARG_PTR_TO_PERCPU_BTF_ID */
    HA_DYNPTR,             /* ARG_PTR_TO_DYNPTR */
    HA_KPTR,               /* ARG_PTR_TO_KPTR */
    HA_MAP_VALUE_OR_KEY,   /* value or key pointer (bpf_map_lookup_percpu_elem-like uses) */
    /* (no helper of the 6.1 UAPI uses HA_SCALAR, HA_LONG, HA_INT, HA_UNINIT_MAP_VALUE or
     * HA_MAP_VALUE_OR_KEY: map_pop_elem/map_peek_elem are HA_MAP_VALUE | HAF_UNINIT | HAF_WRITE, the
     * kernel's ARG_PTR_TO_LONG/INT became HA_MEM | HAF_FIXED | HAF_UNINIT | HAF_WRITE |
     * HAF_ALIGNED with arg_size 8 or 4, as in Debian's 6.1 and in 6.18) */
};

/* Argument modifiers (the kernel's PTR_MAYBE_NULL, MEM_RDONLY, MEM_UNINIT,
 * MEM_ALLOC, MEM_FIXED_SIZE ...). */
#define HAF_OR_NULL 0x1   /* NULL is accepted too */
#define HAF_RDONLY 0x2    /* the helper only reads the memory */
#define HAF_UNINIT 0x4    /* the helper writes it; it need not be initialised */
#define HAF_RINGBUF 0x8   /* a ring buffer record */
#define HAF_FIXED 0x10    /* fixed size (arg_size[] gives it), no size argument */
#define HAF_WRITE 0x20    /* the helper writes the memory (the kernel's MEM_WRITE): a read-only
                             region (a .rodata value, MEM_RDONLY memory) is refused */
#define HAF_ALIGNED 0x40  /* the memory must be aligned to its fixed size (MEM_ALIGNED: the
                             former ARG_PTR_TO_LONG/INT) */
#define HAF_DYNPTR_LOCAL 0x80 /* HA_DYNPTR: a local (stack) dynptr (DYNPTR_TYPE_LOCAL); with
                             HAF_RINGBUF a ring buffer dynptr (DYNPTR_TYPE_RINGBUF); neither: any */

/* Return kinds (the kernel's enum bpf_return_type, base part). */
enum hlp_ret {
    HR_INTEGER = 0,        /* RET_INTEGER: a scalar */
    HR_VOID,               /* RET_VOID */
    HR_MAP_VALUE_OR_NULL,  /* RET_PTR_TO_MAP_VALUE_OR_NULL: a value of the map of the HA_CONST_MAP_PTR argument */
    HR_SOCKET_OR_NULL,     /* RET_PTR_TO_SOCKET_OR_NULL */
    HR_TCP_SOCK_OR_NULL,   /* RET_PTR_TO_TCP_SOCK_OR_NULL */
    HR_SOCK_COMMON_OR_NULL,/* RET_PTR_TO_SOCK_COMMON_OR_NULL */
    HR_ALLOC_MEM_OR_NULL,  /* RET_PTR_TO_ALLOC_MEM_OR_NULL (ring buffer reservation of the size argument) */
    HR_MEM_OR_BTF_ID_OR_NULL, /* RET_PTR_TO_MEM_OR_BTF_ID | PTR_MAYBE_NULL (per-cpu ptr helpers) */
    HR_MEM_OR_BTF_ID,      /* RET_PTR_TO_MEM_OR_BTF_ID (this_cpu_ptr) */
    HR_BTF_ID_OR_NULL,     /* RET_PTR_TO_BTF_ID_OR_NULL (ret_btf_type names the struct) */
    HR_BTF_ID,             /* RET_PTR_TO_BTF_ID */
    HR_MEM_OR_NULL,        /* RET_PTR_TO_MEM | PTR_MAYBE_NULL with a fixed size (ret_size) */
    HR_MAP_VALUE,          /* RET_PTR_TO_MAP_VALUE: a map value, never NULL (bpf_get_local_storage) */
    HR_DYNPTR_MEM_OR_NULL, /* RET_PTR_TO_DYNPTR_MEM_OR_NULL: bpf_dynptr_data's slice of the dynptr
                              argument, of the size argument (a constant), or NULL */
};

/* How a helper works with references (the kernel's is_acquire_function,
 * is_release_function, may_be_acquire_function). */
enum hlp_ref {
    HREF_NONE = 0,
    HREF_ACQUIRE,   /* the returned pointer is a reference to release on every path */
    HREF_RELEASE,   /* the argument hlp_proto.release_arg is a reference this call releases */
    HREF_ACQUIRE_RELEASE, /* both (bpf_kptr_xchg: releases the new pointer, release_arg, and
                             returns the old one as a reference) */
    HREF_ACQUIRE_DYNPTR,  /* the dynptr argument release_arg becomes a reference, released by
                             the helpers that take it with HREF_RELEASE (ringbuf_reserve_dynptr) */
    /* Besides these, the kernel makes bpf_map_lookup_elem an acquire function when its map is a
     * sockmap or sockhash (is_acquire_function): the verifier checks the map type. */
};

struct hlp_proto {
    uint32_t id;          /* BPF_FUNC_* */
    const char *variant;  /* NULL for the default; else the variant's name ("xdp", "skb", "tp", ...) */
    uint8_t ret;          /* enum hlp_ret */
    uint8_t arg[5];       /* enum hlp_arg */
    uint8_t arg_flags[5]; /* HAF_* */
    uint16_t arg_size[5]; /* HAF_FIXED sizes */
    const char *arg_btf_type[5]; /* HA_BTF_ID: the kernel struct's name ("sock", "task_struct", ...) */
    const char *ret_btf_type;    /* HR_BTF_ID*: the struct's name */
    uint32_t ret_size;           /* HR_MEM_OR_NULL: bytes */
    uint8_t gpl_only;
    uint8_t pkt_access;          /* may be given packet pointers (the kernel's pkt_access) */
    uint8_t changes_pkt_data;    /* invalidates packet pointers (bpf_helper_changes_pkt_data) */
    uint8_t ref;                 /* enum hlp_ref */
    uint8_t release_arg;         /* HREF_RELEASE: which argument (0-based) */
    uint8_t might_sleep;
    uint8_t privileged;          /* offered only to privileged programs (bpf_capable / perfmon_capable in the
                                    kernel's bpf_base_func_proto): HLP_PRIV_*, 6.18's tiers.  Informative:
                                    the program types' func_proto (src/progtypes/pt_funcs_*.c) decide */
    /* Callback helpers (bpf_loop, bpf_for_each_map_elem, bpf_timer_set_callback, bpf_find_vma,
     * bpf_user_ringbuf_drain): which argument is the callback (0-based, 0xff none) and the range its
     * r0 must lie in (callback_ret_range). */
    uint8_t cb_arg;
    int32_t cb_ret_min, cb_ret_max;
    uint8_t ret_flags;           /* HAF_RDONLY: the returned memory is read-only (MEM_RDONLY:
                                    bpf_per_cpu_ptr, bpf_this_cpu_ptr) */
    uint8_t restricted;          /* the kernel's .allowed callback limits the helper to some attach
                                    points (bpf_d_path, bpf_ima_inode_hash, the tracing
                                    sk_storage helpers): func_proto offers it, the attach check is the
                                    verifier's (bpfrt has no attach target: it accepts) */
};

/* cb_arg when the helper takes no callback. */
#define HLP_NO_CB 0xff
/* privileged: what the kernel's bpf_base_func_proto asks (0: nothing) */
#define HLP_PRIV_BPF 1     /* bpf_capable(): CAP_BPF */
#define HLP_PRIV_PERFMON 2 /* perfmon_capable(): CAP_PERFMON */

/* The default prototype of helper id, or NULL when the UAPI header
 * defines no such helper. */
const struct hlp_proto *hlp_proto(uint32_t id);
/* A named variant of helper id ("skb", "xdp", "tp", "raw_tp", "sock",
 * "sock_addr", "sock_ops", "sk_msg", "flow_dissector", ...), or NULL.
 * A NULL variant gives the default. */
const struct hlp_proto *hlp_proto_variant(uint32_t id, const char *variant);
/* Every prototype row, variants included, in id order of the defaults
 * then the variants (for listings and tests): the i-th, or NULL past the
 * end. */
const struct hlp_proto *hlp_proto_nth(unsigned i);

#endif
