/* btf_info.h - BTF.ext (func_info, line_info, CO-RE relocations), CO-RE
 * relocation against a target BTF, and BTF listings.
 *
 * BTF itself is libbpf's (struct btf, <bpf/btf.h>).  The .BTF.ext section
 * is parsed here from its documented layout (kernel Documentation/bpf/
 * btf.rst "BTF.ext section", llvm_reloc.rst; struct bpf_core_relo in
 * linux/bpf.h).  Every record keeps instruction *indexes* (the ELF holds
 * byte offsets; they are divided by 8 when parsed).
 *
 * Typical use by the ELF loader:
 *   btf = btf__new(.BTF data)                       libbpf
 *   btf_ext_parse(.BTF.ext data, btf, &ext, log)     once per object
 *   for each program (entry function + appended subprograms):
 *       btf_prog_info_append(&pi, ext, sec, sym_off, n, prog_off, ...)
 *       for every piece of code copied into the program, in any order
 *   target = core_target_btf_load(opts->btf_custom_path)   once, if any relos
 *   core_relocate(prog insns, cnt, btf, target, pi.relos, pi.nr_relos, prog name, log)
 *   btf_prog_info_line(&pi, idx) for messages.
 */
#ifndef BPFRT_LOADER_BTF_INFO_H
#define BPFRT_LOADER_BTF_INFO_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct btf; /* libbpf */

/* ------------------------------------------------------------ records */

/* func_info: the function (BTF FUNC type id) starting at insn_off. */
struct btf_ext_func {
    uint32_t insn_off; /* instruction index */
    uint32_t type_id;  /* BTF_KIND_FUNC */
};

/* line_info: the source position of the code starting at insn_off.
 * file/text point into the BTF string table (valid while the struct btf
 * lives); never NULL ("" when absent). */
struct btf_ext_line {
    uint32_t insn_off; /* instruction index */
    uint32_t file_name_off;
    uint32_t line_off;
    uint32_t line; /* line number: line_col >> 10 */
    uint32_t col;  /* column: line_col & 0x3ff */
    const char *file;
    const char *text;
};

/* One CO-RE relocation (struct bpf_core_relo, insn_off made an index). */
struct core_relo {
    uint32_t insn_off; /* instruction index */
    uint32_t type_id;  /* local BTF type id (root of the access) */
    uint32_t access_str_off;
    uint32_t kind; /* enum bpf_core_relo_kind */
};

/* The records of one ELF section, each array sorted by insn_off. */
struct btf_ext_sec {
    const char *name; /* section name, from the BTF string table */
    struct btf_ext_func *funcs;
    size_t nr_funcs;
    struct btf_ext_line *lines;
    size_t nr_lines;
    struct core_relo *relos;
    size_t nr_relos;
};

struct btf_ext_info {
    struct btf_ext_sec *secs;
    size_t nr_secs;
};

/* Parse a .BTF.ext section against its object's BTF (for the section
 * names, file names and line texts, and to check type ids).  Record sizes
 * are taken from the header (larger ones are accepted, the known prefix
 * read).  A section may appear in several info kinds; names are matched.
 * Returns 0 and *out (free with btf_ext_free), or -EINVAL with the reason
 * in log (names the info kind, section and record), -ENOMEM. */
int btf_ext_parse(const void *data, size_t size, const struct btf *btf, struct btf_ext_info **out, char *log,
                  size_t logsz);
void btf_ext_free(struct btf_ext_info *ext);

/* The records of section secname, or NULL. */
const struct btf_ext_sec *btf_ext_find_sec(const struct btf_ext_info *ext, const char *secname);

/* The line records of section secname with start <= insn_off < end
 * (instruction indexes within the section): *first and *n (a slice of the
 * section's sorted array; *n = 0 if none).  Returns 0, or -ENOENT when
 * the section has no records at all. */
int btf_ext_lines_for(const struct btf_ext_info *ext, const char *secname, size_t start, size_t end,
                      const struct btf_ext_line **first, size_t *n);

/* ------------------------------------------------------------ per program */

/* The records of one program as it will run: its entry function plus the
 * subprograms appended after it.  Arrays sorted by insn_off (program
 * instruction indexes).  Zero-initialise; free with btf_prog_info_free. */
struct btf_prog_info {
    struct btf_ext_func *funcs;
    size_t nr_funcs;
    struct btf_ext_line *lines;
    size_t nr_lines;
    struct core_relo *relos;
    size_t nr_relos;
};

/* Copy the records of section secname whose insn_off lies in
 * [sec_start, sec_start + cnt) into pi, shifted so that sec_start becomes
 * prog_off: call it for the entry function (prog_off 0) and again for each
 * subprogram when it is appended at prog_off.  A section without records
 * adds nothing and is not an error (ext may be NULL).  Returns 0, -ENOMEM. */
int btf_prog_info_append(struct btf_prog_info *pi, const struct btf_ext_info *ext, const char *secname,
                         size_t sec_start, size_t cnt, size_t prog_off);

