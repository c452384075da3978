/* pcap_out.c - the pcap replay's verdicts and output captures (see
 * pcap_out.h): a verdict per named return code of the program's type (the
 * table of src/progtypes), "other" for values without a name and
 * "refused" for packets the test run refused; each verdict's packets, as
 * the program left them, in DIR/<last word of the name, lower case>.pcap. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../progtypes/progtypes.h"
#include "pcap_out.h"

/* "XDP_PASS" -> "pass.pcap", "TC_ACT_SHOT" -> "shot.pcap", "allow" -> "allow.pcap" */
static void file_name(char *buf, size_t sz, const char *name)
{
    const char *w = strrchr(name, '_');
    size_t n = 0;

    for (w = w ? w + 1 : name; *w && n + 6 < sz; w++)
        buf[n++] = (char)tolower((unsigned char)*w);
    snprintf(buf + n, sz - n, ".pcap");
}

static int out_path(const struct pcap_out *o, unsigned key, char *path, size_t sz)
{
    int n = snprintf(path, sz, "%s/%s", o->dir, o->v[key].file_name);
    return n < 0 || (size_t)n >= sz ? -ENAMETOOLONG : 0;
}

/* mkdir -p: the directory and its missing parents (0755). */
static int make_dirs(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);

    if (n >= sizeof(path))
        return -ENAMETOOLONG;
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i])
            continue;
        path[i] = 0;
        if (mkdir(path, 0755) && errno != EEXIST)
            return -errno;
        path[i] = i < n ? '/' : 0;
    }
    return 0;
}

int pcap_out_init(struct pcap_out *o, const struct bpfrt_prog *prog, const char *dir, struct pcapio *in, char *log,
                  size_t logsz)
{
    struct stat st;
    char path[4096];
    int err;

    memset(o, 0, sizeof(*o));
    o->pt = prog->pt;
    o->typed = prog->pt->type != BPF_PROG_TYPE_UNSPEC;
    o->nr_named = prog->pt->nr_retcodes;
    if (o->nr_named > BPFRT_PCAP_VERDICTS - 2)
        o->nr_named = BPFRT_PCAP_VERDICTS - 2; /* the rest count as "other" */
    o->dir = dir;
    o->in = in;
    for (unsigned k = 0; k < o->nr_named; k++) {
        o->v[k].name = o->pt->retcodes[k].name;
        o->v[k].retval = o->typed ? (uint32_t)o->pt->retcodes[k].value : o->pt->retcodes[k].value;
    }
    o->v[PCAP_KEY_OTHER(o)].name = "other";
    o->v[PCAP_KEY_REFUSED(o)].name = "refused";
    for (unsigned k = 0; k <= PCAP_KEY_REFUSED(o); k++)
        file_name(o->v[k].file_name, sizeof(o->v[k].file_name), o->v[k].name);
    if (!dir)
        return 0;
    if (!*dir)
        return cm_log(log, logsz, -EINVAL, "no output directory named");
    err = make_dirs(dir);
    if (err)
        return cm_log(log, logsz, err, "cannot create output directory '%s': %s", dir, strerror(-err));
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return cm_log(log, logsz, -ENOTDIR, "output directory '%s' is not a directory", dir);
    /* what an earlier replay left under this replay's names goes */
    for (unsigned k = 0; k <= PCAP_KEY_REFUSED(o); k++) {
        if (out_path(o, k, path, sizeof(path)))
            return cm_log(log, logsz, -ENAMETOOLONG, "output directory '%s': name too long", dir);
        if (unlink(path) && errno != ENOENT)
            return cm_log(log, logsz, -errno, "cannot replace '%s': %s", path, strerror(errno));
    }
    return 0;
}

unsigned pcap_out_key(const struct pcap_out *o, uint64_t retval)
{
    int i = pt_retcode_index(o->pt, retval);

    return i >= 0 && (unsigned)i < o->nr_named ? (unsigned)i : PCAP_KEY_OTHER(o);
}

int pcap_out_packet(struct pcap_out *o, unsigned key, uint64_t retval, const struct pcapio_pkt *pkt, const void *out,
                    uint32_t len_out, char *log, size_t logsz)
{
    struct bpfrt_pcap_verdict *v = &o->v[key];
    char path[4096], err[256];

    if (!v->packets && key == PCAP_KEY_OTHER(o))
        v->retval = retval; /* the first one seen */
    v->packets++;
    v->bytes += pkt->caplen;
    v->bytes_out += len_out;
    if (!o->dir)
        return 0;
    if (!o->w[key]) {
        if (out_path(o, key, path, sizeof(path)))
            return cm_log(log, logsz, -ENAMETOOLONG, "output directory '%s': name too long", o->dir);
        if (pcapio_writer_open(o->in, path, &o->w[key], err, sizeof(err)))
            return cm_log(log, logsz, -EIO, "cannot write '%s': %s", path, err);
    }
    /* a packet the capture cut keeps the bytes it lacked on the wire */
    if (pcapio_write(o->w[key], pkt, out, len_out, len_out + (pkt->len > pkt->caplen ? pkt->len - pkt->caplen : 0),
                     err, sizeof(err)))
        return cm_log(log, logsz, -EIO, "cannot write '%s/%s': %s", o->dir, v->file_name, err);
    return 0;
}

int pcap_out_finish(struct pcap_out *o, struct bpfrt_pcap_run_opts *opts, char *log, size_t logsz)
{
    char err[256];
    int rc = 0;

    opts->nr_verdicts = 0;
    for (unsigned k = 0; k <= PCAP_KEY_REFUSED(o); k++) {
        if (o->w[k] && pcapio_writer_close(o->w[k], err, sizeof(err)) && !rc)
            rc = log ? cm_log(log, logsz, -EIO, "cannot write '%s/%s': %s", o->dir, o->v[k].file_name, err) : -EIO;
        o->w[k] = NULL;
        if (o->v[k].packets)
            opts->verdicts[opts->nr_verdicts++] = o->v[k];
    }
    return rc;
}
