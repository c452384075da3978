/* elf.c - an object's sections, symbols and programs.
 *
 * The ELF image is read with libelf (headers, section table, symbols,
 * string tables); section contents are addressed in our own copy of the
 * image after checking their bounds against it, so hostile offsets and
 * sizes stop here with a message instead of reaching the parsers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../progtypes/progtypes.h"
#include "loader.h"

/* ------------------------------------------------------------- sections */

static int starts(const char *s, const char *pfx)
{
    return strncmp(s, pfx, strlen(pfx)) == 0;
}

/* s is pfx exactly or pfx followed by '.' and more (".rodata.str1.1"). */
static int is_sec_family(const char *s, const char *pfx)
{
    size_t n = strlen(pfx);
    return strncmp(s, pfx, n) == 0 && (s[n] == 0 || s[n] == '.');
}

static enum ld_sec_kind classify(const struct bpfrt_object *obj, const char *name, const GElf_Shdr *sh)
{
    if (sh->sh_type == SHT_SYMTAB)
        return LD_SEC_SYMTAB;
    if (sh->sh_type == SHT_REL || sh->sh_type == SHT_RELA)
        return LD_SEC_REL;
    /* Objects of clang before EM_BPF existed: e_machine EM_NONE and
     * relocation sections whose type was left 0. */
    if (sh->sh_type == SHT_NULL && obj->e_machine == EM_NONE && starts(name, ".rel") && sh->sh_size)
        return LD_SEC_REL;
    if (sh->sh_type == SHT_PROGBITS && (sh->sh_flags & SHF_EXECINSTR))
        return strcmp(name, ".text") == 0 ? LD_SEC_TEXT : LD_SEC_PROG;
    if (strcmp(name, "license") == 0)
        return LD_SEC_LICENSE;
    if (strcmp(name, "version") == 0)
        return LD_SEC_VERSION;
    if (strcmp(name, "maps") == 0)
        return LD_SEC_MAPS;
    if (strcmp(name, ".maps") == 0)
        return LD_SEC_BTF_MAPS;
    if (strcmp(name, ".BTF") == 0)
        return LD_SEC_BTF;
    if (strcmp(name, ".BTF.ext") == 0)
        return LD_SEC_BTF_EXT;
    if (!(sh->sh_flags & SHF_ALLOC) && sh->sh_type != SHT_NOBITS)
        return LD_SEC_OTHER;
    if (sh->sh_type == SHT_NOBITS && is_sec_family(name, ".bss"))
        return LD_SEC_BSS;
    if (sh->sh_type == SHT_PROGBITS && is_sec_family(name, ".data"))
        return LD_SEC_DATA;
    if (sh->sh_type == SHT_PROGBITS && is_sec_family(name, ".rodata"))
        return LD_SEC_RODATA;
    return LD_SEC_OTHER;
}

/* Header checks before libelf sees the image: class, byte order, machine,
 * and a section table inside the file. */
static int check_header(struct bpfrt_object *obj)
{
    Elf64_Ehdr eh;
    uint64_t end;

    if (obj->buf_size < sizeof(eh) || memcmp(obj->buf, ELFMAG, SELFMAG) != 0)
        return ld_err(obj, -EINVAL, "%s: not an ELF file", obj->path);
    memcpy(&eh, obj->buf, sizeof(eh));
    if (eh.e_ident[EI_CLASS] != ELFCLASS64)
        return ld_err(obj, -EINVAL, "%s: not a 64-bit ELF object (BPF objects are ELFCLASS64)", obj->path);
    if (eh.e_ident[EI_DATA] == ELFDATA2MSB)
        return ld_err(obj, -ENOTSUP, "%s: big-endian BPF object: bpfrt runs little-endian BPF only", obj->path);
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return ld_err(obj, -EINVAL, "%s: unknown ELF byte order %u", obj->path, eh.e_ident[EI_DATA]);
    if (eh.e_machine != EM_BPF && eh.e_machine != EM_NONE)
        return ld_err(obj, -EINVAL, "%s: e_machine %u is not BPF (EM_BPF = %u)", obj->path, eh.e_machine, EM_BPF);
    if (eh.e_type != ET_REL)
        return ld_err(obj, -EINVAL, "%s: ELF type %u is not a relocatable object (ET_REL)", obj->path, eh.e_type);
    if (eh.e_shoff == 0)
        return ld_err(obj, -EINVAL, "%s: no section header table", obj->path);
    if (eh.e_shentsize != sizeof(Elf64_Shdr))
        return ld_err(obj, -EINVAL, "%s: section header size %u, expected %zu", obj->path, eh.e_shentsize,
                      sizeof(Elf64_Shdr));
    end = eh.e_shoff + (uint64_t)(eh.e_shnum ? eh.e_shnum : 1) * sizeof(Elf64_Shdr);
    if (eh.e_shoff > obj->buf_size || end > obj->buf_size || end < eh.e_shoff)
        return ld_err(obj, -EINVAL, "%s: section header table outside the file", obj->path);
    obj->e_machine = eh.e_machine;
    return 0;
}

