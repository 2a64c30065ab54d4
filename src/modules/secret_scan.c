#include "base/common.h"
#include "engine/module.h"
#include "engine/scan.h"
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
		/* everything a site serves is a bundle to its readers: no inline suppression */
		secret_scan_buffer(s, c.asset->body.data ? c.asset->body.data : "", c.asset->body.len, 0, on_hit, &c);
	}
	scan_progress(t, MODULE_NAME, "%zu assets scanned, %d secrets", assets->n, c.found);
	secret_scanner_free(s);
}

const struct module secret_scan_module = {
	.name = MODULE_NAME,
	.summary = "leaked keys and tokens in pages, scripts, chunks, source maps and config files",
	.run = secret_scan_run,
};
