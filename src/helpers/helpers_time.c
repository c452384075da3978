/* helpers_time.c - the clocks of kernel/bpf/helpers.c beyond
 * ktime_get_ns / ktime_get_boot_ns (helpers.c):
 *
 *   bpf_ktime_get_coarse_ns()  ktime_get_coarse_ns(): CLOCK_MONOTONIC_COARSE
 *   bpf_ktime_get_tai_ns()     ktime_get_tai_fast_ns(): CLOCK_TAI
 *   bpf_jiffies64()            get_jiffies_64(): the kernel's tick count
 *
 * jiffies64 is the running kernel's count: its HZ (CONFIG_HZ, from
 * /proc/config.gz or /boot/config-<release>) and, where /proc/timer_list
 * is readable, the offset between its "jiffies:" and "now at" lines, else
 * the boot value INITIAL_JIFFIES (include/linux/jiffies.h: 2^32 - 300 HZ
 * on 64-bit) and CLOCK_MONOTONIC.  The kernel-differential test compares
 * it with the kernel's bpf_jiffies64() within a tick or two. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <zlib.h>

#include "helpers.h"
#include "helpers_internal.h"

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t hlp_ktime_get_coarse_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
    return clock_ns(CLOCK_MONOTONIC_COARSE);
}

static uint64_t hlp_ktime_get_tai_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
    return clock_ns(CLOCK_TAI);
}

static unsigned jf_hz = 250; /* Debian's CONFIG_HZ, when the config cannot be read */
static int64_t jf_off;       /* jiffies = off + mono_ns * hz / 1e9 */

static int hz_from_line(const char *line)
{
    if (!strncmp(line, "CONFIG_HZ=", 10)) {
        int hz = atoi(line + 10);
        if (hz >= 24 && hz <= 10000)
            jf_hz = (unsigned)hz;
        return 1;
    }
    return 0;
}

static void read_hz(void)
{
    char line[256], path[300];
    struct utsname u;
    gzFile gz = gzopen("/proc/config.gz", "rb");

    if (gz) {
        while (gzgets(gz, line, sizeof(line)))
            if (hz_from_line(line))
                break;
        gzclose(gz);
        return;
    }
    if (uname(&u))
        return;
    snprintf(path, sizeof(path), "/boot/config-%s", u.release);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f))
        if (hz_from_line(line))
            break;
    fclose(f);
}

static void jiffies_init(void)
{
    char line[256];
    unsigned long long now = 0, jf = 0;
    int have_now = 0, have_jf = 0;

    read_hz();
    jf_off = (int64_t)(uint32_t)(-300 * (int32_t)jf_hz); /* INITIAL_JIFFIES */
    FILE *f = fopen("/proc/timer_list", "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f) && !(have_now && have_jf)) {
        if (!have_now && sscanf(line, "now at %llu nsecs", &now) == 1)
            have_now = 1;
        else if (!have_jf && sscanf(line, "jiffies: %llu", &jf) == 1)
            have_jf = 1;
    }
    fclose(f);
    if (have_now && have_jf)
        jf_off = (int64_t)jf - (int64_t)(now / 1000000000ull * jf_hz + now % 1000000000ull * jf_hz / 1000000000ull);
}

static uint64_t hlp_jiffies64(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    uint64_t ns;

    (void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
    pthread_once(&once, jiffies_init);
    ns = clock_ns(CLOCK_MONOTONIC);
    return (uint64_t)(jf_off + (int64_t)(ns / 1000000000ull * jf_hz + ns % 1000000000ull * jf_hz / 1000000000ull));
}

static const struct hlp_desc hlp_time_table[] = {
    {BPF_FUNC_ktime_get_coarse_ns, "ktime_get_coarse_ns", hlp_ktime_get_coarse_ns, 0},
    {BPF_FUNC_ktime_get_tai_ns, "ktime_get_tai_ns", hlp_ktime_get_tai_ns, 0},
    {BPF_FUNC_jiffies64, "jiffies64", hlp_jiffies64, 0},
};
HLP_TABLE(hlp_time_tab, hlp_time_table);
