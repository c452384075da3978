/* pcapio.c - see pcapio.h. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcapio.h"

/* libpcap's MAXIMUM_SNAPLEN: an output packet may be longer than the
 * capture's snap length (XDP may grow a packet to the end of its page). */
#define PCAPIO_OUT_SNAPLEN 262144

struct pcapio {
    pcap_t *pc;
    uint64_t size;
};

struct pcapio_writer {
    pcap_t *dead;
    pcap_dumper_t *d;
};

int pcapio_open(const char *path, struct pcapio **pp, char *err, size_t errsz)
{
    char eb[PCAP_ERRBUF_SIZE];
    struct pcapio *p = calloc(1, sizeof(*p));
    struct stat st;

    if (!p) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    /* nanosecond stamps when the file has them, so that outputs keep them */
    p->pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
    if (!p->pc) {
        snprintf(err, errsz, "%s", eb);
        free(p);
        return -1;
    }
    if (pcap_file(p->pc) && fstat(fileno(pcap_file(p->pc)), &st) == 0 && S_ISREG(st.st_mode))
        p->size = (uint64_t)st.st_size;
    *pp = p;
    return 0;
}

int pcapio_next(struct pcapio *p, struct pcapio_pkt *pkt, char *err, size_t errsz)
{
    struct pcap_pkthdr *hdr;
    const u_char *bytes;
    int rc = pcap_next_ex(p->pc, &hdr, &bytes);

    if (rc == 1) {
        pkt->data = bytes;
        pkt->caplen = hdr->caplen;
        pkt->len = hdr->len;
        pkt->ts_sec = hdr->ts.tv_sec;
        pkt->ts_frac = (uint32_t)hdr->ts.tv_usec; /* nanoseconds: opened with nano precision */
        return 1;
    }
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    snprintf(err, errsz, "%s", pcap_geterr(p->pc));
    return -1;
}

void pcapio_position(struct pcapio *p, uint64_t *pos, uint64_t *size)
{
    FILE *f = pcap_file(p->pc);
    long at = f ? ftell(f) : -1;

    *pos = at < 0 ? 0 : (uint64_t)at;
    *size = p->size;
}

void pcapio_close(struct pcapio *p)
{
    if (!p)
        return;
    pcap_close(p->pc);
    free(p);
}

int pcapio_writer_open(struct pcapio *in, const char *path, struct pcapio_writer **wp, char *err, size_t errsz)
{
    struct pcapio_writer *w = calloc(1, sizeof(*w));

    if (!w) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    w->dead = pcap_open_dead_with_tstamp_precision(pcap_datalink(in->pc), PCAPIO_OUT_SNAPLEN,
                                                   PCAP_TSTAMP_PRECISION_NANO);
    if (!w->dead) {
        snprintf(err, errsz, "out of memory");
        free(w);
        return -1;
    }
    w->d = pcap_dump_open(w->dead, path);
    if (!w->d) {
        snprintf(err, errsz, "%s", pcap_geterr(w->dead));
        pcap_close(w->dead);
        free(w);
        return -1;
    }
    *wp = w;
    return 0;
}

int pcapio_write(struct pcapio_writer *w, const struct pcapio_pkt *ts, const void *data, uint32_t caplen,
                 uint32_t len, char *err, size_t errsz)
{
    struct pcap_pkthdr h = {.caplen = caplen, .len = len};
    FILE *f = pcap_dump_file(w->d);

    h.ts.tv_sec = (time_t)ts->ts_sec;
    h.ts.tv_usec = (suseconds_t)ts->ts_frac;
    pcap_dump((u_char *)w->d, &h, data);
    if (f && ferror(f)) {
        snprintf(err, errsz, "%s", strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

int pcapio_writer_close(struct pcapio_writer *w, char *err, size_t errsz)
{
    int rc = 0;

    if (!w)
        return 0;
    if (pcap_dump_flush(w->d) || ferror(pcap_dump_file(w->d))) {
        snprintf(err, errsz, "%s", strerror(errno ? errno : EIO));
        rc = -1;
    }
    pcap_dump_close(w->d);
    pcap_close(w->dead);
    free(w);
    return rc;
}
