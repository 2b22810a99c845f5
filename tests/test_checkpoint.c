/* test_checkpoint.c — the checkpoint file (rlc/checkpoint.h): its bytes
 * for a small state written out by hand, the atomic replace, what a load
 * refuses (and that it then touches nothing), and pitfall B19: Adam's
 * moments and step count survive a save and load between two steps. Whole
 * runs stopped and resumed are test_resume.c's. */
#define _XOPEN_SOURCE 700
#include <gsl/gsl_errno.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "rlc/checkpoint.h"
#include "rlc/optim.h"
#include "test_files.h"

/* --- a small state: two pieces --- */

typedef struct toy {
    double w[3];
    uint32_t count;
} toy;

static rlc_status toy_state(void *p, const rlc_state_visitor *v)
{
    toy *t = p;
    rlc_status st = rlc_state_bytes(v, "w", t->w, sizeof t->w);
    return st ? st : rlc_state_bytes(v, "count", &t->count, sizeof t->count);
}

static void put(unsigned char **p, const void *src, size_t n)
{
    memcpy(*p, src, n);
    *p += n;
}

/* The file rlc_checkpoint_save must write for t under prefix "toy",
 * following the format in the header comment field by field. */
static size_t expected(const toy *t, uint32_t hash, unsigned char *buf)
{
    unsigned char *p = buf;
    uint32_t order = 0x01020304u, version = 2;
    unsigned char sizes[4] = {sizeof(size_t), sizeof(double), sizeof(bool), 0};
    char ver[16] = {0};
    strncpy(ver, RLC_VERSION, sizeof ver - 1);
    uint64_t sections = 2;
    put(&p, "RLCCKPT2", 8);
    put(&p, &order, 4);
    put(&p, &version, 4);
    put(&p, sizes, 4);
    put(&p, &hash, 4);
    put(&p, ver, 16);
    put(&p, &sections, 8);
    const char *names[2] = {"toy/w", "toy/count"};
    const void *data[2] = {t->w, &t->count};
    uint64_t lens[2] = {sizeof t->w, sizeof t->count};
    for (int i = 0; i < 2; i++) {
        uint16_t nl = (uint16_t)strlen(names[i]);
        put(&p, &nl, 2);
        put(&p, names[i], nl);
        put(&p, &lens[i], 8);
        put(&p, data[i], lens[i]);
    }
    uint32_t crc = (uint32_t)crc32(0L, buf, (uInt)(p - buf));
    put(&p, &crc, 4);
    return (size_t)(p - buf);
}

static void test_bytes_and_atomic_replace(void **state)
{
    (void)state;
    toy a = {{0.5, -1.25, 3.0}, 7};
    rlc_checkpoint_part part = {"toy", toy_state, &a};
    unsigned char want[256];
    size_t n = expected(&a, 0xabcdef01u, want);
    char path[4400];
    snprintf(path, sizeof path, "%s", tmp_path("ck/model.rlc")); /* tmp_path's buffers rotate */
    /* a missing directory: RLC_EIO, nothing created */
    assert_int_equal(rlc_checkpoint_save(path, 0xabcdef01u, &part, 1), RLC_EIO);
    assert_false(exists(tmp_path("ck")));
    assert_int_equal(mkdir(tmp_path("ck"), 0777), 0);
    assert_int_equal(rlc_checkpoint_save(path, 0xabcdef01u, &part, 1), RLC_OK);
    size_t len;
    char *got = slurp(path, &len);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
    free(got);
    assert_false(exists(tmp_path("ck/model.rlc.tmp")));

    /* the next save replaces the file by rename: a hard link to the old one
     * still sees the old bytes */
    assert_int_equal(link(path, tmp_path("ck/old.rlc")), 0);
    a.count = 8;
    assert_int_equal(rlc_checkpoint_save(path, 0xabcdef01u, &part, 1), RLC_OK);
    got = slurp(tmp_path("ck/old.rlc"), &len);
    assert_memory_equal(got, want, n);
    free(got);
    n = expected(&a, 0xabcdef01u, want);
    got = slurp(path, &len);
    assert_memory_equal(got, want, n);
    free(got);

    /* the target is a directory: the rename fails, the temp file goes */
    assert_int_equal(mkdir(tmp_path("ck/isdir"), 0777), 0);
    assert_int_equal(rlc_checkpoint_save(tmp_path("ck/isdir"), 1, &part, 1), RLC_EIO);
    assert_false(exists(tmp_path("ck/isdir.tmp")));

    /* a load gives back what was saved */
    toy b = {{0}, 0};
    rlc_checkpoint_part into = {"toy", toy_state, &b};
    char err[200];
    assert_int_equal(rlc_checkpoint_load(path, 0xabcdef01u, &into, 1, err, sizeof err), RLC_OK);
    assert_memory_equal(&a, &b, sizeof a);
}

/* Sections that do not match what the parts visit, or another hash: refused
 * with the reason, and the parts keep every byte. */
static rlc_status toy_state_other_name(void *p, const rlc_state_visitor *v)
{
    toy *t = p;
    rlc_status st = rlc_state_bytes(v, "w", t->w, sizeof t->w);
    return st ? st : rlc_state_bytes(v, "counter", &t->count, sizeof t->count);
}

