/* tail_secs.c - iproute2's numbered tail-call sections (issue 9, part 8).
 *
 * iproute2 (`tc filter ... bpf obj X sec Y`, lib/bpf_legacy.c
 * bpf_fill_prog_arrays, the __section_tail(ID, KEY) macro of its
 * bpf_api.h) loads every section whose name reads "ID/KEY" (sscanf "%i/%i":
 * "1/0", "0x2/5") as a program of the type given on its command line and
 * stores it at KEY of the PROG_ARRAY whose struct bpf_elf_map id is ID; a
 * section naming no such map is loaded and left out.  bpfrt does the
 * same: the program goes into the map's initial slots (filled once the
 * programs are loaded, as BTF `values` are); with no type given, such a
 * section takes the type every other program of the object has (iproute2
 * loads the whole object with one type), else it stays untyped and the
 * load says so.  tests/unit/test_loader_conv.c (iproute2_tail.c). */
#include <stdio.h>
#include <string.h>

#include "loader.h"

/* The PROG_ARRAY of the legacy `maps` section with iproute2 id `id`, or -1. */
static int find_prog_array(const struct bpfrt_object *obj, uint32_t id)
{
    for (size_t i = 0; i < obj->nr_maps; i++) {
        const struct ld_map *m = &obj->maps[i];
        if (m->kind == LD_MAP_USER && m->sec_idx == obj->maps_idx && obj->maps_idx >= 0 && m->id == id &&
            m->type == BPF_MAP_TYPE_PROG_ARRAY)
            return (int)i;
    }
    return -1;
}

/* The one type of the object's typed programs, or UNSPEC when they
 * differ or there are none. */
static enum bpf_prog_type common_type(const struct bpfrt_object *obj)
{
    enum bpf_prog_type t = BPF_PROG_TYPE_UNSPEC;

    for (size_t i = 0; i < obj->nr_progs; i++) {
        const struct bpfrt_program *p = &obj->progs[i];
        if (p->no_type)
            continue;
        if (t != BPF_PROG_TYPE_UNSPEC && p->type != t)
            return BPF_PROG_TYPE_UNSPEC;
        t = p->type;
    }
    return t;
}

int ld_tail_secs(struct bpfrt_object *obj)
{
    enum bpf_prog_type common = common_type(obj);

    for (size_t i = 0; i < obj->nr_progs; i++) {
        struct bpfrt_program *p = &obj->progs[i];
        const char *sec = obj->secs[p->sec_idx].name;
        int id, key, mi, err;

        if (sscanf(sec, "%i/%i", &id, &key) != 2)
            continue;
        if (p->sec_off != 0) {
            ld_log(obj, "%s: section '%s': program '%s' is not at its start: iproute2 loads the section as one "
                   "program, so only the first goes into the prog array",
                   obj->path, sec, p->name);
            continue;
        }
        if (p->no_type && common != BPF_PROG_TYPE_UNSPEC) {
            p->type = common;
            p->no_type = 0;
            ld_log(obj, "%s: section '%s': tail-call program '%s' takes the type of the object's other programs (%u)",
                   obj->path, sec, p->name, common);
        }
        mi = find_prog_array(obj, (uint32_t)id);
        if (mi < 0) {
            ld_log(obj, "%s: section '%s': no prog array with iproute2 id %d: program '%s' is loaded but not placed",
                   obj->path, sec, id, p->name);
            continue;
        }
        err = ld_map_add_init(&obj->maps[mi], (uint32_t)key, -1, (int)i);
        if (err)
            return err;
        ld_log(obj, "%s: section '%s': program '%s' goes to slot %u of prog array '%s'", obj->path, sec, p->name,
               (uint32_t)key, obj->maps[mi].name);
    }
    return 0;
}
