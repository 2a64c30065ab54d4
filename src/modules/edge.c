#include "base/common.h"
#include "base/str.h"
#include "engine/module.h"
#include "engine/stack.h"
#include "modules/cookie.h"
#include "modules/matcher.h"
#include "modules/modutil.h"

/*
 * edge-infra: what sits between the visitor and the app. The CDN or WAF (from the fingerprints
 * of rules/fingerprints/stack.json that name one), answers with cookies that the edge may cache
 * and hand to the next visitor, and a WAF challenge page answering instead of the app (the scan
 * then saw less than a visitor does; rules/probes/edge.json). Reads the main answer only.
 *
 * Not done: reaching the origin directly needs the origin's address (DNS history, leaked
 * headers), which secscan cannot learn reliably without third-party data; no guess is made.
 * The missing HTTP-to-HTTPS redirect is headers.https-redirect-missing.
 */

static void edge_cdn(struct scan_target *t, const struct http_response *r)
{
	char name[64], why[300];
	if (!stack_cdn(r, name, sizeof(name), why, sizeof(why)))
		return;
	modutil_emit(t, "edge-infra", "edge.cdn-detected", NULL, name, why);
}

/* max-age/s-maxage value of a Cache-Control directive, or -1. */
static long edge_directive(const char *cc, const char *name)
{
	const char *p = str_find_nocase(cc, strlen(cc), name);
	long v = -1;
	if (!p || p[strlen(name)] != '=')
		return -1;
	char num[24];
	size_t n = strspn(p + strlen(name) + 1, "0123456789");
	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, p + strlen(name) + 1, n);
	num[n] = '\0';
	if (str_to_long(num, 0, LONG_MAX, &v))
		return -1;
	return v;
}

/* A response that sets a cookie but that shared caches may store and serve to others. */
static void edge_cacheable(struct scan_target *t, const struct http_response *r)
{
	const char *cc = http_header_get(r, "Cache-Control");
	const char *sc = NULL, *v;
	for (size_t i = 0; !sc && (v = http_header_get_nth(r, "Set-Cookie", i)); i++) {
		struct cookie c;
		if (cookie_parse(&c, v, strlen(v)))
			continue;
		if (!cookie_is_deletion(&c, modutil_year()) && c.value_len)
			sc = v;
		cookie_release(&c);
	}
	if (!cc || !sc || str_find_nocase(cc, strlen(cc), "private") || str_find_nocase(cc, strlen(cc), "no-store"))
		return;
	long smax = edge_directive(cc, "s-maxage");
	bool shared = smax > 0 || (str_find_nocase(cc, strlen(cc), "public") && edge_directive(cc, "max-age") > 0);
	if (!shared)
		return;
	/* an edge that says it served a stored copy proves the cookie goes to whoever asks next */
	const char *hit = NULL, *names[] = {"X-Cache", "CF-Cache-Status", "X-Vercel-Cache", "X-Nextjs-Cache", "Age"};
	for (size_t i = 0; i < ARRAY_SIZE(names) && !hit; i++) {
		const char *h = http_header_get(r, names[i]);
		if (h && (i == ARRAY_SIZE(names) - 1 ? strcmp(h, "0") != 0 : str_find_nocase(h, strlen(h), "hit") != NULL))
			hit = names[i];
	}
	char cname[64];
	snprintf(cname, sizeof(cname), "%.*s", (int)MIN(strcspn(sc, "="), (size_t)63), sc);
	char *ev = xasprintf("Set-Cookie: %s=<hidden> with Cache-Control: %.200s%s%s%s", cname, cc, hit ? "; " : "",
			     hit ? hit : "", hit ? ": " : "");
	if (hit) {
		char *full = xasprintf("%s%.60s", ev, http_header_get(r, hit));
		free(ev);
		ev = full;
	}
	struct finding_spec spec = {.check = "edge.private-cacheable", .location = r->url, .detail = cname,
				    .evidence = ev, .severity = hit ? -1 : SEV_MEDIUM};
	scan_emit(t, "edge-infra", &spec);
	free(ev);
}

static void edge_challenge(struct scan_target *t, const struct http_response *r)
{
	struct probe_list l;
	if (modutil_probe_list(&l, "probes/edge.json"))
		return;
	for (size_t i = 0; i < l.n; i++) {
		const struct probe *p = &l.items[i];
		if (!p->path && matcher_test(&p->match, r->status, r->body.data, r->body.len)) {
			modutil_emit_probe(t, "edge-infra", p, r, r->body.len, r->url, p->detail);
			break;
		}
	}
	probe_list_release(&l);
}

static void edge_run(struct scan_target *t)
{
	const struct http_response *r = t->main;
	if (!r || r->err)
		return;
	edge_cdn(t, r);
	edge_cacheable(t, r);
	edge_challenge(t, r);
}

const struct module edge_module = {
	.name = "edge-infra",
	.summary = "CDN/WAF detection, cookies in shared-cacheable answers, WAF challenge pages answering instead of the app",
	.run = edge_run,
};
