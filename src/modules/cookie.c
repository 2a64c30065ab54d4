#include "base/common.h"
#include "modules/cookie.h"
#include "base/str.h"
#include <jansson.h>

static bool cookie_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* [s, e) with white space cut from both ends. */
static void cookie_trim(const char **s, const char **e)
{
	while (*s < *e && cookie_is_wsp(**s))
		(*s)++;
	while (*e > *s && cookie_is_wsp((*e)[-1]))
		(*e)--;
}

static bool cookie_attr_is(const char *s, const char *e, const char *name)
{
	size_t n = strlen(name);
	return (size_t)(e - s) == n && !strncasecmp(s, name, n);
}

#define COOKIE_MAX_AGE_CLAMP 315360000L /* ten years */

/* The first run of exactly four digits in [s, e) as a year (RFC 6265 5.1.1 accepts it anywhere). */
static int cookie_year(const char *s, const char *e)
{
	for (const char *p = s; p < e; p++) {
		const char *q = p;
		while (q < e && *q >= '0' && *q <= '9')
			q++;
		if (q - p == 4 && (p == s || p[-1] < '0' || p[-1] > '9'))
			return (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
		if (q > p)
			p = q;
	}
	return 0;
}

static void cookie_attribute(struct cookie *c, const char *s, const char *e)
{
	const char *eq = memchr(s, '=', (size_t)(e - s));
	const char *ne = eq ? eq : e, *vs = eq ? eq + 1 : e, *ve = e;
	cookie_trim(&s, &ne);
	cookie_trim(&vs, &ve);
	size_t vlen = (size_t)(ve - vs);

	if (cookie_attr_is(s, ne, "secure")) {
		c->secure = true;
	} else if (cookie_attr_is(s, ne, "httponly")) {
		c->httponly = true;
	} else if (cookie_attr_is(s, ne, "partitioned")) {
		c->partitioned = true;
	} else if (cookie_attr_is(s, ne, "expires")) {
		c->has_expires = vlen > 0;
		c->expires_year = cookie_year(vs, ve);
	} else if (cookie_attr_is(s, ne, "max-age")) {
		/* RFC 6265 5.2.2: digits with an optional leading '-', else the attribute is ignored. */
		const char *p = vs;
		bool neg = p < ve && *p == '-';
		if (neg)
			p++;
		bool digits = p < ve;
		long v = 0;
		for (; p < ve; p++) {
			if (*p < '0' || *p > '9')
				digits = false;
			else if (v < COOKIE_MAX_AGE_CLAMP)
				v = v * 10 + (*p - '0');
		}
		if (digits) {
			c->has_max_age = true;
			v = MIN(v, COOKIE_MAX_AGE_CLAMP);
			c->max_age = neg ? -v : v;
		}
	} else if (cookie_attr_is(s, ne, "domain")) {
		if (vlen && *vs == '.') {
			vs++;
			vlen--;
		}
		if (vlen) {
			free(c->domain);
			c->domain = str_lower(xstrndup(vs, vlen));
		}
	} else if (cookie_attr_is(s, ne, "path")) {
		free(c->path);
		c->path = (vlen && *vs == '/') ? xstrndup(vs, vlen) : NULL;
	} else if (cookie_attr_is(s, ne, "samesite")) {
		if (cookie_attr_is(vs, ve, "none"))
			c->samesite = COOKIE_SAMESITE_NONE;
		else if (cookie_attr_is(vs, ve, "lax"))
			c->samesite = COOKIE_SAMESITE_LAX;
		else if (cookie_attr_is(vs, ve, "strict"))
			c->samesite = COOKIE_SAMESITE_STRICT;
		else
			c->samesite = COOKIE_SAMESITE_INVALID;
	}
}

int cookie_parse(struct cookie *c, const char *text, size_t len)
{
	memset(c, 0, sizeof(*c));
	if (len > COOKIE_MAX_LEN)
		return SS_ETOOBIG;
	/* RFC 6265bis 5.6 step 1: a control character (other than tab) voids the cookie. */
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return SS_EINVAL;
	}
	const char *end = text + len;
	const char *semi = len ? memchr(text, ';', len) : NULL;
	const char *nv_end = semi ? semi : end;
	const char *eq = len ? memchr(text, '=', (size_t)(nv_end - text)) : NULL;
	/* Without '=', the whole pair is a value with an empty name: nothing we can name. */
	if (!eq)
		return SS_EINVAL;
	const char *ns = text, *ne = eq, *vs = eq + 1, *ve = nv_end;
	cookie_trim(&ns, &ne);
	cookie_trim(&vs, &ve);
	if (ns == ne)
		return SS_EINVAL;
	c->name = xstrndup(ns, (size_t)(ne - ns));
	c->value_len = (size_t)(ve - vs);

	const char *a = semi;
	while (a) {
		a++;
		const char *next = memchr(a, ';', (size_t)(end - a));
		cookie_attribute(c, a, next ? next : end);
		a = next;
	}
	return 0;
}

