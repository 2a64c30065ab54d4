#include "base/common.h"
#include "modules/matcher.h"
#include "base/gzip.h"
#include "base/str.h"
#include <jansson.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Rule files are ours, but a bad pattern must not hang a scan on a hostile body. */
#define MATCHER_MATCH_LIMIT 200000
#define MATCHER_DEPTH_LIMIT 10000

struct matcher_regex {
	pcre2_code *code;
	pcre2_match_context *mctx;
};

static void matcher_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void matcher_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static struct matcher_regex *matcher_compile(const char *pattern, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE,
				       &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[120];
		pcre2_get_error_message(code, msg, sizeof(msg));
		matcher_err(err, errlen, "regex \"%s\" at %zu: %s", pattern, (size_t)off, (char *)msg);
		return NULL;
	}
	struct matcher_regex *r = xcalloc(1, sizeof(*r));
	r->code = re;
	r->mctx = pcre2_match_context_create(NULL);
	if (!r->mctx)
		abort();
	pcre2_set_match_limit(r->mctx, MATCHER_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, MATCHER_DEPTH_LIMIT);
	return r;
}

static void matcher_regex_free(struct matcher_regex *r)
{
	pcre2_match_context_free(r->mctx);
	pcre2_code_free(r->code);
	free(r);
}

/* Offset and length of the first match of r in body; false if none (or the limits hit). */
static bool matcher_regex_find(const struct matcher_regex *r, const char *body, size_t len,
			       size_t *at, size_t *mlen)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->code, NULL);
	if (!md)
		abort();
	int rc = pcre2_match(r->code, (PCRE2_SPTR)(body ? body : ""), len, 0, 0, md, r->mctx);
	bool hit = rc >= 0;
	if (hit && at) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		*at = ov[0];
		*mlen = ov[1] >= ov[0] ? ov[1] - ov[0] : 0;
	}
	pcre2_match_data_free(md);
	return hit;
}

static int matcher_hex(struct matcher *m, const char *hex, char *err, size_t errlen)
{
	size_t n = strlen(hex);
	if (n == 0 || n % 2 || n / 2 > sizeof(m->magic)) {
		matcher_err(err, errlen, "magic \"%s\": want 1-%zu bytes of hex", hex, sizeof(m->magic));
		return SS_EINVAL;
	}
	for (size_t i = 0; i < n; i += 2) {
		unsigned v;
		char pair[3] = {hex[i], hex[i + 1], 0};
		if (!strchr("0123456789abcdefABCDEF", pair[0]) || !strchr("0123456789abcdefABCDEF", pair[1]) ||
		    sscanf(pair, "%2x", &v) != 1) {
			matcher_err(err, errlen, "magic \"%s\" is not hex", hex);
			return SS_EINVAL;
		}
		m->magic[m->magic_len++] = (unsigned char)v;
	}
	return 0;
}

static int matcher_add_regex(struct matcher *m, const json_t *v, char *err, size_t errlen)
{
	if (!json_is_string(v)) {
		matcher_err(err, errlen, "regex must be a string");
		return SS_EINVAL;
	}
	struct matcher_regex *r = matcher_compile(json_string_value(v), err, errlen);
	if (!r)
		return SS_EINVAL;
	m->regex = xrealloc(m->regex, (m->nregex + 1) * sizeof(*m->regex));
	m->regex[m->nregex++] = r;
	return 0;
}

