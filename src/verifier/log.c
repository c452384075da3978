/* log.c - the verifier log in the kernel's format.
 *
 * What is printed and when follows the kernel (kernel/bpf/log.c,
 * disasm.c, verifier.c of the running 6.18 kernel, whose output the unit
 * tests quote):
 *   - level 1 (BPF_LOG_LEVEL1): the instructions of the path that failed,
 *     each followed by the registers it touched; the walk cuts the log back
 *     (vf_log_reset) when it abandons a path;
 *   - level 2 (BPF_LOG_LEVEL2): every instruction of every path, with the
 *     full state where a path starts;
 *   - level 4 (BPF_LOG_STATS): the messages and the statistics only;
 *   - any level: the messages (vf_log is the kernel's verbose()) and the
 *     "processed N insns ..." line.
 * The buffer is the kernel's rotating log: when it overflows the end is
 * kept (the error is at the end); VF_LOG_FIXED keeps the start instead.
 * Either way an overflow is reported (-ENOSPC from vf_log_finish). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "bpfrt/bpfrt.h"
#include "env.h"
#include "isa/isa.h"
#include "maps/map.h"

#define VF_LOG_MSG_MAX 1024 /* BPF_VERIFIER_TMP_LOG_SIZE: one message at most */

/* ---- the buffer ---- */

static size_t ring_idx(const struct vf_env *env, uint64_t pos)
{
    return (size_t)((pos - env->log_base) % env->log_size);
}

static void update_len(struct vf_env *env)
{
    if (!env->log || !env->log_size)
        env->log_len = 0;
    else if (env->log_level & VF_LOG_FIXED)
        env->log_len = env->log_end_pos < env->log_size - 1 ? env->log_end_pos : env->log_size - 1;
    else
        env->log_len = env->log_end_pos - env->log_start_pos;
    /* log_len_max counts the terminating NUL, as the kernel's len_max */
    env->log_truncated = env->log && env->log_len_max > env->log_size;
}

static void log_write(struct vf_env *env, const char *s, size_t n)
{
    uint64_t end = env->log_end_pos, new_end = end + n;

    if (new_end + 1 > env->log_len_max)
        env->log_len_max = new_end + 1;
    if (!env->log || !env->log_size) {
        env->log_start_pos = env->log_end_pos = new_end;
        update_len(env);
        return;
    }
    if (env->log_level & VF_LOG_FIXED) {
        if (end < env->log_size - 1) {
            size_t room = env->log_size - 1 - (size_t)end, k = n < room ? n : room;
            memcpy(env->log + end, s, k);
            env->log[end + k] = 0;
        }
    } else {
        uint64_t new_start = env->log_start_pos, p;

        if (new_end + 1 - new_start > env->log_size)
            new_start = new_end + 1 - env->log_size;
        /* only the bytes that stay in the window are written */
        for (p = end > new_start ? end : new_start; p < new_end; p++)
            env->log[ring_idx(env, p)] = s[p - end];
        env->log[ring_idx(env, new_end)] = 0;
        env->log_start_pos = new_start;
    }
    env->log_end_pos = new_end;
    update_len(env);
}

void vf_vlog(struct vf_env *env, const char *fmt, va_list ap)
{
    char tmp[VF_LOG_MSG_MAX];
    int n;

    if (!env || !env->log_level)
        return;
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(tmp)) /* the kernel's vscnprintf cuts a message at 1023 bytes */
        n = sizeof(tmp) - 1;
    log_write(env, tmp, (size_t)n);
}

void vf_log(struct vf_env *env, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vf_vlog(env, fmt, ap);
    va_end(ap);
}

void vf_log_reset(struct vf_env *env, uint64_t pos)
{
    if (!env || !env->log_level || pos > env->log_end_pos)
        return;
    env->log_end_pos = pos;
    if (env->log_end_pos < env->log_start_pos) {
        /* nothing of the window is left: an empty log starting here */
        env->log_start_pos = env->log_end_pos;
        env->log_base = env->log_end_pos;
    }
    if (env->log && env->log_size) {
        if (env->log_level & VF_LOG_FIXED) {
            if (pos < env->log_size)
                env->log[pos] = 0;
        } else {
            env->log[ring_idx(env, pos)] = 0;
        }
    }
    update_len(env);
}

