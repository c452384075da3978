/* test_robust.c - hostile programs against map internals, processes that
 * die in the middle of an update, and a kill -9 stress test (issue 7,
 * items 1-3).
 *
 *  - robust/hostile_*: checked runs of raw programs that look up a key
 *    and write around the value they get (the element's link, its key,
 *    past the value, the bucket locks, the arena header): each run fails
 *    naming the instruction and the map, and the map stays intact.
 *  - robust/legit_*: what the kernel allows still works (whole values,
 *    global data, per-CPU slots).
 *  - robust/crash_at_*: a child is killed (SIGKILL from the library's
 *    step hook) between the steps of an update or delete on a pinned hash
 *    map; every key is then there at most once, dumps end, counts are
 *    exact and the dead owner's lock is taken over.
 *  - robust/zombie_owner: the same with the child left unreaped.
 *  - robust/stress_*: 2 processes x 2 threads on a pinned hash, LRU and
 *    LPM map, one process kill -9'd at a random moment; BPFRT_STRESS_TRIALS
 *    trials per map type (default 20). */
#include <criterion/criterion.h>
#include <sys/prctl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "insns.h"
#include "maps/map.h"
#include "map_fixture.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/bpfrt-robust-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    setenv("BPFRT_FS", dir, 1);
}

static void teardown(void)
{
    char cmd[512];

    map_step_hook = NULL;
    if (dir[0]) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd)) {
        }
    }
}

TestSuite(robust, .init = setup, .fini = teardown, .timeout = 120);

static const char *pth(const char *name)
{
    return fx_path(dir, name);
}

#define mk fx_map

/* ------------------------------------------------------------ programs */

static char errbuf[512];

/* Run insns checked; returns the run's result, error text in errbuf. */
static int run_checked(const struct bpf_insn *p, size_t n, uint64_t *r0)
{
    struct bpfrt_prog *prog = NULL;
    char log[256];
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .log_buf = log, .log_size = sizeof(log));
    int err;

    cr_assert_eq(bpfrt_prog__load_insns(p, n, &lo, &prog), 0, "%s", log);
    errbuf[0] = 0;
    BPFRT_OPTS(bpfrt_run_opts, ro, .flags = BPFRT_RUN_CHECKED, .err_buf = errbuf, .err_size = sizeof(errbuf));
    err = bpfrt_prog__run(prog, &ro);
    if (!err && r0)
        *r0 = ro.retval;
    bpfrt_prog__free(prog);
    return err;
}

/* v = lookup(map, &key (u32)); if !v return 1; *(u64 *)(v + off) = 0x4141...; return 0.
 * The store is instruction 9. */
static int poke(struct bpfrt_map *m, uint32_t key, int32_t off, int size)
{
    struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, 10, -4, (int32_t)key),
        INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_FD, bpfrt_map__id(m), 0),
        INSN_MOV64_REG(2, 10),
        INSN_ALU64_IMM(BPF_ADD, 2, -4),
        INSN_CALL(BPF_FUNC_map_lookup_elem),
        INSN_JMP_IMM(BPF_JNE, 0, 0, 2),
        INSN_MOV64_IMM(0, 1),
        INSN_EXIT(),
        INSN_ST_IMM(size, 0, off, 0x41414141),
        INSN_MOV64_IMM(0, 0),
        INSN_EXIT(),
    };
    uint64_t r0 = 7;
    int err = run_checked(p, sizeof(p) / sizeof(p[0]), &r0);
    if (!err)
        cr_assert_eq(r0, 0, "key %u not found", key);
    return err;
}

/* Every key of m once (get_next_key, bounded): returns the count; fails
 * the test on a repeated key or a walk that does not end. */
static unsigned dump_u32(struct bpfrt_map *m, unsigned limit)
{
    uint32_t key, next, seen[4096];
    unsigned n = 0;
    int err;

    for (err = bpfrt_map__get_next_key(m, NULL, &next, 4); !err; err = bpfrt_map__get_next_key(m, &key, &next, 4)) {
        for (unsigned i = 0; i < n; i++)
            cr_assert_neq(seen[i], next, "key %u twice in a dump", next);
        cr_assert_lt(n, limit, "dump does not end");
        seen[n++] = next;
        key = next;
    }
    cr_assert_eq(err, -ENOENT);
    return n;
}

