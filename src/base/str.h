#ifndef BASE_STR_H
#define BASE_STR_H
#include "base/common.h"

/* Copies src into dst of size n, always NUL-terminating; returns strlen(src) (truncated if >= n). */
size_t str_copy(char *dst, size_t n, const char *src);
bool str_starts_with(const char *s, const char *prefix);
bool str_starts_with_nocase(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
/* Case-insensitive search for needle in the first len bytes of hay (hay need not be NUL-terminated). */
const char *str_find_nocase(const char *hay, size_t len, const char *needle);
/* Search for needle in the first len bytes of hay. */
const char *str_find(const char *hay, size_t len, const char *needle);
/* Lower-cases s in place and returns it. */
char *str_lower(char *s);
/* Strips leading and trailing white space in place; returns the start inside s. */
char *str_trim(char *s);
/* Parses a whole decimal integer within [min, max]; 0 or SS_EINVAL. Replaces atoi. */
int str_to_long(const char *s, long min, long max, long *out);
/* Copies at most max bytes of s, cutting at a UTF-8 character boundary and appending "..." when cut. */
char *str_truncate_utf8(const char *s, size_t max);

/* Inserts a copy of s into the sorted array *set of *n strings (capacity *cap); false if it was there. */
bool str_set_insert(char ***set, size_t *n, size_t *cap, const char *s);

#endif
