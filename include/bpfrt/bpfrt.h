/* bpfrt.h - public API of libbpfrt, the eBPF system in user space.
 *
 * Conventions (libbpf's habits): names read object__verb; functions return
 * 0 or a negative errno; options are structs whose first field is their
 * size (use BPFRT_OPTS), so fields can be added without breaking callers.
 * The library never prints and never exits: messages go to a log buffer
 * the caller supplies.
 */
#ifndef BPFRT_BPFRT_H
#define BPFRT_BPFRT_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Declare and zero an options struct, setting its size field. */
#define BPFRT_OPTS(type, name, ...) struct type name = {.sz = sizeof(struct type), __VA_ARGS__}

/* A loaded program.  (A program of an ELF object before it is loaded is a
 * struct bpfrt_program, as in libbpf: it has a section, relocations and
 * CO-RE records still to apply; loading the object makes each one a
 * struct bpfrt_prog, which is what runs, pins and is listed.) */
struct bpfrt_prog;

/* Where and why something failed: the first error of a load, structured
 * (the log holds the same as text, "insn N: message").  Set sz to
 * sizeof(struct bpfrt_diag). */
struct bpfrt_diag {
    size_t sz;
    int err;           /* negative errno; 0 when nothing failed */
    long insn;         /* index of the instruction at fault, -1 when none */
    char message[512]; /* the reason, without the location */
};

/* What verifying a program cost: the figures the kernel's log ends with
 * ("processed N insns (limit 1000000) max_states_per_insn M total_states
 * T peak_states P mark_read R") and the time it took. */
struct bpfrt_verify_stats {
    uint64_t processed_insns;
    uint64_t max_states_per_insn;
    uint64_t total_states;
    uint64_t peak_states;
    uint64_t mark_read;
    uint64_t verification_time_ns;
};

struct bpfrt_prog_load_opts {
    size_t sz;
    enum bpf_prog_type type; /* BPF_PROG_TYPE_UNSPEC: the raw convention */
    const char *name;
    const char *license; /* decides GPL-only helpers, as in the kernel; NULL: "GPL" */
    char *log_buf; /* receives the reason when loading fails */
    size_t log_size;
    enum bpf_attach_type expected_attach_type;
    struct bpfrt_diag *diag; /* optional: the first error, structured */
    /* The verifier (added with it; zero: the defaults) */
    uint32_t log_level;      /* the kernel's: 1 (the path to an error), 2 (every instruction), 4 (statistics);
                                combinable; the log goes to log_buf */
    int unpriv;              /* the unprivileged verifier's rules (no pointer leaks or comparisons, ...);
                                0: privileged (CAP_BPF + CAP_PERFMON) */
    uint32_t prog_flags;     /* BPF_F_STRICT_ALIGNMENT, BPF_F_ANY_ALIGNMENT, BPF_F_TEST_STATE_FREQ, ... */
    struct bpfrt_verify_stats *stats; /* optional out: what verification cost */
    /* BTF describing the program (for global functions' signatures and
     * the source lines in explanations): raw .BTF blob, and func/line
     * info records as the kernel's BPF_PROG_LOAD takes them. */
    const void *btf;
    size_t btf_size;
    const void *func_info;
    uint32_t func_info_rec_size, func_info_cnt;
    const void *line_info;
    uint32_t line_info_rec_size, line_info_cnt;
    /* The engine of a verified program: "jit" or "interp"; NULL: the
     * environment's BPFRT_ENGINE, else the default.  An unverified program
     * always runs in the interpreter. */
    const char *engine;
};

/* Load cnt instructions through the load pipeline: encodings and jumps
 * checked, map references resolved, the verifier's stage (until the
 * verifier exists: the checks it can make without it, and the program
 * marked unverified), the fix-up (helper calls resolved, context
 * accesses converted: the "xlated" program), then the engine's image.
 * On success *progp owns a copy of insns.  Errors: -EINVAL (bad encoding,
 * a helper the program type may not call, a GPL-only helper without a
 * GPL license; the log names the instruction and the reason), -E2BIG
 * (over BPFRT_MAX_INSNS), -ENOMEM, -EBADF (no such map), -EOPNOTSUPP (a
 * construct bpfrt cannot run, named in the log). */
int bpfrt_prog__load_insns(const struct bpf_insn *insns, size_t cnt, const struct bpfrt_prog_load_opts *opts,
                           struct bpfrt_prog **progp);
void bpfrt_prog__free(struct bpfrt_prog *prog);
/* Verify cnt instructions as bpfrt_prog__load_insns would, without
 * keeping a program: the kernel's verdict.  0 when accepted; when
 * rejected, the kernel's errno (-EACCES for an unsafe program, -EINVAL
 * for a malformed one, -E2BIG past the complexity limits) with the
 * reason in opts->diag and the log (log_level 1 and up: the kernel's log
 * followed by the explanation).  opts->stats receives the figures either
 * way. */
int bpfrt_prog__verify_insns(const struct bpf_insn *insns, size_t cnt, const struct bpfrt_prog_load_opts *opts);
size_t bpfrt_prog__insn_cnt(const struct bpfrt_prog *prog);
const struct bpf_insn *bpfrt_prog__insns(const struct bpfrt_prog *prog);
const char *bpfrt_prog__name(const struct bpfrt_prog *prog);
/* Unique id from 1 (what a prog array holds, what bpftool shows). */
uint32_t bpfrt_prog__id(const struct bpfrt_prog *prog);
enum bpf_prog_type bpfrt_prog__type(const struct bpfrt_prog *prog);
/* Has the verifier proven the program safe?  (0 for every program until
 * the verifier exists.) */
int bpfrt_prog__is_verified(const struct bpfrt_prog *prog);
/* The engine that runs it ("jit" or "interp"). */
const char *bpfrt_prog__engine(const struct bpfrt_prog *prog);
/* Its machine code when the JIT runs it: the size in bytes (0: it runs in
 * the interpreter), the code in *code and, in *insn_off, where each
 * xlated instruction starts in it (bpfrt_prog__xlated_cnt() + 1 offsets
 * from *code, the last the end of the body; an LD_IMM64's second slot
 * has the next instruction's).  The code before instruction 0 is the
 * entry and the shared exits.  Valid while the program is. */
