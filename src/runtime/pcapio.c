/* pcapio.c - see pcapio.h. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "pcapio.h"

struct pcapio {
    pcap_t *pc;
};

int pcapio_open(const char *path, struct pcapio **pp, char *err, size_t errsz)
{
    char eb[PCAP_ERRBUF_SIZE];
    struct pcapio *p = calloc(1, sizeof(*p));

    if (!p) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    p->pc = pcap_open_offline(path, eb);
    if (!p->pc) {
        snprintf(err, errsz, "%s", eb);
        free(p);
        return -1;
    }
    *pp = p;
    return 0;
}

int pcapio_next(struct pcapio *p, const uint8_t **data, uint32_t *len, char *err, size_t errsz)
{
    struct pcap_pkthdr *hdr;
    const u_char *bytes;
    int rc = pcap_next_ex(p->pc, &hdr, &bytes);

    if (rc == 1) {
        *data = bytes;
        *len = hdr->caplen;
        return 1;
    }
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    snprintf(err, errsz, "%s", pcap_geterr(p->pc));
    return -1;
}

void pcapio_close(struct pcapio *p)
{
    if (!p)
        return;
    pcap_close(p->pc);
    free(p);
}
