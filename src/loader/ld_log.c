/* ld_log.c - the loader's messages: appended to the log buffer the
 * caller gave at open, one a line (every loader file reports here, so
 * none of them depends on object.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "loader.h"

static void vlog(struct bpfrt_object *obj, const char *fmt, va_list ap)
{
    size_t len;

    if (!obj->log || !obj->log_size)
        return;
    len = strnlen(obj->log, obj->log_size);
    if (len + 1 >= obj->log_size)
        return;
    if (len) {
        obj->log[len++] = '\n';
        obj->log[len] = 0;
    }
    vsnprintf(obj->log + len, obj->log_size - len, fmt, ap);
}

void ld_log(struct bpfrt_object *obj, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(obj, fmt, ap);
    va_end(ap);
}

int ld_err(struct bpfrt_object *obj, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(obj, fmt, ap);
    va_end(ap);
    return err;
}

