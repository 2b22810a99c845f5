/* compare.h — `rlc compare`, app-internal (not installed): reads run
 * directories, groups them by config name, prints the comparison and draws
 * the plot. The statistics themselves are the library's (rlc/stats.h). */
#ifndef RLC_APP_COMPARE_H
#define RLC_APP_COMPARE_H

/* Runs `rlc compare` with argv[0] = "compare" and the rest of the command
 * line; returns the exit status (0 ok, 1 runtime failure such as a failed
 * plot write or no memory, 2 usage or input error). Prints to stdout and
 * stderr. */
int rlc_cmd_compare(int argc, char **argv);

/* The usage lines of `rlc compare`, for rlc's usage(). */
extern const char rlc_compare_usage[];

#endif
