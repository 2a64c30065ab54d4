#include "base/common.h"
#include "report/report.h"
#include "report/internal.h"

static const char *const sev_color[SEV_COUNT] = {
	"\033[2m", "\033[36m", "\033[33m", "\033[31m", "\033[1;31m",
};
#define RESET "\033[0m"

/* Appends one field with report_put_line: a finding's text cannot move the cursor or recolour
 * the terminal (escape sequences are control characters, so they become spaces). */
static void put_field(struct buf *b, const char *label, const char *s)
{
	if (!s || !*s)
		return;
	buf_appendf(b, "      %s", label);
	report_put_line(b, s);
	buf_appendc(b, '\n');
}

void report_print_text(FILE *out, const struct finding *findings, size_t n, bool color)
{
	struct buf b;
	struct severity_counts all;
	buf_init(&b, REPORT_OUTPUT_MAX);
	const struct finding **sorted = report_sorted(findings, n);
	report_count(findings, n, NULL, &all);

	for (size_t i = 0; i < n; i++) {
		const struct finding *f = sorted[i];
		if (i == 0 || sorted[i - 1]->severity != f->severity)
			buf_appendf(&b, "%s%s%s (%" PRId64 ")%s\n", i ? "\n" : "",
				    color ? sev_color[f->severity] : "", severity_name(f->severity),
				    all.count[f->severity], color ? RESET : "");
		buf_appends(&b, "  - ");
		report_put_line(&b, f->title);
		/* The check id is what --ignore files and the catalogue are keyed by. */
		if (f->check && *f->check) {
			buf_appends(&b, " [");
			report_put_line(&b, f->check);
			buf_appendc(&b, ']');
		}
		buf_appends(&b, "\n");
		buf_appends(&b, "      ");
		report_put_line(&b, f->target);
		if (f->location && *f->location) {
			buf_appends(&b, "  ");
			report_put_line(&b, f->location);
		}
		buf_appendc(&b, '\n');
		put_field(&b, "evidence: ", f->evidence);
	}

	size_t nh;
	struct report_host *hosts = report_hosts(NULL, 0, findings, n, NULL, &nh);
	buf_appendf(&b, "%s%" PRId64 " finding%s: %" PRId64 " critical, %" PRId64 " high, %" PRId64
			" medium, %" PRId64 " low, %" PRId64 " info. Risk grade",
		    n ? "\n" : "", all.total, all.total == 1 ? "" : "s", all.count[SEV_CRITICAL],
		    all.count[SEV_HIGH], all.count[SEV_MEDIUM], all.count[SEV_LOW],
		    all.count[SEV_INFO]);
	if (nh == 0)
		buf_appendf(&b, " %c", report_grade(findings, n, NULL));
	for (size_t h = 0; h < nh; h++) {
		buf_appendf(&b, "%s %c (", h ? "," : "", report_grade(findings, n, hosts[h].host));
		report_put_line(&b, hosts[h].host);
		buf_appendc(&b, ')');
	}
	buf_appends(&b, ".\n");
	fwrite(b.data, 1, b.len, out);
	free(hosts);
	free(sorted);
	buf_release(&b);
}
