/* verify.c - `bpfrt prog verify PROG [type TYPE] [log_level N] [unpriv]`:
 * the verifier's verdict on a program without running it, the reason a
 * person can act on when it is refused, the statistics the kernel's log
 * ends with, and the log itself at the kernel's levels.
 *
 * A program of an object is judged as libbpf would load it alone from
 * that object (bpfrt_program__verify): maps created in this process,
 * nothing pinned, CO-RE applied, the other programs left alone.  Exit
 * status: 0 accepted, 1 rejected, 2 when it could not be verified at all
 * (a bad file, an unknown program, bad arguments), so scripts tell a
 * verdict from a mistake. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "cli.h"

#define VERIFY_LOG_SIZE (256u << 20) /* log_level 2 of a large program is large; pages are touched as written */
#define VERIFY_MSG_SIZE 4096        /* without log_level: the reason a program could not be verified */

enum { V_ACCEPTED = 0, V_REJECTED = 1, V_ERROR = 2 };

struct vargs {
    enum { K_OBJ, K_RAW, K_PINNED } kind;
    struct cli_obj_spec obj; /* K_OBJ */
    const char *file;
    enum bpf_prog_type type;
    int has_type;
    uint32_t log_level;
    int unpriv;
};

/* What the verifier said, for printing. */
struct vresult {
    int accepted;
    struct bpfrt_verify_stats st;
    struct bpfrt_diag diag;
    char source[512]; /* "file.c:LINE", "" when no line info */
    char text[512];   /* the source line's text */
    const char *log;  /* the verifier's log (with log_level) */
};

static int parse_type(const char *w, struct vargs *a)
{
    if (bpfrt_prog_type_from_name(w, &a->type)) {
        cli_err("unknown program type '%s'", w);
        return -1;
    }
    a->has_type = 1;
    return 0;
}

/* PROG (or a bare OBJ, as `prog load OBJ` takes it), then the verify
 * words in any order.  0, or -1 after reporting. */
static int parse_args(int argc, char **argv, struct vargs *a)
{
    int i;

    memset(a, 0, sizeof(*a));
    if (argc < 1) {
        cli_err("'prog verify' needs a PROG: obj FILE [sec SECTION | prog NAME], raw FILE, pinned FILE, or an "
                "object FILE");
        return -1;
    }
    if (!strcmp(argv[0], "raw") || !strcmp(argv[0], "pinned")) {
        if (argc < 2) {
            cli_err("'%s' needs a FILE", argv[0]);
            return -1;
        }
        a->kind = !strcmp(argv[0], "raw") ? K_RAW : K_PINNED;
        a->file = argv[1];
        i = 2;
    } else if (!strcmp(argv[0], "id") || !strcmp(argv[0], "tag") || !strcmp(argv[0], "name")) {
        cli_err("PROG '%s' needs the object store, which this build does not have yet; use 'obj FILE', 'raw FILE' "
                "or 'pinned FILE'",
                argv[0]);
        return -1;
    } else {
        /* obj FILE ..., or FILE ... read as obj FILE ... */
        char **v = argv;
        int n = argc, used;
        char **tmp = NULL;
        if (strcmp(argv[0], "obj")) {
            tmp = calloc((size_t)argc + 1, sizeof(*tmp));
            if (!tmp) {
                cli_err("out of memory");
                return -1;
            }
            tmp[0] = "obj";
            memcpy(tmp + 1, argv, (size_t)argc * sizeof(*tmp));
            v = tmp;
            n = argc + 1;
        }
        used = cli_obj_parse(n, v, 0, &a->obj);
        free(tmp);
        if (used < 0)
            return -1;
        a->kind = K_OBJ;
        a->file = a->obj.file;
        a->type = a->obj.type;
        a->has_type = a->obj.has_type;
        i = used - (v != argv);
    }
    while (i < argc) {
        int w = cli_parse_verifier_word(argc, argv, i, &a->log_level, &a->unpriv);
        if (w < 0)
            return -1;
        if (w) {
            i += w;
            continue;
        }
        if (!strcmp(argv[i], "type")) {
            if (i + 1 >= argc) {
                cli_err("'type' needs a TYPE");
                return -1;
            }
            if (a->kind == K_PINNED) {
                cli_err("a pinned program keeps the type it was loaded with: 'type' does not apply");
                return -1;
            }
            if (parse_type(argv[i + 1], a))
                return -1;
            a->obj.type = a->type;
            a->obj.has_type = 1;
            i += 2;
            continue;
        }
        cli_err("unknown keyword '%s' (expected type TYPE, log_level N or unpriv)", argv[i]);
        return -1;
    }
    return 0;
}

