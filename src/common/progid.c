/* progid.c - live programs by id (progid.h). */
#include <pthread.h>
#include <stdlib.h>

#include "progid.h"

struct progid_ent {
    void *prog;
    uint32_t id, type;
};

static pthread_mutex_t progid_lock = PTHREAD_MUTEX_INITIALIZER;
static struct progid_ent *ents;
static size_t nents, cap;
static uint32_t next_id;
uint32_t cm_progid_del_gen; /* cm_progid_gen(): bumped by every cm_progid_del */

uint32_t cm_progid_add(void *prog, uint32_t prog_type)
{
    uint32_t id = 0;

    pthread_mutex_lock(&progid_lock);
    if (nents == cap) {
        size_t ncap = cap ? cap * 2 : 32;
        struct progid_ent *n = realloc(ents, ncap * sizeof(*n));
        if (n) {
            ents = n;
            cap = ncap;
        }
    }
    if (nents < cap) {
        id = ++next_id;
        ents[nents++] = (struct progid_ent){prog, id, prog_type};
    }
    pthread_mutex_unlock(&progid_lock);
    return id;
}

void cm_progid_del(uint32_t id)
{
    pthread_mutex_lock(&progid_lock);
    for (size_t i = 0; i < nents; i++)
        if (ents[i].id == id) {
            ents[i] = ents[--nents];
            /* before the caller frees the program: a cache that saw the
             * old number stops trusting its pointer */
            __atomic_add_fetch(&cm_progid_del_gen, 1, __ATOMIC_SEQ_CST);
            break;
        }
    if (!nents) {
        free(ents);
        ents = NULL;
        cap = 0;
    }
    pthread_mutex_unlock(&progid_lock);
}

void *cm_progid_get(uint32_t id, uint32_t *prog_type)
{
    void *p = NULL;

    pthread_mutex_lock(&progid_lock);
    for (size_t i = 0; i < nents; i++)
        if (ents[i].id == id) {
            p = ents[i].prog;
            if (prog_type)
                *prog_type = ents[i].type;
            break;
        }
    pthread_mutex_unlock(&progid_lock);
    return p;
}

void *cm_progid_find(int (*match)(void *prog, const void *arg), const void *arg, uint32_t *id)
{
    void *p = NULL;

    pthread_mutex_lock(&progid_lock);
    for (size_t i = 0; i < nents && !p; i++)
        if (match(ents[i].prog, arg)) {
            p = ents[i].prog;
            if (id)
                *id = ents[i].id;
        }
    pthread_mutex_unlock(&progid_lock);
    return p;
}
