/* test_agent_gradcheck.c — gradient checks through the agent seam: a toy
 * agent whose loss uses a test-only op with a sign error, or a factor 2, in
 * its derivative is caught in every block; the right op passes; a block the
 * loss never reads shows "no signal"; relu at 0 is a kink, skipped and
 * counted. Then every shipped config's algorithm
 * (every configs/ file) passes every block of every loss on its own batch, with
 * the block names the networks' layers give. */
#include <dirent.h>
#include <gsl/gsl_errno.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/agent.h"
#include "rlc/config.h"
#include "rlc/mlp.h"
#include "rlc/tape.h"
#include "test_util.h"

#ifndef RLC_CONFIGS_DIR
#define RLC_CONFIGS_DIR "configs"
#endif

/* --- a toy agent: loss = mean(sq(mlp(x))) over a fixed batch --- */

enum { SQ_RIGHT, SQ_SIGN, SQ_FACTOR2 };

#define ROWS 5
#define IN 3
#define UNUSED 4 /* parameters after the network's, read by no loss */

typedef struct toy {
    rlc_mlp *net;
    gsl_vector *params, *grads;
    rlc_tape *tape;
    gsl_matrix *x;
    int sq; /* which square op */
} toy;

/* Test-only ops: x ⊙ x as a value, with the derivative 2x (right), −2x (a
 * sign error) or 4x (a factor 2), built from tape ops and c, a constant
 * copy of x: 2c⊙c − x⊙x and 2x⊙x − c⊙c both equal x⊙x, and their
 * recorded derivatives are −2x and 4x. */
static rlc_node *test_square(rlc_tape *t, rlc_node *x, int kind)
{
    if (kind == SQ_RIGHT || !x)
        return rlc_tape_square(t, x);
    rlc_node *c = rlc_tape_input(t, x->value.size1, x->value.size2);
    if (!c)
        return NULL;
    gsl_matrix_memcpy(&c->value, &x->value);
    rlc_node *xx = rlc_tape_mul(t, x, x), *cc = rlc_tape_mul(t, c, c);
    return kind == SQ_SIGN ? rlc_tape_sub(t, rlc_tape_scale(t, cc, 2.0), xx)
                           : rlc_tape_sub(t, rlc_tape_scale(t, xx, 2.0), cc);
}

static rlc_node *toy_record(toy *a, size_t i)
{
    rlc_tape_reset(a->tape);
    if (i == 2) { /* Σ relu(u) + ½Σ u² over the unused parameters u */
        size_t off = a->net->n_params;
        gsl_matrix_view u = gsl_matrix_view_array(a->params->data + off, 1, UNUSED);
        gsl_matrix_view du = gsl_matrix_view_array(a->grads->data + off, 1, UNUSED);
        rlc_node *x = rlc_tape_leaf(a->tape, &u.matrix, &du.matrix);
        return rlc_tape_add(a->tape, rlc_tape_sum(a->tape, rlc_tape_relu(a->tape, x)),
                            rlc_tape_scale(a->tape, rlc_tape_sum(a->tape, rlc_tape_square(a->tape, x)),
                                           0.5));
    }
    rlc_node *y = rlc_mlp_forward(a->net, a->tape, rlc_tape_leaf(a->tape, a->x, NULL), true);
    return rlc_tape_mean(a->tape, i == 0 ? test_square(a->tape, y, a->sq) : y);
}

static size_t toy_losses(void *p, rlc_agent_loss *out)
{
    toy *a = p;
    out[0] = (rlc_agent_loss){.name = "mean_square", .params = a->params, .grads = a->grads};
    out[0].n_blocks = rlc_agent_mlp_blocks(a->net, "net", a->params, out[0].blocks);
    rlc_agent_block *u = &out[0].blocks[out[0].n_blocks++];
    snprintf(u->name, sizeof u->name, "unused");
    u->offset = a->net->n_params;
    u->size = UNUSED;
    out[1] = (rlc_agent_loss){.name = "mean", .params = a->params, .grads = a->grads};
    out[1].n_blocks = rlc_agent_mlp_blocks(a->net, "net", a->params, out[1].blocks);
    out[2] = (rlc_agent_loss){.name = "relu", .params = a->params, .grads = a->grads,
                              .n_blocks = 1};
    out[2].blocks[0] = *u;
    return 3;
}

