/* tape.c — reverse- and forward-mode autodiff over batch-major matrices
 * (contract in include/rlc/tape.h). Each op is an OP_* code, a constructor
 * (rlc_tape_*) that checks shapes and computes the value eagerly, and one
 * entry in the `ops` table by that code: its name, its backward rule bw_*
 * (adds into the inputs' gradients) and its tangent rule tg_* (sets the
 * node's tangent from the inputs'), written side by side; related ops
 * share a pair (e.g. bw_unary/tg_unary). Adding an op is a constructor,
 * the two rules and the entry. No second derivatives. */
#include <math.h>
#include <stdint.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include "rlc/tape.h"
#include "kernels.h"
#include "numeric.h"

/* The hot loops (products, elementwise kernels) are rlc_kern()'s, compiled
 * per instruction set with the same bits on every path (kernels.h). */

enum {
    OP_LEAF, OP_MATMUL, OP_MATMUL_BT, OP_ADD_BIAS, OP_LINEAR, OP_LINEAR_RELU, OP_ADD, OP_SUB, OP_MUL,
    OP_AFFINE, OP_SCALE_COLS, OP_RELU, OP_TANH, OP_SQUARE, OP_SUM, OP_MEAN, OP_CONCAT_COLS,
    OP_EXP, OP_LOG, OP_ROW_SUM, OP_LOG_SOFTMAX, OP_GATHER, OP_CLIP, OP_MIN, OP_MAX,
    OP_GAUSS_LOGP, OP_GAUSS_KL,
    OP_COUNT
};

/* Arena: one main block, plus overflow blocks while a pass outgrows it. */
typedef struct block {
    struct block *next;
    size_t cap, used;
    alignas(max_align_t) unsigned char data[];
} block;

struct rlc_tape {
    block *main;     /* the block reused every pass */
    block *overflow; /* blocks taken during this pass once main was full */
    size_t used_total; /* bytes taken this pass, over all blocks */
    size_t high_water;
    rlc_node *last;  /* newest node */
    rlc_status status;
    bool grads_dirty; /* a backward pass has run since the last reset */
    /* Forward mode: the nodes oldest first with their tangent buffers,
     * built by the first rlc_tape_tangents of a recording (and extended if
     * nodes are recorded after it). */
    struct fwd_entry {
        rlc_node *node;
        double *tangent; /* SIZE(node) doubles, or NULL (leaves; nodes without gradient) */
    } *fwd;
    size_t n_fwd;
};

static block *block_new(size_t cap)
{
    block *b = malloc(sizeof *b + cap);
    if (b) {
        b->next = NULL;
        b->cap = cap;
        b->used = 0;
    }
    return b;
}

rlc_status rlc_tape_create(rlc_tape **out, size_t initial_bytes)
{
    if (!out)
        return RLC_EINVAL;
    *out = NULL;
    rlc_tape *t = calloc(1, sizeof *t);
    if (!t)
        return RLC_ENOMEM;
    t->main = block_new(initial_bytes ? initial_bytes : 4096);
    if (!t->main) {
        free(t);
        return RLC_ENOMEM;
    }
    *out = t;
    return RLC_OK;
}

