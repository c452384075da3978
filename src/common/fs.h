/* fs.h - inside libbpfrt: the state directory's rule for pin paths
 * (the directory itself is public: bpfrt_fs_dir). */
#ifndef BPFRT_COMMON_FS_H
#define BPFRT_COMMON_FS_H

#include <stddef.h>

/* A pin path must lie under the state directory, as the kernel refuses a
 * pin outside bpffs (bpf_obj_do_pin: -EPERM).  A relative path is taken
 * from the current directory; the directory that will hold the file is
 * resolved (realpath: symbolic links and ".." followed) and must be the
 * state directory or below it.  The file itself must not exist yet for a
 * pin to succeed, so it cannot be a link leading out.  0, or -EPERM
 * (outside), -EINVAL (no file name), -ENOENT / -ENAMETOOLONG (no state
 * directory) with a message naming the path and the state directory in
 * log. */
int cm_pin_path_check(const char *path, char *log, size_t logsz);

#endif