size_t bpfrt_prog__jited(const struct bpfrt_prog *prog, const uint8_t **code, const uint32_t **insn_off);
/* The translated program (what `prog dump xlated` shows and the engine
 * runs): helper calls resolved and context accesses converted; map
 * references kept as references.  orig_idx: the index of the original
 * instruction xlated instruction i came from, -1 out of range. */
size_t bpfrt_prog__xlated_cnt(const struct bpfrt_prog *prog);
const struct bpf_insn *bpfrt_prog__xlated_insns(const struct bpfrt_prog *prog);
long bpfrt_prog__xlated_orig_idx(const struct bpfrt_prog *prog, size_t i);

/* Program types (bpftool's names: "xdp", "sched_cls", "socket_filter",
 * ...; also the words "socket", "classifier", "tc", "action",
 * "cgroup/skb", and "raw" for BPF_PROG_TYPE_UNSPEC, bpfrt's raw
 * convention; "unspec" is refused).  0 / -ENOENT. */
int bpfrt_prog_type_from_name(const char *name, enum bpf_prog_type *type);
/* The name of a type ("unspec" for BPF_PROG_TYPE_UNSPEC), or NULL when
 * the UAPI header does not define it. */
const char *bpfrt_prog_type_name(enum bpf_prog_type type);
/* The name of a return code of the type ("XDP_PASS", "TC_ACT_SHOT"), or
 * NULL when the type gives that value no name. */
const char *bpfrt_prog_type_retval_name(enum bpf_prog_type type, uint64_t retval);
/* The type the section name of an ELF object gives (libbpf's SEC()
 * conventions, iproute2's names), with its expected attach type; -ENOENT
 * when the name gives none. */
int bpfrt_prog_type_from_section(const char *sec, enum bpf_prog_type *type, enum bpf_attach_type *attach);
/* Can bpfrt run programs of this type yet (1), or does it lack the
 * type's context (0)? */
int bpfrt_prog_type_can_run(enum bpf_prog_type type);

/* The license it was loaded with ("GPL" when none was given), and whether
 * the kernel would call it GPL-compatible (license_is_gpl_compatible). */
const char *bpfrt_prog__license(const struct bpfrt_prog *prog);
int bpfrt_prog__gpl_compatible(const struct bpfrt_prog *prog);
/* The ids of the maps it uses, in order of first reference (the kernel's
 * used_maps, bpftool's map_ids): up to max into ids; returns how many it
 * uses. */
size_t bpfrt_prog__map_ids(const struct bpfrt_prog *prog, uint32_t *ids, size_t max);
/* When it was loaded (seconds since the epoch) and by whom (uid): a pinned
 * program keeps its loader's, as bpftool shows them. */
uint64_t bpfrt_prog__load_time(const struct bpfrt_prog *prog);
uint32_t bpfrt_prog__uid(const struct bpfrt_prog *prog);
enum bpf_attach_type bpfrt_prog__expected_attach_type(const struct bpfrt_prog *prog);

/* The kernel's program tag (bpf_prog_calc_tag, what bpftool prints as
 * "tag"): the first 8 bytes of the SHA-1 (Linux before 6.18) or SHA-256
 * (from 6.18 on; chosen by the running kernel, BPFRT_TAG_HASH=sha1|sha256
 * overrides) of the instructions, the map of every map load counted as
 * zero.  A pinned program keeps the tag it was pinned with.  0, -EINVAL,
 * -ENOMEM. */
int bpfrt_prog__tag(const struct bpfrt_prog *prog, uint8_t tag[8]);
/* The same over any instructions (a subprogram: the kernel tags each
 * function, "bpf_prog_<tag>_<name>"). */
int bpfrt_prog_calc_tag(const struct bpf_insn *insns, size_t cnt, uint8_t tag[8]);

/* Source facts of a loaded program, from its object's BTF func and line
 * info (kept as text with the program, and by its pin); none for raw
 * instructions.  Strings belong to the program ("" when unknown). */
struct bpfrt_func_info {
    uint32_t insn_off; /* the function's first instruction */
    const char *name;  /* its BTF name */
    const char *proto; /* its prototype as bpftool heads it: "int f(struct xdp_md * ctx)", or "" */
};
struct bpfrt_line_info {
    uint32_t insn_off; /* the first instruction of the line's code */
    uint32_t line_nr, col;
    const char *file, *text;
};
/* The function that starts at instruction idx: 0, or -ENOENT. */
int bpfrt_prog__func_at(const struct bpfrt_prog *prog, size_t idx, struct bpfrt_func_info *fi);
/* The line record that starts at instruction idx (bpftool's `linum`
 * listing shows a line once, there): 0, or -ENOENT. */
int bpfrt_prog__line_at(const struct bpfrt_prog *prog, size_t idx, struct bpfrt_line_info *li);
/* The line instruction idx comes from (the last record at or before it):
 * 0, or -ENOENT. */
int bpfrt_prog__source_line(const struct bpfrt_prog *prog, size_t idx, struct bpfrt_line_info *li);

#define BPFRT_MAX_INSNS 1000000 /* BPF_COMPLEXITY_LIMIT_INSNS */

enum bpfrt_run_flags {
    /* Validate every memory access against the regions the program may
     * touch; a violation stops the run with an error naming the
     * instruction, the address and the region.  Also counts instructions. */
    BPFRT_RUN_CHECKED = 1u << 0,
    /* Run a program the verifier has not proven safe WITHOUT checks.  Such
     * a program may read and write any memory of the process, loop until
     * its budget ends, and crash it: for code you trust, e.g. for
     * benchmarks.  Without this flag an unverified program always runs
     * checked (safe by default). */
    BPFRT_RUN_UNVERIFIED_UNCHECKED = 1u << 1,
};

