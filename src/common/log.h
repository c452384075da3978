/* log.h - messages into a caller's log buffer (the library never prints):
 * cm_log replaces the buffer's text, cm_log_append adds to it.
 * Both accept a NULL or empty buffer and truncate to its size. */
#ifndef BPFRT_COMMON_LOG_H
#define BPFRT_COMMON_LOG_H

#include <stddef.h>

/* Write the message and return err (for `return cm_log(...)`). */
int cm_log(char *buf, size_t size, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void cm_log_append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
