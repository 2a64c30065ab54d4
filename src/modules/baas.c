#include "base/common.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/module.h"
#include "modules/baas_parse.h"
#include "modules/keyscan.h"
#include "modules/modutil.h"
#include <jansson.h>
#include <pthread.h>

/*
 * baas: the backends-as-a-service the client code names (Firebase, Supabase), checked read-only
 * the way an attacker would first try them: an anonymous read of the Realtime Database root, a
 * one-document Firestore list, a one-object Storage list, and Supabase tables read through
 * PostgREST with the public key only (limit=1; column names are reported, never values). A
 * service_role key is never used.
 */

#define BAAS_BODY_MAX (256 * 1024)
#define BAAS_MAX_KEYS 3

/* Request templates of rules/baas/endpoints.json. */
struct baas_endpoints {
	char *rtdb, *firestore, *storage, *openapi, *table;
	long max_tables;
};

static struct baas_endpoints baas_ep;
static bool baas_ep_ok;
static pthread_once_t baas_once = PTHREAD_ONCE_INIT;

static char *baas_ep_get(json_t *doc, const char *group, const char *key)
{
	const char *s = json_string_value(json_object_get(json_object_get(doc, group), key));
	return s ? xstrdup(s) : NULL;
}

static void baas_load(void)
{
	size_t len;
	const char *text = modutil_rule("baas/endpoints.json", &len);
	json_t *doc = text ? json_loadb(text, len, 0, NULL) : NULL;
	baas_ep.rtdb = baas_ep_get(doc, "firebase", "rtdb");
	baas_ep.firestore = baas_ep_get(doc, "firebase", "firestore");
	baas_ep.storage = baas_ep_get(doc, "firebase", "storage");
	baas_ep.openapi = baas_ep_get(doc, "supabase", "openapi");
	baas_ep.table = baas_ep_get(doc, "supabase", "table");
	json_t *mt = json_object_get(json_object_get(doc, "supabase"), "max_tables");
	baas_ep.max_tables = json_is_integer(mt) ? (long)json_integer_value(mt) : 20;
	baas_ep_ok = baas_ep.rtdb && baas_ep.firestore && baas_ep.storage && baas_ep.openapi && baas_ep.table;
	if (!baas_ep_ok)
		log_error("baas: rules/baas/endpoints.json is missing or incomplete");
	json_decref(doc);
}

/* tmpl with every {name} replaced by value; caller frees. */
static char *baas_fill(const char *tmpl, const char *name, const char *value)
{
	struct buf b;
	char tag[32];
	snprintf(tag, sizeof(tag), "{%s}", name);
	buf_init(&b, 64 * 1024);
	for (const char *p = tmpl; *p;) {
		if (str_starts_with(p, tag)) {
			buf_appends(&b, value);
			p += strlen(tag);
		} else {
			buf_appendc(&b, *p++);
		}
	}
	return buf_detach(&b, NULL);
}

/* A Supabase key found in the client code. */
struct baas_key {
	char *value;
	char redacted[48];
	char hash[65];
	bool jwt;
};

struct baas_scan {
	struct scan_target *t;
	struct baas_key pub[BAAS_MAX_KEYS];
	size_t npub;
	bool report_service; /* no secret-scan module in the run to report it */
};

static void baas_on_key(void *ud, const struct scan_asset *a, const struct secret_hit *hit)
{
	struct baas_scan *s = ud;
	const char *id = hit->rule->id;
	char role[32] = "";
	bool jwt = !strcmp(id, "jwt");
	if (jwt && !secret_jwt_role(hit->value, hit->value_len, role, sizeof(role)))
		return;
	bool service = !strcmp(id, "supabase-secret-key") || (jwt && !strcmp(role, "service_role"));
	bool public = !strcmp(id, "supabase-publishable-key") || (jwt && !strcmp(role, "anon"));
	if (service && s->report_service) {
		char *ev = xasprintf("%s %s in %s at line %" PRIu64 ", column %" PRIu64 "%s%s", hit->name,
				     hit->redacted, a->url, hit->line, hit->column, hit->decoded ? ", decoded from " : "",
				     hit->decoded ? hit->decoded : "");
		struct finding_spec spec = {.check = "baas.supabase-service-role-key", .location = a->url,
					    .evidence = ev, .severity = -1, .discriminator = hit->value_hash};
		scan_emit(s->t, "baas", &spec);
		free(ev);
	}
	if (!public || s->npub == BAAS_MAX_KEYS)
		return;
	for (size_t i = 0; i < s->npub; i++)
		if (!strcmp(s->pub[i].hash, hit->value_hash))
			return;
	struct baas_key *k = &s->pub[s->npub++];
	k->value = xstrndup(hit->value, hit->value_len);
	str_copy(k->redacted, sizeof(k->redacted), hit->redacted);
	str_copy(k->hash, sizeof(k->hash), hit->value_hash);
	k->jwt = jwt;
}

