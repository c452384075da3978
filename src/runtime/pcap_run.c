/* pcap_run.c - bpfrt_prog__run_pcap: a program run once per packet of a
 * capture (pcap or pcapng, read with libpcap), each run on a copy of the
 * packet (a typed program's as a test run of that packet), with packets
 * and bytes by verdict, the packets out written per verdict
 * (pcap_out.c), and the records the runs write (pcap_records.c).  The
 * caller sees every packet and record through callbacks and prints what it
 * likes (the command's `prog run PROG pcap FILE`). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "../common/log.h"
#include "../common/opts.h"
#include "../progtypes/progtypes.h"
#include "pcap_out.h"
#include "pcapio.h"

#define PCAP_PROGRESS_EVERY 1024 /* packets between progress calls */

/* What one replay keeps between packets. */
struct replay {
    struct bpfrt_prog *prog;
    struct bpfrt_pcap_run_opts *opts;
    const char *path;
    char *log;
    size_t logsz;
    int typed;   /* a test run: the packet out comes separately */
    int has_out; /* the caller's struct holds the outputs added with the verdicts */
    uint8_t *buf, *out;
    size_t bufcap, outcap;
    uint64_t total, used, total_ns, nr;
    struct pcap_out po;
};

/* Room for the packet in (the raw convention writes it in place) and, for
 * a test run, the packet out: what came in, grown by a page at most (skb)
 * or by the rest of the last fragment's page and the headroom (XDP). */
static int make_room(struct replay *r, uint32_t caplen)
{
    if (caplen > r->bufcap) {
        uint8_t *nb = realloc(r->buf, caplen);
        if (!nb)
            return -ENOMEM;
        r->buf = nb, r->bufcap = caplen;
    }
    if (r->typed && caplen + 8192 > r->outcap) {
        uint8_t *no = realloc(r->out, caplen + 8192);
        if (!no)
            return -ENOMEM;
        r->out = no, r->outcap = caplen + 8192;
    }
    return 0;
}

/* One packet: run it, count it, write it out, hand it and its records to
 * the caller.  0 or a negative errno with failed_stage and the log set. */
static int one_packet(struct replay *r, const struct pcapio_pkt *pk)
{
    struct bpfrt_pcap_run_opts *opts = r->opts;
    char errbuf[512] = "", why[640] = "";
    const void *data_out;
    uint32_t len_out;
    unsigned key;
    int err, run_err, refused = 0;

    if (make_room(r, pk->caplen)) {
        opts->failed_stage = BPFRT_PCAP_READ;
        return cm_log(r->log, r->logsz, -ENOMEM, "out of memory");
    }
    /* an empty packet (caplen 0) is legal in a capture: buf may still be
     * NULL then, and memcpy(NULL, ..., 0) is undefined behaviour */
    if (pk->caplen)
        memcpy(r->buf, pk->data, pk->caplen);
    /* the packets share the total budget as repeat runs do; checked runs
     * count their instructions exactly */
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = pk->caplen ? r->buf : NULL, .data_size = pk->caplen,
               .flags = opts->flags, .budget = opts->budget, .err_buf = errbuf, .err_size = sizeof(errbuf),
               .total_budget = r->total ? r->total - r->used : 0, .data_out = r->out,
               .data_size_out = (uint32_t)r->outcap, .worker = CM_OPT(opts, worker, 0));
    r->nr++;
    err = r->total && r->used >= r->total ? -E2BIG : rt_prog_run(r->prog, &ro, &refused);
    if (err == -E2BIG && !refused && (r->used >= r->total || strstr(errbuf, "total instruction budget"))) {
        opts->failed_stage = BPFRT_PCAP_RUN;
        return cm_log(r->log, r->logsz, err,
                      "packet %" PRIu64 " of '%s': the instruction budget of %llu instructions for all packets is "
                      "spent",
                      r->nr, r->path, (unsigned long long)r->total);
    }
    r->used += ro.insn_cnt;
    run_err = err;
    if (err && !refused) {
        opts->failed_stage = BPFRT_PCAP_RUN;
        return cm_log(r->log, r->logsz, err, "packet %" PRIu64 " of '%s': %s", r->nr, r->path, errbuf);
    }
    opts->packets++;
    if (refused) {
        /* the kernel's test run refuses it (-EINVAL): it never ran */
        if (r->has_out)
            opts->refused++;
        key = PCAP_KEY_REFUSED(&r->po);
        data_out = pk->caplen ? pk->data : NULL;
        len_out = pk->caplen;
    } else {
        r->total_ns += ro.duration_ns;
        if (ro.retval < BPFRT_PCAP_RETVALS)
            opts->retval_counts[ro.retval]++;
        else
            opts->retval_other++;
        key = pcap_out_key(&r->po, ro.retval);
        data_out = r->typed ? (ro.data_size_out ? r->out : NULL) : pk->caplen ? r->buf : NULL;
        len_out = r->typed ? ro.data_size_out : pk->caplen;
    }
    err = pcap_out_packet(&r->po, key, refused ? 0 : ro.retval, pk, data_out, len_out, why, sizeof(why));
    if (err) {
        /* the packet and the capture named too (an input whose link type
         * libpcap cannot write: tests/fuzz/fuzz_pcap.c found it) */
        opts->failed_stage = BPFRT_PCAP_WRITE;
        return cm_log(r->log, r->logsz, err, "packet %" PRIu64 " of '%s': %s", r->nr, r->path, why);
    }
    if (opts->packet_fn) {
        struct bpfrt_pcap_packet pkt = {
            .nr = r->nr, .data = data_out, .len = len_out, .retval = refused ? 0 : ro.retval,
            .duration_ns = refused ? 0 : ro.duration_ns, .len_in = pk->caplen, .verdict = r->po.v[key].name,
            .err = refused ? run_err : 0, .err_msg = refused ? errbuf : NULL,
            .data_in = pk->caplen ? pk->data : NULL};
        err = opts->packet_fn(&pkt, opts->ctx);
        if (err) {
            opts->failed_stage = BPFRT_PCAP_CALLBACK;
            return cm_log(r->log, r->logsz, err, "packet %" PRIu64 " of '%s': stopped by the caller", r->nr,
                          r->path);
        }
    }
    if (CM_OPT(opts, record_fn, NULL)) {
        err = pcap_records_drain(r->prog, r->nr, opts->record_fn, opts->ctx);
        if (err) {
            opts->failed_stage = BPFRT_PCAP_CALLBACK;
            return cm_log(r->log, r->logsz, err, "packet %" PRIu64 " of '%s': stopped by the caller", r->nr,
                          r->path);
        }
    }
    return 0;
}