static rlc_status toy_state_shorter(void *p, const rlc_state_visitor *v)
{
    toy *t = p;
    rlc_status st = rlc_state_bytes(v, "w", t->w, 2 * sizeof(double));
    return st ? st : rlc_state_bytes(v, "count", &t->count, sizeof t->count);
}

static rlc_status toy_state_first_only(void *p, const rlc_state_visitor *v)
{
    toy *t = p;
    return rlc_state_bytes(v, "w", t->w, sizeof t->w);
}

static void test_load_refuses_mismatch(void **state)
{
    (void)state;
    toy a = {{1, 2, 3}, 4};
    rlc_checkpoint_part part = {"toy", toy_state, &a};
    assert_int_equal(mkdir(tmp_path("mm"), 0777), 0);
    char path[4400];
    snprintf(path, sizeof path, "%s", tmp_path("mm/model.rlc"));
    assert_int_equal(rlc_checkpoint_save(path, 5, &part, 1), RLC_OK);
    struct {
        rlc_status (*visit)(void *, const rlc_state_visitor *);
        uint32_t hash;
        const char *why;
    } cases[] = {
        {toy_state, 6, "another configuration"},
        {toy_state_other_name, 5, "section 'toy/count' where 'toy/counter' belongs"},
        {toy_state_shorter, 5, "section 'toy/w' holds 24 bytes, this configuration needs 16"},
        {toy_state_first_only, 5, "bytes of sections this configuration does not have"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        toy b = {{9, 9, 9}, 9}, b0 = b;
        rlc_checkpoint_part into = {"toy", cases[i].visit, &b};
        char err[200];
        assert_int_equal(rlc_checkpoint_load(path, cases[i].hash, &into, 1, err, sizeof err),
                         RLC_EINVAL);
        if (!strstr(err, cases[i].why))
            print_error("case %zu: '%s'\n", i, err);
        assert_non_null(strstr(err, cases[i].why));
        assert_memory_equal(&b, &b0, sizeof b); /* untouched */
    }
    char err[200];
    toy b;
    rlc_checkpoint_part into = {"toy", toy_state, &b};
    assert_int_equal(rlc_checkpoint_load(tmp_path("mm/none.rlc"), 5, &into, 1, err, sizeof err),
                     RLC_EIO);
    assert_non_null(strstr(err, "cannot read"));
}

/* --- pitfall B19: Adam's state across a checkpoint --- */

typedef struct adam_toy {
    rlc_optim *opt;
    gsl_vector *theta;
    bool with_moments; /* false: a checkpoint that forgets the optimiser */
} adam_toy;

static rlc_status adam_state(void *p, const rlc_state_visitor *v)
{
    adam_toy *a = p;
    rlc_status st = rlc_state_vector(v, "theta", a->theta);
    if (st == RLC_OK && a->with_moments)
        st = rlc_optim_state(a->opt, v, "adam");
    return st;
}

static adam_toy adam_new(bool with_moments)
{
    rlc_optim_config oc;
    rlc_optim_config_default(&oc);
    oc.learning_rate = 0.1;
    adam_toy a = {NULL, gsl_vector_calloc(1), with_moments};
    assert_int_equal(rlc_optim_create(&a.opt, rlc_optim_adam, 1, &oc), RLC_OK);
    return a;
}

static void adam_step(adam_toy *a, double g)
{
    gsl_vector *grad = gsl_vector_alloc(1);
    gsl_vector_set(grad, 0, g);
    rlc_optim_step(a->opt, a->theta, grad);
    gsl_vector_free(grad);
}

/* Adam (lr 0.1, β 0.9, 0.999, ε 1e-8) from θ₀ = 0 takes gradient +1, is
 * saved and loaded into a fresh optimiser, then takes −1. With its
 * moments and step count restored θ₂ = −0.0947368 (m = −0.01, v = 0.001999,
 * m̂ = −0.0526316, v̂ = 1); a checkpoint that forgets them gives θ₂ = 0. */
static void b19(bool with_moments, double want)
{
    adam_toy a = adam_new(with_moments), b = adam_new(with_moments);
    adam_step(&a, 1.0);
    assert_near(gsl_vector_get(a.theta, 0), -0.1, 1e-9);
    char path[4400];
    snprintf(path, sizeof path, "%s", tmp_path(with_moments ? "b19.rlc" : "b19-forgetful.rlc"));
    rlc_checkpoint_part pa = {"toy", adam_state, &a}, pb = {"toy", adam_state, &b};
    assert_int_equal(rlc_checkpoint_save(path, 0, &pa, 1), RLC_OK);
    assert_int_equal(rlc_checkpoint_load(path, 0, &pb, 1, NULL, 0), RLC_OK);
    adam_step(&b, -1.0);
    assert_near(gsl_vector_get(b.theta, 0), want, 5e-8);
    rlc_optim_free(a.opt);
    rlc_optim_free(b.opt);
    gsl_vector_free(a.theta);
    gsl_vector_free(b.theta);
}

static void test_b19_adam_across_checkpoint(void **state)
{
    (void)state;
    b19(true, -0.0947368);
    b19(false, 0.0);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_and_atomic_replace),
        cmocka_unit_test(test_load_refuses_mismatch),
        cmocka_unit_test(test_b19_adam_across_checkpoint),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