static int read_sections(struct bpfrt_object *obj)
{
    size_t shnum, shstrndx, i;
    Elf_Scn *scn;

    if (elf_getshdrnum(obj->elf, &shnum) || elf_getshdrstrndx(obj->elf, &shstrndx))
        return ld_err(obj, -EINVAL, "%s: cannot read the section table: %s", obj->path, elf_errmsg(-1));
    if (shnum > LD_MAX_SECTIONS || shnum > obj->buf_size / sizeof(Elf64_Shdr))
        return ld_err(obj, -EINVAL, "%s: %zu sections is too many", obj->path, shnum);
    if (shstrndx >= shnum)
        return ld_err(obj, -EINVAL, "%s: section name table index %zu out of range", obj->path, shstrndx);
    obj->secs = calloc(shnum ? shnum : 1, sizeof(*obj->secs));
    if (!obj->secs)
        return -ENOMEM;
    obj->nr_secs = shnum;
    for (i = 0; i < shnum; i++) {
        struct ld_sec *s = &obj->secs[i];

        s->map_idx = -1;
        s->name = "";
        scn = elf_getscn(obj->elf, i);
        if (!scn || !gelf_getshdr(scn, &s->sh))
            return ld_err(obj, -EINVAL, "%s: section %zu: bad header: %s", obj->path, i, elf_errmsg(-1));
        if (i == 0)
            continue;
        s->name = elf_strptr(obj->elf, shstrndx, s->sh.sh_name);
        if (!s->name)
            return ld_err(obj, -EINVAL, "%s: section %zu: name offset %u out of range", obj->path, i, s->sh.sh_name);
        s->size = s->sh.sh_size;
        s->kind = classify(obj, s->name, &s->sh);
        if (s->sh.sh_type != SHT_NOBITS && (s->sh.sh_type != SHT_NULL || s->kind == LD_SEC_REL)) {
            if (s->sh.sh_offset > obj->buf_size || s->sh.sh_size > obj->buf_size - s->sh.sh_offset)
                return ld_err(obj, -EINVAL, "%s: section '%s' (%zu): contents outside the file", obj->path, s->name, i);
            s->data = obj->buf + s->sh.sh_offset;
        } else if (s->sh.sh_type == SHT_NULL) {
            s->size = 0;
        }
    }
    return 0;
}

