/* btf.c - `bpfrt btf dump file OBJ [format raw|c]`: the BTF of an ELF
 * object or a raw BTF file, as bpftool lists it (raw, -j for JSON) or as
 * a C header. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

static int btf_dump(int argc, char **argv)
{
    const char *path, *format = NULL;
    char log[512] = "";
    int err;

    if (argc < 1)
        return cli_err("expected 'file OBJ' after 'btf dump'");
    if (!strcmp(argv[0], "id") || !strcmp(argv[0], "map") || !strcmp(argv[0], "prog"))
        return cli_err("'btf dump %s' needs the object store, which this build does not have yet; use 'file OBJ'",
                       argv[0]);
    if (strcmp(argv[0], "file"))
        return cli_err("unknown BTF source '%s' (expected file OBJ)", argv[0]);
    if (argc < 2)
        return cli_err("'file' needs a path (an ELF object or raw BTF)");
    path = argv[1];
    for (int i = 2; i < argc; i += 2) {
        if (strcmp(argv[i], "format"))
            return cli_err("unknown keyword '%s' (expected format raw|c)", argv[i]);
        if (i + 1 >= argc)
            return cli_err("'format' needs a value: raw or c");
        if (strcmp(argv[i + 1], "raw") && strcmp(argv[i + 1], "c"))
            return cli_err("unrecognized format specifier: '%s', possible values: raw, c", argv[i + 1]);
        format = argv[i + 1];
    }
    if (format && !strcmp(format, "c") && cli.json)
        return cli_err("JSON output for C-syntax dump is not supported");
    BPFRT_OPTS(bpfrt_btf_dump_opts, o, .format = format && !strcmp(format, "c") ? BPFRT_BTF_C : BPFRT_BTF_RAW,
               .json = cli.json, .log_buf = log, .log_size = sizeof(log));
    fflush(stdout);
    err = bpfrt_btf__dump_file(path, stdout, &o);
    if (err)
        return cli_err("failed to dump BTF of '%s': %s", path, log[0] ? cli_after_path(log, path) : strerror(-err));
    if (cli.json && cli.pretty)
        fflush(stdout);
    return 0;
}

int do_btf(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "help")) {
        fprintf(argc < 1 ? stderr : stdout, "Usage: bpfrt btf dump file OBJ [format raw|c]\n");
        return argc < 1;
    }
    if (cli_is_prefix(argv[0], "dump"))
        return btf_dump(argc - 1, argv + 1);
    if (cli_is_prefix(argv[0], "show") || cli_is_prefix(argv[0], "list"))
        return cli_err("'btf %s' needs the object store, which this build does not have yet", argv[0]);
    return cli_err("unknown command 'btf %s' (expected dump; see bpfrt btf help)", argv[0]);
}
