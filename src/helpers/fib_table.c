/* fib_table.c - reading the routing table of bpf_fib_lookup() from text
 * (the format: docs/CLI.md, "The routing table of bpf_fib_lookup"), one
 * line at a time, `ip route`-like:
 *
 *   dev IFINDEX [mac MAC] [mtu N] [addr A.B.C.D] [addr6 X::X] [noforward]
 *   neigh ADDR dev IFINDEX lladdr MAC
 *   [TYPE] PREFIX [via GW] [dev IFINDEX] [metric N] [mtu N] [src ADDR]
 *          [table N] [smac MAC] [dmac MAC]
 *
 * Every error names the file, the line and the word.  The loopback
 * (ifindex 1, MTU 65536, address 00:00:00:00:00:00) always exists; a
 * device a route or neighbour names without a `dev` line of its own gets
 * MTU 1500 and address 00:00:00:00:00:00. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "fib_table.h"

#define FIB_MAX_ENTRIES 100000u /* routes, neighbours or devices: a bound on the file, not a kernel limit */
#define FIB_MAX_WORDS 32
#define FIB_MAX_LINE 1024

struct fib_parse {
    struct bpfrt_fib_table *t;
    const char *name;
    unsigned line;
    char *err;
    size_t errsz;
};

static int perr(struct fib_parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct fib_parse *p, const char *fmt, ...)
{
    va_list ap;
    int n = 0;

    if (p->err && p->errsz) {
        n = snprintf(p->err, p->errsz, "%s:%u: ", p->name, p->line);
        if (n < 0 || (size_t)n >= p->errsz)
            n = 0;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errsz - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

const struct fib_dev *fib_dev_find(const struct bpfrt_fib_table *t, uint32_t ifindex)
{
    static const struct fib_dev lo = {.ifindex = FIB_LO_IFINDEX, .mtu = FIB_LO_MTU};

    for (unsigned i = 0; t && i < t->ndevs; i++)
        if (t->devs[i].ifindex == ifindex)
            return &t->devs[i];
    return ifindex == FIB_LO_IFINDEX ? &lo : NULL;
}

/* Grow *arr (of *n elements of size sz) by one zeroed element. */
static void *grow(struct fib_parse *p, void **arr, unsigned *n, size_t sz)
{
    void *a;

    if (*n >= FIB_MAX_ENTRIES) {
        perr(p, "more than %u entries of one kind", FIB_MAX_ENTRIES);
        return NULL;
    }
    a = realloc(*arr, (*n + 1) * sz);
    if (!a) {
        perr(p, "out of memory");
        return NULL;
    }
    *arr = a;
    memset((char *)a + *n * sz, 0, sz);
    return (char *)a + (*n)++ * sz;
}

/* The device ifindex, made with the defaults when the table has none. */
static struct fib_dev *dev_get(struct fib_parse *p, uint32_t ifindex)
{
    struct fib_dev *d;

    for (unsigned i = 0; i < p->t->ndevs; i++)
        if (p->t->devs[i].ifindex == ifindex)
            return &p->t->devs[i];
    d = grow(p, (void **)&p->t->devs, &p->t->ndevs, sizeof(*d));
    if (!d)
        return NULL;
    d->ifindex = ifindex;
    d->mtu = ifindex == FIB_LO_IFINDEX ? FIB_LO_MTU : FIB_DEF_MTU;
    return d;
}

static int parse_u32(struct fib_parse *p, const char *what, const char *s, uint32_t min, uint32_t *out)
{
    char *end;
    unsigned long long v;

    if (!s)
        return perr(p, "'%s' needs a value", what);
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || *end || !*s || s[0] == '-' || v > UINT32_MAX || v < min)
        return perr(p, "%s '%s': not a number from %u to %u", what, s, min, UINT32_MAX);
    *out = (uint32_t)v;
    return 0;
}

static int parse_mac(struct fib_parse *p, const char *what, const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char tail;

    if (!s)
        return perr(p, "'%s' needs a value", what);
    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
        return perr(p, "%s '%s': not a MAC address (xx:xx:xx:xx:xx:xx)", what, s);
    for (int i = 0; i < 6; i++) {
        if (v[i] > 255)
            return perr(p, "%s '%s': not a MAC address (xx:xx:xx:xx:xx:xx)", what, s);
        mac[i] = (uint8_t)v[i];
    }
    return 0;
}

/* An address of either family: *family 4 or 6. */
static int parse_addr(struct fib_parse *p, const char *what, const char *s, uint8_t *family, uint8_t addr[16])
{
    if (!s)
        return perr(p, "'%s' needs a value", what);
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, s, addr) == 1) {
        *family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, s, addr) == 1) {
        *family = 6;
        return 0;
    }
    return perr(p, "%s '%s': not an IPv4 or IPv6 address", what, s);
}