struct bpfrt_run_opts {
    size_t sz;
    /* Input: the raw conformance convention for now: r1 = address of
     * data (0 when data is NULL), r2 = data_size.  The data is read and
     * written in place: pass a copy to keep the original. */
    void *data;
    size_t data_size;
    uint32_t flags;    /* enum bpfrt_run_flags */
    uint32_t repeat;   /* runs; 0 means 1.  duration is the mean */
    uint64_t budget;   /* instruction budget per run; 0: BPFRT_DEFAULT_BUDGET */
    uint32_t worker;   /* worker (CPU) index seen by the program */
    /* Output */
    uint64_t retval;      /* full 64-bit r0 of the last run */
    uint64_t duration_ns; /* mean wall time per run */
    uint64_t insn_cnt;    /* instructions executed by the last run (checked mode) */
    char *err_buf;        /* receives the reason when a run fails */
    size_t err_size;
    /* Input: instruction budget of all the repeat runs together; 0: none
     * (each run still has its own budget).  Spending it stops the runs with
     * -E2BIG.  The kernel's test run takes any u32 repeat and stops only for
     * a signal; bpfrt's command caps one `prog run` this way. */
    uint64_t total_budget;
    /* Typed programs (xdp, sched_cls, sched_act, socket_filter,
     * cgroup_skb) run as the kernel's BPF_PROG_TEST_RUN runs them (the
     * fields of libbpf's bpf_test_run_opts): data / data_size are the
     * packet in (data_in; left as it is), r1 is the context the kernel's
     * test run builds, retval is the 32-bit return value.  ctx_in /
     * ctx_size_in: the UAPI context in (struct xdp_md, struct __sk_buff),
     * the fields the kernel takes there, -EINVAL for others.  Out:
     * data_out receives the packet as the program left it (at most
     * data_size_out bytes when data_size_out is not 0 on input) and
     * data_size_out its whole size; ctx_out the context out (at most
     * ctx_size_out bytes), ctx_size_out its size.  -ENOSPC, with retval
     * and the sizes set, when data_out or ctx_out is too small (a too
     * small data_out leaves ctx_out unwritten, as the kernel does).
     * Raw programs take none of these (-EINVAL for ctx_in or ctx_out). */
    const void *ctx_in;
    uint32_t ctx_size_in;
    uint32_t ctx_size_out;
    void *ctx_out;
    void *data_out;
    uint32_t data_size_out;
    /* Input: the kernel's test-run flags (bpf_test_run_opts.flags): for
     * the __sk_buff types BPF_F_TEST_SKB_CHECKSUM_COMPLETE (the skb
     * starts CHECKSUM_COMPLETE with the checksum of its data from the
     * network header; the run fails with -EBADMSG when the program left
     * it wrong); any other flag -EINVAL, as the kernel's.  XDP's
     * BPF_F_TEST_XDP_LIVE_FRAMES is not supported (-EOPNOTSUPP). */
    uint32_t test_flags;
    /* Input: the routing table bpf_fib_lookup() consults
     * (bpfrt_fib_table__load); NULL: none, every lookup gives the
     * kernel's answer for a network with the loopback alone and no
     * route (BPF_FIB_LKUP_RET_NOT_FWDED, -ENODEV for another ifindex). */
    const struct bpfrt_fib_table *fib;
    /* Output: where the last run sent the packet when it returned
     * XDP_REDIRECT or TC_ACT_REDIRECT: bpf_redirect's ifindex and flags
     * (BPF_F_INGRESS), or bpf_redirect_map's map id and key (and the
     * ifindex of a device map's entry; flags BPF_F_BROADCAST,
     * BPF_F_EXCLUDE_INGRESS).  All 0 when the last redirect call found no
     * target or none was made. */
    uint32_t redirect_ifindex;
    uint32_t redirect_map_id;
    uint32_t redirect_key;
    uint64_t redirect_flags;
};

/* ------------------------------------------------ bpf_fib_lookup's table */

/* A routing table for bpf_fib_lookup(): devices, routes and neighbours in
 * the text format of docs/CLI.md ("The routing table of bpf_fib_lookup").
 * _load reads a file, _parse a string (name for messages); 0 with
 * *table set, or a negative errno with the reason (file:line: what) in
 * err.  A table may be shared by concurrent runs (they only read it). */
struct bpfrt_fib_table;
int bpfrt_fib_table__load(const char *path, struct bpfrt_fib_table **table, char *err, size_t err_size);
int bpfrt_fib_table__parse(const char *text, const char *name, struct bpfrt_fib_table **table, char *err,
                           size_t err_size);
void bpfrt_fib_table__free(struct bpfrt_fib_table *table);

#define BPFRT_DEFAULT_BUDGET 100000000ull

/* ------------------------------------------------------------ pcap replay */

/* Run prog once per packet of a capture (pcap or pcapng, via libpcap),
 * each run on a copy of the packet: with the raw convention (r1 = data,
 * r2 = length), or for typed programs (xdp, tc, ...) as a test run of that
 * packet (bpfrt_prog__run: the context the kernel's BPF_PROG_TEST_RUN
 * builds), the packet callback seeing the packet out: what `bpfrt prog run
 * PROG pcap FILE` prints.  A packet the test run refuses (shorter than an
 * Ethernet header, longer than its buffer: -EINVAL in the kernel) does not
 * run and counts as "refused"; the replay goes on.  Maps keep what the
 * runs left in them. */
#define BPFRT_PCAP_RETVALS 8 /* return values counted one by one */

struct bpfrt_pcap_packet {
    uint64_t nr;          /* from 1, in capture order */
    const void *data;     /* the packet as the program left it (NULL when empty) */
    uint32_t len;         /* its bytes (a typed program's packet out: data_size_out) */
    uint64_t retval;      /* r0 */
    uint64_t duration_ns; /* of this run */
    /* Added with the per-verdict outputs (the library fills the struct) */
    uint32_t len_in;     /* captured bytes of the packet in */
    const char *verdict; /* the return value's name in the type's table ("XDP_PASS"), "other" when it has
                            none, "refused" when the test run refused the packet */
    int err;             /* refused: the test run's errno for it (-EINVAL: shorter than an Ethernet
                            header, longer than its buffer); the program did not run and data is the
                            packet in */
    const char *err_msg; /* refused: the reason */
    const void *data_in; /* the packet in, len_in bytes (NULL when empty) */
};
/* After each run; a non-zero return stops the replay and is returned. */
typedef int (*bpfrt_pcap_packet_fn)(const struct bpfrt_pcap_packet *pkt, void *ctx);

