/* prog_tag.c - the kernel's program tag (bpf_prog_calc_tag in
 * kernel/bpf/core.c): the first 8 bytes of a hash of the instructions with
 * the map of every map load zeroed, so that a program keeps its tag
 * whichever map fds or ids it was given.  The hash is SHA-1 before Linux
 * 6.18 and SHA-256 from 6.18 on; bpfrt reports the tag the running kernel
 * would (BPFRT_TAG_HASH=sha1|sha256 overrides, for tests and for comparing
 * with another machine's bpftool). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "bpfrt/bpfrt.h"
#include "../common/sha.h"
#include "prog_pin.h"

static int kernel_tag_is_sha256(void)
{
    static int cached = -1;
    struct utsname u;
    unsigned maj = 0, min = 0;

    if (cached < 0) {
        const char *env = getenv("BPFRT_TAG_HASH");
        if (env)
            cached = !strcmp(env, "sha256");
        else
            cached = !uname(&u) && sscanf(u.release, "%u.%u", &maj, &min) == 2 && (maj > 6 || (maj == 6 && min >= 18));
    }
    return cached;
}

int bpfrt_prog_calc_tag(const struct bpf_insn *insns, size_t cnt, uint8_t tag[8])
{
    struct bpf_insn *c;
    uint8_t d[32];

    if ((!insns && cnt) || !tag)
        return -EINVAL;
    c = malloc((cnt ? cnt : 1) * sizeof(*c));
    if (!c)
        return -ENOMEM;
    if (cnt)
        memcpy(c, insns, cnt * sizeof(*c));
    /* As bpf_prog_calc_tag: the map of a map load (fd or value) is not
     * part of the program's identity, so both immediates of such an
     * LD_IMM64 count as zero. */
    for (size_t i = 0; i + 1 < cnt; i++)
        if (c[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
            (c[i].src_reg == BPF_PSEUDO_MAP_FD || c[i].src_reg == BPF_PSEUDO_MAP_VALUE)) {
            c[i].imm = 0;
            if (c[i + 1].code == 0 && c[i + 1].dst_reg == 0 && c[i + 1].src_reg == 0 && c[i + 1].off == 0)
                c[i + 1].imm = 0;
            i++;
        }
    if (kernel_tag_is_sha256())
        cm_sha256(c, cnt * sizeof(*c), d);
    else
        cm_sha1(c, cnt * sizeof(*c), d);
    memcpy(tag, d, 8);
    free(c);
    return 0;
}

int bpfrt_prog__tag(const struct bpfrt_prog *prog, uint8_t tag[8])
{
    const uint8_t *kept;

    if (!prog || !tag)
        return -EINVAL;
    /* A pinned program keeps the tag it was pinned with (the hash of the
     * kernel it was pinned under), as the kernel keeps prog->tag. */
    kept = prog_tag(prog);
    if (kept) {
        memcpy(tag, kept, 8);
        return 0;
    }
    return bpfrt_prog_calc_tag(bpfrt_prog__insns(prog), bpfrt_prog__insn_cnt(prog), tag);
}
