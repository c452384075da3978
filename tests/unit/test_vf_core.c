/* test_vf_core.c - the verifier's core rules (src/verifier/check.c's walk
 * and the files it calls: alu.c, mem.c, jmp.c, calls.c, refs.c, prune.c,
 * precision.c), one small program per rule, each beside the running
 * kernel's verdict on the same instructions.
 *
 * Every test asserts bpfrt's verdict (for a rejection: the errno and a
 * substring of the reason) and names the kernel function whose rule it
 * matches.  The same program is then loaded into the running kernel
 * (BPF_PROG_LOAD as root, the maps created in the kernel with the same
 * attributes, LD_IMM64 map slots patched to their fds) and the kernel's
 * verdict, errno and log are held to the same expectation, so a test
 * that passes shows bpfrt and the kernel agree.  Where bpf() is not
 * available the kernel half is skipped with a warning and the expectation
 * (the kernel's verdict as measured on 6.18, written in each test) is
 * checked against bpfrt alone.  Unprivileged programs (opts.unpriv) are
 * not loaded into the kernel here: that needs an unprivileged process
 * and kernel.unprivileged_bpf_disabled = 0, which the test_verifier
 * runner (tests/verifier/tv_runner.c) arranges; each unprivileged test
 * has the shape of a test_verifier case, named in it, whose unprivileged
 * verdict that runner compares with the kernel.
 *
 * Suites by concern: vf_mem (packet, map value, stack, context accesses:
 * mem.c and jmp.c's packet ranges), vf_jmp (conditional jumps and the
 * control flow: jmp.c, cfg.c), vf_alu (arithmetic and pointer arithmetic:
 * alu.c), vf_calls (helper arguments, callbacks, bpf-to-bpf calls, return
 * codes: calls.c), vf_refs (references and spin locks: refs.c), vf_prune
 * (state pruning, liveness and precision: prune.c, liveness.c,
 * precision.c). */
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "insns.h"
#include "maps/map.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define EXIT INSN_EXIT()
#define EXIT0 INSN_MOV64_IMM(BPF_REG_0, 0), INSN_EXIT()
#define CALL(id) INSN_CALL(id)
/* LD_IMM64 of map SLOT (patched to the map's id or fd before loading) */
#define LDMAP(r, slot) INSN_LDIMM64_RAW(r, BPF_PSEUDO_MAP_FD, slot, 0)
#define LDMAPVAL(r, slot, off) INSN_LDIMM64_RAW(r, BPF_PSEUDO_MAP_VALUE, slot, off)
/* r0 = a value of map SLOT at key 0, or exit with 0 (the null check
 * every lookup needs: the key is stored at fp-4) */
#define LOOKUP(slot)                                                                                                   \
    INSN_ST_IMM(BPF_W, BPF_REG_10, -4, 0), LDMAP(BPF_REG_1, slot), INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),             \
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -4), CALL(BPF_FUNC_map_lookup_elem), INSN_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 1), \
        INSN_EXIT()

/* ---- the maps -------------------------------------------------------------- */

enum {
    M_ARRAY,  /* array, 48-byte values, 1 entry */
    M_HASH,   /* hash, 4-byte keys, 48-byte values: lookups may miss */
    M_RO,     /* array of one u64 = 7, BPF_F_RDONLY_PROG, frozen */
    M_RO_NF,  /* the same, not frozen */
    M_LOCK,   /* array of struct { struct bpf_spin_lock l; int cnt; } (BTF) */
    M_RINGBUF,
    M_PROGS, /* program array, 4 slots */
    NM
};
static const struct {
    enum bpf_map_type type;
    uint32_t key, value, max, flags;
} mdefs[NM] = {
    [M_ARRAY] = {BPF_MAP_TYPE_ARRAY, 4, 48, 1, 0},
    [M_HASH] = {BPF_MAP_TYPE_HASH, 4, 48, 16, 0},
    [M_RO] = {BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_RDONLY_PROG},
    [M_RO_NF] = {BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_RDONLY_PROG},
    [M_LOCK] = {BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0},
    [M_RINGBUF] = {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0},
    [M_PROGS] = {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0},
};

/* One BTF for the maps and the programs:
 *   [1] int
 *   [2] struct bpf_spin_lock { int val; }
 *   [3] struct val { struct bpf_spin_lock l; int cnt; }     (M_LOCK's value)
 *   [4] int (void)
 *   [5] static int f(void)   (every subprogram's func_info) */
static const char btf_strs[] = "\0int\0bpf_spin_lock\0val\0l\0cnt\0f";
#define S_INT 1
#define S_LOCK 5
#define S_VALSTRUCT 19
#define S_L 23
#define S_CNT 25
#define S_F 29
static const uint32_t btf_types[] = {
    S_INT, BTF_KIND_INT << 24, 4, (1u << 24) | 32,
    S_LOCK, (BTF_KIND_STRUCT << 24) | 1, 4, S_VALSTRUCT /* "val" */, 1, 0,
    S_VALSTRUCT, (BTF_KIND_STRUCT << 24) | 2, 8, S_L, 2, 0, S_CNT, 1, 32,
    0, BTF_KIND_FUNC_PROTO << 24, 1,
    S_F, BTF_KIND_FUNC << 24, 4,
    S_F, (BTF_KIND_FUNC << 24) | BTF_FUNC_GLOBAL, 4,
};
#define T_FUNC 5
#define T_GFUNC 6 /* the same signature, global: verified alone */

static size_t build_btf(uint8_t *out)
{
    struct btf_header h = {.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h)};

    h.type_len = sizeof(btf_types);
    h.str_off = sizeof(btf_types);
    h.str_len = sizeof(btf_strs);
    memcpy(out, &h, sizeof(h));
    memcpy(out + sizeof(h), btf_types, sizeof(btf_types));
    memcpy(out + sizeof(h) + sizeof(btf_types), btf_strs, sizeof(btf_strs));
    return sizeof(h) + sizeof(btf_types) + sizeof(btf_strs);
}

/* ---- one case -------------------------------------------------------------- */

struct vc {
    enum bpf_prog_type type; /* 0: socket filter */
    enum bpf_attach_type eat;
    uint32_t flags; /* prog_flags */
    int unpriv;
    int subs[8];    /* with BTF func_info: the first insn of each subprogram after the main one, 0 ends */
    unsigned globals; /* bit i: subs[i] is a global function (int f(void)) */
    int btf;        /* give BTF func_info (needed by callbacks: BPF_PSEUDO_FUNC) */
    int err;        /* the verdict: 0 accepted, else the negative errno */
    const char *msg;  /* a substring of bpfrt's reason (and of the kernel's log, unless kmsg) */
    const char *kmsg; /* the kernel's wording where bpfrt's differs */
    uint64_t max_processed; /* when not 0: bpfrt processes at most this many insns */
    uint64_t *processed;    /* optional out: bpfrt's processed_insns */
    int knolog;             /* ask the kernel without a log (its errno alone is compared): for the
                               programs whose million-instruction walk a log would slow down */
};

#define MAXI 96

static void patch(struct bpf_insn *p, size_t cnt, const int *ids)
{
    for (size_t i = 0; i + 1 < cnt; i++)
        if (p[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
            (p[i].src_reg == BPF_PSEUDO_MAP_FD || p[i].src_reg == BPF_PSEUDO_MAP_VALUE)) {
            cr_assert(p[i].imm >= 0 && p[i].imm < NM, "map slot %d", p[i].imm);
            p[i].imm = ids[p[i].imm];
            i++;
        }
}

static uint32_t nfunc_info(const struct vc *c, struct bpf_func_info *fi)
{
    uint32_t n = 0;

    fi[n++] = (struct bpf_func_info){0, T_FUNC};
    for (int i = 0; i < 8 && c->subs[i]; i++)
        fi[n++] = (struct bpf_func_info){(uint32_t)c->subs[i], (c->globals >> i) & 1 ? T_GFUNC : T_FUNC};
    return n;
}

static const uint64_t ro_value = 7;

static int bpfrt_side(const struct bpf_insn *in, size_t cnt, const struct vc *c, struct bpfrt_diag *d,
                      struct bpfrt_verify_stats *st)
{
    struct bpfrt_map *m[NM] = {0};
    int ids[NM];
    struct bpf_insn p[MAXI];
    uint8_t btf[512];
    struct bpf_func_info fi[9];
    uint32_t k0 = 0;
    int err;
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = c->type ? c->type : BPF_PROG_TYPE_SOCKET_FILTER,
               .expected_attach_type = c->eat, .license = "GPL", .unpriv = c->unpriv, .prog_flags = c->flags,
               .diag = d, .stats = st);

    cr_assert(cnt <= MAXI);
    for (int i = 0; i < NM; i++) {
        struct map_attr a = {.type = mdefs[i].type,
                             .key_size = mdefs[i].key,
                             .value_size = mdefs[i].value,
                             .max_entries = mdefs[i].max,
                             .map_flags = mdefs[i].flags,
                             .nr_workers = bpfrt_nr_workers()};
        char log[200] = "";

        if (i == M_LOCK)
            a.spin_lock_at = 1; /* the bpf_spin_lock at offset 0 */
        cr_assert_eq(map_create(&a, "vf_core", log, sizeof(log), &m[i]), 0, "bpfrt map %d: %s", i, log);
        ids[i] = (int)bpfrt_map__id(m[i]);
    }
    cr_assert_eq(bpfrt_map__update_elem(m[M_RO], &k0, 4, &ro_value, 8, 0), 0);
    cr_assert_eq(bpfrt_map__update_elem(m[M_RO_NF], &k0, 4, &ro_value, 8, 0), 0);
    cr_assert_eq(bpfrt_map__freeze(m[M_RO]), 0);
    memcpy(p, in, cnt * sizeof(p[0]));
    patch(p, cnt, ids);
    memset(d, 0, sizeof(*d));
    d->sz = sizeof(*d);
    if (c->btf) {
        o.btf = btf;
        o.btf_size = build_btf(btf);
        o.func_info = fi;
        o.func_info_rec_size = sizeof(fi[0]);
        o.func_info_cnt = nfunc_info(c, fi);
    }
    err = bpfrt_prog__verify_insns(p, cnt, &o);
    for (int i = 0; i < NM; i++)
        bpfrt_map__free(m[i]);
    return err;
}

/* The kernel's verdict (0 or -errno) with its log in klog; 1 when the
 * kernel cannot be asked (why in klog). */