static void free_overflow(rlc_tape *t)
{
    for (block *b = t->overflow, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    t->overflow = NULL;
}

void rlc_tape_free(rlc_tape *t)
{
    if (!t)
        return;
    free_overflow(t);
    free(t->main);
    free(t);
}

rlc_status rlc_tape_reset(rlc_tape *t)
{
    rlc_status st = RLC_OK;
    if (t->overflow) {
        /* This pass outgrew the main block: replace it once by one block of
         * the high-water size so the next pass fits without allocating. */
        free_overflow(t);
        block *b = block_new(t->high_water);
        if (b) {
            free(t->main);
            t->main = b;
        } else {
            st = RLC_ENOMEM;
        }
    }
    t->main->used = 0;
    t->used_total = 0;
    t->last = NULL;
    t->status = RLC_OK;
    t->grads_dirty = false;
    t->fwd = NULL;
    t->n_fwd = 0;
    return st;
}

rlc_status rlc_tape_status(const rlc_tape *t) { return t->status; }

size_t rlc_tape_capacity(const rlc_tape *t) { return t->main->cap; }

static void fail(rlc_tape *t, rlc_status s)
{
    if (t->status == RLC_OK)
        t->status = s;
}

#define ALIGN_UP(n) (((n) + alignof(max_align_t) - 1) & ~(size_t)(alignof(max_align_t) - 1))

static void *arena_alloc(rlc_tape *t, size_t bytes)
{
    bytes = ALIGN_UP(bytes);
    block *b = t->overflow ? t->overflow : t->main;
    if (b->cap - b->used < bytes) {
        size_t cap = bytes > t->main->cap ? bytes : t->main->cap;
        block *nb = block_new(cap);
        if (!nb) {
            fail(t, RLC_ENOMEM);
            return NULL;
        }
        nb->next = t->overflow;
        t->overflow = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += bytes;
    t->used_total += bytes;
    if (t->used_total > t->high_water)
        t->high_water = t->used_total;
    return p;
}

static void matrix_init(gsl_matrix *m, size_t rows, size_t cols, double *data)
{
    m->size1 = rows;
    m->size2 = cols;
    m->tda = cols;
    m->data = data;
    m->block = NULL;
    m->owner = 0;
}

static bool has_grad(const rlc_node *n) { return n && n->grad.data != NULL; }

/* A new node of rows × cols; a gradient buffer only if an input carries
 * gradient, zeroed by the backward pass just before its first use
 * (grad_ready), where it is about to be in cache anyway. */
static rlc_node *node_new4(rlc_tape *t, int op, size_t rows, size_t cols, rlc_node *a,
                           rlc_node *b, rlc_node *c, rlc_node *d)
{
    bool g = has_grad(a) || has_grad(b) || has_grad(c) || has_grad(d);
    size_t n = rows * cols;
    rlc_node *node = arena_alloc(t, sizeof *node + (g ? 2 : 1) * n * sizeof(double));
    if (!node)
        return NULL;
    double *val = (double *)(void *)(node + 1); /* values follow the struct */
    matrix_init(&node->value, rows, cols, val);
    matrix_init(&node->grad, rows, cols, g ? val + n : NULL);
    node->tangent.data = NULL; /* the rest only once rlc_tape_tangents runs */
    node->grad_unzeroed = g;
    node->op = op;
    node->a = a;
    node->b = b;
    node->c = c;
    node->d = d;
    node->k1 = node->k2 = NULL;
    node->alpha = node->beta = 0.0;
    node->work = NULL;
    node->prev = t->last;
    t->last = node;
    return node;
}

static rlc_node *node_new(rlc_tape *t, int op, size_t rows, size_t cols, rlc_node *a, rlc_node *b,
                          rlc_node *c)
{
    return node_new4(t, op, rows, cols, a, b, c, NULL);
}

/* Validate an op's inputs: NULL inputs propagate (the first error is kept),
 * shapes are read only once the inputs are known non-NULL, and a tape that
 * already failed records nothing more. A macro so `shapes_ok` is evaluated
 * lazily. */
#define CHECK(t, inputs_ok, shapes_ok)                                                      \
    (!(inputs_ok) ? (fail((t), RLC_EINVAL), false)                                        \
     : !(shapes_ok) ? (fail((t), RLC_EINVAL), false)                                      \
                    : (t)->status == RLC_OK)

#define ROWS(n) ((n)->value.size1)
#define COLS(n) ((n)->value.size2)
#define SIZE(n) (ROWS(n) * COLS(n))

rlc_node *rlc_tape_leaf(rlc_tape *t, const gsl_matrix *value, gsl_matrix *grad)
{
    if (!CHECK(t, value != NULL,
               !grad || (grad->size1 == value->size1 && grad->size2 == value->size2)))
        return NULL;
    rlc_node *node = arena_alloc(t, sizeof *node);
    if (!node)
        return NULL;
    node->value = *value;
    if (grad)
        node->grad = *grad;
    else
        matrix_init(&node->grad, value->size1, value->size2, NULL);
    node->tangent.data = NULL;
    node->grad_unzeroed = false; /* the caller's buffer */
    node->op = OP_LEAF;
    node->a = node->b = node->c = node->d = NULL;
    node->k1 = node->k2 = NULL;
    node->alpha = node->beta = 0.0;
    node->work = NULL;
    node->prev = t->last;
    t->last = node;
    return node;
}

rlc_node *rlc_tape_input(rlc_tape *t, size_t rows, size_t cols)
{
    if (!CHECK(t, true, rows > 0 && cols > 0))
        return NULL;
    return node_new(t, OP_LEAF, rows, cols, NULL, NULL, NULL);
}

/* Leaves may be views with tda != cols; intermediate nodes are contiguous.
 * Element access that works for both: */
#define AT(m, i, j) ((m)->data[(i) * (m)->tda + (j)])

/* C = base + op(A)·op(B) (kernels.h's modes) for gsl matrices. */
static void gemm(char ta, char tb, const gsl_matrix *A, const gsl_matrix *B, int mode,
                 const gsl_matrix *bias, gsl_matrix *C, double *work)
{
    size_t K = ta == 'N' ? A->size2 : A->size1;
    rlc_kern()->gemm(ta, tb, C->size1, C->size2, K, A->data, A->tda, B->data, B->tda, mode,
                     bias ? bias->data : NULL, C->data, C->tda, work);
}

/* Give the product node y scratch for the larger of its two packed
 * products, `fwd` (the value and the tangent) and `bwd` (the first
 * input's gradient), each as (ta, tb, M, N, K). false if the arena could
 * not grow (recorded). */
static bool product_work(rlc_tape *t, rlc_node *y, const char fwd[2], const size_t f[3],
                         const char bwd[2], const size_t b[3])
{
    size_t n = rlc_gemm_work(fwd[0], fwd[1], f[0], f[1], f[2]);
    size_t nb = rlc_gemm_work(bwd[0], bwd[1], b[0], b[1], b[2]);
    n = nb > n ? nb : n;
    if (n && !(y->work = arena_alloc(t, n * sizeof(double))))
        return false;
    return true;
}

rlc_node *rlc_tape_matmul(rlc_tape *t, rlc_node *a, rlc_node *b, bool trans_b)
{
    if (!CHECK(t, a && b, trans_b ? COLS(a) == COLS(b) : COLS(a) == ROWS(b)))
        return NULL;
    size_t m = ROWS(a), k = COLS(a), n = trans_b ? ROWS(b) : COLS(b);
    rlc_node *y = node_new(t, trans_b ? OP_MATMUL_BT : OP_MATMUL, m, n, a, b, NULL);
    /* Y = A·op(B); dA += dY·op(B)ᵀ */
    if (y && product_work(t, y, trans_b ? "NT" : "NN", (size_t[]){m, n, k},
                          trans_b ? "NN" : "NT", (size_t[]){m, k, n}))
        gemm('N', trans_b ? 'T' : 'N', &a->value, &b->value, RLC_GEMM_SET, NULL, &y->value,
             y->work);
    return y;
}

rlc_node *rlc_tape_add_bias(rlc_tape *t, rlc_node *x, rlc_node *b)
{
    if (!CHECK(t, x && b, ROWS(b) == 1 && COLS(b) == COLS(x)))
        return NULL;
    rlc_node *y = node_new(t, OP_ADD_BIAS, ROWS(x), COLS(x), x, b, NULL);
    if (y)
        for (size_t i = 0; i < ROWS(x); i++)
            for (size_t j = 0; j < COLS(x); j++)
                AT(&y->value, i, j) = AT(&x->value, i, j) + AT(&b->value, 0, j);
    return y;
}

static rlc_node *linear(rlc_tape *t, int op, rlc_node *x, rlc_node *W, rlc_node *b)
{
    if (!CHECK(t, x && W && b,
               COLS(x) == COLS(W) && ROWS(b) == 1 && COLS(b) == ROWS(W)))
        return NULL;
    size_t rows = ROWS(x), in = COLS(x), out = ROWS(W);
    rlc_node *y = node_new(t, op, rows, out, x, W, b);
    /* Y = b + X·Wᵀ (then max(·, 0)); dX += dY·W */
    if (y && product_work(t, y, "NT", (size_t[]){rows, out, in}, "NN", (size_t[]){rows, in, out}))
        gemm('N', 'T', &x->value, &W->value,
             op == OP_LINEAR_RELU ? RLC_GEMM_BIAS_RELU : RLC_GEMM_BIAS, &b->value, &y->value,
             y->work);
    return y;
}

rlc_node *rlc_tape_linear(rlc_tape *t, rlc_node *x, rlc_node *W, rlc_node *b)
{
    return linear(t, OP_LINEAR, x, W, b);
}

rlc_node *rlc_tape_linear_relu(rlc_tape *t, rlc_node *x, rlc_node *W, rlc_node *b)
{
    return linear(t, OP_LINEAR_RELU, x, W, b);
}

static rlc_node *elementwise(rlc_tape *t, int op, rlc_node *a, rlc_node *b)
{
    if (!CHECK(t, a && b, ROWS(a) == ROWS(b) && COLS(a) == COLS(b)))
        return NULL;
    rlc_node *y = node_new(t, op, ROWS(a), COLS(a), a, b, NULL);
    if (!y)
        return NULL;
    for (size_t i = 0; i < ROWS(a); i++)
        for (size_t j = 0; j < COLS(a); j++) {
            double u = AT(&a->value, i, j), v = AT(&b->value, i, j);
            AT(&y->value, i, j) = op == OP_ADD ? u + v : op == OP_SUB ? u - v : u * v;
        }
    return y;
}

rlc_node *rlc_tape_add(rlc_tape *t, rlc_node *a, rlc_node *b) { return elementwise(t, OP_ADD, a, b); }
rlc_node *rlc_tape_sub(rlc_tape *t, rlc_node *a, rlc_node *b) { return elementwise(t, OP_SUB, a, b); }
rlc_node *rlc_tape_mul(rlc_tape *t, rlc_node *a, rlc_node *b) { return elementwise(t, OP_MUL, a, b); }

/* Unary elementwise ops share one constructor; the caller fills the value. */
static rlc_node *unary(rlc_tape *t, int op, rlc_node *x)
{
    if (!CHECK(t, x != NULL, true))
        return NULL;
    rlc_node *y = node_new(t, op, ROWS(x), COLS(x), x, NULL, NULL);
    return y;
}

rlc_node *rlc_tape_affine(rlc_tape *t, rlc_node *x, double alpha, double beta)
{
    rlc_node *y = unary(t, OP_AFFINE, x);
    if (!y)
        return NULL;
    y->alpha = alpha;
    y->beta = beta;
    for (size_t i = 0; i < ROWS(x); i++)
        for (size_t j = 0; j < COLS(x); j++)
            AT(&y->value, i, j) = alpha * AT(&x->value, i, j) + beta;
    return y;
}

rlc_node *rlc_tape_scale(rlc_tape *t, rlc_node *x, double alpha)
{
    return rlc_tape_affine(t, x, alpha, 0.0);
}

rlc_node *rlc_tape_scale_cols(rlc_tape *t, rlc_node *x, const double *scale, const double *shift)
{
    if (!CHECK(t, x && scale && shift, true))
        return NULL;
    rlc_node *y = unary(t, OP_SCALE_COLS, x);
    if (!y)
        return NULL;
    y->k1 = scale;
    y->k2 = shift;
    for (size_t i = 0; i < ROWS(x); i++)
        for (size_t j = 0; j < COLS(x); j++)
            AT(&y->value, i, j) = scale[j] * AT(&x->value, i, j) + shift[j];
    return y;
}

/* Apply an elementwise kernel from x's values to y's (contiguous): in one
 * run when x is contiguous too, else row by row (x may be a strided view). */
static void each_row(const rlc_node *x, rlc_node *y,
                     void (*k)(size_t, const double *restrict, double *restrict))
{
    if (x->value.tda == COLS(x)) {
        k(ROWS(x) * COLS(x), x->value.data, y->value.data);
        return;
    }
    for (size_t i = 0; i < ROWS(x); i++)
        k(COLS(x), x->value.data + i * x->value.tda, y->value.data + i * COLS(y));
}

rlc_node *rlc_tape_relu(rlc_tape *t, rlc_node *x)
{
    rlc_node *y = unary(t, OP_RELU, x);
    if (y)
        each_row(x, y, rlc_kern()->relu);
    return y;
}

rlc_node *rlc_tape_tanh(rlc_tape *t, rlc_node *x)
{
    rlc_node *y = unary(t, OP_TANH, x);
    if (y)
        each_row(x, y, rlc_kern()->tanh);
    return y;
}

rlc_node *rlc_tape_square(rlc_tape *t, rlc_node *x)
{
    rlc_node *y = unary(t, OP_SQUARE, x);
    if (y)
        for (size_t i = 0; i < ROWS(x); i++)
            for (size_t j = 0; j < COLS(x); j++) {
                double v = AT(&x->value, i, j);
                AT(&y->value, i, j) = v * v;
            }
    return y;
}

static double total(const gsl_matrix *m)
{
    double s = 0.0;
    for (size_t i = 0; i < m->size1; i++)
        for (size_t j = 0; j < m->size2; j++)
            s += AT(m, i, j);
    return s;
}

rlc_node *rlc_tape_sum(rlc_tape *t, rlc_node *x)
{
    if (!CHECK(t, x != NULL, true))
        return NULL;
    rlc_node *y = node_new(t, OP_SUM, 1, 1, x, NULL, NULL);
    if (y)
        y->value.data[0] = total(&x->value);
    return y;
}

rlc_node *rlc_tape_mean(rlc_tape *t, rlc_node *x)
{
    if (!CHECK(t, x != NULL, SIZE(x) > 0))
        return NULL;
    rlc_node *y = node_new(t, OP_MEAN, 1, 1, x, NULL, NULL);
    if (y)
        y->value.data[0] = total(&x->value) / (double)SIZE(x);
    return y;
}

rlc_node *rlc_tape_concat_cols(rlc_tape *t, rlc_node *a, rlc_node *b)
{
    if (!CHECK(t, a && b, ROWS(a) == ROWS(b)))
        return NULL;
    size_t p = COLS(a), q = COLS(b);
    rlc_node *y = node_new(t, OP_CONCAT_COLS, ROWS(a), p + q, a, b, NULL);
    if (y)
        for (size_t i = 0; i < ROWS(a); i++) {
            for (size_t j = 0; j < p; j++)
                AT(&y->value, i, j) = AT(&a->value, i, j);
            for (size_t j = 0; j < q; j++)
                AT(&y->value, i, p + j) = AT(&b->value, i, j);
        }
    return y;
}

static void exp_k(size_t n, const double *restrict x, double *restrict y)
{
    for (size_t j = 0; j < n; j++)
        y[j] = exp(x[j]);
}

static void log_k(size_t n, const double *restrict x, double *restrict y)
{
    for (size_t j = 0; j < n; j++)
        y[j] = log(x[j]);
}

static rlc_node *map(rlc_tape *t, int op, rlc_node *x, void (*k)(size_t, const double *, double *))
{
    rlc_node *y = unary(t, op, x);
    if (y)
        each_row(x, y, k);
    return y;
}

rlc_node *rlc_tape_exp(rlc_tape *t, rlc_node *x) { return map(t, OP_EXP, x, exp_k); }
rlc_node *rlc_tape_log(rlc_tape *t, rlc_node *x) { return map(t, OP_LOG, x, log_k); }

rlc_node *rlc_tape_row_sum(rlc_tape *t, rlc_node *x)
{
    if (!CHECK(t, x != NULL, true))
        return NULL;
    rlc_node *y = node_new(t, OP_ROW_SUM, ROWS(x), 1, x, NULL, NULL);
    if (y)
        for (size_t i = 0; i < ROWS(x); i++) {
            double s = 0.0;
            for (size_t j = 0; j < COLS(x); j++)
                s += AT(&x->value, i, j);
            y->value.data[i] = s;
        }
    return y;
}

rlc_node *rlc_tape_log_softmax(rlc_tape *t, rlc_node *x)
{
    rlc_node *y = unary(t, OP_LOG_SOFTMAX, x);
    if (!y)
        return NULL;
    for (size_t i = 0; i < ROWS(x); i++) {
        const double *xv = x->value.data + i * x->value.tda;
        double *yv = y->value.data + i * COLS(y), lse = rlc_log_sum_exp(COLS(x), xv);
        for (size_t j = 0; j < COLS(x); j++)
            yv[j] = xv[j] - lse;
    }
    return y;
}

rlc_node *rlc_tape_log_softmax_shared(rlc_tape *t, rlc_node *x)
{
    /* x is recorded before every node that reads it: the walk ends there */
    if (t && x && t->status == RLC_OK)
        for (rlc_node *n = t->last; n && n != x; n = n->prev)
            if (n->op == OP_LOG_SOFTMAX && n->a == x)
                return n;
    return rlc_tape_log_softmax(t, x);
}

rlc_node *rlc_tape_gather(rlc_tape *t, rlc_node *x, const double *cols)
{
    bool ok = x && cols;
    for (size_t i = 0; ok && i < ROWS(x); i++)
        ok = cols[i] >= 0.0 && cols[i] < (double)COLS(x) && cols[i] == floor(cols[i]);
    if (!CHECK(t, x && cols, ok))
        return NULL;
    rlc_node *y = node_new(t, OP_GATHER, ROWS(x), 1, x, NULL, NULL);
    if (!y)
        return NULL;
    y->k1 = cols;
    for (size_t i = 0; i < ROWS(x); i++)
        y->value.data[i] = AT(&x->value, i, (size_t)cols[i]);
    return y;
}

rlc_node *rlc_tape_clip(rlc_tape *t, rlc_node *x, double lo, double hi)
{
    rlc_node *y = unary(t, OP_CLIP, x);
    if (!y)
        return NULL;
    y->alpha = lo;
    y->beta = hi;
    for (size_t i = 0; i < ROWS(x); i++)
        for (size_t j = 0; j < COLS(x); j++) {
            double v = AT(&x->value, i, j);
            AT(&y->value, i, j) = v < lo ? lo : v > hi ? hi : v;
        }
    return y;
}

static rlc_node *pick(rlc_tape *t, int op, rlc_node *a, rlc_node *b)
{
    if (!CHECK(t, a && b, ROWS(a) == ROWS(b) && COLS(a) == COLS(b)))
        return NULL;
    rlc_node *y = node_new(t, op, ROWS(a), COLS(a), a, b, NULL);
    if (y)
        for (size_t i = 0; i < ROWS(a); i++)
            for (size_t j = 0; j < COLS(a); j++) {
                double u = AT(&a->value, i, j), v = AT(&b->value, i, j);
                AT(&y->value, i, j) = op == OP_MIN ? (v < u ? v : u) : (v > u ? v : u);
            }
    return y;
}

rlc_node *rlc_tape_min(rlc_tape *t, rlc_node *a, rlc_node *b) { return pick(t, OP_MIN, a, b); }
rlc_node *rlc_tape_max(rlc_tape *t, rlc_node *a, rlc_node *b) { return pick(t, OP_MAX, a, b); }

rlc_node *rlc_tape_gaussian_log_prob(rlc_tape *t, rlc_node *mean, rlc_node *log_std,
                                     const gsl_matrix *actions)
{
    if (!CHECK(t, mean && log_std && actions,
               ROWS(log_std) == 1 && COLS(log_std) == COLS(mean) &&
                   actions->size1 == ROWS(mean) && actions->size2 == COLS(mean) &&
                   actions->tda == actions->size2))
        return NULL;
    rlc_node *y = node_new(t, OP_GAUSS_LOGP, ROWS(mean), 1, mean, log_std, NULL);
    if (!y)
        return NULL;
    y->k1 = actions->data;
    size_t d = COLS(mean);
    for (size_t i = 0; i < ROWS(mean); i++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            double ls = AT(&log_std->value, 0, j);
            double z = (actions->data[i * d + j] - AT(&mean->value, i, j)) / exp(ls);
            s += -0.5 * z * z - ls - RLC_HALF_LOG_2PI;
        }
        y->value.data[i] = s;
    }
    return y;
}

rlc_node *rlc_tape_gaussian_kl(rlc_tape *t, rlc_node *mean_p, rlc_node *log_std_p,
                               rlc_node *mean_q, rlc_node *log_std_q)
{
    if (!CHECK(t, mean_p && log_std_p && mean_q && log_std_q,
               ROWS(mean_p) == ROWS(mean_q) && COLS(mean_p) == COLS(mean_q) &&
                   ROWS(log_std_p) == 1 && ROWS(log_std_q) == 1 &&
                   COLS(log_std_p) == COLS(mean_p) && COLS(log_std_q) == COLS(mean_p)))
        return NULL;
    rlc_node *y = node_new4(t, OP_GAUSS_KL, ROWS(mean_p), 1, mean_p, log_std_p, mean_q, log_std_q);
    if (!y)
        return NULL;
    size_t d = COLS(mean_p);
    for (size_t i = 0; i < ROWS(mean_p); i++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            double lp = AT(&log_std_p->value, 0, j), lq = AT(&log_std_q->value, 0, j);
            double dm = AT(&mean_p->value, i, j) - AT(&mean_q->value, i, j);
            s += lq - lp + (exp(2.0 * lp) + dm * dm) / (2.0 * exp(2.0 * lq)) - 0.5;
        }
        y->value.data[i] = s;
    }
    return y;
}