static void reverse(char *s, size_t a, size_t b) /* [a, b) */
{
    while (a + 1 < b) {
        char c = s[a];
        s[a++] = s[--b];
        s[b] = c;
    }
}

int vf_log_finish(struct vf_env *env)
{
    if (!env || !env->log || !env->log_size)
        return 0;
    if (!(env->log_level & VF_LOG_FIXED)) {
        size_t k = ring_idx(env, env->log_start_pos);
        if (k) { /* rotate left by k: the oldest byte kept goes first */
            reverse(env->log, 0, k);
            reverse(env->log, k, env->log_size);
            reverse(env->log, 0, env->log_size);
        }
        env->log_base = env->log_start_pos;
    }
    env->log[env->log_len] = 0;
    return env->log_truncated ? -ENOSPC : 0;
}

/* ---- rejections ---- */

int vf_reject(struct vf_env *env, int err, long insn, const char *fmt, ...)
{
    char msg[VF_LOG_MSG_MAX];
    size_t n;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    n = strlen(msg);
    while (n && msg[n - 1] == '\n') /* the kernel's messages end in \n; ours may */
        msg[--n] = 0;
    vf_log(env, "%s\n", msg);
    if (env)
        cm_diag_err(env->diag, err, insn, "%s", msg);
    return err;
}

/* ---- source lines ---- */

const struct bpf_line_info *vf_find_linfo(const struct vf_env *env, uint32_t i)
{
    uint32_t lo = 0, hi;

    if (!env->line_info || !env->nline_info || i >= env->cnt || env->line_info[0].insn_off > i)
        return NULL;
    hi = env->nline_info;
    while (hi - lo > 1) { /* records are sorted by insn_off (cfg.c checked) */
        uint32_t mid = lo + (hi - lo) / 2;
        if (env->line_info[mid].insn_off <= i)
            lo = mid;
        else
            hi = mid;
    }
    return &env->line_info[lo];
}

void vf_log_linfo(struct vf_env *env, uint32_t insn, const char *prefix_fmt, ...)
{
    const struct bpf_line_info *li;
    const char *line, *file, *slash;
    va_list ap;

    if (!env || !env->log_level || !env->btf)
        return;
    li = vf_find_linfo(env, insn);
    if (!li || li == env->prev_linfo)
        return;
    line = btf__name_by_offset(env->btf, li->line_off);
    file = btf__name_by_offset(env->btf, li->file_name_off);
    if (!line || !file)
        return;
    if (prefix_fmt) {
        va_start(ap, prefix_fmt);
        vf_vlog(env, prefix_fmt, ap);
        va_end(ap);
    }
    while (*line == ' ' || *line == '\t')
        line++;
    slash = strrchr(file, '/');
    vf_log(env, "%s @ %s:%u\n", line, slash ? slash + 1 : file, BPF_LINE_INFO_LINE_NUM(li->line_col));
    env->prev_linfo = li;
}

/* ---- instructions (kernel/bpf/disasm.c's syntax) ---- */

static const char *const alu_str[16] = {
    [BPF_ADD >> 4] = "+=", [BPF_SUB >> 4] = "-=",    [BPF_MUL >> 4] = "*=", [BPF_DIV >> 4] = "/=",
    [BPF_OR >> 4] = "|=",  [BPF_AND >> 4] = "&=",    [BPF_LSH >> 4] = "<<=", [BPF_RSH >> 4] = ">>=",
    [BPF_NEG >> 4] = "neg", [BPF_MOD >> 4] = "%=",   [BPF_XOR >> 4] = "^=", [BPF_MOV >> 4] = "=",
    [BPF_ARSH >> 4] = "s>>=", [BPF_END >> 4] = "endian",
};
static const char *const atomic_str[16] = {
    [BPF_ADD >> 4] = "add", [BPF_AND >> 4] = "and", [BPF_OR >> 4] = "or", [BPF_XOR >> 4] = "xor",
};
static const char *const jmp_str[16] = {
    [BPF_JA >> 4] = "jmp",  [BPF_JEQ >> 4] = "==",  [BPF_JGT >> 4] = ">",   [BPF_JLT >> 4] = "<",
    [BPF_JGE >> 4] = ">=",  [BPF_JLE >> 4] = "<=",  [BPF_JSET >> 4] = "&",  [BPF_JNE >> 4] = "!=",
    [BPF_JSGT >> 4] = "s>", [BPF_JSLT >> 4] = "s<", [BPF_JSGE >> 4] = "s>=", [BPF_JSLE >> 4] = "s<=",
    [BPF_CALL >> 4] = "call", [BPF_EXIT >> 4] = "exit", [0xe0 >> 4] = "jcond",
};
static const char *const class_str[8] = {
    [BPF_LD] = "ld", [BPF_LDX] = "ldx", [BPF_ST] = "st", [BPF_STX] = "stx",
    [BPF_ALU] = "alu", [BPF_JMP] = "jmp", [BPF_JMP32] = "jmp32", [BPF_ALU64] = "alu64",
};

