/* pcap_run.c - bpfrt_prog__run_pcap: a program run once per packet of a
 * capture (pcap or pcapng, read with libpcap), each run on a copy of the
 * packet, with totals by return value.  The caller sees every packet
 * through a callback and prints what it likes (the command's `prog run
 * PROG pcap FILE`). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "../common/log.h"
#include "../common/opts.h"
#include "pcapio.h"

int bpfrt_prog__run_pcap(struct bpfrt_prog *prog, const char *path, struct bpfrt_pcap_run_opts *opts)
{
    char *log, errbuf[512];
    size_t logsz, bufcap = 0;
    const uint8_t *bytes;
    uint32_t caplen;
    struct pcapio *pc;
    uint8_t *buf = NULL, *out = NULL;
    /* a typed program's test run gives the packet out separately (XDP
     * may grow it by its headroom and to the end of its buffer) */
    int typed = bpfrt_prog__type(prog) != BPF_PROG_TYPE_UNSPEC;
    size_t outcap = 0;
    uint64_t total_ns = 0, nr = 0, total = CM_OPT(opts, total_budget, 0), used = 0;
    int rc, err = 0;

    if (!opts || opts->sz < offsetof(struct bpfrt_pcap_run_opts, failed_stage) + sizeof(opts->failed_stage))
        return -EINVAL; /* the results need the whole struct */
    log = opts->log_buf;
    logsz = opts->log_size;
    if (log && logsz)
        log[0] = 0;
    opts->packets = opts->duration_ns = opts->retval_other = 0;
    memset(opts->retval_counts, 0, sizeof(opts->retval_counts));
    opts->failed_stage = BPFRT_PCAP_OPEN;
    if (!prog || !path)
        return cm_log(log, logsz, -EINVAL, "no program or no capture");
    if (pcapio_open(path, &pc, errbuf, sizeof(errbuf)))
        return cm_log(log, logsz, -EINVAL, "cannot read capture '%s': %s", path, errbuf);
    while ((rc = pcapio_next(pc, &bytes, &caplen, errbuf, sizeof(errbuf))) == 1) {
        if (caplen > bufcap) {
            uint8_t *nb = realloc(buf, caplen);
            if (!nb) {
                opts->failed_stage = BPFRT_PCAP_READ;
                err = cm_log(log, logsz, -ENOMEM, "out of memory");
                break;
            }
            buf = nb, bufcap = caplen;
        }
        /* an empty packet (caplen 0) is legal in a capture: buf may still
         * be NULL then, and memcpy(NULL, ..., 0) is undefined behaviour */
        if (caplen)
            memcpy(buf, bytes, caplen); /* the program writes in place */
        /* the packets share the total budget as repeat runs do; checked
         * runs count their instructions exactly */
        /* the packet out: what came in, grown by a page at most (skb) or
         * by the rest of the last fragment's page and the headroom (XDP) */
        if (typed && caplen + 8192 > outcap) {
            uint8_t *no = realloc(out, caplen + 8192);
            if (!no) {
                opts->failed_stage = BPFRT_PCAP_READ;
                err = cm_log(log, logsz, -ENOMEM, "out of memory");
                break;
            }
            out = no, outcap = caplen + 8192;
        }
        BPFRT_OPTS(bpfrt_run_opts, ro, .data = caplen ? buf : NULL, .data_size = caplen, .flags = opts->flags,
                   .budget = opts->budget, .err_buf = errbuf, .err_size = sizeof(errbuf),
                   .total_budget = total ? total - used : 0, .data_out = out, .data_size_out = (uint32_t)outcap);
        nr++;
        err = total && used >= total ? -E2BIG : bpfrt_prog__run(prog, &ro);
        if (err == -E2BIG && (used >= total || strstr(errbuf, "total instruction budget"))) {
            opts->failed_stage = BPFRT_PCAP_RUN;
            cm_log(log, logsz, err,
                   "packet %" PRIu64 " of '%s': the instruction budget of %llu instructions for all packets is spent",
                   nr, path, (unsigned long long)total);
            break;
        }
        used += ro.insn_cnt;
        if (err) {
            opts->failed_stage = BPFRT_PCAP_RUN;
            cm_log(log, logsz, err, "packet %" PRIu64 " of '%s': %s", nr, path, errbuf);
            break;
        }
        opts->packets++;
        total_ns += ro.duration_ns;
        if (ro.retval < BPFRT_PCAP_RETVALS)
            opts->retval_counts[ro.retval]++;
        else
            opts->retval_other++;
        if (opts->packet_fn) {
            struct bpfrt_pcap_packet pkt = {
                .nr = nr, .data = typed ? (ro.data_size_out ? out : NULL) : caplen ? buf : NULL,
                .len = typed ? ro.data_size_out : caplen, .retval = ro.retval,
                .duration_ns = ro.duration_ns};
            err = opts->packet_fn(&pkt, opts->ctx);
            if (err) {
                opts->failed_stage = BPFRT_PCAP_CALLBACK;
                cm_log(log, logsz, err, "packet %" PRIu64 " of '%s': stopped by the caller", nr, path);
                break;
            }
        }
    }
    if (!err && rc < 0) {
        opts->failed_stage = BPFRT_PCAP_READ;
        err = cm_log(log, logsz, -EIO, "capture '%s': %s", path, errbuf);
    }
    pcapio_close(pc);
    free(buf);
    free(out);
    opts->duration_ns = opts->packets ? total_ns / opts->packets : 0;
    if (!err)
        opts->failed_stage = BPFRT_PCAP_OK;
    return err;
}