/* --- derivative rules, two per op, side by side:
 * bw_X(y) adds dL/dinput into the inputs that carry gradient, given
 * y->grad = dL/dy (reverse mode);
 * tg_X(y) sets y->tangent (contiguous, every entry written) from the
 * inputs' tangents, of which at least one flows; tangent_of() is NULL for
 * an input without one, meaning zero (forward mode). Leaves' gradients and
 * tangents may be strided views: they are read and written through AT. --- */

/* An input's tangent, or NULL where none flows (zero). */
static const gsl_matrix *tangent_of(const rlc_node *n)
{
    return n && n->tangent.data ? &n->tangent : NULL;
}

/* How a product's rule writes its first input's gradient: added to, or,
 * where this pass has not zeroed it yet (propagate leaves that to the
 * rule), set as 0 + the product, the bits the addition to zero gives. */
static int first_input_mode(rlc_node *x)
{
    if (!x->grad_unzeroed)
        return RLC_GEMM_ADD;
    x->grad_unzeroed = false;
    return RLC_GEMM_SET;
}

static void bw_matmul(rlc_node *y)
{
    rlc_node *a = y->a, *b = y->b;
    bool bt = y->op == OP_MATMUL_BT;
    if (has_grad(a)) /* dA += dY·B (bt) or dY·Bᵀ */
        gemm('N', bt ? 'N' : 'T', &y->grad, &b->value, first_input_mode(a), NULL, &a->grad,
             y->work);
    if (has_grad(b)) { /* dB += dYᵀ·A (bt) or Aᵀ·dY */
        if (bt)
            gemm('T', 'N', &y->grad, &a->value, RLC_GEMM_ADD, NULL, &b->grad, NULL);
        else
            gemm('T', 'N', &a->value, &y->grad, RLC_GEMM_ADD, NULL, &b->grad, NULL);
    }
}

