#include "base/common.h"
#include "base/buf.h"
#include <ctype.h>
#include "base/str.h"
#include "base/url.h"
#include "engine/module.h"
#include "modules/jsx.h"
#include "modules/matcher.h"
#include "modules/modutil.h"
#include "modules/webpii.h"

/*
 * api: what an API shows to anyone. API descriptions and debug endpoints from
 * rules/probes/api.json (content-matched, soft-404 defended); GraphQL introspection and field
 * suggestions; CORS grants to foreign, null and look-alike origins on the main page and the API
 * endpoints the crawl found; JSON answers holding records of people. Reads only: GET and one
 * introspection query per GraphQL endpoint.
 */

#define API_MAX_ENDPOINTS 8
#define API_BODY_MAX (1024 * 1024)
#define API_FOREIGN_ORIGIN "https://secscan-evil.example"

static const char *const api_graphql_paths[] = {"/graphql", "/api/graphql", "/graphql/v1", "/v1/graphql"};

struct api_ctx {
	struct scan_target *t;
	struct url base;
	struct jsx_list endpoints; /* absolute same-origin URLs of API endpoints */
	struct jsx_list graphql;
};

static void api_add(struct jsx_list *l, const char *url)
{
	jsx_list_add(l, url, strlen(url));
}

/* A string literal of a page or script: kept when it is a same-origin API path ("/api/...", "/graphql"). */
static void api_literal(void *ud, const char *v, size_t n)
{
	struct api_ctx *c = ud;
	if (v[0] != '/' || n < 6 || v[1] == '/')
		return;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("/_.-", v[i]))
			return; /* templates, queries, prose */
	char *path = xstrndup(v, n);
	bool graphql = strstr(path, "graphql") != NULL;
	if ((graphql || str_starts_with(path, "/api/")) && !str_ends_with(path, ".js") && !str_ends_with(path, ".css")) {
		char *abs = url_resolve(&c->base, path);
		if (abs)
			api_add(graphql ? &c->graphql : &c->endpoints, abs);
		free(abs);
	}
	free(path);
}

static void api_collect(struct api_ctx *c, const struct scan_assets *assets)
{
	for (size_t i = 0; i < assets->n; i++) {
		const struct scan_asset *a = &assets->items[i];
		struct url u;
		if (url_parse(a->url, &u))
			continue;
		bool same = !strcmp(u.host, c->base.host) && u.port == c->base.port;
		url_release(&u);
		if (!same)
			continue;
		if (!strcmp(a->kind, "json") && !strchr(a->url, '#'))
			api_add(&c->endpoints, a->url);
		else if (!strcmp(a->kind, "page") || !strcmp(a->kind, "script") || !strcmp(a->kind, "inline-script"))
			jsx_strings(a->body.data ? a->body.data : "", a->body.len, 6, 200, api_literal, c);
	}
	for (size_t i = 0; i < ARRAY_SIZE(api_graphql_paths); i++) {
		char *u = xasprintf("%s%s", c->t->base_url, api_graphql_paths[i]);
		api_add(&c->graphql, u);
		free(u);
	}
}

/* --- CORS --- */

enum { CORS_FOREIGN, CORS_NULL, CORS_PREFIX, CORS_SUFFIX, CORS_NPROBES };

struct cors_probe {
	char origin[320];
	struct http_response *r;
};

static void api_cors_emit(struct scan_target *t, const char *check, const char *url, const char *origin,
			  const struct http_response *r, int severity)
{
	const char *acao = http_header_get(r, "Access-Control-Allow-Origin");
	const char *acac = http_header_get(r, "Access-Control-Allow-Credentials");
	char *ev = xasprintf("Origin: %s -> HTTP %ld, Access-Control-Allow-Origin: %s%s%s", origin, r->status,
			     acao ? acao : "(none)", acac ? ", Access-Control-Allow-Credentials: " : "", acac ? acac : "");
	struct finding_spec spec = {.check = check, .location = url, .evidence = ev, .severity = severity};
	scan_emit(t, "api", &spec);
	free(ev);
}

/* Endpoints whose answer depends on who asks: a wildcard there invites token-carrying clients. */
static bool api_looks_authenticated(const char *url, const struct http_response *r)
{
	const char *vary = http_header_get(r, "Vary");
	if (r->status == 401 || r->status == 403 || http_header_get(r, "WWW-Authenticate") ||
	    (vary && (str_find_nocase(vary, strlen(vary), "authorization") || str_find_nocase(vary, strlen(vary), "cookie"))))
		return true;
	static const char *const words[] = {"/me", "/user", "/account", "/profile", "/private", "/admin", "/session",
					    "/orders", "/billing"};
	const char *path = strstr(url, "://");
	path = path ? strchr(path + 3, '/') : NULL;
	for (size_t i = 0; path && i < ARRAY_SIZE(words); i++)
		if (str_find_nocase(path, strlen(path), words[i]))
			return true;
	return false;
}

