/* registry.c - every live map of the process by id: what LD_IMM64
 * BPF_PSEUDO_MAP_FD references resolve through (bpfrt's map "fd" is its
 * id, the number bpftool shows), and what checked runs use to tell a map
 * pointer from garbage. */
#include <pthread.h>
#include <stdlib.h>

#include "map.h"
#include "registry.h"

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bpfrt_map **reg;
static size_t reg_cnt, reg_cap;

int map_registry_add(struct bpfrt_map *m)
{
    int err = 0;

    pthread_mutex_lock(&reg_lock);
    if (reg_cnt == reg_cap) {
        size_t cap = reg_cap ? reg_cap * 2 : 64;
        struct bpfrt_map **n = realloc(reg, cap * sizeof(*n));
        if (!n)
            err = -1;
        else
            reg = n, reg_cap = cap;
    }
    if (!err)
        reg[reg_cnt++] = m;
    pthread_mutex_unlock(&reg_lock);
    return err ? -12 /* -ENOMEM */ : 0;
}

void map_registry_del(struct bpfrt_map *m)
{
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < reg_cnt; i++)
        if (reg[i] == m) {
            reg[i] = reg[--reg_cnt];
            break;
        }
    if (!reg_cnt) {
        free(reg);
        reg = NULL;
        reg_cap = 0;
    }
    pthread_mutex_unlock(&reg_lock);
}

struct bpfrt_map *map_by_id(uint32_t id)
{
    struct bpfrt_map *m = NULL;

    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < reg_cnt; i++)
        if (reg[i]->id == id) {
            m = reg[i];
            break;
        }
    pthread_mutex_unlock(&reg_lock);
    return m;
}

int map_registry_contains(const void *p)
{
    int found = 0;

    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < reg_cnt && !found; i++)
        found = (const void *)reg[i] == p;
    pthread_mutex_unlock(&reg_lock);
    return found;
}
