/* fuzz_config.c — libFuzzer target for the INI config loader
 * (rlc_config_load, include/rlc/config.h) on arbitrary file contents.
 * It must never crash or read out of bounds (ASan, UBSan); a failure must
 * come with a message that is NUL-terminated inside the buffer and names
 * the file; what loads must also go through rlc_config_validate and
 * rlc_config_write without trouble. Seed corpus: fuzz/corpus/config/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rlc/config.h"

static char path[256];
static char *default_text; /* rlc_config_write of the defaults */

/* rlc_config_write's text of cfg (malloc'ed). */
static char *written(const rlc_config *cfg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f || rlc_config_write(cfg, f) != RLC_OK || fclose(f) != 0)
        abort();
    return text;
}

static void cleanup(void)
{
    unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/rlc-fuzz-config-XXXXXX", base);
    int fd = mkstemp(path);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    close(fd);
    atexit(cleanup);
    static rlc_config cfg;
    rlc_config_default(&cfg);
    default_text = written(&cfg);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    static rlc_config cfg;
    rlc_config_error err;
    memset(&err, 0x5a, sizeof err); /* no NUL: the loader must write one */
    rlc_config_default(&cfg);
    rlc_status st = rlc_config_load(&cfg, path, &err);
    if (st != RLC_OK) {
        if (!memchr(err.message, '\0', sizeof err.message) || err.message[0] == '\0' ||
            strncmp(err.message, path, strlen(path)) != 0)
            abort(); /* an error must say where */
        char *text = written(&cfg);
        if (strcmp(text, default_text) != 0)
            abort(); /* on error cfg is unchanged */
        free(text);
        return 0;
    }
    memset(&err, 0x5a, sizeof err);
    if (rlc_config_validate(&cfg, &err) != RLC_OK) {
        if (!memchr(err.message, '\0', sizeof err.message) || err.message[0] == '\0')
            abort();
        return 0;
    }
    free(written(&cfg));
    return 0;
}