static int kernel_side(const struct bpf_insn *in, size_t cnt, const struct vc *c, char *klog, size_t ksz)
{
    int fds[NM], btf_fd, fd, err;
    struct bpf_insn p[MAXI];
    uint8_t btf[512];
    struct bpf_func_info fi[9];
    uint32_t k0 = 0;
    size_t bsz = build_btf(btf);
    LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = c->eat, .prog_flags = c->flags, .log_buf = klog,
                .log_size = (uint32_t)ksz, .log_level = 1);

    for (int i = 0; i < NM; i++)
        fds[i] = -1;
    btf_fd = bpf_btf_load(btf, bsz, NULL);
    if (btf_fd < 0) {
        snprintf(klog, ksz, "bpf(BPF_BTF_LOAD): %s", strerror(errno));
        return 1;
    }
    for (int i = 0; i < NM; i++) {
        LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = mdefs[i].flags);
        if (i == M_LOCK) {
            mo.btf_fd = btf_fd;
            mo.btf_key_type_id = 1;
            mo.btf_value_type_id = 3;
        }
        fds[i] = bpf_map_create(mdefs[i].type, "vf_core", mdefs[i].key, mdefs[i].value, mdefs[i].max, &mo);
        if (fds[i] < 0) {
            snprintf(klog, ksz, "bpf(BPF_MAP_CREATE) of map %d: %s", i, strerror(errno));
            err = 1;
            goto out;
        }
    }
    if (bpf_map_update_elem(fds[M_RO], &k0, &ro_value, 0) || bpf_map_update_elem(fds[M_RO_NF], &k0, &ro_value, 0) ||
        bpf_map_freeze(fds[M_RO])) {
        snprintf(klog, ksz, "preparing the read-only maps: %s", strerror(errno));
        err = 1;
        goto out;
    }
    memcpy(p, in, cnt * sizeof(p[0]));
    patch(p, cnt, fds);
    if (c->btf) {
        o.prog_btf_fd = btf_fd;
        o.func_info = fi;
        o.func_info_rec_size = sizeof(fi[0]);
        o.func_info_cnt = nfunc_info(c, fi);
    }
    klog[0] = 0;
    if (c->knolog) {
        o.log_buf = NULL;
        o.log_size = 0;
        o.log_level = 0;
    }
    fd = bpf_prog_load(c->type ? c->type : BPF_PROG_TYPE_SOCKET_FILTER, "vf_core", "GPL", p, cnt, &o);
    err = fd >= 0 ? 0 : -errno;
    if (err == -ENOSPC) {
        /* the log (not the program) overflowed: the rotating log kept its
         * tail, where the reason is; the verdict comes without a log */
        o.log_buf = NULL;
        o.log_size = 0;
        o.log_level = 0;
        fd = bpf_prog_load(c->type ? c->type : BPF_PROG_TYPE_SOCKET_FILTER, "vf_core", "GPL", p, cnt, &o);
        err = fd >= 0 ? 0 : -errno;
    }
    if (fd >= 0)
        close(fd);
out:
    for (int i = 0; i < NM; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    close(btf_fd);
    return err;
}

/* The last line of a kernel log that is not a statistic. */
static const char *klast(const char *log, char *out, size_t outsz)
{
    const char *p = log, *best = "";
    int blen = 0;

    while (*p) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        if (len && strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17) &&
            strncmp(p, "stack depth", 11))
            best = p, blen = len;
        p += len + (nl ? 1 : 0);
    }
    snprintf(out, outsz, "%.*s", blen, best);
    return out;
}

static void check(const struct bpf_insn *p, size_t cnt, struct vc c)
{
    static char klog[1 << 16];
    struct bpfrt_diag d;
    struct bpfrt_verify_stats st = {0};
    char last[512];
    int err = bpfrt_side(p, cnt, &c, &d, &st), kerr;
    const char *kmsg = c.kmsg ? c.kmsg : c.msg;

    if (c.err == 0)
        cr_expect_eq(err, 0, "bpfrt rejects (%d, insn %ld: %s); expected: accepted", err, d.insn, d.message);
    else {
        cr_expect_eq(err, c.err, "bpfrt: %d (insn %ld: %s); expected %d (%s)", err, d.insn, d.message, c.err,
                     c.msg);
        if (c.msg)
            cr_expect(strstr(d.message, c.msg) != NULL, "bpfrt's reason \"%s\", expected \"%s\"", d.message, c.msg);
    }
    if (c.max_processed)
        cr_log_info("processed insns: bpfrt %llu (bound %llu)", (unsigned long long)st.processed_insns,
                    (unsigned long long)c.max_processed);
    if (c.max_processed)
        cr_expect_leq(st.processed_insns, c.max_processed, "bpfrt processed %llu insns, bound %llu",
                      (unsigned long long)st.processed_insns, (unsigned long long)c.max_processed);
    if (c.processed)
        *c.processed = st.processed_insns;
    if (c.unpriv)
        return; /* the kernel's unprivileged verdict: see the header */
    kerr = kernel_side(p, cnt, &c, klog, sizeof(klog));
    if (kerr == 1) {
        cr_log_warn("the kernel was not asked (%s): bpfrt's verdict checked against the recorded one", klog);
        return;
    }
    cr_expect_eq(kerr, c.err, "the running kernel: %d (%s); expected %d", kerr, klast(klog, last, sizeof(last)),
                 c.err);
    if (c.err && kmsg && !c.knolog)
        cr_expect(strstr(klog, kmsg) != NULL, "the kernel's log lacks \"%s\": %s", kmsg,
                  klast(klog, last, sizeof(last)));
    if (c.max_processed) {
        /* pruning follows the kernel's checkpoint heuristics
         * (is_state_visited adds a state after 2 jumps and 8 insns), so
         * the kernel's count is bpfrt's */
        const char *k = strstr(klog, "processed ");
        cr_expect(k != NULL, "no statistics in the kernel's log");
        if (k)
            cr_expect_eq(strtoull(k + 10, NULL, 10), st.processed_insns, "processed insns: the kernel %llu, bpfrt %llu",
                         strtoull(k + 10, NULL, 10), (unsigned long long)st.processed_insns);
    }
}

#define CHECK(prog, ...) check(prog, N(prog), (struct vc){__VA_ARGS__})
#define ACCEPT(prog, ...) CHECK(prog, .err = 0, ##__VA_ARGS__)

/* Registers by name, for reading. */
#define R0 BPF_REG_0
#define R1 BPF_REG_1
#define R2 BPF_REG_2
#define R3 BPF_REG_3
#define R4 BPF_REG_4
#define R5 BPF_REG_5
#define R6 BPF_REG_6
#define R7 BPF_REG_7
#define R8 BPF_REG_8
#define R9 BPF_REG_9
#define R10 BPF_REG_10
#define XDP BPF_PROG_TYPE_XDP
#define TC BPF_PROG_TYPE_SCHED_CLS
/* socket filter: r6 = skb->len (an unknown u32) */
#define SKB_LEN(r) INSN_LDX(BPF_W, r, R1, 0)

/* ======================= vf_mem: packet accesses ============================ */

/* XDP: r2 = data, r3 = data_end, r4 = data + 8, then the comparison
 * OP between r4 and r3 (r4 on the left when pkt_left), and a 1-byte load
 * at data + OFF on the side of the jump where the comparison proves
 * data + 8 (<= or <) data_end: the fall-through when taken_safe is 0. */
static size_t pkt_form(struct bpf_insn *p, uint8_t op, int pkt_left, int taken_safe, int16_t off)
{
    size_t n = 0;

    p[n++] = (struct bpf_insn)INSN_LDX(BPF_W, R2, R1, 0);
    p[n++] = (struct bpf_insn)INSN_LDX(BPF_W, R3, R1, 4);
    p[n++] = (struct bpf_insn)INSN_MOV64_REG(R4, R2);
    p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, R4, 8);
    p[n++] = pkt_left ? (struct bpf_insn)INSN_JMP_REG(op, R4, R3, 1) : (struct bpf_insn)INSN_JMP_REG(op, R3, R4, 1);
    if (taken_safe)
        p[n++] = (struct bpf_insn)INSN_JA(1);
    p[n++] = (struct bpf_insn)INSN_LDX(BPF_B, R0, R2, off);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R0, 0);
    p[n++] = (struct bpf_insn)INSN_EXIT();
    return n;
}

/* find_good_pkt_pointers (called from try_match_pkt_pointers): a
 * comparison of data + 8 with data_end gives data the range 8 when it
 * proves data + 8 <= data_end, and 9 when it proves data + 8 < data_end
 * (range_right_open); the byte at range - 1 is readable, the byte at
 * range is not (check_packet_access: "invalid access to packet"). */
static void pkt_form_range(uint8_t op, int pkt_left, int taken_safe, int range)
{
    struct bpf_insn p[12];
    size_t n = pkt_form(p, op, pkt_left, taken_safe, (int16_t)(range - 1));

    check(p, n, (struct vc){.type = XDP});
    n = pkt_form(p, op, pkt_left, taken_safe, (int16_t)range);
    check(p, n, (struct vc){.type = XDP, .err = -EACCES, .msg = "invalid access to packet"});
}

/* if (data + 8 > data_end) goto out: the fall-through has data + 8 <= end */
Test(vf_mem, pkt_jgt_pkt_left) { pkt_form_range(BPF_JGT, 1, 0, 8); }
/* if (data + 8 >= data_end) goto out: data + 8 < end, range 9 */
Test(vf_mem, pkt_jge_pkt_left) { pkt_form_range(BPF_JGE, 1, 0, 9); }
/* if (data + 8 < data_end) goto ok: range 9 on the taken side */
Test(vf_mem, pkt_jlt_pkt_left) { pkt_form_range(BPF_JLT, 1, 1, 9); }
/* if (data + 8 <= data_end) goto ok: range 8 on the taken side */
Test(vf_mem, pkt_jle_pkt_left) { pkt_form_range(BPF_JLE, 1, 1, 8); }
/* if (data_end > data + 8) goto ok: range 9 */
Test(vf_mem, pkt_jgt_end_left) { pkt_form_range(BPF_JGT, 0, 1, 9); }
/* if (data_end >= data + 8) goto ok: range 8 */
Test(vf_mem, pkt_jge_end_left) { pkt_form_range(BPF_JGE, 0, 1, 8); }
/* if (data_end < data + 8) goto out: the fall-through, range 8 */
Test(vf_mem, pkt_jlt_end_left) { pkt_form_range(BPF_JLT, 0, 0, 8); }
/* if (data_end <= data + 8) goto out: the fall-through, range 9 */
Test(vf_mem, pkt_jle_end_left) { pkt_form_range(BPF_JLE, 0, 0, 9); }

/* No comparison at all: check_packet_access refuses any byte (r=0). */
Test(vf_mem, pkt_unchecked)
{
    const struct bpf_insn p[] = {INSN_LDX(BPF_W, R2, R1, 0), INSN_LDX(BPF_B, R0, R2, 0), EXIT0};
    CHECK(p, .type = XDP, .err = -EACCES, .msg = "invalid access to packet");
}

/* data_meta is proved against data (try_match_pkt_pointers: "pkt_meta' >
 * pkt_data" gives PTR_TO_PACKET_META its range) ... */
Test(vf_mem, pkt_meta_against_data)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, R2, R1, 8), /* data_meta */
        INSN_LDX(BPF_W, R3, R1, 0), /* data */
        INSN_MOV64_REG(R4, R2),       INSN_ALU64_IMM(BPF_ADD, R4, 8), INSN_JMP_REG(BPF_JGT, R4, R3, 1),
        INSN_LDX(BPF_DW, R0, R2, 0),  EXIT0,
    };
    ACCEPT(p, .type = XDP);
}

/* ... and never against data_end: a meta pointer compared with data_end
 * learns nothing (the pair is not one try_match_pkt_pointers matches). */