static double toy_value(void *p, size_t i)
{
    rlc_node *l = toy_record(p, i);
    return l ? rlc_node_scalar(l) : NAN;
}

static rlc_status toy_gradient(void *p, size_t i)
{
    toy *a = p;
    rlc_node *l = toy_record(a, i);
    if (!l)
        return rlc_tape_status(a->tape);
    gsl_vector_set_zero(a->grads);
    return rlc_tape_backward(a->tape, l);
}

static const rlc_agent_type toy_type = {
    .name = "toy",
    .losses = toy_losses,
    .loss_value = toy_value,
    .loss_gradient = toy_gradient,
};

static void toy_init(toy *a, int sq)
{
    rlc_mlp_config cfg = {.n_layers = 2, .sizes = {IN, 4, 2},
                          .hidden_activation = RLC_ACT_TANH,
                          .output_activation = RLC_ACT_IDENTITY};
    size_t n = rlc_mlp_param_count(&cfg) + UNUSED;
    a->params = gsl_vector_alloc(n);
    a->grads = gsl_vector_calloc(n);
    assert_int_equal(rlc_mlp_create_in(&a->net, &cfg, a->params, a->grads, 0), RLC_OK);
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(a->params, i, 0.3 * sin(1.7 * (double)i + 0.2));
    a->x = gsl_matrix_alloc(ROWS, IN);
    for (size_t i = 0; i < ROWS * IN; i++)
        a->x->data[i] = cos(0.9 * (double)i);
    assert_int_equal(rlc_tape_create(&a->tape, 1 << 12), RLC_OK);
    a->sq = sq;
}

static void toy_release(toy *a)
{
    rlc_mlp_free(a->net);
    gsl_vector_free(a->params);
    gsl_vector_free(a->grads);
    gsl_matrix_free(a->x);
    rlc_tape_free(a->tape);
}

static void test_toy(void **s)
{
    (void)s;
    for (int sq = SQ_RIGHT; sq <= SQ_FACTOR2; sq++) {
        toy a;
        toy_init(&a, sq);
        gsl_vector *before = gsl_vector_alloc(a.params->size);
        gsl_vector_memcpy(before, a.params);
        rlc_agent_loss losses[RLC_AGENT_MAX_LOSSES];
        assert_int_equal(toy_losses(&a, losses), 3);
        assert_int_equal(losses[0].n_blocks, 5);
        assert_string_equal(losses[0].blocks[0].name, "net.layer0.weight");
        assert_int_equal(losses[0].blocks[0].size, 4 * IN);
        assert_string_equal(losses[0].blocks[3].name, "net.layer1.bias");
        assert_int_equal(losses[0].blocks[3].offset, 4 * IN + 4 + 2 * 4);
        rlc_gradcheck_report rep[RLC_AGENT_MAX_BLOCKS];
        assert_int_equal(rlc_agent_gradcheck_loss(&toy_type, &a, 0, NULL, rep), RLC_OK);
        for (size_t b = 0; b < 4; b++)
            assert_int_equal(rep[b].verdict, sq == SQ_RIGHT ? RLC_GRADCHECK_PASS : RLC_GRADCHECK_FAIL);
        if (sq != SQ_RIGHT) /* rel = |a − n|/max(|a|, |n|): 2 for a sign, 1/2 for a factor 2 */
            assert_near(rep[0].max_rel_error, sq == SQ_SIGN ? 2.0 : 0.5, 1e-4);
        assert_int_equal(rep[4].verdict, RLC_GRADCHECK_NO_SIGNAL);
        /* the other loss does not use the op: it passes whatever the op */
        assert_int_equal(rlc_agent_gradcheck_loss(&toy_type, &a, 1, NULL, rep), RLC_OK);
        for (size_t b = 0; b < 4; b++)
            assert_int_equal(rep[b].verdict, RLC_GRADCHECK_PASS);
        /* relu at 0 in two coordinates: kinks, skipped and counted; the rest pass */
        double *u = a.params->data + a.net->n_params;
        u[0] = 0.0, u[1] = 0.5, u[2] = 0.0, u[3] = -0.3;
        gsl_vector_memcpy(before, a.params);
        assert_int_equal(rlc_agent_gradcheck_loss(&toy_type, &a, 2, NULL, rep), RLC_OK);
        assert_int_equal(rep[0].n_kinks, 2);
        assert_int_equal(rep[0].n_coords, UNUSED);
        assert_int_equal(rep[0].verdict, RLC_GRADCHECK_PASS);
        assert_int_equal(rlc_agent_gradcheck_loss(&toy_type, &a, 3, NULL, rep), RLC_EINVAL);
        assert_memory_equal(a.params->data, before->data, a.params->size * sizeof(double));
        gsl_vector_free(before);
        toy_release(&a);
    }
}

