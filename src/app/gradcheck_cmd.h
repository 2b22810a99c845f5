/* gradcheck_cmd.h — `rlc gradcheck`, app-internal (not installed): checks
 * the configured algorithm's loss gradients through the agent seam
 * (rlc_agent_gradcheck_prepare / _loss) and prints the table. */
#ifndef RLC_APP_GRADCHECK_CMD_H
#define RLC_APP_GRADCHECK_CMD_H

extern const char rlc_gradcheck_usage[];

/* argv[0] is "gradcheck". Returns the exit status: 0 every block passed
 * (or showed no signal), 1 a block failed or the check could not run,
 * 2 bad input. */
int rlc_cmd_gradcheck(int argc, char **argv);

#endif
