#include "base/common.h"
#include "modules/csp.h"
#include "base/str.h"

static bool csp_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Parses one directive token [s, e) into p, unless its name is already there. */
static void csp_add_directive(struct csp_policy *p, const char *s, const char *e)
{
	const char *name = s;
	while (s < e && !csp_is_space(*s))
		s++;
	/* A directive name is ALPHA / DIGIT / "-" (CSP3 2.2); anything else is no directive. */
	for (const char *q = name; q < s; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '-'))
			return;
	char *lname = xstrndup(name, (size_t)(s - name));
	for (char *q = lname; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	if (csp_policy_get(p, lname) || p->ndirs >= CSP_MAX_DIRECTIVES) {
		free(lname);
		return;
	}
	struct csp_directive d = {.name = lname};
	size_t cap = 0;
	while (s < e) {
		while (s < e && csp_is_space(*s))
			s++;
		const char *tok = s;
		while (s < e && !csp_is_space(*s))
			s++;
		if (s > tok && d.nsources < CSP_MAX_SOURCES) {
			d.sources = xgrow(d.sources, &cap, d.nsources + 1, sizeof(*d.sources));
			d.sources[d.nsources++] = xstrndup(tok, (size_t)(s - tok));
		}
	}
	p->dirs = xrealloc(p->dirs, (p->ndirs + 1) * sizeof(*p->dirs));
	p->dirs[p->ndirs++] = d;
}

int csp_parse(struct csp *c, const char *text, size_t len)
{
	if (len > CSP_MAX_LEN)
		return SS_ETOOBIG;
	if (len == 0)
		return 0;
	const char *end = text + len;
	const char *pol = text;
	while (c->n < CSP_MAX_POLICIES) {
		const char *pol_end = memchr(pol, ',', (size_t)(end - pol));
		if (!pol_end)
			pol_end = end;
		struct csp_policy p = {0};
		const char *tok = pol;
		for (;;) {
			const char *tok_end = memchr(tok, ';', (size_t)(pol_end - tok));
			if (!tok_end)
				tok_end = pol_end;
			const char *s = tok, *e = tok_end;
			while (s < e && csp_is_space(*s))
				s++;
			while (e > s && csp_is_space(e[-1]))
				e--;
			if (s < e)
				csp_add_directive(&p, s, e);
			if (tok_end == pol_end)
				break;
			tok = tok_end + 1;
		}
		if (p.ndirs) {
			c->policies = xrealloc(c->policies, (c->n + 1) * sizeof(*c->policies));
			c->policies[c->n++] = p;
		}
		if (pol_end == end)
			break;
		pol = pol_end + 1;
	}
	return 0;
}

void csp_release(struct csp *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct csp_policy *p = &c->policies[i];
		for (size_t j = 0; j < p->ndirs; j++) {
			for (size_t k = 0; k < p->dirs[j].nsources; k++)
				free(p->dirs[j].sources[k]);
			free(p->dirs[j].sources);
			free(p->dirs[j].name);
		}
		free(p->dirs);
	}
	free(c->policies);
	c->policies = NULL;
	c->n = 0;
}

const struct csp_directive *csp_policy_get(const struct csp_policy *p, const char *name)
{
	for (size_t i = 0; i < p->ndirs; i++)
		if (!strcmp(p->dirs[i].name, name))
			return &p->dirs[i];
	return NULL;
}

const struct csp_directive *csp_policy_effective(const struct csp_policy *p, const char *name)
{
	const struct csp_directive *d = csp_policy_get(p, name);
	return d ? d : csp_policy_get(p, "default-src");
}

bool csp_directive_has(const struct csp_directive *d, const char *source)
{
	for (size_t i = 0; d && i < d->nsources; i++)
		if (!strcasecmp(d->sources[i], source))
			return true;
	return false;
}

/* 'nonce-…' or 'sha256-…' sources: with one present, browsers ignore 'unsafe-inline'. */
static bool csp_has_nonce_or_hash(const struct csp_directive *d)
{
	for (size_t i = 0; i < d->nsources; i++) {
		const char *s = d->sources[i];
		if (str_starts_with_nocase(s, "'nonce-") || str_starts_with_nocase(s, "'sha256-") ||
		    str_starts_with_nocase(s, "'sha384-") || str_starts_with_nocase(s, "'sha512-"))
			return true;
	}
	return false;
}

/* A source that admits script from anywhere (or over plain HTTP); NULL if none. */
static const char *csp_loose_script_source(const struct csp_directive *d)
{
	/* With 'strict-dynamic', CSP3 browsers ignore host and scheme sources altogether. */
	if (csp_directive_has(d, "'strict-dynamic'"))
		return NULL;
	static const char *const loose[] = {"*", "http:", "https:", "data:", "blob:", "filesystem:"};
	for (size_t i = 0; i < d->nsources; i++) {
		const char *s = d->sources[i];
		for (size_t k = 0; k < ARRAY_SIZE(loose); k++)
			if (!strcasecmp(s, loose[k]))
				return s;
		if (str_starts_with_nocase(s, "http://"))
			return s;
	}
	return NULL;
}

void csp_assess(const struct csp *c, struct csp_assessment *out)
{
	memset(out, 0, sizeof(*out));
	/* Policies are enforced together: a weakness counts only if every policy that restricts
	 * scripts has it. Start from "all weak" and clear on the first strong policy. */
	bool inline_all = true, eval_all = true, loose_all = true;
	const char *loose_first = NULL;
	for (size_t i = 0; i < c->n; i++) {
		const struct csp_policy *p = &c->policies[i];
		const struct csp_directive *script = csp_policy_effective(p, "script-src");
		if (script) {
			out->restricts_scripts = true;
			if (!csp_directive_has(script, "'unsafe-inline'") || csp_has_nonce_or_hash(script) ||
			    csp_directive_has(script, "'strict-dynamic'"))
				inline_all = false;
			if (!csp_directive_has(script, "'unsafe-eval'"))
				eval_all = false;
			const char *loose = csp_loose_script_source(script);
			if (!loose)
				loose_all = false;
			else if (!loose_first)
				loose_first = loose;
		}
		const struct csp_directive *obj = csp_policy_effective(p, "object-src");
		if (obj && !csp_directive_has(obj, "*"))
			out->restricts_objects = true;
		if (csp_policy_get(p, "base-uri"))
			out->restricts_base_uri = true;
		const struct csp_directive *fa = csp_policy_get(p, "frame-ancestors");
		if (fa && !csp_directive_has(fa, "*"))
			out->frame_ancestors = true;
	}
	if (out->restricts_scripts) {
		out->unsafe_inline = inline_all;
		out->unsafe_eval = eval_all;
		out->loose_source = loose_all ? loose_first : NULL;
	}
}
