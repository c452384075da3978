/* diag.c - structured errors and the caller's log (diag.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

void cm_diag_init(struct cm_diag *d, char *buf, size_t size)
{
    memset(d, 0, sizeof(*d));
    d->log = buf;
    d->log_size = buf ? size : 0;
    d->insn = -1;
    if (d->log && d->log_size)
        d->log[0] = 0;
}

static void vappend(struct cm_diag *d, const char *prefix, const char *fmt, va_list ap)
{
    size_t room;
    int n;

    if (!d->log || !d->log_size || d->log_len + 1 >= d->log_size)
        return;
    if (d->log_len) { /* one message a line */
        d->log[d->log_len++] = '\n';
        d->log[d->log_len] = 0;
    }
    room = d->log_size - d->log_len;
    n = snprintf(d->log + d->log_len, room, "%s", prefix);
    if (n < 0 || (size_t)n >= room) {
        d->log_len = d->log_size - 1;
        return;
    }
    d->log_len += (size_t)n;
    room -= (size_t)n;
    n = vsnprintf(d->log + d->log_len, room, fmt, ap);
    d->log_len = n < 0 ? d->log_len : (size_t)n >= room ? d->log_size - 1 : d->log_len + (size_t)n;
}

int cm_diag_err(struct cm_diag *d, int err, long insn, const char *fmt, ...)
{
    char prefix[32] = "";
    va_list ap;

    if (!d)
        return err;
    if (insn >= 0)
        snprintf(prefix, sizeof(prefix), "insn %ld: ", insn);
    if (!d->err) {
        d->err = err;
        d->insn = insn;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
        va_end(ap);
    }
    va_start(ap, fmt);
    vappend(d, prefix, fmt, ap);
    va_end(ap);
    return err;
}

void cm_diag_note(struct cm_diag *d, const char *fmt, ...)
{
    va_list ap;

    if (!d)
        return;
    va_start(ap, fmt);
    vappend(d, "", fmt, ap);
    va_end(ap);
}
