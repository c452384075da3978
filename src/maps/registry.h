/* registry.h - live maps by id (see registry.c). */
#ifndef BPFRT_MAP_REGISTRY_H
#define BPFRT_MAP_REGISTRY_H

#include <stdint.h>

struct bpfrt_map;

/* Called by map creation and free.  add returns 0 or -ENOMEM. */
int map_registry_add(struct bpfrt_map *m);
void map_registry_del(struct bpfrt_map *m);
/* The live map with this id, or NULL. */
struct bpfrt_map *map_by_id(uint32_t id);
/* Is p the address of a live map? */
int map_registry_contains(const void *p);

#endif
