/* fs_fixture.h - a fresh state directory per test: a temporary directory
 * made for the test and set as BPFRT_FS (for the library and the commands
 * the test runs), removed after it.  Header-only: each test file that
 * includes it has its own `fs`. */
#ifndef BPFRT_TEST_FS_FIXTURE_H
#define BPFRT_TEST_FS_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

static char fs[64];

/* mkdtemp /tmp/<prefix>-XXXXXX, exported as BPFRT_FS */
static inline void fs_fixture_setup(const char *prefix)
{
    snprintf(fs, sizeof(fs), "/tmp/%s-XXXXXX", prefix);
    cr_assert_not_null(mkdtemp(fs));
    setenv("BPFRT_FS", fs, 1);
}

static inline void fs_fixture_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", fs);
    if (system(cmd)) {
    }
}

#endif