static const char *ldst_str(uint8_t code)
{
    static const char *const u[4] = {"u32", "u16", "u8", "u64"};
    return u[ISA_SIZE(code) >> 3];
}

static const char *ldsx_str(uint8_t code)
{
    static const char *const s[4] = {"s32", "s16", "s8", "s64"};
    return s[ISA_SIZE(code) >> 3];
}

#define P(...) snprintf(buf, size, __VA_ARGS__)

static void dis_alu(const struct bpf_insn *in, char *buf, size_t size)
{
    uint8_t code = in->code, op = ISA_OP(code);
    char r = ISA_CLASS(code) == BPF_ALU ? 'w' : 'r';
    const char *s = alu_str[op >> 4] ? alu_str[op >> 4] : "?";

    if (op == BPF_END) {
        if (ISA_CLASS(code) == BPF_ALU64) /* cpu v4 unconditional swap */
            P("r%u = bswap%d r%u", in->dst_reg, in->imm, in->dst_reg);
        else
            P("r%u = %s%d r%u", in->dst_reg, ISA_SRC(code) == BPF_TO_BE ? "be" : "le", in->imm, in->dst_reg);
    } else if (op == BPF_NEG) {
        P("%c%u = -%c%u", r, in->dst_reg, r, in->dst_reg);
    } else if (code == (BPF_ALU64 | BPF_MOV | BPF_X) && in->off == 1) { /* BPF_ADDR_SPACE_CAST */
        P("r%u = addr_space_cast(r%u, %u, %u)", in->dst_reg, in->src_reg, (uint32_t)in->imm >> 16,
          (unsigned)(uint16_t)in->imm);
    } else if (code == (BPF_ALU64 | BPF_MOV | BPF_X) && in->off == -1) { /* BPF_ADDR_PERCPU */
        P("r%u = &(void __percpu *)(r%u)", in->dst_reg, in->src_reg);
    } else {
        int sdiv = (op == BPF_DIV || op == BPF_MOD) && in->off == 1;
        if (sdiv)
            s = op == BPF_DIV ? "s/=" : "s%=";
        if (ISA_SRC(code) == BPF_X) {
            const char *sx = "";
            if (op == BPF_MOV && (in->off == 8 || in->off == 16 || in->off == 32)) /* movsx */
                sx = in->off == 8 ? "(s8)" : in->off == 16 ? "(s16)" : "(s32)";
            P("%c%u %s %s%c%u", r, in->dst_reg, s, sx, r, in->src_reg);
        } else {
            P("%c%u %s %d", r, in->dst_reg, s, in->imm);
        }
    }
}

static void dis_atomic(const struct bpf_insn *in, char *buf, size_t size)
{
    const char *sz = ldst_str(in->code), *w64 = ISA_SIZE(in->code) == BPF_DW ? "64" : "";
    int32_t imm = in->imm;

    if (imm == BPF_ADD || imm == BPF_AND || imm == BPF_OR || imm == BPF_XOR)
        P("lock *(%s *)(r%u %+d) %s r%u", sz, in->dst_reg, in->off, alu_str[imm >> 4], in->src_reg);
    else if (imm == (BPF_ADD | BPF_FETCH) || imm == (BPF_AND | BPF_FETCH) || imm == (BPF_OR | BPF_FETCH) ||
             imm == (BPF_XOR | BPF_FETCH))
        P("r%u = atomic%s_fetch_%s((%s *)(r%u %+d), r%u)", in->src_reg, w64, atomic_str[(imm & 0xf0) >> 4], sz,
          in->dst_reg, in->off, in->src_reg);
    else if (imm == BPF_CMPXCHG)
        P("r0 = atomic%s_cmpxchg((%s *)(r%u %+d), r0, r%u)", w64, sz, in->dst_reg, in->off, in->src_reg);
    else if (imm == BPF_XCHG)
        P("r%u = atomic%s_xchg((%s *)(r%u %+d), r%u)", in->src_reg, w64, sz, in->dst_reg, in->off, in->src_reg);
    else if (imm == BPF_LOAD_ACQ)
        P("r%u = load_acquire((%s *)(r%u %+d))", in->dst_reg, sz, in->src_reg, in->off);
    else if (imm == BPF_STORE_REL)
        P("store_release((%s *)(r%u %+d), r%u)", sz, in->dst_reg, in->off, in->src_reg);
    else
        P("BUG_%02x", in->code);
}