/* An object's program: judged as libbpf would load it alone. */
static int verify_obj(const struct vargs *a, char *log, size_t logsz, struct vresult *r)
{
    struct bpfrt_object *obj;
    struct bpfrt_program *p;
    BPFRT_OPTS(bpfrt_verify_opts, vo, .log_level = a->log_level, .unpriv = a->unpriv, .log_buf = log,
               .log_size = logsz, .stats = &r->st, .diag = &r->diag);
    int err;

    if (cli_obj_open(&a->obj, &obj))
        return V_ERROR;
    p = cli_obj_prog(obj, &a->obj);
    if (!p) {
        bpfrt_object__close(obj);
        return V_ERROR;
    }
    err = bpfrt_program__verify(p, &vo);
    if (vo.verdict == BPFRT_VERDICT_NONE) {
        cli_err("cannot verify program '%s' of '%s': %s", bpfrt_program__name(p), a->file,
                log[0] ? cli_after_path(log, a->file) : strerror(-err));
        bpfrt_object__close(obj);
        return V_ERROR;
    }
    r->accepted = vo.verdict == BPFRT_VERDICT_ACCEPTED;
    if (!r->accepted && r->diag.insn >= 0) {
        uint32_t line = 0;
        const char *file = NULL;
        const char *text = bpfrt_program__source_line(p, (size_t)r->diag.insn, &line, &file);
        if (text && file && *file) {
            snprintf(r->source, sizeof(r->source), "%s:%u", file, line);
            snprintf(r->text, sizeof(r->text), "%s", text);
        }
    }
    bpfrt_object__close(obj);
    return r->accepted ? V_ACCEPTED : V_REJECTED;
}

/* Raw instructions of the type given (raw: bpfrt's raw convention, the
 * type of `prog run raw FILE`), or a pinned program's instructions again
 * with its type and maps. */
static int verify_insns(const struct vargs *a, char *log, size_t logsz, struct vresult *r)
{
    struct bpfrt_prog *pinned = NULL;
    const struct bpf_insn *insns;
    uint8_t *buf = NULL;
    size_t cnt, len;
    int err;

    if (a->kind == K_PINNED) {
        char msg[1024] = "";
        BPFRT_OPTS(bpfrt_pin_opts, po, .log_buf = msg, .log_size = sizeof(msg));
        err = bpfrt_prog__open_pinned_opts(a->file, &po, &pinned);
        if (err) {
            cli_err("%s", msg[0] ? msg : strerror(-err));
            return V_ERROR;
        }
        insns = bpfrt_prog__insns(pinned);
        cnt = bpfrt_prog__insn_cnt(pinned);
    } else {
        err = cli_read_file(a->file, &buf, &len);
        if (err) {
            cli_err("cannot read '%s': %s", a->file, strerror(-err));
            return V_ERROR;
        }
        if (len % sizeof(struct bpf_insn) || !len) {
            free(buf);
            if (len)
                cli_err("'%s': %zu bytes is not a whole number of 8-byte instructions", a->file, len);
            else
                cli_err("'%s': no instructions", a->file);
            return V_ERROR;
        }
        insns = (const struct bpf_insn *)buf;
        cnt = len / sizeof(struct bpf_insn);
    }
    {
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = pinned ? bpfrt_prog__type(pinned) : a->type,
                   .name = pinned ? bpfrt_prog__name(pinned) : NULL,
                   .license = pinned ? bpfrt_prog__license(pinned) : NULL, .log_buf = log, .log_size = logsz,
                   .expected_attach_type =
                       pinned ? bpfrt_prog__expected_attach_type(pinned) : (enum bpf_attach_type)0,
                   .diag = &r->diag, .log_level = a->log_level, .unpriv = a->unpriv, .stats = &r->st);
        err = bpfrt_prog__verify_insns(insns, cnt, &o);
    }
    free(buf);
    if (err == -ENOMEM) {
        bpfrt_prog__free(pinned);
        cli_err("cannot verify '%s': out of memory", a->file);
        return V_ERROR;
    }
    r->accepted = !err;
    if (err && pinned && r->diag.insn >= 0) {
        struct bpfrt_line_info li;
        if (!bpfrt_prog__source_line(pinned, (size_t)r->diag.insn, &li) && li.file[0]) {
            snprintf(r->source, sizeof(r->source), "%s:%u", li.file, li.line_nr);
            snprintf(r->text, sizeof(r->text), "%s", li.text);
        }
    }
    bpfrt_prog__free(pinned);
    return r->accepted ? V_ACCEPTED : V_REJECTED;
}

