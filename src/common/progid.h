/* progid.h - live programs by id: the "fd" of a program that a
 * PROG_ARRAY stores and bpftool shows.  Kept below the maps and the
 * runtime so that the map code can resolve an id without knowing what a
 * program object is (the runtime registers its programs; fd_array.c looks
 * them up). */
#ifndef BPFRT_COMMON_PROGID_H
#define BPFRT_COMMON_PROGID_H

#include <stdint.h>

/* Give prog (with its program type) a new id, unique in this process,
 * from 1.  0 when out of memory. */
uint32_t cm_progid_add(void *prog, uint32_t prog_type);
/* Forget id (the program is being freed). */
void cm_progid_del(uint32_t id);
/* The program with id, or NULL; its type in *prog_type when non-NULL. */
void *cm_progid_get(uint32_t id, uint32_t *prog_type);
/* The first live program match accepts (called under the registry's lock:
 * it must not call back here), its id in *id; NULL when none does. */
void *cm_progid_find(int (*match)(void *prog, const void *arg), const void *arg, uint32_t *id);
/* A number that changes whenever a program is forgotten (cm_progid_del),
 * read without the lock: a pointer cm_progid_get() gave while the number
 * was g is still a live program while the number is still g (ids are never
 * reused).  The PROG_ARRAY's per-slot cache (maps/fd_array.c) relies on it. */
extern uint32_t cm_progid_del_gen; /* progid.c; read it through cm_progid_gen() */
static inline uint32_t cm_progid_gen(void)
{
    return __atomic_load_n(&cm_progid_del_gen, __ATOMIC_ACQUIRE);
}

#endif
