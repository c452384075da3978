/* progtypes.h - what a program type means, one table row per type (the
 * kernel's struct bpf_verifier_ops / bpf_prog_ops idea).  Everything that
 * asks "is this XDP?" asks this table instead:
 *   - the section names a type comes from (libbpf's SEC() conventions),
 *     with the expected attach type each one implies;
 *   - the context: the UAPI struct a program reads through r1, its size,
 *     and per field which offsets and sizes may be read or written and
 *     how each access is converted (the verifier fills the rules in);
 *   - the helpers the type may call and their prototypes (the kernel's
 *     func_proto per type: pt_funcs*.c);
 *   - the return codes and their names (what `prog run` and the pcap
 *     replay print);
 *   - the run-time context builder for a test run (the program-types work
 *     fills it in); a type without one cannot run yet, and says so.
 * The raw type (BPF_PROG_TYPE_UNSPEC) is bpfrt's own convention for raw
 * instruction files and SEC("raw"): r1 = data, r2 = its length. */
#ifndef BPFRT_PROGTYPES_H
#define BPFRT_PROGTYPES_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

struct hlp_proto;
struct pt_testrun;

/* Attach types and program types newer than the 6.1 UAPI header Debian 12
 * ships; values as in the kernel's include/uapi/linux/bpf.h. */
#define PT_PROG_TYPE_NETFILTER 32
#define PT_ATTACH_NETFILTER 45
#define PT_ATTACH_TCX_INGRESS 46
#define PT_ATTACH_TCX_EGRESS 47
#define PT_ATTACH_TRACE_UPROBE_MULTI 48
#define PT_ATTACH_CGROUP_UNIX_CONNECT 49
#define PT_ATTACH_CGROUP_UNIX_SENDMSG 50
#define PT_ATTACH_CGROUP_UNIX_RECVMSG 51
#define PT_ATTACH_CGROUP_UNIX_GETPEERNAME 52
#define PT_ATTACH_CGROUP_UNIX_GETSOCKNAME 53
#define PT_ATTACH_NETKIT_PRIMARY 54
#define PT_ATTACH_NETKIT_PEER 55
#define PT_ATTACH_TRACE_KPROBE_SESSION 56

/* One SEC() name.  Matching (pt_by_section): "name" is exact; "name+" is
 * name alone or name followed by '/' and anything; "name/" needs
 * something after the '/'.  Exact names win over patterns, longer
 * patterns over shorter ones. */
struct pt_secdef {
    const char *sec;
    int attach; /* enum bpf_attach_type (or a newer value than the header has) */
};

struct pt_retcode {
    uint64_t value;
    const char *name;
};

/* A context field the program may access (filled by the verifier work):
 * bytes [off, off + size) of the UAPI context, readable and/or writable,
 * and where the converted access goes in bpfrt's own context struct. */
struct pt_ctx_field {
    uint32_t off, size;
    uint8_t read, write;
    uint32_t target_off, target_size;
};

/* The verifier asks a type about one context access (the kernel's
 * bpf_verifier_ops.is_valid_access): bytes [off, off + size) of the UAPI
 * context struct, read or written. */
struct pt_access {
    uint32_t off, size;
    uint8_t write;
    uint8_t priv;     /* privileged verifier */
    uint8_t store_imm; /* a BPF_ST (immediate) store, which some types refuse */
    uint8_t atomic;   /* a BPF_ATOMIC access */
    int attach;       /* the program's expected attach type */
};

/* What a loaded context field holds (the register type the verifier
 * gives the destination; the kernel's info->reg_type). */
enum pt_reg_kind {
    PT_REG_SCALAR = 0,
    PT_REG_PKT,             /* PTR_TO_PACKET: data */
    PT_REG_PKT_END,         /* PTR_TO_PACKET_END: data_end */
    PT_REG_PKT_META,        /* PTR_TO_PACKET_META: data_meta */
    PT_REG_SOCK_COMMON_OR_NULL, /* __sk_buff.sk and the like */
    PT_REG_SOCKET,          /* cgroup_sock's ctx->sk-like full socket (not null) */
    PT_REG_SOCKET_OR_NULL,
    PT_REG_FLOW_KEYS,       /* __sk_buff.flow_keys in flow_dissector */
    PT_REG_TP_BUFFER,
    PT_REG_BTF_ID,          /* a kernel object (btf_type names it) */
    PT_REG_BTF_ID_OR_NULL,
    PT_REG_CTX,             /* a pointer to the (same) context */
};

