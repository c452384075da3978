/* fuzz_jit.c - libFuzzer target: the x86-64 JIT against the interpreter
 * (issue 10, item 3).  Every program the verifier accepts runs fast in
 * both engines, on the same packets, with the stack of every frame
 * poisoned the same way; the engines must agree.
 *
 * The input format, its normalisation into plausible programs, the maps
 * and the seed corpus are fuzz_verifier's (tests/fuzz/fuzz_verifier.c,
 * included here with its entry points renamed; corpus/fuzz_verifier seeds
 * this target too).  Only verified programs reach the JIT: a raw program
 * may access any address, and the fuzzer must not crash on a wild access
 * that both engines would make.
 *
 * Unprivileged programs leak no pointer into their return value, the
 * packet or a map (the verifier's unprivileged rules), so for them the
 * return value, the error, the packet out and both maps' contents must be
 * equal (each engine runs on its own copy of the maps).  Privileged
 * programs may return or store addresses, which differ between the two
 * copies: for them the error (and so where the budget ran out, a call
 * depth, a helper's failure) must be equal.  A difference aborts with both
 * outcomes and the program's disassembly on stderr.
 *
 * Bit 2 of the input's first byte (fuzz_verifier's "unprivileged too",
 * which this target always does) blinds the JIT's constants
 * (BPFRT_JIT_BLIND=1) for that input.
 */
#define LLVMFuzzerTestOneInput fuzz_verifier_test_one_input
#define LLVMFuzzerInitialize fuzz_verifier_initialize
#include "fuzz_verifier.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize

static struct {
    unsigned long long inputs, blinded, accepted[2], compared_full, compared_err;
} jst;

static void jit_stats(void)
{
    fprintf(stderr,
            "fuzz_jit stat: %llu inputs (%llu with blinded constants), %llu accepted (priv), %llu accepted "
            "(unpriv); %llu runs compared in full (r0, error, packet, maps), %llu runs compared by error\n",
            jst.inputs, jst.blinded, jst.accepted[0], jst.accepted[1], jst.compared_full, jst.compared_err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_verifier_initialize(argc, argv);
    atexit(jit_stats);
    return 0;
}

static void jit_report(const struct bpf_insn *insns, size_t n, enum bpf_prog_type type, int unpriv, size_t pktlen,
                       const struct outcome *oi, const struct outcome *oj, const char *what)
{
    fprintf(stderr,
            "\n=== fuzz_jit: the engines disagree (%s) on a %s program (%s), %zu-byte packet:\n"
            "    interp: error %d, retval %llu, %u bytes out\n    jit:    error %d, retval %llu, %u bytes out\n",
            what, bpfrt_prog_type_name(type), unpriv ? "unprivileged" : "privileged", pktlen, oi->err,
            (unsigned long long)oi->retval, oi->size_out, oj->err, (unsigned long long)oj->retval, oj->size_out);
    bpfrt_disasm(insns, n, stderr, 1);
    abort();
}

/* Load insns (map references moved to ms) in engine; NULL if refused. */
static struct bpfrt_prog *jit_load(const struct bpf_insn *insns, size_t n, struct bpfrt_map **from,
                                   struct bpfrt_map **to, enum bpf_prog_type type, int unpriv, const char *engine)
{
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .type = type, .unpriv = unpriv, .btf = &btf_blob, .btf_size = sizeof(btf_blob),
               .func_info = cur_fi, .func_info_rec_size = sizeof(*cur_fi), .func_info_cnt = (uint32_t)cur_nfi,
               .engine = engine);
    struct bpf_insn *p = remap(insns, n, from, to);
    struct bpfrt_prog *prog = NULL;

    if (!p)
        return NULL;
    if (bpfrt_prog__load_insns(p, n, &lo, &prog))
        prog = NULL;
    free(p);
    return prog;
}

