#include "base/common.h"
#include "engine/module.h"
#include "engine/scan.h"
#include "base/str.h"
#include "secrets/secrets.h"

/* secret-scan: leaked keys in everything the target serves (the engine's crawl). */

#define MODULE_NAME "secret-scan"

struct hit_ctx {
	struct scan_target *t;
	const struct scan_asset *asset;
	int found;
};

static void on_hit(void *ud, const struct secret_hit *hit)
{
	struct hit_ctx *c = ud;
	struct secret_finding_text text;
	secret_hit_describe(hit, &text);
	struct finding_spec spec = {
		.check = text.check,
		.location = c->asset->url,
		.detail = hit->name,
		.evidence = text.evidence,
		.description = text.description,
		.severity = (int)hit->severity,
		.discriminator = text.discriminator,
	};
	if (scan_emit(c->t, MODULE_NAME, &spec) == 0)
		c->found++;
	secret_finding_text_release(&text);
}

/* The path an asset is judged by (secret_path_flags), into out: a source map's source by its own
 * name ("...main.js.map#webpack:///./node_modules/lib/index.js" is node_modules/lib/index.js),
 * anything else by its URL's path, without the leading '/' and the query. */
static void asset_path(const struct scan_asset *a, char *out, size_t n)
{
	const char *p = a->url, *hash = strchr(p, '#');
	bool source = !strcmp(a->kind, "source") && hash;
	if (source)
		p = hash + 1;
	const char *scheme = strstr(p, "://");
	if (scheme)
		p = scheme + 3 + strcspn(scheme + 3, "/"); /* past the host (webpack:/// has none) */
	while (*p == '/' || (p[0] == '.' && p[1] == '/') || (p[0] == '.' && p[1] == '.' && p[2] == '/'))
		p += *p == '/' ? 1 : p[1] == '/' ? 2 : 3;
	str_copy(out, n, p);
	out[strcspn(out, source ? "?" : "?#")] = '\0';
}

static void secret_scan_run(struct scan_target *t)
{
	const struct secret_rules *rules = secret_rules_default();
	if (!rules)
		return;
	const struct scan_assets *assets = scan_crawl(t);
	struct secret_scanner *s = secret_scanner_new(rules);
	struct hit_ctx c = {.t = t};
	for (size_t i = 0; s && i < assets->n && !scan_aborted(t); i++) {
		c.asset = &assets->items[i];
		/* a map's embedded sources and a page's inline scripts are scanned where they are whole:
		 * as assets of their own, and in their page */
		if (!strcmp(c.asset->kind, "sourcemap") || !strcmp(c.asset->kind, "inline-script"))
			continue;
		/* everything a site serves is a bundle to its readers: no inline suppression; its docs
		 * pages and the vendored sources of its maps hold examples and other people's code */
		char path[1024];
		asset_path(c.asset, path, sizeof(path));
		unsigned flags = secret_path_flags(path) & ~(unsigned)SECRET_FIRST_PARTY;
		secret_scan_buffer(s, c.asset->body.data ? c.asset->body.data : "", c.asset->body.len, flags, on_hit,
				   &c);
	}
	scan_progress(t, MODULE_NAME, "%zu assets scanned, %d secrets", assets->n, c.found);
	secret_scanner_free(s);
}

const struct module secret_scan_module = {
	.name = MODULE_NAME,
	.summary = "leaked keys and tokens in pages, scripts, chunks, source maps and config files",
	.run = secret_scan_run,
};
