/* fuzz_loader.c - libFuzzer target for the ELF object loader: open any
 * bytes as an object, link and relocate its programs with provisional map
 * ids, close.  Map creation and program loading are other targets' work. */
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"
#include "loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char log[4096];
    BPFRT_OPTS(bpfrt_object_open_opts, o, .object_name = "fuzz.o", .log_buf = log, .log_size = sizeof(log));
    struct bpfrt_object *obj;
    size_t i;

    if (bpfrt_object__open_mem(data, size, &o, &obj))
        return 0;
    for (i = 0; i < obj->nr_maps; i++)
        obj->maps[i].rt_id = 1 + (uint32_t)i;
    ld_object_relocate(obj);
    bpfrt_object__close(obj);
    return 0;
}
