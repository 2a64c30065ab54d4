#include "base/common.h"
#include "modules/modutil.h"
#include "base/crypto.h"
#include "base/str.h"
#include "engine/rules_embedded.h"
#include "modules/matcher.h"

const char *modutil_rule(const char *path, size_t *len)
{
	for (const struct embedded_file *f = embedded_rules; f->path; f++)
		if (!strcmp(f->path, path)) {
			*len = f->len;
			return f->data;
		}
	return NULL;
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

/* The value of attribute name inside the tag [s, e), into out; false if absent. */
static bool modutil_tag_attr(const char *s, const char *e, const char *name, struct buf *out)
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
