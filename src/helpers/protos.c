/* protos.c - finding a helper's prototype: the default row of an id (an
 * index built once from the family tables) and its named variants.
 *
 * Variants (the kernel's several bpf_func_proto for one id) and who
 * takes them (src/progtypes/pt_funcs_*.c):
 *   perf_event_output  default: kprobe; "tp" tracepoint; "raw_tp" raw
 *                      tracepoints and tracing; "skb" the __sk_buff types;
 *                      "xdp"; "data" (bpf_event_output_data: sock_addr,
 *                      sock_ops, cgroup hooks...)
 *   get_stackid, get_stack  default: kprobe; "tp", "raw_tp", "pe"
 *   skb_load_bytes     default; "flow_dissector"; "sk_reuseport"
 *   skb_load_bytes_relative  default; "sk_reuseport"
 *   get_socket_cookie  default: skb; "sock_addr", "sock_ops", "sock"
 *                      (cgroup_sock), "ptr" (tracing: a socket pointer)
 *   setsockopt, getsockopt  default: a BTF sock (lsm_cgroup/iter);
 *                      "sock_ops", "sock_addr", "unlocked"
 *   redirect           default: tc; "xdp"
 *   fib_lookup, check_mtu  default: skb; "xdp"
 *   lwt_push_encap     default: lwt_in; "lwt_xmit"
 *   sk_lookup_tcp/udp, skc_lookup_tcp  default: sk_skb/cgroup_skb...;
 *                      "tc", "xdp", "sock_addr"
 *   sk_storage_get     default; "cg_sock" (the context is the socket);
 *                      "tracing"; sk_storage_delete: default; "tracing"
 *   get_netns_cookie   no generic one: default = "sock_addr"; "sock",
 *                      "sock_ops", "sk_msg", "sockopt"
 *   sk_assign          default: tc; "sk_lookup"
 *   get_attach_cookie  default = "trace" (kprobe, tracepoint); "pe",
 *                      "kprobe_multi", "tracing"
 *   get_func_ip        default = "tracing"; "kprobe", "kprobe_multi"
 *   xdp_get_buff_len   default; "trace" (a BTF xdp_buff)
 *   get_smp_processor_id  default; "raw"
 *   get_cgroup_classid default: skb; "curr" (the current task's)
 *   skb_change_tail/head, skb_adjust_room, skb_pull_data  default;
 *                      "sk_skb" */
#include <pthread.h>
#include <string.h>

#include "protos_internal.h"

static const struct hlp_proto *by_id[__BPF_FUNC_MAX_ID];
static pthread_once_t by_id_once = PTHREAD_ONCE_INIT;

static const struct {
    const struct hlp_proto *rows;
    const unsigned *nr;
} families[] = {{hlp_protos_core, &hlp_nr_protos_core},
                {hlp_protos_net, &hlp_nr_protos_net},
                {hlp_protos_trace, &hlp_nr_protos_trace}},
  variants[] = {{hlp_variants_core, &hlp_nr_variants_core},
                {hlp_variants_net, &hlp_nr_variants_net},
                {hlp_variants_trace, &hlp_nr_variants_trace}};
#define NFAM (sizeof(families) / sizeof(families[0]))

static void build_index(void)
{
    for (size_t f = 0; f < NFAM; f++)
        for (unsigned i = 0; i < *families[f].nr; i++)
            if (families[f].rows[i].id < __BPF_FUNC_MAX_ID)
                by_id[families[f].rows[i].id] = &families[f].rows[i];
}

const struct hlp_proto *hlp_proto(uint32_t id)
{
    if (id == 0 || id >= __BPF_FUNC_MAX_ID)
        return NULL;
    pthread_once(&by_id_once, build_index);
    return by_id[id];
}

const struct hlp_proto *hlp_proto_variant(uint32_t id, const char *variant)
{
    if (!variant)
        return hlp_proto(id);
    for (size_t f = 0; f < NFAM; f++)
        for (unsigned i = 0; i < *variants[f].nr; i++)
            if (variants[f].rows[i].id == id && !strcmp(variants[f].rows[i].variant, variant))
                return &variants[f].rows[i];
    return NULL;
}

const struct hlp_proto *hlp_proto_nth(unsigned i)
{
    for (size_t f = 0; f < NFAM; f++) {
        if (i < *families[f].nr)
            return &families[f].rows[i];
        i -= *families[f].nr;
    }
    for (size_t f = 0; f < NFAM; f++) {
        if (i < *variants[f].nr)
            return &variants[f].rows[i];
        i -= *variants[f].nr;
    }
    return NULL;
}
