#include "base/common.h"

static void die_oom(size_t n)
{
	fprintf(stderr, "secscan: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_oom(n);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		die_oom(count * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die_oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		abort();
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void *xgrow(void *arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return arr;
	size_t n = *cap ? *cap : 8;
	while (n < need)
		n *= 2;
	arr = xrealloc(arr, n * elem);
	*cap = n;
	return arr;
}

const char *ss_strerror(int err)
{
	switch (err) {
	case SS_OK: return "ok";
	case SS_EINVAL: return "invalid argument";
	case SS_ETOOBIG: return "size limit reached";
	case SS_ENOTFOUND: return "not found";
	case SS_EEXIST: return "already exists";
	case SS_EIO: return "I/O error";
	case SS_ETIMEOUT: return "timed out";
	case SS_EDENIED: return "denied";
	case SS_EABORTED: return "aborted";
	case SS_EUNSUPPORTED: return "unsupported";
	}
	return "unknown error";
}
