/* sha.h - SHA-1 and SHA-256 (FIPS 180-4), one-shot, for the kernel's
 * program tag (bpf_prog_calc_tag hashes the instructions with SHA-1 before
 * Linux 6.18, SHA-256 from 6.18 on).  Not for anything that needs a
 * cryptographic guarantee: bpfrt only reproduces the kernel's identifier. */
#ifndef BPFRT_COMMON_SHA_H
#define BPFRT_COMMON_SHA_H

#include <stddef.h>
#include <stdint.h>

void cm_sha1(const void *data, size_t n, uint8_t out[20]);
void cm_sha256(const void *data, size_t n, uint8_t out[32]);

#endif
