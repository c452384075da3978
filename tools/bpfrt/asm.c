/* asm.c - `bpfrt asm` and `bpfrt disasm`: text <-> raw instructions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

int do_asm(int argc, char **argv)
{
    const char *in = NULL, *out = "-";
    struct bpf_insn *insns;
    size_t cnt, len;
    uint8_t *text;
    char err[512];
    int rc;

    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o")) {
            if (++i >= argc)
                return cli_err("-o needs a FILE");
            out = argv[i];
        } else if (!in) {
            in = argv[i];
        } else {
            return cli_err("unexpected argument '%s' (usage: bpfrt asm FILE [-o OUT])", argv[i]);
        }
    }
    if (!in)
        return cli_err("usage: bpfrt asm FILE [-o OUT]");
    rc = cli_read_file(in, &text, &len);
    if (rc)
        return cli_err("cannot read '%s': %s", in, strerror(-rc));
    if (memchr(text, 0, len)) {
        free(text);
        return cli_err("'%s' is not text (it has a NUL byte)", in);
    }
    rc = bpfrt_asm((const char *)text, &insns, &cnt, err, sizeof(err));
    free(text);
    if (rc)
        return cli_err("%s: %s", in, err);
    if (!strcmp(out, "-") && isatty(1) && !cli.json) {
        free(insns);
        return cli_err("refusing to write binary instructions to a terminal; use -o FILE");
    }
    rc = cli_write_file(out, insns, cnt * sizeof(*insns));
    free(insns);
    if (rc)
        return cli_err("cannot write '%s': %s", out, strerror(-rc));
    return 0;
}

int do_disasm(int argc, char **argv)
{
    uint8_t *buf;
    size_t len, cnt;
    int rc;

    if (argc != 1)
        return cli_err("usage: bpfrt disasm FILE (raw 8-byte instructions; - for stdin)");
    rc = cli_read_file(argv[0], &buf, &len);
    if (rc)
        return cli_err("cannot read '%s': %s", argv[0], strerror(-rc));
    if (len % sizeof(struct bpf_insn)) {
        free(buf);
        return cli_err("'%s': %zu bytes is not a whole number of 8-byte instructions", argv[0], len);
    }
    cnt = len / sizeof(struct bpf_insn);
    const struct bpf_insn *insns = (const struct bpf_insn *)buf;
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        json_arr_open(&cli.j);
        for (size_t i = 0; i < cnt;) {
            char text[256];
            int n = bpfrt_disasm_insn(insns, cnt, i, text, sizeof(text));
            if (n <= 0)
                n = 1, snprintf(text, sizeof(text), "<undecodable>");
            json_obj_open(&cli.j);
            json_kv_u64(&cli.j, "pc", i);
            json_kv_str(&cli.j, "disasm", text);
            json_obj_close(&cli.j);
            i += (size_t)n;
        }
        json_arr_close(&cli.j);
        json_end(&cli.j);
    } else {
        rc = bpfrt_disasm(insns, cnt, stdout, 1);
    }
    free(buf);
    if (rc < 0)
        return cli_err("disassembly of '%s' failed: %s", argv[0], strerror(-rc));
    return 0;
}
