/* test_state.h — a trained agent's complete state as bytes, read back from
 * a run directory through rlc_run_load_agent, so two runs' agents can be
 * compared piece by piece whatever else their model.rlc files hold.
 * Defines static functions; include it from one .c file. */
#ifndef RLC_TEST_STATE_H
#define RLC_TEST_STATE_H

#include <stdlib.h>
#include <string.h>
#include "rlc/agent.h"
#include "rlc/run.h"
#include "test_util.h"

typedef struct state_bytes {
    unsigned char *data;
    size_t len, cap;
} state_bytes;

static rlc_status append_piece(void *ctx, const char *name, void *data, size_t bytes)
{
    state_bytes *s = ctx;
    size_t need = s->len + strlen(name) + 1 + bytes;
    if (need > s->cap) {
        s->cap = 2 * need;
        s->data = realloc(s->data, s->cap);
        assert_non_null(s->data);
    }
    memcpy(s->data + s->len, name, strlen(name) + 1);
    s->len += strlen(name) + 1;
    memcpy(s->data + s->len, data, bytes);
    s->len += bytes;
    return RLC_OK;
}

/* The agent of run_dir's checkpoint, its state's names and bytes in visit
 * order (free data). */
static state_bytes run_agent_state(const char *run_dir)
{
    rlc_config cfg;
    void *agent;
    char err[512];
    rlc_status st = rlc_run_load_agent(run_dir, &cfg, &agent, err, sizeof err);
    if (st != RLC_OK)
        print_error("%s: %s\n", run_dir, err);
    assert_int_equal(st, RLC_OK);
    const rlc_agent_type *type = rlc_agent_find(cfg.algo);
    state_bytes s = {0};
    rlc_state_visitor v = {append_piece, &s, "agent", NULL};
    assert_int_equal(type->state(agent, &v), RLC_OK);
    type->free(agent);
    return s;
}

static void assert_same_agent_state(const char *dir_a, const char *dir_b)
{
    state_bytes a = run_agent_state(dir_a), b = run_agent_state(dir_b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    free(a.data);
    free(b.data);
}

#endif
