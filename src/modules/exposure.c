#include "base/common.h"
#include "base/buf.h"
#include "base/str.h"
#include "engine/module.h"
#include "modules/matcher.h"
#include "modules/modutil.h"

/*
 * exposure: files that should never be served (VCS metadata, .env, dumps, backups, keys, status
 * pages, listings, source maps), probed from rules/probes/exposure.json through
 * modutil_probe_paths (content matchers and the soft-404 defence: a catch-all site yields nothing).
 */

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
	struct probe_list l;
	if (modutil_probe_list(&l, "probes/exposure.json"))
		return;
	size_t hits = modutil_probe_paths(t, "exposure", &l);
	scan_progress(t, "exposure", "%zu probes, %zu exposed", l.n, hits);
	exposure_crawled_maps(t, &l);
	probe_list_release(&l);
}

const struct module exposure_module = {
	.name = "exposure",
	.summary = "Exposed files: .git, .env, SQL dumps, backups, keys, status pages, listings, source maps",
	.run = exposure_run,
};
