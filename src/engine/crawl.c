#include "base/common.h"
#include "base/buf.h"
#include "base/http.h"
#include "base/log.h"
#include "base/str.h"
#include "base/url.h"
#include "engine/scan.h"
#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>
#include <pthread.h>

/*
 * The bounded crawl of a target, shared by the modules that read what a site serves: the main
 * page, same-site pages linked from it, every same-site script (external, inline, preloaded,
 * chunks named in webpack/vite chunk maps and import() calls), source maps and the sources
 * embedded in them, /env.js-style config files, and JSON the pages and scripts load. Fetched once
 * per target through the run's HTTP scheduler, level by level in batches.
 */

#define BATCH 24
/* Candidate config files that single-page apps serve at run time. */
static const char *const config_paths[] = {"/env.js", "/env-config.js", "/config.js", "/runtime-env.js",
					   "/__env.js", "/app-config.js"};

struct pending {
	char *url;
	const char *kind;
};

struct crawl {
	struct scan_target *t;
	struct url base;
	char *site;           /* registrable part of the host: "myapp.com" (or the IP) */
	struct scan_assets *out;
	size_t cap;
	char **seen;          /* URLs queued once, sorted */
	size_t nseen, seen_cap;
	struct pending *queue;
	size_t nqueue, queue_cap;
	int pages;
	size_t bytes;
	int max_pages, max_assets;
	size_t max_bytes;
};

/* --- patterns --- */

enum { RE_SCRIPT_SRC, RE_SOURCEMAP, RE_CHUNK_MAP, RE_CHUNK_ENTRY, RE_PUBLIC_PATH, RE_LITERAL, RE_COUNT };
static const char *const re_src[RE_COUNT] = {
	[RE_SCRIPT_SRC] = "(?i)\\ssrc\\s*=\\s*[\"']?([^\"'\\s>]+)",
	[RE_SOURCEMAP] = "[#@]\\s*sourceMappingURL\\s*=\\s*([^\\s'\"*]+)",
	/* webpack: "static/js/" + e + "." + {17:"1a2b",...}[e] + ".chunk.js" */
	[RE_CHUNK_MAP] = ("[\"']([^\"'\\n]{0,100})[\"']\\s*\\+\\s*([A-Za-z_$][A-Za-z0-9_$]{0,30})\\s*\\+\\s*[\"']([^\"'\\n]{0,20})[\"']"
			  "\\s*\\+\\s*\\{([^{}]{1,20000})\\}\\[\\2\\]\\s*\\+\\s*[\"']([^\"'\\n]{0,40})[\"']"),
	[RE_CHUNK_ENTRY] = "[\"']?([A-Za-z0-9_$-]{1,64})[\"']?\\s*:\\s*[\"']([A-Za-z0-9_.-]{1,64})[\"']",
	[RE_PUBLIC_PATH] = "\\.p\\s*=\\s*[\"']([^\"'\\n]{0,200})[\"']",
	/* "./About-3f2a.js", "/_next/static/chunks/x.js", "/config.json" */
	[RE_LITERAL] = "[\"'`]((?:\\.{0,2}/)?[A-Za-z0-9_@~.$/-]{1,200}\\.(m?js|json))(?:\\?[^\"'`\\s]{0,100})?[\"'`]",
};
static pcre2_code *re[RE_COUNT];
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void re_init(void)
{
	for (int i = 0; i < RE_COUNT; i++) {
		int code;
		PCRE2_SIZE off;
		re[i] = pcre2_compile((PCRE2_SPTR)re_src[i], PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
		if (!re[i])
			abort(); /* constant patterns: a bug, found by the first test */
		pcre2_jit_compile(re[i], PCRE2_JIT_COMPLETE);
	}
}

/* Calls fn for each match of pattern k in [s, s+len) with the ovector. */
static void each_match(int k, const char *s, size_t len, void (*fn)(struct crawl *, const char *, PCRE2_SIZE *, void *),
		       struct crawl *c, void *ud)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re[k], NULL);
	PCRE2_SIZE start = 0;
	while (start < len && pcre2_match(re[k], (PCRE2_SPTR)s, len, start, 0, md, NULL) >= 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		fn(c, s, ov, ud);
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	pcre2_match_data_free(md);
}