/* Ẏ = Ȧ·B + A·Ḃ (with Bᵀ, Ḃᵀ for bt). */
static void tg_matmul(rlc_node *y)
{
    const gsl_matrix *da = tangent_of(y->a), *db = tangent_of(y->b);
    char tb = y->op == OP_MATMUL_BT ? 'T' : 'N';
    int mode = RLC_GEMM_SET; /* Ẏ is not read before the first product (uninitialised) */
    if (da) {
        gemm('N', tb, da, &y->b->value, mode, NULL, &y->tangent, y->work);
        mode = RLC_GEMM_ADD;
    }
    if (db)
        gemm('N', tb, &y->a->value, db, mode, NULL, &y->tangent, y->work);
    else if (!da) /* no tangent flows in: zero (intermediate nodes are contiguous) */
        memset(y->tangent.data, 0, SIZE(y) * sizeof(double));
}

/* db (1 × cols) += the column sums of dy, each summed in row order. */
static void add_column_sums(const gsl_matrix *dy, gsl_matrix *db)
{
    rlc_kern()->col_sums(dy->size1, dy->size2, dy->data, dy->tda, db->data);
}

static void add_into(gsl_matrix *dst, const gsl_matrix *src, double s)
{
    for (size_t i = 0; i < src->size1; i++)
        for (size_t j = 0; j < src->size2; j++)
            AT(dst, i, j) += s * AT(src, i, j);
}