/* The four CORS probes' verdicts for one URL, most severe first; one finding per URL at most. */
static void api_cors_judge(struct scan_target *t, const char *url, struct cors_probe *p)
{
	struct cors_verdict v[CORS_NPROBES];
	for (int k = 0; k < CORS_NPROBES; k++) {
		const struct http_response *r = p[k].r;
		memset(&v[k], 0, sizeof(v[k]));
		if (r && !r->err)
			cors_judge(p[k].origin, http_header_get(r, "Access-Control-Allow-Origin"),
				   http_header_get(r, "Access-Control-Allow-Credentials"), &v[k]);
	}
	if (v[CORS_FOREIGN].allowed) {
		if (v[CORS_FOREIGN].credentials)
			api_cors_emit(t, "api.cors-credentials-reflected", url, p[CORS_FOREIGN].origin, p[CORS_FOREIGN].r, -1);
		else
			api_cors_emit(t, "api.cors-origin-reflected", url, p[CORS_FOREIGN].origin, p[CORS_FOREIGN].r, -1);
		return; /* any origin passes: the look-alikes add nothing */
	}
	for (int k = CORS_PREFIX; k <= CORS_SUFFIX; k++)
		if (v[k].allowed) {
			api_cors_emit(t, "api.cors-origin-bypass", url, p[k].origin, p[k].r, v[k].credentials ? -1 : SEV_MEDIUM);
			return;
		}
	if (v[CORS_NULL].allowed) {
		api_cors_emit(t, "api.cors-null-origin", url, "null", p[CORS_NULL].r, v[CORS_NULL].credentials ? SEV_HIGH : -1);
		return;
	}
	if (v[CORS_FOREIGN].wildcard && api_looks_authenticated(url, p[CORS_FOREIGN].r))
		api_cors_emit(t, "api.cors-wildcard-authenticated", url, p[CORS_FOREIGN].origin, p[CORS_FOREIGN].r, -1);
}

/* --- personal data --- */

static void api_pii(struct scan_target *t, const char *url, const struct http_response *r)
{
	struct pii_records rec;
	if (r->err || r->status != 200 || pii_json_records(r->body.data, r->body.len, &rec) || rec.records < 2)
		return;
	char *ev = xasprintf("HTTP 200 without credentials: %zu records with %s (e.g. %s)", rec.records, rec.fields,
			     *rec.sample ? rec.sample : "values redacted");
	modutil_emit(t, "api", "api.pii-unauthenticated", url, rec.fields, ev);
	free(ev);
}

static void api_cors_and_pii(struct api_ctx *c)
{
	struct scan_target *t = c->t;
	size_t nurl = c->endpoints.n + 1;
	const char **urls = xcalloc(nurl, sizeof(*urls));
	urls[0] = t->main && !t->main->err && t->main->url ? t->main->url : t->start_url;
	for (size_t i = 0; i < c->endpoints.n; i++)
		urls[i + 1] = c->endpoints.v[i];
	struct cors_probe(*probes)[CORS_NPROBES] = xcalloc(nurl, sizeof(*probes));
	struct http_batch *b = http_batch_new(scan_http(t));
	const char *scheme = t->https ? "https" : "http";
	for (size_t i = 0; i < nurl; i++) {
		struct cors_probe *p = probes[i];
		str_copy(p[CORS_FOREIGN].origin, sizeof(p[0].origin), API_FOREIGN_ORIGIN);
		str_copy(p[CORS_NULL].origin, sizeof(p[0].origin), "null");
		/* what a check by startsWith/contains passes, and what one by endsWith passes */
		snprintf(p[CORS_PREFIX].origin, sizeof(p[0].origin), "%s://%s.secscan-evil.example", scheme, t->hostname);
		snprintf(p[CORS_SUFFIX].origin, sizeof(p[0].origin), "%s://secscanevil%s", scheme, t->hostname);
		for (int k = 0; k < CORS_NPROBES; k++) {
			char hdr[340];
			snprintf(hdr, sizeof(hdr), "Origin: %s", p[k].origin);
			const char *hdrs[] = {hdr, "Accept: application/json, */*", NULL};
			struct http_request req = {.url = urls[i], .headers = hdrs, .max_body = API_BODY_MAX};
			p[k].r = http_batch_add(b, &req);
		}
	}
	http_batch_wait(b);
	for (size_t i = 0; i < nurl && !scan_aborted(t); i++) {
		api_cors_judge(t, urls[i], probes[i]);
		if (i > 0 && probes[i][CORS_FOREIGN].r)
			api_pii(t, urls[i], probes[i][CORS_FOREIGN].r);
	}
	http_batch_free(b);
	free(probes);
	free(urls);
}

