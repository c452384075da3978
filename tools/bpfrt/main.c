/* main.c - the bpfrt command: global options, then OBJECT COMMAND as
 * bpftool spells them (see docs/CLI.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

#define BPFRT_VERSION "0.1.0"

struct cli cli;

int cli_err(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (cli.json) {
        struct json j;
        json_init(&j, stdout, cli.pretty);
        json_obj_open(&j);
        json_kv_str(&j, "error", msg);
        json_obj_close(&j);
        json_end(&j);
    } else {
        fprintf(stderr, "Error: %s\n", msg);
    }
    return 1;
}

int cli_is_prefix(const char *arg, const char *word)
{
    size_t n = strlen(arg);
    return n > 0 && n <= strlen(word) && strncmp(arg, word, n) == 0;
}

int cli_read_file(const char *path, uint8_t **bufp, size_t *lenp)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;

    if (!f)
        return -errno;
    errno = 0;
    for (;;) {
        if (cap - len < 4096) {
            uint8_t *nb;
            if (cap > (size_t)1 << 30) {
                free(buf);
                if (f != stdin)
                    fclose(f);
                return -EFBIG;
            }
            cap = cap ? cap * 2 : 65536;
            nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                if (f != stdin)
                    fclose(f);
                return -ENOMEM;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    /* the read's own errno (EISDIR for a directory), not a blanket EIO */
    int err = ferror(f) ? (errno ? -errno : -EIO) : 0;
    if (f != stdin)
        fclose(f);
    if (err) {
        free(buf);
        return err;
    }
    buf[len] = 0;
    *bufp = buf;
    *lenp = len;
    return 0;
}

int cli_write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    int err = 0;

    if (!f)
        return -errno;
    if (fwrite(buf, 1, len, f) != len)
        err = -EIO;
    if (f != stdout) {
        if (fclose(f))
            err = -errno;
    } else {
        fflush(f);
    }
    return err;
}

const char *cli_after_path(const char *msg, const char *path)
{
    size_t n = strlen(path);

    return !strncmp(msg, path, n) && !strncmp(msg + n, ": ", 2) ? msg + n + 2 : msg;
}

int cli_parse_u64(const char *s, uint64_t max, uint64_t *v)
{
    char *end;
    unsigned long long x;

    if (!*s || *s == '-')
        return -EINVAL;
    errno = 0;
    x = strtoull(s, &end, 0);
    if (errno || *end || x > max)
        return -EINVAL;
    *v = x;
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: bpfrt [OPTIONS] OBJECT { COMMAND | help }\n"
            "       bpfrt asm FILE [-o OUT]\n"
            "       bpfrt disasm FILE\n"
            "       OBJECT := { prog | map | btf }\n"
            "       OPTIONS := { -j|--json [-p|--pretty] | -d|--debug | --engine jit|interp | --checked | -V|--version }\n"
            "\n"
            "       bpfrt prog run PROG [data_in FILE [data_out FILE]] [ctx_in FILE [ctx_out FILE]] [repeat N]\n"
            "                          [log_level N] [unpriv]\n"
            "       bpfrt prog run PROG pcap FILE [out DIR]\n"
            "       bpfrt prog verify { PROG | OBJ } [type TYPE] [log_level N] [unpriv]\n"
            "       bpfrt prog dump xlated PROG [opcodes] [linum]\n"
            "       bpfrt prog { show | list } PROG\n"
            "       bpfrt prog load OBJ PATH [type TYPE] [pinmaps DIR] [log_level N] [unpriv]\n"
            "       bpfrt prog loadall OBJ DIR [type TYPE] [pinmaps DIR] [log_level N] [unpriv]\n"
            "       bpfrt prog pin PROG FILE\n"
            "       bpfrt map { show | list } { pinned FILE | obj FILE [name NAME] }\n"
            "       bpfrt map { dump | lookup | getnext | update | delete | freeze | peek | push | pop } MAP ...\n"
            "       bpfrt map create FILE type TYPE key KEY_SIZE value VALUE_SIZE entries MAX [name NAME]\n"
            "                        [flags FLAGS] [inner_map MAP]   (the map is pinned at FILE)\n"
            "       bpfrt map pin MAP FILE\n"
            "       bpfrt btf dump file OBJ [format raw|c]\n"
            "       PROG := pinned FILE              (a program pinned by prog pin, load or loadall)\n"
            "             | raw FILE [type TYPE]     (raw 8-byte instructions; - for stdin)\n"
            "             | obj FILE [sec SECTION | prog NAME] [type TYPE]   (an ELF object, loaded here)\n"
            "       MAP  := pinned FILE              (a pinned map, shared by every invocation)\n"
            "             | obj FILE name NAME       (a map of an ELF object, created by loading it here)\n");
}

int main(int argc, char **argv)
{
    int i = 1;

    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
            cli.json = 1;
        } else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
            cli.json = 1;
            cli.pretty = 1;
        } else if (!strcmp(a, "-d") || !strcmp(a, "--debug")) {
            cli.debug = 1;
        } else if (!strcmp(a, "--checked")) {
            /* runs validate every access even of a verified program */
            cli.checked = 1;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("bpfrt v%s\nfeatures: interpreter, x86-64 JIT, checked mode\n", BPFRT_VERSION);
            return 0;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--engine") || !strncmp(a, "--engine=", 9)) {
            const char *e = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!e)
                return cli_err("--engine needs a value: jit or interp");
            if (strcmp(e, "interp") && strcmp(e, "jit"))
                return cli_err("unknown engine '%s' (expected jit or interp)", e);
            cli.engine = e;
        } else {
            return cli_err("unknown option '%s' (see bpfrt --help)", a);
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 1;
    }
    const char *obj = argv[i];
    int rest = argc - i - 1;
    char **rargv = argv + i + 1;

    if (!strcmp(obj, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(obj, "asm"))
        return do_asm(rest, rargv);
    if (!strcmp(obj, "disasm"))
        return do_disasm(rest, rargv);
    if (cli_is_prefix(obj, "prog"))
        return do_prog(rest, rargv);
    if (cli_is_prefix(obj, "map"))
        return do_map(rest, rargv);
    if (cli_is_prefix(obj, "btf"))
        return do_btf(rest, rargv);
    if (cli_is_prefix(obj, "net"))
        return cli_err("object '%s' needs program attachment, which this build does not have yet", obj);
    return cli_err("unknown object '%s' (expected prog, map, btf, asm or disasm; see bpfrt help)", obj);
}
