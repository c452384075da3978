/* test_verifier_suite.c - the kernel's own verifier suite (test_verifier's
 * 1,365 cases of tools/testing/selftests/bpf/verifier/ *.c, from Debian's
 * linux-source-6.1) against bpfrt's verifier and the running kernel.
 *
 * tests/verifier/tv_prepare.sh extracts the cases into a cache; the runner
 * tests/verifier/tv_runner.c is compiled here against them (it #includes
 * the case files into its own array) and the library, and run: for each
 * case and variant (privileged; unprivileged for socket filters and
 * cgroup_skb, as test_verifier) it compares bpfrt_prog__verify_insns()'s
 * verdict with the suite's expectation and with the running kernel's
 * (BPF_PROG_LOAD on the same instructions and maps), and the return
 * values of accepted programs that both can run.  Its full report is kept
 * in CACHE/tv_runner.out; this test prints the summary and the reasons
 * some cases cannot be measured.
 *
 * Thresholds.  The target (issue 8, "The kernel's own suite") is:
 * the verdict equal to the running kernel's on >= 98% of the privileged
 * cases where the kernel gives one and >= 95% of the unprivileged ones,
 * and no case accepted that the kernel rejects for memory safety (0).
 * The defaults are the targets:
 *   TV_MIN_PRIV             (default 98)   % privileged kernel agreement
 *   TV_MIN_UNPRIV           (default 95)   % unprivileged agreement with
 *                           the kernel when it gives unprivileged verdicts
 *                           (the runner, as root, lowers the sysctl
 *                           kernel.unprivileged_bpf_disabled from 2 to 0
 *                           around each unprivileged load and puts 2 back;
 *                           see tv_runner.c)
 *   TV_MIN_UNPRIV_EXP       (default 93)   % unprivileged agreement with
 *                           the suite's expectation, the fallback when the
 *                           kernel gives no unprivileged verdict
 *                           (TV_NO_SYSCTL=1, not root, the sysctl at 1).
 *                           Lower than 95 because the expectation is
 *                           6.1's: since 6.17 the kernel puts a
 *                           speculation barrier where 6.1 refused an
 *                           unprivileged program for what a speculative
 *                           path does, and 6.18 itself agrees with the
 *                           expectation on only 614 of the 647 variants
 *                           (bpfrt, matching 6.18: 594 of 627)
 *   TV_MAX_UNSAFE_ACCEPTS   (default 0)    cases bpfrt accepts and the
 *                           kernel rejects (every one is listed in the
 *                           report as TV-SUSPECT: a soundness suspect)
 * Independent of bpfrt, the test checks its own harness: the running
 * kernel must agree with the suite's expectation on >= 95% of the cases
 * (6.18 differs from 6.1's suite in a handful), which fails if maps,
 * fixups or load attributes were given wrongly.
 *
 * Skips (with the reason) without linux-source-6.1 or without bpf().
 * The runner is compiled with $TV_CC when set, else cc (clang-19 with
 * the sanitizers when BPFRT_SANITIZED=1, to link the sanitized library).
 */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The build directory: where $BPFRT (the command under test) lives. */
static void build_dir(char *buf, size_t n)
{
    const char *b = getenv("BPFRT");
    char tmp[512];

    snprintf(tmp, sizeof(tmp), "%s", b && *b ? b : "build/bpfrt");
    snprintf(buf, n, "%s", dirname(tmp));
}

static double env_num(const char *name, double def)
{
    const char *s = getenv(name);
    char *end;
    double v;

    if (!s || !*s)
        return def;
    v = strtod(s, &end);
    cr_assert(*end == 0, "%s=%s is not a number", name, s);
    return v;
}

/* One "TV priv ..." / "TV unpriv ..." summary line of the runner. */
struct tv_sum {
    int found;
    unsigned long cases, kernel_verdicts, k_eq, k_both, exp_eq, exp_n, kexp_eq, kexp_n, acc_krej, rej_kacc;
};

static unsigned long field(const char *line, const char *key, unsigned long *den)
{
    char pat[64];
    const char *p;

    snprintf(pat, sizeof(pat), " %s=", key);
    p = strstr(line, pat);
    cr_assert(p, "the runner's summary has no %s: %s", key, line);
    p += strlen(pat);
    if (den) {
        const char *slash = strchr(p, '/');
        cr_assert(slash, "%s is not N/M in: %s", key, line);
        *den = strtoul(slash + 1, NULL, 10);
    }
    return strtoul(p, NULL, 10);
}