Test(vf_mem, pkt_meta_against_data_end)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, R2, R1, 8), /* data_meta */
        INSN_LDX(BPF_W, R3, R1, 4), /* data_end */
        INSN_MOV64_REG(R4, R2),       INSN_ALU64_IMM(BPF_ADD, R4, 8), INSN_JMP_REG(BPF_JGT, R4, R3, 1),
        INSN_LDX(BPF_DW, R0, R2, 0),  EXIT0,
    };
    CHECK(p, .type = XDP, .err = -EACCES, .msg = "invalid access to packet");
}

/* Adding a variable to a packet pointer gives it a new id and range 0
 * (adjust_ptr_min_max_vals: "something was added to pkt_ptr, set range to
 * zero"): the range proved before does not carry over. */
Test(vf_mem, pkt_range_lost_after_variable_add)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, R2, R1, 0),   INSN_LDX(BPF_W, R3, R1, 4),
        INSN_MOV64_REG(R4, R2),       INSN_ALU64_IMM(BPF_ADD, R4, 8),
        INSN_JMP_REG(BPF_JGT, R4, R3, 3),
        INSN_LDX(BPF_B, R5, R2, 0), /* 0..255 */
        INSN_ALU64_REG(BPF_ADD, R2, R5),
        INSN_LDX(BPF_B, R0, R2, 0),   EXIT0,
    };
    CHECK(p, .type = XDP, .err = -EACCES, .msg = "invalid access to packet");
}

/* The same pointer proved again after the addition: accepted (the new id
 * gets its range from the second comparison). */
Test(vf_mem, pkt_variable_add_then_checked)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, R2, R1, 0),       INSN_LDX(BPF_W, R3, R1, 4),
        INSN_MOV64_REG(R4, R2),           INSN_ALU64_IMM(BPF_ADD, R4, 1),
        INSN_JMP_REG(BPF_JGT, R4, R3, 6),
        INSN_LDX(BPF_B, R5, R2, 0),
        INSN_ALU64_REG(BPF_ADD, R2, R5),
        INSN_MOV64_REG(R4, R2),           INSN_ALU64_IMM(BPF_ADD, R4, 8),
        INSN_JMP_REG(BPF_JGT, R4, R3, 1), INSN_LDX(BPF_DW, R0, R2, 0),
        EXIT0,
    };
    ACCEPT(p, .type = XDP);
}

/* tc: r2 = skb->data, r3 = skb->data_end, 8 bytes proved; then a 4-byte
 * load at data + OFF. */
#define TC_PKT8(OFF)                                                                                                   \
    INSN_LDX(BPF_W, R2, R1, 76), INSN_LDX(BPF_W, R3, R1, 80), INSN_MOV64_REG(R4, R2), INSN_ALU64_IMM(BPF_ADD, R4, 8),  \
        INSN_JMP_REG(BPF_JGT, R4, R3, 1), INSN_LDX(BPF_W, R0, R2, OFF), EXIT0

/* check_pkt_ptr_alignment: with BPF_F_STRICT_ALIGNMENT a packet access is
 * checked as if the packet started NET_IP_ALIGN (2) bytes into a word,
 * so a 4-byte load at data + 0 is misaligned, at data + 2 aligned ... */
Test(vf_mem, pkt_strict_alignment)
{
    const struct bpf_insn p[] = {TC_PKT8(0)};
    CHECK(p, .type = TC, .flags = BPF_F_STRICT_ALIGNMENT, .err = -EACCES, .msg = "misaligned packet access");
}

Test(vf_mem, pkt_strict_alignment_aligned)
{
    const struct bpf_insn p[] = {TC_PKT8(2)};
    ACCEPT(p, .type = TC, .flags = BPF_F_STRICT_ALIGNMENT);
}

/* ... and without the flag (x86-64 has efficient unaligned access) any
 * offset is fine. */
Test(vf_mem, pkt_unaligned_without_strict)
{
    const struct bpf_insn p[] = {TC_PKT8(1)};
    ACCEPT(p, .type = TC);
}

/* ======================= vf_mem: map values ================================= */

/* check_mem_access on PTR_TO_MAP_VALUE_OR_NULL: a lookup that may miss
 * (a hash map) must be null-checked first. */
Test(vf_mem, map_value_null_check_required)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, R10, -4, 0),   LDMAP(R1, M_HASH), INSN_MOV64_REG(R2, R10), INSN_ALU64_IMM(BPF_ADD, R2, -4),
        CALL(BPF_FUNC_map_lookup_elem), INSN_LDX(BPF_DW, R0, R0, 0), EXIT0,
    };
    CHECK(p, .err = -EACCES, .msg = "R0 invalid mem access 'map_value_or_null'");
}

/* check_map_access: a constant offset inside value_size (48) ... */
Test(vf_mem, map_value_constant_offset_inside)
{
    const struct bpf_insn p[] = {LOOKUP(M_HASH), INSN_LDX(BPF_DW, R0, R0, 40), EXIT0};
    ACCEPT(p);
}

/* ... and one byte past it. */
Test(vf_mem, map_value_constant_offset_past_end)
{
    const struct bpf_insn p[] = {LOOKUP(M_HASH), INSN_LDX(BPF_DW, R0, R0, 41), EXIT0};
    CHECK(p, .err = -EACCES, .msg = "invalid access to map value, value_size=48 off=41 size=8");
}

/* check_mem_region_access with a variable offset: umax (31) + 8 <= 48. */
Test(vf_mem, map_value_variable_offset_bounded)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R6), INSN_ALU64_IMM(BPF_AND, R6, 31), LOOKUP(M_HASH), INSN_ALU64_REG(BPF_ADD, R0, R6),
        INSN_LDX(BPF_DW, R0, R0, 0), EXIT0,
    };
    ACCEPT(p);
}

/* umax 63 + 8 > 48: "R0 max value is outside of the allowed memory range" */
Test(vf_mem, map_value_variable_offset_too_large)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R6), INSN_ALU64_IMM(BPF_AND, R6, 63), LOOKUP(M_HASH), INSN_ALU64_REG(BPF_ADD, R0, R6),
        INSN_LDX(BPF_DW, R0, R0, 0), EXIT0,
    };
    CHECK(p, .err = -EACCES, .msg = "R0 max value is outside of the allowed memory range");
}

/* an unchecked u32: umax >= BPF_MAX_VAR_OFF (check_mem_region_access) */
Test(vf_mem, map_value_variable_offset_unbounded)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R6), LOOKUP(M_HASH), INSN_ALU64_REG(BPF_ADD, R0, R6), INSN_LDX(BPF_B, R0, R0, 0), EXIT0,
    };
    CHECK(p, .err = -EACCES, .msg = "R0 unbounded memory access");
}

/* an index that may be negative: smin -10 (check_mem_region_access) */
Test(vf_mem, map_value_min_negative)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R6),
        INSN_ALU64_IMM(BPF_SUB, R6, 10), /* [-10, 2^32 - 11] */
        INSN_JMP_IMM(BPF_JSGT, R6, 8, 9),  /* to the exit */
        LOOKUP(M_HASH),
        INSN_ALU64_REG(BPF_ADD, R0, R6),
        INSN_LDX(BPF_B, R0, R0, 0),
        EXIT0,
    };
    CHECK(p, .err = -EACCES, .msg = "R0 min value is negative");
}

/* check_map_access: the struct bpf_spin_lock inside a value is not for
 * loads and stores ("bpf_spin_lock cannot be accessed directly by
 * load/store") ... */
Test(vf_mem, map_value_spin_lock_direct_access)
{
    const struct bpf_insn p[] = {LOOKUP(M_LOCK), INSN_LDX(BPF_W, R0, R0, 0), EXIT0};
    CHECK(p, .type = TC, .err = -EACCES, .msg = "bpf_spin_lock cannot be accessed directly by load/store");
}

/* ... the rest of the value is. */
Test(vf_mem, map_value_beside_spin_lock)
{
    const struct bpf_insn p[] = {LOOKUP(M_LOCK), INSN_ST_IMM(BPF_W, R0, 4, 1), EXIT0};
    ACCEPT(p, .type = TC);
}

/* check_map_prog_compatibility: a socket filter may not use a map whose
 * value holds a bpf_spin_lock at all ("socket filter progs cannot use
 * bpf_spin_lock yet", -EINVAL), even without touching the lock.
 * DISAGREES: bpfrt accepts (it applies the rule to the spin lock helpers,
 * not to the map's use); the kernel (6.18) rejects. */
Test(vf_mem, map_with_spin_lock_in_socket_filter)
{
    const struct bpf_insn p[] = {LOOKUP(M_LOCK), INSN_ST_IMM(BPF_W, R0, 4, 1), EXIT0};
    CHECK(p, .err = -EINVAL, .msg = "socket filter progs cannot use bpf_spin_lock yet");
}

/* check_map_access_type: a BPF_F_RDONLY_PROG map's values are not
 * writable by the program ("write into map forbidden"). */
Test(vf_mem, map_value_rdonly_prog_write)
{
    const struct bpf_insn p[] = {LOOKUP(M_RO_NF), INSN_ST_IMM(BPF_W, R0, 0, 1), EXIT0};
    CHECK(p, .err = -EACCES, .msg = "write into map forbidden, value_size=8 off=0 size=4");
}

/* A read of a frozen read-only map at a constant offset is a constant
 * (check_mem_access -> bpf_map_direct_read, as for .rodata): r0 == 7 is
 * known, the fall-through that reads the uninitialised r9 is dead and
 * never walked ... */
#define RO_BRANCH(SLOT)                                                                                                \
    LDMAPVAL(R1, SLOT, 0), INSN_LDX(BPF_DW, R0, R1, 0), INSN_JMP_IMM(BPF_JEQ, R0, 7, 1), INSN_MOV64_REG(R0, R9), EXIT
Test(vf_mem, map_value_frozen_rdonly_is_constant)
{
    const struct bpf_insn p[] = {RO_BRANCH(M_RO)};
    ACCEPT(p);
}

/* ... while the same map not frozen could change: the branch is walked. */
Test(vf_mem, map_value_rdonly_not_frozen_is_unknown)
{
    const struct bpf_insn p[] = {RO_BRANCH(M_RO_NF)};
    CHECK(p, .err = -EACCES, .msg = "R9 !read_ok");
}

/* ======================= vf_mem: the stack ================================== */

/* check_stack_read_fixed_off: reading a slot never written is allowed
 * to a privileged program since the kernel lets CAP_PERFMON read
 * uninitialised stack (env->allow_uninit_stack, 5.19 and up) ... */
Test(vf_mem, stack_uninit_read_privileged)
{
    const struct bpf_insn p[] = {INSN_LDX(BPF_DW, R0, R10, -8), EXIT};
    ACCEPT(p);
}

/* ... and refused to an unprivileged one (test_verifier "unpriv: read
 * uninitialized stack"-style: "invalid read from stack off -8+0 size 8"). */
Test(vf_mem, stack_uninit_read_unprivileged)
{
    const struct bpf_insn p[] = {INSN_LDX(BPF_DW, R0, R10, -8), EXIT};
    CHECK(p, .unpriv = 1, .err = -EACCES, .msg = "invalid read from stack off -8+0 size 8");
}

