#include "base/common.h"
#include "base/buf.h"
#include "base/str.h"
#include "engine/module.h"
#include "modules/bucket.h"
#include "modules/discover.h"
#include "modules/matcher.h"
#include "modules/modutil.h"

/*
 * cloud: storage containers the site refers to (S3, GCS, Azure Blob URLs in its pages and
 * scripts) or that are named after it (a handful of S3 names derived from the host), asked once
 * each for a short listing; and cloud instance metadata that the app's answers reflect
 * (signatures of rules/probes/cloud.json, matched against the crawl). Every request goes through
 * the run's scheduler and so through the SSRF guard.
 */

#define CLOUD_MAX_REFS 12
static const char *const cloud_guess_suffixes[] = {"", "-assets", "-static", "-backup", "-uploads", "-media"};

struct cloud_bucket {
	struct bucket_ref ref;
	bool guessed;
	struct http_response *r;
};

struct cloud_ctx {
	struct scan_target *t;
	struct cloud_bucket items[CLOUD_MAX_REFS + ARRAY_SIZE(cloud_guess_suffixes)];
	size_t n;
	bool skip_s3_hosts; /* discover makes S3 bucket hosts targets of their own: they are judged there */
};

static void cloud_add(struct cloud_ctx *c, const struct bucket_ref *r, bool guessed)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->items[i].ref.provider == r->provider && !strcmp(c->items[i].ref.name, r->name))
			return;
	if (c->n < ARRAY_SIZE(c->items))
		c->items[c->n++] = (struct cloud_bucket){.ref = *r, .guessed = guessed};
}

static void cloud_on_ref(void *ud, const struct bucket_ref *r)
{
	struct cloud_ctx *c = ud;
	if (c->skip_s3_hosts && r->provider == BUCKET_S3 && r->virtual_host)
		return;
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
	/* the registrable name ("acme" of shop.acme.co.uk); nothing to derive from an IP address */
	bool ok = rules && discover_site(rules, c->t->hostname, site, sizeof(site));
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

static void cloud_buckets(struct scan_target *t, const struct scan_assets *assets)
{
	struct cloud_ctx c = {.t = t, .skip_s3_hosts = scan_module_selected(t, "discover")};
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
		if (!scan_aborted(t) && !r->err && r->status == 200 && !bucket_parse_listing(r->body.data, r->body.len, &l))
			cloud_emit_listing(t, urls[i], bucket_provider_name(c.items[i].ref.provider), c.items[i].ref.name, &l,
					   c.items[i].guessed);
		free(urls[i]);
	}
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
	.summary = "Listable S3/GCS/Azure containers referenced by or named after the site; cloud metadata in answers",
	.run = cloud_run,
};