/* The map still works: values as left, update, delete, dump. */
static void hash_intact(struct bpfrt_map *m, unsigned nkeys)
{
    uint64_t v;

    for (uint32_t k = 0; k < nkeys; k++) {
        cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 0), 0, "key %u lost", k);
        cr_assert_eq(v, 100 + k, "key %u: value %llu", k, (unsigned long long)v);
    }
    cr_assert_eq(dump_u32(m, 1000), nkeys);
    for (uint32_t k = 0; k < nkeys; k++) {
        v = 200 + k;
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_EXIST), 0);
    }
    uint32_t k = 0;
    cr_assert_eq(bpfrt_map__delete_elem(m, &k, 4, 0), 0);
    cr_assert_eq(dump_u32(m, 1000), nkeys - 1);
    v = 100;
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_NOEXIST), 0);
    for (k = 0; k < nkeys; k++) {
        v = 100 + k;
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_ANY), 0);
    }
}

static struct bpfrt_map *filled_hash(const char *name, unsigned nkeys)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_HASH, name, 4, 8, 64, 0);
    for (uint32_t k = 0; k < nkeys; k++) {
        uint64_t v = 100 + k;
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_ANY), 0);
    }
    return m;
}

static void expect_refused_at(int err, const char *what, const char *insn)
{
    cr_assert_eq(err, -EFAULT, "%s: run gave %d (%s)", what, err, errbuf);
    cr_assert(strstr(errbuf, insn) == errbuf, "%s: not '%s' in '%s'", what, insn, errbuf);
    cr_assert(strstr(errbuf, "map 'victim'"), "%s: map not named in '%s'", what, errbuf);
}

/* poke's store is instruction 9 (the LD_IMM64 takes two). */
static void expect_refused(int err, const char *what)
{
    expect_refused_at(err, what, "insn 9:");
}

/* The link of an element: 8 bytes at value - key (8) - header (40). */
Test(robust, hostile_write_link)
{
    struct bpfrt_map *m = filled_hash("victim", 16);

    expect_refused(poke(m, 3, -48, BPF_DW), "link");
    cr_assert(strstr(errbuf, "header of element"), "%s", errbuf);
    hash_intact(m, 16);
    bpfrt_map__free(m);
}

Test(robust, hostile_write_key_and_header)
{
    struct bpfrt_map *m = filled_hash("victim", 16);

    expect_refused(poke(m, 3, -8, BPF_DW), "key");
    cr_assert(strstr(errbuf, "the key of element"), "%s", errbuf);
    expect_refused(poke(m, 3, -16, BPF_DW), "hash word");
    expect_refused(poke(m, 3, -1, BPF_B), "last key byte");
    hash_intact(m, 16);
    bpfrt_map__free(m);
}

Test(robust, hostile_write_past_value)
{
    struct bpfrt_map *m = filled_hash("victim", 16);

    expect_refused(poke(m, 3, 8, BPF_DW), "past the value");
    expect_refused(poke(m, 3, 4, BPF_DW), "straddling the end");
    cr_assert(strstr(errbuf, "past the end of the value"), "%s", errbuf);
    hash_intact(m, 16);
    bpfrt_map__free(m);
}

/* The bucket locks and chain heads, the free lists and the arena header,
 * addressed from the value pointer the lookup returns. */
Test(robust, hostile_write_buckets_and_header)
{
    struct bpfrt_map *m = filled_hash("victim", 16);
    uint32_t k = 3;
    uint8_t *val = m->ops->lookup(m, &k, 0);
    int64_t to_hdr = -(int64_t)(val - m->arena.base);
    int32_t targets[] = {(int32_t)to_hdr,                /* arena header (magic) */
                         (int32_t)(to_hdr + 64),         /* hash header: n_buckets, count */
                         (int32_t)(to_hdr + 192),        /* bucket 0's lock */
                         (int32_t)(to_hdr + 192 + 40),   /* bucket 0's head */
                         (int32_t)(to_hdr + 192 + 48 * 5)}; /* bucket 5's lock */

    cr_assert_lt(-to_hdr, 1 << 30);
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        expect_refused(poke(m, 3, targets[i], BPF_DW), "bucket area");
        cr_assert(strstr(errbuf, "not in an element's value"), "%s", errbuf);
    }
    /* the lock word itself set to a live pid (1) hung every update before */
    expect_refused(poke(m, 3, (int32_t)(to_hdr + 192), BPF_W), "lock word");
    hash_intact(m, 16);
    bpfrt_map__free(m);
}

