#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "report/report.h"

/* A fixture finding; strings are literals, so these are never released. */
static struct finding fx(const char *check, const char *target, enum severity sev, const char *title,
			 const char *location, const char *evidence, int64_t seq)
{
	struct finding f = {0};
	f.check = (char *)check;
	f.target = (char *)target;
	f.severity = sev;
	f.category = (char *)"tls";
	f.title = (char *)title;
	f.description = (char *)"Why it matters.";
	f.evidence = (char *)evidence;
	f.tool = (char *)"headers";
	f.location = (char *)location;
	f.seq = seq;
	snprintf(f.fingerprint, sizeof(f.fingerprint), "%064" PRId64, seq);
	return f;
}

static struct severity_counts counts(int c, int h, int m, int l, int i)
{
	struct severity_counts s = {0};
	s.count[SEV_CRITICAL] = c;
	s.count[SEV_HIGH] = h;
	s.count[SEV_MEDIUM] = m;
	s.count[SEV_LOW] = l;
	s.count[SEV_INFO] = i;
	s.total = c + h + m + l + i;
	return s;
}

static char grade(int c, int h, int m, int l, int i)
{
	struct severity_counts s = counts(c, h, m, l, i);
	return report_grade_counts(&s);
}

static void grade_boundaries(void **state)
{
	assert_int_equal(grade(0, 0, 0, 0, 0), 'A');
	assert_int_equal(grade(0, 0, 0, 0, 1000), 'A'); /* INFO never lowers the grade */
	assert_int_equal(grade(1, 0, 0, 0, 0), 'F');    /* any CRITICAL */
	assert_int_equal(grade(0, 0, 0, 2, 0), 'A');
	assert_int_equal(grade(0, 0, 0, 3, 0), 'B');
	assert_int_equal(grade(0, 0, 0, 100000, 0), 'B'); /* LOWs are capped */
	assert_int_equal(grade(0, 0, 1, 0, 0), 'B');
	assert_int_equal(grade(0, 0, 2, 0, 0), 'B');
	assert_int_equal(grade(0, 0, 2, 1, 0), 'C');
	assert_int_equal(grade(0, 1, 0, 0, 0), 'C');
	assert_int_equal(grade(0, 1, 1, 2, 0), 'C');
	assert_int_equal(grade(0, 1, 1, 3, 0), 'D');
	assert_int_equal(grade(0, 0, 100000, 100000, 0), 'D'); /* MEDIUMs alone never make an F */
	assert_int_equal(grade(0, 2, 2, 1, 0), 'D');
	assert_int_equal(grade(0, 2, 2, 2, 0), 'F');
	assert_int_equal(grade(0, 3, 0, 0, 0), 'F');
	assert_int_equal(grade(0, 1000000, 0, 0, 0), 'F');
}

static void grade_of_one_target(void **state)
{
	struct finding f[] = {
		fx("a.crit", "bad.example", SEV_CRITICAL, "t", "", "", 1),
		fx("a.low", "good.example", SEV_LOW, "t", "", "", 2),
		fx("a.info", "GOOD.example", SEV_INFO, "t", "", "", 3),
	};
	assert_int_equal(report_grade(f, 3, "bad.example"), 'F');
	assert_int_equal(report_grade(f, 3, "good.example"), 'A');
	assert_int_equal(report_grade(f, 3, "other.example"), 'A');
	assert_int_equal(report_grade(f, 3, NULL), 'F');
	struct severity_counts c;
	report_count(f, 3, "good.example", &c);
	assert_int_equal(c.total, 2);
	assert_int_equal(c.count[SEV_INFO], 1);
}

static void finding_json_has_the_api_fields(void **state)
{
	struct finding f = fx("headers.hsts-missing", "myapp.com", SEV_MEDIUM, "HSTS missing",
			      "https://myapp.com/", "no header", 7);
	json_t *o = report_finding_json(&f);
	char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"category\":\"tls\",\"check\":\"headers.hsts-missing\","
			       "\"description\":\"Why it matters.\",\"evidence\":\"no header\","
			       "\"seq\":7,\"severity\":\"MEDIUM\",\"target\":\"myapp.com\","
			       "\"title\":\"HSTS missing\",\"tool\":\"headers\"}");
	free(s);
	json_decref(o);
}

static struct run fixture_run(const char *status, int64_t finished)
{
	struct run r = {0};
	snprintf(r.id, sizeof(r.id), "abc12345");
	r.target = (char *)"myapp.com";
	r.status = (char *)status;
	r.started_at = 1775988000; /* 2026-04-12T10:00:00Z */
	r.finished_at = finished;
	r.summary = counts(1, 3, 5, 3, 0);
	return r;
}

static void scan_json_while_running_and_finished(void **state)
{
	struct finding f = fx("x.y", "myapp.com", SEV_HIGH, "t", "", "e", 4);
	struct run r = fixture_run("running", 0);
	json_t *o = report_scan_json(&r, &f, 1, "https://scanner.example");
	assert_string_equal(json_string_value(json_object_get(o, "run_id")), "abc12345");
	assert_string_equal(json_string_value(json_object_get(o, "status")), "running");
	assert_string_equal(json_string_value(json_object_get(o, "started_at")),
			    "2026-04-12T10:00:00+00:00");
	assert_null(json_object_get(o, "finished_at"));
	assert_string_equal(json_string_value(json_object_get(o, "fix_url")),
			    "https://scanner.example/v1/scan/abc12345/fix");
	json_t *sum = json_object_get(o, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "total")), 12);
	assert_int_equal(json_integer_value(json_object_get(sum, "critical")), 1);
	assert_int_equal(json_integer_value(json_object_get(sum, "info")), 0);
	assert_int_equal(json_object_size(sum), 6);
	assert_int_equal(json_array_size(json_object_get(o, "findings")), 1);
	json_decref(o);

	r = fixture_run("completed", 1775988222);
	o = report_scan_json(&r, NULL, 0, "https://scanner.example");
	assert_string_equal(json_string_value(json_object_get(o, "finished_at")),
			    "2026-04-12T10:03:42+00:00");
	assert_int_equal(json_array_size(json_object_get(o, "findings")), 0);
	json_decref(o);
}

static void run_item_json(void **state)
{
	struct run r = fixture_run("running", 0);
	json_t *o = report_run_item_json(&r);
	assert_string_equal(json_string_value(json_object_get(o, "id")), "abc12345");
	assert_string_equal(json_string_value(json_object_get(o, "run_id")), "abc12345");
	assert_string_equal(json_string_value(json_object_get(o, "target")), "myapp.com");
	assert_true(json_is_null(json_object_get(o, "finished_at")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "summary"), "high")), 3);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grade_boundaries),
		cmocka_unit_test(grade_of_one_target),
		cmocka_unit_test(finding_json_has_the_api_fields),
		cmocka_unit_test(scan_json_while_running_and_finished),
		cmocka_unit_test(run_item_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