/* A ring buffer or perf event array record a run wrote. */
enum bpfrt_pcap_record_kind {
    BPFRT_PCAP_RINGBUF = 1, /* a ring buffer sample (bpf_ringbuf_output / _submit) */
    BPFRT_PCAP_PERF,        /* a perf event sample (bpf_perf_event_output: the raw data) */
    BPFRT_PCAP_PERF_LOST,   /* perf samples lost for want of room (lost says how many) */
};
struct bpfrt_pcap_record {
    uint64_t packet;       /* the packet whose run wrote it (0: there before the replay) */
    enum bpfrt_pcap_record_kind kind;
    struct bpfrt_map *map; /* the map it was read from */
    uint32_t cpu;          /* perf: the slot (the worker's with BPF_F_CURRENT_CPU) */
    const void *data;      /* valid during the callback */
    uint32_t size;
    uint64_t lost;         /* BPFRT_PCAP_PERF_LOST */
};
/* A non-zero return stops the replay and is returned (as packet_fn's). */
typedef int (*bpfrt_pcap_record_fn)(const struct bpfrt_pcap_record *rec, void *ctx);
/* Progress: packets done, bytes of the capture file read, its size (0
 * when unknown). */
typedef void (*bpfrt_pcap_progress_fn)(uint64_t packets, uint64_t file_pos, uint64_t file_size, void *ctx);

/* Packets per verdict. */
#define BPFRT_PCAP_VERDICTS 16
struct bpfrt_pcap_verdict {
    const char *name;   /* "XDP_PASS", "TC_ACT_SHOT" (the type's table), "other", "refused" */
    char file_name[24]; /* the output capture's: the name's last word, lower case ("pass.pcap", "shot.pcap",
                           "other.pcap", "refused.pcap") */
    uint64_t retval;    /* the return value (other, refused: 0) */
    uint64_t packets;
    uint64_t bytes;     /* captured bytes of the packets in */
    uint64_t bytes_out; /* bytes of the packets out */
};

enum bpfrt_pcap_stage {
    BPFRT_PCAP_OK = 0,
    BPFRT_PCAP_OPEN,     /* the capture could not be opened */
    BPFRT_PCAP_READ,     /* a packet could not be read (after packets runs) */
    BPFRT_PCAP_RUN,      /* the run of packet packets + 1 failed */
    BPFRT_PCAP_CALLBACK, /* the callback stopped it */
    BPFRT_PCAP_WRITE,    /* an output capture could not be written */
};

struct bpfrt_pcap_run_opts {
    size_t sz;
    uint32_t flags;  /* enum bpfrt_run_flags, for every run */
    uint64_t budget; /* per run; 0: BPFRT_DEFAULT_BUDGET */
    bpfrt_pcap_packet_fn packet_fn;
    void *ctx;
    char *log_buf; /* receives the reason when the replay fails */
    size_t log_size;
    /* Output (also after a failure: what ran before it) */
    uint64_t packets;     /* runs that completed */
    uint64_t duration_ns; /* mean per run */
    uint64_t retval_counts[BPFRT_PCAP_RETVALS]; /* runs that returned 0, 1, ... */
    uint64_t retval_other;                      /* runs that returned more */
    uint32_t failed_stage;                      /* enum bpfrt_pcap_stage */
    /* Input: instructions all the packets' runs may execute together (as
     * bpfrt_run_opts.total_budget for repeat runs); 0: no such cap.  When
     * it is spent the replay fails with -E2BIG at that packet. */
    uint64_t total_budget;
    /* Added with the per-verdict outputs (zero: as before) */
    /* Input: write every packet, as the program left it (a typed
     * program's data_out), to out_dir/<verdict>.pcap, one capture per
     * verdict (bpfrt_pcap_verdict.file_name), with the packet's time
     * stamp and the capture's link type.  The directory is created when
     * missing; files are created for the verdicts that occur, and files
     * of the type's verdict names left there by an earlier replay are
     * removed first, so the directory shows this replay only. */
    const char *out_dir;
    /* Input: ring buffer and perf event array records the program wrote,
     * read after each packet's run (what libbpf's ring_buffer__consume and
     * perf_buffer__consume would read), from the maps the program uses.
     * Records in a ring buffer before the replay come with packet 0.
     * Setting it opens the perf event array slots of every worker that are
     * not open (as perf_buffer__new does). */
    bpfrt_pcap_record_fn record_fn;
    /* Input: progress, every 1024 packets and once at the end */
    bpfrt_pcap_progress_fn progress_fn;
    /* Output: packets and bytes per verdict, in the order of the type's
     * table (bpfrt_prog_type_retval_name), then "other" (return values
     * without a name), then "refused"; only verdicts that occurred */
    struct bpfrt_pcap_verdict verdicts[BPFRT_PCAP_VERDICTS];
    uint32_t nr_verdicts;
    uint64_t bytes; /* captured bytes of every packet read */
    uint64_t refused; /* packets the test run refused (counted in packets too) */
    /* Input: the worker (CPU) index every run sees (bpfrt_run_opts.worker):
     * bpf_get_smp_processor_id(), per-CPU map slots; default 0 */
    uint32_t worker;
};

/* 0, or a negative errno with the reason in log_buf: the run's error
 * (BPFRT_PCAP_RUN, the log names the packet), -EINVAL (the capture cannot
 * be opened), -EIO (it cannot be read further, BPFRT_PCAP_READ; an output
 * capture cannot be written, BPFRT_PCAP_WRITE: the log names the packet
 * in both), -ENOMEM. */
int bpfrt_prog__run_pcap(struct bpfrt_prog *prog, const char *path, struct bpfrt_pcap_run_opts *opts);

/* Run prog: checked when flags ask for it or the program is unverified
 * (unless BPFRT_RUN_UNVERIFIED_UNCHECKED), unchecked when it is verified.
 * Returns 0 with opts->retval set, or a negative errno: -EFAULT (checked
 * mode: access outside every region), -ELOOP (budget or call depth
 * exceeded), -E2BIG (total_budget spent), -EINVAL (bad arguments),
 * -ENOTSUP (helper without meaning here), -EOPNOTSUPP (a program type whose context bpfrt does not build
 * yet); err_buf then says which instruction and why.  Typed programs also
 * give the kernel's test-run errors for their input: -EINVAL (a packet
 * shorter than an Ethernet header or longer than the test run's buffer, a
 * context field the kernel does not take), -E2BIG (ctx_in longer than its
 * struct with non-zero bytes past it), -ENODEV (an ifindex other than the
 * loopback's), -ENOSPC (data_out or ctx_out too small). */
