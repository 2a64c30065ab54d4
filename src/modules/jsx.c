#include "base/common.h"
#include "modules/jsx.h"

static bool jsx_ident_char(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' || c == '$';
}

static bool jsx_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Reads the literal opening at text[i] (a quote) and returns the offset just past its closing
 * quote, or 0 when it is no plain literal: a raw line break, a template substitution or more than
 * max bytes. *vs and *vl receive the value, escapes left as written.
 */
static size_t jsx_literal(const char *text, size_t len, size_t i, size_t max, size_t *vs, size_t *vl)
{
	char q = text[i];
	if (q != '"' && q != '\'' && q != '`')
		return 0;
	size_t start = i + 1;
	for (size_t j = start; j < len && j - start <= max; j++) {
		char c = text[j];
		if (c == q) {
			*vs = start;
			*vl = j - start;
			return j + 1;
		}
		if (c == '\\') {
			/* a line continuation is a line break all the same */
			if (j + 1 < len && (text[j + 1] == '\n' || text[j + 1] == '\r'))
				return 0;
			j++;
			continue;
		}
		if (c == '\n' || c == '\r' || (q == '`' && c == '$' && j + 1 < len && text[j + 1] == '{'))
			return 0;
	}
	return 0;
}

static size_t jsx_skip_ws(const char *text, size_t len, size_t i)
{
	while (i < len && jsx_ws(text[i]))
		i++;
	return i;
}

/* The offset of the next needle at or after *pos (then *pos moves past its first byte), or len. */
static size_t jsx_next(const char *text, size_t len, size_t *pos, const char *needle, size_t nlen)
{
	if (nlen == 0 || *pos >= len || len - *pos < nlen)
		return len;
	const char *hit = memmem(text + *pos, len - *pos, needle, nlen);
	if (!hit)
		return len;
	*pos = (size_t)(hit - text) + 1;
	return (size_t)(hit - text);
}

/* Reports the literal at text[i] (after blanks) to fn, if there is one. */
static void jsx_emit_literal(const char *text, size_t len, size_t i, size_t max, jsx_fn fn, void *ud)
{
	size_t vs, vl;
	i = jsx_skip_ws(text, len, i);
	if (i < len && jsx_literal(text, len, i, max, &vs, &vl))
		fn(ud, text + vs, vl);
}

void jsx_key_values(const char *text, size_t len, const char *key, size_t max, jsx_fn fn, void *ud)
{
	size_t klen = strlen(key);
	for (size_t pos = 0, at; (at = jsx_next(text, len, &pos, key, klen)) < len;) {
		size_t i = at + klen;
		if (at > 0 && jsx_ident_char(text[at - 1]))
			continue;
		if (i < len && jsx_ident_char(text[i]))
			continue;
		/* a quoted key closes with the quote that opened it */
		if (at > 0 && (text[at - 1] == '"' || text[at - 1] == '\'')) {
			if (i >= len || text[i] != text[at - 1])
				continue;
			i++;
		}
		i = jsx_skip_ws(text, len, i);
		if (i >= len || (text[i] != ':' && text[i] != '='))
			continue;
		jsx_emit_literal(text, len, i + 1, max, fn, ud);
	}
}

void jsx_call_args(const char *text, size_t len, const char *callee, bool skip_upper, size_t max, jsx_fn fn,
		   void *ud)
{
	size_t clen = strlen(callee);
	for (size_t pos = 0, at; (at = jsx_next(text, len, &pos, callee, clen)) < len;) {
		if (jsx_ident_char(callee[0]) && at > 0 && (jsx_ident_char(text[at - 1]) || text[at - 1] == '.'))
			continue; /* "prefetch(" is not "fetch(", "x.fetch(" is a method */
		if (skip_upper && callee[0] == '.') {
			size_t r = at;
			while (r > 0 && jsx_ident_char(text[r - 1]))
				r--;
			if (r < at && text[r] >= 'A' && text[r] <= 'Z')
				continue;
		}
		jsx_emit_literal(text, len, at + clen, max, fn, ud);
	}
}

void jsx_strings(const char *text, size_t len, size_t min, size_t max, jsx_fn fn, void *ud)
{
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c != '"' && c != '\'' && c != '`')
			continue;
		size_t vs, vl, end = jsx_literal(text, len, i, max, &vs, &vl);
		if (!end)
			continue; /* not a plain literal here: look for the next quote */
		if (vl >= min)
			fn(ud, text + vs, vl);
		i = end - 1;
	}
}

bool jsx_list_has(const struct jsx_list *l, const char *s, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && memcmp(l->v[i], s, len) == 0)
			return true;
	return false;
}

bool jsx_list_add(struct jsx_list *l, const char *s, size_t len)
{
	if (l->n >= l->max || jsx_list_has(l, s, len))
		return false;
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrndup(s, len);
	return true;
}

void jsx_list_release(struct jsx_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
