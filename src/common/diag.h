/* diag.h - structured errors: what failed, at which instruction, where in
 * the source, and the message; formatted once, into the caller's log.
 *
 * Every stage of the load pipeline reports through a struct cm_diag, so no
 * stage has to parse another's message text to learn the instruction.
 * The log is appended to (a caller's buffer may collect several lines);
 * the structured copy keeps the first error. */
#ifndef BPFRT_COMMON_DIAG_H
#define BPFRT_COMMON_DIAG_H

#include <stddef.h>
#include <stdint.h>

#define CM_DIAG_MSG 512

struct cm_diag {
    char *log;        /* caller's buffer (may be NULL) */
    size_t log_size;
    size_t log_len;   /* bytes of log in use */
    /* The first error: */
    int err;          /* negative errno, 0 while none */
    long insn;        /* instruction index, -1 when the error has none */
    char msg[CM_DIAG_MSG]; /* the message alone, without the "insn N: " prefix */
};

/* Start a diagnostics record writing to buf (which is cleared). */
void cm_diag_init(struct cm_diag *d, char *buf, size_t size);

/* Record an error of instruction insn (-1: none) and append its line to
 * the log, "insn N: message" (or the message alone).  Returns err, so a
 * stage can `return cm_diag_err(d, -EINVAL, i, "...")`.  Only the first
 * error is kept in the structured fields; every one is appended. */
int cm_diag_err(struct cm_diag *d, int err, long insn, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Append a line of text to the log (no error recorded). */
void cm_diag_note(struct cm_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