static void parse_sum(const char *line, struct tv_sum *s)
{
    s->found = 1;
    s->cases = field(line, "cases", NULL);
    s->kernel_verdicts = field(line, "kernel_verdicts", NULL);
    s->k_eq = field(line, "kernel_agree", &s->k_both);
    s->exp_eq = field(line, "exp_agree", &s->exp_n);
    s->kexp_eq = field(line, "kernel_exp_agree", &s->kexp_n);
    s->acc_krej = field(line, "accepts_kernel_rejects", NULL);
    s->rej_kacc = field(line, "rejects_kernel_accepts", NULL);
}

static double pct(unsigned long a, unsigned long b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

/* kernel.unprivileged_bpf_disabled, read under the runners' lock (when
 * it can be taken) so that another runner's window is not mistaken for
 * the machine's setting; -1 when unreadable. */
#define UNPRIV_SYSCTL "/proc/sys/kernel/unprivileged_bpf_disabled"
#define SYSCTL_LOCK "/run/bpfrt-tv-unpriv-sysctl.lock"
static int sysctl_value(void)
{
    int lk = open(SYSCTL_LOCK, O_RDONLY | O_CLOEXEC), v = -1;
    FILE *f;

    if (lk >= 0)
        flock(lk, LOCK_EX);
    f = fopen(UNPRIV_SYSCTL, "r");
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = -1;
        fclose(f);
    }
    if (lk >= 0)
        close(lk);
    return v;
}

/* The runner killed by SIGTERM while it makes unprivileged loads (the
 * signal lands inside or outside a window; either way the sysctl must be
 * back at 2 afterwards). */
static void sigterm_restores(const char *runner)
{
    pid_t pid = fork();
    int st;

    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        execl(runner, runner, "--unpriv-only", (char *)NULL);
        _exit(127);
    }
    usleep(400 * 1000);
    kill(pid, SIGTERM);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_expect_eq(sysctl_value(), 2, "after SIGTERM the runner left kernel.unprivileged_bpf_disabled at %d, not 2",
                 sysctl_value());
}