/* dst (contiguous) ← each row the 1 × cols row `row`, or zero for NULL. */
static void set_rows(gsl_matrix *dst, const gsl_matrix *row)
{
    for (size_t i = 0; i < dst->size1; i++)
        for (size_t j = 0; j < dst->size2; j++)
            AT(dst, i, j) = row ? AT(row, 0, j) : 0.0;
}

static void bw_add_bias(rlc_node *y)
{
    if (has_grad(y->a))
        add_into(&y->a->grad, &y->grad, 1.0);
    if (has_grad(y->b))
        add_column_sums(&y->grad, &y->b->grad);
}

/* Ẏ = Ẋ + ḃ on every row. */
static void tg_add_bias(rlc_node *y)
{
    set_rows(&y->tangent, tangent_of(y->b));
    if (tangent_of(y->a))
        add_into(&y->tangent, tangent_of(y->a), 1.0);
}

static void bw_linear(rlc_node *y)
{
    rlc_node *x = y->a, *W = y->b, *b = y->c;
    if (has_grad(x)) /* dX += dY·W */
        gemm('N', 'N', &y->grad, &W->value, first_input_mode(x), NULL, &x->grad, y->work);
    if (has_grad(W)) /* dW += dYᵀ·X */
        gemm('T', 'N', &y->grad, &x->value, RLC_GEMM_ADD, NULL, &W->grad, NULL);
    if (has_grad(b))
        add_column_sums(&y->grad, &b->grad);
}

/* Ẏ = Ẋ·Wᵀ + X·Ẇᵀ + ḃ on every row. */
static void tg_linear(rlc_node *y)
{
    const gsl_matrix *dx = tangent_of(y->a), *dW = tangent_of(y->b);
    set_rows(&y->tangent, tangent_of(y->c));
    if (dx)
        gemm('N', 'T', dx, &y->b->value, RLC_GEMM_ADD, NULL, &y->tangent, y->work);
    if (dW)
        gemm('N', 'T', &y->a->value, dW, RLC_GEMM_ADD, NULL, &y->tangent, y->work);
}

/* The relu of a fused node: its gradient (or tangent) g ← 0 + [y > 0]·g in
 * place, where y > 0 exactly where the pre-activation is; the bits the
 * relu node's backward pass would leave in the linear node's zeroed
 * gradient. */
static void relu_mask(const rlc_node *y, gsl_matrix *g)
{
    rlc_kern()->relu_mask(SIZE(y), y->value.data, g->data); /* intermediates are contiguous */
}

static void bw_linear_relu(rlc_node *y)
{
    relu_mask(y, &y->grad);
    bw_linear(y);
}

static void tg_linear_relu(rlc_node *y)
{
    tg_linear(y);
    relu_mask(y, &y->tangent);
}

static void bw_elementwise(rlc_node *y)
{
    rlc_node *a = y->a, *b = y->b;
    for (size_t i = 0; i < ROWS(y); i++)
        for (size_t j = 0; j < COLS(y); j++) {
            double g = AT(&y->grad, i, j);
            double ga = y->op == OP_MUL ? g * AT(&b->value, i, j) : g;
            double gb = y->op == OP_MUL ? g * AT(&a->value, i, j) : y->op == OP_SUB ? -g : g;
            if (has_grad(a))
                AT(&a->grad, i, j) += ga;
            if (has_grad(b))
                AT(&b->grad, i, j) += gb;
        }
}

/* ȧ + ḃ, ȧ − ḃ, ȧ⊙b + a⊙ḃ. */
static void tg_elementwise(rlc_node *y)
{
    const gsl_matrix *da = tangent_of(y->a), *db = tangent_of(y->b);
    for (size_t i = 0; i < ROWS(y); i++)
        for (size_t j = 0; j < COLS(y); j++) {
            double ta = 0.0, tb = 0.0;
            if (da)
                ta = y->op == OP_MUL ? AT(da, i, j) * AT(&y->b->value, i, j) : AT(da, i, j);
            if (db)
                tb = y->op == OP_MUL ? AT(&y->a->value, i, j) * AT(db, i, j) : AT(db, i, j);
            AT(&y->tangent, i, j) = y->op == OP_SUB ? ta - tb : ta + tb;
        }
}

/* out += D·in for the unary op y, whose Jacobian D is diagonal (affine,
 * scale_cols, relu, tanh, square); in and out have y's shape. A diagonal
 * Jacobian is its own transpose, so backward passes (y->grad, x->grad) and
 * forward mode (x->tangent, y->tangent) through the same kernels.
 * Intermediate nodes are contiguous; a leaf's value, gradient or tangent
 * may be a strided view, so walk rows unless everything is contiguous (then
 * one run of n). */
static void unary_apply(const rlc_node *y, const gsl_matrix *in, gsl_matrix *out)
{
    const rlc_node *x = y->a;
    size_t m = COLS(y), rows = ROWS(y);
    bool flat = x->value.tda == m && in->tda == m && out->tda == m && y->op != OP_SCALE_COLS;
    size_t n = flat ? m * rows : m;
    const rlc_kernels *k = rlc_kern();
    for (size_t i = 0; i < (flat ? 1 : rows); i++) {
        const double *g = in->data + i * in->tda, *yv = y->value.data + i * m;
        const double *xv = x->value.data + i * x->value.tda;
        double *dx = out->data + i * out->tda;
        switch (y->op) {
        case OP_AFFINE: k->bw_affine(n, y->alpha, g, dx); break;
        case OP_SCALE_COLS: k->bw_scale_cols(n, y->k1, g, dx); break;
        case OP_RELU: k->bw_relu(n, xv, g, dx); break;
        case OP_TANH: k->bw_tanh(n, yv, g, dx); break;
        default: k->bw_square(n, xv, g, dx); break; /* OP_SQUARE */
        }
    }
}

static void bw_unary(rlc_node *y)
{
    if (has_grad(y->a))
        unary_apply(y, &y->grad, &y->a->grad);
}

