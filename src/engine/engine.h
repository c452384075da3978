/* engine.h - what the runtime asks of an engine. */
#ifndef BPFRT_ENGINE_H
#define BPFRT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

struct interp_code; /* the interpreter's decoded form of a program */

/* Decode a program checked by isa_check_prog() once, for fast dispatch.
 * Calls to unknown helpers and kfuncs are refused here (-EOPNOTSUPP with a
 * message naming the instruction).  Returns 0 and sets *codep, or -errno. */
int interp_prepare(const struct bpf_insn *insns, size_t cnt, struct interp_code **codep, char *log, size_t logsz);
void interp_free(struct interp_code *code);

/* Run from instruction 0 with r1..r5 = args[0..4], r10 = top of frame 0's
 * stack in run->stack.  Returns 0 and stores r0 in *r0, or a negative errno
 * with run->err, run->err_pc and run->errmsg set.  checked selects the mode
 * that validates every access against run->regions and the stack and
 * counts each instruction in run->insn_cnt. */
int interp_run(const struct interp_code *code, struct rt_run *run, const uint64_t args[5], int checked, uint64_t *r0);

/* For helpers that take a callback (bpf_loop, bpf_for_each_map_elem; see
 * hlp_takes_callback()): call the BPF function fn (the value an LD_IMM64
 * with BPF_PSEUDO_FUNC loaded) with r1..r5 = args, on the stack frame
 * below the caller's (depth + 1; the 8-frame limit holds), r6-r9 of the
 * caller untouched, in the caller's mode and budget.  Returns 0 with the
 * callback's r0 in *r0, or a negative errno with run->err set (the index
 * is the failing instruction's, inside the callback): the helper must then
 * return at once, and the engine stops the run with that error. */
int interp_callback(struct rt_run *run, uint64_t fn, const uint64_t args[5], uint64_t *r0);

#endif