/* LRU and LPM maps: the same walls. */
Test(robust, hostile_lru_and_lpm)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_LRU_HASH, "victim", 4, 8, 64, 0);
    uint64_t v = 5;

    for (uint32_t k = 0; k < 8; k++)
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, 0), 0);
    expect_refused(poke(m, 2, -48, BPF_DW), "LRU link");
    expect_refused(poke(m, 2, -48 + 16, BPF_DW), "LRU list links");
    cr_assert_eq(poke(m, 2, 0, BPF_DW), 0, "%s", errbuf);
    cr_assert_eq(dump_u32(m, 100), 8);
    bpfrt_map__free(m);

    /* LPM: key {prefixlen 32, 4 bytes}; lookup, then poke before the value */
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .map_flags = BPF_F_NO_PREALLOC};
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_LPM_TRIE, "victim", 8, 8, 16, &o, &m), 0);
    uint8_t key[8] = {32, 0, 0, 0, 10, 0, 0, 1};
    cr_assert_eq(bpfrt_map__update_elem(m, key, 8, &v, 8, 0), 0);
    struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, 10, -8, 32),
        INSN_ST_IMM(BPF_W, 10, -4, 0x0100000a),
        INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_FD, bpfrt_map__id(m), 0),
        INSN_MOV64_REG(2, 10),
        INSN_ALU64_IMM(BPF_ADD, 2, -8),
        INSN_CALL(BPF_FUNC_map_lookup_elem),
        INSN_JMP_IMM(BPF_JEQ, 0, 0, 1),
        INSN_ST_IMM(BPF_DW, 0, -40, 0x41), /* insn 8: the node's child links */
        INSN_EXIT(),
    };
    expect_refused_at(run_checked(p, sizeof(p) / sizeof(p[0]), NULL), "LPM child link", "insn 8:");
    cr_assert(strstr(errbuf, "of node"), "%s", errbuf);
    uint64_t got = 0;
    cr_assert_eq(bpfrt_map__lookup_elem(m, key, 8, &got, 8, 0), 0);
    cr_assert_eq(got, 5);
    bpfrt_map__free(m);
}

/* ------------------------------------------------------------ legit */

Test(robust, legit_whole_value_and_global_data)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_HASH, "h", 4, 16, 8, 0);
    uint64_t v[2] = {1, 2}, got[2];
    uint32_t k = 4;

    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, v, 16, 0), 0);
    cr_assert_eq(poke(m, 4, 0, BPF_DW), 0, "%s", errbuf);
    cr_assert_eq(poke(m, 4, 8, BPF_DW), 0, "%s", errbuf);
    cr_assert_eq(poke(m, 4, 15, BPF_B), 0, "%s", errbuf);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, got, 16, 0), 0);
    cr_assert_eq(got[0], 0x41414141ull);
    cr_assert_eq(got[1], 0x4100000041414141ull, "%llx", (unsigned long long)got[1]);
    bpfrt_map__free(m);

    /* global data: a one-entry array reached through BPF_PSEUDO_MAP_VALUE */
    struct bpfrt_map *d = mk(BPF_MAP_TYPE_ARRAY, "x.data", 4, 20, 1, 0);
    struct bpf_insn p[] = {
        INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_VALUE, bpfrt_map__id(d), 4),
        INSN_ST_IMM(BPF_W, 1, 12, 77), /* bytes 16..19: the last of the value */
        INSN_LDX(BPF_W, 0, 1, 12),
        INSN_EXIT(),
    };
    uint64_t r0 = 0;
    cr_assert_eq(run_checked(p, sizeof(p) / sizeof(p[0]), &r0), 0, "%s", errbuf);
    cr_assert_eq(r0, 77);
    struct bpf_insn q[] = {
        INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_VALUE, bpfrt_map__id(d), 4),
        INSN_ST_IMM(BPF_W, 1, 16, 77), /* bytes 20..23: padding after the value */
        INSN_EXIT(),
    };
    cr_assert_eq(run_checked(q, sizeof(q) / sizeof(q[0]), NULL), -EFAULT);
    cr_assert(strstr(errbuf, "past the end of the value of index 0"), "%s", errbuf);
    bpfrt_map__free(d);
}

