/* fib_table.h - the routing table bpf_fib_lookup() consults: devices,
 * routes and neighbours read from a text file (the format: docs/CLI.md,
 * "The routing table of bpf_fib_lookup"; the parser: fib_table.c). */
#ifndef BPFRT_HELPERS_FIB_TABLE_H
#define BPFRT_HELPERS_FIB_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define FIB_LO_IFINDEX 1u
#define FIB_LO_MTU 65536u
#define FIB_DEF_MTU 1500u
#define FIB_TABLE_LOCAL 255u   /* RT_TABLE_LOCAL */
#define FIB_TABLE_MAIN 254u    /* RT_TABLE_MAIN */
#define FIB_TABLE_DEFAULT 253u /* RT_TABLE_DEFAULT */

/* Route types (the kernel's RTN_* that matter to bpf_fib_lookup). */
enum fib_rtype {
    FIB_UNICAST,
    FIB_LOCAL, /* local, broadcast, anycast, multicast: a device's own, never forwarded */
    FIB_BLACKHOLE,
    FIB_UNREACHABLE,
    FIB_PROHIBIT,
    FIB_THROW,
};

struct fib_dev {
    uint32_t ifindex, mtu;
    uint8_t mac[6];
    uint8_t noforward;       /* forwarding disabled (IN_DEV_FORWARD / cnf.forwarding off) */
    uint8_t has4, has6;      /* an address of each family */
    uint8_t addr4[4], addr6[16];
};

struct fib_route {
    uint8_t family; /* 4 or 6 */
    uint8_t type;   /* enum fib_rtype */
    uint8_t plen;
    uint8_t gw_family; /* 0: none, 4, 6 */
    uint8_t prefix[16], gw[16], src[16];
    uint8_t has_src, has_smac, has_dmac;
    uint8_t smac[6], dmac[6];
    uint32_t dev; /* 0: none (error routes) */
    uint32_t metric, mtu, table;
};

struct fib_neigh {
    uint8_t family;
    uint8_t addr[16];
    uint32_t dev;
    uint8_t mac[6];
};

/* The table (the public struct bpfrt_fib_table of bpfrt.h). */
struct bpfrt_fib_table {
    struct fib_dev *devs;
    struct fib_route *routes;
    struct fib_neigh *neighs;
    unsigned ndevs, nroutes, nneighs;
};

/* The device ifindex of t (the loopback always exists), or NULL. */
const struct fib_dev *fib_dev_find(const struct bpfrt_fib_table *t, uint32_t ifindex);

#endif
