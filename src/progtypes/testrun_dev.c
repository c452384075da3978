/* testrun_dev.c - the network devices a test run may name: the kernel's
 * test run looks __sk_buff.ifindex (bpf_prog_test_run_skb) and
 * xdp_md.ingress_ifindex (xdp_convert_md_to_buff) up with
 * dev_get_by_index in the caller's network namespace, -ENODEV when there
 * is none.  The loopback (ifindex 1 in every namespace, address and
 * broadcast address 00:00:00:00:00:00, one receive queue) is built in;
 * another index is looked up on the host as the kernel sees it: its name
 * (if_indextoname, the caller's namespace), then its hardware and
 * broadcast addresses and its receive queues from sysfs
 * (/sys/class/net/NAME/address, broadcast, queues/rx-N: the device's
 * real_num_rx_queues). */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "testrun.h"

/* "aa:bb:cc:dd:ee:ff" into 6 bytes (fewer for a shorter address, the rest
 * 0); 0, or -1 when the text is not an address. */
static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v;
    int n;

    memset(mac, 0, 6);
    for (int i = 0; i < 32 && *s && *s != '\n'; i++) {
        if (sscanf(s, "%2x%n", &v, &n) != 1)
            return -1;
        if (i < 6)
            mac[i] = (uint8_t)v;
        s += n;
        if (*s == ':')
            s++;
    }
    return 0;
}

static int read_attr(const char *name, const char *attr, char *buf, size_t size)
{
    char path[96];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
    f = fopen(path, "r");
    if (!f)
        return -errno;
    n = fread(buf, 1, size - 1, f);
    buf[n] = 0;
    fclose(f);
    return 0;
}

static uint32_t count_rx_queues(const char *name)
{
    char path[96];
    struct dirent *e;
    uint32_t n = 0;
    DIR *d;

    snprintf(path, sizeof(path), "/sys/class/net/%s/queues", name);
    d = opendir(path);
    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "rx-", 3))
            n++;
    closedir(d);
    return n;
}

int pt_netdev_get(uint32_t ifindex, struct pt_netdev *dev, char *why, size_t whysz)
{
    char name[IF_NAMESIZE], buf[128];

    memset(dev, 0, sizeof(*dev));
    dev->ifindex = ifindex;
    if (ifindex == PT_LO_IFINDEX) {
        dev->rx_queues = 1;
        dev->loopback = 1;
        return 0;
    }
    if (!ifindex || !if_indextoname(ifindex, name)) {
        snprintf(why, whysz, "no network device has ifindex %u", ifindex);
        return -ENODEV;
    }
    if (read_attr(name, "address", buf, sizeof(buf)) || parse_mac(buf, dev->addr) ||
        read_attr(name, "broadcast", buf, sizeof(buf)) || parse_mac(buf, dev->broadcast)) {
        snprintf(why, whysz, "network device %s (ifindex %u): cannot read its addresses in /sys/class/net/%s", name,
                 ifindex, name);
        return -ENODEV;
    }
    dev->rx_queues = count_rx_queues(name);
    return 0;
}