static int read_symbols(struct bpfrt_object *obj)
{
    struct ld_sec *st = NULL;
    Elf_Data *data;
    size_t i, n;

    obj->symtab_idx = -1;
    for (i = 1; i < obj->nr_secs; i++) {
        if (obj->secs[i].kind != LD_SEC_SYMTAB)
            continue;
        if (st)
            return ld_err(obj, -EINVAL, "%s: more than one symbol table", obj->path);
        st = &obj->secs[i];
        obj->symtab_idx = (int)i;
    }
    if (!st)
        return 0; /* legal: a section without symbols is one program */
    if (st->sh.sh_link == 0 || st->sh.sh_link >= obj->nr_secs)
        return ld_err(obj, -EINVAL, "%s: section '%s': string table index %u out of range", obj->path, st->name,
                      st->sh.sh_link);
    if (st->sh.sh_entsize != sizeof(Elf64_Sym))
        return ld_err(obj, -EINVAL, "%s: section '%s': symbol size %lu, expected %zu", obj->path, st->name,
                      (unsigned long)st->sh.sh_entsize, sizeof(Elf64_Sym));
    n = st->size / sizeof(Elf64_Sym);
    if (n > LD_MAX_SYMBOLS)
        return ld_err(obj, -E2BIG, "%s: %zu symbols is too many", obj->path, n);
    data = elf_getdata(elf_getscn(obj->elf, (size_t)obj->symtab_idx), NULL);
    if (!data && n)
        return ld_err(obj, -EINVAL, "%s: cannot read the symbol table: %s", obj->path, elf_errmsg(-1));
    obj->syms = calloc(n ? n : 1, sizeof(*obj->syms));
    if (!obj->syms)
        return -ENOMEM;
    obj->nr_syms = n;
    for (i = 0; i < n; i++) {
        struct ld_sym *s = &obj->syms[i];
        GElf_Sym sym;

        s->kcfg_idx = -1;
        s->name = "";
        if (!gelf_getsym(data, (int)i, &sym))
            return ld_err(obj, -EINVAL, "%s: symbol %zu unreadable", obj->path, i);
        if (sym.st_name) {
            s->name = elf_strptr(obj->elf, st->sh.sh_link, sym.st_name);
            if (!s->name)
                return ld_err(obj, -EINVAL, "%s: symbol %zu: name offset %u out of range", obj->path, i, sym.st_name);
        }
        s->value = sym.st_value;
        s->size = sym.st_size;
        s->shndx = sym.st_shndx;
        s->type = GELF_ST_TYPE(sym.st_info);
        s->bind = GELF_ST_BIND(sym.st_info);
        if (s->type == STT_SECTION && s->shndx < obj->nr_secs && !s->name[0])
            s->name = obj->secs[s->shndx].name;
    }
    return 0;
}

static int read_license_version(struct bpfrt_object *obj)
{
    size_t i;

    for (i = 1; i < obj->nr_secs; i++) {
        const struct ld_sec *s = &obj->secs[i];

        if (s->kind == LD_SEC_LICENSE && s->data) {
            size_t n = strnlen((const char *)s->data, s->size);
            if (n >= sizeof(obj->license))
                n = sizeof(obj->license) - 1;
            memcpy(obj->license, s->data, n);
            obj->license[n] = 0;
        } else if (s->kind == LD_SEC_VERSION && s->data) {
            if (s->size != sizeof(uint32_t))
                return ld_err(obj, -EINVAL, "%s: section 'version': size %zu, expected 4", obj->path, s->size);
            memcpy(&obj->kversion, s->data, sizeof(uint32_t));
        } else if (s->kind == LD_SEC_BTF) {
            obj->btf_idx = (int)i;
        } else if (s->kind == LD_SEC_BTF_EXT) {
            obj->btf_ext_idx = (int)i;
        } else if (s->kind == LD_SEC_MAPS) {
            obj->maps_idx = (int)i;
        } else if (s->kind == LD_SEC_BTF_MAPS) {
            obj->btf_maps_idx = (int)i;
        }
    }
    return 0;
}

/* libbpf's parser checks the layout of each type but not that the ids
 * they refer to exist; its walkers then trust them.  Check every reference
 * once here, so that the rest of bpfrt (and libbpf) can. */
static int btf_refs_valid(struct bpfrt_object *obj)
{
    uint32_t id = btf_first_bad_ref(obj->btf);

    if (id) {
        ld_log(obj, "%s: section '.BTF': ignored: type [%u] (kind %u) refers to a type that does not exist",
               obj->path, id, btf_kind(btf__type_by_id(obj->btf, id)));
        return 0;
    }
    return 1;
}

/* BTF through libbpf's parser, with its own printing silenced: the library
 * never prints.  A bad .BTF is not fatal unless something needs it. */
static void read_btf(struct bpfrt_object *obj)
{
    const struct ld_sec *s;
    libbpf_print_fn_t old;
    long err;

    if (obj->btf_idx < 0)
        return;
    s = &obj->secs[obj->btf_idx];
    if (!s->data || !s->size)
        return;
    old = libbpf_set_print(NULL);
    obj->btf = btf__new(s->data, (uint32_t)(s->size > UINT32_MAX ? UINT32_MAX : s->size));
    libbpf_set_print(old);
    err = libbpf_get_error(obj->btf);
    if (err) {
        obj->btf = NULL;
        ld_log(obj, "%s: section '.BTF': ignored, cannot parse it (%s)", obj->path, strerror((int)-err));
        return;
    }
    if (!btf_refs_valid(obj)) {
        btf__free(obj->btf);
        obj->btf = NULL;
    }
}

