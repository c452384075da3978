/* trace.h - the trace buffer (the kernel's trace_pipe analogue) that
 * bpf_trace_printk writes and `bpfrt prog tracelog` reads. */
#ifndef BPFRT_TRACE_H
#define BPFRT_TRACE_H

#include <stdint.h>

/* Append one line, formatted as trace_pipe shows it. */
void trace_emit(uint32_t worker, const char *msg);

#endif