/* Shift every record at or after insn index `at` by delta instructions
 * (for a loader that inserts or removes instructions). */
void btf_prog_info_shift(struct btf_prog_info *pi, size_t at, long delta);

void btf_prog_info_free(struct btf_prog_info *pi);

/* The line record covering instruction idx (the last one with insn_off <=
 * idx), or NULL. */
const struct btf_ext_line *btf_prog_info_line(const struct btf_prog_info *pi, size_t idx);

/* The line record that starts exactly at idx, or NULL (for listings that
 * print a source line once, as bpftool's `linum` does). */
const struct btf_ext_line *btf_prog_info_line_at(const struct btf_prog_info *pi, size_t idx);

/* ------------------------------------------------------------ CO-RE */

/* btf_first_bad_ref(), btf_check_types(): src/btf/btf_check.h */
#include "../btf/btf_check.h"

/* The target BTF: path, or /sys/kernel/btf/vmlinux when path is NULL.  A
 * path may be a raw BTF file or an ELF with .BTF.  Returns 0 and *out
 * (btf__free it), or negative errno with the reason in log. */
int core_target_btf_load(const char *path, struct btf **out, char *log, size_t logsz);

/* The immediate written into a poisoned instruction: `call 0xbad2310`,
 * the kernel-visible value libbpf also uses, so the verifier (ours or the
 * kernel's) rejects the program if, and only if, the instruction is
 * reachable.  Verifier: report "insn N: CO-RE relocation failed" for a
 * call with this imm and src_reg 0 (see core_poison_reason). */
#define CORE_POISON_IMM 0xbad2310

static inline int core_insn_is_poison(const struct bpf_insn *in)
{
    return in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0 && in->imm == CORE_POISON_IMM;
}

/* Apply CO-RE relocations relos[0..n) (insn_off = index into insns) using
 * local (the object's BTF) and target.  Patches ALU/ALU64 K immediates,
 * LDX/ST/STX offsets (and the access size where a field's size differs),
 * LD_IMM64 immediates.  When no target type matches, as libbpf does:
 * existence kinds (field, type, enum value, type matches), type size and
 * target type id become 0; the other field kinds and the enum value are
 * poisoned (see CORE_POISON_IMM), as is any value that does not fit the
 * instruction, and a line naming `where` (program), the relocation, the
 * instruction index, kind, type path, access string and local type id is
 * appended to log (log must hold a string; messages accumulate).  target
 * NULL means no target BTF: everything but local type ids is "no match".
 * Returns the number of poisoned instructions (>= 0), or -EINVAL for a
 * malformed relocation (bad type id, access string, instruction not of the
 * kind the relocation expects, out of range) with the reason in log,
 * -ENOMEM. */
int core_relocate(struct bpf_insn *insns, size_t cnt, const struct btf *local, const struct btf *target,
                  const struct core_relo *relos, size_t n, const char *where, char *log, size_t logsz);

/* A relocation that poisoned its instruction, kept so that a rejection
 * at that instruction can name it instead of the kernel's bare "invalid
 * func unknown#195896080". */
struct core_poison {
    uint32_t insn_off; /* the poisoned instruction (first slot of an LD_IMM64) */
    uint32_t relo_idx;
    char what[448];    /* "field byte_off of struct s.f (access 0:1, type [5]): why" */
};
/* core_relocate, also handing back the poisoned relocations in order
 * (*poisonsp malloc'd, *np of them; NULL and 0 when none). */
int core_relocate_rec(struct bpf_insn *insns, size_t cnt, const struct btf *local, const struct btf *target,
                      const struct core_relo *relos, size_t n, const char *where, char *log, size_t logsz,
                      struct core_poison **poisonsp, size_t *np);

/* Name of a bpf_core_relo_kind ("byte_off", "field_exists", ...). */
const char *core_relo_kind_str(uint32_t kind);

/* ------------------------------------------------------------ dumping */

/* "int entry(struct xdp_md * ctx)" for the BTF FUNC func_id, as bpftool
 * heads each function of a listing (btf_proto.c).  Returns 0, or -EINVAL
 * when func_id is not a FUNC with a prototype (buf then empty). */
int btf_func_proto_str(const struct btf *btf, uint32_t func_id, char *buf, size_t sz);

/* bpftool-style raw listing of every type:
 *   [1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED
 * Types of a split BTF start after its base.  Returns 0 or -errno. */
int btf_dump_raw(const struct btf *btf, FILE *out);

/* bpftool-style raw listing as a JSON document {"types":[...]} with
 * bpftool's keys. */
int btf_dump_raw_json(const struct btf *btf, FILE *out);

/* C header form (`bpftool btf dump ... format c`). */
int btf_dump_c(const struct btf *btf, FILE *out);

/* `bpfrt btf dump file PATH [format raw|c]`: PATH an ELF object (its
 * .BTF) or a raw BTF file.  format NULL means raw; json selects the JSON
 * raw form.  Returns 0, or negative errno with the reason in log. */
int btf_dump_file(const char *path, const char *format, int json, FILE *out, char *log, size_t logsz);

#endif