/* PREFIX: ADDR[/LEN], or `default` (0.0.0.0/0); host bits must be 0. */
static int parse_prefix(struct fib_parse *p, const char *s, struct fib_route *r)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    uint32_t plen, max;

    if (!strcmp(s, "default")) {
        r->family = 4;
        return 0;
    }
    if (strlen(s) >= sizeof(buf))
        return perr(p, "prefix '%s' is too long", s);
    snprintf(buf, sizeof(buf), "%.*s", slash ? (int)(slash - s) : (int)strlen(s), s);
    if (parse_addr(p, "prefix", buf, &r->family, r->prefix))
        return -EINVAL;
    max = r->family == 4 ? 32 : 128;
    plen = max;
    if (slash && (parse_u32(p, "prefix length", slash + 1, 0, &plen) || plen > max))
        return perr(p, "prefix '%s': the length must be 0..%u", s, max);
    r->plen = (uint8_t)plen;
    for (uint32_t b = plen; b < max; b++)
        if (r->prefix[b / 8] & (0x80 >> (b % 8)))
            return perr(p, "prefix '%s' has bits set past its length /%u", s, plen);
    return 0;
}

static int line_dev(struct fib_parse *p, char **w, int n)
{
    uint32_t ifindex, v;
    struct fib_dev *d;
    uint8_t fam;

    if (parse_u32(p, "dev", n > 1 ? w[1] : NULL, 1, &ifindex))
        return -EINVAL;
    d = dev_get(p, ifindex);
    if (!d)
        return -ENOMEM;
    for (int i = 2; i < n; i++) {
        const char *k = w[i], *val = i + 1 < n ? w[i + 1] : NULL;
        if (!strcmp(k, "noforward")) {
            d->noforward = 1;
            continue;
        }
        if (!strcmp(k, "mac")) {
            if (parse_mac(p, k, val, d->mac))
                return -EINVAL;
        } else if (!strcmp(k, "mtu")) {
            if (parse_u32(p, k, val, 68, &v))
                return -EINVAL;
            d->mtu = v;
        } else if (!strcmp(k, "addr") || !strcmp(k, "addr6")) {
            uint8_t a[16];
            if (parse_addr(p, k, val, &fam, a))
                return -EINVAL;
            if (fam != (k[4] ? 6 : 4))
                return perr(p, "%s '%s': an IPv%c address is wanted", k, val, k[4] ? '6' : '4');
            if (fam == 4) {
                memcpy(d->addr4, a, 4);
                d->has4 = 1;
            } else {
                memcpy(d->addr6, a, 16);
                d->has6 = 1;
            }
        } else {
            return perr(p, "dev: unknown word '%s' (mac, mtu, addr, addr6, noforward)", k);
        }
        i++;
    }
    return 0;
}

