/* tracelog.c - `bpfrt prog tracelog [idle MS]`: the lines bpf_trace_printk
 * writes in any bpfrt process of the state directory, as bpftool's prog
 * tracelog prints the kernel's trace_pipe: each line as it comes, until
 * SIGINT or SIGTERM (with -j a JSON array of the lines, closed then).
 * (bpfrt) idle MS stops once MS milliseconds pass without a line. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void print_line(const char *line, void *ctx)
{
    (void)ctx;
    if (cli.json)
        json_str(&cli.j, line);
    else
        printf("%s\n", line);
}

int cli_prog_tracelog(int argc, char **argv)
{
    struct bpfrt_trace_pipe *tp;
    struct sigaction sa;
    uint64_t idle = 0;
    int err;

    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "idle") && i + 1 < argc) {
            if (cli_parse_u64(argv[++i], 86400000, &idle) || !idle)
                return cli_err("idle '%s': expected milliseconds, 1 to 86400000", argv[i]);
        } else {
            return cli_err("unknown keyword '%s' (usage: bpfrt prog tracelog [idle MS])", argv[i]);
        }
    }
    err = bpfrt_trace_pipe__open(&tp);
    if (err)
        return cli_err("cannot open the trace pipe of the state directory '%s': %s",
                       bpfrt_fs_dir() ? bpfrt_fs_dir() : "(none)", strerror(-err));
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: a read returns -EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        json_arr_open(&cli.j);
    }
    while (!stop) {
        int n = bpfrt_trace_pipe__read(tp, idle ? (int)idle : -1, print_line, NULL);
        if (n == -EINTR)
            continue;
        if (n < 0) {
            bpfrt_trace_pipe__close(tp);
            return cli_err("reading the trace pipe: %s", strerror(-n));
        }
        fflush(stdout);
        if (!n && idle)
            break;
    }
    if (cli.json) {
        json_arr_close(&cli.j);
        json_end(&cli.j);
    }
    fflush(stdout);
    bpfrt_trace_pipe__close(tp);
    return 0;
}
