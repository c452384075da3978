/* pinref.h - how a pinned PROG_ARRAY reaches pinned programs without the
 * map code knowing what a program object is: the runtime registers these
 * (runtime/prog_pin.c), fd_array.c calls them.  A pinned prog array's
 * slots name the pins of its programs; each process opens them as it
 * needs them. */
#ifndef BPFRT_COMMON_PINREF_H
#define BPFRT_COMMON_PINREF_H

#include <stddef.h>
#include <stdint.h>

struct cm_pinref_ops {
    /* Where program id (of this process) is pinned, or is about to be (a
     * pin of several objects being made), as an absolute path; NULL when
     * it is not. */
    const char *(*prog_path)(uint32_t id);
    /* Its name, for messages ("" when unknown). */
    const char *(*prog_name)(uint32_t id);
    /* Open the program pinned at path: *prog (free with prog_free) and its
     * id in this process.  0 or a negative errno, the reason in log. */
    int (*prog_open)(const char *path, void **prog, uint32_t *id, char *log, size_t logsz);
    void (*prog_free)(void *prog);
    /* A program of this process pinned at (or opened from) path, and its
     * id; NULL when none is.  A slot naming a program this process has
     * takes that one, as a process's fds name one kernel program. */
    void *(*prog_find)(const char *path, uint32_t *id);
};

void cm_pinref_register(const struct cm_pinref_ops *ops);
/* The registered hooks, or NULL before the runtime registered them. */
const struct cm_pinref_ops *cm_pinref(void);

#endif