void cookie_release(struct cookie *c)
{
	free(c->name);
	free(c->domain);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

void cookie_describe(const struct cookie *c, struct buf *out)
{
	static const char *const samesite[] = {NULL, "None", "Lax", "Strict", "(invalid)"};
	buf_appendf(out, "%s=<hidden>", c->name);
	if (c->domain)
		buf_appendf(out, "; Domain=%s", c->domain);
	if (c->path)
		buf_appendf(out, "; Path=%s", c->path);
	if (c->has_max_age)
		buf_appends(out, "; Max-Age");
	else if (c->has_expires)
		buf_appends(out, "; Expires");
	if (c->secure)
		buf_appends(out, "; Secure");
	if (c->httponly)
		buf_appends(out, "; HttpOnly");
	if (samesite[c->samesite])
		buf_appendf(out, "; SameSite=%s", samesite[c->samesite]);
	if (c->partitioned)
		buf_appends(out, "; Partitioned");
}

bool cookie_is_deletion(const struct cookie *c, int now_year)
{
	/* Max-Age wins over Expires when both are there (RFC 6265 5.3 step 3). */
	if (c->has_max_age)
		return c->max_age <= 0;
	return c->has_expires && c->expires_year && c->expires_year < now_year;
}

bool cookie_domain_is_parent(const struct cookie *c, const char *hostname)
{
	if (!c->domain)
		return false;
	size_t d = strlen(c->domain), h = strlen(hostname);
	return h > d + 1 && hostname[h - d - 1] == '.' && !strcasecmp(hostname + h - d, c->domain);
}

const char *cookie_prefix_violation(const struct cookie *c)
{
	/* Browsers match the prefixes case-insensitively (RFC 6265bis 5.7 step 20). */
	if (str_starts_with_nocase(c->name, "__Host-")) {
		if (!c->secure)
			return "__Host- cookie without Secure";
		if (c->domain)
			return "__Host- cookie with a Domain attribute";
		if (!c->path || strcmp(c->path, "/"))
			return "__Host- cookie without Path=/";
	} else if (str_starts_with_nocase(c->name, "__Secure-") && !c->secure) {
		return "__Secure- cookie without Secure";
	}
	return NULL;
}

static int cookie_names_list(const json_t *root, const char *key, char ***out, size_t *n)
{
	const json_t *arr = json_object_get(root, key);
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return SS_EINVAL;
	*out = xcalloc(json_array_size(arr) + 1, sizeof(**out));
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || !json_string_length(v))
			return SS_EINVAL;
		(*out)[(*n)++] = str_lower(xstrdup(json_string_value(v)));
	}
	return 0;
}

int cookie_names_parse(struct cookie_names *n, const char *text, size_t len)
{
	memset(n, 0, sizeof(*n));
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	int err = SS_EINVAL;
	if (!json_is_object(root))
		goto out;
	if ((err = cookie_names_list(root, "exact", &n->exact, &n->nexact)) ||
	    (err = cookie_names_list(root, "prefix", &n->prefix, &n->nprefix)) ||
	    (err = cookie_names_list(root, "suffix", &n->suffix, &n->nsuffix)) ||
	    (err = cookie_names_list(root, "contains", &n->contains, &n->ncontains)) ||
	    (err = cookie_names_list(root, "exclude", &n->exclude, &n->nexclude)))
		goto out;
out:
	json_decref(root);
	if (err)
		cookie_names_release(n);
	return err;
}

static void cookie_free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void cookie_names_release(struct cookie_names *n)
{
	cookie_free_list(n->exact, n->nexact);
	cookie_free_list(n->prefix, n->nprefix);
	cookie_free_list(n->suffix, n->nsuffix);
	cookie_free_list(n->contains, n->ncontains);
	cookie_free_list(n->exclude, n->nexclude);
	memset(n, 0, sizeof(*n));
}

bool cookie_names_is_session(const struct cookie_names *n, const char *name)
{
	char *l = str_lower(xstrdup(name));
	/* The prefixes are the browser's, not the application's: look at the name behind them. */
	const char *base = l;
	if (str_starts_with(base, "__host-"))
		base += 7;
	else if (str_starts_with(base, "__secure-"))
		base += 9;
	bool hit = false, excluded = false;
	for (size_t i = 0; !excluded && i < n->nexclude; i++)
		excluded = strstr(base, n->exclude[i]) != NULL;
	for (size_t i = 0; !hit && i < n->nexact; i++)
		hit = !strcmp(base, n->exact[i]);
	for (size_t i = 0; !hit && i < n->nprefix; i++)
		hit = str_starts_with(base, n->prefix[i]);
	for (size_t i = 0; !hit && i < n->nsuffix; i++)
		hit = str_ends_with(base, n->suffix[i]);
	for (size_t i = 0; !hit && i < n->ncontains; i++)
		hit = strstr(base, n->contains[i]) != NULL;
	free(l);
	return hit && !excluded;
}
