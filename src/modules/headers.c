#include "base/common.h"
#include "base/buf.h"
#include "base/str.h"
#include "engine/module.h"
#include "modules/csp.h"
#include "modules/modutil.h"

/*
 * headers: the browser protections a site's responses ask for (HSTS, CSP, nosniff, framing,
 * referrer, permissions, cross-origin isolation) and whether plain HTTP redirects to HTTPS.
 * Everything is read from the target context; the module sends no request of its own.
 */

#define HSTS_MIN_AGE 15552000L /* six months, in seconds */
#define HEADERS_EVIDENCE_VALUE 300

static void headers_emit(struct scan_target *t, const char *check, const char *detail, const char *evidence)
{
	modutil_emit(t, "headers", check, NULL, detail, evidence);
}

/* "Name: value" (value cut) for evidence. */
static char *headers_show(const char *name, const char *value)
{
	char *cut = str_truncate_utf8(value, HEADERS_EVIDENCE_VALUE);
	char *s = xasprintf("%s: %s", name, cut);
	free(cut);
	return s;
}

static char *headers_absent(const struct http_response *r, const char *what)
{
	return xasprintf("%s (HTTP %ld) has no %s", r->url ? r->url : "the response", r->status, what);
}

/* Reads max-age and includeSubDomains of a Strict-Transport-Security value; max_age -1 if absent. */
static void headers_hsts_parse(const char *value, long *max_age, bool *subdomains)
{
	*max_age = -1;
	*subdomains = false;
	char *copy = xstrdup(value);
	for (char *save = NULL, *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char *d = str_trim(tok);
		if (!strcasecmp(d, "includeSubDomains")) {
			*subdomains = true;
		} else if (str_starts_with_nocase(d, "max-age")) {
			char *v = strchr(d, '=');
			if (!v)
				continue;
			v = str_trim(v + 1);
			size_t n = strlen(v);
			if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
				v[n - 1] = '\0';
				v++;
			}
			long age;
			if (!str_to_long(v, 0, LONG_MAX, &age))
				*max_age = age;
		}
	}
	free(copy);
}

static void headers_hsts(struct scan_target *t, const struct http_response *r)
{
	const char *v = http_header_get(r, "Strict-Transport-Security");
	if (!v) {
		char *ev = headers_absent(r, "Strict-Transport-Security header");
		headers_emit(t, "headers.hsts-missing", NULL, ev);
		free(ev);
		return;
	}
	long age;
	bool sub;
	headers_hsts_parse(v, &age, &sub);
	char *ev = headers_show("Strict-Transport-Security", v);
	if (age <= 0) /* max-age=0 tells browsers to forget HSTS: as good as none */
		headers_emit(t, "headers.hsts-missing", NULL, ev);
	else if (age < HSTS_MIN_AGE)
		headers_emit(t, "headers.hsts-short", NULL, ev);
	if (age > 0 && !sub)
		headers_emit(t, "headers.hsts-no-subdomains", NULL, ev);
	free(ev);
}

/* Parses every value of a (repeatable) header into c; the values joined with ", " go to shown. */
static void headers_csp_collect(const struct http_response *r, const char *name, struct csp *c, struct buf *shown)
{
	const char *v;
	for (size_t i = 0; (v = http_header_get_nth(r, name, i)); i++) {
		csp_parse(c, v, strlen(v));
		if (shown->len)
			buf_appends(shown, ", ");
		buf_appends(shown, v);
	}
}

/* The CSP checks; returns whether an enforced frame-ancestors protects the page. */
static bool headers_csp(struct scan_target *t, const struct http_response *r)
{
	struct csp c = {0};
	struct buf shown, meta;
	buf_init(&shown, 64 * 1024);
	buf_init(&meta, 64 * 1024);
	headers_csp_collect(r, "Content-Security-Policy", &c, &shown);
	struct csp_assessment header_only;
	csp_assess(&c, &header_only);
	/* A <meta> policy also binds the page (frame-ancestors excepted, which is why header_only). */
	const char *name = "Content-Security-Policy";
	if (modutil_html_meta(r->body.data, r->body.len, "http-equiv", "Content-Security-Policy", &meta)) {
		csp_parse(&c, meta.data, meta.len);
		if (!shown.len)
			name = "<meta http-equiv=\"Content-Security-Policy\">";
		if (shown.len)
			buf_appends(&shown, ", ");
		buf_append(&shown, meta.data, meta.len);
	}

	if (c.n == 0) {
		const char *ro = http_header_get(r, "Content-Security-Policy-Report-Only");
		char *ev = ro ? headers_show("Content-Security-Policy-Report-Only", ro)
			      : headers_absent(r, "Content-Security-Policy header");
		headers_emit(t, ro ? "headers.csp-report-only" : "headers.csp-missing", NULL, ev);
		free(ev);
		goto out;
	}
	struct csp_assessment a;
	csp_assess(&c, &a);
	char *ev = headers_show(name, buf_str(&shown));
	if (!a.restricts_scripts) {
		headers_emit(t, "headers.csp-no-script-policy", NULL, ev);
	} else {
		if (a.unsafe_inline)
			headers_emit(t, "headers.csp-unsafe-inline", NULL, ev);
		if (a.unsafe_eval)
			headers_emit(t, "headers.csp-unsafe-eval", NULL, ev);
		if (a.loose_source)
			headers_emit(t, "headers.csp-loose-source", a.loose_source, ev);
	}
	if (!a.restricts_objects)
		headers_emit(t, "headers.csp-object-src-missing", NULL, ev);
	if (!a.restricts_base_uri)
		headers_emit(t, "headers.csp-base-uri-missing", NULL, ev);
	free(ev);
out:
	csp_release(&c);
	buf_release(&shown);
	buf_release(&meta);
	return header_only.frame_ancestors;
}