static void jit_run_one(struct bpfrt_prog *prog, const uint8_t *pkt, size_t len, uint64_t pattern, struct outcome *o)
{
    static uint8_t buf[1500];
    char errbuf[256];

    memcpy(buf, pkt, len);
    memset(o, 0, sizeof(*o));
    poison_stack(pattern);
    /* two repetitions: the JIT's own repeat loop (run_many) against the
     * interpreter's runs one by one, the second run seeing what the first
     * left in the maps */
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = len ? buf : NULL, .data_size = len, .budget = 200000, .err_buf = errbuf,
               .err_size = sizeof(errbuf), .data_out = o->out, .data_size_out = sizeof(o->out), .repeat = 2);
    o->err = bpfrt_prog__run(prog, &ro);
    o->retval = ro.retval;
    o->size_out = ro.data_size_out;
}

static void jit_differential(const struct bpf_insn *insns, size_t n, struct bpfrt_map **maps, enum bpf_prog_type type,
                             int unpriv, const uint8_t fill[2], const uint8_t *pkt, size_t pktlen, uint64_t poison)
{
    static const size_t sizes[] = {14, 60, 1500};
    static uint8_t buf[1500], ca[4096], cb[4096];
    static struct outcome oi, oj;
    struct bpfrt_map *mi[NMAPS], *mj[NMAPS];
    struct bpfrt_prog *pi = NULL, *pj = NULL;
    int full = unpriv && deterministic(insns, n);

    if (make_maps(mi, fill) || make_maps(mj, fill))
        abort(); /* the fixed maps must always be creatable */
    pi = jit_load(insns, n, maps, mi, type, unpriv, "interp");
    pj = jit_load(insns, n, maps, mj, type, unpriv, "jit");
    if (!pi || !pj)
        goto out; /* accepted once already: only a resource failure */
    if (strcmp(bpfrt_prog__engine(pj), "jit"))
        abort();
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        for (size_t i = 0; i < sizes[s]; i++)
            buf[i] = pktlen ? pkt[i % pktlen] : 0;
        jit_run_one(pi, buf, sizes[s], poison, &oi);
        jit_run_one(pj, buf, sizes[s], poison, &oj);
        if (oi.err != oj.err)
            jit_report(insns, n, type, unpriv, sizes[s], &oi, &oj, "error");
        if (full && (oi.retval != oj.retval || oi.size_out != oj.size_out ||
                     memcmp(oi.out, oj.out, oi.size_out < sizeof(oi.out) ? oi.size_out : sizeof(oi.out))))
            jit_report(insns, n, type, unpriv, sizes[s], &oi, &oj, "return value or packet");
        if (full)
            jst.compared_full++;
        else
            jst.compared_err++;
    }
    if (full) {
        size_t la = map_contents(mi, ca, sizeof(ca)), lb = map_contents(mj, cb, sizeof(cb));
        if (la != lb || memcmp(ca, cb, la))
            jit_report(insns, n, type, unpriv, 0, &oi, &oj, "maps' contents");
    }
out:
    if (pi)
        bpfrt_prog__free(pi);
    if (pj)
        bpfrt_prog__free(pj);
    free_maps(mj);
    free_maps(mi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fv_input in;

    jst.inputs++;
    if (!fv_parse(data, size, &in))
        return 0;
    setenv("BPFRT_JIT_BLIND", data[0] & 4 ? "1" : "0", 1);
    jst.blinded += !!(data[0] & 4);
    for (int unpriv = 0; unpriv <= 1; unpriv++) {
        BPFRT_OPTS(bpfrt_prog_load_opts, lo, .type = in.type, .unpriv = unpriv, .btf = &btf_blob,
                   .btf_size = sizeof(btf_blob), .func_info = in.fi, .func_info_rec_size = sizeof(*in.fi),
                   .func_info_cnt = (uint32_t)in.nfi);
        if (bpfrt_prog__verify_insns(in.insns, in.n, &lo))
            continue;
        jst.accepted[unpriv]++;
        jit_differential(in.insns, in.n, in.maps, in.type, unpriv, data + 2, in.pkt, in.pktlen, in.poison);
    }
    fv_release(&in);
    return 0;
}