/* The 64-bit value an LD_IMM64 prints: the kernel prints what is in the
 * instruction after resolve_pseudo_ldimm64, the map's address for map
 * loads (0 to the unprivileged, who may not see kernel addresses). */
static uint64_t ldimm64_value(const struct vf_env *env, uint32_t i)
{
    const struct bpf_insn *in = &env->insns[i];
    uint64_t imm = isa_imm64(in);
    const struct bpfrt_map *m = env->insn_map ? env->insn_map[i] : NULL;

    switch (in->src_reg) {
    case BPF_PSEUDO_MAP_FD:
    case BPF_PSEUDO_MAP_IDX:
        imm = m ? (uint64_t)(uintptr_t)m : imm;
        break;
    case BPF_PSEUDO_MAP_VALUE:
    case BPF_PSEUDO_MAP_IDX_VALUE:
        imm = m ? (uint64_t)(uintptr_t)m + (uint32_t)in[1].imm : imm;
        break;
    case BPF_PSEUDO_BTF_ID: break;
    default: return imm;
    }
    return env->priv ? imm : 0;
}

static void dis_call(const struct bpf_insn *in, char *buf, size_t size)
{
    if (in->src_reg == BPF_PSEUDO_CALL) {
        P("call pc%+d", in->imm);
    } else if (in->src_reg == BPF_PSEUDO_KFUNC_CALL) {
        P("call kernel-function#%d", in->imm);
    } else {
        const char *name = in->src_reg == 0 && in->imm > 0 ? bpfrt_helper_name((uint32_t)in->imm) : NULL;
        if (name)
            P("call bpf_%s#%d", name, in->imm);
        else
            P("call unknown#%d", in->imm);
    }
}

static void dis(const struct vf_env *env, uint32_t i, char *buf, size_t size)
{
    const struct bpf_insn *in = &env->insns[i];
    uint8_t code = in->code, cls = ISA_CLASS(code), mode = ISA_MODE(code);

    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: dis_alu(in, buf, size); return;
    case BPF_STX:
        if (mode == BPF_MEM)
            P("*(%s *)(r%u %+d) = r%u", ldst_str(code), in->dst_reg, in->off, in->src_reg);
        else if (mode == BPF_ATOMIC)
            dis_atomic(in, buf, size);
        else
            P("BUG_%02x", code);
        return;
    case BPF_ST:
        if (mode == BPF_MEM)
            P("*(%s *)(r%u %+d) = %d", ldst_str(code), in->dst_reg, in->off, in->imm);
        else if (mode == 0xc0) /* BPF_NOSPEC, no UAPI name */
            P("nospec");
        else
            P("BUG_st_%02x", code);
        return;
    case BPF_LDX:
        if (mode == BPF_MEM || mode == BPF_MEMSX)
            P("r%u = *(%s *)(r%u %+d)", in->dst_reg, mode == BPF_MEM ? ldst_str(code) : ldsx_str(code), in->src_reg,
              in->off);
        else
            P("BUG_ldx_%02x", code);
        return;
    case BPF_LD:
        if (mode == BPF_ABS)
            P("r0 = *(%s *)skb[%d]", ldst_str(code), in->imm);
        else if (mode == BPF_IND)
            P("r0 = *(%s *)skb[r%u + %d]", ldst_str(code), in->src_reg, in->imm);
        else if (mode == BPF_IMM && ISA_SIZE(code) == BPF_DW && i + 1 < env->cnt)
            P("r%u = 0x%" PRIx64, in->dst_reg, ldimm64_value(env, i));
        else
            P("BUG_ld_%02x", code);
        return;
    default: { /* BPF_JMP, BPF_JMP32 */
        uint8_t op = ISA_OP(code);
        char r = cls == BPF_JMP32 ? 'w' : 'r';
        if (op == BPF_CALL)
            dis_call(in, buf, size);
        else if (code == (BPF_JMP | BPF_JA))
            P("goto pc%+d", in->off);
        else if (code == (BPF_JMP32 | BPF_JA))
            P("gotol pc%+d", in->imm);
        else if (code == (BPF_JMP | 0xe0)) /* BPF_JCOND: may_goto */
            P("may_goto pc%+d", in->off);
        else if (code == (BPF_JMP | BPF_EXIT))
            P("exit");
        else if (!jmp_str[op >> 4])
            P("%s", class_str[cls]);
        else if (ISA_SRC(code) == BPF_X)
            P("if %c%u %s %c%u goto pc%+d", r, in->dst_reg, jmp_str[op >> 4], r, in->src_reg, in->off);
        else
            P("if %c%u %s 0x%x goto pc%+d", r, in->dst_reg, jmp_str[op >> 4], (uint32_t)in->imm, in->off);
        return;
    }
    }
}