static int matcher_from_json(struct matcher *m, const json_t *j, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->status = 200;
	if (!json_is_object(j)) {
		matcher_err(err, errlen, "a matcher must be an object");
		return SS_EINVAL;
	}
	int rc = SS_EINVAL;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)j, key, v) {
		if (!strcmp(key, "status") && json_is_integer(v)) {
			m->status = (long)json_integer_value(v);
		} else if (!strcmp(key, "status_min") && json_is_integer(v)) {
			m->status_min = (long)json_integer_value(v);
		} else if (!strcmp(key, "regex") && json_is_array(v)) {
			size_t i;
			const json_t *e;
			json_array_foreach(v, i, e)
				if (matcher_add_regex(m, e, err, errlen))
					goto out;
		} else if (!strcmp(key, "regex")) {
			if (matcher_add_regex(m, v, err, errlen))
				goto out;
		} else if (!strcmp(key, "magic") && json_is_string(v)) {
			if (matcher_hex(m, json_string_value(v), err, errlen))
				goto out;
		} else if (!strcmp(key, "not_html") && json_is_boolean(v)) {
			m->not_html = json_is_true(v);
		} else if (!strcmp(key, "gunzip") && json_is_boolean(v)) {
			m->gunzip = json_is_true(v);
		} else {
			matcher_err(err, errlen, "unknown or mistyped matcher key \"%s\"", key);
			goto out;
		}
	}
	if (!m->nregex && !m->magic_len) {
		matcher_err(err, errlen, "a matcher needs a regex or a magic");
		goto out;
	}
	rc = 0;
out:
	if (rc)
		matcher_release(m);
	return rc;
}

int matcher_parse(struct matcher *m, const char *json, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		memset(m, 0, sizeof(*m));
		matcher_err(err, errlen, "line %d: %s", jerr.line, jerr.text);
		return SS_EINVAL;
	}
	int rc = matcher_from_json(m, j, err, errlen);
	json_decref(j);
	return rc;
}

void matcher_release(struct matcher *m)
{
	for (size_t i = 0; i < m->nregex; i++)
		matcher_regex_free(m->regex[i]);
	free(m->regex);
	memset(m, 0, sizeof(*m));
}