int bpfrt_prog__run(struct bpfrt_prog *prog, struct bpfrt_run_opts *opts);

/* Disassembly in the llvm-objdump / bpftool syntax ("r0 = 1",
 * "if r1 > r2 goto +3", "lock *(u64 *)(r1 + 0) += r2").  Writes the text
 * of insns[i] (two slots for LD_IMM64) to buf and returns the number of
 * slots consumed (1 or 2), or a negative errno. */
int bpfrt_disasm_insn(const struct bpf_insn *insns, size_t cnt, size_t i, char *buf, size_t bufsz);

/* Disassemble a whole program, one instruction a line, each prefixed with
 * its index ("   0: r0 = 1") when with_index is set. */
int bpfrt_disasm(const struct bpf_insn *insns, size_t cnt, FILE *out, int with_index);

/* Assemble text in the same syntax (one instruction a line; '#', ';' and
 * '//' start comments; an optional "N:" index prefix and labels "name:" are
 * accepted).  On success *insnsp is malloc'd, *cntp its length.  On error
 * returns -EINVAL and err names the line and the reason. */
int bpfrt_asm(const char *text, struct bpf_insn **insnsp, size_t *cntp, char *err, size_t errsz);

/* Trace output: lines that programs print with bpf_trace_printk, in the
 * layout of the kernel's trace_pipe.  By default they are kept (the last
 * 4096) until drained; with a callback set they go to it as they come
 * (from the thread that runs the program). */
typedef void (*bpfrt_trace_fn)(const char *line, void *ctx);
void bpfrt_trace_set_callback(bpfrt_trace_fn fn, void *ctx);
/* Hand every kept line to fn (NULL: discard them); returns how many. */
size_t bpfrt_trace_drain(bpfrt_trace_fn fn, void *ctx);

/* The trace pipe of the state directory (the kernel's trace_pipe
 * analogue): every line any bpfrt process of the same state directory
 * prints goes there too.  Reads consume, as reads of trace_pipe do; a
 * bounded ring (2048 lines): a reader that falls behind loses the oldest
 * and gets "CPU:N [LOST M EVENTS]" first, as trace_pipe reports it.
 * read waits up to timeout_ms (< 0: until lines come; 0: no wait), hands
 * each line (no newline) to fn and returns how many, or a negative errno
 * (-EINTR when a signal came).  open: -ENOENT / -EACCES without a usable
 * state directory, -EINVAL when its trace pipe file is not bpfrt's. */
struct bpfrt_trace_pipe;
int bpfrt_trace_pipe__open(struct bpfrt_trace_pipe **pp);
int bpfrt_trace_pipe__read(struct bpfrt_trace_pipe *p, int timeout_ms, bpfrt_trace_fn fn, void *ctx);
void bpfrt_trace_pipe__close(struct bpfrt_trace_pipe *p);

/* Name of helper id as the UAPI header lists it ("map_lookup_elem"), or
 * NULL when the id is unknown. */
const char *bpfrt_helper_name(uint32_t id);


/* ------------------------------------------------------------------ maps */

/* A map: the kernel's map types and semantics (linux/bpf.h), its storage
 * in one arena addressed by offsets so that a later pin can share it
 * between processes.  Per-CPU maps hold one slot per worker; a per-CPU
 * value as seen from user space is nr_workers slots of
 * round_up(value_size, 8) bytes, as the kernel lays them out. */
struct bpfrt_map;

struct bpfrt_map_create_opts {
    size_t sz;
    uint32_t map_flags;    /* BPF_F_NO_PREALLOC, BPF_F_NO_COMMON_LRU, BPF_F_RDONLY(_PROG), BPF_F_WRONLY(_PROG),
                              BPF_F_MMAPABLE, BPF_F_ZERO_SEED, ... as the kernel accepts them per type */
    uint32_t numa_node;
    uint64_t map_extra;    /* BLOOM_FILTER: number of hash functions (low 4 bits) */
    struct bpfrt_map *inner_map; /* ARRAY_OF_MAPS / HASH_OF_MAPS: the prototype */
    uint32_t nr_workers;   /* per-CPU slots; 0: bpfrt_nr_workers() */
    uint32_t btf_key_type_id, btf_value_type_id; /* for typed dumps (loader sets them) */
    char *log_buf;         /* receives the reason when creation fails */
    size_t log_size;
    /* The raw BTF (.BTF blob) the type ids refer to: kept with the map,
     * and the value type's struct bpf_spin_lock found in it as the
     * kernel's map_check_btf finds it (bpf_spin_lock and BPF_F_LOCK work
     * on maps that have one). */
    const void *btf;
    size_t btf_size;
};

/* Create a map.  Errors as the kernel's BPF_MAP_CREATE: -EINVAL for sizes or
 * flags the type does not accept (log says which), -E2BIG, -ENOMEM,
 * -EOPNOTSUPP for an unknown type. */
int bpfrt_map__create(enum bpf_map_type type, const char *name, uint32_t key_size, uint32_t value_size,
                      uint32_t max_entries, const struct bpfrt_map_create_opts *opts, struct bpfrt_map **mapp);
void bpfrt_map__free(struct bpfrt_map *map);

/* The workers (CPUs) per-CPU maps are created with when opts say 0. */
uint32_t bpfrt_nr_workers(void);
void bpfrt_set_nr_workers(uint32_t n);

enum bpf_map_type bpfrt_map__type(const struct bpfrt_map *map);
const char *bpfrt_map__name(const struct bpfrt_map *map);
uint32_t bpfrt_map__key_size(const struct bpfrt_map *map);
uint32_t bpfrt_map__value_size(const struct bpfrt_map *map);
uint32_t bpfrt_map__max_entries(const struct bpfrt_map *map);
uint32_t bpfrt_map__map_flags(const struct bpfrt_map *map);
uint32_t bpfrt_map__id(const struct bpfrt_map *map);
/* The raw BTF (a .BTF blob: header, types, strings) the map's key and value
 * are described by, as the loader gave it (objects with BTF) or its pin
 * kept it; NULL (and *len 0) when the map has none.  The type ids index
 * it; 0 means untyped (global data maps have no key type and their
 * section's DATASEC as value type, as libbpf creates them). */
