/* fuzz_fib.c - libFuzzer target: a routing table for bpf_fib_lookup
 * (docs/CLI.md's format) read from any text must be accepted or refused
 * with -EINVAL and a message naming the line; an accepted one then answers
 * lookups with any parameters and flags, in the XDP and the skb flavour,
 * with one of the kernel's codes (BPF_FIB_LKUP_RET_* or a negative errno).
 *
 * Input: the table's text, then (when the input is long enough) the last
 * 68 bytes are a struct bpf_fib_lookup and 4 bytes of flags. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "engine/run.h"
#include "helpers/helpers.h"
#include "helpers/kctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bpf_fib_lookup p0 = {0}, p;
    uint32_t flags = 0;
    size_t tlen = size;
    struct bpfrt_fib_table *t = NULL;
    static struct rt_run run;
    struct pt_xdp_kctx x = {0};
    struct pt_skb_kctx s = {0};
    uint8_t pkt[64] = {0};
    char *text, err[256];
    const struct hlp_desc *h = hlp_find(BPF_FUNC_fib_lookup);

    if (size >= sizeof(p0) + 4) {
        tlen = size - sizeof(p0) - 4;
        memcpy(&p0, data + tlen, sizeof(p0));
        memcpy(&flags, data + tlen + sizeof(p0), 4);
    }
    text = malloc(tlen + 1);
    if (!text)
        return 0;
    memcpy(text, data, tlen);
    text[tlen] = 0;
    err[0] = 0;
    if (bpfrt_fib_table__parse(text, "fuzz", &t, err, sizeof(err))) {
        if (strncmp(err, "fuzz:", 5) && strlen(text) == tlen)
            abort(); /* a refusal names the line */
        free(text);
        return 0;
    }
    x.data = pkt, x.data_end = pkt + sizeof(pkt), x.data_meta = pkt, x.data_hard_start = pkt;
    s.data = pkt, s.data_end = pkt + sizeof(pkt), s.len = sizeof(pkt);
    run.fib = t;
    for (int skb = 0; skb < 2; skb++) {
        int64_t rc;
        p = p0;
        run.ctx = skb ? (void *)&s : (void *)&x;
        run.ctx_kind = skb ? RT_CTX_SKB : RT_CTX_XDP;
        rc = (int64_t)h->fn((uint64_t)(uintptr_t)run.ctx, (uint64_t)(uintptr_t)&p, sizeof(p), flags, 0, &run);
        if (!(rc >= 0 && rc <= BPF_FIB_LKUP_RET_NO_SRC_ADDR) && rc != -EINVAL && rc != -ENODEV &&
            rc != -EAFNOSUPPORT)
            abort();
        if (run.err)
            abort();
    }
    bpfrt_fib_table__free(t);
    free(text);
    return 0;
}