#undef P

const char *vf_insn_str(const struct vf_env *env, uint32_t i, char *buf, size_t size)
{
    if (!buf || !size)
        return buf;
    buf[0] = 0;
    if (env && env->insns && i < env->cnt)
        dis(env, i, buf, size);
    return buf;
}

void vf_log_insn(struct vf_env *env, uint32_t i)
{
    char text[192];

    if (!env || !(env->log_level & (VF_LOG_LEVEL1 | VF_LOG_LEVEL2)) || i >= env->cnt)
        return;
    if (env->cur && (env->scratched_regs || env->scratched_slots))
        vf_log_insn_state(env, env->cur);
    vf_log_linfo(env, i, "; ");
    env->prev_log_pos = env->log_end_pos;
    vf_insn_str(env, i, text, sizeof(text));
    vf_log(env, "%u: (%02x) %s\n", i, env->insns[i].code, text);
    env->prev_insn_print_pos = (uint32_t)(env->log_end_pos - env->prev_log_pos);
    env->prev_log_pos = env->log_end_pos;
}

/* ---- registers and states (print_verifier_state) ---- */

const char *vf_type_name(const struct vf_reg *r)
{
    static const char *const base[VF_TYPE_MAX] = {
        [VF_NOT_INIT] = "?",
        [VF_SCALAR] = "scalar",
        [VF_PTR_TO_CTX] = "ctx",
        [VF_CONST_PTR_TO_MAP] = "map_ptr",
        [VF_PTR_TO_MAP_VALUE] = "map_value",
        [VF_PTR_TO_MAP_KEY] = "map_key",
        [VF_PTR_TO_STACK] = "fp",
        [VF_PTR_TO_PACKET_META] = "pkt_meta",
        [VF_PTR_TO_PACKET] = "pkt",
        [VF_PTR_TO_PACKET_END] = "pkt_end",
        [VF_PTR_TO_FLOW_KEYS] = "flow_keys",
        [VF_PTR_TO_SOCKET] = "sock",
        [VF_PTR_TO_SOCK_COMMON] = "sock_common",
        [VF_PTR_TO_TCP_SOCK] = "tcp_sock",
        [VF_PTR_TO_TP_BUFFER] = "tp_buffer",
        [VF_PTR_TO_XDP_SOCK] = "xdp_sock",
        [VF_PTR_TO_BTF_ID] = "ptr_",
        [VF_PTR_TO_MEM] = "mem",
        [VF_PTR_TO_BUF] = "buf",
        [VF_PTR_TO_FUNC] = "func",
    };
    /* One name per (type, flags) pair, built once: callers keep the
     * pointer while formatting a message. */
    static __thread char names[VF_TYPE_MAX][32][48];
    const char *b;
    char *out;
    uint8_t f;

    if (!r || r->type >= VF_TYPE_MAX)
        return "?";
    b = base[r->type];
    f = r->flags & 0x1f;
    if (!f)
        return b;
    out = names[r->type][f];
    if (!out[0]) /* reg_type_str: prefixes for the memory flags, a suffix for null */
        snprintf(out, sizeof(names[0][0]), "%s%s%s%s%s", f & VF_RDONLY ? "rdonly_" : "",
                 f & VF_RINGBUF ? "ringbuf_" : "", f & VF_UNTRUSTED ? "untrusted_" : "", b,
                 !(f & VF_MAYBE_NULL)            ? ""
                 : r->type == VF_PTR_TO_BTF_ID ? "or_null_"
                                                 : "_or_null");
    return out;
}

