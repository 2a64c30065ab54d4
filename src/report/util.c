#include "base/common.h"
#include "report/internal.h"
#include "base/utf8.h"

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct finding *a = *(const struct finding *const *)pa;
	const struct finding *b = *(const struct finding *const *)pb;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	int c = cmp_str(a->check, b->check);
	if (c)
		return c;
	c = cmp_str(a->target, b->target);
	if (c)
		return c;
	c = cmp_str(a->location, b->location);
	if (c)
		return c;
	/* Last resort so that equal-looking findings still come out in one fixed order. */
	return strcmp(a->fingerprint, b->fingerprint);
}

const struct finding **report_sorted(const struct finding *findings, size_t n)
{
	const struct finding **v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = &findings[i];
	qsort(v, n, sizeof(*v), cmp_finding);
	return v;
}

uint32_t report_utf8_next(const char *s, size_t len, size_t *i)
{
	uint32_t cp;
	size_t n = utf8_decode((const unsigned char *)s + *i, len - *i, &cp);
	*i += n ? n : 1;
	return n ? cp : 0xFFFD;
}

/* C0, DEL, C1 and the Unicode line and paragraph separators: nothing a one-line field may hold. */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

void report_put_line(struct buf *b, const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0;
	bool space = false;
	while (i < len) {
		uint32_t cp = report_utf8_next(s, len, &i);
		if (is_control(cp) || cp == ' ') {
			space = true;
			continue;
		}
		if (space && b->len && b->data[b->len - 1] != ' ')
			buf_appendc(b, ' ');
		space = false;
		utf8_append(b, cp);
	}
}

/* The longest run of backticks in s. */
static size_t backtick_run(const char *s)
{
	size_t best = 0, run = 0;
	for (; s && *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		best = MAX(best, run);
	}
	return best;
}

static void put_ticks(struct buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_appendc(b, '`');
}

void report_put_fence(struct buf *b, const char *lang, const char *text)
{
	size_t fence = MAX((size_t)3, backtick_run(text) + 1);
	size_t len = text ? strlen(text) : 0, i = 0;
	put_ticks(b, fence);
	buf_appends(b, lang ? lang : "");
	buf_appendc(b, '\n');
	while (i < len) {
		uint32_t cp = report_utf8_next(text, len, &i);
		if (cp == '\n' || cp == '\t' || !is_control(cp))
			utf8_append(b, cp);
	}
	if (len == 0 || text[len - 1] != '\n')
		buf_appendc(b, '\n');
	put_ticks(b, fence);
	buf_appendc(b, '\n');
}

void report_put_code(struct buf *b, const char *s)
{
	struct buf line;
	buf_init(&line, REPORT_OUTPUT_MAX);
	report_put_line(&line, s);
	size_t ticks = backtick_run(buf_str(&line)) + 1;
	/* Padding spaces let the content start or end with a backtick (CommonMark strips one each). */
	bool pad = line.len && (line.data[0] == '`' || line.data[line.len - 1] == '`');
	put_ticks(b, ticks);
	if (pad)
		buf_appendc(b, ' ');
	buf_append(b, buf_str(&line), line.len);
	if (pad)
		buf_appendc(b, ' ');
	put_ticks(b, ticks);
	buf_release(&line);
}

void report_put_yaml_string(struct buf *b, const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0;
	buf_appendc(b, '"');
	while (i < len) {
		uint32_t cp = report_utf8_next(s, len, &i);
		if (cp == '"' || cp == '\\') {
			buf_appendc(b, '\\');
			buf_appendc(b, (char)cp);
		} else if (cp == '\n') {
			buf_appends(b, "\\n");
		} else if (cp == '\t') {
			buf_appends(b, "\\t");
		} else if (cp < 0x20 || cp == 0x7F) {
			buf_appendf(b, "\\x%02X", (unsigned)cp);
		} else if (is_control(cp) || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF) {
			/* C1 (NEL among them), line separators, BOM, non-characters: YAML line breaks or
			 * non-printable, so written as escapes. */
			buf_appendf(b, "\\u%04X", (unsigned)cp);
		} else {
			utf8_append(b, cp);
		}
	}
	buf_appendc(b, '"');
}

static bool has_host(const struct report_host *v, size_t n, const char *host)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(v[i].host, host) == 0)
			return true;
	return false;
}

struct report_host *report_hosts(const struct run_target *targets, size_t ntargets,
				 const struct finding *findings, size_t nfindings, const char *only,
				 size_t *count)
{
	struct report_host *v = NULL;
	size_t cap = 0, n = 0;
	for (size_t i = 0; i < ntargets + nfindings; i++) {
		const struct run_target *rt = i < ntargets ? &targets[i] : NULL;
		const char *host = rt ? rt->host : findings[i - ntargets].target;
		if (!host || !*host || has_host(v, n, host) || (only && strcasecmp(host, only) != 0))
			continue;
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n].host = host;
		v[n++].rt = rt;
	}
	*count = n;
	return v;
}

json_t *report_json_string(const char *s)
{
	json_t *j = json_string(s ? s : "");
	if (j)
		return j;
	/* Not valid UTF-8: each malformed byte becomes U+FFFD rather than the field going missing. */
	struct buf b;
	size_t len = strlen(s), i = 0;
	buf_init(&b, REPORT_OUTPUT_MAX);
	while (i < len)
		utf8_append(&b, report_utf8_next(s, len, &i));
	j = json_string(buf_str(&b));
	buf_release(&b);
	return j;
}

void report_put_pct(struct buf *b, const char *s, const char *keep)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr(keep, *p))
			buf_appendc(b, (char)*p);
		else
			buf_appendf(b, "%%%02X", *p);
	}
}