/* ------------------------------------------------------------- programs */

static int cmp_func(const void *a, const void *b)
{
    const struct ld_func *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Is sym the entry of a function in its section?  STT_FUNC, or for old
 * clang a global STT_NOTYPE label. */
static int is_func_sym(const struct ld_sym *s)
{
    if (s->type == STT_FUNC)
        return 1;
    return s->type == STT_NOTYPE && s->bind == STB_GLOBAL && s->name[0];
}

static int is_code_sec(const struct bpfrt_object *obj, uint32_t shndx)
{
    return shndx > 0 && shndx < obj->nr_secs &&
           (obj->secs[shndx].kind == LD_SEC_PROG || obj->secs[shndx].kind == LD_SEC_TEXT);
}

/* Functions of every executable section, in one pass over the symbols
 * (sec->nr_funcs counts first, then indexes the fill). */
static int collect_funcs(struct bpfrt_object *obj)
{
    size_t i, k, n;

    for (i = 0; i < obj->nr_syms; i++)
        if (is_code_sec(obj, obj->syms[i].shndx) && is_func_sym(&obj->syms[i]))
            obj->secs[obj->syms[i].shndx].nr_funcs++;
    for (i = 1; i < obj->nr_secs; i++) {
        struct ld_sec *sec = &obj->secs[i];
        if (!is_code_sec(obj, (uint32_t)i))
            continue;
        if (sec->size % sizeof(struct bpf_insn))
            return ld_err(obj, -EINVAL, "%s: section '%s': size %zu is not a multiple of 8", obj->path, sec->name,
                          sec->size);
        sec->funcs = calloc(sec->nr_funcs ? sec->nr_funcs : 1, sizeof(*sec->funcs));
        if (!sec->funcs)
            return -ENOMEM;
        sec->nr_funcs = 0;
    }
    for (i = 0; i < obj->nr_syms; i++) {
        const struct ld_sym *s = &obj->syms[i];
        struct ld_sec *sec;
        if (!is_code_sec(obj, s->shndx) || !is_func_sym(s))
            continue;
        sec = &obj->secs[s->shndx];
        if (s->value % sizeof(struct bpf_insn) || s->value / sizeof(struct bpf_insn) >= sec->size / 8)
            return ld_err(obj, -EINVAL, "%s: section '%s': function '%s' at offset %lu is outside the section",
                          obj->path, sec->name, s->name, (unsigned long)s->value);
        sec->funcs[sec->nr_funcs++] = (struct ld_func){.name = s->name,
                                                       .start = s->value / sizeof(struct bpf_insn),
                                                       .cnt = s->size / sizeof(struct bpf_insn),
                                                       .prog_idx = -1};
    }
    for (i = 1; i < obj->nr_secs; i++) {
        struct ld_sec *sec = &obj->secs[i];
        size_t ninsn = sec->size / sizeof(struct bpf_insn);

        if (!is_code_sec(obj, (uint32_t)i))
            continue;
        if (sec->nr_funcs == 0) { /* older clang: the whole section is one program */
            sec->funcs[0] = (struct ld_func){.name = sec->name, .start = 0, .cnt = ninsn, .prog_idx = -1};
            sec->nr_funcs = ninsn ? 1 : 0;
            continue;
        }
        qsort(sec->funcs, sec->nr_funcs, sizeof(*sec->funcs), cmp_func);
        /* Aliases (same start): keep the first.  Sizes: as given, else up
         * to the next function; never past the next one or the section. */
        for (k = 0, n = 0; k < sec->nr_funcs; k++) {
            if (n && sec->funcs[n - 1].start == sec->funcs[k].start)
                continue;
            sec->funcs[n++] = sec->funcs[k];
        }
        for (k = 0; k < n; k++) {
            size_t end = k + 1 < n ? sec->funcs[k + 1].start : ninsn;
            if (!sec->funcs[k].cnt || sec->funcs[k].start + sec->funcs[k].cnt > end)
                sec->funcs[k].cnt = end - sec->funcs[k].start;
        }
        sec->nr_funcs = n;
    }
    return 0;
}

const struct ld_func *ld_func_at(const struct bpfrt_object *obj, int sec_idx, size_t off)
{
    const struct ld_sec *sec;
    size_t lo = 0, hi;

    if (sec_idx <= 0 || (size_t)sec_idx >= obj->nr_secs)
        return NULL;
    sec = &obj->secs[sec_idx];
    hi = sec->nr_funcs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sec->funcs[mid].start + sec->funcs[mid].cnt <= off)
            lo = mid + 1;
        else if (sec->funcs[mid].start > off)
            hi = mid;
        else
            return &sec->funcs[mid];
    }
    return NULL;
}