/* Ẏ = D·Ẋ: α·ẋ, scale⊙ẋ, [x > 0]·ẋ, (1 − y²)·ẋ, 2x·ẋ. */
static void tg_unary(rlc_node *y)
{
    memset(y->tangent.data, 0, SIZE(y) * sizeof(double));
    unary_apply(y, &y->a->tangent, &y->tangent);
}

static void bw_reduce(rlc_node *y)
{
    rlc_node *x = y->a;
    if (!has_grad(x))
        return;
    double g = y->grad.data[0];
    if (y->op == OP_MEAN)
        g /= (double)SIZE(x);
    for (size_t i = 0; i < ROWS(x); i++)
        for (size_t j = 0; j < COLS(x); j++)
            AT(&x->grad, i, j) += g;
}

/* Σ ẋ, or its mean. */
static void tg_reduce(rlc_node *y)
{
    double s = total(tangent_of(y->a));
    y->tangent.data[0] = y->op == OP_MEAN ? s / (double)SIZE(y->a) : s;
}

static void bw_concat_cols(rlc_node *y)
{
    rlc_node *a = y->a, *b = y->b;
    size_t p = COLS(a);
    for (size_t i = 0; i < ROWS(y); i++) {
        if (has_grad(a))
            for (size_t j = 0; j < p; j++)
                AT(&a->grad, i, j) += AT(&y->grad, i, j);
        if (has_grad(b))
            for (size_t j = 0; j < COLS(b); j++)
                AT(&b->grad, i, j) += AT(&y->grad, i, p + j);
    }
}

/* [ȧ | ḃ]. */
static void tg_concat_cols(rlc_node *y)
{
    const gsl_matrix *da = tangent_of(y->a), *db = tangent_of(y->b);
    size_t p = COLS(y->a);
    for (size_t i = 0; i < ROWS(y); i++) {
        for (size_t j = 0; j < p; j++)
            AT(&y->tangent, i, j) = da ? AT(da, i, j) : 0.0;
        for (size_t j = 0; j < COLS(y->b); j++)
            AT(&y->tangent, i, p + j) = db ? AT(db, i, j) : 0.0;
    }
}

static void bw_map(rlc_node *y)
{
    rlc_node *x = y->a;
    if (!has_grad(x))
        return;
    for (size_t i = 0; i < ROWS(y); i++)
        for (size_t j = 0; j < COLS(y); j++) {
            double g = AT(&y->grad, i, j);
            AT(&x->grad, i, j) += y->op == OP_EXP ? g * AT(&y->value, i, j) : g / AT(&x->value, i, j);
        }
}

/* exp: y·ẋ; log: ẋ/x. */
static void tg_map(rlc_node *y)
{
    const gsl_matrix *dx = tangent_of(y->a);
    for (size_t i = 0; i < ROWS(y); i++)
        for (size_t j = 0; j < COLS(y); j++) {
            double d = AT(dx, i, j);
            AT(&y->tangent, i, j) =
                y->op == OP_EXP ? d * AT(&y->value, i, j) : d / AT(&y->a->value, i, j);
        }
}

static void bw_row_sum(rlc_node *y)
{
    rlc_node *x = y->a;
    if (!has_grad(x))
        return;
    for (size_t i = 0; i < ROWS(x); i++)
        for (size_t j = 0; j < COLS(x); j++)
            AT(&x->grad, i, j) += y->grad.data[i];
}

/* ẏᵢ = Σⱼ ẋᵢⱼ. */
static void tg_row_sum(rlc_node *y)
{
    const gsl_matrix *dx = tangent_of(y->a);
    for (size_t i = 0; i < ROWS(y); i++) {
        double s = 0.0;
        for (size_t j = 0; j < dx->size2; j++)
            s += AT(dx, i, j);
        y->tangent.data[i] = s;
    }
}

/* y = x − logsumexp(x): dx_j = g_j − softmax_j·Σₖ gₖ. */
static void bw_log_softmax(rlc_node *y)
{
    rlc_node *x = y->a;
    if (!has_grad(x))
        return;
    for (size_t i = 0; i < ROWS(y); i++) {
        double gs = 0.0;
        for (size_t j = 0; j < COLS(y); j++)
            gs += AT(&y->grad, i, j);
        for (size_t j = 0; j < COLS(y); j++)
            AT(&x->grad, i, j) += AT(&y->grad, i, j) - exp(AT(&y->value, i, j)) * gs;
    }
}

/* ẏ_j = ẋ_j − Σₖ softmaxₖ·ẋₖ. */
static void tg_log_softmax(rlc_node *y)
{
    const gsl_matrix *dx = tangent_of(y->a);
    for (size_t i = 0; i < ROWS(y); i++) {
        double s = 0.0;
        for (size_t j = 0; j < COLS(y); j++)
            s += exp(AT(&y->value, i, j)) * AT(dx, i, j);
        for (size_t j = 0; j < COLS(y); j++)
            AT(&y->tangent, i, j) = AT(dx, i, j) - s;
    }
}

static void bw_gather(rlc_node *y)
{
    rlc_node *x = y->a;
    if (has_grad(x))
        for (size_t i = 0; i < ROWS(y); i++)
            AT(&x->grad, i, (size_t)y->k1[i]) += y->grad.data[i];
}

/* ẏᵢ = ẋ[i][colsᵢ]. */
static void tg_gather(rlc_node *y)
{
    for (size_t i = 0; i < ROWS(y); i++)
        y->tangent.data[i] = AT(tangent_of(y->a), i, (size_t)y->k1[i]);
}

static void bw_clip(rlc_node *y)
{
    rlc_node *x = y->a;
    if (!has_grad(x))
        return;
    for (size_t i = 0; i < ROWS(y); i++)
        for (size_t j = 0; j < COLS(y); j++) {
            double v = AT(&x->value, i, j);
            if (v >= y->alpha && v <= y->beta)
                AT(&x->grad, i, j) += AT(&y->grad, i, j);
        }
}

/* ẋ where lo ≤ x ≤ hi (bounds included, as bw_clip), else 0. */
static void tg_clip(rlc_node *y)
{
    for (size_t i = 0; i < ROWS(y); i++)
        for (size_t j = 0; j < COLS(y); j++) {
            double v = AT(&y->a->value, i, j);
            bool pass = v >= y->alpha && v <= y->beta;
            AT(&y->tangent, i, j) = pass ? AT(&y->a->tangent, i, j) : 0.0;
        }
}

/* Whether min/max's entry (i, j) comes from a; ties go to a. */
static bool picks_a(const rlc_node *y, size_t i, size_t j)
{
    double u = AT(&y->a->value, i, j), v = AT(&y->b->value, i, j);
    return y->op == OP_MIN ? !(v < u) : !(v > u);
}

static void bw_pick(rlc_node *y)
{
    rlc_node *a = y->a, *b = y->b;
    for (size_t i = 0; i < ROWS(y); i++)
        for (size_t j = 0; j < COLS(y); j++) {
            double g = AT(&y->grad, i, j);
            bool to_a = picks_a(y, i, j);
            if (to_a && has_grad(a))
                AT(&a->grad, i, j) += g;
            else if (!to_a && has_grad(b))
                AT(&b->grad, i, j) += g;
        }
}

