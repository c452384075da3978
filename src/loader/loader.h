/* loader.h - the ELF object loader inside libbpfrt: sections, symbols,
 * programs (elf.c), map definitions in their three forms (maps_def.c),
 * relocations and subprogram linking (reloc.c), and the public
 * bpfrt_object__* / bpfrt_program__* API (object.c).
 *
 * Prefix ld_.  An object is parsed once at open into the structures below;
 * bpfrt_object__load then creates the maps, links and relocates every
 * program and loads it. */
#ifndef BPFRT_LOADER_H
#define BPFRT_LOADER_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"
#include "btf_info.h"

struct btf;

/* Relocation types of the BPF target (LLVM's ELFRelocs/BPF.def). */
#define LD_R_BPF_NONE 0
#define LD_R_BPF_64_64 1
#define LD_R_BPF_64_ABS64 2
#define LD_R_BPF_64_ABS32 3
#define LD_R_BPF_64_NODYLD32 4
#define LD_R_BPF_64_32 10

/* Limits against hostile input. */
#define LD_MAX_SECTIONS 65536
#define LD_MAX_SYMBOLS (1u << 22)
#define LD_MAX_RELOCS (1u << 22)
#define LD_MAX_MAPS 4096
#define LD_MAX_DATA_SIZE (1u << 30) /* a global data section */

enum ld_sec_kind {
    LD_SEC_OTHER = 0,
    LD_SEC_PROG,     /* executable, holds programs */
    LD_SEC_TEXT,     /* .text: subprograms only */
    LD_SEC_MAPS,     /* legacy "maps" */
    LD_SEC_BTF_MAPS, /* ".maps" */
    LD_SEC_DATA,     /* .data, .data.* */
    LD_SEC_RODATA,   /* .rodata, .rodata.* */
    LD_SEC_BSS,      /* .bss, .bss.* */
    LD_SEC_LICENSE,
    LD_SEC_VERSION,
    LD_SEC_BTF,
    LD_SEC_BTF_EXT,
    LD_SEC_SYMTAB,
    LD_SEC_REL, /* a relocation section, applied to sh_info */
};

struct ld_reloc {
    uint64_t offset; /* byte offset in the target section */
    uint32_t type;
    uint32_t sym; /* index into obj->syms */
};

struct ld_sec {
    const char *name;
    GElf_Shdr sh;
    enum ld_sec_kind kind;
    const uint8_t *data; /* NULL for SHT_NOBITS */
    size_t size;
    int map_idx; /* global data: its map, else -1 */
    /* Relocations that apply to this section, sorted by offset. */
    struct ld_reloc *relocs;
    size_t nr_relocs;
    /* Functions of an executable section, sorted by offset (insn units). */
    struct ld_func *funcs;
    size_t nr_funcs;
};

struct ld_sym {
    const char *name;
    uint64_t value, size;
    uint32_t shndx;
    uint8_t type, bind;
    int kcfg_idx; /* an extern of .kconfig: index into obj->kcfg, else -1 */
};

/* A function in an executable section: a program or a subprogram. */
struct ld_func {
    const char *name;
    size_t start, cnt; /* in instructions */
    int prog_idx;      /* programs: index into obj->progs; subprograms: -1 */
};

enum ld_map_kind {
    LD_MAP_USER = 0, /* "maps" or ".maps" */
    LD_MAP_DATA,
    LD_MAP_RODATA,
    LD_MAP_BSS,
    LD_MAP_KCONFIG,
};

struct ld_init {
    uint32_t slot;
    int map_idx, prog_idx; /* into obj->maps / obj->progs; -1 for the other */
};

/* A map as the object defines it; created at load. */
struct ld_map {
    char name[64];
    enum ld_map_kind kind;
    uint32_t type, key_size, value_size, max_entries, map_flags, numa_node;
    uint64_t map_extra;
    uint32_t pinning;                 /* LIBBPF_PIN_BY_NAME or iproute2's PIN_* */
    uint32_t id, inner_id, inner_idx; /* iproute2 struct bpf_elf_map */
    uint32_t btf_key_type_id, btf_value_type_id;
    int sec_idx;                /* defining section */
    uint64_t sec_off, sec_size; /* where the definition is in it */
    uint64_t values_off;        /* BTF maps: offset of `values` in the definition, or ~0 */
    int inner;                  /* map-in-map: index of the prototype in obj->maps, or -1 */
    int is_inner_proto;         /* a BTF inner definition: created only as a prototype */
    int values_are_progs;       /* `values` of a prog array: functions */
    /* Initial slots: BTF `values` of map-in-maps and prog arrays, iproute2
     * inner maps placed at their inner_idx. */
    struct ld_init *inits;
    uint32_t nr_inits;
    uint32_t user_max_entries; /* bpfrt_object__set_map_max_entries (has_user_max) */
    int has_user_max;
    struct bpfrt_map *map; /* after load */
    uint32_t rt_id;        /* id used in relocations (bpfrt_map__id once created) */
};

struct ld_kcfg {
    const char *name;
    uint32_t off, size; /* in the .kconfig map value */
    uint32_t btf_type;  /* resolved type of the extern */
    int is_weak;
    int is_bool, is_tristate, is_char_array, is_signed;
};

