/* fuzz_pcap.c - libFuzzer target: any bytes as a capture file (pcap or
 * pcapng, read by libpcap) replayed with bpfrt_prog__run_pcap
 * (src/runtime/pcap_run.c, pcap_out.c, pcap_records.c, pcapio.c) through
 * typed programs that call packet helpers: the demo's XDP firewall
 * (examples/xdp_fw.c: perf event output of the packet, maps, bpf_printk,
 * XDP_TX rewrites) with the outputs written per verdict, the demo's tc
 * NAT (examples/tc_nat.c: bpf_skb_store_bytes, l3/l4 checksum helpers,
 * ring buffer output) in checked mode, and a multi-buffer XDP program
 * built here that moves the head and the tail of every packet by amounts
 * the packet gives (bpf_xdp_adjust_head / adjust_tail, load / store
 * bytes), its grown and shrunk packets written out too.
 *
 * Must never crash, leak or hang; and the replay's own contract is
 * checked (abort on a violation): a failure has a message that names the
 * capture file and the packet number when a packet was being read, run
 * or written out (failed_stage READ / RUN / WRITE; a failure to finish an
 * output names that file); the packet callback sees
 * packets 1, 2, ... in order and as many as opts.packets; the verdicts
 * add up to opts.packets; refused packets are the test run's -EINVAL for
 * a packet the kernel's BPF_PROG_TEST_RUN refuses (net/bpf/test_run.c:
 * shorter than an Ethernet header, longer than its buffer).
 *
 * The capture goes to a file in a private directory (also the state
 * directory, BPFRT_FS, so that trace lines stay there); seeds in
 * corpus/fuzz_pcap (valid, cut and corrupted pcap and pcapng files) and
 * examples/sample.pcap. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/insns.h"
#include "bpfrt/bpfrt.h"

#ifndef FUZZ_OBJDIR
#error "FUZZ_OBJDIR: the directory of the demo objects (tests/fuzz/Makefile builds them)"
#endif

/* XDP, multi-buffer: the first byte of the packet (signed) moves the
 * head, the second (signed, times 8) the tail; 8 bytes are loaded from
 * an offset the third byte gives and stored back at the fourth's.
 * Returns XDP_PASS + (packet byte 4 % 4): the verdicts spread over
 * pass, tx, redirect and 5 (no name: "other"). */
static const struct bpf_insn adjust_prog[] = {
    INSN_MOV64_REG(6, 1),
    INSN_ST_IMM(BPF_DW, 10, -8, 0),
    INSN_LDX(BPF_W, 2, 6, offsetof(struct xdp_md, data)),
    INSN_LDX(BPF_W, 3, 6, offsetof(struct xdp_md, data_end)),
    INSN_MOV64_REG(4, 2),
    INSN_ALU64_IMM(BPF_ADD, 4, 5),
    INSN_JMP_REG(BPF_JGT, 4, 3, 30), /* fewer than 5 bytes: XDP_ABORTED */
    INSN_LDXSX(BPF_B, 7, 2, 0),
    INSN_LDXSX(BPF_B, 8, 2, 1),
    INSN_LDX(BPF_B, 9, 2, 2),
    INSN_LDX(BPF_B, 0, 2, 3),
    INSN_STX(BPF_W, 10, 0, -12),
    INSN_LDX(BPF_B, 0, 2, 4),
    INSN_STX(BPF_W, 10, 0, -16),
    INSN_MOV64_REG(1, 6),
    INSN_MOV64_REG(2, 7),
    INSN_CALL(BPF_FUNC_xdp_adjust_head),
    INSN_MOV64_REG(1, 6),
    INSN_MOV64_REG(2, 8),
    INSN_ALU64_IMM(BPF_LSH, 2, 3),
    INSN_CALL(BPF_FUNC_xdp_adjust_tail),
    INSN_MOV64_REG(1, 6),
    INSN_MOV64_REG(2, 9),
    INSN_MOV64_REG(3, 10),
    INSN_ALU64_IMM(BPF_ADD, 3, -8),
    INSN_MOV64_IMM(4, 8),
    INSN_CALL(BPF_FUNC_xdp_load_bytes),
    INSN_MOV64_REG(1, 6),
    INSN_LDX(BPF_W, 2, 10, -12),
    INSN_MOV64_REG(3, 10),
    INSN_ALU64_IMM(BPF_ADD, 3, -8),
    INSN_MOV64_IMM(4, 8),
    INSN_CALL(BPF_FUNC_xdp_store_bytes),
    INSN_LDX(BPF_W, 0, 10, -16),
    INSN_ALU64_IMM(BPF_AND, 0, 3),
    INSN_ALU64_IMM(BPF_ADD, 0, XDP_PASS),
    INSN_EXIT(),
    INSN_MOV64_IMM(0, XDP_ABORTED),
    INSN_EXIT(),
};

struct prog {
    struct bpfrt_object *obj; /* NULL: built here */
    struct bpfrt_prog *prog;
    uint32_t flags;
    int out; /* write the outputs per verdict */
};

static struct prog progs[3];
static char dir[64], cap[96], outdir[96];

