#include "base/common.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/catalogue.h"
#include "engine/module.h"
#include "modules/bucket.h"
#include "modules/discover.h"
#include "modules/matcher.h"
#include "modules/modutil.h"
#include <jansson.h>

/*
 * cloud: storage containers the site refers to (S3, GCS, Azure Blob URLs in its pages and
 * scripts) or that are named after it (a handful of S3 names derived from the host), asked once
 * each for a short listing; in the site's own containers that refuse the listing, a few
 * sensitive objects that may be public-read even so (exposure probes named by rules/probes/
 * cloud.json "bucket_objects"); and cloud instance metadata that the app's answers reflect
 * (signatures of rules/probes/cloud.json, matched against the crawl). Every request goes through
 * the run's scheduler and so through the SSRF guard.
 */

#define CLOUD_MAX_REFS 12
/* Containers whose objects are asked for, in the whole run (all its targets). */
#define CLOUD_OBJECT_BUCKETS 4
#define CLOUD_MAX_OBJECTS 16
static const char *const cloud_guess_suffixes[] = {"", "-assets", "-static", "-backup", "-uploads", "-media"};

struct cloud_bucket {
	struct bucket_ref ref;
	bool guessed;
	bool listed_elsewhere; /* a target of its own (discover): its listing is reported there */
	struct http_response *r;
};

struct cloud_ctx {
	struct scan_target *t;
	struct cloud_bucket items[CLOUD_MAX_REFS + ARRAY_SIZE(cloud_guess_suffixes)];
	size_t n;
	bool s3_hosts_discovered; /* discover makes S3 bucket hosts targets of their own (cloud only) */
};

static void cloud_add(struct cloud_ctx *c, const struct bucket_ref *r, bool guessed)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->items[i].ref.provider == r->provider && !strcmp(c->items[i].ref.name, r->name))
			return;
	if (c->n < ARRAY_SIZE(c->items))
		c->items[c->n++] = (struct cloud_bucket){
			.ref = *r,
			.guessed = guessed,
			.listed_elsewhere = c->s3_hosts_discovered && r->provider == BUCKET_S3 && r->virtual_host,
		};
}

static void cloud_on_ref(void *ud, const struct bucket_ref *r)
{
	struct cloud_ctx *c = ud;
	if (c->n < CLOUD_MAX_REFS)
		cloud_add(c, r, false);
}

/* S3 names a site's owner would pick: its name, and the usual asset and backup buckets. */
static void cloud_guesses(struct cloud_ctx *c)
{
	size_t len;
	const char *text = modutil_rule("discovery/hosts.json", &len);
	char err[128], site[256];
	struct discover_rules *rules = text ? discover_rules_parse(text, len, err, sizeof(err)) : NULL;
	/* the registrable name ("acme" of shop.acme.co.uk); nothing to derive from an IP address, nor
	 * from a bucket host (a discovered target): its name is the provider's, not the site's */
	bool ok = rules && !bucket_storage_host(c->t->hostname) && discover_site(rules, c->t->hostname, site, sizeof(site));
	discover_rules_free(rules);
	if (!ok)
		return;
	size_t n = strcspn(site, ".");
	for (size_t i = 0; i < ARRAY_SIZE(cloud_guess_suffixes); i++) {
		struct bucket_ref r = {.provider = BUCKET_S3, .virtual_host = true};
		snprintf(r.name, sizeof(r.name), "%.*s%s", (int)MIN(n, (size_t)40), site, cloud_guess_suffixes[i]);
		str_lower(r.name);
		snprintf(r.origin, sizeof(r.origin), "https://%s.s3.amazonaws.com", r.name);
		if (strlen(r.name) >= 3)
			cloud_add(c, &r, true);
	}
}

static void cloud_emit_listing(struct scan_target *t, const char *url, const char *what, const char *name,
			       const struct bucket_listing *l, bool guessed)
{
	struct buf ev;
	buf_init(&ev, 2048);
	buf_appendf(&ev, "GET %s without credentials lists %zu object%s%s", url, l->objects, l->objects == 1 ? "" : "s",
		    l->truncated ? " (and more)" : "");
	for (size_t i = 0; i < l->nkeys; i++)
		buf_appendf(&ev, "%s%s", i ? ", " : ": ", l->keys[i]);
	char *detail = xasprintf("%s %s", what, name);
	modutil_emit(t, "cloud", guessed ? "cloud.named-bucket-listable" : "cloud.bucket-listable", url, detail, buf_str(&ev));
	free(detail);
	buf_release(&ev);
}