/* --- the queue --- */

/* The registrable part of a host, approximated by its last two labels (an IP stays whole). */
static char *site_of(const char *host)
{
	const char *last = strrchr(host, '.');
	if (!last || strspn(host, "0123456789.") == strlen(host) || strchr(host, ':'))
		return xstrdup(host);
	const char *p = last;
	while (p > host && p[-1] != '.')
		p--;
	return xstrdup(p);
}

static bool same_site(const struct crawl *c, const struct url *u)
{
	size_t hl = strlen(u->host), sl = strlen(c->site);
	return !strcmp(u->host, c->site) ||
	       (hl > sl && !strcmp(u->host + hl - sl, c->site) && u->host[hl - sl - 1] == '.');
}

/* Records url; false if it was seen before. */
static bool seen_insert(struct crawl *c, const char *url)
{
	return str_set_insert(&c->seen, &c->nseen, &c->seen_cap, url);
}

/* Queues ref (resolved against from) if it is same-site, new and within the limits. */
static void enqueue(struct crawl *c, const char *from, const char *ref, size_t reflen, const char *kind)
{
	if (reflen == 0 || reflen > 2048 || !strncmp(ref, "data:", 5) || !strncmp(ref, "javascript:", 11) ||
	    !strncmp(ref, "mailto:", 7) || ref[0] == '#')
		return;
	if (c->out->n + c->nqueue >= (size_t)c->max_assets)
		return;
	struct url base, u;
	char *r = xstrndup(ref, reflen);
	char *abs = NULL;
	if (url_parse(from, &base) == 0) {
		abs = url_resolve(&base, r);
		url_release(&base);
	}
	free(r);
	if (!abs)
		return;
	char *hash = strchr(abs, '#');
	if (hash)
		*hash = '\0';
	if (url_parse(abs, &u) == 0) {
		if (same_site(c, &u) && seen_insert(c, abs)) {
			c->queue = xgrow(c->queue, &c->queue_cap, c->nqueue + 1, sizeof(*c->queue));
			c->queue[c->nqueue++] = (struct pending){abs, kind};
			abs = NULL;
		}
		url_release(&u);
	}
	free(abs);
}

static struct scan_asset *add_asset(struct crawl *c, const char *url, const char *ctype, const char *kind)
{
	c->out->items = xgrow(c->out->items, &c->cap, c->out->n + 1, sizeof(*c->out->items));
	struct scan_asset *a = &c->out->items[c->out->n++];
	memset(a, 0, sizeof(*a));
	a->url = xstrdup(url);
	a->content_type = xstrdup(ctype ? ctype : "");
	a->kind = xstrdup(kind);
	buf_init(&a->body, scan_options_of(c->t)->http.max_body);
	return a;
}

/* "text/html; charset=utf-8" -> "text/html" */
static char *content_type_of(const struct http_response *r)
{
	const char *ct = http_header_get(r, "Content-Type");
	char *s = xstrdup(ct ? ct : "");
	s[strcspn(s, ";")] = '\0';
	char *out = xstrdup(str_trim(s));
	free(s);
	return str_lower(out);
}

static bool looks_html(const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')) {
		s++;
		len--;
	}
	return len >= 5 && (str_find_nocase(s, MIN(len, 15), "<!doctype") || str_find_nocase(s, MIN(len, 6), "<html"));
}

/* --- what an asset refers to --- */

