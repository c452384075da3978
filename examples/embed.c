/* embed.c - bpfrt embedded in a program: open the demo's firewall object
 * (xdp_fw.c), load it (the verifier proves it safe), run its XDP program
 * on one packet 1000 times as the kernel's test run would, read a map.
 * Build: cc embed.c $(pkg-config --cflags --libs bpfrt) -o embed
 * Run:   ./embed xdp_fw.o packet.bin */
#include <bpfrt/bpfrt.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    struct bpfrt_object *obj;
    char log[4096] = "", err[256] = "";
    unsigned char pkt[2048];
    size_t len;
    FILE *f;

    if (argc != 3 || !(f = fopen(argv[2], "rb"))) {
        fprintf(stderr, "usage: embed OBJECT PACKET\n");
        return 2;
    }
    len = fread(pkt, 1, sizeof(pkt), f);
    fclose(f);
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
    if (bpfrt_object__open_file(argv[1], &oo, &obj))
        return fprintf(stderr, "%s\n", log), 1; /* names file, section, insn, source line */
    if (bpfrt_object__load(obj)) {
        fprintf(stderr, "%s\n", log);
        bpfrt_object__close(obj);
        return 1;
    }
    struct bpfrt_prog *prog = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "xdp_fw"));
    /* a test run: pkt is the packet in (left as it is), r1 the struct xdp_md the kernel builds */
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = pkt, .data_size = len, .repeat = 1000, .err_buf = err,
               .err_size = sizeof(err));
    if (bpfrt_prog__run(prog, &ro)) {
        fprintf(stderr, "%s\n", err);
        bpfrt_object__close(obj);
        return 1;
    }
    const char *verdict = bpfrt_prog_type_retval_name(bpfrt_prog__type(prog), ro.retval);
    printf("verdict %s, %llu ns per run\n", verdict ? verdict : "?", (unsigned long long)ro.duration_ns);
    struct bpfrt_map *m = bpfrt_object__find_map_by_name(obj, "src_stats");
    unsigned char key[4] = {10, 0, 0, 1}; /* the packet's IPv4 source, network order */
    struct { unsigned long long packets, bytes; } val;
    if (!bpfrt_map__lookup_elem(m, key, sizeof(key), &val, sizeof(val), 0))
        printf("10.0.0.1: %llu packets, %llu bytes\n", val.packets, val.bytes);
    bpfrt_object__close(obj);
    return 0;
}