Test(robust, legit_percpu_slot)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_PERCPU_HASH, "victim", 4, 12, 8, 0);
    uint8_t all[2 * 16] = {0}, got[2 * 16];
    uint32_t k = 1;

    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, all, sizeof(all), 0), 0);
    cr_assert_eq(poke(m, 1, 8, BPF_W), 0, "%s", errbuf); /* the slot's last 4 bytes */
    expect_refused(poke(m, 1, 8, BPF_DW), "slot padding");
    expect_refused(poke(m, 1, -48, BPF_DW), "per-CPU link");
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, got, sizeof(got), 0), 0);
    cr_assert_eq(got[8], 0x41);
    cr_assert_eq(got[16 + 8], 0, "the other CPU's slot is untouched");
    bpfrt_map__free(m);
}

/* ------------------------------------------------------------ crashes */

static const char *die_step;
static unsigned die_skip; /* occurrences of die_step to let pass first */

static void die_at(const char *step)
{
    if (die_step && !strcmp(step, die_step) && die_skip-- == 0)
        raise(SIGKILL);
}

/* Child: open the pin, die at die_step while updating (or deleting) keys
 * in insertion order.  Exit 3 when the step was never reached. */
static void child_update_until_death(const char *path, int del)
{
    struct bpfrt_map *m = NULL;

    if (bpfrt_map__open_pinned(path, &m))
        _exit(2);
    map_step_hook = die_at;
    for (uint32_t k = 0; k < 48; k++) {
        uint64_t v = 1000 + k;
        if (del)
            bpfrt_map__delete_elem(m, &k, 4, 0);
        else
            bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_ANY);
    }
    _exit(3);
}

static void crash_at(const char *step, int del)
{
    struct bpfrt_map *m = filled_hash("crash", 48), *q = NULL;
    unsigned present = 0;
    pid_t pid;
    int st;

    cr_assert_eq(bpfrt_map__pin(m, pth("crash")), 0);
    die_step = step;
    die_skip = 0;
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        child_update_until_death(pth("crash"), del);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "step %s not reached (status %#x)", step, st);

    /* The survivor's own handle (the same shared file): a dump ends and
     * shows every key once, then the dead writer's bucket is taken over. */
    for (uint32_t k = 0; k < 48; k++) {
        uint64_t v;
        if (bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 0) == 0) {
            present++;
            cr_assert(v == 100 + k || v == 1000 + k, "key %u: %llu", k, (unsigned long long)v);
        }
    }
    cr_assert_eq(dump_u32(m, 1000), present);
    cr_assert_geq(present, del ? 47u : 48u);
    for (uint32_t k = 0; k < 48; k++) {
        uint64_t v = 100 + k;
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_ANY), 0, "key %u", k);
    }
    /* a new process view: exact count, every operation works */
    cr_assert_eq(bpfrt_map__open_pinned(pth("crash"), &q), 0);
    hash_intact(q, 48);
    /* the map is full to max_entries 64 exactly: the count was repaired */
    for (uint32_t k = 48; k < 64; k++) {
        uint64_t v = 1;
        cr_assert_eq(bpfrt_map__update_elem(q, &k, 4, &v, 8, BPF_NOEXIST), 0, "key %u", k);
    }
    uint32_t k = 64;
    uint64_t v = 1;
    cr_assert_eq(bpfrt_map__update_elem(q, &k, 4, &v, 8, BPF_NOEXIST), -E2BIG);
    bpfrt_map__free(q);
    bpfrt_map__free(m);
}

/* Between taking the bucket lock and anything else. */
Test(robust, crash_at_update_locked)
{
    crash_at("htab.update.locked", 0);
}

/* With a free element in hand (popped, not linked: leaked). */
Test(robust, crash_at_update_popped)
{
    crash_at("htab.update.popped", 0);
}

/* Old element at the head replaced by one store. */
Test(robust, crash_at_update_replaced)
{
    crash_at("htab.update.replaced", 0);
}

/* New element linked at the head, old one still in the chain further
 * down: the window that left a key twice before (a dump then looped). */
Test(robust, crash_at_update_linked)
{
    crash_at("htab.update.linked", 0);
}

Test(robust, crash_at_update_unlinked)
{
    crash_at("htab.update.unlinked", 0);
}

Test(robust, crash_at_delete_unlinked)
{
    crash_at("htab.delete.unlinked", 1);
}