Test(test_verifier, suite, .timeout = 600)
{
    char dir[512], cache[PATH_MAX + 64], lib[700], *cmd = NULL, out[PATH_MAX + 128], line[1024];
    const char *san = getenv("BPFRT_SANITIZED"), *cc = getenv("TV_CC");
    const char *self = "linux-source-6.1/tools/testing/selftests/bpf", *inc = "linux-source-6.1/tools/include/linux";
    struct tv_sum priv = {0}, unpriv = {0};
    unsigned long suspects = 0;
    int sysctl_before;
    struct stat st;
    FILE *f;
    int rc, fd;

    build_dir(dir, sizeof(dir));
    snprintf(cache, sizeof(cache), "%s/cache/test_verifier", dir);
    cr_assert(asprintf(&cmd, "tests/verifier/tv_prepare.sh %s", cache) > 0);
    rc = system(cmd);
    free(cmd);
    cmd = NULL;
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) == 77)
        cr_skip_test("test_verifier cases unavailable (see the line above)");
    cr_assert_eq(WEXITSTATUS(rc), 0, "tests/verifier/tv_prepare.sh %s failed", cache);
    {
        /* absolute: "#include TV_CASES" looks beside tv_runner.c first */
        char abs[PATH_MAX];
        cr_assert(realpath(cache, abs), "%s: %s", cache, strerror(errno));
        snprintf(cache, sizeof(cache), "%s", abs);
    }

    fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
    if (fd < 0)
        cr_skip_test("kernel bpf() unavailable (%s): no kernel to compare with", strerror(errno));
    close(fd);

    /* The public library as an embedder links it; the internal archive
     * (which the test binary itself links) when only that was built. */
    snprintf(lib, sizeof(lib), "%s/libbpfrt.a", dir);
    if (stat(lib, &st))
        snprintf(lib, sizeof(lib), "%s/libbpfrt-internal.a", dir);
    cr_assert(!stat(lib, &st), "no %s/libbpfrt.a nor libbpfrt-internal.a: build the library first", dir);
    if (!cc || !*cc)
        cc = san && !strcmp(san, "1")
                 ? "clang-19 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
                 : "cc";
    cr_assert(asprintf(&cmd,
             "%s -std=gnu11 -O1 -g -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude "
             "-DTV_CASES='\"%s/tv_cases.h\"' -iquote %s/src/%s -iquote %s/src/%s tests/verifier/tv_runner.c %s "
             "-lbpf -lpcap -lelf -lz -o %s/tv_runner 2>%s/tv_build.err",
             cc, cache, cache, self, cache, inc, lib, cache, cache) > 0);
    rc = system(cmd);
    cr_assert(rc == 0, "building the runner failed (%s/tv_build.err):\n%s", cache, cmd);

    free(cmd);
    snprintf(out, sizeof(out), "%s/tv_runner.out", cache);
    cr_assert(asprintf(&cmd, "%s/tv_runner > %s 2>&1", cache, out) > 0);
    sysctl_before = sysctl_value();
    rc = system(cmd);
    free(cmd);
    cmd = NULL;
    cr_assert(rc == 0, "the runner failed (exit %d); its output: %s", WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out);
    /* The runner lowers kernel.unprivileged_bpf_disabled from 2 to 0
     * around each unprivileged load: it must leave it as it found it,
     * also when killed. */
    cr_expect_eq(sysctl_value(), sysctl_before, "the runner left kernel.unprivileged_bpf_disabled at %d (was %d)",
                 sysctl_value(), sysctl_before);
    if (sysctl_before == 2 && geteuid() == 0 && !(getenv("TV_NO_SYSCTL") && !strcmp(getenv("TV_NO_SYSCTL"), "1"))) {
        char runner[PATH_MAX + 128];
        snprintf(runner, sizeof(runner), "%s/tv_runner", cache);
        sigterm_restores(runner);
    }

    f = fopen(out, "r");
    cr_assert(f, "%s: %s", out, strerror(errno));
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "TV priv ", 8))
            parse_sum(line, &priv);
        else if (!strncmp(line, "TV unpriv ", 10))
            parse_sum(line, &unpriv);
        else if (!strncmp(line, "TV-SUSPECT ", 11)) {
            /* listed here once they are few enough to read */
            if (++suspects > 50)
                continue;
        } else if (!strncmp(line, "TV-FALSE-REJECT ", 16))
            ;
        else if (strncmp(line, "TV ", 3) && strncmp(line, "TV-NM ", 6) && strncmp(line, "tv_runner:", 10))
            continue;
        fputs(line, stdout);
    }
    fclose(f);
    printf("test_verifier: full report (per file, the %lu soundness suspects%s; run the runner with -v for each "
           "mismatch) in %s\n",
           suspects, suspects > 50 ? ", the first 50 above" : "", out);
    cr_assert(priv.found && unpriv.found, "no summary lines in %s", out);

    /* The harness: every case of the suite ran, and the kernel's verdicts
     * match the suite's expectations (else the fixups are wrong). */
    cr_assert_geq(priv.cases, 1300, "only %lu privileged cases ran (the suite has 1,365)", priv.cases);
    cr_assert_geq(priv.kernel_verdicts, priv.cases * 9 / 10, "the kernel judged only %lu of %lu cases",
                  priv.kernel_verdicts, priv.cases);
    cr_assert_geq(pct(priv.kexp_eq, priv.kexp_n), 95.0, "the kernel agrees with the suite on only %lu/%lu cases",
                  priv.kexp_eq, priv.kexp_n);

    /* bpfrt.  Issue 8's target: 98 / 95 / 0. */
    {
        double min_priv = env_num("TV_MIN_PRIV", 98);
        int unpriv_kernel = unpriv.k_both > 0;
        double min_unpriv = unpriv_kernel ? env_num("TV_MIN_UNPRIV", 95) : env_num("TV_MIN_UNPRIV_EXP", 93);
        double max_unsafe = env_num("TV_MAX_UNSAFE_ACCEPTS", 0);
        double p = pct(priv.k_eq, priv.k_both);
        double u = unpriv_kernel ? pct(unpriv.k_eq, unpriv.k_both) : pct(unpriv.exp_eq, unpriv.exp_n);
        unsigned long unsafe = priv.acc_krej + unpriv.acc_krej;

        printf("test_verifier: privileged %.2f%% agree with the kernel (min %.2f; target 98), unprivileged %.2f%% "
               "agree with the %s (min %.2f; target 95 with the kernel), %lu accepts where the kernel rejects "
               "(max %.0f; target 0)\n",
               p, min_priv, u, unpriv_kernel ? "kernel" : "suite's expectation", min_unpriv, unsafe, max_unsafe);
        cr_expect_geq(p, min_priv, "privileged agreement with the kernel %.2f%% < %.2f%% (%lu/%lu)", p, min_priv,
                      priv.k_eq, priv.k_both);
        cr_expect_geq(u, min_unpriv, "unprivileged agreement %.2f%% < %.2f%%", u, min_unpriv);
        cr_expect_leq((double)unsafe, max_unsafe,
                      "%lu cases accepted by bpfrt and rejected by the kernel (max %.0f): TV-SUSPECT lines of %s",
                      unsafe, max_unsafe, out);
    }
}
