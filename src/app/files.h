/* files.h — small file-system helpers shared by the run directory code
 * (run.c, in librlc) and the rlc command (sweep.c). Internal: not
 * installed. Deliberately not here: anything that knows a run's files. */
#ifndef RLC_APP_FILES_H
#define RLC_APP_FILES_H

/* mkdir -p: create path and its missing parents (mode 0777 before the
 * umask). A path that exists is fine if it is a directory; a regular file
 * (or anything else) there fails with ENOTDIR, so that a caller can refuse
 * it before writing anything into it. Returns 0, or -1 with errno set
 * (ENAMETOOLONG beyond 4095 bytes). Allocates nothing. */
int rlc_make_dirs(const char *path);

#endif
