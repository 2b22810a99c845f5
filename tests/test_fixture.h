/* test_fixture.h — reads the reference fixtures in tests/data/reference/ (lines of
 * `name count v1 ... v_count`, '#' comments) into named double arrays, failing the test
 * on anything malformed. It only reads: the fixtures are written by
 * tests/reference/make_fixtures.py. Defines static functions; include it from one .c file. */
#ifndef RLC_TEST_FIXTURE_H
#define RLC_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"

#define FIXTURE_MAX_ARRAYS 64

typedef struct fixture_array {
    char name[32];
    size_t count;
    double *v;
} fixture_array;

typedef struct fixture {
    size_t n;
    fixture_array a[FIXTURE_MAX_ARRAYS];
} fixture;

/* Read every array of the file at path into f (the caller frees with fixture_free). Values
 * are read with strtod, so a shortest round-trip decimal gives back its double exactly. */
static void fixture_load(fixture *f, const char *path)
{
    memset(f, 0, sizeof *f);
    FILE *in = fopen(path, "r");
    if (!in)
        print_error("cannot open %s\n", path);
    assert_non_null(in);
    char name[32];
    while (fscanf(in, "%31s", name) == 1) {
        if (name[0] == '#') { /* comment: skip to the end of the line */
            int c;
            while ((c = fgetc(in)) != EOF && c != '\n')
                ;
            continue;
        }
        assert_true(f->n < FIXTURE_MAX_ARRAYS);
        fixture_array *a = &f->a[f->n++];
        strcpy(a->name, name);
        if (fscanf(in, "%zu", &a->count) != 1 || a->count == 0)
            fail_msg("%s: array %s has no count", path, name);
        a->v = malloc(a->count * sizeof *a->v);
        assert_non_null(a->v);
        for (size_t i = 0; i < a->count; i++)
            if (fscanf(in, "%lf", &a->v[i]) != 1)
                fail_msg("%s: array %s ends after %zu of %zu values", path, name, i, a->count);
    }
    assert_true(feof(in));
    fclose(in);
}

static void fixture_free(fixture *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->a[i].v);
    f->n = 0;
}

static const fixture_array *fixture_find(const fixture *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->a[i].name, name))
            return &f->a[i];
    fail_msg("fixture has no array %s", name);
    return NULL;
}

/* The values of array `name`, which must hold exactly `count` of them. */
static const double *fixture_get(const fixture *f, const char *name, size_t count)
{
    const fixture_array *a = fixture_find(f, name);
    if (a->count != count)
        fail_msg("fixture array %s has %zu values, expected %zu", name, a->count, count);
    return a->v;
}

static size_t fixture_count(const fixture *f, const char *name)
{
    return fixture_find(f, name)->count;
}

static double fixture_scalar(const fixture *f, const char *name)
{
    return fixture_get(f, name, 1)[0];
}

#endif