/* check_ptr_alignment: the stack is always strictly aligned. */
Test(vf_mem, stack_misaligned)
{
    const struct bpf_insn p[] = {INSN_ST_IMM(BPF_DW, R10, -12, 0), EXIT0};
    CHECK(p, .err = -EACCES, .msg = "misaligned stack access");
}

/* check_stack_access_within_bounds: below the 512-byte frame ... */
Test(vf_mem, stack_below_frame)
{
    const struct bpf_insn p[] = {INSN_ST_IMM(BPF_DW, R10, -520, 0), EXIT0};
    CHECK(p, .err = -EACCES, .msg = "invalid write to stack R10 off=-520 size=8");
}

/* ... and at or above the frame pointer. */
Test(vf_mem, stack_above_frame)
{
    const struct bpf_insn p[] = {INSN_ST_IMM(BPF_B, R10, 0, 0), EXIT0};
    CHECK(p, .err = -EACCES, .msg = "invalid write to stack R10 off=0 size=1");
}

/* save_register_state / check_stack_read_fixed_off: a spilled pointer
 * comes back as the same pointer (here the context, then read). */
Test(vf_mem, stack_spill_fill_pointer)
{
    const struct bpf_insn p[] = {
        INSN_STX(BPF_DW, R10, R1, -8), INSN_LDX(BPF_DW, R2, R10, -8), INSN_LDX(BPF_W, R0, R2, 0), EXIT,
    };
    ACCEPT(p);
}

/* A spilled scalar keeps its bounds: r7 in [0, 7] after the fill makes a
 * variable-offset stack write inside the frame. */
Test(vf_mem, stack_spill_fill_scalar_bounds)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R6),
        INSN_ALU64_IMM(BPF_AND, R6, 7),
        INSN_STX(BPF_DW, R10, R6, -24),
        INSN_LDX(BPF_DW, R7, R10, -24),
        INSN_MOV64_REG(R2, R10),
        INSN_ALU64_IMM(BPF_ADD, R2, -16),
        INSN_ALU64_REG(BPF_ADD, R2, R7),
        INSN_ST_IMM(BPF_B, R2, 0, 0),
        EXIT0,
    };
    ACCEPT(p);
}

/* check_stack_read_fixed_off: part of a spilled pointer is refused
 * ("invalid size of register fill") ... */
Test(vf_mem, stack_partial_fill_of_pointer)
{
    const struct bpf_insn p[] = {INSN_STX(BPF_DW, R10, R1, -8), INSN_LDX(BPF_W, R0, R10, -8), EXIT};
    CHECK(p, .err = -EACCES, .msg = "invalid size of register fill");
}

/* ... and a spilled pointer partly overwritten is no pointer any more
 * (check_stack_write_fixed_off marks the slot's bytes misc): using the
 * fill as the context is refused. */
Test(vf_mem, stack_spilled_pointer_overwritten)
{
    const struct bpf_insn p[] = {
        INSN_STX(BPF_DW, R10, R1, -8), INSN_ST_IMM(BPF_B, R10, -8, 0), INSN_LDX(BPF_DW, R2, R10, -8),
        INSN_LDX(BPF_W, R0, R2, 0),    EXIT,
    };
    CHECK(p, .err = -EACCES, .msg = "R2 invalid mem access 'scalar'");
}

/* check_stack_write_var_off / check_stack_access_within_bounds: a
 * variable offset whose maximum leaves the frame is refused, with
 * -EINVAL on 6.18 ...
 * DISAGREES on the errno only: bpfrt rejects with -EACCES (the message
 * is the kernel's). */
Test(vf_mem, stack_variable_offset_out_of_frame)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R6),     INSN_ALU64_IMM(BPF_AND, R6, 0xff), INSN_MOV64_REG(R2, R10), INSN_ALU64_IMM(BPF_ADD, R2, -8),
        INSN_ALU64_REG(BPF_ADD, R2, R6), INSN_ST_IMM(BPF_B, R2, 0, 0), EXIT0,
    };
    CHECK(p, .err = -EINVAL, .msg = "invalid variable-offset write to stack R2");
}

/* ... one inside it is fine, for writes and for reads of written bytes
 * (check_stack_read_var_off). */
Test(vf_mem, stack_variable_offset_write_read)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_DW, R10, -16, 0), INSN_ST_IMM(BPF_DW, R10, -8, 0),  SKB_LEN(R6),
        INSN_ALU64_IMM(BPF_AND, R6, 7),   INSN_MOV64_REG(R2, R10),          INSN_ALU64_IMM(BPF_ADD, R2, -16),
        INSN_ALU64_REG(BPF_ADD, R2, R6),  INSN_ST_IMM(BPF_B, R2, 0, 1),     INSN_LDX(BPF_B, R0, R2, 0),
        EXIT,
    };
    ACCEPT(p);
}

/* Unprivileged programs may not use a variable stack offset at all
 * (check_stack_access_within_bounds' caller, !env->bypass_spec_v1:
 * "variable offset stack access prohibited for !root"; test_verifier
 * "variable-offset stack write, unpriv"). */
Test(vf_mem, stack_variable_offset_unprivileged)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R6),     INSN_ALU64_IMM(BPF_AND, R6, 7), INSN_MOV64_REG(R2, R10), INSN_ALU64_IMM(BPF_ADD, R2, -16),
        INSN_ALU64_REG(BPF_ADD, R2, R6), INSN_ST_IMM(BPF_B, R2, 0, 0), EXIT0,
    };
    CHECK(p, .unpriv = 1, .err = -EACCES, .msg = "prohibited for !root");
}

/* check_ptr_off_reg / check_ctx_access: the context is read only through
 * the pointer the program got ("dereference of modified ctx ptr"). */
Test(vf_mem, ctx_modified_pointer)
{
    const struct bpf_insn p[] = {INSN_ALU64_IMM(BPF_ADD, R1, 4), INSN_LDX(BPF_W, R0, R1, 0), EXIT};
    CHECK(p, .err = -EACCES, .msg = "dereference of modified ctx ptr R1 off=4 disallowed");
}

/* ======================= vf_alu: arithmetic and pointer arithmetic ========= */

/* adjust_reg_min_max_vals: two pointers combine only by subtraction. */
Test(vf_alu, pointer_and_pointer)
{
    const struct bpf_insn p[] = {INSN_ALU64_REG(BPF_AND, R1, R10), EXIT0};
    CHECK(p, .err = -EACCES, .msg = "R1 pointer &= pointer prohibited");
}

/* adjust_ptr_min_max_vals: no bitwise operation on a pointer. */
Test(vf_alu, pointer_bitwise)
{
    const struct bpf_insn p[] = {INSN_ALU64_IMM(BPF_AND, R1, 1), EXIT0};
    CHECK(p, .err = -EACCES, .msg = "R1 bitwise operator &= on pointer prohibited");
}

/* adjust_ptr_min_max_vals: pointer arithmetic is 64-bit only. */
Test(vf_alu, pointer_arithmetic_32bit)
{
    const struct bpf_insn p[] = {INSN_ALU32_IMM(BPF_ADD, R1, 4), EXIT0};
    CHECK(p, .err = -EACCES, .msg = "R1 32-bit pointer arithmetic prohibited");
}

/* adjust_ptr_min_max_vals: scalar - pointer ("tried to subtract pointer
 * from scalar"), here the stack pointer. */
Test(vf_alu, scalar_minus_stack_pointer)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(R0, 1), INSN_ALU64_REG(BPF_SUB, R0, R10), EXIT};
    CHECK(p, .err = -EACCES, .msg = "R0 tried to subtract pointer from scalar");
}

/* pointer - pointer gives an unknown scalar to a privileged program
 * (env->allow_ptr_leaks) ... */
Test(vf_alu, pointer_minus_pointer_privileged)
{
    const struct bpf_insn p[] = {INSN_MOV64_REG(R0, R10), INSN_ALU64_REG(BPF_SUB, R0, R1), EXIT};
    ACCEPT(p);
}

/* ... and is refused to an unprivileged one (test_verifier "unpriv:
 * pointer subtraction"-style). */
Test(vf_alu, pointer_minus_pointer_unprivileged)
{
    const struct bpf_insn p[] = {INSN_MOV64_REG(R0, R10), INSN_ALU64_REG(BPF_SUB, R0, R1), EXIT};
    CHECK(p, .unpriv = 1, .err = -EACCES, .msg = "R0 pointer -= pointer prohibited");
}

/* adjust_ptr_min_max_vals: a map pointer (CONST_PTR_TO_MAP) takes no
 * arithmetic ... */
Test(vf_alu, map_pointer_arithmetic)
{
    const struct bpf_insn p[] = {LDMAP(R1, M_ARRAY), INSN_ALU64_IMM(BPF_ADD, R1, 8), EXIT0};
    CHECK(p, .err = -EACCES, .msg = "R1 pointer arithmetic on map_ptr prohibited");
}

/* ... nor does a pointer that may be null. */
Test(vf_alu, maybe_null_pointer_arithmetic)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, R10, -4, 0),   LDMAP(R1, M_HASH),           INSN_MOV64_REG(R2, R10),
        INSN_ALU64_IMM(BPF_ADD, R2, -4), CALL(BPF_FUNC_map_lookup_elem), INSN_ALU64_IMM(BPF_ADD, R0, 8),
        EXIT0,
    };
    CHECK(p, .err = -EACCES, .msg = "R0 pointer arithmetic on map_value_or_null prohibited");
}

/* check_alu_op / check_reg_arg: r10 is read only ... */
Test(vf_alu, frame_pointer_write)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(R10, 0), EXIT0};
    CHECK(p, .err = -EACCES, .msg = "frame pointer is read only");
}

/* ... a register never written cannot be read (check_reg_arg: "!read_ok")
 * ... */
Test(vf_alu, uninitialised_register)
{
    const struct bpf_insn p[] = {INSN_MOV64_REG(R0, R5), EXIT};
    CHECK(p, .err = -EACCES, .msg = "R5 !read_ok");
}

/* ... r0 included, at exit (check_return_code). */
Test(vf_alu, exit_without_r0)
{
    const struct bpf_insn p[] = {EXIT};
    CHECK(p, .err = -EACCES, .msg = "R0 !read_ok");
}

/* check_alu_op: division and modulo by a constant zero are malformed
 * (-EINVAL) ... */
Test(vf_alu, division_by_constant_zero)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(R0, 1), INSN_ALU64_IMM(BPF_DIV, R0, 0), EXIT};
    CHECK(p, .err = -EINVAL, .msg = "div by zero");
}

Test(vf_alu, modulo32_by_constant_zero)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(R0, 1), INSN_ALU32_IMM(BPF_MOD, R0, 0), EXIT};
    CHECK(p, .err = -EINVAL, .msg = "div by zero");
}

/* ... by a register that is zero they are defined (the result is 0, or
 * the dividend for modulo) and accepted. */