/* --- every shipped config --- */

static void check_config(const char *path)
{
    rlc_config *cfg = malloc(sizeof *cfg);
    assert_non_null(cfg);
    rlc_config_default(cfg);
    assert_int_equal(rlc_config_load(cfg, path, NULL), RLC_OK);
    assert_int_equal(rlc_config_validate(cfg, NULL), RLC_OK);
    const rlc_agent_type *type = rlc_agent_find(cfg->algo);
    const rlc_env_type *env = rlc_env_find(cfg->env_id);
    assert_non_null(type->losses);
    void *agent;
    assert_int_equal(type->create(&agent, rlc_config_algo_settings(cfg), env, cfg->seed), RLC_OK);
    assert_int_equal(rlc_agent_gradcheck_prepare(type, agent, env, cfg->seed, 32), RLC_OK);
    rlc_agent_loss losses[RLC_AGENT_MAX_LOSSES];
    size_t n = type->losses(agent, losses);
    assert_true(n >= 2);
    size_t passed = 0;
    for (size_t i = 0; i < n; i++) {
        rlc_gradcheck_report rep[RLC_AGENT_MAX_BLOCKS];
        assert_true(losses[i].n_blocks >= 1);
        assert_int_equal(rlc_agent_gradcheck_loss(type, agent, i, NULL, rep), RLC_OK);
        for (size_t b = 0; b < losses[i].n_blocks; b++) {
            if (rep[b].verdict == RLC_GRADCHECK_FAIL)
                print_error("%s: %s %s: rel %g\n", path, losses[i].name, losses[i].blocks[b].name,
                            rep[b].max_rel_error);
            assert_int_not_equal(rep[b].verdict, RLC_GRADCHECK_FAIL);
            passed += rep[b].verdict == RLC_GRADCHECK_PASS;
        }
        /* blocks are named after the networks' layers */
        const char *first = losses[i].blocks[0].name;
        assert_true(!strncmp(first, "actor.layer0.", 13) || !strncmp(first, "critic.layer0.", 14) ||
                    !strcmp(first, "log_std"));
    }
    assert_true(passed > 0);
    type->free(agent);
    free(cfg);
}

static void test_shipped_configs(void **s)
{
    (void)s;
    DIR *d = opendir(RLC_CONFIGS_DIR);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".ini"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", RLC_CONFIGS_DIR, e->d_name);
        check_config(path);
        n++;
    }
    closedir(d);
    assert_true(n >= 8);
}

/* Every registered algorithm offers gradient checks, all four hooks. */
static void test_registry_has_hooks(void **s)
{
    (void)s;
    for (size_t i = 0; rlc_agent_registry[i]; i++) {
        const rlc_agent_type *t = rlc_agent_registry[i];
        assert_non_null(t->gradcheck_batch);
        assert_non_null(t->losses);
        assert_non_null(t->loss_value);
        assert_non_null(t->loss_gradient);
    }
    assert_int_equal(rlc_agent_gradcheck_prepare(&toy_type, (void *)1, rlc_env_find("CartPole-v1"),
                                                 0, 8),
                     RLC_EINVAL); /* no batch hook */
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toy),
        cmocka_unit_test(test_registry_has_hooks),
        cmocka_unit_test(test_shipped_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
