#include "base/common.h"
#include "modules/modutil.h"
#include "base/crypto.h"
#include "base/str.h"
#include "engine/rules_embedded.h"
#include "base/log.h"
#include "modules/matcher.h"
#include "modules/soft404.h"

const char *modutil_rule(const char *path, size_t *len)
{
	const struct embedded_file *f = rules_embedded_find(path);
	if (!f)
		return NULL;
	*len = f->len;
	return f->data;
}

void modutil_random_path(char *out, size_t n, const char *suffix)
{
	char id[17];
	crypto_random_id(id, 16, false);
	snprintf(out, n, "/secscan-%s%s", id, suffix);
}

void modutil_content_type(const struct http_response *r, char *out, size_t n)
{
	const char *ct = http_header_get(r, "Content-Type");
	str_copy(out, n, ct ? ct : "");
	char *semi = strchr(out, ';');
	if (semi)
		*semi = '\0';
	char *t = str_lower(str_trim(out));
	memmove(out, t, strlen(t) + 1);
}

bool modutil_is_html(const struct http_response *r)
{
	char ct[128];
	modutil_content_type(r, ct, sizeof(ct));
	if (*ct)
		return !strcmp(ct, "text/html") || !strcmp(ct, "application/xhtml+xml");
	return matcher_looks_html(r->body.data, r->body.len);
}

int modutil_year(void)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	return tm.tm_year + 1900;
}

void modutil_emit(struct scan_target *t, const char *module, const char *check, const char *location,
		  const char *detail, const char *evidence)
{
	struct finding_spec spec = {
		.check = check, .location = location, .detail = detail, .evidence = evidence, .severity = -1,
	};
	scan_emit(t, module, &spec);
}

static bool modutil_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void modutil_emit_probe(struct scan_target *t, const char *module, const struct probe *p,
			const struct http_response *r, size_t len, const char *url, const char *detail)
{
	char ct[128];
	modutil_content_type(r, ct, sizeof(ct));
	struct buf ev;
	buf_init(&ev, 4096);
	const char *check = probe_report(p, r->status, ct, r->body.data, len, &ev);
	modutil_emit(t, module, check, url, detail, buf_str(&ev));
	buf_release(&ev);
}

bool modutil_tag_attr(const char *s, const char *e, const char *name, struct buf *out)
{
	size_t n = strlen(name);
	for (const char *p = s; p + n < e; p++) {
		if (strncasecmp(p, name, n) || (p > s && !modutil_is_ws(p[-1]) && p[-1] != '"' && p[-1] != '\'' && p[-1] != '/'))
			continue;
		const char *q = p + n;
		while (q < e && modutil_is_ws(*q))
			q++;
		if (q >= e || *q != '=')
			continue;
		q++;
		while (q < e && modutil_is_ws(*q))
			q++;
		if (q >= e)
			return false;
		char quote = (*q == '"' || *q == '\'') ? *q++ : 0;
		const char *v = q;
		while (q < e && (quote ? *q != quote : !modutil_is_ws(*q) && *q != '>'))
			q++;
		buf_reset(out);
		buf_append(out, v, (size_t)(q - v));
		return true;
	}
	return false;
}

bool modutil_html_meta(const char *body, size_t len, const char *attr, const char *value, struct buf *out)
{
	if (!body)
		return false;
	len = MIN(len, (size_t)65536);
	struct buf v;
	buf_init(&v, 4096);
	bool found = false;
	for (const char *p = body; !found && p && p < body + len;) {
		const char *tag = str_find_nocase(p, (size_t)(body + len - p), "<meta");
		if (!tag)
			break;
		const char *end = memchr(tag, '>', (size_t)(body + len - tag));
		if (!end)
			break;
		if (modutil_tag_attr(tag + 5, end, attr, &v) && !strcasecmp(buf_str(&v), value) &&
		    modutil_tag_attr(tag + 5, end, "content", out))
			found = true;
		p = end + 1;
	}
	buf_release(&v);
	return found;
}

int modutil_probe_list(struct probe_list *l, const char *path)
{
	size_t len;
	const char *text = modutil_rule(path, &len);
	char err[256] = "missing";
	if (!text || probe_list_parse(l, text, len, err, sizeof(err))) {
		log_error("rules/%s: %s", path, err);
		return SS_EINVAL;
	}
	return 0;
}

