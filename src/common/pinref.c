/* pinref.c - the registered pinned-program hooks (pinref.h). */
#include "pinref.h"

static const struct cm_pinref_ops *registered;

void cm_pinref_register(const struct cm_pinref_ops *ops)
{
    __atomic_store_n(&registered, ops, __ATOMIC_RELEASE);
}

const struct cm_pinref_ops *cm_pinref(void)
{
    return __atomic_load_n(&registered, __ATOMIC_ACQUIRE);
}
