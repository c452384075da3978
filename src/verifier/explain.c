/* explain.c - a rejection in words a person acts on.
 *
 * The kernel's log says what rule broke, in the verifier's vocabulary
 * ("R0 invalid mem access 'map_value_or_null'").  This file turns the
 * first error (env->diag: instruction and message) into
 *
 *   rejected: <the reason in plain words>
 *     kernel: <the kernel's message, unchanged>
 *     at insn N: <the instruction>
 *     source: file.c:LINE: <the C line, from BTF line info>
 *     path: insn 3 (if r2 > r3 goto pc+4) taken, insn 7 (...) not taken
 *     fix: <what to add, where the mistake is a known pattern>
 *
 * The patterns are keyed on the kernel's own messages (the 6.18 texts the
 * walk reproduces), so a message the kernel changes is the only thing to
 * keep in step.  Lines without content (no BTF, no branch) are left out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "env.h"

int vf_path_push(struct vf_env *env, uint32_t insn, int taken)
{
    if (env->path_len == env->path_cap) {
        uint32_t cap = env->path_cap ? env->path_cap * 2 : 64;
        uint32_t *p = realloc(env->path, (size_t)cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        env->path = p;
        env->path_cap = cap;
    }
    env->path[env->path_len++] = (insn << 1) | (taken ? 1u : 0u);
    return 0;
}

void vf_path_free(struct vf_env *env)
{
    free(env->path);
    env->path = NULL;
    env->path_len = env->path_cap = 0;
}

struct pattern {
    const char *key;    /* a substring of the kernel's message */
    const char *reason; /* plain words; %s: the register named in the message */
    const char *fix;    /* NULL: no known fix */
};

/* Order matters: the first key found in the message wins, so the specific
 * ones come before the general. */
