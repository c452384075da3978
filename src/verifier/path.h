/* path.h - the branch decisions of the path being walked, for the
 * explanation of a rejection ("insn 7: if r2 > r3 taken, ...").
 * Entries are insn << 1 | taken; the walk pushes one per undecided
 * conditional jump, and when it resumes a path saved at a fork it cuts
 * the record back to that fork and records the other direction. */
#ifndef BPFRT_VERIFIER_PATH_H
#define BPFRT_VERIFIER_PATH_H

#include "env.h"

void vf_path_push(struct vf_env *env, uint32_t insn, int taken);
void vf_path_pop_to(struct vf_env *env, uint32_t fork_insn);

#endif