/* The value of attribute name in a tag's text, or NULL; *len is its length. */
static const char *attr(const char *tag, size_t taglen, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	for (const char *p = tag; p + nl < tag + taglen; p++) {
		if ((p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n') || strncasecmp(p, name, nl) != 0)
			continue;
		const char *q = p + nl;
		while (q < tag + taglen && *q == ' ')
			q++;
		if (q >= tag + taglen || *q != '=')
			continue;
		q++;
		while (q < tag + taglen && *q == ' ')
			q++;
		char quote = (q < tag + taglen && (*q == '"' || *q == '\'')) ? *q++ : 0;
		const char *e = q;
		while (e < tag + taglen && (quote ? *e != quote : (*e != ' ' && *e != '>')))
			e++;
		*len = (size_t)(e - q);
		return q;
	}
	return NULL;
}

static void from_html(struct crawl *c, const char *url, const char *s, size_t len, bool links)
{
	int inline_n = 0;
	for (const char *p = memchr(s, '<', len); p; p = p + 1 < s + len ? memchr(p + 1, '<', len - (size_t)(p + 1 - s)) : NULL) {
		size_t rest = len - (size_t)(p - s);
		const char *end = memchr(p, '>', rest);
		if (!end)
			break;
		size_t taglen = (size_t)(end - p);
		size_t vlen;
		const char *v;
		if (rest > 7 && !strncasecmp(p, "<script", 7) && (p[7] == ' ' || p[7] == '>' || p[7] == '\n')) {
			if ((v = attr(p + 1, taglen - 1, "src", &vlen))) {
				enqueue(c, url, v, vlen, "script");
			} else {
				const char *close = str_find_nocase(end, len - (size_t)(end - s), "</script");
				size_t blen = close ? (size_t)(close - end - 1) : 0;
				const char *type = attr(p + 1, taglen - 1, "type", &vlen);
				bool json = type && str_find_nocase(type, vlen, "json");
				if (blen && c->out->n < (size_t)c->max_assets) {
					char *iu = xasprintf("%s#inline-script-%d", url, ++inline_n);
					struct scan_asset *a = add_asset(c, iu, json ? "application/json" : "text/javascript",
									 json ? "json" : "inline-script");
					buf_append(&a->body, end + 1, blen);
					free(iu);
				}
			}
		} else if (rest > 5 && !strncasecmp(p, "<link", 5)) {
			const char *rel = attr(p + 1, taglen - 1, "rel", &vlen);
			size_t rl = vlen, al = 0;
			const char *as = attr(p + 1, taglen - 1, "as", &al);
			bool script = rel && (str_find_nocase(rel, rl, "modulepreload") ||
					      (str_find_nocase(rel, rl, "preload") && as && str_find_nocase(as, al, "script")));
			bool manifest = rel && str_find_nocase(rel, rl, "manifest");
			if ((script || manifest) && (v = attr(p + 1, taglen - 1, "href", &vlen)))
				enqueue(c, url, v, vlen, script ? "script" : "json");
		} else if (links && rest > 2 && (p[1] == 'a' || p[1] == 'A') && (p[2] == ' ' || p[2] == '\n')) {
			if ((v = attr(p + 1, taglen - 1, "href", &vlen)) && c->pages < c->max_pages) {
				size_t before = c->nqueue;
				enqueue(c, url, v, vlen, "page");
				c->pages += c->nqueue > before;
			}
		}
	}
}

struct chunk_ctx {
	const char *script_url;
	char *public_path; /* resolved base URL of chunks: the site's root unless the script sets one */
	bool public_path_set;
	const char *prefix, *sep, *suffix;
	size_t plen, slen, sulen;
};

static void on_chunk_entry(struct crawl *c, const char *s, PCRE2_SIZE *ov, void *ud)
{
	struct chunk_ctx *k = ud;
	char *ref = xasprintf("%.*s%.*s%.*s%.*s%.*s", (int)k->plen, k->prefix, (int)(ov[3] - ov[2]), s + ov[2],
			      (int)k->slen, k->sep, (int)(ov[5] - ov[4]), s + ov[4], (int)k->sulen, k->suffix);
	enqueue(c, k->public_path, ref, strlen(ref), "script");
	free(ref);
}

static void on_chunk_map(struct crawl *c, const char *s, PCRE2_SIZE *ov, void *ud)
{
	struct chunk_ctx *k = ud;
	k->prefix = s + ov[2];
	k->plen = ov[3] - ov[2];
	k->sep = s + ov[6];
	k->slen = ov[7] - ov[6];
	k->suffix = s + ov[10];
	k->sulen = ov[11] - ov[10];
	each_match(RE_CHUNK_ENTRY, s + ov[8], ov[9] - ov[8], on_chunk_entry, c, k);
}

static void on_public_path(struct crawl *c, const char *s, PCRE2_SIZE *ov, void *ud)
{
	struct chunk_ctx *k = ud;
	struct url base;
	if (k->public_path_set || url_parse(k->script_url, &base) != 0)
		return; /* the first assignment wins */
	char *p = xstrndup(s + ov[2], ov[3] - ov[2]);
	char *abs = url_resolve(&base, *p ? p : "/");
	url_release(&base);
	free(p);
	if (abs) {
		free(k->public_path);
		k->public_path = abs;
		k->public_path_set = true;
	}
}

static void on_literal(struct crawl *c, const char *s, PCRE2_SIZE *ov, void *ud)
{
	struct chunk_ctx *k = ud;
	const char *v = s + ov[2];
	size_t n = ov[3] - ov[2];
	bool relative = v[0] == '/' || v[0] == '.';
	bool json = s[ov[5] - 1] == 'n';
	/* "assets/x.js" (vite's preload lists, webpack's chunk names) is under the public path;
	 * "./x.js" and "/x.js" are relative to the module */
	enqueue(c, relative ? k->script_url : k->public_path, v, n, json ? "json" : "script");
}

static void on_sourcemap(struct crawl *c, const char *s, PCRE2_SIZE *ov, void *ud)
{
	struct chunk_ctx *k = ud;
	enqueue(c, k->script_url, s + ov[2], ov[3] - ov[2], "sourcemap");
}

static void from_script(struct crawl *c, const char *url, const char *s, size_t len, bool fetched)
{
	struct chunk_ctx k = {.script_url = url};
	char *origin = url_origin(&c->base);
	k.public_path = xasprintf("%s/", origin);
	free(origin);
	each_match(RE_PUBLIC_PATH, s, len, on_public_path, c, &k);
	each_match(RE_CHUNK_MAP, s, len, on_chunk_map, c, &k);
	each_match(RE_LITERAL, s, len, on_literal, c, &k);
	size_t before = c->nqueue;
	each_match(RE_SOURCEMAP, s, len, on_sourcemap, c, &k);
	/* maps are often served without the comment that names them */
	if (fetched && c->nqueue == before) {
		char *guess = xasprintf("%s.map", url);
		enqueue(c, url, guess, strlen(guess), "sourcemap");
		free(guess);
	}
	free(k.public_path);
}

/* A source map's embedded sources become assets of their own, named after the map and the source. */
static void from_sourcemap(struct crawl *c, const char *url, const char *s, size_t len)
{
	json_t *map = json_loadb(s, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *sources = json_object_get(map, "sources"), *contents = json_object_get(map, "sourcesContent");
	size_t i;
	json_t *v;
	json_array_foreach(contents, i, v) {
		if (!json_is_string(v) || c->out->n >= (size_t)c->max_assets || c->bytes >= c->max_bytes)
			break;
		const char *name = json_string_value(json_array_get(sources, i));
		char *su = xasprintf("%s#%s", url, name ? name : "source");
		struct scan_asset *a = add_asset(c, su, "text/javascript", "source");
		buf_append(&a->body, json_string_value(v), json_string_length(v));
		c->bytes += a->body.len;
		free(su);
	}
	json_decref(map);
}

static void examine(struct crawl *c, struct scan_asset *a, bool fetched)
{
	const char *k = a->kind;
	if (!strcmp(k, "page"))
		from_html(c, a->url, a->body.data ? a->body.data : "", a->body.len, a == &c->out->items[0]);
	else if (!strcmp(k, "script") || !strcmp(k, "inline-script") || !strcmp(k, "config"))
		from_script(c, a->url, a->body.data ? a->body.data : "", a->body.len, fetched && strcmp(k, "config"));
	else if (!strcmp(k, "sourcemap"))
		from_sourcemap(c, a->url, a->body.data ? a->body.data : "", a->body.len);
}

/* Takes one answer into the assets if it is what was asked for. */
static void take(struct crawl *c, const struct pending *p, struct http_response *r)
{
	if (r->err || r->status != 200 || !r->body.len || c->bytes + r->body.len > c->max_bytes)
		return;
	char *ct = content_type_of(r);
	bool html = strstr(ct, "html") || looks_html(r->body.data, r->body.len);
	/* single-page apps answer every path with index.html: that is no script, map or config */
	if (html != !strcmp(p->kind, "page")) {
		free(ct);
		return;
	}
	struct scan_asset *a = add_asset(c, r->url ? r->url : p->url, ct, p->kind);
	free(ct);
	/* same-site pages may set cookies the main page did not; the cookies module reads them */
	const char *v;
	for (size_t i = 0; (v = http_header_get_nth(r, "Set-Cookie", i)); i++) {
		a->set_cookies = xrealloc(a->set_cookies, (a->nset_cookies + 1) * sizeof(char *));
		a->set_cookies[a->nset_cookies++] = xstrdup(v);
	}
	a->body = r->body; /* moved, not copied */
	memset(&r->body, 0, sizeof(r->body));
	c->bytes += a->body.len;
	size_t idx = c->out->n - 1;
	examine(c, &c->out->items[idx], true);
}

static void fetch_queue(struct crawl *c)
{
	while (c->nqueue && !scan_aborted(c->t)) {
		size_t n = MIN(c->nqueue, (size_t)BATCH);
		struct http_batch *b = http_batch_new(scan_http(c->t));
		struct http_response **resp = xcalloc(n, sizeof(*resp));
		struct pending *batch = xcalloc(n, sizeof(*batch));
		memcpy(batch, c->queue, n * sizeof(*batch));
		memmove(c->queue, c->queue + n, (c->nqueue - n) * sizeof(*c->queue));
		c->nqueue -= n;
		for (size_t i = 0; i < n; i++) {
			struct http_request req = {.url = batch[i].url, .follow_redirects = true};
			resp[i] = http_batch_add(b, &req);
		}
		http_batch_wait(b);
		for (size_t i = 0; i < n; i++) {
			take(c, &batch[i], resp[i]);
			free(batch[i].url);
		}
		http_batch_free(b);
		free(resp);
		free(batch);
	}
	for (size_t i = 0; i < c->nqueue; i++)
		free(c->queue[i].url);
	c->nqueue = 0;
}

static void crawl_run(struct scan_target *t, struct scan_assets *out)
{
	const struct scan_options *o = scan_options_of(t);
	struct crawl c = {.t = t, .out = out};
	c.max_pages = o->crawl_max_pages;
	c.max_assets = o->crawl_max_assets;
	c.max_bytes = o->crawl_max_bytes;
	const char *start = t->main && !t->main->err && t->main->url ? t->main->url : t->start_url;
	if (!start || url_parse(start, &c.base) != 0)
		return;
	pthread_once(&re_once, re_init);
	c.site = site_of(c.base.host);
	seen_insert(&c, start);
	if (t->main && !t->main->err && t->main->status < 400 && t->main->body.len) {
		char *ct = content_type_of(t->main);
		struct scan_asset *a = add_asset(&c, start, ct, "page");
		free(ct);
		buf_append(&a->body, t->main->body.data, t->main->body.len);
		c.bytes += a->body.len;
		examine(&c, a, true);
	}
	for (size_t i = 0; i < ARRAY_SIZE(config_paths); i++)
		enqueue(&c, start, config_paths[i], strlen(config_paths[i]), "config");
	fetch_queue(&c);
	for (size_t i = 0; i < c.nseen; i++)
		free(c.seen[i]);
	free(c.seen);
	free(c.queue);
	free(c.site);
	url_release(&c.base);
}

const struct scan_assets *scan_crawl(struct scan_target *t)
{
	/* the first caller crawls while the others wait on the lock; everyone gets the same assets */
	pthread_mutex_lock(&t->crawl_lock);
	if (!t->crawl_done) {
		crawl_run(t, &t->assets);
		t->crawl_done = true;
		log_debug("crawl: %s: %zu assets", t->host, t->assets.n);
	}
	pthread_mutex_unlock(&t->crawl_lock);
	return &t->assets;
}
