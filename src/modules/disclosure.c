#include "base/common.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"
#include "engine/module.h"
#include "modules/matcher.h"
#include "modules/modutil.h"
#include <jansson.h>

/*
 * disclosure: what the site tells about its software: product and version banners in headers
 * and the generator meta tag, and debug pages, stack traces and error messages in the main page
 * and in the answers to harmless requests for paths that do not exist. Signatures and header
 * names come from rules/probes/disclosure.json.
 */

#define DISCLOSURE_SCAN_MAX (256 * 1024)
/* Not-found requests by extension: PHP and ASP.NET show their error pages for these. */
static const char *const disclosure_suffixes[] = {"", ".php", ".aspx"};

/* True if the banner carries a version ("nginx/1.18.0", "Express 4.17.1", "PHP/8"). */
static bool disclosure_has_version(const char *v)
{
	for (const char *p = v; *p; p++) {
		bool digit = *p >= '0' && *p <= '9';
		if (digit && p[1] == '.' && p[2] >= '0' && p[2] <= '9')
			return true;
		if (*p == '/' && p[1] >= '0' && p[1] <= '9')
			return true;
	}
	return false;
}

static void disclosure_banner(struct scan_target *t, const char *where, const char *shown, const char *value)
{
	char *cut = str_truncate_utf8(value, 200);
	char *ev = xasprintf("%s: %s", shown, cut);
	struct finding_spec spec = {
		.check = disclosure_has_version(value) ? "disclosure.version-banner" : "disclosure.product-banner",
		.detail = where, .evidence = ev, .severity = -1, .discriminator = where,
	};
	scan_emit(t, "disclosure", &spec);
	free(ev);
	free(cut);
}

static void disclosure_headers(struct scan_target *t, const json_t *names, const struct http_response *r)
{
	size_t i;
	const json_t *n;
	json_array_foreach(names, i, n) {
		const char *name = json_string_value(n);
		const char *v = name ? http_header_get(r, name) : NULL;
		if (!v || !*v)
			continue;
		char *where = xasprintf("the %s header", name);
		disclosure_banner(t, where, name, v);
		free(where);
	}
	struct buf gen;
	buf_init(&gen, 4096);
	if (modutil_is_html(r) && modutil_html_meta(r->body.data, r->body.len, "name", "generator", &gen) && gen.len)
		disclosure_banner(t, "the generator meta tag", "<meta name=\"generator\">", buf_str(&gen));
	buf_release(&gen);
}

/* Looks for every signature not yet seen in one answer. */
static void disclosure_signatures(struct scan_target *t, const struct probe_list *sigs, bool *seen,
				  const char *url, const struct http_response *r)
{
	if (!r || r->err)
		return;
	size_t len = MIN(r->body.len, (size_t)DISCLOSURE_SCAN_MAX);
	for (size_t i = 0; i < sigs->n; i++) {
		const struct probe *p = &sigs->items[i];
		if (seen[i] || !matcher_test(&p->match, r->status, r->body.data, len))
			continue;
		seen[i] = true;
		modutil_emit_probe(t, "disclosure", p, r, len, url, p->detail);
	}
}

static void disclosure_run(struct scan_target *t)
{
	size_t len;
	const char *text = modutil_rule("probes/disclosure.json", &len);
	struct probe_list sigs;
	char err[256] = "missing";
	json_t *root = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	const json_t *names = json_object_get(root, "headers");
	if (!json_is_array(names) || probe_list_parse(&sigs, text, len, err, sizeof(err))) {
		log_error("disclosure: rules/probes/disclosure.json: %s", json_is_array(names) ? err : "no headers list");
		json_decref(root);
		return;
	}
	bool *seen = xcalloc(sigs.n + 1, sizeof(*seen));
	char *urls[ARRAY_SIZE(disclosure_suffixes)];
	struct http_response *resp[ARRAY_SIZE(disclosure_suffixes)];
	struct http_batch *b = http_batch_new(scan_http(t));
	for (size_t i = 0; i < ARRAY_SIZE(disclosure_suffixes); i++) {
		char path[64];
		modutil_random_path(path, sizeof(path), disclosure_suffixes[i]);
		urls[i] = xasprintf("%s%s", t->base_url, path);
		struct http_request req = {.url = urls[i], .method = "GET", .max_body = DISCLOSURE_SCAN_MAX};
		resp[i] = http_batch_add(b, &req);
	}
	if (t->main && !t->main->err) {
		disclosure_headers(t, names, t->main);
		disclosure_signatures(t, &sigs, seen, NULL, t->main);
	}
	http_batch_wait(b);
	for (size_t i = 0; i < ARRAY_SIZE(disclosure_suffixes) && !scan_aborted(t); i++) {
		disclosure_signatures(t, &sigs, seen, urls[i], resp[i]);
		/* Error pages often come from another layer (a proxy's or the framework's own). */
		if (!resp[i]->err)
			disclosure_headers(t, names, resp[i]);
	}
	http_batch_free(b);
	for (size_t i = 0; i < ARRAY_SIZE(disclosure_suffixes); i++)
		free(urls[i]);
	free(seen);
	probe_list_release(&sigs);
	json_decref(root);
}

const struct module disclosure_module = {
	.name = "disclosure",
	.summary = "Server and framework versions, X-Powered-By, generator tags, debug pages, stack traces",
	.run = disclosure_run,
};