const void *bpfrt_map__btf(const struct bpfrt_map *map, size_t *len);
uint32_t bpfrt_map__btf_key_type_id(const struct bpfrt_map *map);
uint32_t bpfrt_map__btf_value_type_id(const struct bpfrt_map *map);

/* User-space operations, with the semantics and errno of the bpf() syscall
 * commands of the same names (BPF_MAP_LOOKUP_ELEM, ...).  key_sz and
 * value_sz must equal what the map expects (value_sz: nr_workers *
 * round_up(value_size, 8) for per-CPU maps), else -EINVAL.  flags: BPF_ANY,
 * BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK.  For QUEUE/STACK key is NULL and
 * lookup = peek, update = push, lookup_and_delete = pop. */
int bpfrt_map__lookup_elem(struct bpfrt_map *map, const void *key, size_t key_sz, void *value, size_t value_sz,
                           uint64_t flags);
int bpfrt_map__update_elem(struct bpfrt_map *map, const void *key, size_t key_sz, const void *value,
                           size_t value_sz, uint64_t flags);
int bpfrt_map__delete_elem(struct bpfrt_map *map, const void *key, size_t key_sz, uint64_t flags);
int bpfrt_map__lookup_and_delete_elem(struct bpfrt_map *map, const void *key, size_t key_sz, void *value,
                                      size_t value_sz, uint64_t flags);
/* key NULL: the first key.  -ENOENT after the last. */
int bpfrt_map__get_next_key(struct bpfrt_map *map, const void *key, void *next_key, size_t key_sz);
int bpfrt_map__freeze(struct bpfrt_map *map);

/* Batch operations, BPF_MAP_*_BATCH semantics: in_batch NULL starts, the
 * out_batch token continues; *count is in/out; -ENOENT when the walk is
 * complete (with *count possibly > 0). */
struct bpfrt_map_batch_opts {
    size_t sz;
    uint64_t elem_flags;
    uint64_t flags;
};
int bpfrt_map__lookup_batch(struct bpfrt_map *map, void *in_batch, void *out_batch, void *keys, void *values,
                            uint32_t *count, const struct bpfrt_map_batch_opts *opts);
int bpfrt_map__lookup_and_delete_batch(struct bpfrt_map *map, void *in_batch, void *out_batch, void *keys,
                                       void *values, uint32_t *count, const struct bpfrt_map_batch_opts *opts);
int bpfrt_map__update_batch(struct bpfrt_map *map, const void *keys, const void *values, uint32_t *count,
                            const struct bpfrt_map_batch_opts *opts);
int bpfrt_map__delete_batch(struct bpfrt_map *map, const void *keys, uint32_t *count,
                            const struct bpfrt_map_batch_opts *opts);

/* BPF_F_MMAPABLE arrays (and global data): the value area, or NULL. */
void *bpfrt_map__mmap(struct bpfrt_map *map, size_t *sizep);

/* --------------------------------------------------------------- objects */

/* An ELF object as clang builds it for libbpf, iproute2 or bpftool: its
 * programs, maps (BTF-defined, legacy `maps`, iproute2 `struct
 * bpf_elf_map`), global data, BTF and relocations. */
struct bpfrt_object;
struct bpfrt_program; /* a program of an object; bpfrt_program__prog() once loaded */

enum bpfrt_legacy_map_layout {
    BPFRT_LEGACY_MAPS_AUTO = 0,   /* decide 28-byte records by evidence */
    BPFRT_LEGACY_MAPS_KERNEL,     /* 28 bytes: ..., inner_map_idx, numa_node (kernel samples) */
    BPFRT_LEGACY_MAPS_IPROUTE2,   /* 28 bytes: ..., id, pinning (old iproute2, Cilium) */
};

/* A map's max_entries set before load (libbpf's bpf_map__set_max_entries):
 * the open option map_max_entries, bpfrt_object__set_map_max_entries. */
struct bpfrt_map_max_entries {
    const char *name; /* the map's name in the object */
    uint32_t max_entries;
};

struct bpfrt_object_open_opts {
    size_t sz;
    const char *object_name;
    enum bpf_prog_type prog_type;   /* iproute2 style: the type of every program, whatever its section */
    const char *btf_custom_path;    /* target BTF for CO-RE; default /sys/kernel/btf/vmlinux */
    enum bpfrt_legacy_map_layout legacy_maps;
    char *log_buf;                  /* receives the reason when open/load fails */
    size_t log_size;
    /* The verifier, for every program the object loads (as
     * bpfrt_prog_load_opts): the kernel's log levels 1, 2, 4 (the log
     * goes to verifier_log_buf, one block per program, "program 'NAME':"
     * first), the unprivileged rules, BPF_F_* program flags. */
    uint32_t log_level;
    int unpriv;
    uint32_t prog_flags;
    char *verifier_log_buf;
    size_t verifier_log_size;
    const char *engine; /* as bpfrt_prog_load_opts.engine, for every program */
    /* max_entries of maps by name, as bpfrt_object__set_map_max_entries
     * after open (a name no map has: -ENOENT from open) */
    const struct bpfrt_map_max_entries *map_max_entries;
    size_t nr_map_max_entries;
};

/* Open (parse) an object: sections, symbols, programs, map definitions,
 * BTF.  Errors name the file, the section and, where it applies, the
 * instruction and the symbol.  -EINVAL for a malformed object, -ENOTSUP
 * for a construct bpfrt does not handle (named), -ENOMEM. */
int bpfrt_object__open_file(const char *path, const struct bpfrt_object_open_opts *opts, struct bpfrt_object **objp);
int bpfrt_object__open_mem(const void *buf, size_t size, const struct bpfrt_object_open_opts *opts,
                           struct bpfrt_object **objp);