static void load_obj(struct prog *p, const char *file)
{
    char path[512];
    struct bpfrt_program *pg;

    snprintf(path, sizeof(path), "%s/%s", FUZZ_OBJDIR, file);
    if (bpfrt_object__open_file(path, NULL, &p->obj) || bpfrt_object__load(p->obj)) {
        fprintf(stderr, "fuzz_pcap: cannot load %s (build it: make -C tests/fuzz)\n", path);
        abort();
    }
    pg = bpfrt_object__next_program(p->obj, NULL);
    p->prog = pg ? bpfrt_program__prog(pg) : NULL;
    if (!p->prog)
        abort();
}

static void cleanup(void)
{
    char cmd[128];

    for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
        if (progs[i].obj)
            bpfrt_object__close(progs[i].obj);
        else if (progs[i].prog)
            bpfrt_prog__free(progs[i].prog);
    }
    if (dir[0]) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz_pcap: could not remove %s\n", dir);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char log[4096] = "";
    (void)argc, (void)argv;

    strcpy(dir, "/tmp/bpfrt-fuzz-pcap-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    setenv("BPFRT_FS", dir, 1);
    snprintf(cap, sizeof(cap), "%s/in.pcap", dir);
    snprintf(outdir, sizeof(outdir), "%s/out", dir);
    atexit(cleanup);
    load_obj(&progs[0], "xdp_fw.o");
    progs[0].out = 1;
    load_obj(&progs[1], "tc_nat.o");
    progs[1].flags = BPFRT_RUN_CHECKED;
    {
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_XDP, .name = "adjust", .license = "GPL",
                   .log_buf = log, .log_size = sizeof(log), .prog_flags = BPF_F_XDP_HAS_FRAGS);
        if (bpfrt_prog__load_insns(adjust_prog, sizeof(adjust_prog) / sizeof(adjust_prog[0]), &o, &progs[2].prog)) {
            fprintf(stderr, "fuzz_pcap: adjust program refused: %s\n", log);
            abort(); /* valid: a refusal is a bug */
        }
        progs[2].out = 1;
    }
    return 0;
}

struct seen {
    uint64_t packets, refused, records;
};

static int on_packet(const struct bpfrt_pcap_packet *pkt, void *ctx)
{
    struct seen *s = ctx;

    if (pkt->nr != ++s->packets || !pkt->verdict)
        abort(); /* in order, from 1, every one named */
    if (pkt->len && !pkt->data)
        abort();
    if (pkt->len_in && !pkt->data_in)
        abort();
    if (!strcmp(pkt->verdict, "refused")) {
        /* the kernel's -EINVAL with a reason; the packet in comes back */
        if (pkt->err != -EINVAL || !pkt->err_msg || !pkt->err_msg[0] || pkt->len != pkt->len_in)
            abort();
        s->refused++;
    }
    if (pkt->len)
        (void)((volatile const uint8_t *)pkt->data)[pkt->len - 1];
    return 0;
}

static int on_record(const struct bpfrt_pcap_record *rec, void *ctx)
{
    struct seen *s = ctx;

    if (rec->kind != BPFRT_PCAP_PERF_LOST && rec->size && !rec->data)
        abort();
    if (rec->size)
        (void)((volatile const uint8_t *)rec->data)[rec->size - 1];
    s->records++;
    return 0;
}

static void replay(const struct prog *p)
{
    char log[1024];
    struct seen s = {0};
    uint64_t sum = 0;
    BPFRT_OPTS(bpfrt_pcap_run_opts, o, .flags = p->flags, .packet_fn = on_packet, .ctx = &s, .log_buf = log,
               .log_size = sizeof(log), .out_dir = p->out ? outdir : NULL, .record_fn = on_record,
               .total_budget = 50000000);
    int err = bpfrt_prog__run_pcap(p->prog, cap, &o);

    /* every packet that ran was seen, but the one whose output could not
     * be written (it ran; the replay stopped before the callback) */
    if (o.packets != s.packets + (err && o.failed_stage == BPFRT_PCAP_WRITE) || o.refused < s.refused ||
        o.refused > s.refused + 1)
        abort();
    for (uint32_t i = 0; i < o.nr_verdicts; i++)
        sum += o.verdicts[i].packets;
    if (sum != o.packets)
        abort();
    if (!err)
        return;
    /* the message names the capture, and the packet when one was read or
     * run or written out; or the output file that could not be finished */
    if (!strstr(log, cap) && !(o.failed_stage == BPFRT_PCAP_WRITE && strstr(log, outdir))) {
        fprintf(stderr, "fuzz_pcap: message without the file: %s\n", log);
        abort();
    }
    if ((o.failed_stage == BPFRT_PCAP_READ || o.failed_stage == BPFRT_PCAP_RUN ||
         (o.failed_stage == BPFRT_PCAP_WRITE && strstr(log, cap))) &&
        !strstr(log, "packet ")) {
        fprintf(stderr, "fuzz_pcap: message without the packet: %s\n", log);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    int fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (fd < 0)
        abort();
    if (size && write(fd, in, size) != (ssize_t)size)
        abort();
    close(fd);
    for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
        replay(&progs[i]);
    bpfrt_trace_drain(NULL, NULL);
    return 0;
}
