/* agent.c — the registry of algorithms by name, and training statistics
 * (contract in include/rlc/agent.h). */
#include <math.h>
#include <string.h>
#include "rlc/agent.h"

const rlc_agent_type *const rlc_agent_registry[] = {&rlc_agent_ddpg, &rlc_agent_ppo,
                                                   &rlc_agent_a2c, NULL};

void rlc_train_stats_init(rlc_train_stats *s)
{
    *s = (rlc_train_stats){NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0};
}

const rlc_agent_type *rlc_agent_find(const char *name)
{
    for (size_t i = 0; name && rlc_agent_registry[i]; i++)
        if (strcmp(rlc_agent_registry[i]->name, name) == 0)
            return rlc_agent_registry[i];
    return NULL;
}

size_t rlc_policy_tensors(rlc_policy *p, rlc_agent_tensor *out)
{
    out[0] = (rlc_agent_tensor){"policy", p->params};
    if (!p->obs_norm)
        return 1;
    out[1] = (rlc_agent_tensor){"obs_mean", &p->obs_mean.vector};
    out[2] = (rlc_agent_tensor){"obs_var", &p->obs_var.vector};
    out[3] = (rlc_agent_tensor){"obs_count", &p->obs_count.vector};
    return 4;
}

size_t rlc_agent_onpolicy_tensors(void *agent, rlc_agent_tensor *out)
{
    return rlc_policy_tensors(((rlc_policy_trainer *)agent)->policy, out);
}
