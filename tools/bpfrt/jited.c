/* jited.c - `prog dump jited`: the JIT's machine code, disassembled with
 * capstone in AT&T syntax, in bpftool's layout ("   0:\tpush   %rbp", the
 * opcodes on the next line with `opcodes`), each BPF instruction's code
 * under a comment naming it ("; insn 3: r0 = 1") and, for a program with
 * BTF line info, its C source line first (with `linum`, the file, line
 * and column, as bpftool prints them).  Addresses are offsets in the
 * image, whose first bytes (the entry and the exits every instruction
 * shares) are left out. */
#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void jited_hex(const uint8_t *p, size_t n, char *out, size_t sz)
{
    size_t len = 0;

    out[0] = 0;
    for (size_t k = 0; k < n && len + 4 < sz; k++)
        len += (size_t)snprintf(out + len, sz - len, "%s%02x", k ? " " : "", p[k]);
}

/* Disassemble [from, to) of code; addresses are offsets in the image. */
static void jited_range(csh h, const uint8_t *code, size_t from, size_t to, int opcodes, const char *bpf_note)
{
    cs_insn *insn = NULL;
    size_t n = to > from ? cs_disasm(h, code + from, to - from, from, 0, &insn) : 0;
    size_t done = from;
    char hex[64];

    for (size_t k = 0; k < n; k++) {
        jited_hex(insn[k].bytes, insn[k].size, hex, sizeof(hex));
        if (cli.json) {
            char pc[24];
            json_obj_open(&cli.j);
            snprintf(pc, sizeof(pc), "0x%llx", (unsigned long long)insn[k].address);
            json_kv_str(&cli.j, "pc", pc);
            json_kv_str(&cli.j, "operation", insn[k].mnemonic);
            json_kv_str(&cli.j, "operands", insn[k].op_str);
            if (bpf_note && !k)
                json_kv_str(&cli.j, "bpf", bpf_note);
            if (opcodes)
                json_kv_str(&cli.j, "opcodes", hex);
            json_obj_close(&cli.j);
        } else {
            printf("%4llx:\t%-6s %s\n", (unsigned long long)insn[k].address, insn[k].mnemonic, insn[k].op_str);
            if (opcodes)
                printf("\t%s\n", hex);
        }
        done = (size_t)insn[k].address + insn[k].size;
    }
    if (done < to && !cli.json) /* bytes capstone could not decode */
        printf("%4zx:\t(bad) %zu bytes\n", done, to - done);
    cs_free(insn, n);
}

int cli_dump_jited(const char *name, const uint8_t *code, size_t len, const uint32_t *offs, size_t cnt, int opcodes,
                   int linum, cli_jited_note_fn note, void *arg)
{
    csh h;

    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return cli_err("capstone cannot open an x86-64 disassembler");
    cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
    if (cli.json) {
        json_init(&cli.j, stdout, cli.pretty);
        json_arr_open(&cli.j);
        json_obj_open(&cli.j);
        json_kv_str(&cli.j, "name", name);
        json_key(&cli.j, "insns");
        json_arr_open(&cli.j);
    } else {
        printf("%s:\n; [0x0, 0x%x): the JIT's entry and shared exits, not shown\n", name, (unsigned)offs[0]);
    }
    for (size_t i = 0; i < cnt; i++) {
        struct cli_jited_note nt = {0};
        char bpf[320];

        if (offs[i + 1] == offs[i] && i + 1 < cnt)
            continue; /* an LD_IMM64's second slot */
        note(arg, i, &nt);
        snprintf(bpf, sizeof(bpf), "insn %zu: %s", i, nt.bpf);
        if (!cli.json) {
            if (nt.proto[0])
                printf("%s:\n", nt.proto);
            if (nt.src) {
                printf("; %s", nt.src);
                if (linum)
                    printf(" [file:%s line_num:%u line_col:%u]", nt.file, nt.line, nt.col);
                printf("\n");
            }
            printf("; %s\n", bpf);
        }
        jited_range(h, code, offs[i], offs[i + 1], opcodes, bpf);
    }
    if (!cli.json)
        printf("; past the last instruction\n");
    jited_range(h, code, offs[cnt], len, opcodes, NULL);
    if (cli.json) {
        json_arr_close(&cli.j);
        json_obj_close(&cli.j);
        json_arr_close(&cli.j);
        json_end(&cli.j);
    }
    cs_close(&h);
    return 0;
}