bool matcher_looks_html(const char *body, size_t len)
{
	size_t i = 0;
	if (len >= 3 && !memcmp(body, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	static const char *const starts[] = {"<!doctype", "<html", "<head", "<body", "<!--", "<meta",
					     "<title", "<script", "<div", "<?xml"};
	for (size_t k = 0; k < ARRAY_SIZE(starts); k++) {
		size_t n = strlen(starts[k]);
		if (len - i >= n && !strncasecmp(body + i, starts[k], n))
			return true;
	}
	return false;
}

/* The conditions of m on the body, status aside. */
static bool matcher_test_plain(const struct matcher *m, const char *body, size_t len)
{
	if (m->magic_len && (len < m->magic_len || memcmp(body, m->magic, m->magic_len)))
		return false;
	if (m->not_html && matcher_looks_html(body, len))
		return false;
	for (size_t i = 0; i < m->nregex; i++)
		if (!matcher_regex_find(m->regex[i], body, len, NULL, NULL))
			return false;
	return true;
}

/* Points *body and *len at what m judges: a gzip body's decompressed start (kept in plain, which
 * the caller releases) when m says gunzip; true if that is the decompressed content. */
static bool matcher_plain(const struct matcher *m, const char **body, size_t *len, struct buf *plain)
{
	buf_init(plain, MATCHER_GUNZIP_MAX);
	if (!m->gunzip || !*body || gzip_head(*body, *len, plain))
		return false;
	*body = plain->data;
	*len = plain->len;
	return true;
}

bool matcher_test(const struct matcher *m, long status, const char *body, size_t len)
{
	if ((m->status && status != m->status) || status < m->status_min)
		return false;
	struct buf plain;
	matcher_plain(m, &body, &len, &plain);
	bool ok = matcher_test_plain(m, body, len);
	buf_release(&plain);
	return ok;
}

/* Appends [s, s+n) to out with control bytes and non-ASCII shown as '.'. */
static void matcher_append_printable(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		buf_appendc(out, (c >= 0x20 && c < 0x7f) ? (char)c : '.');
	}
}

bool matcher_excerpt(const struct matcher *m, const char *body, size_t len, size_t max, struct buf *out)
{
	size_t at, n;
	struct buf plain;
	matcher_plain(m, &body, &len, &plain);
	bool found = m->nregex && matcher_regex_find(m->regex[0], body, len, &at, &n);
	if (found) {
		const char *nl = memchr(body + at, '\n', n);
		if (nl)
			n = (size_t)(nl - (body + at));
		matcher_append_printable(out, body + at, MIN(n, max));
		if (n > max)
			buf_appends(out, "...");
	}
	buf_release(&plain);
	return found;
}

/* Parses one line [s, e) as KEY=VALUE, KEY: VALUE or "key": "value". */
static bool matcher_key_line(const char *s, const char *e, const char **ks, size_t *klen, size_t *vlen)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if ((size_t)(e - s) > 7 && !strncmp(s, "export ", 7))
		s += 7;
	bool quoted = s < e && (*s == '"' || *s == '\'');
	if (quoted)
		s++;
	const char *k = s;
	if (s >= e || !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return false;
	while (s < e && (*s == '_' || *s == '.' || *s == '-' || (*s >= 'A' && *s <= 'Z') ||
			 (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		s++;
	*ks = k;
	*klen = (size_t)(s - k);
	if (quoted) {
		if (s >= e || (*s != '"' && *s != '\''))
			return false;
		s++;
	}
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= e || (*s != '=' && *s != ':'))
		return false;
	s++;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	/* The value's length without quotes, a trailing comma or white space. */
	const char *ve = e;
	while (ve > s && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r' || ve[-1] == ','))
		ve--;
	if (ve - s >= 2 && (*s == '"' || *s == '\'') && ve[-1] == *s) {
		s++;
		ve--;
	}
	*vlen = (size_t)(ve - s);
	return true;
}

size_t matcher_redacted_keys(const char *body, size_t len, size_t max_keys, struct buf *out)
{
	size_t found = 0;
	const char *p = body, *end = body + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *k;
		size_t klen, vlen;
		if (matcher_key_line(p, e, &k, &klen, &vlen)) {
			if (found < max_keys) {
				if (found)
					buf_appends(out, ", ");
				buf_append(out, k, MIN(klen, 64));
				if (vlen)
					buf_appendf(out, "=<redacted, %zu chars>", vlen);
				else
					buf_appends(out, "=<empty>");
			}
			found++;
		}
		p = nl ? nl + 1 : end;
	}
	if (found > max_keys)
		buf_appendf(out, " and %zu more", found - max_keys);
	return found;
}

static int probe_from_json(struct probe *p, const json_t *j, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(j, "id"));
	const char *path = json_string_value(json_object_get(j, "path"));
	const char *check = json_string_value(json_object_get(j, "check"));
	const char *detail = json_string_value(json_object_get(j, "detail"));
	const char *ev = json_string_value(json_object_get(j, "evidence"));
	const json_t *esc = json_object_get(j, "escalate");
	if (!id || !check || !detail) {
		matcher_err(err, errlen, "probe %s: id, check and detail are required", id ? id : "?");
		return SS_EINVAL;
	}
	if (path && path[0] != '/') {
		matcher_err(err, errlen, "probe %s: path must start with /", id);
		return SS_EINVAL;
	}
	const json_t *range = json_object_get(j, "range_bytes");
	if (range && (!json_is_integer(range) || json_integer_value(range) < 1 ||
		      json_integer_value(range) > 1024 * 1024)) {
		matcher_err(err, errlen, "probe %s: range_bytes is a number of bytes (1 to 1048576)", id);
		return SS_EINVAL;
	}
	p->range_bytes = range ? (long)json_integer_value(range) : 0;
	p->evidence = PROBE_EVIDENCE_MATCH;
	if (ev && !strcmp(ev, "keys"))
		p->evidence = PROBE_EVIDENCE_KEYS;
	else if (ev && !strcmp(ev, "size"))
		p->evidence = PROBE_EVIDENCE_SIZE;
	else if (ev && strcmp(ev, "match")) {
		matcher_err(err, errlen, "probe %s: evidence is match, keys or size", id);
		return SS_EINVAL;
	}
	char sub[200];
	if (matcher_from_json(&p->match, json_object_get(j, "match"), sub, sizeof(sub))) {
		matcher_err(err, errlen, "probe %s: %s", id, sub);
		return SS_EINVAL;
	}
	if (p->evidence == PROBE_EVIDENCE_MATCH && !p->match.nregex) {
		matcher_release(&p->match);
		matcher_err(err, errlen, "probe %s: evidence \"match\" needs a regex", id);
		return SS_EINVAL;
	}
	if (esc) {
		const char *echeck = json_string_value(json_object_get(esc, "check"));
		if (!echeck || matcher_from_json(&p->escalate, json_object_get(esc, "match"), sub, sizeof(sub))) {
			matcher_release(&p->match);
			matcher_err(err, errlen, "probe %s: escalate needs a check and a valid match%s%s", id,
				    echeck ? ": " : "", echeck ? sub : "");
			return SS_EINVAL;
		}
		p->has_escalate = true;
		p->escalate_check = xstrdup(echeck);
	}
	p->id = xstrdup(id);
	p->path = path ? xstrdup(path) : NULL;
	p->check = xstrdup(check);
	p->detail = xstrdup(detail);
	return 0;
}

int probe_list_parse(struct probe_list *l, const char *text, size_t len, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		matcher_err(err, errlen, "line %d: %s", jerr.line, jerr.text);
		return SS_EINVAL;
	}
	int rc = SS_EINVAL;
	const json_t *arr = json_object_get(root, "probes");
	if (!json_is_array(arr)) {
		matcher_err(err, errlen, "\"probes\" must be an array");
		goto out;
	}
	l->items = xcalloc(json_array_size(arr) + 1, sizeof(*l->items));
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		if (!json_is_object(v) || probe_from_json(&l->items[l->n], v, err, errlen))
			goto out;
		l->n++;
	}
	rc = 0;
out:
	json_decref(root);
	if (rc)
		probe_list_release(l);
	return rc;
}