/* The chosen input's tangent (zero where it has none). */
static void tg_pick(rlc_node *y)
{
    const gsl_matrix *da = tangent_of(y->a), *db = tangent_of(y->b);
    for (size_t i = 0; i < ROWS(y); i++)
        for (size_t j = 0; j < COLS(y); j++) {
            const gsl_matrix *d = picks_a(y, i, j) ? da : db;
            AT(&y->tangent, i, j) = d ? AT(d, i, j) : 0.0;
        }
}

static void bw_gauss_logp(rlc_node *y)
{
    rlc_node *mean = y->a, *log_std = y->b;
    size_t d = COLS(mean);
    for (size_t i = 0; i < ROWS(mean); i++) {
        double g = y->grad.data[i];
        for (size_t j = 0; j < d; j++) {
            double inv_sd = exp(-AT(&log_std->value, 0, j));
            double z = (y->k1[i * d + j] - AT(&mean->value, i, j)) * inv_sd;
            if (has_grad(mean))
                AT(&mean->grad, i, j) += g * z * inv_sd;
            if (has_grad(log_std))
                AT(&log_std->grad, 0, j) += g * (z * z - 1.0);
        }
    }
}

/* ẏᵢ = Σⱼ (zᵢⱼ/σⱼ)·μ̇ᵢⱼ + (zᵢⱼ² − 1)·(log σ)˙ⱼ, z = (a − μ)/σ. */
static void tg_gauss_logp(rlc_node *y)
{
    rlc_node *mean = y->a, *log_std = y->b;
    const gsl_matrix *dm = tangent_of(mean), *dl = tangent_of(log_std);
    size_t d = COLS(mean);
    for (size_t i = 0; i < ROWS(mean); i++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            double inv_sd = exp(-AT(&log_std->value, 0, j));
            double z = (y->k1[i * d + j] - AT(&mean->value, i, j)) * inv_sd;
            if (dm)
                s += z * inv_sd * AT(dm, i, j);
            if (dl)
                s += (z * z - 1.0) * AT(dl, 0, j);
        }
        y->tangent.data[i] = s;
    }
}

static void bw_gauss_kl(rlc_node *y)
{
    rlc_node *mp = y->a, *lp = y->b, *mq = y->c, *lq = y->d;
    for (size_t i = 0; i < ROWS(mp); i++) {
        double g = y->grad.data[i];
        for (size_t j = 0; j < COLS(mp); j++) {
            double vp = exp(2.0 * AT(&lp->value, 0, j)), vq = exp(2.0 * AT(&lq->value, 0, j));
            double dm = AT(&mp->value, i, j) - AT(&mq->value, i, j);
            if (has_grad(mp))
                AT(&mp->grad, i, j) += g * dm / vq;
            if (has_grad(mq))
                AT(&mq->grad, i, j) -= g * dm / vq;
            if (has_grad(lp))
                AT(&lp->grad, 0, j) += g * (vp / vq - 1.0);
            if (has_grad(lq))
                AT(&lq->grad, 0, j) += g * (1.0 - (vp + dm * dm) / vq);
        }
    }
}

/* ẏᵢ = Σⱼ (Δμ/σq²)·(μ̇p − μ̇q) + (σp²/σq² − 1)·(log σp)˙
 *      + (1 − (σp² + Δμ²)/σq²)·(log σq)˙, Δμ = μp − μq. */
static void tg_gauss_kl(rlc_node *y)
{
    rlc_node *mp = y->a, *lp = y->b, *mq = y->c, *lq = y->d;
    const gsl_matrix *dmp = tangent_of(mp), *dlp = tangent_of(lp);
    const gsl_matrix *dmq = tangent_of(mq), *dlq = tangent_of(lq);
    for (size_t i = 0; i < ROWS(mp); i++) {
        double s = 0.0;
        for (size_t j = 0; j < COLS(mp); j++) {
            double vp = exp(2.0 * AT(&lp->value, 0, j)), vq = exp(2.0 * AT(&lq->value, 0, j));
            double dm = AT(&mp->value, i, j) - AT(&mq->value, i, j);
            if (dmp)
                s += dm / vq * AT(dmp, i, j);
            if (dmq)
                s -= dm / vq * AT(dmq, i, j);
            if (dlp)
                s += (vp / vq - 1.0) * AT(dlp, 0, j);
            if (dlq)
                s += (1.0 - (vp + dm * dm) / vq) * AT(dlq, 0, j);
        }
        y->tangent.data[i] = s;
    }
}

/* One entry per op: what it is called, its two derivative rules, and
 * whether its backward rule writes its first input's gradient itself
 * (first_input_mode: set where nothing reached it yet), so that propagate
 * leaves that buffer unzeroed. */
typedef struct op_rules {
    const char *name;
    void (*backward)(rlc_node *y);
    void (*tangent)(rlc_node *y);
    bool sets_first_input;
} op_rules;

static const op_rules ops[OP_COUNT] = {
    [OP_LEAF] = {"leaf", NULL, NULL},
    [OP_MATMUL] = {"matmul", bw_matmul, tg_matmul, true},
    [OP_MATMUL_BT] = {"matmul_bt", bw_matmul, tg_matmul, true},
    [OP_ADD_BIAS] = {"add_bias", bw_add_bias, tg_add_bias},
    [OP_LINEAR] = {"linear", bw_linear, tg_linear, true},
    [OP_LINEAR_RELU] = {"linear_relu", bw_linear_relu, tg_linear_relu, true},
    [OP_ADD] = {"add", bw_elementwise, tg_elementwise},
    [OP_SUB] = {"sub", bw_elementwise, tg_elementwise},
    [OP_MUL] = {"mul", bw_elementwise, tg_elementwise},
    [OP_AFFINE] = {"affine", bw_unary, tg_unary},
    [OP_SCALE_COLS] = {"scale_cols", bw_unary, tg_unary},
    [OP_RELU] = {"relu", bw_unary, tg_unary},
    [OP_TANH] = {"tanh", bw_unary, tg_unary},
    [OP_SQUARE] = {"square", bw_unary, tg_unary},
    [OP_SUM] = {"sum", bw_reduce, tg_reduce},
    [OP_MEAN] = {"mean", bw_reduce, tg_reduce},
    [OP_CONCAT_COLS] = {"concat_cols", bw_concat_cols, tg_concat_cols},
    [OP_EXP] = {"exp", bw_map, tg_map},
    [OP_LOG] = {"log", bw_map, tg_map},
    [OP_ROW_SUM] = {"row_sum", bw_row_sum, tg_row_sum},
    [OP_LOG_SOFTMAX] = {"log_softmax", bw_log_softmax, tg_log_softmax},
    [OP_GATHER] = {"gather", bw_gather, tg_gather},
    [OP_CLIP] = {"clip", bw_clip, tg_clip},
    [OP_MIN] = {"min", bw_pick, tg_pick},
    [OP_MAX] = {"max", bw_pick, tg_pick},
    [OP_GAUSS_LOGP] = {"gaussian_log_prob", bw_gauss_logp, tg_gauss_logp},
    [OP_GAUSS_KL] = {"gaussian_kl", bw_gauss_kl, tg_gauss_kl},
};

