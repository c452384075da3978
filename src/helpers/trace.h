/* trace.h - the trace buffer (the kernel's trace_pipe analogue) that
 * bpf_trace_printk writes and `bpfrt prog tracelog` reads. */
#ifndef BPFRT_TRACE_H
#define BPFRT_TRACE_H

#include <stdint.h>

/* Append one line, formatted as trace_pipe shows it. */
void trace_emit(uint32_t worker, const char *msg);

/* Append a whole line to the state directory's trace pipe (trace_shared.c),
 * when there is a usable state directory. */
void trace_shared_emit(uint32_t cpu, const char *line);

#endif