/* A child takes a bucket lock and dies; the parent does not reap it, so
 * it is a zombie whose pid still answers kill(pid, 0): the parent's
 * update must still go through (with pid-owned locks it hung). */
Test(robust, zombie_owner, .timeout = 60)
{
    struct bpfrt_map *m = filled_hash("zombie", 48);
    siginfo_t si;
    char path[64], buf[256] = {0};
    FILE *f;
    pid_t pid;
    int st;

    cr_assert_eq(bpfrt_map__pin(m, pth("zombie")), 0);
    die_step = "htab.update.locked";
    die_skip = 0;
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        child_update_until_death(pth("zombie"), 0);
    memset(&si, 0, sizeof(si));
    cr_assert_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0); /* dead, left unreaped */
    cr_assert_eq(si.si_code, CLD_KILLED);
    cr_assert_eq(kill(pid, 0), 0, "a zombie answers kill(pid, 0)");
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    cr_assert(strstr(buf, ") Z "), "not a zombie: %s", buf);

    for (uint32_t k = 0; k < 48; k++) { /* key 0's bucket is the one held */
        uint64_t v = 100 + k;
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_ANY), 0);
    }
    hash_intact(m, 48);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    bpfrt_map__free(m);
}

/* The value lock (struct bpf_spin_lock, BPF_F_LOCK) of a zombie owner. */
Test(robust, zombie_value_lock_owner, .timeout = 60)
{
    struct map_attr attr = {.type = BPF_MAP_TYPE_ARRAY,
                            .key_size = 4,
                            .value_size = 16,
                            .max_entries = 2,
                            .nr_workers = 1,
                            .spin_lock_at = 1};
    struct bpfrt_map *m = NULL;
    uint32_t k = 0, v[4] = {0, 5, 6, 7}, got[4];
    siginfo_t si;
    pid_t pid;
    int st;

    cr_assert_eq(map_create(&attr, "vlock", NULL, 0, &m), 0);
    cr_assert_eq(bpfrt_map__pin(m, pth("vlock")), 0);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct bpfrt_map *c = NULL;
        if (bpfrt_map__open_pinned(pth("vlock"), &c))
            _exit(2);
        map_value_lock((uint32_t *)c->ops->lookup(c, &k, 0));
        raise(SIGKILL);
    }
    memset(&si, 0, sizeof(si));
    cr_assert_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, v, 16, BPF_F_LOCK), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, got, 16, BPF_F_LOCK), 0);
    cr_assert_eq(got[3], 7);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    bpfrt_map__free(m);
}

/* A pin of an older arena layout is refused with a clear message. */
Test(robust, old_arena_version_refused)
{
    struct bpfrt_map *m = filled_hash("old", 4), *q = NULL;
    char log[512] = "";
    FILE *f;
    uint32_t ver = 1;

    cr_assert_eq(bpfrt_map__pin(m, pth("old")), 0);
    bpfrt_map__free(m);
    f = fopen(pth("old"), "r+");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, 8, SEEK_SET), 0); /* struct map_arena_hdr: magic, then version */
    cr_assert_eq(fwrite(&ver, 4, 1, f), 1);
    fclose(f);
    cr_assert_eq(bpfrt_map__open_pinned(pth("old"), &q), -EINVAL);
    snprintf(log, sizeof(log), "%s", bpfrt_pin_error());
    cr_assert(strstr(log, "version 1"), "%s", log);
}

/* ------------------------------------------------------------ stress */

enum { NPROC = 2, NTHR = 2, NCTR = 4, NCHURN = 16, ROUNDS = 2000 };

struct stress {
    enum bpf_map_type type;
    struct bpfrt_map *m;
    struct bpfrt_prog *add; /* lookup key (data), atomic add 1 */
    int proc;
};

static uint32_t key_size(enum bpf_map_type t)
{
    return t == BPF_MAP_TYPE_LPM_TRIE ? 8 : 4;
}

/* Key of thread g: counters (kind 0, idx < NCTR) and churn keys (kind 1). */
static void mkkey(enum bpf_map_type t, unsigned g, unsigned kind, unsigned idx, uint8_t *key)
{
    if (t == BPF_MAP_TYPE_LPM_TRIE) {
        /* counters are /32 prefixes; churn keys vary in length so that
         * intermediate nodes come and go around the counters */
        uint32_t plen = kind ? 20 + idx % 13 : 32;
        memcpy(key, &plen, 4);
        key[4] = (uint8_t)(10 + g);
        key[5] = (uint8_t)(kind ? 128 + idx * 7 : idx);
        key[6] = (uint8_t)(kind ? idx * 16 : 0);
        key[7] = (uint8_t)(kind ? 0 : 1);
        return;
    }
    uint32_t k = g << 16 | kind << 8 | idx;
    memcpy(key, &k, 4);
}

