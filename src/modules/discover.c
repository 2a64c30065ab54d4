#include "base/common.h"
#include "modules/discover.h"
#include "base/log.h"
#include "base/str.h"
#include "base/url.h"
#include "engine/module.h"
#include "modules/modutil.h"
#include <arpa/inet.h>
#include <jansson.h>
#include <pthread.h>

/*
 * discover: hosts the site's code names that belong to the same app join the run as extra
 * targets (scan_discover_target), so its backend and API are scanned too. Arbitrary third parties
 * (CDNs, analytics, fonts) never match a rule; the SSRF guard applies to each added host when
 * the scheduler connects to it.
 */

#define DISCOVER_MAX_PER_TARGET 8
#define DISCOVER_MAX_URLS 4096

struct discover_rule {
	char *pattern;
	char *reason;
	char *modules; /* NULL: every module */
};

struct discover_rules {
	struct discover_rule *items;
	size_t n;
	char **suffixes;
	size_t nsuffixes;
};

void discover_rules_free(struct discover_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->items[i].pattern);
		free(r->items[i].reason);
		free(r->items[i].modules);
	}
	for (size_t i = 0; i < r->nsuffixes; i++)
		free(r->suffixes[i]);
	free(r->items);
	free(r->suffixes);
	free(r);
}

struct discover_rules *discover_rules_parse(const char *text, size_t len, char *err, size_t errsz)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	json_t *hosts = json_object_get(doc, "hosts"), *sfx = json_object_get(doc, "public_suffixes");
	struct discover_rules *r = NULL;
	if (!json_is_array(hosts) || (sfx && !json_is_array(sfx))) {
		snprintf(err, errsz, "%s", doc ? "\"hosts\" must be an array" : je.text);
		goto out;
	}
	r = xcalloc(1, sizeof(*r));
	r->items = xcalloc(json_array_size(hosts) + 1, sizeof(*r->items));
	for (size_t i = 0; i < json_array_size(hosts); i++) {
		json_t *h = json_array_get(hosts, i);
		const char *p = json_string_value(json_object_get(h, "pattern"));
		const char *why = json_string_value(json_object_get(h, "reason"));
		json_t *mods = json_object_get(h, "modules");
		if (!p || !*p || !why || (mods && !json_is_string(mods))) {
			snprintf(err, errsz, "host %zu needs a pattern and a reason (and modules, if any, as a string)", i);
			discover_rules_free(r);
			r = NULL;
			goto out;
		}
		r->items[r->n].pattern = str_lower(xstrdup(p));
		r->items[r->n].modules = mods ? xstrdup(json_string_value(mods)) : NULL;
		r->items[r->n++].reason = xstrdup(why);
	}
	r->suffixes = xcalloc(json_array_size(sfx) + 1, sizeof(char *));
	for (size_t i = 0; i < json_array_size(sfx); i++)
		if (json_is_string(json_array_get(sfx, i)))
			r->suffixes[r->nsuffixes++] = str_lower(xstrdup(json_string_value(json_array_get(sfx, i))));
out:
	json_decref(doc);
	return r;
}

static bool discover_is_ip(const char *host)
{
	unsigned char a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

bool discover_site(const struct discover_rules *r, const char *host, char *out, size_t n)
{
	if (discover_is_ip(host))
		return false;
	/* the last two labels, or three when the last two are a public suffix ("co.uk", "vercel.app") */
	const char *p = host + strlen(host);
	int labels = 0, want = 2;
	for (;;) {
		while (p > host && p[-1] != '.')
			p--;
		labels++;
		if (labels == 2)
			for (size_t i = 0; i < r->nsuffixes; i++)
				if (!strcmp(p, r->suffixes[i]))
					want = 3;
		if (labels == want || p == host)
			break;
		p--;
	}
	if (labels < want)
		return false;
	str_copy(out, n, p);
	return true;
}

/* Glob match: '*' stands for one or more characters. */
static bool discover_glob(const char *pat, const char *s)
{
	if (!*pat)
		return !*s;
	if (*pat == '*') {
		for (const char *t = s + 1; t <= s + strlen(s); t++)
			if (*s && discover_glob(pat + 1, t))
				return true;
		return false;
	}
	return *s == *pat && discover_glob(pat + 1, s + 1);
}

const char *discover_match(const struct discover_rules *r, const char *host, const char *site_host,
			   const char **modules)
{
	char site[256];
	bool have_site = discover_site(r, site_host, site, sizeof(site));
	if (!strcmp(host, site_host))
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		const char *pat = r->items[i].pattern;
		const char *tag = strstr(pat, "{site}");
		if (tag) {
			if (!have_site)
				continue;
			char *full = xasprintf("%.*s%s%s", (int)(tag - pat), pat, site, tag + 6);
			bool ok = !strcmp(full, host);
			free(full);
			if (!ok)
				continue;
		} else if (!discover_glob(pat, host)) {
			continue;
		}
		if (modules)
			*modules = r->items[i].modules;
		return r->items[i].reason;
	}
	return NULL;
}