/* One anonymous GET whose answer lists something: RTDB root, Firestore documents, Storage objects. */
struct baas_probe {
	const char *check;
	const char *kind;
	char *url;
	struct http_response *r;
};

static void baas_firebase(struct scan_target *t, const struct baas_config *c)
{
	size_t n = c->databases.n + c->projects.n + c->buckets.n, k = 0;
	if (!n)
		return;
	struct baas_probe *p = xcalloc(n, sizeof(*p));
	struct http_batch *b = http_batch_new(scan_http(t));
	for (size_t i = 0; i < c->databases.n; i++)
		p[k++] = (struct baas_probe){"baas.firebase-rtdb-readable", "rtdb",
					     baas_fill(baas_ep.rtdb, "database", c->databases.v[i]), NULL};
	for (size_t i = 0; i < c->projects.n; i++)
		p[k++] = (struct baas_probe){"baas.firestore-listable", "firestore",
					     baas_fill(baas_ep.firestore, "project", c->projects.v[i]), NULL};
	for (size_t i = 0; i < c->buckets.n; i++)
		p[k++] = (struct baas_probe){"baas.firebase-storage-listable", "storage",
					     baas_fill(baas_ep.storage, "bucket", c->buckets.v[i]), NULL};
	for (size_t i = 0; i < n; i++) {
		struct http_request req = {.url = p[i].url, .max_body = BAAS_BODY_MAX};
		p[i].r = http_batch_add(b, &req);
	}
	scan_progress(t, "baas", "Firebase: %zu anonymous reads", n);
	http_batch_wait(b);
	for (size_t i = 0; i < n && !scan_aborted(t); i++) {
		const struct http_response *r = p[i].r;
		if (r->err || r->status != 200)
			continue;
		struct buf names;
		buf_init(&names, 4096);
		int count = baas_listing_names(p[i].kind, r->body.data, r->body.len, &names);
		if (count > 0) {
			char *ev = xasprintf("GET %s without credentials -> HTTP 200, %d entr%s: %s", p[i].url, count,
					     count == 1 ? "y" : "ies", buf_str(&names));
			modutil_emit(t, "baas", p[i].check, p[i].url, NULL, ev);
			free(ev);
		}
		buf_release(&names);
	}
	http_batch_free(b);
	for (size_t i = 0; i < n; i++)
		free(p[i].url);
	free(p);
}

/* The request headers that present a public key as PostgREST expects it. */
static void baas_key_headers(const struct baas_key *k, char **apikey, char **bearer, const char *hdrs[3])
{
	*apikey = xasprintf("apikey: %s", k->value);
	/* legacy JWT keys are also the bearer token; new publishable keys go in apikey only */
	*bearer = k->jwt ? xasprintf("Authorization: Bearer %s", k->value) : NULL;
	hdrs[0] = *apikey;
	hdrs[1] = *bearer;
	hdrs[2] = NULL;
}