static void *stress_thread(void *arg)
{
    struct stress *s = arg;
    unsigned g = (unsigned)s->proc; /* the thread's number, proc * NTHR + t */
    uint8_t key[8];
    uint64_t v = 1;
    long bad = 0;

    for (unsigned r = 0; r < ROUNDS; r++) {
        for (unsigned i = 0; i < NCTR; i++) {
            mkkey(s->type, g, 1, (r + i) % NCHURN, key);
            bpfrt_map__update_elem(s->m, key, key_size(s->type), &v, 8, BPF_ANY);
            mkkey(s->type, g, 1, (r + i + 5) % NCHURN, key);
            bpfrt_map__delete_elem(s->m, key, key_size(s->type), 0);
            mkkey(s->type, g, 0, i, key);
            BPFRT_OPTS(bpfrt_run_opts, ro, .data = key, .data_size = key_size(s->type));
            if (bpfrt_prog__run(s->add, &ro) || ro.retval != 0)
                bad++;
        }
    }
    return (void *)bad;
}

/* One process of the stress test: NTHR threads, each thread its own keys
 * (thread g = proc * NTHR + t). */
static void stress_child(enum bpf_map_type type, const char *path, int proc)
{
    struct stress s[NTHR];
    pthread_t th[NTHR];
    struct bpfrt_map *m = NULL;
    struct bpfrt_prog *add = NULL;
    long bad = 0;

    if (bpfrt_map__open_pinned(path, &m))
        _exit(2);
    struct bpf_insn p[] = {
        INSN_MOV64_REG(2, 1),
        INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_FD, bpfrt_map__id(m), 0),
        INSN_CALL(BPF_FUNC_map_lookup_elem),
        INSN_JMP_IMM(BPF_JNE, 0, 0, 2),
        INSN_MOV64_IMM(0, 1),
        INSN_EXIT(),
        INSN_MOV64_IMM(1, 1),
        INSN_ATOMIC(BPF_DW, BPF_ADD, 0, 1, 0),
        INSN_MOV64_IMM(0, 0),
        INSN_EXIT(),
    };
    if (bpfrt_prog__load_insns(p, sizeof(p) / sizeof(p[0]), NULL, &add))
        _exit(4);
    for (int t = 0; t < NTHR; t++) {
        s[t] = (struct stress){type, m, add, proc * NTHR + t};
        if (pthread_create(&th[t], NULL, stress_thread, &s[t]))
            _exit(5);
    }
    for (int t = 0; t < NTHR; t++) {
        void *r;
        pthread_join(th[t], &r);
        bad += (long)r;
    }
    _exit(bad ? 6 : 0);
}

static unsigned stress_trials(void)
{
    const char *e = getenv("BPFRT_STRESS_TRIALS");
    long n = e ? strtol(e, NULL, 10) : 0;
    return n > 0 && n < 100000 ? (unsigned)n : 20;
}

/* Walk m with get_next_key: ends, no key twice; returns the count. */
static unsigned dump_keys(struct bpfrt_map *m, uint32_t ks)
{
    uint8_t keys[512][8], cur[8], next[8];
    unsigned n = 0;
    int err;

    for (err = bpfrt_map__get_next_key(m, NULL, next, ks); !err; err = bpfrt_map__get_next_key(m, cur, next, ks)) {
        cr_assert_lt(n, 512u, "dump does not end");
        for (unsigned i = 0; i < n; i++)
            cr_assert(memcmp(keys[i], next, ks), "a key twice in a dump");
        memcpy(keys[n++], next, ks);
        memcpy(cur, next, ks);
    }
    cr_assert_eq(err, -ENOENT, "dump: %d", err);
    return n;
}

