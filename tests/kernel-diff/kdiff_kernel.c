/* kdiff_kernel.c - the oracle side: load and test-run in the kernel. */
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kdiff.h"

int kd_kernel_probe(char *why, size_t whysz)
{
    const struct bpf_insn prog[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_PASS},
        {.code = BPF_JMP | BPF_EXIT},
    };
    uint8_t pkt[64] = {0}, out[64];
    int fd, err;

    fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "kdiff_probe", "GPL", prog, 2, NULL);
    if (fd < 0) {
        err = errno ? errno : -fd;
        snprintf(why, whysz, "loading a trivial XDP program: %s", strerror(err));
        return -err;
    }
    LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = sizeof(pkt), .data_out = out,
                .data_size_out = sizeof(out), .repeat = 1);
    err = bpf_prog_test_run_opts(fd, &topts);
    close(fd);
    if (err) {
        err = errno ? errno : -err;
        snprintf(why, whysz, "BPF_PROG_TEST_RUN of a trivial XDP program: %s", strerror(err));
        return -err;
    }
    if (topts.retval != XDP_PASS) {
        snprintf(why, whysz, "trivial XDP program returned %u, not XDP_PASS", topts.retval);
        return -EINVAL;
    }
    return 0;
}

int kd_kernel_load(const struct kd_case *c, char *log, size_t logsz)
{
    LIBBPF_OPTS(bpf_prog_load_opts, opts);
    enum bpf_prog_type type = c->kind == KD_SKF ? BPF_PROG_TYPE_SOCKET_FILTER : BPF_PROG_TYPE_XDP;
    int fd;

    if (log && logsz) {
        log[0] = 0;
        opts.log_buf = log;
        opts.log_size = (unsigned)logsz;
        opts.log_level = 1;
    }
    fd = bpf_prog_load(type, "kdiff", "GPL", c->kern, c->kern_len, &opts);
    if (fd < 0)
        return errno ? -errno : fd;
    return fd;
}

int kd_kernel_run(int fd, const struct kd_case *c, uint8_t *out, unsigned *out_len, uint32_t *retval)
{
    uint8_t in[KD_PKT_MAX];
    int err;

    memcpy(in, c->pkt, c->pkt_len);
    LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = in, .data_size_in = c->pkt_len, .data_out = out,
                .data_size_out = *out_len, .repeat = 1);
    err = bpf_prog_test_run_opts(fd, &topts);
    if (err)
        return errno ? -errno : err;
    *out_len = topts.data_size_out;
    *retval = topts.retval;
    return 0;
}
