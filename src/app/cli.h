/* cli.h — what the `rlc` commands share, app-internal (not installed):
 * exit statuses and loading a run's configuration as `rlc run` does. */
#ifndef RLC_APP_CLI_H
#define RLC_APP_CLI_H

#include <stddef.h>
#include "rlc/config.h"

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Load config_path, apply the n_sets "--set section.key=value" overrides in
 * order, then `seed` (NULL: none) as --set run.seed=N, and validate. On an
 * error prints "rlc: FILE:LINE: [section] key: reason" (or the --set /
 * --seed it came from) to stderr and returns EXIT_USAGE (EXIT_RUNTIME when
 * out of memory); 0 when cfg is ready. Defined in main.c. */
int rlc_cli_load_config(rlc_config *cfg, const char *config_path, const char *const *sets,
                        size_t n_sets, const char *seed);

#endif
