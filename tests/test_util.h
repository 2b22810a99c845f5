/* test_util.h — helpers shared by the cmocka test executables: a tolerance
 * comparison for doubles (cmocka 1.1.5 has none) and the test-data folder. */
#ifndef RLC_TEST_UTIL_H
#define RLC_TEST_UTIL_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

/* Fails the test unless |a - b| <= tol (absolute); prints both values. */
#define assert_near(a, b, tol) rlc_test_assert_near((a), (b), (tol), #a, __FILE__, __LINE__)

static inline void rlc_test_assert_near(double a, double b, double tol, const char *expr,
                                        const char *file, int line)
{
    if (!(fabs(a - b) <= tol)) {
        print_error("%s = %.17g, expected %.17g (tolerance %g)\n", expr, a, b, tol);
        _fail(file, line);
    }
}

#ifndef RLC_TEST_DATA_DIR
#define RLC_TEST_DATA_DIR "tests/data"
#endif

#endif
