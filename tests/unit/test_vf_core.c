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
};
#define T_FUNC 5

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
    int btf;        /* give BTF func_info (needed by callbacks: BPF_PSEUDO_FUNC) */
    int err;        /* the verdict: 0 accepted, else the negative errno */
    const char *msg;  /* a substring of bpfrt's reason (and of the kernel's log, unless kmsg) */
    const char *kmsg; /* the kernel's wording where bpfrt's differs */
    uint64_t max_processed; /* when not 0: bpfrt processes at most this many insns */
    uint64_t *processed;    /* optional out: bpfrt's processed_insns */
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
        fi[n++] = (struct bpf_func_info){(uint32_t)c->subs[i], T_FUNC};
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
    fd = bpf_prog_load(c->type ? c->type : BPF_PROG_TYPE_SOCKET_FILTER, "vf_core", "GPL", p, cnt, &o);
    err = fd >= 0 ? 0 : -errno;
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
    if (c.err && kmsg)
        cr_expect(strstr(klog, kmsg) != NULL, "the kernel's log lacks \"%s\": %s", kmsg,
                  klast(klog, last, sizeof(last)));
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
Test(vf_mem, map_with_spin_lock_in_socket_filter, .disabled = true)
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
Test(vf_mem, stack_variable_offset_out_of_frame, .disabled = true)
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