struct sbuf {
    char *s;
    size_t size, len;
};

static void sput(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sput(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->len + 1 >= b->size)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->s + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len = b->len + (size_t)n < b->size ? b->len + (size_t)n : b->size - 1;
}

/* verbose_snum / verbose_unum: decimal for numbers a person reads as
 * numbers (|n| within 16 bits signed), hex for the rest. */
static void put_snum(struct sbuf *b, int64_t v)
{
    if (v >= -32768 && v <= 32767)
        sput(b, "%" PRId64, v);
    else
        sput(b, "%#" PRIx64, (uint64_t)v);
}

static void put_unum(struct sbuf *b, uint64_t v)
{
    if (v <= 32767)
        sput(b, "%" PRIu64, v);
    else
        sput(b, "%#" PRIx64, v);
}

/* print_scalar_ranges: equal bounds are printed once, "smin=smin32=0";
 * unbounded ones not at all.  A 32-bit signed bound printed in hex is the
 * 32-bit pattern, not its sign extension. */
static void put_ranges(struct sbuf *b, const struct vf_reg *r, const char **sep)
{
    struct {
        const char *name;
        uint64_t val;
        int omit;
    } m[8] = {
        {"smin", (uint64_t)r->smin, r->smin == INT64_MIN},
        {"smax", (uint64_t)r->smax, r->smax == INT64_MAX},
        {"umin", r->umin, r->umin == 0},
        {"umax", r->umax, r->umax == UINT64_MAX},
        {"smin32", r->s32_min >= -32768 && r->s32_min <= 32767 ? (uint64_t)(int64_t)r->s32_min : (uint32_t)r->s32_min,
         r->s32_min == INT32_MIN},
        {"smax32", r->s32_max >= -32768 && r->s32_max <= 32767 ? (uint64_t)(int64_t)r->s32_max : (uint32_t)r->s32_max,
         r->s32_max == INT32_MAX},
        {"umin32", r->u32_min, r->u32_min == 0},
        {"umax32", r->u32_max, r->u32_max == UINT32_MAX},
    };
    int i, j;

    for (i = 0; i < 8; i++) {
        int neg1;
        if (m[i].omit)
            continue;
        neg1 = m[i].name[0] == 's' && (int64_t)m[i].val < 0;
        sput(b, "%s%s=", *sep, m[i].name);
        *sep = ",";
        for (j = i + 2; j < 8; j += 2) {
            int neg2;
            if (m[j].omit || m[j].val != m[i].val)
                continue;
            neg2 = m[j].name[0] == 's' && (int64_t)m[j].val < 0;
            if (neg2 != neg1) /* don't mix negatives with positives */
                continue;
            m[j].omit = 1;
            sput(b, "%s=", m[j].name);
        }
        if (m[i].name[0] == 's')
            put_snum(b, (int64_t)m[i].val);
        else
            put_unum(b, m[i].val);
    }
}

static int is_map_ptr_type(uint8_t t)
{
    return t == VF_CONST_PTR_TO_MAP || t == VF_PTR_TO_MAP_VALUE || t == VF_PTR_TO_MAP_KEY;
}