struct bpfrt_program {
    struct bpfrt_object *obj;
    char *name;
    int sec_idx;
    size_t sec_off, orig_cnt; /* its function inside the section (insns) */
    enum bpf_prog_type type;
    enum bpf_attach_type attach;
    uint32_t sec_flags;     /* load flags its section implies (libbpf's: BPF_F_XDP_HAS_FRAGS for xdp.frags*) */
    struct bpf_insn *insns; /* the ELF's, then linked and relocated */
    size_t cnt;
    /* After linking: which pieces make up insns (for line info). */
    struct ld_part *parts;
    size_t nr_parts;
    struct btf_prog_info pi; /* func/line info and CO-RE records, per linked insn */
    int linked;
    int no_type; /* the section name gives no type and none was given: refused at load */
    int autoload; /* loaded by bpfrt_object__load (off for '?' sections, libbpf's rule) */
    int relocated; /* linked and CO-RE relocated (by load or by bpfrt_program__verify) */
    /* CO-RE relocations that poisoned an instruction (core_relocate_rec) */
    struct core_poison *poisons;
    size_t nr_poisons;
    struct bpfrt_prog *prog;
};

/* A piece of a linked program: cnt instructions of section sec_idx from
 * sec_off, placed at pos. */
struct ld_part {
    int sec_idx;
    size_t sec_off, cnt, pos;
};

struct bpfrt_object {
    char *path;    /* as given, or "<memory>" */
    char name[64]; /* file base name up to the first '.' (libbpf's rule) */
    uint8_t *buf;  /* our copy of the ELF image */
    size_t buf_size;
    Elf *elf;
    uint16_t e_machine;
    char *log;
    size_t log_size;
    enum bpf_prog_type opt_prog_type;
    enum bpfrt_legacy_map_layout legacy_maps;
    char *btf_custom_path;

    struct ld_sec *secs;
    size_t nr_secs;
    struct ld_sym *syms;
    size_t nr_syms;
    int symtab_idx, btf_idx, btf_ext_idx, maps_idx, btf_maps_idx;
    int kconfig_map; /* index into maps or -1 */

    char license[128];
    uint32_t kversion;

    struct btf *btf; /* from .BTF, or NULL */

    struct bpfrt_program *progs;
    size_t nr_progs;
    struct ld_map *maps;
    size_t nr_maps;
    struct ld_kcfg *kcfg;
    size_t nr_kcfg;

    int loaded;
    int maps_created; /* by load, or by the first bpfrt_program__verify */
    /* The verifier's options for every program (open options) */
    uint32_t log_level;
    int unpriv;
    uint32_t prog_flags;
    char engine[16]; /* the open option engine ("" : none) */
    char *vlog;
    size_t vlog_size;
    struct btf_ext_info *btf_ext; /* .BTF.ext, parsed by btf_ext.c, or NULL */
    struct btf *core_target;      /* CO-RE target BTF, loaded on first need */
    int core_target_tried;
};

/* Logging: append one line to the object's log (no-op without one).
 * ld_err returns err so callers can `return ld_err(obj, -EINVAL, ...)`. */
void ld_log(struct bpfrt_object *obj, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ld_err(struct bpfrt_object *obj, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* elf.c: parse the image in obj->buf: header, sections, symbols, license,
 * version, BTF, programs.  Returns 0 or a negative errno (logged). */
int ld_elf_parse(struct bpfrt_object *obj);
/* Program type and expected attach type for a section name, by libbpf's
 * SEC() conventions then iproute2's.  Returns 0 when known, -ENOENT. */
/* The function of section sec_idx containing instruction off, or NULL. */
const struct ld_func *ld_func_at(const struct bpfrt_object *obj, int sec_idx, size_t off);

/* maps_def.c: map definitions in all forms, global data and .kconfig. */
int ld_maps_parse(struct bpfrt_object *obj);
/* Values of the .kconfig map (size bytes), filled from uname and the
 * kernel config; unknown values default to zero with a log line. */
int ld_kconfig_fill(struct bpfrt_object *obj, uint8_t *val, size_t size);
/* Name of a global data map for section name sec (libbpf's rule). */
void ld_internal_map_name(const char *obj_name, const char *sec, char *out, size_t outsz);
/* Set slot of m to map map_idx or program prog_idx (-1 for the other) at load. */
int ld_map_add_init(struct ld_map *m, uint32_t slot, int map_idx, int prog_idx);
/* tail_secs.c: iproute2's "ID/KEY" sections into their prog arrays' slots. */
int ld_tail_secs(struct bpfrt_object *obj);
/* Index of the map defined at (sec_idx, off), or -1. */
int ld_map_at(const struct bpfrt_object *obj, int sec_idx, uint64_t off);

/* map_conv.c: the loader's conventions applied to m just before it is
 * created (max_entries set by the user or left for the loader, ring
 * buffer sizes, BTF type ids libbpf drops).  0 or a negative errno. */
int ld_map_conv(struct bpfrt_object *obj, struct ld_map *m);
/* " (why)" for a map whose creation failed, when a convention explains it; "" otherwise. */
const char *ld_map_conv_hint(const struct ld_map *m);
/* The open option map_max_entries. */
int ld_map_conv_opts(struct bpfrt_object *obj, const struct bpfrt_map_max_entries *v, size_t n);

/* reloc.c: collect relocation sections; link and relocate programs. */
int ld_relocs_collect(struct bpfrt_object *obj);
/* Build prog->insns: its function, the subprograms it calls appended,
 * calls fixed, maps and data resolved with each map's rt_id. */
int ld_prog_link(struct bpfrt_object *obj, struct bpfrt_program *prog);
/* Link every program (maps need rt_id set: after creation, or provisional
 * ids for tests that do not create maps). */
int ld_object_relocate(struct bpfrt_object *obj);
/* Give the loaded program of p what only the object knows and a pin or a
 * listing needs (prog_src.c): its expected attach type and its BTF func
 * and line info as text (function names and prototypes, source lines).
 * 0, or -ENOMEM with the reason in the object's log. */
int ld_prog_give_src(struct bpfrt_object *obj, struct bpfrt_program *p);

#endif