/* The exposure probes that rules/probes/cloud.json "bucket_objects" names, into sel (from l); how many. */
static size_t cloud_object_probes(const struct probe_list *l, const struct probe **sel, size_t max)
{
	size_t len, n = 0;
	const char *text = modutil_rule("probes/cloud.json", &len);
	json_t *root = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	const json_t *ids = json_object_get(root, "bucket_objects");
	size_t i;
	const json_t *v;
	json_array_foreach(ids, i, v) {
		const char *id = json_string_value(v);
		const struct probe *p = NULL;
		for (size_t k = 0; id && k < l->n && !p; k++)
			if (!strcmp(l->items[k].id, id))
				p = &l->items[k];
		/* a bucket has no host name to put in a {host} path */
		if (!p || !p->path || strstr(p->path, "{host}") || n == max)
			log_error("rules/probes/cloud.json: bucket object %s: not an exposure probe of a fixed path, or past %zu",
				  id ? id : "?", max);
		else
			sel[n++] = p;
	}
	json_decref(root);
	return n;
}

struct cloud_seen_object {
	const struct bucket_ref *ref;
	const char *key;
	bool found;
};

static void cloud_on_object_ref(void *ud, const struct bucket_ref *r)
{
	struct cloud_seen_object *s = ud;
	if (r->provider == s->ref->provider && !strcmp(r->name, s->ref->name) && !strcmp(r->origin, s->ref->origin) &&
	    !strcmp(r->object, s->key))
		s->found = true;
}

/* Whether the site's own pages or scripts refer to the object: then it is meant to be public. */
static bool cloud_object_referenced(const struct scan_assets *assets, const struct bucket_ref *ref, const char *key)
{
	struct cloud_seen_object s = {.ref = ref, .key = key};
	for (size_t i = 0; i < assets->n && !s.found; i++)
		bucket_refs(assets->items[i].body.data, assets->items[i].body.len, SIZE_MAX, cloud_on_object_ref, &s);
	return s.found;
}

/* The container exists and lists to no one. Azure answers a container whose blobs alone are public
 * (and any other it hides) with 404 ResourceNotFound. */
static bool cloud_listing_refused(const struct cloud_bucket *b)
{
	const struct http_response *r = b->r;
	if (r->err)
		return false;
	if (r->status == 401 || r->status == 403)
		return true;
	return b->ref.provider == BUCKET_AZURE && r->status == 404 && r->body.data &&
	       str_find(r->body.data, r->body.len, "<Code>ResourceNotFound</Code>");
}

static void cloud_emit_object(struct scan_target *t, const struct cloud_bucket *b, const struct probe *p,
			      const struct http_response *r, const char *url)
{
	char ct[128];
	modutil_content_type(r, ct, sizeof(ct));
	struct buf ev;
	buf_init(&ev, 4096);
	buf_appends(&ev, "GET without credentials: ");
	const char *as = probe_report(p, r->status, ct, r->body.data, r->body.len, &ev);
	buf_appendf(&ev, " (as %s)", as);
	/* as bad as the same file on the site: an .env with credentials is CRITICAL */
	const struct check_def *def = catalogue_get(as);
	char *detail = xasprintf("%s in %s %s", p->detail, bucket_provider_name(b->ref.provider), b->ref.name);
	struct finding_spec spec = {
		.check = "cloud.bucket-object-public", .location = url, .detail = detail, .evidence = buf_str(&ev),
		.severity = def ? (int)def->severity : -1,
	};
	scan_emit(t, "cloud", &spec);
	free(detail);
	buf_release(&ev);
}

/*
 * Sensitive objects in the site's own containers that refuse a listing: an object can be
 * public-read all the same. Never guessed containers (they may be someone else's), at most
 * CLOUD_OBJECT_BUCKETS per run, each asked for a random key first (a not-found answer to learn)
 * and then for the probes' paths, judged by the exposure probes' matchers.
 */
static void cloud_objects(struct scan_target *t, const struct scan_assets *assets, const struct cloud_ctx *c)
{
	struct probe_list l;
	const struct probe *sel[CLOUD_MAX_OBJECTS];
	const struct cloud_bucket *bk[CLOUD_OBJECT_BUCKETS];
	if (modutil_probe_list(&l, "probes/exposure.json"))
		return;
	size_t np = cloud_object_probes(&l, sel, ARRAY_SIZE(sel)), nb = 0;
	for (size_t i = 0; np && i < c->n && nb < CLOUD_OBJECT_BUCKETS; i++) {
		const struct cloud_bucket *b = &c->items[i];
		if (b->guessed || !cloud_listing_refused(b))
			continue;
		char *key = xasprintf("%s/%s", b->ref.origin, b->ref.name);
		if (scan_claim(t, "cloud-objects", key, CLOUD_OBJECT_BUCKETS))
			bk[nb++] = b;
		free(key);
	}
	if (!nb) {
		probe_list_release(&l);
		return;
	}
	struct http_batch *batch = http_batch_new(scan_http(t));
	char base[CLOUD_OBJECT_BUCKETS][64];
	struct http_response *resp[CLOUD_OBJECT_BUCKETS][CLOUD_MAX_OBJECTS + 1];
	for (size_t i = 0; i < nb; i++) {
		modutil_random_path(base[i], sizeof(base[i]), "");
		for (size_t k = 0; k <= np; k++) {
			char *url = bucket_object_url(&bk[i]->ref, (k ? sel[k - 1]->path : base[i]) + 1);
			resp[i][k] = modutil_probe_add(batch, k ? sel[k - 1] : NULL, url);
			free(url);
		}
	}
	scan_progress(t, "cloud", "%zu objects in %zu containers that refuse a listing", np * nb, nb);
	http_batch_wait(batch);
	for (size_t i = 0; i < nb && !scan_aborted(t); i++) {
		struct soft404 notfound = {0};
		if (!resp[i][0]->err)
			soft404_learn(&notfound, base[i], resp[i][0]->status, resp[i][0]->body.data, resp[i][0]->body.len);
		for (size_t k = 1; k <= np; k++) {
			const struct probe *p = sel[k - 1];
			if (!modutil_probe_hit(p, p->path, resp[i][k], &notfound) ||
			    cloud_object_referenced(assets, &bk[i]->ref, p->path + 1))
				continue;
			char *url = bucket_object_url(&bk[i]->ref, p->path + 1);
			cloud_emit_object(t, bk[i], p, resp[i][k], url);
			free(url);
		}
	}
	http_batch_free(batch);
	probe_list_release(&l);
}

