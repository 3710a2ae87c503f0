/*
 * tap.h: a small TAP producer for the unit tests (after git's t/unit-tests/test-lib.h).
 * Header-only; each test program includes it once. prove reads the output.
 *   plan(n) or done_testing(); ok(cond, fmt, ...); is_int(got, want, ...);
 *   is_rel(got, want, rtol, ...); is_abs(got, want, atol, ...); is_str(got, want, ...)
 * exit_status() is 0 when every test passed.
 */
#ifndef FPMS_TAP_H
#define FPMS_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TAP_FN __attribute__((unused)) static

static int tap_count;
static int tap_failed;

TAP_FN void
plan(int n)
{
    printf("1..%d\n", n);
}

static int
tap_vok(int cond, const char *fmt, va_list ap)
{
    tap_count++;
    printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
    vprintf(fmt, ap);
    printf("\n");
    if (!cond)
        tap_failed++;
    fflush(stdout);
    return cond;
}

__attribute__((format(printf, 2, 3))) TAP_FN int
ok(int cond, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = tap_vok(cond, fmt, ap);
    va_end(ap);
    return r;
}

__attribute__((format(printf, 3, 4))) TAP_FN int
is_int(long got, long want, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = tap_vok(got == want, fmt, ap);
    va_end(ap);
    if (!r)
        printf("#   got %ld, want %ld\n", got, want);
    return r;
}

__attribute__((format(printf, 4, 5))) TAP_FN int
is_rel(double got, double want, double rtol, const char *fmt, ...)
{
    va_list ap;
    int r;
    double d = fabs(got - want);
    va_start(ap, fmt);
    r = tap_vok(isfinite(got) && d <= rtol * fabs(want), fmt, ap);
    va_end(ap);
    if (!r)
        printf("#   got %.17g, want %.17g (rel %.3g > %.3g)\n", got, want,
               want != 0 ? d / fabs(want) : d, rtol);
    return r;
}

__attribute__((format(printf, 4, 5))) TAP_FN int
is_abs(double got, double want, double atol, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = tap_vok(isfinite(got) && fabs(got - want) <= atol, fmt, ap);
    va_end(ap);
    if (!r)
        printf("#   got %.17g, want %.17g (abs %.3g > %.3g)\n", got, want, fabs(got - want), atol);
    return r;
}

__attribute__((format(printf, 3, 4))) TAP_FN int
is_str(const char *got, const char *want, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = tap_vok(got && want && strcmp(got, want) == 0, fmt, ap);
    va_end(ap);
    if (!r)
        printf("#   got '%s', want '%s'\n", got ? got : "(null)", want ? want : "(null)");
    return r;
}

TAP_FN void
done_testing(void)
{
    printf("1..%d\n", tap_count);
}

TAP_FN int
exit_status(void)
{
    return tap_failed ? 1 : 0;
}

#endif