/* Set the max_entries of the object's map name before load, as libbpf's
 * bpf_map__set_max_entries: for maps the object leaves at 0 for the
 * loader, or to resize one.  A ring buffer's size is rounded up to a
 * power-of-2 multiple of the page size, as libbpf does.  At load a
 * PERF_EVENT_ARRAY still at 0 gets bpfrt_nr_workers() slots (libbpf: the
 * CPU count); other maps at 0 are refused as the kernel refuses them.
 * -ENOENT (no such map), -EBUSY (maps created), -EINVAL (global data). */
int bpfrt_object__set_map_max_entries(struct bpfrt_object *obj, const char *name, uint32_t max_entries);
/* Create the maps, apply relocations (maps, data, calls, CO-RE) and load
 * every program. */
int bpfrt_object__load(struct bpfrt_object *obj);
void bpfrt_object__close(struct bpfrt_object *obj);
const char *bpfrt_object__name(const struct bpfrt_object *obj);
const char *bpfrt_object__license(const struct bpfrt_object *obj);
uint32_t bpfrt_object__kversion(const struct bpfrt_object *obj);

struct bpfrt_program *bpfrt_object__next_program(const struct bpfrt_object *obj, const struct bpfrt_program *prev);
struct bpfrt_program *bpfrt_object__find_program_by_name(const struct bpfrt_object *obj, const char *name);
struct bpfrt_map *bpfrt_object__next_map(const struct bpfrt_object *obj, const struct bpfrt_map *prev);
struct bpfrt_map *bpfrt_object__find_map_by_name(const struct bpfrt_object *obj, const char *name);

const char *bpfrt_program__name(const struct bpfrt_program *p);
const char *bpfrt_program__section_name(const struct bpfrt_program *p);
enum bpf_prog_type bpfrt_program__type(const struct bpfrt_program *p);
/* Set the type (and expected attach type) before bpfrt_object__load, as
 * libbpf's bpf_program__set_type: for a section whose name gives no
 * type.  -EBUSY once loaded. */
int bpfrt_program__set_type(struct bpfrt_program *p, enum bpf_prog_type type);
enum bpf_attach_type bpfrt_program__expected_attach_type(const struct bpfrt_program *p);
/* Instructions: as in the ELF after open, relocated after load. */
const struct bpf_insn *bpfrt_program__insns(const struct bpfrt_program *p);
size_t bpfrt_program__insn_cnt(const struct bpfrt_program *p);
/* The loaded program (NULL before bpfrt_object__load, and for a program
 * whose autoload is off). */
struct bpfrt_prog *bpfrt_program__prog(const struct bpfrt_program *p);
/* Whether bpfrt_object__load loads it (libbpf's autoload): on, except
 * for programs of sections whose name starts with '?' (SEC("?xdp"): the
 * type is the rest of the name), which load only when switched on.
 * set_autoload: -EBUSY once the object is loaded. */
int bpfrt_program__autoload(const struct bpfrt_program *p);
int bpfrt_program__set_autoload(struct bpfrt_program *p, int autoload);

/* Verify one program of an object as libbpf would load it alone from
 * that object (the other programs switched off): the object's maps
 * created (in this process, nothing pinned; once per object), the
 * program linked with its subprograms, its relocations and CO-RE
 * relocations applied (a CO-RE relocation that finds no match poisons
 * its instruction, as libbpf does: the program is rejected only if that
 * instruction is reachable), then bpfrt_prog__verify_insns with the
 * object's BTF, func and line info.  Prog array initialisers are not
 * filled (nothing runs), so initialisers naming programs that are not
 * loaded do not matter; a '?' section verifies like any other.  Works on
 * an opened object (which bpfrt_object__load may load afterwards) and on
 * a loaded one. */
enum bpfrt_verdict {
    BPFRT_VERDICT_NONE = 0, /* not verified: the object or program could not be prepared (the log says why) */
    BPFRT_VERDICT_ACCEPTED,
    BPFRT_VERDICT_REJECTED, /* the verifier refused it: diag has the reason and the instruction */
};
struct bpfrt_verify_opts {
    size_t sz;
    /* Input: as in bpfrt_prog_load_opts */
    uint32_t log_level;
    int unpriv;
    uint32_t prog_flags;
    char *log_buf; /* the verifier's log at log_level, or the reason it could not run */
    size_t log_size;
    struct bpfrt_verify_stats *stats; /* optional out */
    /* Optional out: the rejection (message in plain words; a CO-RE
     * relocation that failed is named: "CO-RE relocation failed at insn
     * N: ..."); bpfrt_program__source_line() gives the instruction's C
     * source line. */
    struct bpfrt_diag *diag;
    /* Output */
    enum bpfrt_verdict verdict;
};
/* 0 when accepted; a negative errno otherwise (opts->verdict tells a
 * rejection from a failure to verify). */
int bpfrt_program__verify(struct bpfrt_program *p, struct bpfrt_verify_opts *opts);
/* The object's BTF (libbpf's struct btf, <bpf/btf.h>), or NULL; it lives
 * as long as the object. */
struct btf;
const struct btf *bpfrt_object__btf(const struct bpfrt_object *obj);
/* Source line of instruction idx from BTF line info, or NULL. */
const char *bpfrt_program__source_line(const struct bpfrt_program *p, size_t idx, uint32_t *line_nr,
                                       const char **file);

/* --------------------------------------------------------------- pinning */

/* The state directory (the bpffs analogue): $BPFRT_FS, else /run/bpfrt for
 * root, else $XDG_RUNTIME_DIR/bpfrt; created with mode 0700 on first use.
 * NULL (errno set) when none can be had. */
const char *bpfrt_fs_dir(void);

/* Pin paths follow bpffs's rule: a pin must lie under the state directory,
 * as the kernel refuses a pin outside bpffs.  A path outside it (after
 * resolving a relative path against the current directory, and symbolic
 * links and ".." in its directory) is refused with -EPERM and a message
 * naming the state directory, by every pin call below. */

/* Options of the pin calls: the reason of a failure goes to log_buf. */
struct bpfrt_pin_opts {
    size_t sz;
    char *log_buf;
    size_t log_size;
    /* Opening a pinned map: the kernel's BPF_OBJ_GET file_flags.
     * BPF_F_RDONLY opens a pin that is read-only to the caller (another
     * user's 0644 file, a read-only filesystem): lookups, get_next_key and
     * dumps work, every user-space write (update, delete, push, pop,
     * freeze, batches) returns -EPERM, and nothing is ever written to the
     * file.  Programs should not run on such a map: their writes stay in
     * this process.  0: read and write. */
    uint32_t file_flags;
    /* Opening a pinned program: its engine, as bpfrt_prog_load_opts.engine
     * (NULL: $BPFRT_ENGINE, else the default). */
    const char *engine;
};