static void stress(enum bpf_map_type type, uint32_t flags, const char *name)
{
    unsigned trials = stress_trials(), bad = 0, hit = 0;
    uint64_t window_us = 6000; /* kill within the survivor's last run time */
    uint32_t ks = key_size(type);
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    srand((unsigned)ts.tv_nsec ^ (unsigned)getpid());
    for (unsigned trial = 0; trial < trials; trial++) {
        struct bpfrt_map *m = mk(type, name, ks, 8, 1024, flags);
        pid_t pid[NPROC];
        uint8_t key[8];
        uint64_t zero = 0, v;
        int st[NPROC];
        char pin[64];

        snprintf(pin, sizeof(pin), "%s%u", name, trial);
        for (unsigned g = 0; g < NPROC * NTHR; g++)
            for (unsigned i = 0; i < NCTR; i++) {
                mkkey(type, g, 0, i, key);
                cr_assert_eq(bpfrt_map__update_elem(m, key, ks, &zero, 8, BPF_NOEXIST), 0);
            }
        cr_assert_eq(bpfrt_map__pin(m, pth(pin)), 0);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int p = 0; p < NPROC; p++) {
            pid[p] = fork();
            cr_assert_geq(pid[p], 0);
            if (pid[p] == 0) {
                /* an orphan must not outlive a failed test (it would keep
                 * the runner's output open) */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                stress_child(type, pth(pin), p);
            }
        }
        usleep((useconds_t)((uint64_t)rand() % (window_us + 1)));
        kill(pid[0], SIGKILL);
        for (int p = NPROC; p-- > 0;)
            cr_assert_eq(waitpid(pid[p], &st[p], 0), pid[p]);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        window_us = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000 + (uint64_t)(t1.tv_nsec - t0.tv_nsec) / 1000;
        if (window_us > 20000) /* a loaded machine: keep trials short */
            window_us = 20000;
        hit += WIFSIGNALED(st[0]) && WTERMSIG(st[0]) == SIGKILL; /* killed while it worked */
        cr_assert(WIFEXITED(st[1]) && WEXITSTATUS(st[1]) == 0, "trial %u: survivor status %#x", trial, st[1]);

        /* from the creator's handle and from a fresh one */
        for (int view = 0; view < 2; view++) {
            struct bpfrt_map *q = m;
            if (view)
                cr_assert_eq(bpfrt_map__open_pinned(pth(pin), &q), 0);
            unsigned n = dump_keys(q, ks);
            cr_assert_geq(n, NPROC * NTHR * NCTR);
            for (unsigned g = 0; g < NPROC * NTHR; g++)
                for (unsigned i = 0; i < NCTR; i++) {
                    mkkey(type, g, 0, i, key);
                    cr_assert_eq(bpfrt_map__lookup_elem(q, key, ks, &v, 8, 0), 0, "trial %u: counter lost", trial);
                    if (g >= NTHR && v != ROUNDS) /* the survivor's: exact */
                        bad++, cr_log_error("trial %u: thread %u counter %u = %llu, want %u", trial, g, i,
                                            (unsigned long long)v, ROUNDS);
                    if (g < NTHR)
                        cr_assert_leq(v, ROUNDS);
                }
            /* usable: a new key, its update, its delete */
            mkkey(type, 7, 1, 3, key);
            v = 9;
            cr_assert_eq(bpfrt_map__update_elem(q, key, ks, &v, 8, BPF_NOEXIST), 0, "trial %u", trial);
            cr_assert_eq(bpfrt_map__lookup_elem(q, key, ks, &v, 8, 0), 0);
            cr_assert_eq(v, 9);
            cr_assert_eq(bpfrt_map__delete_elem(q, key, ks, 0), 0);
            cr_assert_eq(dump_keys(q, ks), n);
            if (view)
                bpfrt_map__free(q);
        }
        bpfrt_map__free(m);
        unlink(pth(pin));
    }
    cr_log_info("stress %s: %u trials (%u kills during the work), %u bad outcomes", name, trials, hit, bad);
    fprintf(stderr, "stress %s: %u trials (%u kills during the work), %u bad outcomes\n", name, trials, hit, bad);
    cr_assert_eq(bad, 0);
}

Test(robust, stress_hash, .timeout = 600)
{
    stress(BPF_MAP_TYPE_HASH, 0, "sh");
}

Test(robust, stress_lru, .timeout = 600)
{
    stress(BPF_MAP_TYPE_LRU_HASH, 0, "sl");
}

Test(robust, stress_lpm, .timeout = 600)
{
    stress(BPF_MAP_TYPE_LPM_TRIE, BPF_F_NO_PREALLOC, "sp");
}
