/* files.c — small file-system helpers (contract in files.h). */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include "files.h"

/* mkdir, where an existing directory is no error. */
static int make_one(const char *path)
{
    if (mkdir(path, 0777) == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int rlc_make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (make_one(buf) != 0)
                return -1;
            *p = '/';
        }
    return make_one(buf);
}