static void headers_frame(struct scan_target *t, const struct http_response *r, bool frame_ancestors)
{
	const char *xfo = http_header_get(r, "X-Frame-Options");
	if (frame_ancestors)
		return;
	if (xfo && (!strcasecmp(xfo, "DENY") || !strcasecmp(xfo, "SAMEORIGIN")))
		return;
	/* ALLOW-FROM and anything else are ignored by current browsers. */
	char *ev = xfo ? xasprintf("X-Frame-Options: %s is not understood by browsers, and no CSP frame-ancestors", xfo)
		       : headers_absent(r, "X-Frame-Options header and no CSP frame-ancestors");
	headers_emit(t, "headers.frame-protection-missing", NULL, ev);
	free(ev);
}

static void headers_xcto(struct scan_target *t, const struct http_response *r)
{
	const char *v = http_header_get(r, "X-Content-Type-Options");
	if (v && !strcasecmp(v, "nosniff"))
		return;
	char *ev = v ? headers_show("X-Content-Type-Options", v) : headers_absent(r, "X-Content-Type-Options header");
	headers_emit(t, "headers.xcto-missing", NULL, ev);
	free(ev);
}

/* The policy browsers apply: the last token of the list they know. */
static const char *headers_referrer_effective(const char *value, char *out, size_t n)
{
	static const char *const known[] = {"no-referrer", "no-referrer-when-downgrade", "origin",
					    "origin-when-cross-origin", "same-origin", "strict-origin",
					    "strict-origin-when-cross-origin", "unsafe-url"};
	const char *found = NULL;
	char *copy = xstrdup(value);
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *p = str_trim(tok);
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			if (!strcasecmp(p, known[i]))
				found = known[i];
	}
	free(copy);
	if (!found)
		return NULL;
	str_copy(out, n, found);
	return out;
}

static void headers_referrer(struct scan_target *t, const struct http_response *r)
{
	struct buf meta;
	buf_init(&meta, 4096);
	const char *v = http_header_get(r, "Referrer-Policy");
	const char *shown = "Referrer-Policy";
	if (modutil_html_meta(r->body.data, r->body.len, "name", "referrer", &meta)) {
		/* A <meta name="referrer"> overrides the header for the document. */
		v = buf_str(&meta);
		shown = "<meta name=\"referrer\">";
	}
	char policy[64];
	if (!v || !headers_referrer_effective(v, policy, sizeof(policy))) {
		char *ev = v ? headers_show(shown, v) : headers_absent(r, "Referrer-Policy header");
		headers_emit(t, "headers.referrer-policy-missing", NULL, ev);
		free(ev);
	} else if (!strcmp(policy, "unsafe-url") || !strcmp(policy, "no-referrer-when-downgrade")) {
		char *ev = headers_show(shown, v);
		headers_emit(t, "headers.referrer-policy-unsafe", policy, ev);
		free(ev);
	}
	buf_release(&meta);
}

/* Emits check when none of the named headers is present. */
static void headers_require(struct scan_target *t, const struct http_response *r, const char *check,
			    const char *name, const char *alt)
{
	if (http_header_get(r, name) || (alt && http_header_get(r, alt)))
		return;
	char *what = xasprintf("%s header", name);
	char *ev = headers_absent(r, what);
	headers_emit(t, check, NULL, ev);
	free(ev);
	free(what);
}

/*
 * Only a site that answers over HTTPS can be asked to redirect to it; an HTTP-only site gets one
 * finding, the tls module's https-missing, not a second one here.
 */
static void headers_https_redirect(struct scan_target *t)
{
	const struct http_response *p = t->plain;
	if (!t->https || !p || p->err || p->status < 200 || p->status >= 300)
		return;
	/* Some hosts (static buckets, old panels) redirect with a page instead of a 3xx. */
	struct buf refresh;
	buf_init(&refresh, 4096);
	bool to_https = modutil_html_meta(p->body.data, p->body.len, "http-equiv", "refresh", &refresh) &&
			str_find_nocase(buf_str(&refresh), refresh.len, "https://");
	buf_release(&refresh);
	if (to_https)
		return;
	char *ev = xasprintf("%s answered HTTP %ld over plain HTTP instead of redirecting to https://",
			     p->url ? p->url : "http://", p->status);
	headers_emit(t, "headers.https-redirect-missing", NULL, ev);
	free(ev);
}

static void headers_run(struct scan_target *t)
{
	const struct http_response *r = t->main;
	if (r && !r->err) {
		bool https = r->url ? str_starts_with_nocase(r->url, "https://") : t->https;
		if (https)
			headers_hsts(t, r);
		headers_xcto(t, r);
		/* The document protections mean nothing on an image, a JSON API or a download. */
		if (modutil_is_html(r)) {
			bool frame_ancestors = headers_csp(t, r);
			headers_frame(t, r, frame_ancestors);
			headers_referrer(t, r);
			headers_require(t, r, "headers.permissions-policy-missing", "Permissions-Policy", "Feature-Policy");
			headers_require(t, r, "headers.coop-missing", "Cross-Origin-Opener-Policy", NULL);
			headers_require(t, r, "headers.corp-missing", "Cross-Origin-Resource-Policy", NULL);
		}
	}
	headers_https_redirect(t);
}

const struct module headers_module = {
	.name = "headers",
	.summary = "HSTS, CSP quality, nosniff, framing, Referrer-Policy, Permissions-Policy, COOP/CORP, HTTPS redirect",
	.run = headers_run,
};