void probe_list_release(struct probe_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct probe *p = &l->items[i];
		free(p->id);
		free(p->path);
		free(p->check);
		free(p->detail);
		free(p->escalate_check);
		matcher_release(&p->match);
		if (p->has_escalate)
			matcher_release(&p->escalate);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

const char *probe_report(const struct probe *p, long status, const char *content_type,
			 const char *body, size_t len, struct buf *out)
{
	buf_appendf(out, "HTTP %ld, %zu bytes", status, len);
	if (content_type && *content_type)
		buf_appendf(out, ", %s", content_type);
	buf_appends(out, ": ");
	switch (p->evidence) {
	case PROBE_EVIDENCE_MATCH:
		matcher_excerpt(&p->match, body, len, 160, out);
		break;
	case PROBE_EVIDENCE_KEYS:
		matcher_redacted_keys(body, len, 8, out);
		break;
	case PROBE_EVIDENCE_SIZE: {
		struct buf plain;
		const char *head = body;
		size_t n = len;
		if (matcher_plain(&p->match, &head, &n, &plain))
			buf_appends(out, "gzip, decompressed ");
		buf_appends(out, "starts with");
		for (size_t i = 0; i < MIN(n, (size_t)8); i++)
			buf_appendf(out, " %02x", (unsigned char)head[i]);
		buf_release(&plain);
		break;
	}
	}
	if (!p->has_escalate || !matcher_test(&p->escalate, status, body, len))
		return p->check;
	/* Escalation regexes keep the value in a look-ahead, so the excerpt is the key alone. */
	if (p->evidence != PROBE_EVIDENCE_KEYS) {
		buf_appends(out, "; credential: ");
		matcher_excerpt(&p->escalate, body, len, 80, out);
	}
	return p->escalate_check;
}
