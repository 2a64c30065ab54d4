#include "base/common.h"
#include "modules/keyscan.h"

struct keyscan_ctx {
	const struct scan_asset *asset;
	keyscan_fn fn;
	void *ud;
};

static void keyscan_on_hit(void *ud, const struct secret_hit *hit)
{
	struct keyscan_ctx *c = ud;
	c->fn(c->ud, c->asset, hit);
}

int keyscan_assets(const struct scan_assets *assets, keyscan_fn fn, void *ud)
{
	const struct secret_rules *rules = secret_rules_default();
	if (!rules)
		return SS_EINVAL;
	struct secret_scanner *s = secret_scanner_new(rules);
	struct keyscan_ctx c = {.fn = fn, .ud = ud};
	for (size_t i = 0; assets && i < assets->n; i++) {
		c.asset = &assets->items[i];
		/* a page's inline scripts are assets of their own, and a source map (and the sources in it)
		 * repeats its bundle: scanning them too would report a key twice */
		if (!strcmp(c.asset->kind, "page") || !strcmp(c.asset->kind, "sourcemap") || !strcmp(c.asset->kind, "source"))
			continue;
		/* crawled files are third-party as far as suppression comments go */
		secret_scan_buffer(s, c.asset->body.data ? c.asset->body.data : "", c.asset->body.len, 0,
				   keyscan_on_hit, &c);
	}
	secret_scanner_free(s);
	return 0;
}