Test(vf_alu, division_by_zero_register)
{
    const struct bpf_insn p[] = {
        INSN_MOV64_IMM(R0, 1), INSN_MOV64_IMM(R2, 0), INSN_ALU64_REG(BPF_DIV, R0, R2), INSN_ALU64_REG(BPF_MOD, R0, R2),
        EXIT,
    };
    ACCEPT(p);
}

/* check_alu_op: a constant shift of the operand's width or more. */
Test(vf_alu, shift_by_64)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(R0, 1), INSN_ALU64_IMM(BPF_LSH, R0, 64), EXIT};
    CHECK(p, .err = -EINVAL, .msg = "invalid shift 64");
}

/* Unprivileged: no pointer comparisons (check_cond_jmp_op: "pointer
 * comparison prohibited"; test_verifier "unpriv: cmp pointer with
 * pointer") ... */
Test(vf_alu, unpriv_pointer_comparison)
{
    const struct bpf_insn p[] = {INSN_JMP_REG(BPF_JEQ, R1, R10, 0), EXIT0};
    /* the source register is checked first */
    CHECK(p, .unpriv = 1, .err = -EACCES, .msg = "R10 pointer comparison prohibited");
}

/* ... no pointer stored into a map (check_mem_access: "leaks addr into
 * map"; test_verifier "unpriv: write pointer into map elem value") ... */
Test(vf_alu, unpriv_pointer_into_map)
{
    const struct bpf_insn p[] = {LOOKUP(M_ARRAY), INSN_STX(BPF_DW, R0, R10, 0), EXIT0};
    CHECK(p, .unpriv = 1, .err = -EACCES, .msg = "R10 leaks addr into map");
}

/* ... and none returned (check_return_code: "leaks addr as return
 * value"; test_verifier "unpriv: return pointer"). */
Test(vf_alu, unpriv_pointer_returned)
{
    const struct bpf_insn p[] = {INSN_MOV64_REG(R0, R10), EXIT};
    CHECK(p, .unpriv = 1, .err = -EACCES, .msg = "R0 leaks addr as return value");
}

/* ======================= vf_jmp: conditional jumps and control flow ========= */

/* is_state_visited: a loop whose state never changes ("infinite loop
 * detected at insn 1"). */
Test(vf_jmp, infinite_loop)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(R0, 0), INSN_JMP_IMM(BPF_JEQ, R0, 0, -1), EXIT};
    CHECK(p, .err = -EINVAL, .msg = "infinite loop detected at insn 1");
}

/* A bounded loop (kernels >= 5.3): each iteration's state differs, the
 * exit is reached after 10. */
Test(vf_jmp, bounded_loop)
{
    const struct bpf_insn p[] = {
        INSN_MOV64_IMM(R0, 0), INSN_ALU64_IMM(BPF_ADD, R0, 1), INSN_JMP_IMM(BPF_JLT, R0, 10, -2), EXIT,
    };
    ACCEPT(p);
}

/* A loop the analysis cannot bound (a counter from the packet length
 * counted down with !=) runs into the 1,000,000 processed-instruction
 * limit (do_check: "BPF program is too large", -E2BIG). */
Test(vf_jmp, unbounded_loop_too_large, .timeout = 60)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R6), INSN_ALU64_IMM(BPF_SUB, R6, 1), INSN_JMP_IMM(BPF_JNE, R6, 0, -2), EXIT0,
    };
    CHECK(p, .err = -E2BIG, .msg = "BPF program is too large", .knolog = 1);
}

/* check_cfg: every instruction must be reachable ... */
Test(vf_jmp, unreachable_insn)
{
    const struct bpf_insn p[] = {EXIT0, INSN_MOV64_IMM(R0, 1), EXIT};
    CHECK(p, .err = -EINVAL, .msg = "unreachable insn 2");
}

/* ... and every jump land inside the program. */
Test(vf_jmp, jump_out_of_range)
{
    const struct bpf_insn p[] = {INSN_JA(5), EXIT0};
    /* bpfrt words it "jump out of range to 6 (program has 3 instructions)" */
    CHECK(p, .err = -EINVAL, .msg = "jump out of range", .kmsg = "jump out of range from insn 0 to 6");
}

/* reg_set_min_max: "if r6 > 40 goto out" leaves r6 <= 40 on the
 * fall-through: 40 + 8 fits the 48-byte value, 41 + 8 does not. */
static void refine(struct bpf_insn jmp, int ok)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R6), jmp, LOOKUP(M_HASH), INSN_ALU64_REG(BPF_ADD, R0, R6), INSN_LDX(BPF_DW, R0, R0, 0), EXIT0,
    };
    if (ok)
        ACCEPT(p);
    else
        CHECK(p, .err = -EACCES, .msg = "R0 max value is outside of the allowed memory range");
}
Test(vf_jmp, refine_jgt) { refine((struct bpf_insn)INSN_JMP_IMM(BPF_JGT, R6, 40, 10), 1); }
Test(vf_jmp, refine_jgt_off_by_one) { refine((struct bpf_insn)INSN_JMP_IMM(BPF_JGT, R6, 41, 10), 0); }
/* the same through a register compared with a constant register */
Test(vf_jmp, refine_jgt_register)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R6),    INSN_MOV64_IMM(R7, 40), INSN_JMP_REG(BPF_JLT, R7, R6, 10), LOOKUP(M_HASH),
        INSN_ALU64_REG(BPF_ADD, R0, R6), INSN_LDX(BPF_DW, R0, R0, 0), EXIT0,
    };
    ACCEPT(p);
}
/* JMP32: w6 <= 40 bounds r6 too, its upper half being known zero
 * (reg_set_min_max on the 32-bit bounds, then __reg_combine_32_into_64). */
Test(vf_jmp, refine_jmp32) { refine((struct bpf_insn)INSN_JMP32_IMM(BPF_JGT, R6, 40, 10), 1); }
/* signed: r6 s<= 40 with r6 a u32 (smin 0) is r6 in [0, 40] */
Test(vf_jmp, refine_signed) { refine((struct bpf_insn)INSN_JMP_IMM(BPF_JSGT, R6, 40, 10), 1); }

/* mark_ptr_or_null_regs: the null check of one copy of a lookup's result
 * holds for every register with the same id. */
Test(vf_jmp, null_check_through_copy)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, R10, -4, 0),   LDMAP(R1, M_HASH),  INSN_MOV64_REG(R2, R10),
        INSN_ALU64_IMM(BPF_ADD, R2, -4), CALL(BPF_FUNC_map_lookup_elem),
        INSN_MOV64_REG(R6, R0),          INSN_JMP_IMM(BPF_JEQ, R0, 0, 1), INSN_LDX(BPF_DW, R0, R6, 0),
        EXIT0,
    };
    ACCEPT(p);
}

/* is_branch_taken: a branch decided by constants is not walked (the
 * privileged verifier; the dead side reads an uninitialised register). */
Test(vf_jmp, constant_branch_not_walked)
{
    const struct bpf_insn p[] = {
        INSN_MOV64_IMM(R0, 0), INSN_JMP_IMM(BPF_JEQ, R0, 1, 1), EXIT, INSN_MOV64_REG(R0, R9), EXIT,
    };
    ACCEPT(p);
}

/* ======================= vf_calls: helpers, callbacks, calls, return codes == */

/* check_func_arg / check_reg_type: each argument against the prototype:
 * bpf_map_lookup_elem's r1 is a map (here still the context) ... */
Test(vf_calls, helper_arg_wrong_type)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, R10, -4, 0), INSN_MOV64_REG(R2, R10), INSN_ALU64_IMM(BPF_ADD, R2, -4),
        CALL(BPF_FUNC_map_lookup_elem), EXIT0,
    };
    CHECK(p, .err = -EACCES, .msg = "R1 type=ctx expected=map_ptr");
}

/* ... and its r2 a pointer to the key, not a number. */
Test(vf_calls, helper_arg_scalar_for_pointer)
{
    const struct bpf_insn p[] = {LDMAP(R1, M_HASH), INSN_MOV64_IMM(R2, 0), CALL(BPF_FUNC_map_lookup_elem), EXIT0};
    CHECK(p, .err = -EACCES, .msg = "R2 type=scalar expected=fp");
}

/* bpf_skb_load_bytes(ctx, 0, fp - 8, SIZE): SIZE is ARG_CONST_SIZE, checked
 * by check_mem_size_reg against the 8 bytes at fp - 8. */
#define LOAD_BYTES(...)                                                                                                \
    INSN_MOV64_REG(R6, R1), INSN_MOV64_IMM(R2, 0), INSN_MOV64_REG(R3, R10), INSN_ALU64_IMM(BPF_ADD, R3, -8),          \
        __VA_ARGS__, INSN_MOV64_REG(R1, R6), CALL(BPF_FUNC_skb_load_bytes), EXIT0

Test(vf_calls, helper_size_negative)
{
    const struct bpf_insn p[] = {LOAD_BYTES(INSN_MOV64_IMM(R4, -1))};
    CHECK(p, .err = -EACCES, .msg = "R4 min value is negative");
}

Test(vf_calls, helper_size_unbounded)
{
    /* [1, 2^32]: not 0 (which check_mem_size_reg reports first) */
    const struct bpf_insn p[] = {LOAD_BYTES(INSN_LDX(BPF_W, R4, R1, 0), INSN_ALU64_IMM(BPF_ADD, R4, 1))};
    CHECK(p, .err = -EACCES, .msg = "R4 unbounded memory access");
}

/* ARG_CONST_SIZE, unlike ARG_CONST_SIZE_OR_ZERO, refuses 0 */
Test(vf_calls, helper_size_zero)
{
    const struct bpf_insn p[] = {LOAD_BYTES(INSN_MOV64_IMM(R4, 0))};
    CHECK(p, .err = -EACCES, .msg = "invalid zero-sized read");
}

/* a size bounded in [1, 8]: fits the buffer */
Test(vf_calls, helper_size_bounded)
{
    const struct bpf_insn p[] = {
        LOAD_BYTES(INSN_LDX(BPF_W, R4, R1, 0), INSN_ALU64_IMM(BPF_AND, R4, 7), INSN_ALU64_IMM(BPF_ADD, R4, 1))};
    ACCEPT(p);
}

/* 16 bytes into an 8-byte buffer at the top of the frame
 * (check_helper_mem_access -> check_stack_range_initialized ->
 * check_stack_access_within_bounds): 6.18 says "invalid write to stack
 * R3 off=-8 size=16" (the helper writes there) with -EINVAL.
 * DISAGREES on errno and wording: bpfrt rejects with -EACCES, "invalid
 * indirect access to stack R3 off=-8 size=16" (the 6.1 wording). */
Test(vf_calls, helper_size_past_buffer)
{
    const struct bpf_insn p[] = {LOAD_BYTES(INSN_MOV64_IMM(R4, 16))};
    CHECK(p, .err = -EINVAL, .msg = "invalid write to stack R3 off=-8 size=16");
}

/* check_helper_call / the type's get_func_proto: a socket filter has no
 * bpf_xdp_adjust_head. */
Test(vf_calls, helper_not_for_type)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(R2, 0), CALL(BPF_FUNC_xdp_adjust_head), EXIT0};
    CHECK(p, .err = -EINVAL, .msg = "bpf_xdp_adjust_head#44");
}

