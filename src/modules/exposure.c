#include "base/common.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/module.h"
#include "modules/matcher.h"
#include "modules/modutil.h"
#include "modules/soft404.h"

/*
 * exposure: files that should never be served (VCS metadata, .env, dumps, backups, keys, status
 * pages, listings, source maps), probed from rules/probes/exposure.json. A hit needs the probe's
 * content matcher AND an answer unlike the site's answer for random paths (soft-404 defence),
 * so a catch-all site yields nothing.
 */

#define EXPOSURE_BODY_MAX (64 * 1024)
/* Random paths asked first to learn the not-found answer: bare, file-like and directory-like. */
static const char *const exposure_baseline_suffixes[] = {"", ".bak", "/"};
#define EXPOSURE_NBASE ARRAY_SIZE(exposure_baseline_suffixes)

/* A probe's path or detail with {host} replaced by the target's host name. */
static char *exposure_fill(const char *tmpl, const char *hostname)
{
	const char *at = strstr(tmpl, "{host}");
	if (!at)
		return xstrdup(tmpl);
	return xasprintf("%.*s%s%s", (int)(at - tmpl), tmpl, hostname, at + 6);
}

/* Source maps the crawl found next to the site's scripts (named by sourceMappingURL or guessed). */
static void exposure_crawled_maps(struct scan_target *t, const struct probe_list *l)
{
	const struct probe *map = NULL;
	for (size_t i = 0; i < l->n && !map; i++)
		if (!strcmp(l->items[i].check, "exposure.source-map"))
			map = &l->items[i];
	const struct scan_assets *assets = map ? scan_crawl(t) : NULL;
	for (size_t i = 0; assets && i < assets->n; i++) {
		const struct scan_asset *a = &assets->items[i];
		/* The crawl keeps 200 answers only. */
		if (strcmp(a->kind, "sourcemap") || !matcher_test(&map->match, 200, a->body.data, a->body.len))
			continue;
		struct http_header ct = {.name = "Content-Type", .value = a->content_type};
		struct http_response r = {.status = 200, .body = a->body, .headers = &ct, .nheaders = 1};
		const char *path = strstr(a->url, "://");
		path = path ? strchr(path + 3, '/') : NULL;
		char *detail = xasprintf("Source map %s", path ? path : a->url);
		modutil_emit_probe(t, "exposure", map, &r, a->body.len, a->url, detail);
		free(detail);
	}
}

static void exposure_run(struct scan_target *t)
{
	size_t len;
	const char *text = modutil_rule("probes/exposure.json", &len);
	struct probe_list l;
	char err[256] = "missing";
	if (!text || probe_list_parse(&l, text, len, err, sizeof(err))) {
		log_error("exposure: rules/probes/exposure.json: %s", err);
		return;
	}
	char base[EXPOSURE_NBASE][64];
	char **paths = xcalloc(l.n, sizeof(*paths));
	struct http_response **resp = xcalloc(l.n + EXPOSURE_NBASE, sizeof(*resp));
	struct http_batch *b = http_batch_new(scan_http(t));
	for (size_t i = 0; i < l.n + EXPOSURE_NBASE; i++) {
		const char *path;
		if (i < EXPOSURE_NBASE) {
			modutil_random_path(base[i], sizeof(base[i]), exposure_baseline_suffixes[i]);
			path = base[i];
		} else if (l.items[i - EXPOSURE_NBASE].path) {
			path = paths[i - EXPOSURE_NBASE] = exposure_fill(l.items[i - EXPOSURE_NBASE].path, t->hostname);
		} else {
			continue;
		}
		char *url = xasprintf("%s%s", t->base_url, path);
		struct http_request req = {.url = url, .method = "GET", .max_body = EXPOSURE_BODY_MAX};
		resp[i] = http_batch_add(b, &req);
		free(url);
	}
	scan_progress(t, "exposure", "%zu probes", l.n);
	http_batch_wait(b);
	if (scan_aborted(t))
		goto out;

	struct soft404 notfound = {0}, mainpage = {0};
	for (size_t i = 0; i < EXPOSURE_NBASE; i++)
		if (!resp[i]->err)
			soft404_learn(&notfound, base[i], resp[i]->status, resp[i]->body.data, resp[i]->body.len);
	/* An SPA answers unknown paths with its index page: for any other path, the main page is a
	 * not-found answer too (but "/" itself may be the listing). */
	if (t->main && !t->main->err)
		soft404_learn(&mainpage, "", t->main->status, t->main->body.data, t->main->body.len);

	size_t hits = 0;
	for (size_t i = 0; i < l.n; i++) {
		const struct http_response *r = resp[i + EXPOSURE_NBASE];
		const struct probe *p = &l.items[i];
		if (!r || r->err || !matcher_test(&p->match, r->status, r->body.data, r->body.len))
			continue;
		if (soft404_matches(&notfound, paths[i], r->status, r->body.data, r->body.len) ||
		    (strcmp(paths[i], "/") && soft404_matches(&mainpage, paths[i], r->status, r->body.data, r->body.len)))
			continue;
		char *url = xasprintf("%s%s", t->base_url, paths[i]);
		char *detail = exposure_fill(p->detail, t->hostname);
		modutil_emit_probe(t, "exposure", p, r, r->body.len, url, detail);
		free(detail);
		free(url);
		hits++;
	}
	scan_progress(t, "exposure", "%zu probes, %zu exposed", l.n, hits);
	exposure_crawled_maps(t, &l);
out:
	http_batch_free(b);
	for (size_t i = 0; i < l.n; i++)
		free(paths[i]);
	free(paths);
	free(resp);
	probe_list_release(&l);
}

const struct module exposure_module = {
	.name = "exposure",
	.summary = "Exposed files: .git, .env, SQL dumps, backups, keys, status pages, listings, source maps",
	.run = exposure_run,
};
