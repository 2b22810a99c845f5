/* fuzz_checkpoint.c — libFuzzer target for the checkpoint reader
 * (rlc_checkpoint_load, include/rlc/checkpoint.h) on arbitrary bytes.
 *
 * Each input is tried as model.rlc of real tiny runs (PPO CartPole, A2C
 * CartPole, DDPG Pendulum: the configs below, the same the seed corpus in
 * fuzz/corpus/checkpoint/ was made with), so that section names and sizes
 * are matched against a real run, agent and runner; and against a fixed
 * set of synthetic parts that check the reader's promise that a part is
 * never written unless everything checks out. The reader must never crash
 * or read out of bounds (ASan), and every failure must say why.
 *
 * Mutations rarely keep a CRC-32 right, so each input is also tried with
 * its config hash (bytes 20..23) set to the run's and its checksum (last 4
 * bytes) recomputed: that lets the fuzzer reach the section parser, and
 * change the values inside sections. Whatever loads is then resumed
 * (rlc_run_resume, a few hundred steps at most, from the run's logs as
 * they were): a checkpoint the reader accepts must not crash training. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "rlc/agent.h"
#include "rlc/checkpoint.h"
#include "rlc/config.h"
#include "rlc/run.h"

#define N_RUNS 3

/* Tiny runs: a few seconds of setup, checkpoints of a few kilobytes. */
static const char *const run_sets[N_RUNS][12] = {
    {"run.algo=ppo", "run.env_id=CartPole-v1", "run.total_timesteps=256", "eval.eval_freq=256",
     "eval.n_eval_episodes=1", "ppo.n_envs=2", "ppo.n_steps=64", "ppo.batch_size=32",
     "ppo.n_epochs=1", "ppo.net_arch=4,4", NULL},
    {"run.algo=a2c", "run.env_id=CartPole-v1", "run.total_timesteps=64", "eval.eval_freq=64",
     "eval.n_eval_episodes=1", "a2c.n_envs=2", "a2c.n_steps=8", "a2c.net_arch=4", NULL},
    {"run.algo=ddpg", "run.env_id=Pendulum-v1", "run.total_timesteps=64", "eval.eval_freq=64",
     "eval.n_eval_episodes=1", "ddpg.buffer_size=100", "ddpg.learning_starts=32",
     "ddpg.batch_size=8", "ddpg.net_arch=4,4", NULL},
};

/* --- synthetic parts: a, b of fixed sizes, filled with a pattern --- */

typedef struct blob {
    unsigned char x[8], y[24], z[3];
} blob;

static rlc_status visit_a(void *obj, const rlc_state_visitor *v)
{
    blob *b = obj;
    rlc_status st = rlc_state_bytes(v, "x", b->x, sizeof b->x);
    return st ? st : rlc_state_bytes(v, "y", b->y, sizeof b->y);
}

static rlc_status visit_b(void *obj, const rlc_state_visitor *v)
{
    blob *b = obj;
    return rlc_state_bytes(v, "z", b->z, sizeof b->z);
}

enum { SYNTH_HASH = 0x5eed1234u };

static void die(const char *what, const char *why);

/* A valid checkpoint of the synthetic parts, DIR/synthetic.rlc. */
static void write_synthetic_seed(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/synthetic.rlc", dir);
    blob b;
    for (size_t k = 0; k < sizeof b; k++)
        ((unsigned char *)&b)[k] = (unsigned char)k;
    rlc_checkpoint_part parts[2] = {{"a", visit_a, &b}, {"b", visit_b, &b}};
    if (rlc_checkpoint_save(path, SYNTH_HASH, parts, 2) != RLC_OK)
        die(path, "cannot write");
}

static char tmpdir[256];
static char run_dir[N_RUNS][4200];
static uint32_t run_hash[N_RUNS];

/* The logs of each run as training left them, restored before a resume. */
static const char *const log_names[3] = {"monitor.csv", "progress.csv", "eval.csv"};
static char *logs[N_RUNS][3];
static size_t log_len[N_RUNS][3];

/* Inputs tried, loaded and resumed (printed at exit: .ci/fuzz reports them). */
static unsigned long n_tried, n_loaded, n_resumed_ok;

static void report(void)
{
    fprintf(stderr, "fuzz_checkpoint: %lu loads tried, %lu accepted and resumed (%lu ran to the end)\n",
            n_tried, n_loaded, n_resumed_ok);
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_checkpoint setup: %s: %s\n", what, why);
    exit(1);
}

/* The CRC-32 of run_dir/config.ini: the config hash its checkpoints carry. */
static uint32_t config_hash(const char *dir)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/config.ini", dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path, "cannot read");
    unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return (uint32_t)crc32_z(0L, buf, n);
}