static int line_neigh(struct fib_parse *p, char **w, int n)
{
    struct fib_neigh nb = {0}, *e;
    int have_dev = 0, have_mac = 0;

    if (parse_addr(p, "neigh", n > 1 ? w[1] : NULL, &nb.family, nb.addr))
        return -EINVAL;
    for (int i = 2; i < n; i += 2) {
        const char *k = w[i], *val = i + 1 < n ? w[i + 1] : NULL;
        if (!strcmp(k, "dev")) {
            if (parse_u32(p, k, val, 1, &nb.dev))
                return -EINVAL;
            have_dev = 1;
        } else if (!strcmp(k, "lladdr")) {
            if (parse_mac(p, k, val, nb.mac))
                return -EINVAL;
            have_mac = 1;
        } else {
            return perr(p, "neigh: unknown word '%s' (dev, lladdr)", k);
        }
    }
    if (!have_dev || !have_mac)
        return perr(p, "neigh %s: needs both 'dev IFINDEX' and 'lladdr MAC'", w[1]);
    if (!dev_get(p, nb.dev))
        return -ENOMEM;
    e = grow(p, (void **)&p->t->neighs, &p->t->nneighs, sizeof(*e));
    if (!e)
        return -ENOMEM;
    *e = nb;
    return 0;
}

static const struct {
    const char *name;
    enum fib_rtype type;
} rtypes[] = {{"unicast", FIB_UNICAST},     {"local", FIB_LOCAL},         {"broadcast", FIB_LOCAL},
              {"anycast", FIB_LOCAL},       {"multicast", FIB_LOCAL},     {"blackhole", FIB_BLACKHOLE},
              {"unreachable", FIB_UNREACHABLE}, {"prohibit", FIB_PROHIBIT}, {"throw", FIB_THROW}};

static int line_route(struct fib_parse *p, char **w, int n)
{
    struct fib_route r = {0}, *e;
    int i = 0, have_metric = 0, typed = 0;
    const char *pfx;
    uint8_t fam;

    r.type = FIB_UNICAST;
    r.table = FIB_TABLE_MAIN;
    for (size_t k = 0; k < sizeof(rtypes) / sizeof(rtypes[0]); k++)
        if (!strcmp(w[0], rtypes[k].name)) {
            r.type = (uint8_t)rtypes[k].type;
            i = typed = 1;
        }
    if (i >= n)
        return perr(p, "route type '%s' without a prefix", w[0]);
    pfx = w[i];
    if (parse_prefix(p, pfx, &r))
        return -EINVAL;
    if (r.type == FIB_LOCAL)
        r.table = FIB_TABLE_LOCAL;
    for (i++; i < n; i += 2) {
        const char *k = w[i], *val = i + 1 < n ? w[i + 1] : NULL;
        if (!strcmp(k, "via")) {
            if (parse_addr(p, k, val, &r.gw_family, r.gw))
                return -EINVAL;
            if (r.family == 6 && r.gw_family == 4)
                return perr(p, "via %s: an IPv6 route takes an IPv6 gateway", val);
        } else if (!strcmp(k, "dev")) {
            if (parse_u32(p, k, val, 1, &r.dev))
                return -EINVAL;
        } else if (!strcmp(k, "metric")) {
            if (parse_u32(p, k, val, 0, &r.metric))
                return -EINVAL;
            have_metric = 1;
        } else if (!strcmp(k, "mtu")) {
            if (parse_u32(p, k, val, 68, &r.mtu))
                return -EINVAL;
        } else if (!strcmp(k, "table")) {
            if (parse_u32(p, k, val, 1, &r.table))
                return -EINVAL;
        } else if (!strcmp(k, "src")) {
            if (parse_addr(p, k, val, &fam, r.src))
                return -EINVAL;
            if (fam != r.family)
                return perr(p, "src %s: not of the route's family (IPv%u)", val, r.family);
            r.has_src = 1;
        } else if (!strcmp(k, "smac")) {
            if (parse_mac(p, k, val, r.smac))
                return -EINVAL;
            r.has_smac = 1;
        } else if (!strcmp(k, "dmac")) {
            if (parse_mac(p, k, val, r.dmac))
                return -EINVAL;
            r.has_dmac = 1;
        } else {
            return perr(p, "route: unknown word '%s' (via, dev, metric, mtu, table, src, smac, dmac)", k);
        }
    }
    if ((r.type == FIB_UNICAST || r.type == FIB_LOCAL) && !r.dev)
        return perr(p, "route %s: a %s route needs 'dev IFINDEX'", pfx, typed ? w[0] : "unicast");
    if (r.type != FIB_UNICAST && (r.gw_family || r.has_dmac || r.has_smac))
        return perr(p, "route %s: only a unicast route has a gateway or MAC addresses", pfx);
    /* ip -6 route gives a route metric 1024 when none is named
     * (IP6_RT_PRIO_USER); ip route (IPv4) gives 0 */
    if (!have_metric && r.family == 6)
        r.metric = 1024;
    if (r.dev && !dev_get(p, r.dev))
        return -ENOMEM;
    e = grow(p, (void **)&p->t->routes, &p->t->nroutes, sizeof(*e));
    if (!e)
        return -ENOMEM;
    *e = r;
    return 0;
}