/* bpf_loop(4, callback at insn 8, NULL, 0): the callback is verified as a
 * function of its own frame (check_helper_call -> push_callback_call,
 * then set_loop_callback_state: r1 = index, r2 = ctx). */
#define BPF_LOOP_MAIN                                                                                                  \
    INSN_MOV64_IMM(R1, 4), INSN_LDIMM64_RAW(R2, BPF_PSEUDO_FUNC, 0, 6), INSN_MOV64_IMM(R3, 0),                        \
        INSN_MOV64_IMM(R4, 0), CALL(BPF_FUNC_loop), EXIT0
Test(vf_calls, bpf_loop_callback)
{
    struct bpf_insn p[] = {BPF_LOOP_MAIN, EXIT0};
    p[1].imm = 6; /* the callback at 1 + 6 + 1 */
    p[2].imm = 0;
    ACCEPT(p, .btf = 1, .subs = {8});
}

/* the callback's own accesses are checked: r1 is the index, a scalar */
Test(vf_calls, bpf_loop_callback_bad_access)
{
    struct bpf_insn p[] = {BPF_LOOP_MAIN, INSN_LDX(BPF_DW, R0, R1, 0), EXIT0};
    p[1].imm = 6;
    p[2].imm = 0;
    CHECK(p, .btf = 1, .subs = {8}, .err = -EACCES, .msg = "R1 invalid mem access 'scalar'");
}

/* and its return value must be 0 or 1 (check_return_code for a callback:
 * "At callback return the register R0 ...") */
Test(vf_calls, bpf_loop_callback_return_range)
{
    struct bpf_insn p[] = {BPF_LOOP_MAIN, INSN_MOV64_IMM(R0, 2), EXIT};
    p[1].imm = 6;
    p[2].imm = 0;
    CHECK(p, .btf = 1, .subs = {8}, .err = -EINVAL, .msg = "At callback return the register R0");
}

/* K bpf-to-bpf calls deep: subprogram i is "call i+1; exit", the last
 * one "r0 = 0; exit" (K + 1 frames). */
static size_t call_chain(struct bpf_insn *p, int k)
{
    size_t n = 0;

    for (int i = 0; i < k; i++) {
        p[n++] = (struct bpf_insn)INSN_CALL_PSEUDO(1);
        p[n++] = (struct bpf_insn)INSN_EXIT();
    }
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R0, 0);
    p[n++] = (struct bpf_insn)INSN_EXIT();
    return n;
}

/* check_max_stack_depth / check_func_call: MAX_CALL_FRAMES is 8 ... */
Test(vf_calls, call_depth_8_frames)
{
    struct bpf_insn p[32];
    size_t n = call_chain(p, 7);
    check(p, n, (struct vc){0});
}

/* ... a ninth frame is refused. */
Test(vf_calls, call_depth_9_frames)
{
    struct bpf_insn p[32];
    size_t n = call_chain(p, 8);
    check(p, n, (struct vc){.err = -E2BIG, .msg = "the call stack of 9 frames is too deep"});
}

/* check_max_stack_depth: the frames of a call chain share 512 bytes, each
 * rounded up to 16 (round_up_stack_depth when the program is to be
 * JITed, as the kernel's always is here): 256 + 256 fits ... */
#define TWO_FRAMES(MAIN, SUB)                                                                                          \
    INSN_ST_IMM(BPF_DW, R10, -(MAIN), 0), INSN_CALL_PSEUDO(2), INSN_MOV64_IMM(R0, 0), EXIT,                           \
        INSN_ST_IMM(BPF_DW, R10, -(SUB), 0), EXIT0
Test(vf_calls, combined_stack_512)
{
    const struct bpf_insn p[] = {TWO_FRAMES(256, 256)};
    ACCEPT(p);
}

/* ... 296 + 216 would, but rounded they are 304 + 224. */
Test(vf_calls, combined_stack_too_large)
{
    const struct bpf_insn p[] = {TWO_FRAMES(296, 216)};
    CHECK(p, .err = -EACCES, .msg = "combined stack size of 2 calls is 528. Too large");
}

/* check_return_code: a cgroup_skb program returns 0 or 1 ... */
Test(vf_calls, return_cgroup_skb_out_of_range)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(R0, 2), EXIT};
    CHECK(p, .type = BPF_PROG_TYPE_CGROUP_SKB, .err = -EINVAL, .msg = "At program exit the register R0");
}

/* ... 0 to 3 when attached for egress (the congestion notification bit) */
Test(vf_calls, return_cgroup_skb_egress)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(R0, 3), EXIT};
    ACCEPT(p, .type = BPF_PROG_TYPE_CGROUP_SKB, .eat = BPF_CGROUP_INET_EGRESS);
}

/* ... an unknown value is not proven in range */
Test(vf_calls, return_cgroup_skb_unknown)
{
    const struct bpf_insn p[] = {INSN_LDX(BPF_W, R0, R1, 0), EXIT};
    CHECK(p, .type = BPF_PROG_TYPE_CGROUP_SKB, .err = -EINVAL, .msg = "At program exit the register R0");
}

/* sk_lookup: SK_DROP (0) or SK_PASS (1) */
Test(vf_calls, return_sk_lookup)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(R0, 1), EXIT};
    ACCEPT(p, .type = BPF_PROG_TYPE_SK_LOOKUP, .eat = BPF_SK_LOOKUP);
}

Test(vf_calls, return_sk_lookup_out_of_range)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(R0, 2), EXIT};
    CHECK(p, .type = BPF_PROG_TYPE_SK_LOOKUP, .eat = BPF_SK_LOOKUP, .err = -EINVAL,
          .msg = "At program exit the register R0");
}

/* ======================= vf_refs: references and spin locks ================= */

/* bpf_ringbuf_reserve(ringbuf, 8, 0), null-checked, written, then END */
#define RB_RESERVE(NULL_SKIP)                                                                                          \
    LDMAP(R1, M_RINGBUF), INSN_MOV64_IMM(R2, 8), INSN_MOV64_IMM(R3, 0), CALL(BPF_FUNC_ringbuf_reserve),               \
        INSN_JMP_IMM(BPF_JEQ, R0, 0, NULL_SKIP)

/* acquire / release (check_helper_call: acquire_reference_state,
 * release_reference): a reserved record submitted on every path ... */
Test(vf_refs, ringbuf_reserve_submit)
{
    const struct bpf_insn p[] = {
        RB_RESERVE(4), INSN_ST_IMM(BPF_DW, R0, 0, 0), INSN_MOV64_REG(R1, R0), INSN_MOV64_IMM(R2, 0),
        CALL(BPF_FUNC_ringbuf_submit), EXIT0,
    };
    ACCEPT(p);
}

/* ... or left behind (check_reference_leak: "Unreleased reference") ... */
Test(vf_refs, ringbuf_reserve_leaked)
{
    const struct bpf_insn p[] = {RB_RESERVE(1), INSN_ST_IMM(BPF_DW, R0, 0, 0), EXIT0};
    CHECK(p, .err = -EINVAL, .msg = "Unreleased reference");
}

/* ... or submitted twice: the release turned every copy into a scalar
 * (release_reference -> mark_reg_invalid; unknown to a privileged
 * program), which the second submit refuses ... */
Test(vf_refs, ringbuf_submit_twice)
{
    const struct bpf_insn p[] = {
        RB_RESERVE(7),        INSN_MOV64_REG(R6, R0),       INSN_MOV64_REG(R1, R6), INSN_MOV64_IMM(R2, 0),
        CALL(BPF_FUNC_ringbuf_submit), INSN_MOV64_REG(R1, R6), INSN_MOV64_IMM(R2, 0),
        CALL(BPF_FUNC_ringbuf_submit), EXIT0,
    };
    CHECK(p, .err = -EACCES, .msg = "R1 type=scalar expected=ringbuf_mem");
}

/* ... and the record may be null until checked. */
Test(vf_refs, ringbuf_record_maybe_null)
{
    const struct bpf_insn p[] = {
        LDMAP(R1, M_RINGBUF), INSN_MOV64_IMM(R2, 8), INSN_MOV64_IMM(R3, 0), CALL(BPF_FUNC_ringbuf_reserve),
        INSN_ST_IMM(BPF_DW, R0, 0, 0), EXIT0,
    };
    CHECK(p, .err = -EACCES, .msg = "R0 invalid mem access 'ringbuf_mem_or_null'");
}

/* tc: bpf_sk_lookup_tcp(ctx, tuple at fp - 16, 12, BPF_F_CURRENT_NETNS, 0) */
#define SK_LOOKUP                                                                                                      \
    INSN_MOV64_REG(R6, R1), INSN_ST_IMM(BPF_DW, R10, -16, 0), INSN_ST_IMM(BPF_DW, R10, -8, 0), INSN_MOV64_REG(R1, R6), \
        INSN_MOV64_REG(R2, R10), INSN_ALU64_IMM(BPF_ADD, R2, -16), INSN_MOV64_IMM(R3, 12), INSN_MOV64_IMM(R4, -1),     \
        INSN_MOV64_IMM(R5, 0), CALL(BPF_FUNC_sk_lookup_tcp)

/* a socket from sk_lookup is a reference: released after the null check
 * ... */
Test(vf_refs, sk_lookup_release)
{
    const struct bpf_insn p[] = {
        SK_LOOKUP, INSN_JMP_IMM(BPF_JEQ, R0, 0, 2), INSN_MOV64_REG(R1, R0), CALL(BPF_FUNC_sk_release), EXIT0,
    };
    ACCEPT(p, .type = TC);
}

/* ... kept ("Unreleased reference") ... */
Test(vf_refs, sk_lookup_leaked)
{
    const struct bpf_insn p[] = {SK_LOOKUP, EXIT0};
    CHECK(p, .type = TC, .err = -EINVAL, .msg = "Unreleased reference");
}

/* ... or released before the null check (sock_or_null is not a sock). */
Test(vf_refs, sk_release_maybe_null)
{
    const struct bpf_insn p[] = {SK_LOOKUP, INSN_MOV64_REG(R1, R0), CALL(BPF_FUNC_sk_release), EXIT0};
    CHECK(p, .type = TC, .err = -EACCES, .msg = "R1 type=sock_or_null expected=");
}

/* process_spin_lock: lock and unlock of the value's bpf_spin_lock, with
 * BODY between (tc: socket filters may not use the lock's map). */
#define LOCKED(...)                                                                                                    \
    LOOKUP(M_LOCK), INSN_MOV64_REG(R6, R0), INSN_MOV64_REG(R1, R6), CALL(BPF_FUNC_spin_lock), __VA_ARGS__
Test(vf_refs, spin_lock_pair)
{
    const struct bpf_insn p[] = {
        LOCKED(INSN_ST_IMM(BPF_W, R6, 4, 1), INSN_MOV64_REG(R1, R6), CALL(BPF_FUNC_spin_unlock)), EXIT0,
    };
    ACCEPT(p, .type = TC);
}

