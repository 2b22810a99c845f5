/* agent.c — the registry of algorithms by name (contract in include/rlc/agent.h). */
#include <string.h>
#include "rlc/agent.h"

static const rlc_agent_type *const registry[] = {&rlc_agent_ddpg, NULL};

const rlc_agent_type *rlc_agent_find(const char *name)
{
    for (size_t i = 0; name && registry[i]; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}