/* print_reg_state */
static void put_reg(struct sbuf *b, const struct vf_reg *r, uint32_t frameno)
{
    const char *sep = "";
    uint8_t t = r->type;
    int const_off = !r->var_off.mask;

    if (t == VF_SCALAR && r->precise)
        sput(b, "P");
    if (t == VF_SCALAR && const_off) {
        put_snum(b, (int64_t)r->var_off.value);
        return;
    }
    sput(b, "%s", vf_type_name(r));
    if (t == VF_PTR_TO_STACK) {
        if (r->frameno != frameno)
            sput(b, "[%u]", r->frameno);
        if (const_off) {
            put_snum(b, (int64_t)(r->var_off.value + (uint64_t)(int64_t)r->off));
            return;
        }
    }
    sput(b, "(");
#define A(...) (sput(b, "%s", sep), sput(b, __VA_ARGS__), sep = ",")
    if (r->id && r->link)
        A("id=%u%+d", r->id, r->link_off);
    else if (r->id)
        A("id=%u", r->id);
    if (r->ref_obj_id)
        A("ref_obj_id=%u", r->ref_obj_id);
    if (is_map_ptr_type(t) && r->map) {
        if (r->map->name[0])
            A("map=%s", r->map->name);
        A("ks=%u,vs=%u", r->map->key_size, r->map->value_size);
    }
    if (t != VF_SCALAR && r->off) {
        A("off=");
        put_snum(b, r->off);
    }
    if (t == VF_PTR_TO_PACKET || t == VF_PTR_TO_PACKET_META) {
        A("r=");
        put_unum(b, r->range);
    }
    if (t == VF_PTR_TO_MEM) {
        A("sz=");
        put_unum(b, r->mem_size);
    }
    if (const_off) {
        if (r->var_off.value) { /* a pointer with a known variable part */
            A("imm=");
            put_snum(b, (int64_t)r->var_off.value);
        }
    } else {
        put_ranges(b, r, &sep);
        if (r->var_off.mask != UINT64_MAX)
            A("var_off=(0x%" PRIx64 "; 0x%" PRIx64 ")", r->var_off.value, r->var_off.mask);
    }
#undef A
    sput(b, ")");
}

void vf_reg_str(char *buf, size_t size, const struct vf_reg *r, uint32_t frameno)
{
    struct sbuf b = {buf, size, 0};

    if (!buf || !size)
        return;
    buf[0] = 0;
    if (r)
        put_reg(&b, r, frameno);
}

static const char slot_char[4] = {[VF_STACK_INVALID] = '?', [VF_STACK_SPILL] = 'r', [VF_STACK_MISC] = 'm',
                                  [VF_STACK_ZERO] = '0'};

void vf_log_state_ex(struct vf_env *env, const struct vf_state *st, uint32_t frameno, int print_all)
{
    /* One log message per register or slot, as the kernel's verbose()
     * calls: a message is at most 1023 bytes. */
    char line[VF_LOG_MSG_MAX];
    struct sbuf b = {line, sizeof(line), 0};
    const struct vf_frame *f;
    uint32_t i, nslots;

    if (!env || !env->log_level || !st || frameno >= VF_MAX_FRAMES || !(f = st->frame[frameno]))
        return;
    if (f->frameno)
        vf_log(env, " frame%u:", f->frameno);
    for (i = 0; i < VF_MAX_REG; i++) {
        const struct vf_reg *r = &f->regs[i];
        if (r->type == VF_NOT_INIT)
            continue;
        if (!print_all && !(env->scratched_regs & (1u << i)))
            continue;
        b.len = 0;
        line[0] = 0;
        sput(&b, " R%u=", i);
        put_reg(&b, r, f->frameno);
        vf_log(env, "%s", line);
    }
    nslots = f->allocated / 8;
    if (nslots > VF_SLOTS)
        nslots = VF_SLOTS;
    for (i = 0; i < nslots; i++) {
        const struct vf_slot *s = &f->slots[i];
        char types[9];
        int valid = 0, j;

        if (!print_all && !(env->scratched_slots & (1ull << i)))
            continue;
        /* The kernel prints a slot's bytes from the highest address down;
         * type[0] is the lowest address here. */
        for (j = 0; j < 8; j++) {
            uint8_t ty = s->type[7 - j];
            if (ty != VF_STACK_INVALID)
                valid = 1;
            types[j] = ty < 4 ? slot_char[ty] : '?';
        }
        types[8] = 0;
        if (!valid)
            continue;
        b.len = 0;
        line[0] = 0;
        if (s->type[0] == VF_STACK_SPILL) {
            /* a spilled register: the bytes above a narrower spill, then
             * the register */
            for (j = 0; j < 8 && types[j] != 'r'; j++)
                ;
            types[j] = 0;
            sput(&b, " fp%d=%s", -(int)(i + 1) * 8, types);
            put_reg(&b, &s->spilled, f->frameno);
        } else {
            sput(&b, " fp%d=%s", -(int)(i + 1) * 8, types);
        }
        vf_log(env, "%s", line);
    }
    if (st->nrefs && st->refs[0].id) {
        vf_log(env, " refs=%u", st->refs[0].id);
        for (i = 1; i < st->nrefs && i < VF_MAX_REFS; i++)
            if (st->refs[i].id)
                vf_log(env, ",%u", st->refs[i].id);
    }
    if (f->in_callback)
        vf_log(env, " cb");
    if (f->in_async_callback)
        vf_log(env, " async_cb");
    vf_log(env, "\n");
    /* mark_verifier_state_clean */
    env->scratched_regs = 0;
    env->scratched_slots = 0;
}