static int add_programs(struct bpfrt_object *obj)
{
    size_t i, j, total = 0;
    int err;

    err = collect_funcs(obj);
    if (err)
        return err;
    for (i = 1; i < obj->nr_secs; i++)
        if (obj->secs[i].kind == LD_SEC_PROG)
            total += obj->secs[i].nr_funcs;
    obj->progs = calloc(total ? total : 1, sizeof(*obj->progs));
    if (!obj->progs)
        return -ENOMEM;
    for (i = 1; i < obj->nr_secs; i++) {
        struct ld_sec *sec = &obj->secs[i];

        if (sec->kind != LD_SEC_PROG)
            continue;
        for (j = 0; j < sec->nr_funcs; j++) {
            struct bpfrt_program *p = &obj->progs[obj->nr_progs];
            struct ld_func *f = &sec->funcs[j];
            enum bpf_prog_type type = BPF_PROG_TYPE_UNSPEC;
            enum bpf_attach_type attach = 0;

            p->obj = obj;
            p->name = strdup(f->name);
            if (!p->name)
                return -ENOMEM;
            obj->nr_progs++;
            p->sec_idx = (int)i;
            p->sec_off = f->start;
            p->orig_cnt = p->cnt = f->cnt;
            f->prog_idx = (int)(p - obj->progs);
            /* SEC("?xdp"): libbpf's "not loaded unless switched on"; the
             * rest of the name gives the type */
            const char *tname = sec->name[0] == '?' ? sec->name + 1 : sec->name;
            const struct pt_desc *pt = pt_by_section(tname, &attach);

            p->autoload = sec->name[0] != '?';
            if (pt)
                type = pt->type;
            else if (!obj->opt_prog_type)
                p->no_type = 1; /* an error at load, as libbpf's "missing BPF prog type" */
            if (obj->opt_prog_type) {
                if (type != obj->opt_prog_type)
                    attach = 0;
                type = obj->opt_prog_type;
            }
            p->type = type;
            p->attach = attach;
            if (type == BPF_PROG_TYPE_XDP && !strncmp(tname, "xdp.frags", 9))
                p->sec_flags = BPF_F_XDP_HAS_FRAGS;
            p->insns = malloc(f->cnt * sizeof(struct bpf_insn) + 1);
            if (!p->insns)
                return -ENOMEM;
            memcpy(p->insns, sec->data + f->start * sizeof(struct bpf_insn), f->cnt * sizeof(struct bpf_insn));
        }
    }
    return 0;
}

int ld_elf_parse(struct bpfrt_object *obj)
{
    int err;

    obj->btf_idx = obj->btf_ext_idx = obj->maps_idx = obj->btf_maps_idx = -1;
    obj->kconfig_map = -1;
    err = check_header(obj);
    if (err)
        return err;
    if (elf_version(EV_CURRENT) == EV_NONE)
        return ld_err(obj, -EINVAL, "libelf: %s", elf_errmsg(-1));
    obj->elf = elf_memory((char *)obj->buf, obj->buf_size);
    if (!obj->elf || elf_kind(obj->elf) != ELF_K_ELF)
        return ld_err(obj, -EINVAL, "%s: cannot read ELF: %s", obj->path, elf_errmsg(-1));
    err = read_sections(obj);
    if (!err)
        err = read_symbols(obj);
    if (!err)
        err = read_license_version(obj);
    if (err)
        return err;
    read_btf(obj);
    return add_programs(obj);
}