struct pt_access_res {
    uint8_t reg_kind;        /* enum pt_reg_kind */
    /* The whole field the access falls in, for a narrow load (a load of
     * part of a field: the kernel's ctx_field_size); 0: the access is the
     * whole field. */
    uint32_t ctx_field_size;
    const char *btf_type;    /* PT_REG_BTF_ID*: the struct's name */
};

struct pt_desc {
    enum bpf_prog_type type;
    const char *name; /* bpftool's name: "xdp", "sched_cls", ... */
    const struct pt_secdef *secs;
    unsigned nr_secs;
    /* Context (NULL / 0 for the raw type) */
    const char *ctx_struct; /* "xdp_md", "__sk_buff", ... */
    uint32_t ctx_size;
    const struct pt_ctx_field *ctx_fields;
    unsigned nr_ctx_fields;
    /* The verifier's view of the type (the kernel's bpf_verifier_ops):
     * func_proto: the prototype helper id has for programs of this type
     * and attach type, NULL when they may not call it (priv: the
     * privileged verifier; some helpers need it).
     * is_valid_access: 1 when the access may be made (with *res filled),
     * 0 when the kernel refuses it.
     * convert_access: the instructions a context access becomes in the
     * xlated program (the kernel's convert_ctx_access), written to out
     * (at most max); their count, 0 when the instruction stays as it is,
     * or a negative errno.  ctx_field_size as is_valid_access gave it.
     * Only for types whose context bpfrt builds (NULL for others).
     * ret_min/ret_max: the range r0 must lie in at exit (the kernel's
     * check_return_code), per attach type; has_ret_range 0: any value. */
    const struct hlp_proto *(*func_proto)(uint32_t id, int attach, int priv);
    int (*is_valid_access)(const struct pt_access *a, struct pt_access_res *res);
    int (*convert_access)(const struct bpf_insn *in, uint32_t ctx_field_size, struct bpf_insn *out, size_t max);
    int (*ret_range)(int attach, int64_t *ret_min, int64_t *ret_max);
    /* Return codes with names, for listings (none: print the number). */
    const struct pt_retcode *retcodes;
    unsigned nr_retcodes;
    /* Runs with the raw convention (r1 = data, r2 = length).  A type that
     * neither does nor has a context builder cannot run yet. */
    uint8_t raw_convention;
    /* The context of a test run (testrun.h; NULL: the type cannot run
     * yet): build_ctx makes the packet buffer, the run-time context and
     * the UAPI context from the input as the kernel's test run does for
     * the type, 0 or its negative errno with the reason in tr->err;
     * finish_ctx gives the packet out and the UAPI context out after the
     * runs. */
    int (*build_ctx)(struct pt_testrun *tr);
    void (*finish_ctx)(struct pt_testrun *tr);
};

/* The row of a type, or NULL for a type the UAPI header does not define. */
const struct pt_desc *pt_by_type(enum bpf_prog_type type);
/* The row whose bpftool name is name, or NULL.  Also takes the words
 * iproute2 and bpftool accept on the command line ("socket", "classifier",
 * "tc", "action", "cgroup/skb") and "raw" for the raw convention; not
 * "unspec", which names no type a program can be given. */
const struct pt_desc *pt_by_name(const char *name);
/* The type a section name gives (libbpf's SEC() conventions, then
 * iproute2's "ingress"/"egress"/"prog", then libbpf < 1.0 bare prefixes),
 * with the expected attach type.  NULL when the name gives none. */
const struct pt_desc *pt_by_section(const char *sec, enum bpf_attach_type *attach);
/* The name of return value v of type t ("XDP_PASS"), or NULL; for a
 * typed program v may be the 32-bit retval of a test run (0xffffffff is
 * TC_ACT_UNSPEC). */
const char *pt_retcode_name(const struct pt_desc *t, uint64_t v);
/* Its index in t->retcodes, or -1. */
int pt_retcode_index(const struct pt_desc *t, uint64_t v);
/* Can programs of this type be run by bpfrt now? */
int pt_can_run(const struct pt_desc *t);

/* The prototype helper id has for programs of type t with expected
 * attach type attach (priv: the privileged verifier), NULL when they may
 * not call it (t->func_proto; NULL for a NULL t).  Whether bpfrt can run
 * the helper is the helper table's business. */
const struct hlp_proto *pt_func_proto(const struct pt_desc *t, uint32_t id, int attach, int priv);

/* The rows (one file per family). */
extern const struct pt_desc pt_raw, pt_xdp, pt_socket_filter, pt_sched_cls, pt_sched_act, pt_cgroup_skb;
extern const struct pt_desc *const pt_other_types[];
extern const unsigned pt_nr_other_types;

#endif
