/* progtypes.c - finding a program type's row: by type, by name, by
 * section name; return-code names; a type's helper prototypes. */
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

int pt_retcode_index(const struct pt_desc *t, uint64_t v)
{
    if (!t)
        return -1;
    for (unsigned i = 0; i < t->nr_retcodes; i++) {
        uint64_t c = t->retcodes[i].value;
        /* a typed program's return value is the kernel's u32 (struct
         * bpf_prog_test_run's retval): TC_ACT_UNSPEC (-1) comes back as
         * 0xffffffff (test_cli_pcap.c, tc_verdict_names) */
        if (c == v || (t->type != BPF_PROG_TYPE_UNSPEC && v <= UINT32_MAX && (uint32_t)c == v))
            return (int)i;
    }
    return -1;
}

const char *pt_retcode_name(const struct pt_desc *t, uint64_t v)
{
    int i = pt_retcode_index(t, v);

    return i < 0 ? NULL : t->retcodes[i].name;
}

int pt_can_run(const struct pt_desc *t)
{
    return t && (t->raw_convention || t->build_ctx);
}

const struct hlp_proto *pt_func_proto(const struct pt_desc *t, uint32_t id, int attach, int priv)
{
    return t && t->func_proto ? t->func_proto(id, attach, priv) : NULL;
}