static void cleanup(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_checkpoint: could not remove %s\n", tmpdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(tmpdir, sizeof tmpdir, "%s/rlc-fuzz-ckpt-XXXXXX", base);
    if (!mkdtemp(tmpdir))
        die(tmpdir, "mkdtemp failed");
    atexit(cleanup);
    atexit(report);
    /* RLC_FUZZ_CORPUS=DIR: also copy each run's model.rlc there and write
     * a valid synthetic.rlc (how the seed corpus was made). */
    const char *corpus = getenv("RLC_FUZZ_CORPUS");
    if (corpus)
        write_synthetic_seed(corpus);
    for (int i = 0; i < N_RUNS; i++) {
        rlc_config cfg;
        rlc_config_error err;
        rlc_config_default(&cfg);
        for (int k = 0; run_sets[i][k]; k++)
            if (rlc_config_set(&cfg, run_sets[i][k], &err) != RLC_OK)
                die(run_sets[i][k], err.message);
        if (rlc_config_validate(&cfg, &err) != RLC_OK)
            die("config", err.message);
        rlc_run_result res;
        if (rlc_run_train(&cfg, NULL, tmpdir, NULL, &res) != RLC_OK)
            die("training", res.error);
        snprintf(run_dir[i], sizeof run_dir[i], "%s", res.run_dir);
        run_hash[i] = config_hash(res.run_dir);
        for (int k = 0; k < 3; k++) {
            char path[4400];
            snprintf(path, sizeof path, "%s/%s", res.run_dir, log_names[k]);
            FILE *f = fopen(path, "rb");
            if (!f)
                die(path, "cannot read");
            logs[i][k] = malloc(1 << 16);
            log_len[i][k] = fread(logs[i][k], 1, 1 << 16, f);
            fclose(f);
        }
        if (corpus) {
            char cmd[9000];
            snprintf(cmd, sizeof cmd, "cp '%s/model.rlc' '%s/%s.rlc'", res.run_dir, corpus, cfg.algo);
            if (system(cmd) != 0)
                die(cmd, "failed");
        }
    }
    return 0;
}

static void write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        die(path, "cannot write");
}

/* Load data as model.rlc of run i; a failure must come with a reason. */
static void try_run(int i, const uint8_t *data, size_t size)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/model.rlc", run_dir[i]);
    write_file(path, data, size);
    rlc_config cfg;
    void *agent = NULL;
    char err[512] = "";
    rlc_status st = rlc_run_load_agent(run_dir[i], &cfg, &agent, err, sizeof err);
    n_tried++;
    if (st == RLC_OK) {
        n_loaded++;
        if (!agent)
            abort();
        rlc_agent_find(cfg.algo)->free(agent);
    } else if (agent || err[0] == '\0') {
        abort(); /* a failure leaves no agent and says why */
    }
    if (st != RLC_OK)
        return;
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s", run_dir[i], log_names[k]);
        write_file(path, (const uint8_t *)logs[i][k], log_len[i][k]);
    }
    rlc_run_result res;
    st = rlc_run_resume(run_dir[i], NULL, &res);
    if (st != RLC_OK && res.error[0] == '\0')
        abort();
    n_resumed_ok += st == RLC_OK;
}

static void try_synthetic(const char *path)
{
    blob b, orig;
    memset(&b, 0xA5, sizeof b);
    orig = b;
    rlc_checkpoint_part parts[2] = {{"a", visit_a, &b}, {"b", visit_b, &b}};
    char err[200] = "";
    rlc_status st = rlc_checkpoint_load(path, SYNTH_HASH, parts, 2, err, sizeof err);
    if (st != RLC_OK && (memcmp(&b, &orig, sizeof b) != 0 || err[0] == '\0'))
        abort(); /* written though it failed, or no reason */
    /* A tiny err buffer and none at all must be safe too. */
    char small[4];
    memset(&b, 0xA5, sizeof b);
    rlc_checkpoint_load(path, SYNTH_HASH, parts, 2, small, sizeof small);
    memset(&b, 0xA5, sizeof b);
    rlc_checkpoint_load(path, SYNTH_HASH, parts, 2, NULL, 0);
}

/* data with bytes 20..23 := hash and a correct trailing CRC-32. */
static uint8_t *fixed_up(const uint8_t *data, size_t size, uint32_t hash)
{
    uint8_t *copy = malloc(size);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    memcpy(copy + 20, &hash, 4);
    uint32_t crc = (uint32_t)crc32_z(0L, copy, size - 4);
    memcpy(copy + size - 4, &crc, 4);
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The run whose config hash the input carries, else one by size. */
    int i = (int)(size % N_RUNS);
    for (int k = 0; k < N_RUNS && size >= 24; k++)
        if (memcmp(data + 20, &run_hash[k], 4) == 0)
            i = k;
    try_run(i, data, size);
    char synth[400];
    snprintf(synth, sizeof synth, "%s/synthetic.rlc", tmpdir);
    write_file(synth, data, size);
    try_synthetic(synth);
    if (size >= 48 + 4) {
        uint8_t *copy = fixed_up(data, size, run_hash[i]);
        if (memcmp(copy, data, size) != 0)
            try_run(i, copy, size);
        free(copy);
        copy = fixed_up(data, size, SYNTH_HASH);
        write_file(synth, copy, size);
        try_synthetic(synth);
        free(copy);
    }
    return 0;
}
