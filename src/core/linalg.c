/* linalg.c — dot products, norms and axpy on GSL vectors (contract in
 * include/rlc/linalg.h): unit-stride vectors go to rlc_kern(), others are
 * summed here in the same lanes and order, so the bits agree. */
#include <assert.h>
#include <math.h>
#include <string.h>
#include "rlc/linalg.h"
#include "kernels.h"

double rlc_dot(const gsl_vector *x, const gsl_vector *y)
{
    assert(x->size == y->size);
    size_t n = x->size;
    if (x->stride == 1 && y->stride == 1)
        return rlc_kern()->dot(n, x->data, y->data);
    double s[8] = {0};
    size_t n8 = n - n % 8;
    for (size_t i = 0; i < n8; i++)
        s[i % 8] = s[i % 8] + x->data[i * x->stride] * y->data[i * y->stride];
    double t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (size_t i = n8; i < n; i++)
        t = t + x->data[i * x->stride] * y->data[i * y->stride];
    return t;
}

double rlc_norm2(const gsl_vector *x) { return sqrt(rlc_dot(x, x)); }

void rlc_axpy(double a, const gsl_vector *x, gsl_vector *y)
{
    assert(x->size == y->size);
    if (x->stride == 1 && y->stride == 1) {
        rlc_kern()->axpy(x->size, a, x->data, y->data);
        return;
    }
    for (size_t i = 0; i < x->size; i++)
        y->data[i * y->stride] = y->data[i * y->stride] + a * x->data[i * x->stride];
}

void rlc_vector_zero(gsl_vector *x)
{
    if (x->stride == 1)
        memset(x->data, 0, x->size * sizeof(double));
    else
        gsl_vector_set_zero(x);
}