static int parse_line(struct fib_parse *p, char *s)
{
    char *w[FIB_MAX_WORDS], *save = NULL, *tok;
    int n = 0;
    char *hash = strchr(s, '#');

    if (hash)
        *hash = 0;
    for (tok = strtok_r(s, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == FIB_MAX_WORDS)
            return perr(p, "more than %d words", FIB_MAX_WORDS);
        w[n++] = tok;
    }
    if (!n)
        return 0;
    if (!strcmp(w[0], "dev"))
        return line_dev(p, w, n);
    if (!strcmp(w[0], "neigh"))
        return line_neigh(p, w, n);
    return line_route(p, w, n);
}

void bpfrt_fib_table__free(struct bpfrt_fib_table *t)
{
    if (!t)
        return;
    free(t->devs);
    free(t->routes);
    free(t->neighs);
    free(t);
}

int bpfrt_fib_table__parse(const char *text, const char *name, struct bpfrt_fib_table **tablep, char *err,
                           size_t errsz)
{
    struct fib_parse p = {.name = name ? name : "fib table", .err = err, .errsz = errsz};
    const char *s = text;
    int rc = 0;

    if (!tablep || !text)
        return -EINVAL;
    *tablep = NULL;
    p.t = calloc(1, sizeof(*p.t));
    if (!p.t)
        return -ENOMEM;
    while (*s && !rc) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        char line[FIB_MAX_LINE];

        p.line++;
        if (len >= sizeof(line))
            rc = perr(&p, "line longer than %d bytes", FIB_MAX_LINE - 1);
        else if (memchr(s, 0, len))
            rc = perr(&p, "a NUL byte in the line");
        else {
            memcpy(line, s, len);
            line[len] = 0;
            rc = parse_line(&p, line);
        }
        s += len + (nl ? 1 : 0);
    }
    if (rc) {
        bpfrt_fib_table__free(p.t);
        return rc;
    }
    *tablep = p.t;
    return 0;
}

int bpfrt_fib_table__load(const char *path, struct bpfrt_fib_table **tablep, char *err, size_t errsz)
{
    FILE *f;
    char *text;
    long size;
    int rc;

    if (!path || !tablep)
        return -EINVAL;
    *tablep = NULL;
    f = fopen(path, "rb");
    if (!f) {
        rc = -errno;
        if (err && errsz)
            snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return rc;
    }
    if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        rc = -errno;
        fclose(f);
        if (err && errsz)
            snprintf(err, errsz, "%s: cannot find its size: %s", path, strerror(-rc));
        return rc;
    }
    if (size > 64l << 20) {
        fclose(f);
        if (err && errsz)
            snprintf(err, errsz, "%s: %ld bytes: a routing table file is at most 64 MiB", path, size);
        return -EFBIG;
    }
    text = malloc((size_t)size + 1);
    if (!text) {
        fclose(f);
        return -ENOMEM;
    }
    if (fread(text, 1, (size_t)size, f) != (size_t)size) {
        free(text);
        fclose(f);
        if (err && errsz)
            snprintf(err, errsz, "%s: read error", path);
        return -EIO;
    }
    fclose(f);
    text[size] = 0;
    if (strlen(text) != (size_t)size) {
        free(text);
        if (err && errsz)
            snprintf(err, errsz, "%s: a NUL byte in the file (not a text routing table)", path);
        return -EINVAL;
    }
    rc = bpfrt_fib_table__parse(text, path, tablep, err, errsz);
    free(text);
    return rc;
}
