/* path.c - the record of branch decisions of the current path (path.h). */
#include <stdlib.h>

#include "path.h"

void vf_path_push(struct vf_env *env, uint32_t insn, int taken)
{
    if (env->path_len == env->path_cap) {
        uint32_t cap = env->path_cap ? env->path_cap * 2 : 64;
        uint32_t *n = realloc(env->path, cap * sizeof(*n));
        if (!n)
            return; /* the record is an aid, not a fact the verdict needs */
        env->path = n;
        env->path_cap = cap;
    }
    env->path[env->path_len++] = insn << 1 | (taken ? 1u : 0u);
}

void vf_path_pop_to(struct vf_env *env, uint32_t fork_insn)
{
    for (uint32_t i = env->path_len; i-- > 0;) {
        if (env->path[i] >> 1 == fork_insn) {
            uint32_t taken = env->path[i] & 1;
            env->path_len = i;
            vf_path_push(env, fork_insn, !taken);
            return;
        }
    }
}