void vf_log_state(struct vf_env *env, const struct vf_state *st, uint32_t frameno)
{
    vf_log_state_ex(env, st, frameno, 1);
}

/* vlog_alignment: the state after an instruction starts at a column that
 * is a multiple of 8, at least 40 (BPF_LOG_ALIGNMENT), and at least 4
 * columns past the instruction. */
static uint32_t state_alignment(uint32_t pos)
{
    uint32_t a = pos + 4 > 40 ? pos + 4 : 40;
    return ((a + 7) & ~7u) - pos - 1;
}

void vf_log_insn_state(struct vf_env *env, const struct vf_state *st)
{
    if (!env || !(env->log_level & (VF_LOG_LEVEL1 | VF_LOG_LEVEL2)) || !st)
        return;
    if (env->prev_log_pos && env->prev_log_pos == env->log_end_pos) {
        vf_log_reset(env, env->prev_log_pos - 1); /* the instruction line's \n */
        vf_log(env, "%*c;", (int)state_alignment(env->prev_insn_print_pos), ' ');
    } else {
        vf_log(env, "%u:", env->insn_idx);
    }
    vf_log_state_ex(env, st, st->curframe, 0);
}

void vf_scratch_insn(struct vf_env *env, const struct bpf_insn *in)
{
    uint8_t cls = ISA_CLASS(in->code);

    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
        vf_scratch_reg(env, in->dst_reg);
        if (ISA_SRC(in->code) == BPF_X && ISA_OP(in->code) != BPF_END && ISA_OP(in->code) != BPF_NEG)
            vf_scratch_reg(env, in->src_reg);
        break;
    case BPF_LDX:
    case BPF_STX:
        vf_scratch_reg(env, in->dst_reg);
        vf_scratch_reg(env, in->src_reg);
        if (cls == BPF_STX && ISA_MODE(in->code) == BPF_ATOMIC && in->imm == BPF_CMPXCHG)
            vf_scratch_reg(env, 0);
        break;
    case BPF_ST: vf_scratch_reg(env, in->dst_reg); break;
    case BPF_LD:
        if (ISA_MODE(in->code) == BPF_IMM)
            vf_scratch_reg(env, in->dst_reg);
        else {
            vf_scratch_reg(env, 0);
            vf_scratch_reg(env, 6); /* LD_ABS reads the context from r6 */
            if (ISA_MODE(in->code) == BPF_IND)
                vf_scratch_reg(env, in->src_reg);
        }
        break;
    default: /* jumps */
        if (ISA_OP(in->code) == BPF_CALL) {
            uint32_t r;
            for (r = 0; r <= 5; r++)
                vf_scratch_reg(env, r);
        } else if (ISA_OP(in->code) != BPF_JA && ISA_OP(in->code) != BPF_EXIT && ISA_OP(in->code) != 0xe0) {
            vf_scratch_reg(env, in->dst_reg);
            if (ISA_SRC(in->code) == BPF_X)
                vf_scratch_reg(env, in->src_reg);
        }
        break;
    }
}

/* ---- statistics (print_verification_stats) ---- */

void vf_log_stats(struct vf_env *env, uint64_t time_ns)
{
    uint32_t i;

    if (!env || !env->log_level)
        return;
    if (env->log_level & VF_LOG_STATS) {
        vf_log(env, "verification time %" PRIu64 " usec\n", time_ns / 1000);
        vf_log(env, "stack depth ");
        for (i = 0; i < env->nsub; i++)
            vf_log(env, "%u%s", env->sub[i].stack_depth, i + 1 < env->nsub ? "+" : "");
        vf_log(env, "\n");
    }
    vf_log(env,
           "processed %" PRIu64 " insns (limit %d) max_states_per_insn %" PRIu64 " total_states %" PRIu64
           " peak_states %" PRIu64 " mark_read %" PRIu64 "\n",
           env->insn_processed, VF_COMPLEXITY_LIMIT_INSNS, env->max_states_per_insn, env->total_states,
           env->peak_states, env->mark_read);
}