static void cloud_buckets(struct scan_target *t, const struct scan_assets *assets)
{
	struct cloud_ctx c = {.t = t, .s3_hosts_discovered = scan_module_selected(t, "discover")};
	for (size_t i = 0; i < assets->n && c.n < CLOUD_MAX_REFS; i++)
		bucket_refs(assets->items[i].body.data, assets->items[i].body.len, CLOUD_MAX_REFS, cloud_on_ref, &c);
	cloud_guesses(&c);
	struct http_batch *b = http_batch_new(scan_http(t));
	char *urls[ARRAY_SIZE(c.items)];
	for (size_t i = 0; i < c.n; i++) {
		urls[i] = bucket_listing_url(&c.items[i].ref);
		struct http_request req = {.url = urls[i], .max_body = BUCKET_LISTING_MAX};
		c.items[i].r = http_batch_add(b, &req);
	}
	scan_progress(t, "cloud", "%zu storage containers", c.n);
	http_batch_wait(b);
	for (size_t i = 0; i < c.n; i++) {
		const struct http_response *r = c.items[i].r;
		struct bucket_listing l;
		if (!scan_aborted(t) && !c.items[i].listed_elsewhere && !r->err && r->status == 200 &&
		    !bucket_parse_listing(r->body.data, r->body.len, &l))
			cloud_emit_listing(t, urls[i], bucket_provider_name(c.items[i].ref.provider), c.items[i].ref.name, &l,
					   c.items[i].guessed);
		free(urls[i]);
	}
	if (!scan_aborted(t))
		cloud_objects(t, assets, &c);
	http_batch_free(b);
}

/* A target that is itself a bucket host (given, or discovered by the discover module): its main answer is the listing. */
static void cloud_bucket_target(struct scan_target *t)
{
	struct bucket_listing l;
	const struct http_response *r = t->main;
	if (!r || r->err || r->status != 200 || !str_ends_with(t->hostname, ".amazonaws.com") ||
	    bucket_parse_listing(r->body.data, r->body.len, &l))
		return;
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(t->hostname, "."), t->hostname);
	cloud_emit_listing(t, r->url ? r->url : t->base_url, "S3 bucket", name, &l, false);
}

/* Instance metadata that the app's answers carry (an SSRF or a debug page that proxies it). */
static void cloud_metadata(struct scan_target *t, const struct scan_assets *assets)
{
	struct probe_list l;
	if (modutil_probe_list(&l, "probes/cloud.json"))
		return;
	for (size_t i = 0; i < assets->n; i++) {
		const struct scan_asset *a = &assets->items[i];
		for (size_t k = 0; k < l.n; k++) {
			const struct probe *p = &l.items[k];
			if (p->path || !matcher_test(&p->match, 200, a->body.data, a->body.len))
				continue;
			struct http_header ct = {.name = "Content-Type", .value = a->content_type};
			struct http_response r = {.status = 200, .body = a->body, .headers = &ct, .nheaders = 1};
			modutil_emit_probe(t, "cloud", p, &r, a->body.len, a->url, p->detail);
			break; /* one signature per answer is enough */
		}
	}
	probe_list_release(&l);
}

static void cloud_run(struct scan_target *t)
{
	cloud_bucket_target(t);
	const struct scan_assets *assets = scan_crawl(t);
	if (scan_aborted(t))
		return;
	cloud_buckets(t, assets);
	cloud_metadata(t, assets);
}

const struct module cloud_module = {
	.name = "cloud",
	.summary = "Listable S3/GCS/Azure containers referenced by or named after the site, sensitive public objects in "
		   "the site's own; cloud metadata in answers",
	.run = cloud_run,
};
