#include "base/str.h"
#include <ctype.h>

size_t str_copy(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);
	if (n) {
		size_t k = len < n ? len : n - 1;
		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return len;
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_starts_with_nocase(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

const char *str_find_nocase(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return hay;
	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(hay + i, needle, n) == 0)
			return hay + i;
	return NULL;
}

const char *str_find(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return hay;
	if (n > len)
		return NULL;
	return memmem(hay, len, needle, n);
}

char *str_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

char *str_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int str_to_long(const char *s, long min, long max, long *out)
{
	if (!s || !*s)
		return SS_EINVAL;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return SS_EINVAL;
	*out = v;
	return 0;
}

char *str_truncate_utf8(const char *s, size_t max)
{
	size_t len = strlen(s);
	if (len <= max)
		return xstrdup(s);
	size_t cut = max >= 3 ? max - 3 : 0;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	char *p = xmalloc(cut + 4);
	memcpy(p, s, cut);
	memcpy(p + cut, "...", 4);
	return p;
}

bool str_set_insert(char ***set, size_t *n, size_t *cap, const char *s)
{
	size_t lo = 0, hi = *n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp((*set)[mid], s);
		if (c == 0)
			return false;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*set = xgrow(*set, cap, *n + 1, sizeof(**set));
	memmove(*set + lo + 1, *set + lo, (*n - lo) * sizeof(**set));
	(*set)[lo] = xstrdup(s);
	(*n)++;
	return true;
}
