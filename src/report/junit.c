#include "base/common.h"
#include "report/report.h"
#include "report/internal.h"
#include "base/utf8.h"

/*
 * Appends s as XML 1.0 character data or attribute value: markup characters as entities, and
 * what XML 1.0 cannot hold at all (most control characters, malformed UTF-8, U+FFFE/U+FFFF) as
 * U+FFFD. In attributes, tab and line breaks are written as character references so that
 * attribute normalization keeps them.
 */
static void put_xml(struct buf *b, const char *s, bool attr)
{
	size_t len = s ? strlen(s) : 0, i = 0;
	while (i < len) {
		uint32_t cp = report_utf8_next(s, len, &i);
		switch (cp) {
		case '&': buf_appends(b, "&amp;"); break;
		case '<': buf_appends(b, "&lt;"); break;
		case '>': buf_appends(b, "&gt;"); break;
		case '"': buf_appends(b, attr ? "&quot;" : "\""); break;
		case '\'': buf_appends(b, attr ? "&apos;" : "'"); break;
		case '\t':
		case '\n':
		case '\r':
			if (attr)
				buf_appendf(b, "&#%u;", (unsigned)cp);
			else
				buf_appendc(b, (char)cp);
			break;
		default:
			if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF)
				cp = 0xFFFD;
			utf8_append(b, cp);
		}
	}
}

/* One testcase: the findings of one check on one target (a sorted run of them). */
static void put_testcase(struct buf *b, const char *host, const struct finding **items, size_t n,
			 bool failed)
{
	buf_appends(b, "    <testcase classname=\"");
	put_xml(b, host, true);
	buf_appends(b, "\" name=\"");
	put_xml(b, items[0]->check, true);
	buf_appends(b, "\">\n");
	struct buf body;
	buf_init(&body, REPORT_OUTPUT_MAX);
	for (size_t i = 0; i < n; i++) {
		const struct finding *f = items[i];
		buf_appendf(&body, "[%s] %s\n", severity_name(f->severity), f->title ? f->title : "");
		if (f->location && *f->location)
			buf_appendf(&body, "Location: %s\n", f->location);
		if (f->evidence && *f->evidence)
			buf_appendf(&body, "Evidence: %s\n", f->evidence);
	}
	if (failed) {
		buf_appendf(b, "      <failure type=\"%s\" message=\"", severity_name(items[0]->severity));
		put_xml(b, items[0]->title, true);
		if (n > 1)
			buf_appendf(b, " (and %zu more)", n - 1);
		buf_appends(b, "\">");
		put_xml(b, buf_str(&body), false);
		buf_appends(b, "</failure>\n");
	} else {
		/* Below the threshold: a pass that still shows what was seen. */
		buf_appends(b, "      <system-out>");
		put_xml(b, buf_str(&body), false);
		buf_appends(b, "</system-out>\n");
	}
	buf_appends(b, "    </testcase>\n");
	buf_release(&body);
}

char *report_junit_xml(const struct run_target *targets, size_t ntargets,
		       const struct finding *findings, size_t n, enum severity threshold)
{
	struct buf b, suites;
	size_t nh, tests = 0, failures = 0;
	buf_init(&b, REPORT_OUTPUT_MAX);
	buf_init(&suites, REPORT_OUTPUT_MAX);
	struct report_host *hosts = report_hosts(targets, ntargets, findings, n, NULL, &nh);
	const struct finding **sorted = report_sorted(findings, n);
	const struct finding **items = xcalloc(n ? n : 1, sizeof(*items));
	bool *done = xcalloc(n ? n : 1, sizeof(*done));

	for (size_t h = 0; h < nh; h++) {
		struct buf cases;
		size_t st = 0, sf = 0;
		buf_init(&cases, REPORT_OUTPUT_MAX);
		/* Checks in order of their worst finding; each gathers all its findings on the host. */
		for (size_t i = 0; i < n; i++) {
			const struct finding *f = sorted[i];
			if (done[i] || !f->target || strcasecmp(f->target, hosts[h].host) != 0)
				continue;
			size_t k = 0;
			for (size_t j = i; j < n; j++) {
				const struct finding *g = sorted[j];
				if (!done[j] && g->target && strcasecmp(g->target, hosts[h].host) == 0 &&
				    !strcmp(g->check ? g->check : "", f->check ? f->check : "")) {
					items[k++] = g;
					done[j] = true;
				}
			}
			bool failed = f->severity >= threshold;
			put_testcase(&cases, hosts[h].host, items, k, failed);
			st++;
			sf += failed;
		}
		buf_appends(&suites, "  <testsuite name=\"");
		put_xml(&suites, hosts[h].host, true);
		buf_appendf(&suites, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n",
			    st, sf);
		buf_append(&suites, buf_str(&cases), cases.len);
		buf_appends(&suites, "  </testsuite>\n");
		buf_release(&cases);
		tests += st;
		failures += sf;
	}
	buf_appendf(&b,
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<testsuites name=\"secscan\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
		    tests, failures);
	buf_append(&b, buf_str(&suites), suites.len);
	buf_appends(&b, "</testsuites>\n");
	buf_release(&suites);
	free(done);
	free(items);
	free(sorted);
	free(hosts);
	return buf_detach(&b, NULL);
}
