/* log.c - see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

int cm_log(char *buf, size_t size, int err, const char *fmt, ...)
{
    va_list ap;

    if (buf && size) {
        va_start(ap, fmt);
        vsnprintf(buf, size, fmt, ap);
        va_end(ap);
    }
    return err;
}

void cm_log_append(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    size_t len;

    if (!buf || !size)
        return;
    len = strnlen(buf, size);
    if (len + 1 >= size)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}
