/* gsl_alloc.h — gsl_matrix_alloc without its leak on failure: GSL 2.7's
 * gsl_matrix_alloc keeps the matrix struct when the data block cannot be
 * allocated (gsl_vector_alloc frees it). Internal to the library; not
 * installed. Nothing else belongs here. */
#ifndef RLC_GSL_ALLOC_H
#define RLC_GSL_ALLOC_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

/* A rows × cols matrix owning its block, as gsl_matrix_alloc gives (free
 * it with gsl_matrix_free), or NULL with nothing left allocated. Three
 * allocations, as gsl_matrix_alloc: the block struct, its data, the
 * matrix struct. */
static inline gsl_matrix *rlc_matrix_alloc(size_t rows, size_t cols)
{
    gsl_block *b = gsl_block_alloc(rows * cols);
    if (!b)
        return NULL;
    gsl_matrix *m = gsl_matrix_alloc_from_block(b, 0, rows, cols, cols);
    if (!m) {
        gsl_block_free(b);
        return NULL;
    }
    m->owner = 1; /* gsl_matrix_free frees the block too */
    return m;
}

#endif