/* Reads one row of each table through PostgREST with the public key; rows mean RLS is off. */
static void baas_supabase_tables(struct scan_target *t, const char *base, const struct baas_key *k,
				 const struct jsx_list *from_js)
{
	char *apikey, *bearer;
	const char *hdrs[3];
	struct jsx_list tables = {.max = (size_t)MAX(baas_ep.max_tables, 1)};
	baas_key_headers(k, &apikey, &bearer, hdrs);

	char *root = baas_fill(baas_ep.openapi, "url", base);
	struct http_request rq = {.url = root, .headers = hdrs, .max_body = BAAS_BODY_MAX * 4};
	struct http_response *r = http_fetch(scan_http(t), &rq);
	for (size_t i = 0; i < from_js->n; i++)
		jsx_list_add(&tables, from_js->v[i], strlen(from_js->v[i]));
	if (!r->err && r->status == 200)
		baas_openapi_tables(r->body.data, r->body.len, &tables);
	http_response_free(r);
	free(root);

	struct http_batch *b = http_batch_new(scan_http(t));
	struct http_response **resp = xcalloc(tables.n + 1, sizeof(*resp));
	char **urls = xcalloc(tables.n + 1, sizeof(*urls));
	for (size_t i = 0; i < tables.n; i++) {
		char *u = baas_fill(baas_ep.table, "url", base);
		urls[i] = baas_fill(u, "table", tables.v[i]);
		free(u);
		struct http_request req = {.url = urls[i], .headers = hdrs, .max_body = BAAS_BODY_MAX};
		resp[i] = http_batch_add(b, &req);
	}
	scan_progress(t, "baas", "Supabase %s: %zu tables", base, tables.n);
	http_batch_wait(b);
	for (size_t i = 0; i < tables.n && !scan_aborted(t); i++) {
		if (resp[i]->err || resp[i]->status != 200)
			continue;
		struct buf cols;
		buf_init(&cols, 2048);
		int rows = baas_rows_columns(resp[i]->body.data, resp[i]->body.len, &cols);
		if (rows > 0) {
			char *ev = xasprintf("GET %s with only the public %s key (%s) -> HTTP 200, rows returned; "
					     "columns: %s",
					     urls[i], k->jwt ? "anon" : "publishable", k->redacted,
					     cols.len ? buf_str(&cols) : "(none)");
			modutil_emit(t, "baas", "baas.supabase-rls-missing", urls[i], tables.v[i], ev);
			free(ev);
		}
		buf_release(&cols);
	}
	http_batch_free(b);
	for (size_t i = 0; i < tables.n; i++)
		free(urls[i]);
	free(urls);
	free(resp);
	jsx_list_release(&tables);
	free(apikey);
	free(bearer);
}

static void baas_detected(struct scan_target *t, const struct baas_config *c)
{
	for (size_t i = 0; i < c->supabase.n; i++) {
		char *d = xasprintf("Supabase project %s", c->supabase.v[i]);
		modutil_emit(t, "baas", "baas.backend-detected", c->supabase.v[i], d, NULL);
		free(d);
	}
	for (size_t i = 0; i < c->projects.n; i++) {
		char *d = xasprintf("Firebase project %s", c->projects.v[i]);
		struct finding_spec spec = {.check = "baas.backend-detected", .detail = d, .severity = -1,
					    .discriminator = c->projects.v[i]};
		scan_emit(t, "baas", &spec);
		free(d);
	}
}

static void baas_run(struct scan_target *t)
{
	pthread_once(&baas_once, baas_load);
	if (!baas_ep_ok)
		return;
	const struct scan_assets *a = scan_crawl(t);
	struct baas_config c;
	struct baas_scan s = {.t = t, .report_service = !scan_module_selected(t, "secret-scan")};
	baas_config_init(&c);
	for (size_t i = 0; a && i < a->n; i++)
		baas_config_scan(&c, a->items[i].body.data, a->items[i].body.len);
	if (c.supabase.n || c.projects.n || c.databases.n || c.buckets.n)
		keyscan_assets(a, baas_on_key, &s);
	baas_detected(t, &c);
	baas_firebase(t, &c);
	for (size_t i = 0; i < c.supabase.n && !scan_aborted(t); i++)
		for (size_t j = 0; j < s.npub && !scan_aborted(t); j++)
			baas_supabase_tables(t, c.supabase.v[i], &s.pub[j], &c.tables);
	for (size_t i = 0; i < s.npub; i++)
		free(s.pub[i].value);
	baas_config_release(&c);
}

const struct module baas_module = {
	.name = "baas",
	.summary = "Firebase and Supabase backends named by the client code: open databases, buckets, RLS, keys",
	.run = baas_run,
};
