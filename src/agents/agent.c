/* agent.c — the registry of algorithms by name, the settings check every
 * agent's create and the configuration share, and training statistics
 * (contract in include/rlc/agent.h). The loops live in runner.c. */
#include <math.h>
#include <string.h>
#include "rlc/a2c.h"
#include "rlc/agent.h"
#include "rlc/ddpg.h"
#include "rlc/ppo.h"
#include "rlc/qac.h"
#include "rlc/trpo.h"

const rlc_agent_type *const rlc_agent_registry[] = {
    &rlc_agent_ddpg,
    &rlc_agent_ppo,
    &rlc_agent_a2c,
    &rlc_agent_trpo,
    &rlc_agent_qac,
    NULL,
};
_Static_assert(sizeof rlc_agent_registry / sizeof rlc_agent_registry[0] <= RLC_AGENT_MAX_TYPES + 1,
               "raise RLC_AGENT_MAX_TYPES");

void rlc_train_stats_init(rlc_train_stats *s)
{
    for (size_t i = 0; i < RLC_AGENT_MAX_STATS; i++)
        s->values[i] = NAN;
    s->n_updates = 0;
    memset(s->nonfinite, 0, sizeof s->nonfinite);
}

rlc_status rlc_train_stats_nonfinite(rlc_train_stats *s, size_t n_updates, const char *what)
{
    s->n_updates = n_updates;
    snprintf(s->nonfinite, sizeof s->nonfinite, "%s", what);
    return RLC_ENONFINITE;
}

const rlc_agent_type *rlc_agent_find(const char *name)
{
    for (size_t i = 0; name && rlc_agent_registry[i]; i++)
        if (strcmp(rlc_agent_registry[i]->name, name) == 0)
            return rlc_agent_registry[i];
    return NULL;
}

size_t rlc_agent_index(const rlc_agent_type *type)
{
    for (size_t i = 0; rlc_agent_registry[i]; i++)
        if (rlc_agent_registry[i] == type)
            return i;
    return RLC_AGENT_MAX_TYPES;
}

rlc_status rlc_agent_check_settings(const rlc_agent_type *type, const void *settings,
                                    rlc_agent_origin_fn origin, const void *ctx,
                                    rlc_agent_settings_error *err)
{
    rlc_agent_settings_error scratch;
    if (!err)
        err = &scratch;
    err->key = NULL;
    err->reason[0] = '\0';
    if (!type || !settings)
        return RLC_EINVAL;
    const rlc_setting *bad = NULL;
    if (rlc_settings_check(type->settings_rows, type->n_settings_rows, settings, &bad, err->reason,
                           sizeof err->reason)) {
        err->key = bad->key;
        return RLC_EINVAL;
    }
    return type->settings_check ? type->settings_check(settings, origin, ctx, err) : RLC_OK;
}

bool rlc_agent_supports(const rlc_agent_type *type, const rlc_env_type *env)
{
    return env->action_space.kind == RLC_SPACE_BOX ? type->box_actions : type->discrete_actions;
}

double rlc_train_stats_get(const rlc_agent_type *type, const rlc_train_stats *s, const char *name)
{
    for (size_t i = 0; i < type->n_stats; i++)
        if (strcmp(type->stat_names[i], name) == 0)
            return s->values[i];
    return NAN;
}