static bool discover_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

void discover_urls(const char *text, size_t len, size_t max, void (*fn)(void *ud, const char *origin, const char *host),
		   void *ud)
{
	size_t calls = 0;
	for (size_t i = 0; i + 3 < len && calls < max; i++) {
		if (text[i] != ':')
			continue;
		size_t h = i + 1;
		if (h + 1 < len && text[h] == '/' && text[h + 1] == '/')
			h += 2;
		else if (h + 3 < len && !memcmp(text + h, "\\/\\/", 4))
			h += 4;
		else
			continue;
		bool tls;
		if (i >= 5 && !strncasecmp(text + i - 5, "https", 5))
			tls = true;
		else if (i >= 4 && !strncasecmp(text + i - 4, "http", 4))
			tls = false;
		else if (i >= 3 && !strncasecmp(text + i - 3, "wss", 3))
			tls = true;
		else if (i >= 2 && !strncasecmp(text + i - 2, "ws", 2))
			tls = false;
		else
			continue;
		size_t e = h;
		while (e < len && e - h < 253 && discover_host_char(text[e]))
			e++;
		/* a host ends the URL's authority, or it was cut short ("bad_host") */
		if (e == h || (e < len && !strchr("/:'\"`?#\\), ;\t\r\n]", text[e])))
			continue;
		size_t pe = e;
		if (pe < len && text[pe] == ':') {
			while (pe + 1 < len && pe - e < 6 && text[pe + 1] >= '0' && text[pe + 1] <= '9')
				pe++;
			pe = pe == e ? e : pe + 1;
		}
		char *raw = xasprintf("%s://%.*s/", tls ? "https" : "http", (int)(pe - h), text + h);
		struct url u;
		if (url_parse(raw, &u) == 0) {
			char *origin = url_origin(&u);
			fn(ud, origin, u.host);
			free(origin);
			url_release(&u);
			calls++;
		}
		free(raw);
		i = e;
	}
}

static struct discover_rules *discover_loaded;
static pthread_once_t discover_once = PTHREAD_ONCE_INIT;

static void discover_load(void)
{
	size_t len;
	const char *text = modutil_rule("discovery/hosts.json", &len);
	char err[256] = "missing";
	discover_loaded = text ? discover_rules_parse(text, len, err, sizeof(err)) : NULL;
	if (!discover_loaded)
		log_error("discover: rules/discovery/hosts.json: %s", err);
}

struct discover_ctx {
	struct scan_target *t;
	size_t added;
};

static void discover_on_url(void *ud, const char *origin, const char *host)
{
	struct discover_ctx *c = ud;
	if (c->added >= DISCOVER_MAX_PER_TARGET)
		return;
	const char *modules = NULL;
	const char *why = discover_match(discover_loaded, host, c->t->hostname, &modules);
	if (why && scan_discover_target(c->t, origin, why, modules) == 0)
		c->added++;
}

static void discover_run(struct scan_target *t)
{
	pthread_once(&discover_once, discover_load);
	if (!discover_loaded)
		return;
	const struct scan_assets *a = scan_crawl(t);
	struct discover_ctx c = {.t = t};
	for (size_t i = 0; a && i < a->n && !scan_aborted(t); i++)
		discover_urls(a->items[i].body.data, a->items[i].body.len, DISCOVER_MAX_URLS, discover_on_url, &c);
	if (c.added)
		scan_progress(t, "discover", "%zu hosts of the app added", c.added);
}

const struct module discover_module = {
	.name = "discover",
	.summary = "Hosts of the same app named by its code (Supabase, Firebase, API host, buckets) join the scan",
	.run = discover_run,
};