static const struct pattern patterns[] = {
    /* packets */
    {"invalid access to packet", "the program reads or writes packet bytes it has not proved are inside the packet",
     "compare data + offset + size against data_end before the access (if (data + off + size > data_end) return ...)"},
    {"offset is outside of the packet", "a packet access may go past data_end",
     "compare data + offset + size against data_end before the access (if (data + off + size > data_end) return ...)"},
    {"cannot write into packet", "this program type may not write packet data", NULL},
    /* maps */
    {"'map_value_or_null'", "the map value pointer may be NULL (the key may be missing) and is used without a check",
     "check the pointer bpf_map_lookup_elem returned against NULL before using it (if (!val) return ...)"},
    {"_or_null'", "a pointer that may be NULL is dereferenced without a check",
     "compare the pointer with NULL before using it"},
    {"invalid access to map value", "the access goes outside the map value",
     "keep the offset and size inside the value: check a variable index against the value size (if (i >= N) return) "
     "before the access"},
    {"invalid access to map key", "the access goes outside the map key", NULL},
    /* bounds of variable offsets */
    {"min value is negative", "a variable offset may be negative",
     "make the index unsigned or check it (if (i < 0) return) before the access"},
    {"unbounded memory access", "a variable offset has no upper bound",
     "bound the index with a comparison (if (i >= MAX) return) before using it as an offset"},
    {"min value is outside of the allowed memory range", "the access may start outside the object",
     "bound the offset so that offset + size stays inside the object"},
    {"max value is outside of the allowed memory range", "the access may end outside the object",
     "bound the index with a comparison (if (i >= MAX) return) before using it as an offset"},
    {"unbounded min value", "pointer arithmetic with a value the verifier cannot bound",
     "bound the value with comparisons before adding it to the pointer"},
    /* uninitialised registers and stack */
    {"R0 !read_ok", "the function returns without setting r0 (its return value) on this path",
     "return a value on every path"},
    {"!read_ok", "a register is read before anything was written to it on this path",
     "initialise the variable on every path that reaches this instruction"},
    {"invalid indirect read from stack", "a helper is given stack memory that was never written",
     "initialise the buffer before passing it (= {} or __builtin_memset)"},
    {"invalid read from stack", "the program reads stack memory that was never written",
     "initialise the variable before reading it"},
    {"invalid size of register spill", "a register is spilled with the wrong size", NULL},
    /* references */
    {"Unreleased reference", "a reference taken on this path is never released",
     "release it on every path, error paths included (bpf_sk_release, bpf_ringbuf_submit or bpf_ringbuf_discard, ...)"},
    {"reference has not been acquired before", "the program releases something it does not hold", NULL},
    /* loops and size */
    {"infinite loop detected", "the loop can run forever: an iteration reaches a state it was in before",
     "bound the loop with a constant trip count or use bpf_loop()"},
    {"back-edge", "the program has a loop, and the unprivileged verifier refuses every loop",
     "bound the loop with a constant trip count and unroll it (#pragma unroll), or load the program privileged"},
    {"BPF program is too large", "the verifier gave up after 1000000 instructions: a loop it cannot bound, or too "
                                 "many paths",
     "bound the loop with a constant trip count or use bpf_loop()"},
    {"is too complex", "the verifier gave up: too many branches to follow",
     "bound the loop with a constant trip count or use bpf_loop(); split the function"},
    /* control flow */
    {"unreachable insn", "an instruction can never run", "remove the dead code (it often comes from a bad jump)"},
    {"jump out of range", "a jump leaves its function or the program", NULL},
    {"jump into the middle of ldimm64", "a jump lands in the second half of a 64-bit constant load", NULL},
    {"last insn is not an exit or jmp", "a function can run past its last instruction", "end every path with exit"},
    {"call to invalid destination", "a bpf-to-bpf call leads outside the program", NULL},
    {"the call stack of", "the calls nest deeper than 8 frames", "flatten the call chain (inline some functions)"},
    {"combined stack size", "the stack of the call chain is larger than 512 bytes",
     "use less stack: move big buffers into a per-CPU array map"},
    {"tail_calls are not allowed when call stack",
     "a tail call is made below functions that already use 256 bytes of stack or more",
     "use less stack in the callers of the function that makes the tail call"},
    {"invalid stack off", "the access is outside the 512-byte stack", "keep stack use within 512 bytes"},
    {"invalid write to stack", "the stack write is outside the frame", "keep stack use within 512 bytes"},
    /* unprivileged rules */
    {"leaks addr", "an unprivileged program may not expose a kernel pointer (in a map, the packet or its return value)",
     "don't store or return the pointer, or load the program with the privileged verifier"},
    {"pointer comparison prohibited", "an unprivileged program may not compare pointers",
     "load the program with the privileged verifier"},
    {"pointer arithmetic", "this pointer arithmetic is not allowed",
     "do arithmetic on offsets (scalars) and add them to the pointer once"},
    /* arithmetic */
    {"div by zero", "division or modulo by the constant zero", "divide by a non-zero constant"},
    {"invalid shift", "a shift by a constant out of range (negative or at least the register width)", NULL},
    /* context and calls */
    {"invalid bpf_context access", "the program reads or writes a context field its type does not allow, or with the "
                                   "wrong size",
     "access only the fields of the context struct this program type has, with their natural size"},
    {"invalid mem access 'scalar'", "the program dereferences a number, not a pointer",
     "dereference only pointers the verifier knows (context, map values, the packet after a bounds check)"},
    {"program of this type cannot use helper", "the program type may not call this helper", NULL},
    {"unknown func", "the helper does not exist or the program type may not call it", NULL},
    {"kernel function", "the program calls a kernel function (kfunc); bpfrt runs none", NULL},
    {"kfunc", "the program calls a kernel function (kfunc); bpfrt runs none", NULL},
    {"At program exit the register R0 has", "the program returns a value its type does not allow",
     "return one of the values the program type allows"},
    {"misaligned", "the access is not aligned to its size", "align the offset to the access size"},
    {"type=", "a helper argument has the wrong kind of value", NULL},
    {"expected=", "a helper argument has the wrong kind of value", NULL},
};

/* The first pattern whose key the message holds.  "R0 !read_ok" means a
 * missing return value only at an exit; elsewhere it is the general case. */