/* Pin a map: its storage moves into a file at path (created 0600; -EEXIST
 * when path exists), which keeps the map alive after the process exits.
 * Every process that opens the file with bpfrt_map__open_pinned() shares
 * the same map: updates in one are seen by the others. */
int bpfrt_map__pin(struct bpfrt_map *map, const char *path);
int bpfrt_map__open_pinned(const char *path, struct bpfrt_map **mapp);
/* The same with the reason of a failure in opts->log_buf (what
 * bpfrt_pin_error() says, for callers that keep their own log). */
int bpfrt_map__pin_opts(struct bpfrt_map *map, const char *path, const struct bpfrt_pin_opts *opts);
int bpfrt_map__open_pinned_opts(const char *path, const struct bpfrt_pin_opts *opts, struct bpfrt_map **mapp);
/* Remove the file the map is pinned at (other names of it stay) and
 * forget it; the map stays usable in this process.  -EINVAL when it is
 * not pinned. */
int bpfrt_map__unpin(struct bpfrt_map *map);
/* The file the map is pinned at, or NULL. */
const char *bpfrt_map__pin_path(const struct bpfrt_map *map);
/* Whether the map is frozen (bpfrt_map__freeze, by this process or, for
 * a pinned map, by any process sharing it). */
int bpfrt_map__is_frozen(const struct bpfrt_map *map);
/* Per-CPU slots of the map (its creator's bpfrt_nr_workers() for a
 * pinned map): a per-CPU value in user space is that many slots. */
uint32_t bpfrt_map__nr_workers(const struct bpfrt_map *map);

/* Why the last bpfrt_map__pin() / bpfrt_map__open_pinned() of this thread
 * failed ("" after a success): names the file and the reason, e.g. a
 * truncated, foreign or corrupt file (-EINVAL), an existing path
 * (-EEXIST), a missing directory (-ENOENT), a map holding ids
 * (-EOPNOTSUPP). */
const char *bpfrt_pin_error(void);

/* Pin a loaded program at path: its instructions, type, name, license and
 * the maps it uses (each pinned too: maps not pinned yet are pinned under
 * <state dir>/maps/).  bpfrt_prog__open_pinned() gives a runnable program
 * in any process, sharing those maps. */
int bpfrt_prog__pin(struct bpfrt_prog *prog, const char *path);
int bpfrt_prog__open_pinned(const char *path, struct bpfrt_prog **progp);
/* The same with the reason of a failure in opts->log_buf (names the file
 * and the map or record at fault).  A program of an object keeps its tag,
 * expected attach type and source lines in its pin. */
int bpfrt_prog__pin_opts(struct bpfrt_prog *prog, const char *path, const struct bpfrt_pin_opts *opts);
int bpfrt_prog__open_pinned_opts(const char *path, const struct bpfrt_pin_opts *opts, struct bpfrt_prog **progp);

/* Pins of a loaded object, all or nothing: a call that fails removes what
 * it created (pins, directories, maps it pinned) and leaves what was there
 * before untouched.  maps_dir: pin the object's maps there first, at
 * maps_dir/<map name> (bpftool's pinmaps); a map that cannot be pinned
 * (a hash of maps: its values are ids of this process) is left out, with
 * a note in the log, when no program being pinned uses it.  Prog arrays
 * and arrays of maps pin: each slot refers to the pin of its program or
 * map, so the programs an array holds are pinned too (at their own path
 * when they are among those being pinned, else at <state
 * dir>/progs/<name>.<pid>.<id>).  Directories are created (mode 0700) as
 * needed. */
struct bpfrt_object_pin_opts {
    size_t sz;
    const char *maps_dir;
    char *log_buf; /* the reason of a failure; notes after a success */
    size_t log_size;
};
/* Every program at dir/<program name> (bpftool's prog loadall). */
int bpfrt_object__pin_programs(struct bpfrt_object *obj, const char *dir, const struct bpfrt_object_pin_opts *opts);
/* One program of a loaded object at path (bpftool's prog load). */
int bpfrt_program__pin(struct bpfrt_program *p, const char *path, const struct bpfrt_object_pin_opts *opts);
/* Every map not pinned yet at dir/<map name> (opts->maps_dir unused). */
int bpfrt_object__pin_maps(struct bpfrt_object *obj, const char *dir, const struct bpfrt_object_pin_opts *opts);

/* The pins under the state directory: every file that holds a pinned
 * program (or map), found by walking the directory (there is no list of
 * every program in user space); hard links to one file are one entry. */
enum bpfrt_pin_kind {
    BPFRT_PIN_PROG = 1,
    BPFRT_PIN_MAP,
};
struct bpfrt_pin_entry {
    char **paths; /* sorted; paths[0] is a name to open it by */
    size_t nr_paths;
};
/* *pinsp (free with bpfrt_pin_list_free) in path order.  0, or a negative
 * errno with the reason in opts->log_buf (no state directory, -ENOMEM). */
int bpfrt_pin_list(enum bpfrt_pin_kind kind, const struct bpfrt_pin_opts *opts, struct bpfrt_pin_entry **pinsp,
                   size_t *np);
void bpfrt_pin_list_free(struct bpfrt_pin_entry *pins, size_t n);

/* ------------------------------------------------------------------- BTF */

/* `bpftool btf dump file PATH`: the BTF of an ELF object (its .BTF) or of
 * a raw BTF file written to out, raw (bpftool's listing, or its JSON with
 * json set) or as a C header. */
enum bpfrt_btf_format {
    BPFRT_BTF_RAW = 0,
    BPFRT_BTF_C,
};
struct bpfrt_btf_dump_opts {
    size_t sz;
    enum bpfrt_btf_format format;
    int json;
    char *log_buf;
    size_t log_size;
};
int bpfrt_btf__dump_file(const char *path, FILE *out, const struct bpfrt_btf_dump_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
