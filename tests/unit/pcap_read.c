/* pcap_read.c - see pcap_read.h. */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_read.h"

int test_pcap_read(const char *path, struct test_pkt **pkts)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *b;
    struct test_pkt *v = NULL;
    int n = 0;
    pcap_t *pc = pcap_open_offline(path, err);

    if (!pc)
        return -1;
    while (pcap_next_ex(pc, &h, &b) == 1) {
        struct test_pkt *nv = realloc(v, (size_t)(n + 1) * sizeof(*v));
        if (!nv)
            break;
        v = nv;
        v[n].data = malloc(h->caplen ? h->caplen : 1);
        if (!v[n].data)
            break;
        memcpy(v[n].data, b, h->caplen);
        v[n].len = h->caplen;
        n++;
    }
    pcap_close(pc);
    *pkts = v;
    return n;
}

void test_pcap_free(struct test_pkt *pkts, int n)
{
    for (int i = 0; i < n; i++)
        free(pkts[i].data);
    free(pkts);
}