static void print_text(const struct vresult *r)
{
    if (r->log && r->log[0])
        printf("%s%s", r->log, r->log[strlen(r->log) - 1] == '\n' ? "" : "\n");
    if (r->accepted) {
        printf("accepted\n");
    } else {
        printf("rejected\n");
        if (r->diag.insn >= 0)
            printf("insn %ld: %s\n", r->diag.insn, r->diag.message);
        else
            printf("%s\n", r->diag.message[0] ? r->diag.message : "(no reason given)");
        if (r->source[0])
            printf("  at %s%s%s\n", r->source, r->text[0] ? ": " : "", r->text);
    }
    /* the kernel's last log line, and the time it reports beside it */
    printf("processed %" PRIu64 " insns (limit %u) max_states_per_insn %" PRIu64 " total_states %" PRIu64
           " peak_states %" PRIu64 " mark_read %" PRIu64 "\n",
           r->st.processed_insns, BPFRT_MAX_INSNS, r->st.max_states_per_insn, r->st.total_states, r->st.peak_states,
           r->st.mark_read);
    printf("verification time %" PRIu64 " us\n", r->st.verification_time_ns / 1000);
}

/* {"accepted":..,"processed_insns":..,"total_states":..,"peak_states":..,
 *  "max_states_per_insn":..,"verification_time_ns":..,
 *  "error":{"insn":N,"source":"file.c:LINE","message":".."},"log":".."}:
 * error only when rejected (insn null when the reason concerns no
 * instruction, source null without line info); log only with log_level. */
static void print_json(const struct vresult *r)
{
    struct json *j = &cli.j;

    json_init(j, stdout, cli.pretty);
    json_obj_open(j);
    json_key(j, "accepted");
    json_bool(j, r->accepted);
    json_kv_u64(j, "processed_insns", r->st.processed_insns);
    json_kv_u64(j, "total_states", r->st.total_states);
    json_kv_u64(j, "peak_states", r->st.peak_states);
    json_kv_u64(j, "max_states_per_insn", r->st.max_states_per_insn);
    json_kv_u64(j, "verification_time_ns", r->st.verification_time_ns);
    if (!r->accepted) {
        json_key(j, "error");
        json_obj_open(j);
        json_key(j, "insn");
        if (r->diag.insn >= 0)
            json_i64(j, r->diag.insn);
        else
            json_null(j);
        json_key(j, "source");
        if (r->source[0])
            json_str(j, r->source);
        else
            json_null(j);
        json_kv_str(j, "message", r->diag.message);
        json_obj_close(j);
    }
    if (r->log)
        json_kv_str(j, "log", r->log);
    json_obj_close(j);
    json_end(j);
}

int cli_prog_verify(int argc, char **argv)
{
    struct vargs a;
    struct vresult r;
    size_t logsz;
    char *log;
    int rc;

    if (parse_args(argc, argv, &a))
        return V_ERROR;
    memset(&r, 0, sizeof(r));
    r.diag.sz = sizeof(r.diag);
    r.diag.insn = -1;
    logsz = a.log_level ? VERIFY_LOG_SIZE : VERIFY_MSG_SIZE;
    log = calloc(1, logsz);
    if (!log) {
        cli_err("out of memory for the verifier log");
        return V_ERROR;
    }
    rc = a.kind == K_OBJ ? verify_obj(&a, log, logsz, &r) : verify_insns(&a, log, logsz, &r);
    if (rc != V_ERROR) {
        r.log = a.log_level ? log : NULL;
        if (cli.json)
            print_json(&r);
        else
            print_text(&r);
    }
    free(log);
    return rc;
}