/* --- GraphQL --- */

#define API_INTROSPECTION "{__schema{queryType{name}}}"

static bool api_graphql_schema(const struct http_response *r)
{
	return r && !r->err && r->status == 200 && r->body.len &&
	       str_find(r->body.data, r->body.len, "\"__schema\"") && str_find(r->body.data, r->body.len, "\"queryType\"");
}

/* A GraphQL server's error answer: {"errors": [...]} (any status). */
static bool api_graphql_errors(const struct http_response *r)
{
	return r && !r->err && r->body.len && !matcher_looks_html(r->body.data, r->body.len) &&
	       str_find(r->body.data, MIN(r->body.len, (size_t)4096), "\"errors\"");
}

static void api_graphql(struct api_ctx *c)
{
	struct scan_target *t = c->t;
	struct http_batch *b = http_batch_new(scan_http(t));
	struct http_response *post[API_MAX_ENDPOINTS], *suggest[API_MAX_ENDPOINTS];
	static const char *const json_hdrs[] = {"Content-Type: application/json", "Accept: application/json", NULL};
	static const char intro[] = "{\"query\":\"" API_INTROSPECTION "\"}";
	/* a misspelt field: servers with suggestions on answer 'Did you mean "__typename"?' */
	static const char typo[] = "{\"query\":\"{__typenam}\"}";
	for (size_t i = 0; i < c->graphql.n; i++) {
		struct http_request req = {.url = c->graphql.v[i], .method = "POST", .headers = json_hdrs, .body = intro,
					   .body_len = sizeof(intro) - 1, .max_body = 64 * 1024};
		post[i] = http_batch_add(b, &req);
		req.body = typo;
		req.body_len = sizeof(typo) - 1;
		suggest[i] = http_batch_add(b, &req);
	}
	http_batch_wait(b);
	for (size_t i = 0; i < c->graphql.n && !scan_aborted(t); i++) {
		const char *how = "POST";
		const struct http_response *r = post[i];
		struct http_response *get = NULL;
		if (!api_graphql_schema(r) && !api_graphql_errors(r) && !r->err && r->status != 404) {
			/* some servers take queries only by GET (persisted-query gateways, GET-only routes) */
			char *u = xasprintf("%s%squery=%%7B__schema%%7BqueryType%%7Bname%%7D%%7D%%7D", c->graphql.v[i],
					    strchr(c->graphql.v[i], '?') ? "&" : "?");
			struct http_request req = {.url = u, .headers = json_hdrs + 1, .max_body = 64 * 1024};
			get = http_fetch(scan_http(t), &req);
			free(u);
			r = get;
			how = "GET";
		}
		bool graphql = api_graphql_schema(r) || api_graphql_errors(r) || api_graphql_errors(suggest[i]);
		if (api_graphql_schema(r)) {
			char *ev = xasprintf("%s %s -> HTTP 200 with the schema (\"__schema\": {\"queryType\": ...})", how,
					     API_INTROSPECTION);
			modutil_emit(t, "api", "api.graphql-introspection", c->graphql.v[i], NULL, ev);
			free(ev);
		}
		const struct http_response *s = suggest[i];
		if (graphql && s && !s->err && s->body.len && str_find(s->body.data, MIN(s->body.len, (size_t)8192), "Did you mean")) {
			modutil_emit(t, "api", "api.graphql-suggestions", c->graphql.v[i], NULL,
				     "{__typenam} -> an error answering: Did you mean \"__typename\"?");
		}
		http_response_free(get);
	}
	http_batch_free(b);
}

static void api_run(struct scan_target *t)
{
	modutil_probe_file(t, "api", "probes/api.json");
	if (scan_aborted(t))
		return;
	struct api_ctx c = {.t = t, .endpoints.max = API_MAX_ENDPOINTS, .graphql.max = API_MAX_ENDPOINTS};
	if (url_parse(t->base_url, &c.base))
		return;
	api_collect(&c, scan_crawl(t));
	scan_progress(t, "api", "CORS on %zu endpoints, GraphQL on %zu", c.endpoints.n + 1, c.graphql.n);
	api_cors_and_pii(&c);
	if (!scan_aborted(t))
		api_graphql(&c);
	jsx_list_release(&c.endpoints);
	jsx_list_release(&c.graphql);
	url_release(&c.base);
}

const struct module api_module = {
	.name = "api",
	.summary = "OpenAPI/Swagger and debug endpoints, GraphQL introspection, CORS grants, personal data in JSON",
	.run = api_run,
};
