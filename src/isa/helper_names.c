/* helper_names.c - the names of helper ids, generated from the UAPI
 * header's __BPF_FUNC_MAPPER so they always match the kernel's numbering.
 * Part of the instruction set's vocabulary: the assembler and the
 * disassembler name calls with them ("call bpf_map_lookup_elem#1"). */
#include <stdint.h>

#include "bpfrt/bpfrt.h"

#define HLP_NAME(x) #x
static const char *const hlp_names[] = {__BPF_FUNC_MAPPER(HLP_NAME)};
#undef HLP_NAME

const char *bpfrt_helper_name(uint32_t id)
{
    if (id == 0 || id >= __BPF_FUNC_MAX_ID)
        return NULL;
    return hlp_names[id];
}
