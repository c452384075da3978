/* cli.h - shared state and utilities of the bpfrt command. */
#ifndef BPFRT_TOOL_CLI_H
#define BPFRT_TOOL_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

struct cli {
    int json;     /* -j */
    int pretty;   /* -p */
    int debug;    /* -d */
    const char *engine;
    struct json j;
};

extern struct cli cli;

/* Report an error the way bpftool does ("Error: ..." on stderr, or
 * {"error":"..."} on stdout with -j) and return 1 (the exit status). */
int cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Is arg a non-empty prefix of word?  bpftool accepts abbreviated keywords. */
int cli_is_prefix(const char *arg, const char *word);

/* Read a whole file ("-" for stdin).  Returns 0 and a malloc'd buffer, or
 * a negative errno; *lenp gets the length.  A NUL is appended (not counted). */
int cli_read_file(const char *path, uint8_t **bufp, size_t *lenp);
/* Write len bytes to path ("-" for stdout).  Returns 0 or a negative errno. */
int cli_write_file(const char *path, const void *buf, size_t len);
/* Parse an unsigned decimal or 0x number that fits in max.  0 or -EINVAL. */
int cli_parse_u64(const char *s, uint64_t max, uint64_t *v);

int do_prog(int argc, char **argv);
int do_asm(int argc, char **argv);
int do_disasm(int argc, char **argv);

#endif