const char *rlc_node_op_name(const rlc_node *n) { return n ? ops[n->op].name : NULL; }

/* --- passes --- */

/* Mark the gradients of the intermediate nodes recorded up to `from` for
 * zeroing before their next use (leaf gradients belong to the caller). */
static void mark_intermediate_grads(rlc_node *from)
{
    for (rlc_node *n = from; n; n = n->prev)
        if (n->op != OP_LEAF && has_grad(n))
            n->grad_unzeroed = true;
}

/* A node's gradient as zero-initialised memory, zeroed now if it was not
 * yet (intermediates are contiguous). */
static void grad_ready(rlc_node *n)
{
    if (n && n->grad_unzeroed) {
        memset(n->grad.data, 0, SIZE(n) * sizeof(double));
        n->grad_unzeroed = false;
    }
}

/* Walk back from `from`, whose gradient is set, through every node that
 * carries gradient; each backward rule adds into its inputs' gradients,
 * which are zeroed first if this pass has not touched them yet (a node
 * that nothing reached is zeroed too, and adds zeros, as it always did). */
static void propagate(rlc_node *from)
{
    for (rlc_node *n = from; n; n = n->prev)
        if (n->op != OP_LEAF && has_grad(n)) {
            grad_ready(n);
            if (!ops[n->op].sets_first_input)
                grad_ready(n->a);
            grad_ready(n->b);
            grad_ready(n->c);
            grad_ready(n->d);
            ops[n->op].backward(n);
        }
}

rlc_status rlc_tape_backward(rlc_tape *t, rlc_node *loss)
{
    if (t->status != RLC_OK)
        return t->status;
    if (!loss || ROWS(loss) != 1 || COLS(loss) != 1) {
        fail(t, RLC_EINVAL);
        return RLC_EINVAL;
    }
    if (!has_grad(loss))
        return RLC_OK; /* nothing on the tape depends on a leaf with gradient */
    /* Gradient buffers are zeroed as the pass reaches them; a second pass
     * on one recording marks what the first left for zeroing again. */
    if (t->grads_dirty)
        mark_intermediate_grads(loss);
    t->grads_dirty = true;
    grad_ready(loss);
    loss->grad.data[0] += 1.0;
    propagate(loss);
    return RLC_OK;
}

rlc_status rlc_tape_backward_seeded(rlc_tape *t, rlc_node *node, const gsl_matrix *seed)
{
    if (!t)
        return RLC_EINVAL;
    if (t->status != RLC_OK)
        return t->status;
    if (!node || !seed || seed->size1 != ROWS(node) || seed->size2 != COLS(node)) {
        fail(t, RLC_EINVAL);
        return RLC_EINVAL;
    }
    if (!has_grad(node))
        return RLC_OK;
    if (node->op == OP_LEAF) { /* the caller's buffer: add, as every leaf does */
        add_into(&node->grad, seed, 1.0);
        return RLC_OK;
    }
    if (t->grads_dirty) /* else every intermediate gradient is still marked */
        mark_intermediate_grads(node);
    t->grads_dirty = true;
    for (size_t i = 0; i < ROWS(node); i++)
        memcpy(node->grad.data + i * COLS(node), seed->data + i * seed->tda,
               COLS(node) * sizeof(double));
    node->grad_unzeroed = false;
    propagate(node);
    return RLC_OK;
}

/* Make t->fwd list every node oldest first, with a tangent buffer for each
 * intermediate node that carries gradient (a superset of those a tangent
 * can reach, whatever grads is). Entries from an earlier call are kept:
 * nodes are only ever appended. false (ENOMEM recorded) if the arena could
 * not grow. */
static bool forward_order(rlc_tape *t)
{
    if (!t->last || (t->n_fwd > 0 && t->fwd[t->n_fwd - 1].node == t->last))
        return true;
    size_t n = 0;
    for (rlc_node *v = t->last; v; v = v->prev)
        n++;
    struct fwd_entry *f = arena_alloc(t, n * sizeof *f);
    if (!f)
        return false;
    if (t->n_fwd > 0)
        memcpy(f, t->fwd, t->n_fwd * sizeof *f);
    size_t k = n;
    for (rlc_node *v = t->last; k > t->n_fwd; v = v->prev) {
        f[--k].node = v;
        f[k].tangent = NULL;
        if (v->op != OP_LEAF && has_grad(v)) {
            f[k].tangent = arena_alloc(t, SIZE(v) * sizeof(double));
            if (!f[k].tangent)
                return false;
        }
    }
    t->fwd = f;
    t->n_fwd = n;
    return true;
}

/* A leaf's tangent: the view of direction at its grad's offset in grads,
 * or none. false if the grad lies partly inside grads. */
static bool leaf_tangent(rlc_node *n, const gsl_vector *grads, const gsl_vector *direction)
{
    matrix_init(&n->tangent, ROWS(n), COLS(n), NULL);
    const gsl_matrix *g = &n->grad;
    if (!g->data || g->size1 == 0 || g->size2 == 0)
        return true;
    uintptr_t lo = (uintptr_t)grads->data, hi = (uintptr_t)(grads->data + grads->size);
    uintptr_t first = (uintptr_t)g->data;
    uintptr_t end = (uintptr_t)(g->data + (g->size1 - 1) * g->tda + g->size2);
    if (end <= lo || first >= hi)
        return true; /* outside: a constant here */
    if (first < lo || end > hi)
        return false;
    size_t off = (size_t)(g->data - grads->data);
    n->tangent.tda = g->tda;
    n->tangent.data = direction->data + off; /* read-only, as the contract says */
    return true;
}

rlc_status rlc_tape_tangents(rlc_tape *t, const gsl_vector *grads, const gsl_vector *direction)
{
    if (!t)
        return RLC_EINVAL;
    if (t->status != RLC_OK)
        return t->status;
    if (!grads || !direction || grads->size != direction->size || grads->stride != 1 ||
        direction->stride != 1) {
        fail(t, RLC_EINVAL);
        return RLC_EINVAL;
    }
    if (!forward_order(t))
        return t->status;
    for (size_t k = 0; k < t->n_fwd; k++) {
        rlc_node *n = t->fwd[k].node;
        if (n->op == OP_LEAF) {
            if (!leaf_tangent(n, grads, direction)) {
                fail(t, RLC_EINVAL);
                return RLC_EINVAL;
            }
        } else if (tangent_of(n->a) || tangent_of(n->b) || tangent_of(n->c) || tangent_of(n->d)) {
            /* non-NULL: an input with a tangent is one with a gradient */
            matrix_init(&n->tangent, ROWS(n), COLS(n), t->fwd[k].tangent);
            ops[n->op].tangent(n);
        } else {
            matrix_init(&n->tangent, ROWS(n), COLS(n), NULL);
        }
    }
    return RLC_OK;
}

double rlc_node_scalar(const rlc_node *n)
{
    return n ? n->value.data[0] : NAN;
}
