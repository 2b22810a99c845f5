/* cli.h — what the `rlc` commands share, app-internal (not installed):
 * exit statuses, option parsing, and loading a run's configuration as
 * `rlc run` does. */
#ifndef RLC_APP_CLI_H
#define RLC_APP_CLI_H

#include <getopt.h>
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

/* getopt_long(argc, argv, "h", opts, NULL) for a command whose argv[0]
 * is its name ("rlc run"), except that an option's value that is itself an
 * option ("--seeds --out DIR": the list left out) is refused: prints
 * "rlc run: --seeds needs a value; '--out' is an option" to stderr and
 * returns '?', as getopt_long does for its own errors (silent, as they
 * are, where opterr is 0). Defined in main.c. */
int rlc_cli_getopt(int argc, char **argv, const struct option *opts);

#endif