static const struct pattern *find_pattern(const char *msg, int at_exit)
{
    size_t i;

    for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        if (!at_exit && !strcmp(patterns[i].key, "R0 !read_ok"))
            continue;
        if (strstr(msg, patterns[i].key))
            return &patterns[i];
    }
    return NULL;
}

struct out {
    char *s;
    size_t size, len; /* len: bytes needed so far */
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(o->len < o->size ? o->s + o->len : NULL, o->len < o->size ? o->size - o->len : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* The last lines of the log that name a known pattern: the walk often
 * logs a detail line and then the rule ("invalid access to map value ..."
 * then "R0 min value is outside ..."); the first known one is the more
 * telling.  Looks at the diag message first. */
static const struct pattern *pattern_of(const struct vf_env *env, const char *msg, int at_exit)
{
    const struct pattern *p = find_pattern(msg, at_exit);

    if (!p && env->log && env->log_len && env->log_len < env->log_size) {
        /* scan the log's lines from the end, at most a few */
        const char *end = env->log + env->log_len, *line;
        int lines = 0;
        while (end > env->log && lines < 6) {
            char tmp[CM_DIAG_MSG];
            size_t n;
            line = end;
            while (line > env->log && line[-1] != '\n')
                line--;
            n = (size_t)(end - line) < sizeof(tmp) - 1 ? (size_t)(end - line) : sizeof(tmp) - 1;
            memcpy(tmp, line, n);
            tmp[n] = 0;
            if (n && (p = find_pattern(tmp, at_exit)))
                return p;
            end = line > env->log ? line - 1 : line;
            lines++;
        }
    }
    return p;
}

size_t vf_explain(const struct vf_env *env, char *buf, size_t size)
{
    struct out o = {buf, size, 0};
    const struct pattern *p;
    const char *msg;
    long insn;
    char text[192];

    if (buf && size)
        buf[0] = 0;
    if (!env || !env->diag || !env->diag->err)
        return 0;
    msg = env->diag->msg;
    insn = env->diag->insn;
    p = pattern_of(env, msg,
                   insn >= 0 && (uint64_t)insn < env->cnt && env->insns &&
                       env->insns[insn].code == (BPF_JMP | BPF_EXIT));
    put(&o, "rejected: %s\n", p ? p->reason : msg);
    if (p)
        put(&o, "  kernel: %s\n", msg);
    if (insn >= 0 && (uint64_t)insn < env->cnt && env->insns) {
        const struct bpf_line_info *li;

        put(&o, "  at insn %ld: %s\n", insn, vf_insn_str(env, (uint32_t)insn, text, sizeof(text)));
        li = env->btf ? vf_find_linfo(env, (uint32_t)insn) : NULL;
        if (li) {
            const char *file = btf__name_by_offset(env->btf, li->file_name_off);
            const char *line = btf__name_by_offset(env->btf, li->line_off);
            const char *slash = file ? strrchr(file, '/') : NULL;
            if (file && line) {
                while (*line == ' ' || *line == '\t')
                    line++;
                put(&o, "  source: %s:%u: %s\n", slash ? slash + 1 : file, BPF_LINE_INFO_LINE_NUM(li->line_col),
                    line);
            }
        }
    }
    if (env->path_len && env->insns) {
        /* The decisions nearest the error tell the most: at most the last
         * 16, with a count of the earlier ones. */
        uint32_t first = env->path_len > 16 ? env->path_len - 16 : 0, i;

        put(&o, "  path:");
        if (first)
            put(&o, " (%u earlier branches)", first);
        for (i = first; i < env->path_len; i++) {
            uint32_t at = env->path[i] >> 1;
            int taken = env->path[i] & 1;
            put(&o, "%s insn %u", i == first && !first ? "" : ",", at);
            if (at < env->cnt)
                put(&o, " (%s)", vf_insn_str(env, at, text, sizeof(text)));
            put(&o, " %s", taken ? "taken" : "not taken");
        }
        put(&o, "\n");
    }
    if (p && p->fix)
        put(&o, "  fix: %s\n", p->fix);
    return o.len;
}