/* do_check at BPF_EXIT: a lock still held */
Test(vf_refs, spin_lock_not_released)
{
    const struct bpf_insn p[] = {LOCKED(EXIT0)};
    /* 6.18: "BPF_EXIT instruction in main prog cannot be used inside
     * bpf_spin_lock-ed region"; bpfrt words it "bpf_spin_unlock is
     * missing" (same verdict and errno) */
    CHECK(p, .type = TC, .err = -EINVAL, .msg = "bpf_spin_unlock is missing", .kmsg = "bpf_spin_lock-ed region");
}

/* process_spin_lock: an unlock without the lock */
Test(vf_refs, spin_unlock_without_lock)
{
    const struct bpf_insn p[] = {LOOKUP(M_LOCK), INSN_MOV64_REG(R1, R0), CALL(BPF_FUNC_spin_unlock), EXIT0};
    CHECK(p, .type = TC, .err = -EINVAL, .msg = "bpf_spin_unlock without taking a lock");
}

/* do_check at BPF_CALL: no helper calls while holding the lock */
Test(vf_refs, spin_lock_helper_call_inside)
{
    const struct bpf_insn p[] = {
        LOCKED(CALL(BPF_FUNC_get_prandom_u32), INSN_MOV64_REG(R1, R6), CALL(BPF_FUNC_spin_unlock)), EXIT0,
    };
    CHECK(p, .type = TC, .err = -EINVAL, .msg = "function calls are not allowed while holding a lock");
}

/* ======================= vf_prune: pruning, liveness, precision ============= */

/* is_state_visited / states_equal with liveness: the two sides of a
 * branch differ only in r3, which nothing reads afterwards; the second
 * side arriving at the join is pruned, so the 30 instructions after it
 * are walked once (without pruning: twice, 76 insns).  The kernel
 * processes exactly as many (checked when it is at hand). */
Test(vf_prune, dead_register_difference_pruned)
{
    struct bpf_insn p[48];
    size_t n = 0;

    p[n++] = (struct bpf_insn)SKB_LEN(R6);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R0, 0);
    for (int i = 0; i < 8; i++) /* enough instructions for a checkpoint at the join */
        p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, R0, 1);
    p[n++] = (struct bpf_insn)INSN_JMP_IMM(BPF_JGT, R6, 5, 2);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R3, 1);
    p[n++] = (struct bpf_insn)INSN_JA(1);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R3, 2);
    for (int i = 0; i < 30; i++)
        p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, R0, 1);
    p[n++] = (struct bpf_insn)INSN_EXIT();
    check(p, n, (struct vc){.max_processed = 50});
}

/* Ten diamonds in a row, r3 different on the two sides and read at the
 * end: 2^10 paths (over 20,000 insns) without pruning, 189 with it, as in
 * the kernel: r3 and r6 (read by every comparison) are never used for
 * memory, stay imprecise, and their different values do not keep states
 * apart (regsafe on imprecise scalars). */
Test(vf_prune, diamonds_linear)
{
    struct bpf_insn p[64];
    size_t n = 0;

    p[n++] = (struct bpf_insn)SKB_LEN(R6);
    for (int i = 0; i < 10; i++) {
        p[n++] = (struct bpf_insn)INSN_JMP_IMM(BPF_JGT, R6, i * 3, 2);
        p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R3, i);
        p[n++] = (struct bpf_insn)INSN_JA(1);
        p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R3, i + 100);
    }
    p[n++] = (struct bpf_insn)INSN_MOV64_REG(R0, R3);
    p[n++] = (struct bpf_insn)INSN_EXIT();
    check(p, n, (struct vc){.max_processed = 200});
}

/* Precision (mark_chain_precision, backtracking from the pointer
 * addition to the checkpoint at the join): r6 is 8 on the first path
 * walked and 48 on the second; once 8 has served as an offset into the
 * value, r6 is precise in the join's state, so the second path, where the
 * same addition reaches past the 48-byte value, is not pruned but walked
 * and rejected. */
Test(vf_prune, precise_register_not_pruned)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R8),
        LOOKUP(M_HASH),
        INSN_MOV64_REG(R7, R0),
        INSN_JMP_IMM(BPF_JGT, R8, 5, 2),
        INSN_MOV64_IMM(R6, 8),
        INSN_JA(1),
        INSN_MOV64_IMM(R6, 48),
        INSN_ALU64_REG(BPF_ADD, R7, R6),
        INSN_LDX(BPF_DW, R0, R7, 0),
        EXIT0,
    };
    CHECK(p, .err = -EACCES, .msg = "invalid access to map value, value_size=48 off=48 size=8");
}

/* The other side: both offsets safe (8 and 16).  r6 is precise, so the
 * second path is not pruned against the first (regsafe: a precise
 * scalar's old range must contain the new one, and the constant 8 does
 * not contain 16); it is walked and accepted on its own. */
Test(vf_prune, precise_register_both_safe)
{
    const struct bpf_insn p[] = {
        SKB_LEN(R8),
        LOOKUP(M_HASH),
        INSN_MOV64_REG(R7, R0),
        INSN_JMP_IMM(BPF_JGT, R8, 5, 2),
        INSN_MOV64_IMM(R6, 8),
        INSN_JA(1),
        INSN_MOV64_IMM(R6, 16),
        INSN_ALU64_REG(BPF_ADD, R7, R6),
        INSN_LDX(BPF_DW, R0, R7, 0),
        EXIT0,
    };
    ACCEPT(p, .max_processed = 100); /* and as many instructions as the kernel */
}

/* assign_scalar_id_before_mov: a constant copied into another register
 * gets no scalar id (it has nothing to learn from a comparison).  The
 * first path copies r4 = 8 into r5, the second sets both to 8; both are
 * offsets into the map value, so precise at the join, where the second
 * path is pruned: with an id on the first path's copies, check_scalar_ids
 * would map the old id to two different current ones and walk the second
 * path again.  As many instructions as the kernel. */
Test(vf_prune, constant_copies_have_no_id)
{
    struct bpf_insn p[40];
    size_t n = 0;
    const struct bpf_insn head[] = {SKB_LEN(R8), LOOKUP(M_HASH), INSN_MOV64_REG(R7, R0)};

    for (size_t i = 0; i < N(head); i++)
        p[n++] = head[i];
    p[n++] = (struct bpf_insn)INSN_JMP_IMM(BPF_JGT, R8, 5, 9);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R4, 8);
    p[n++] = (struct bpf_insn)INSN_MOV64_REG(R5, R4);
    for (int i = 0; i < 6; i++) /* enough instructions for a checkpoint at the join */
        p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R9, i);
    p[n++] = (struct bpf_insn)INSN_JA(2);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R4, 8);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R5, 8);
    for (int i = 0; i < 10; i++) /* a path long enough to show the second walk */
        p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, R8, 1);
    p[n++] = (struct bpf_insn)INSN_MOV64_REG(R6, R7);
    p[n++] = (struct bpf_insn)INSN_ALU64_REG(BPF_ADD, R6, R4);
    p[n++] = (struct bpf_insn)INSN_LDX(BPF_DW, R0, R6, 0);
    p[n++] = (struct bpf_insn)INSN_MOV64_REG(R6, R7);
    p[n++] = (struct bpf_insn)INSN_ALU64_REG(BPF_ADD, R6, R5);
    p[n++] = (struct bpf_insn)INSN_LDX(BPF_DW, R0, R6, 0);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R0, 0);
    p[n++] = (struct bpf_insn)INSN_EXIT();
    check(p, n, (struct vc){.max_processed = 45});
}

/* stacksafe with scalar_reg_for_stack: the first path spills an unknown
 * (imprecise) 64-bit scalar to fp-8, the second writes the slot's 8 bytes
 * as unknown data (two 4-byte immediates: STACK_MISC); a load of the slot
 * gives an unknown scalar either way, so the second path is pruned at the
 * join (old spill vs current misc compared as registers).  As many
 * instructions as the kernel. */
Test(vf_prune, spilled_scalar_meets_unknown_bytes)
{
    struct bpf_insn p[48];
    size_t n = 0;

    p[n++] = (struct bpf_insn)SKB_LEN(R6);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R0, 0);
    for (int i = 0; i < 8; i++) /* enough instructions for a checkpoint at the join */
        p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, R0, 1);
    p[n++] = (struct bpf_insn)INSN_JMP_IMM(BPF_JGT, R6, 5, 2);
    p[n++] = (struct bpf_insn)INSN_STX(BPF_DW, R10, R6, -8);
    p[n++] = (struct bpf_insn)INSN_JA(2);
    p[n++] = (struct bpf_insn)INSN_ST_IMM(BPF_W, R10, -8, 1);
    p[n++] = (struct bpf_insn)INSN_ST_IMM(BPF_W, R10, -4, 1);
    for (int i = 0; i < 20; i++)
        p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, R0, 1);
    p[n++] = (struct bpf_insn)INSN_LDX(BPF_DW, R3, R10, -8);
    p[n++] = (struct bpf_insn)INSN_ALU64_REG(BPF_ADD, R0, R3);
    p[n++] = (struct bpf_insn)INSN_EXIT();
    check(p, n, (struct vc){.max_processed = 50});
}

/* explored_state keeps an instruction's states apart by the current
 * frame's call site: a subprogram called from 14 places, each call
 * reached once with and once without a packet check behind it (the
 * blocks of test_verif_scale1, small).  The states of one call's walk
 * through the callee are compared only with those of the same call, and
 * the other calls' misses do not evict them.  As many instructions as the
 * kernel. */
Test(vf_prune, subprogram_states_kept_per_call_site)
{
    enum { K = 14 };
    struct bpf_insn p[8 + K * 6 + 16];
    size_t n = 0, sub;

    p[n++] = (struct bpf_insn)INSN_MOV64_REG(R6, R1);
    p[n++] = (struct bpf_insn)INSN_LDX(BPF_W, R7, R6, offsetof(struct __sk_buff, data));
    p[n++] = (struct bpf_insn)INSN_LDX(BPF_W, R8, R6, offsetof(struct __sk_buff, data_end));
    for (int k = 0; k < K; k++) {
        p[n++] = (struct bpf_insn)INSN_MOV64_REG(R2, R7);
        p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, R2, 14 + k);
        p[n++] = (struct bpf_insn)INSN_JMP_REG(BPF_JGT, R2, R8, 3); /* no room: skip the call */
        p[n++] = (struct bpf_insn)INSN_MOV64_REG(R1, R7);
        p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R2, k);
        p[n++] = (struct bpf_insn)INSN_CALL_PSEUDO(0); /* patched below */
    }
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(R0, 0);
    p[n++] = (struct bpf_insn)INSN_EXIT();
    sub = n; /* sub(pkt): one load; short enough that the checkpoints fall
              * on its first instruction, where every call meets the others */
    p[n++] = (struct bpf_insn)INSN_LDX(BPF_B, R0, R1, 0);
    p[n++] = (struct bpf_insn)INSN_EXIT();
    for (size_t i = 0; i < sub; i++)
        if (p[i].code == (BPF_JMP | BPF_CALL) && p[i].src_reg == BPF_PSEUDO_CALL)
            p[i].imm = (int32_t)(sub - i - 1);
    check(p, n, (struct vc){.type = TC, .max_processed = 800});
}

