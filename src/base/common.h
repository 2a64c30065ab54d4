#ifndef BASE_COMMON_H
#define BASE_COMMON_H
/*
 * Included first by every .c file of the project: the standard headers every layer uses, the
 * project's error codes, the allocation helpers that abort on failure, and banned.h last.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Error codes: functions return 0 on success or one of these (negative). */
enum ss_error {
	SS_OK = 0,
	SS_EINVAL = -1,    /* invalid argument or malformed input */
	SS_ETOOBIG = -2,   /* a size limit was reached */
	SS_ENOTFOUND = -3, /* no such object */
	SS_EEXIST = -4,    /* object already exists */
	SS_EIO = -5,       /* I/O, network or database failure */
	SS_ETIMEOUT = -6,  /* a time limit was reached */
	SS_EDENIED = -7,   /* refused by policy (SSRF guard, quota, auth) */
	SS_EABORTED = -8,  /* cancelled by the user */
	SS_EUNSUPPORTED = -9,
};

/* A short English name for an error code ("invalid argument", ...). */
const char *ss_strerror(int err);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Allocation never fails for callers: on exhaustion the process aborts (as git's xmalloc). */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);
/* Grows *arr (of *cap elements of size elem) so that it holds at least need elements. */
void *xgrow(void *arr, size_t *cap, size_t need, size_t elem);

#include "base/banned.h"

#endif