static void progress(struct replay *r, struct pcapio *pc)
{
    bpfrt_pcap_progress_fn fn = CM_OPT(r->opts, progress_fn, NULL);
    uint64_t pos, size;

    if (!fn)
        return;
    pcapio_position(pc, &pos, &size);
    fn(r->nr, pos, size, r->opts->ctx);
}

int bpfrt_prog__run_pcap(struct bpfrt_prog *prog, const char *path, struct bpfrt_pcap_run_opts *opts)
{
    struct replay r = {.prog = prog, .opts = opts, .path = path};
    char errbuf[512];
    struct pcapio *pc;
    struct pcapio_pkt pk;
    int has_out, rc, err = 0;

    if (!opts || opts->sz < offsetof(struct bpfrt_pcap_run_opts, failed_stage) + sizeof(opts->failed_stage))
        return -EINVAL; /* the results need the whole struct */
    /* the outputs of this version, when the caller's struct holds them */
    has_out = r.has_out = CM_OPT_HAS(opts, refused);
    r.log = opts->log_buf;
    r.logsz = opts->log_size;
    if (r.log && r.logsz)
        r.log[0] = 0;
    opts->packets = opts->duration_ns = opts->retval_other = 0;
    memset(opts->retval_counts, 0, sizeof(opts->retval_counts));
    if (has_out) {
        opts->nr_verdicts = 0;
        opts->bytes = opts->refused = 0;
    }
    opts->failed_stage = BPFRT_PCAP_OPEN;
    if (!prog || !path)
        return cm_log(r.log, r.logsz, -EINVAL, "no program or no capture");
    r.typed = prog->pt->type != BPF_PROG_TYPE_UNSPEC;
    r.total = CM_OPT(opts, total_budget, 0);
    if (pcapio_open(path, &pc, errbuf, sizeof(errbuf)))
        return cm_log(r.log, r.logsz, -EINVAL, "cannot read capture '%s': %s", path, errbuf);
    err = pcap_out_init(&r.po, prog, CM_OPT(opts, out_dir, NULL), pc, r.log, r.logsz);
    if (!err && CM_OPT(opts, record_fn, NULL) && pcap_records_open(prog, opts->record_fn, opts->ctx)) {
        opts->failed_stage = BPFRT_PCAP_CALLBACK;
        err = cm_log(r.log, r.logsz, -ECANCELED, "stopped by the caller before the first packet");
    }
    while (!err && (rc = pcapio_next(pc, &pk, errbuf, sizeof(errbuf))) == 1) {
        if (has_out)
            opts->bytes += pk.caplen;
        err = one_packet(&r, &pk);
        if (!err && r.nr % PCAP_PROGRESS_EVERY == 0)
            progress(&r, pc);
    }
    if (!err && rc < 0) {
        opts->failed_stage = BPFRT_PCAP_READ;
        /* libpcap's reason ("truncated dump file; tried to read 16 header
         * bytes, only got 7") with the file and the packet it was reading */
        err = cm_log(r.log, r.logsz, -EIO, "capture '%s': packet %" PRIu64 " cannot be read: %s", path, r.nr + 1,
                     errbuf);
    }
    if (!err)
        progress(&r, pc);
    /* the verdicts so far, after a failure too; a capture that cannot be
     * written out fails a replay that had not failed */
    if (has_out) {
        rc = pcap_out_finish(&r.po, opts, err ? NULL : r.log, r.logsz);
        if (rc && !err) {
            opts->failed_stage = BPFRT_PCAP_WRITE;
            err = rc;
        }
    } else {
        struct bpfrt_pcap_run_opts tmp;
        pcap_out_finish(&r.po, &tmp, NULL, 0);
    }
    pcapio_close(pc);
    free(r.buf);
    free(r.out);
    {
        uint64_t ran = opts->packets - (has_out ? opts->refused : 0);
        opts->duration_ns = ran ? r.total_ns / ran : 0;
    }
    if (!err)
        opts->failed_stage = BPFRT_PCAP_OK;
    return err;
}