/* 6.18's do_check_main, then do_check_subprogs: a global function is
 * verified only when a path the walk takes calls it.  Here the call sits
 * behind a branch the verifier knows is never taken, and the function
 * reads a register nothing set: the program is accepted, as by the
 * kernel (before 6.8 it was verified first, and rejected). */
Test(vf_calls, global_function_never_called_is_not_verified)
{
    const struct bpf_insn p[] = {
        INSN_MOV64_IMM(R0, 0),
        INSN_JMP_IMM(BPF_JNE, R0, 0, 1),
        INSN_EXIT(),
        INSN_CALL_PSEUDO(1),
        INSN_EXIT(),
        INSN_MOV64_REG(R0, R5), /* 5: the global function */
        INSN_EXIT(),
    };
    ACCEPT(p, .type = BPF_PROG_TYPE_XDP, .btf = 1, .subs = {5}, .globals = 1);
}

/* The same function, called: verified alone, and rejected. */
Test(vf_calls, global_function_called_is_verified)
{
    const struct bpf_insn p[] = {
        INSN_CALL_PSEUDO(1),
        INSN_EXIT(),
        INSN_MOV64_REG(R0, R5), /* 2: the global function */
        INSN_EXIT(),
    };
    CHECK(p, .type = BPF_PROG_TYPE_XDP, .btf = 1, .subs = {2}, .globals = 1, .err = -EACCES, .msg = "R5 !read_ok");
}

/* 6.13's changes_pkt_data: a global function that may call a helper that
 * moves packet data (here bpf_xdp_adjust_head, on a path the walk never
 * takes: the mark is static) invalidates the caller's packet pointers at
 * the call, since its walk is not the caller's. */
Test(vf_calls, global_function_that_may_move_packet_data)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, R7, R1, offsetof(struct xdp_md, data)),
        INSN_LDX(BPF_W, R8, R1, offsetof(struct xdp_md, data_end)),
        INSN_MOV64_REG(R2, R7),
        INSN_ALU64_IMM(BPF_ADD, R2, 8),
        INSN_JMP_REG(BPF_JGT, R2, R8, 3),
        INSN_CALL_PSEUDO(4),
        INSN_LDX(BPF_B, R0, R7, 0), /* 6: the packet pointer is gone */
        INSN_EXIT(),
        EXIT0,
        INSN_MOV64_IMM(R0, 0), /* 10: the global function */
        INSN_JMP_IMM(BPF_JNE, R0, 0, 1),
        INSN_EXIT(),
        CALL(BPF_FUNC_xdp_adjust_head),
        INSN_EXIT(),
    };
    CHECK(p, .type = BPF_PROG_TYPE_XDP, .btf = 1, .subs = {10}, .globals = 1, .err = -EACCES,
          .msg = "R7 invalid mem access 'scalar'");
}

/* ---- bounds and fills as 6.18 computes them -------------------------------- */

/* r1 = offset into the 48-byte hash value, then a 4-byte load at r1 + 44:
 * safe only when r1 is exactly 0..0 past 44, i.e. r1 <= 0 */
#define VALUE_LOAD_AT_44(reg)                                                                                          \
    LOOKUP(M_HASH), INSN_ALU64_REG(BPF_ADD, R0, reg), INSN_LDX(BPF_W, R0, R0, 44), EXIT0

/* The known bits and the unsigned range meet in one value: w1 & 6 is one
 * of 0, 2, 4, 6; between 3 and 5 it is 4 (6.18's __update_reg64_bounds),
 * so r1 - 4 is 0 and the load at 44 stays inside the value. */
Test(vf_scalar, tnum_and_range_meet_in_one_value)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, R6, R1, 0),
        INSN_ALU32_IMM(BPF_AND, R6, 6),
        INSN_JMP_IMM(BPF_JLT, R6, 3, 14),
        INSN_JMP_IMM(BPF_JGT, R6, 5, 13),
        INSN_ALU64_IMM(BPF_SUB, R6, 4),
        VALUE_LOAD_AT_44(R6),
        EXIT0,
    };
    ACCEPT(p);
}

/* check_stack_read_fixed_off: the upper half of a spilled zero reads as
 * zero (all of the read bytes belong to the spill of a constant 0). */
Test(vf_mem, fill_of_part_of_a_spilled_zero_is_zero)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_DW, R10, -16, 0),
        INSN_LDX(BPF_W, R6, R10, -12),
        VALUE_LOAD_AT_44(R6),
    };
    ACCEPT(p);
}

/* A fill narrower than the spill, at its start, is the spilled register
 * cut to the load's size (bpf_stack_narrow_access_ok): r6 & 7 spilled as
 * 8 bytes and filled as 4 is still at most 7 (an unknown 32-bit value
 * would reach past the value). */
Test(vf_mem, narrow_fill_keeps_the_bounds)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, R6, R1, 0),
        INSN_ALU64_IMM(BPF_AND, R6, 7),
        INSN_STX(BPF_DW, R10, R6, -16),
        INSN_LDX(BPF_W, R6, R10, -16),
        LOOKUP(M_HASH),
        INSN_ALU64_REG(BPF_ADD, R0, R6),
        INSN_LDX(BPF_B, R0, R0, 40), /* at most 47: inside the 48 bytes */
        EXIT0,
    };
    ACCEPT(p);
}

/* 6.18: a tail call from a subprogram that succeeds ends the subprogram
 * with the called program's result, and that program may have moved the
 * packet: the caller's packet pointers are gone after the call. */
Test(vf_calls, tail_call_in_subprogram_invalidates_packet_pointers)
{
    const struct bpf_insn p[] = {
        INSN_MOV64_REG(R6, R1),
        INSN_LDX(BPF_W, R7, R1, offsetof(struct xdp_md, data)),
        INSN_LDX(BPF_W, R8, R1, offsetof(struct xdp_md, data_end)),
        INSN_MOV64_REG(R2, R7),
        INSN_ALU64_IMM(BPF_ADD, R2, 8),
        INSN_JMP_REG(BPF_JGT, R2, R8, 4),
        INSN_MOV64_REG(R1, R6),
        INSN_CALL_PSEUDO(4),
        INSN_LDX(BPF_B, R0, R7, 0), /* 8: the packet may have moved */
        INSN_EXIT(),
        EXIT0,
        LDMAP(R2, M_PROGS), /* 12: the subprogram */
        INSN_MOV64_IMM(R3, 0),
        CALL(BPF_FUNC_tail_call),
        EXIT0,
    };
    CHECK(p, .type = BPF_PROG_TYPE_XDP, .btf = 1, .subs = {12}, .err = -EACCES, .msg = "R7 invalid mem access 'scalar'");
}

/* The same subprogram and the same access, before the call: accepted. */
Test(vf_calls, tail_call_in_subprogram_packet_read_before_the_call)
{
    const struct bpf_insn p[] = {
        INSN_MOV64_REG(R6, R1),
        INSN_LDX(BPF_W, R7, R1, offsetof(struct xdp_md, data)),
        INSN_LDX(BPF_W, R8, R1, offsetof(struct xdp_md, data_end)),
        INSN_MOV64_REG(R2, R7),
        INSN_ALU64_IMM(BPF_ADD, R2, 8),
        INSN_JMP_REG(BPF_JGT, R2, R8, 4),
        INSN_LDX(BPF_B, R9, R7, 0),
        INSN_MOV64_REG(R1, R6),
        INSN_CALL_PSEUDO(3),
        INSN_EXIT(),
        EXIT0,
        LDMAP(R2, M_PROGS), /* 12: the subprogram */
        INSN_MOV64_IMM(R3, 0),
        CALL(BPF_FUNC_tail_call),
        EXIT0,
    };
    ACCEPT(p, .type = BPF_PROG_TYPE_XDP, .btf = 1, .subs = {12});
}

/* get_constant_map_key: a key spilled with another size than the map's
 * key is not a known key (here 8 bytes of zero for a 4-byte key), so the
 * array lookup may still return null and the value needs its check. */
Test(vf_mem, key_spilled_wider_than_the_key_is_not_constant)
{
    const struct bpf_insn p[] = {
        INSN_MOV64_IMM(R1, 0),
        INSN_STX(BPF_DW, R10, R1, -8),
        LDMAP(R1, M_ARRAY),
        INSN_MOV64_REG(R2, R10),
        INSN_ALU64_IMM(BPF_ADD, R2, -8),
        CALL(BPF_FUNC_map_lookup_elem),
        INSN_LDX(BPF_W, R0, R0, 0),
        INSN_EXIT(),
    };
    CHECK(p, .err = -EACCES, .msg = "invalid mem access 'map_value_or_null'");
}

/* The same key written as zeros (STACK_ZERO bytes): a known key inside the
 * array, the lookup cannot fail (can_elide_value_nullness). */
Test(vf_mem, key_of_zero_bytes_is_constant)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, R10, -4, 0),
        LDMAP(R1, M_ARRAY),
        INSN_MOV64_REG(R2, R10),
        INSN_ALU64_IMM(BPF_ADD, R2, -4),
        CALL(BPF_FUNC_map_lookup_elem),
        INSN_LDX(BPF_W, R0, R0, 0),
        INSN_EXIT(),
    };
    ACCEPT(p);
}

/* 6.18's linked registers with a constant delta (BPF_ADD_CONST): r7 and
 * r8 are copies of r6 plus 8 and plus 4; what the comparison proves of
 * r8 (at most 12) holds, shifted, for r6 (at most 8) and r7 (at most 16),
 * so r7 is a safe offset for an 8-byte load at 24 in the 48-byte value. */
Test(vf_scalar, linked_copies_with_a_constant_delta)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, R6, R1, 0),
        INSN_ALU64_IMM(BPF_AND, R6, 255),
        INSN_MOV64_REG(R7, R6),
        INSN_ALU64_IMM(BPF_ADD, R7, 8),
        INSN_MOV64_REG(R8, R6),
        INSN_ALU64_IMM(BPF_ADD, R8, 4),
        INSN_JMP_IMM(BPF_JGT, R8, 12, 10),
        LOOKUP(M_HASH),
        INSN_ALU64_REG(BPF_ADD, R0, R7),
        INSN_LDX(BPF_DW, R0, R0, 24),
        EXIT0,
    };
    ACCEPT(p);
}

/* A helper that only reads the stack (a map key: MEM_RDONLY) leaves its
 * bytes as they were (6.18 clobbers only for MEM_WRITE): the zero key is
 * still known at the second lookup, whose value cannot be null either. */
Test(vf_mem, read_only_helper_argument_keeps_the_stack)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, R10, -4, 0),
        LDMAP(R1, M_ARRAY),
        INSN_MOV64_REG(R2, R10),
        INSN_ALU64_IMM(BPF_ADD, R2, -4),
        CALL(BPF_FUNC_map_lookup_elem),
        LDMAP(R1, M_ARRAY),
        INSN_MOV64_REG(R2, R10),
        INSN_ALU64_IMM(BPF_ADD, R2, -4),
        CALL(BPF_FUNC_map_lookup_elem),
        INSN_LDX(BPF_W, R0, R0, 0),
        INSN_EXIT(),
    };
    ACCEPT(p);
}
