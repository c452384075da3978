/* progtypes.c - finding a program type's row: by type, by name, by
 * section name; return-code names; the helper sets rows share. */
#include <errno.h>
#include <string.h>

#include "progtypes.h"

static const struct pt_desc *const pt_net_types[] = {&pt_raw, &pt_xdp, &pt_socket_filter, &pt_sched_cls,
                                                     &pt_sched_act, &pt_cgroup_skb};
#define NR_NET (sizeof(pt_net_types) / sizeof(pt_net_types[0]))

/* Walk every row: the networking families first, then the others. */
static const struct pt_desc *pt_nth(unsigned i)
{
    if (i < NR_NET)
        return pt_net_types[i];
    i -= NR_NET;
    return i < pt_nr_other_types ? pt_other_types[i] : NULL;
}

const struct pt_desc *pt_by_type(enum bpf_prog_type type)
{
    const struct pt_desc *t;

    for (unsigned i = 0; (t = pt_nth(i)); i++)
        if (t->type == type)
            return t;
    return NULL;
}

/* Words the command line takes besides bpftool's names (iproute2's and
 * bpftool's `prog load ... type` spellings). */
static const struct {
    const char *word;
    enum bpf_prog_type type;
} pt_words[] = {
    {"socket", BPF_PROG_TYPE_SOCKET_FILTER}, {"classifier", BPF_PROG_TYPE_SCHED_CLS},
    {"tc", BPF_PROG_TYPE_SCHED_CLS},         {"action", BPF_PROG_TYPE_SCHED_ACT},
    {"cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB}, {"raw", BPF_PROG_TYPE_UNSPEC},
};

const struct pt_desc *pt_by_name(const char *name)
{
    const struct pt_desc *t;

    if (!name)
        return NULL;
    /* "unspec" names no type a program can be given; "raw" is its word */
    for (unsigned i = 0; (t = pt_nth(i)); i++)
        if (t->type != BPF_PROG_TYPE_UNSPEC && !strcmp(t->name, name))
            return t;
    for (size_t k = 0; k < sizeof(pt_words) / sizeof(pt_words[0]); k++)
        if (!strcmp(pt_words[k].word, name))
            return pt_by_type(pt_words[k].type);
    return NULL;
}

/* How well def matches sec: 0 not at all; exact names rank above every
 * pattern, longer patterns above shorter ones. */
static size_t sec_match(const char *def, const char *sec)
{
    size_t len = strlen(def);

    if (!len)
        return 0;
    if (def[len - 1] == '/')
        return strncmp(sec, def, len) == 0 && sec[len] ? len : 0;
    if (def[len - 1] == '+') {
        len--;
        return strncmp(sec, def, len) == 0 && (sec[len] == 0 || sec[len] == '/') ? len : 0;
    }
    return strcmp(sec, def) == 0 ? (size_t)1 << 20 : 0;
}

/* iproute2's section names (tc/ip take the type from the command line;
 * these are the defaults tc assumes). */
static const char *const iproute2_secs[] = {"ingress", "egress", "prog"};

const struct pt_desc *pt_by_section(const char *sec, enum bpf_attach_type *attach)
{
    const struct pt_desc *t, *best = NULL;
    size_t best_score = 0, best_len = 0;
    int best_attach = 0;

    if (!sec)
        return NULL;
    for (unsigned i = 0; (t = pt_nth(i)); i++)
        for (unsigned k = 0; k < t->nr_secs; k++) {
            size_t score = sec_match(t->secs[k].sec, sec);
            if (score > best_score) {
                best_score = score;
                best = t;
                best_attach = t->secs[k].attach;
            }
        }
    if (!best)
        for (size_t k = 0; k < sizeof(iproute2_secs) / sizeof(iproute2_secs[0]); k++)
            if (!strcmp(sec, iproute2_secs[k])) {
                best = &pt_sched_cls;
                best_attach = 0;
            }
    /* libbpf before 1.0 matched by bare prefix ("xdp_prog", "kprobe__x");
     * objects built for it are still around: take the longest such match. */
    if (!best)
        for (unsigned i = 0; (t = pt_nth(i)); i++)
            for (unsigned k = 0; k < t->nr_secs; k++) {
                /* equal prefixes: the general "name+" entry (xdp+, not xdp/devmap) */
                size_t len = strcspn(t->secs[k].sec, "+/"), score = 2 * len + (t->secs[k].sec[len] == '+');
                if (t->type != BPF_PROG_TYPE_UNSPEC && score > best_len && !strncmp(sec, t->secs[k].sec, len)) {
                    best_len = score;
                    best = t;
                    best_attach = t->secs[k].attach;
                }
            }
    if (best && attach)
        *attach = (enum bpf_attach_type)best_attach;
    return best;
}

const char *pt_retcode_name(const struct pt_desc *t, uint64_t v)
{
    if (!t)
        return NULL;
    for (unsigned i = 0; i < t->nr_retcodes; i++)
        if (t->retcodes[i].value == v)
            return t->retcodes[i].name;
    return NULL;
}

int pt_can_run(const struct pt_desc *t)
{
    return t && (t->raw_convention || t->build_ctx);
}

/* The kernel's bpf_base_func_proto (kernel/bpf/helpers.c), privileged:
 * what every program type may call. */
int pt_helpers_base(uint32_t id)
{
    switch (id) {
    case BPF_FUNC_map_lookup_elem:
    case BPF_FUNC_map_update_elem:
    case BPF_FUNC_map_delete_elem:
    case BPF_FUNC_map_push_elem:
    case BPF_FUNC_map_pop_elem:
    case BPF_FUNC_map_peek_elem:
    case BPF_FUNC_map_lookup_percpu_elem:
    case BPF_FUNC_get_prandom_u32:
    case BPF_FUNC_get_smp_processor_id:
    case BPF_FUNC_get_numa_node_id:
    case BPF_FUNC_tail_call:
    case BPF_FUNC_ktime_get_ns:
    case BPF_FUNC_ktime_get_boot_ns:
    case BPF_FUNC_ktime_get_coarse_ns:
    case BPF_FUNC_ringbuf_output:
    case BPF_FUNC_ringbuf_reserve:
    case BPF_FUNC_ringbuf_submit:
    case BPF_FUNC_ringbuf_discard:
    case BPF_FUNC_ringbuf_query:
    case BPF_FUNC_ringbuf_reserve_dynptr:
    case BPF_FUNC_ringbuf_submit_dynptr:
    case BPF_FUNC_ringbuf_discard_dynptr:
    case BPF_FUNC_for_each_map_elem:
    case BPF_FUNC_loop:
    case BPF_FUNC_strncmp:
    case BPF_FUNC_spin_lock:
    case BPF_FUNC_spin_unlock:
    case BPF_FUNC_jiffies64:
    case BPF_FUNC_per_cpu_ptr:
    case BPF_FUNC_this_cpu_ptr:
    case BPF_FUNC_timer_init:
    case BPF_FUNC_timer_set_callback:
    case BPF_FUNC_timer_start:
    case BPF_FUNC_timer_cancel:
    case BPF_FUNC_kptr_xchg:
    case BPF_FUNC_dynptr_from_mem:
    case BPF_FUNC_dynptr_read:
    case BPF_FUNC_dynptr_write:
    case BPF_FUNC_dynptr_data:
    case BPF_FUNC_trace_printk:
    case BPF_FUNC_trace_vprintk:
    case BPF_FUNC_snprintf:
    case BPF_FUNC_snprintf_btf:
    case BPF_FUNC_probe_read_kernel:
    case BPF_FUNC_probe_read_kernel_str:
    case BPF_FUNC_probe_read_user:
    case BPF_FUNC_probe_read_user_str:
    case BPF_FUNC_get_current_task:
    case BPF_FUNC_get_current_task_btf:
    case BPF_FUNC_task_pt_regs: return 1;
    default: return 0;
    }
}

/* Tracing families (kernel/trace/bpf_trace.c bpf_tracing_func_proto):
 * base, the current task's facts, stacks, perf output. */
int pt_helpers_tracing(uint32_t id)
{
    switch (id) {
    case BPF_FUNC_perf_event_output:
    case BPF_FUNC_perf_event_read:
    case BPF_FUNC_perf_event_read_value:
    case BPF_FUNC_get_stackid:
    case BPF_FUNC_get_stack:
    case BPF_FUNC_get_task_stack:
    case BPF_FUNC_get_current_pid_tgid:
    case BPF_FUNC_get_current_uid_gid:
    case BPF_FUNC_get_current_comm:
    case BPF_FUNC_get_current_cgroup_id:
    case BPF_FUNC_get_current_ancestor_cgroup_id:
    case BPF_FUNC_current_task_under_cgroup:
    case BPF_FUNC_probe_read:
    case BPF_FUNC_probe_read_str:
    case BPF_FUNC_probe_write_user:
    case BPF_FUNC_send_signal:
    case BPF_FUNC_send_signal_thread:
    case BPF_FUNC_override_return:
    case BPF_FUNC_get_func_ip:
    case BPF_FUNC_get_attach_cookie:
    case BPF_FUNC_get_ns_current_pid_tgid:
    case BPF_FUNC_task_storage_get:
    case BPF_FUNC_task_storage_delete:
    case BPF_FUNC_get_branch_snapshot:
    case BPF_FUNC_find_vma:
    case BPF_FUNC_copy_from_user:
    case BPF_FUNC_copy_from_user_task: return 1;
    default: return pt_helpers_base(id);
    }
}