#define MODUTIL_PROBE_BODY_MAX (64 * 1024)
/* Random paths asked first to learn the not-found answer: bare, file-like and directory-like. */
static const char *const modutil_baseline_suffixes[] = {"", ".bak", "/"};
#define MODUTIL_NBASE ARRAY_SIZE(modutil_baseline_suffixes)

struct http_response *modutil_probe_add(struct http_batch *b, const struct probe *p, const char *url)
{
	char range[64];
	const char *hdrs[2] = {NULL, NULL};
	size_t max = MODUTIL_PROBE_BODY_MAX;
	if (p && p->range_bytes) {
		/* a heap dump or an archive: its first bytes prove it, the rest is not ours to take */
		snprintf(range, sizeof(range), "Range: bytes=0-%ld", p->range_bytes - 1);
		hdrs[0] = range;
		max = (size_t)p->range_bytes;
	}
	struct http_request req = {.url = url, .method = "GET", .max_body = max, .headers = hdrs};
	return http_batch_add(b, &req);
}

bool modutil_probe_hit(const struct probe *p, const char *path, const struct http_response *r,
		       const struct soft404 *notfound)
{
	return !r->err && matcher_test(&p->match, r->status, r->body.data, r->body.len) &&
	       !soft404_matches(notfound, path, r->status, r->body.data, r->body.len);
}

/* A probe's path or detail with {host} replaced by the target's host name. */
static char *modutil_fill(const char *tmpl, const char *hostname)
{
	const char *at = strstr(tmpl, "{host}");
	if (!at)
		return xstrdup(tmpl);
	return xasprintf("%.*s%s%s", (int)(at - tmpl), tmpl, hostname, at + 6);
}

size_t modutil_probe_paths(struct scan_target *t, const char *module, const struct probe_list *l)
{
	char base[MODUTIL_NBASE][64];
	char **paths = xcalloc(l->n, sizeof(*paths));
	struct http_response **resp = xcalloc(l->n + MODUTIL_NBASE, sizeof(*resp));
	struct http_batch *b = http_batch_new(scan_http(t));
	size_t hits = 0;
	for (size_t i = 0; i < l->n + MODUTIL_NBASE; i++) {
		const char *path;
		const struct probe *p = i < MODUTIL_NBASE ? NULL : &l->items[i - MODUTIL_NBASE];
		if (!p) {
			modutil_random_path(base[i], sizeof(base[i]), modutil_baseline_suffixes[i]);
			path = base[i];
		} else if (p->path) {
			path = paths[i - MODUTIL_NBASE] = modutil_fill(p->path, t->hostname);
		} else {
			continue;
		}
		char *url = xasprintf("%s%s", t->base_url, path);
		resp[i] = modutil_probe_add(b, p, url);
		free(url);
	}
	scan_progress(t, module, "%zu probes", l->n);
	http_batch_wait(b);
	if (scan_aborted(t))
		goto out;

	struct soft404 notfound = {0}, mainpage = {0};
	for (size_t i = 0; i < MODUTIL_NBASE; i++)
		if (!resp[i]->err)
			soft404_learn(&notfound, base[i], resp[i]->status, resp[i]->body.data, resp[i]->body.len);
	/* An SPA answers unknown paths with its index page: for any other path, the main page is a
	 * not-found answer too (but "/" itself may be the listing). */
	if (t->main && !t->main->err)
		soft404_learn(&mainpage, "", t->main->status, t->main->body.data, t->main->body.len);

	for (size_t i = 0; i < l->n; i++) {
		const struct http_response *r = resp[i + MODUTIL_NBASE];
		const struct probe *p = &l->items[i];
		if (!r || !modutil_probe_hit(p, paths[i], r, &notfound) ||
		    (strcmp(paths[i], "/") && soft404_matches(&mainpage, paths[i], r->status, r->body.data, r->body.len)))
			continue;
		char *url = xasprintf("%s%s", t->base_url, paths[i]);
		char *detail = modutil_fill(p->detail, t->hostname);
		modutil_emit_probe(t, module, p, r, r->body.len, url, detail);
		free(detail);
		free(url);
		hits++;
	}
out:
	http_batch_free(b);
	for (size_t i = 0; i < l->n; i++)
		free(paths[i]);
	free(paths);
	free(resp);
	return hits;
}

void modutil_probe_file(struct scan_target *t, const char *module, const char *path)
{
	struct probe_list l;
	if (modutil_probe_list(&l, path))
		return;
	size_t hits = modutil_probe_paths(t, module, &l);
	scan_progress(t, module, "%zu probes, %zu found", l.n, hits);
	probe_list_release(&l);
}
