/* agent.c — the registry of algorithms by name, and training statistics
 * (contract in include/rlc/agent.h). */
#include <math.h>
#include <string.h>
#include "rlc/agent.h"

static const rlc_agent_type *const registry[] = {&rlc_agent_ddpg, &rlc_agent_ppo, &rlc_agent_a2c,
                                                 NULL};

void rlc_train_stats_init(rlc_train_stats *s)
{
    *s = (rlc_train_stats){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0};
}

const rlc_agent_type *rlc_agent_find(const char *name)
{
    for (size_t i = 0; name && registry[i]; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}
