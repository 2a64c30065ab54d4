#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "report/report.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/utf8.h"
#include "engine/catalogue.h"

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

/* The change of each finding object of scan, as "new"/"unchanged" letters in order. */
static void changes_of(json_t *scan, char *out, size_t len)
{
	size_t i, k = 0;
	json_t *f;
	json_array_foreach(json_object_get(scan, "findings"), i, f)
		if (k + 1 < len)
			out[k++] = json_string_value(json_object_get(f, "change"))[0];
	out[k] = '\0';
}

static void comparison_marks_new_unchanged_and_fixed(void **state)
{
	struct finding now[] = {
		fx("a.one", "h.example", SEV_HIGH, "one", "", "", 1),
		fx("a.two", "h.example", SEV_LOW, "two", "", "", 2),
		fx("a.three", "h.example", SEV_LOW, "three", "", "", 3),
	};
	struct finding before[] = {
		fx("a.two", "h.example", SEV_LOW, "two", "", "", 2),
		fx("a.gone", "h.example", SEV_MEDIUM, "gone", "", "", 9),
		fx("a.gone", "h.example", SEV_MEDIUM, "gone", "", "", 9), /* listed twice: fixed once */
	};
	struct run run = {.id = "cur00001", .status = (char *)RUN_COMPLETED, .started_at = 1};
	json_t *base = json_array();
	for (size_t i = 0; i < ARRAY_SIZE(before); i++)
		json_array_append_new(base, report_finding_json(&before[i]));
	char marks[8];

	json_t *scan = report_scan_json(&run, now, 3, "http://x");
	report_compare_json(scan, now, 3, base, "old00001");
	changes_of(scan, marks, sizeof(marks));
	assert_string_equal(marks, "nun");
	assert_string_equal(json_string_value(json_object_get(scan, "compared_to")), "old00001");
	json_t *fixed = json_object_get(scan, "fixed");
	assert_int_equal(json_array_size(fixed), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(fixed, 0), "check")), "a.gone");
	json_t *ch = json_object_get(scan, "changes");
	assert_int_equal(json_integer_value(json_object_get(ch, "new")), 2);
	assert_int_equal(json_integer_value(json_object_get(ch, "unchanged")), 1);
	assert_int_equal(json_integer_value(json_object_get(ch, "fixed")), 1);
	json_decref(scan);

	/* A tail (?since=2) is marked alone, but what is fixed still counts every finding now. */
	scan = report_scan_json(&run, now + 2, 1, "http://x");
	report_compare_json(scan, now, 3, base, "old00001");
	changes_of(scan, marks, sizeof(marks));
	assert_string_equal(marks, "n");
	assert_int_equal(json_array_size(json_object_get(scan, "fixed")), 1);
	json_decref(scan);

	/* No base: everything is new, nothing fixed. */
	json_t *none = json_array();
	scan = report_scan_json(&run, now, 3, "http://x");
	report_compare_json(scan, now, 3, none, NULL);
	changes_of(scan, marks, sizeof(marks));
	assert_string_equal(marks, "nnn");
	assert_true(json_is_null(json_object_get(scan, "compared_to")));
	assert_int_equal(json_array_size(json_object_get(scan, "fixed")), 0);
	json_decref(scan);
	json_decref(none);
	json_decref(base);
}

static void baseline_files_are_checked(void **state)
{
	char err[256], *id;
	const char good[] = "{\"run_id\":\"abc12345\",\"findings\":[{\"fingerprint\":"
			    "\"00000000000000000000000000000000000000000000000000000000000000ff\"}]}";
	json_t *f = report_baseline_parse(good, strlen(good), &id, err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(json_array_size(f), 1);
	assert_string_equal(id, "abc12345");
	free(id);
	json_decref(f);
	const char *bad[] = {
		"", "[1,2]", "{\"findings\":{}}", "{\"findings\":[1]}",
		"{\"findings\":[{\"fingerprint\":\"xyz\"}]}",
		"{\"findings\":[{\"fingerprint\":\"00000000000000000000000000000000000000000000000000000000000000FF\"}]}",
		"{\"findings\":[],\"findings\":[]}", "{\"findings\":[{\"fingerprint\":7}]}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_null(report_baseline_parse(bad[i], strlen(bad[i]), &id, err, sizeof(err)));
		assert_null(id);
		assert_true(err[0] != '\0');
	}
}

static void finding_json_has_the_api_fields(void **state)
{
	struct finding f = fx("headers.hsts-missing", "myapp.com", SEV_MEDIUM, "HSTS missing",
			      "https://myapp.com/", "no header", 7);
	json_t *o = report_finding_json(&f);
	char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"category\":\"tls\",\"check\":\"headers.hsts-missing\","
			       "\"description\":\"Why it matters.\",\"evidence\":\"no header\","
			       "\"fingerprint\":\"0000000000000000000000000000000000000000000000000000000000000007\","
			       "\"location\":\"https://myapp.com/\",\"seq\":7,\"severity\":\"MEDIUM\",\"target\":\"myapp.com\","
			       "\"title\":\"HSTS missing\",\"tool\":\"headers\"}");
	free(s);
	/* And back, as the CLI reads a server's findings. */
	struct finding back;
	assert_int_equal(report_finding_parse(o, &back), 0);
	assert_string_equal(back.check, f.check);
	assert_string_equal(back.location, f.location);
	assert_string_equal(back.fingerprint, f.fingerprint);
	assert_int_equal(back.severity, SEV_MEDIUM);
	assert_int_equal(back.seq, 7);
	finding_release(&back);
	json_object_set_new(o, "severity", json_string("SEVERE"));
	assert_int_equal(report_finding_parse(o, &back), SS_EINVAL);
	json_object_set_new(o, "severity", json_string("LOW"));
	json_object_set_new(o, "fingerprint", json_string("0123456789012345678901234567890123456789012345678901234567890123456789"));
	assert_int_equal(report_finding_parse(o, &back), SS_EINVAL);
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


/* --- fix file, SARIF, JUnit, text: fixture findings over tests/fixtures/report/checks.json --- */

static int load_checks(void **state)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/report/checks.json", TEST_DATA_DIR);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	char text[16384];
	size_t len = fread(text, 1, sizeof(text), fp);
	fclose(fp);
	assert_int_equal(catalogue_add_json(text, len, path), 0);
	return 0;
}

static int free_checks(void **state)
{
	catalogue_free();
	return 0;
}

static struct finding fixture_findings[7];
static struct run_target fixture_targets[2];

static void make_fixture(void)
{
	struct finding *f = fixture_findings;
	f[0] = fx("t.hsts", "myapp.com", SEV_MEDIUM, "Strict-Transport-Security header missing",
		  "https://myapp.com/", "", 1);
	f[1] = fx("t.server", "myapp.com", SEV_INFO, "Server banner: nginx", "https://myapp.com/",
		  "Server: nginx/1.25", 2);
	f[2] = fx("t.sourcemap", "myapp.com", SEV_LOW, "Source map exposed at /a.js.map",
		  "https://myapp.com/a.js.map", "{\"version\":3", 3);
	f[3] = fx("t.secret", "myapp.com", SEV_CRITICAL, "Anthropic API key exposed at /main.js",
		  "https://myapp.com/main.js", "Found: sk-ant-api03-... (108 chars)", 4);
	f[3].category = (char *)"secrets";
	f[4] = fx("t.sourcemap", "myapp.com", SEV_LOW, "Source map exposed at /b.js.map",
		  "https://myapp.com/b.js.map", "{\"version\":3", 5);
	f[5] = fx("t.redis", "api.myapp.com", SEV_HIGH, "Redis open to the internet on api.myapp.com:6379",
		  "api.myapp.com:6379", "+PONG", 6);
	f[5].category = (char *)"network";
	f[6] = fx("t.unknown", "myapp.com", SEV_HIGH, "Something the catalogue does not know", "", "", 7);
	fixture_targets[0] = (struct run_target){(char *)"myapp.com", (char *)"production",
						 (char *)"nginx/1.25", (char *)"nextjs",
						 (char *)"javascript", (char *)""};
	fixture_targets[1] = (struct run_target){(char *)"api.myapp.com", (char *)"api", (char *)"",
						 (char *)"", (char *)"", (char *)""};
}

static struct fix_request fixture_request(void)
{
	make_fixture();
	struct fix_request req = {0};
	req.scanner = "scanner.example";
	req.scan_id = "abc12345";
	req.scan_date = 1775988000;
	req.targets = fixture_targets;
	req.ntargets = 2;
	req.findings = fixture_findings;
	req.nfindings = ARRAY_SIZE(fixture_findings);
	return req;
}

/* Asserts that the needles occur in s in this order. */
static void assert_in_order(const char *s, const char *const *needles, size_t n)
{
	const char *at = s;
	for (size_t i = 0; i < n; i++) {
		const char *p = strstr(at, needles[i]);
		if (!p)
			fail_msg("missing or out of order: %s\n--- in ---\n%s", needles[i], s);
		at = p + strlen(needles[i]);
	}
}

static void fix_front_matter(void **state)
{
	struct fix_request req = fixture_request();
	char *md = report_fix_markdown(&req);
	const char *expected =
		"---\nformat: security-fix/v1\nscanner: \"scanner.example\"\nscan_id: \"abc12345\"\n"
		"scan_date: \"2026-04-12\"\ntargets:\n"
		"  - host: \"myapp.com\"\n    label: \"production\"\n    risk_grade: F\n"
		"    severity_counts: {critical: 1, high: 1, medium: 1, low: 2, info: 1}\n"
		"    tech_stack: {server: \"nginx/1.25\", framework: \"nextjs\", language: \"javascript\"}\n"
		"  - host: \"api.myapp.com\"\n    label: \"api\"\n    risk_grade: C\n"
		"    severity_counts: {critical: 0, high: 1, medium: 0, low: 0, info: 0}\n---\n\n";
	if (strncmp(md, expected, strlen(expected)) != 0)
		fail_msg("front matter differs:\n%s", md);
	free(md);
}

static void fix_body_order_and_content(void **state)
{
	struct fix_request req = fixture_request();
	char *md = report_fix_markdown(&req);
	const char *order[] = {
		"# Security Fixes: myapp.com\n",
		"Risk grade **F**",
		"## FIX-1: Anthropic API key exposed at /main.js [CRITICAL]\n",
		"**Target:** myapp.com at `https://myapp.com/main.js` (check `t.secret`)",
		"**Problem:** Why it matters.",
		"Evidence at `https://myapp.com/main.js`:\n\n```text\nFound: sk-ant-api03-... (108 chars)\n```",
		"**File to modify:** the file that holds the key\n",
		"**Change:** Rotate the key, then remove it from the bundle.\n\n```text\nprocess.env.API_KEY\n```",
		"**Verify:**\n\n```sh\ncurl -s https://myapp.com/main.js | grep -c sk-ant-\n```",
		"**References:** CWE-798, OWASP A07:2021\n",
		"## FIX-2: Something the catalogue does not know [HIGH]\n",
		"**File to modify:** no stack-specific file known for this check",
		/* the framework's file wins over the server's */
		"## FIX-3: Strict-Transport-Security header missing [MEDIUM]\n",
		"**File to modify:** `next.config.js` (detected stack: nextjs)",
		"```javascript\nheaders: [",
		"curl -sI https://myapp.com/ | grep -i strict-transport-security\n```",
		"https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Strict-Transport-Security",
		/* one FIX for the same check at two locations */
		"## FIX-4: Source map exposed at /a.js.map (and 1 more location) [LOW]\n",
		"**Locations:**\n\n- `https://myapp.com/a.js.map`\n- `https://myapp.com/b.js.map`\n",
		"curl -s -o /dev/null -w '%{http_code}' https://myapp.com/a.js.map\n"
		"curl -s -o /dev/null -w '%{http_code}' https://myapp.com/b.js.map\n```",
		"## Informational\n\n- Server banner: nginx at `https://myapp.com/`\n",
		"# Security Fixes: api.myapp.com\n",
		"## FIX-5: Redis open to the internet on api.myapp.com:6379 [HIGH]\n",
		"```text\nbind 127.0.0.1\nrequirepass CHANGE-ME\n```",
		"redis-cli -h api.myapp.com ping\n",
	};
	assert_in_order(md, order, ARRAY_SIZE(order));
	assert_null(strstr(md, "FIX-6"));
	assert_null(strstr(md, "[INFO]"));
	free(md);
}

static void fix_stack_choice(void **state)
{
	const struct check_def *def = catalogue_get("t.hsts");
	assert_non_null(def);
	struct run_target t = {(char *)"h", (char *)"", (char *)"nginx/1.25.3", (char *)"angular",
			       (char *)"", (char *)""};
	assert_string_equal(report_fix_for(def, &t)->stack, "nginx"); /* no fix for angular */
	t.hosting = (char *)"vercel";
	assert_string_equal(report_fix_for(def, &t)->stack, "vercel"); /* hosting over server */
	t.framework = (char *)"nextjs";
	assert_string_equal(report_fix_for(def, &t)->stack, "nextjs");
	assert_string_equal(report_fix_for(def, NULL)->stack, "default");
	assert_null(report_fix_for(NULL, &t));
	assert_null(report_fix_for(catalogue_get("t.server"), &t)); /* a check without fixes */

	assert_string_equal(report_stack_key("Microsoft-IIS/10.0"), "iis");
	assert_string_equal(report_stack_key("WordPress"), "php");
	assert_string_equal(report_stack_key(" Next.js "), "nextjs");
	assert_null(report_stack_key("gunicorn"));
	assert_null(report_stack_key(""));
	assert_null(report_stack_key(NULL));
}

static void fix_legacy_filter_and_determinism(void **state)
{
	struct fix_request req = fixture_request();
	char *full = report_fix_markdown(&req);
	req.legacy = true;
	char *legacy = report_fix_markdown(&req);
	const char *body = strstr(full, "\n---\n\n") + 6;
	assert_string_equal(legacy, body);
	assert_true(str_starts_with(legacy, "# Security Fixes: myapp.com\n"));

	/* Findings in another order give the same file. */
	struct finding shuffled[ARRAY_SIZE(fixture_findings)];
	for (size_t i = 0; i < ARRAY_SIZE(shuffled); i++)
		shuffled[i] = fixture_findings[(i * 3 + 2) % ARRAY_SIZE(shuffled)];
	req.legacy = false;
	req.findings = shuffled;
	char *again = report_fix_markdown(&req);
	assert_string_equal(again, full);

	req.only_target = "API.myapp.com";
	char *one = report_fix_markdown(&req);
	assert_null(strstr(one, "# Security Fixes: myapp.com"));
	assert_non_null(strstr(one, "# Security Fixes: api.myapp.com"));
	assert_non_null(strstr(one, "## FIX-1: Redis open"));
	assert_null(strstr(one, "host: \"myapp.com\""));
	req.only_target = "nowhere.example";
	char *none = report_fix_markdown(&req);
	assert_non_null(strstr(none, "targets: []\n"));
	free(none);
	free(one);
	free(again);
	free(legacy);
	free(full);
}

static void fix_hostile_input_stays_contained(void **state)
{
	struct fix_request req = fixture_request();
	struct run_target t = {(char *)"evil.example", (char *)"a \"b\": c\n---\n- x: \\ \t\x01 \xc2\x85 \xff",
			       (char *)"", (char *)"", (char *)"", (char *)""};
	struct finding f = fx("t.hsts", "evil.example", SEV_MEDIUM, "Title\n## FIX-99: fake [CRITICAL]",
			      "https://evil.example/$(touch pwned)`id`;x='1'&y=\"2\"",
			      "``` \n# injected heading\n````", 1);
	req.targets = &t;
	req.ntargets = 1;
	req.findings = &f;
	req.nfindings = 1;
	char *md = report_fix_markdown(&req);
	/* The label is one escaped YAML scalar on one line. */
	assert_non_null(strstr(md, "    label: \"a \\\"b\\\": c\\n---\\n- x: \\\\ \\t\\x01 \\u0085 \xef\xbf\xbd\"\n"));
	/* The title cannot start a heading of its own. */
	assert_non_null(strstr(md, "## FIX-1: Title ## FIX-99: fake [CRITICAL] [MEDIUM]\n"));
	assert_null(strstr(md, "\n## FIX-99"));
	/* The evidence's backticks cannot close its fence. */
	assert_non_null(strstr(md, "`````text\n``` \n# injected heading\n````\n`````\n"));
	/* The shell sees no metacharacter from the location in the Verify command. */
	assert_non_null(strstr(md, "curl -sI https://evil.example/%24%28touch%20pwned%29%60id%60%3Bx=%271%27%26y=%222%22 |"));
	free(md);
}

static size_t count_of(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void fix_large_group_is_capped(void **state)
{
	enum { N = 60 };
	struct finding f[N];
	char titles[N][64], locs[N][64];
	for (int i = 0; i < N; i++) {
		snprintf(locs[i], sizeof(locs[i]), "https://big.example/m%02d.js.map", i);
		snprintf(titles[i], sizeof(titles[i]), "Source map exposed at /m%02d.js.map", i);
		f[i] = fx("t.sourcemap", "big.example", SEV_LOW, titles[i], locs[i], "{}", i + 1);
	}
	struct fix_request req = {.scanner = "s", .scan_id = "x", .findings = f, .nfindings = N};
	char *md = report_fix_markdown(&req);
	assert_non_null(strstr(md, "## FIX-1: Source map exposed at /m00.js.map (and 59 more locations) [LOW]\n"));
	assert_null(strstr(md, "FIX-2"));
	assert_int_equal(count_of(md, "\n- `https://big.example/m"), 50);
	assert_non_null(strstr(md, "- `https://big.example/m49.js.map`\n- and 10 more\n"));
	assert_int_equal(count_of(md, "Evidence at "), 5);
	assert_int_equal(count_of(md, "\ncurl -s -o /dev/null"), 10);
	assert_non_null(strstr(md, "m09.js.map\n# and the same for each other location above\n```"));
	free(md);
}

static json_t *sarif_result(json_t *log, size_t i)
{
	return json_array_get(json_object_get(json_array_get(json_object_get(log, "runs"), 0), "results"), i);
}

static void sarif_shape(void **state)
{
	make_fixture();
	struct finding f[ARRAY_SIZE(fixture_findings) + 2];
	memcpy(f, fixture_findings, sizeof(fixture_findings));
	f[7] = fx("t.secret", "repo", SEV_CRITICAL, "Key in source", "src/config.js:42", "\xff\xfe bad utf-8", 8);
	f[7].category = (char *)"secrets";
	f[8] = fx("t.secret", "repo", SEV_LOW, "Key in a column", "lib/a:b.js:7:19", "", 9);
	f[8].category = (char *)"secrets";
	json_t *log = report_sarif_json(f, ARRAY_SIZE(f));
	assert_string_equal(json_string_value(json_object_get(log, "version")), "2.1.0");
	json_t *run = json_array_get(json_object_get(log, "runs"), 0);
	json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
	assert_string_equal(json_string_value(json_object_get(driver, "name")), "secscan");
	json_t *rules = json_object_get(driver, "rules");
	assert_int_equal(json_array_size(rules), 6); /* one per check used */
	assert_int_equal(json_array_size(json_object_get(run, "results")), 9);

	/* Sorted: the two criticals first; each result points at its rule. */
	for (size_t i = 0; i < 9; i++) {
		json_t *r = sarif_result(log, i);
		json_t *rule = json_array_get(rules, (size_t)json_integer_value(json_object_get(r, "ruleIndex")));
		assert_string_equal(json_string_value(json_object_get(r, "ruleId")),
				    json_string_value(json_object_get(rule, "id")));
		assert_non_null(json_string_value(json_object_get(json_object_get(r, "message"), "text")));
	}
	json_t *r0 = sarif_result(log, 0);
	assert_string_equal(json_string_value(json_object_get(r0, "level")), "error");
	json_t *phys = json_object_get(json_array_get(json_object_get(r0, "locations"), 0), "physicalLocation");
	assert_string_equal(json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri")),
			    "https://myapp.com/main.js");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r0, "partialFingerprints"),
							      "secscanFingerprint/v1")),
			    fixture_findings[3].fingerprint);
	json_t *r1 = sarif_result(log, 1); /* the file finding: path and line */
	phys = json_object_get(json_array_get(json_object_get(r1, "locations"), 0), "physicalLocation");
	assert_string_equal(json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri")),
			    "src/config.js");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(phys, "region"), "startLine")), 42);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r1, "message"), "text")),
			       "\xef\xbf\xbd\xef\xbf\xbd bad utf-8"));
	assert_null(json_object_get(json_object_get(phys, "region"), "startColumn"));
	json_t *col = sarif_result(log, 7); /* path:line:column, a colon in the path */
	phys = json_object_get(json_array_get(json_object_get(col, "locations"), 0), "physicalLocation");
	assert_string_equal(json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri")),
			    "lib/a%3Ab.js");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(phys, "region"), "startLine")), 7);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(phys, "region"), "startColumn")), 19);
	json_t *redis = sarif_result(log, 2); /* HIGH, seq 6: a network location */
	assert_string_equal(json_string_value(json_object_get(redis, "ruleId")), "t.redis");
	phys = json_object_get(json_array_get(json_object_get(redis, "locations"), 0), "physicalLocation");
	assert_string_equal(json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri")),
			    "//api.myapp.com:6379");
	assert_null(json_object_get(phys, "region"));

	json_t *secret_rule = json_array_get(rules, 0);
	assert_string_equal(json_string_value(json_object_get(secret_rule, "id")), "t.secret");
	assert_string_equal(json_string_value(json_object_get(json_object_get(secret_rule, "shortDescription"), "text")),
			    "<detail> exposed at <location>");
	json_t *props = json_object_get(secret_rule, "properties");
	assert_string_equal(json_string_value(json_object_get(props, "security-severity")), "9.5");
	assert_string_equal(json_string_value(json_array_get(json_object_get(props, "tags"), 2)),
			    "external/cwe/cwe-798");
	const char *help = json_string_value(json_object_get(json_object_get(secret_rule, "help"), "markdown"));
	assert_non_null(strstr(help, "Rotate the key"));
	assert_non_null(strstr(help, "process.env.API_KEY"));
	const char *sev[] = {"9.5", "8.0", "8.0", "5.5", "3.0", "0.0"};
	const char *lvl[] = {"error", "error", "error", "warning", "note", "note"};
	for (size_t i = 0; i < 6; i++) {
		json_t *rule = json_array_get(rules, i);
		assert_string_equal(json_string_value(json_object_get(json_object_get(rule, "properties"),
								      "security-severity")), sev[i]);
		assert_string_equal(json_string_value(json_object_get(json_object_get(rule, "defaultConfiguration"),
								      "level")), lvl[i]);
	}
	/* The unknown check still gets a rule, from the finding. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(rules, 2), "id")), "t.unknown");
	json_decref(log);
}

static void junit_suites_cases_and_escaping(void **state)
{
	make_fixture();
	char *xml = report_junit_xml(fixture_targets, 2, fixture_findings, ARRAY_SIZE(fixture_findings), SEV_MEDIUM);
	const char *order[] = {
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"secscan\" tests=\"6\" failures=\"4\" errors=\"0\">\n",
		"<testsuite name=\"myapp.com\" tests=\"5\" failures=\"3\"",
		"<testcase classname=\"myapp.com\" name=\"t.secret\">\n      <failure type=\"CRITICAL\" message=\"Anthropic API key exposed at /main.js\">",
		"name=\"t.unknown\">\n      <failure type=\"HIGH\"",
		"name=\"t.hsts\">\n      <failure type=\"MEDIUM\"",
		"name=\"t.sourcemap\">\n      <system-out>[LOW] Source map exposed at /a.js.map\nLocation: https://myapp.com/a.js.map\n"
		"Evidence: {\"version\":3\n[LOW] Source map exposed at /b.js.map\n",
		"name=\"t.server\">\n      <system-out>",
		"<testsuite name=\"api.myapp.com\" tests=\"1\" failures=\"1\"",
		"</testsuites>\n",
	};
	assert_in_order(xml, order, ARRAY_SIZE(order));
	free(xml);

	struct finding f = fx("a<b", "h&\"x\"", SEV_HIGH, "<script>'&'\x01\n", "", "]]> \x1b[31m \xff", 1);
	xml = report_junit_xml(NULL, 0, &f, 1, SEV_CRITICAL);
	assert_non_null(strstr(xml, "<testsuite name=\"h&amp;&quot;x&quot;\" tests=\"1\" failures=\"0\""));
	assert_non_null(strstr(xml, "name=\"a&lt;b\""));
	assert_non_null(strstr(xml, "<system-out>[HIGH] &lt;script&gt;'&amp;'\xef\xbf\xbd\n\n"
				    "Evidence: ]]&gt; \xef\xbf\xbd[31m \xef\xbf\xbd\n</system-out>"));
	free(xml);
}

static void text_groups_by_severity(void **state)
{
	make_fixture();
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	fixture_findings[1].evidence = (char *)"Server: \x1b]0;owned\x07nginx";
	report_print_text(fp, fixture_findings, ARRAY_SIZE(fixture_findings), false);
	fclose(fp);
	const char *order[] = {
		"CRITICAL (1)\n  - Anthropic API key exposed at /main.js [t.secret]\n      myapp.com  https://myapp.com/main.js\n"
		"      evidence: Found: sk-ant-api03-... (108 chars)\n",
		"\nHIGH (2)\n  - Redis open", "  - Something the catalogue",
		"\nMEDIUM (1)\n", "\nLOW (2)\n", "\nINFO (1)\n",
		"      evidence: Server: ]0;owned nginx\n",
		"\n7 findings: 1 critical, 2 high, 1 medium, 2 low, 1 info. Risk grade F (myapp.com), C (api.myapp.com).\n",
	};
	assert_in_order(out, order, ARRAY_SIZE(order));
	assert_null(strchr(out, '\x1b'));
	free(out);

	fp = open_memstream(&out, &len);
	report_print_text(fp, fixture_findings, ARRAY_SIZE(fixture_findings), true);
	fclose(fp);
	assert_non_null(strstr(out, "\033[1;31mCRITICAL (1)\033[0m\n"));
	free(out);

	fp = open_memstream(&out, &len);
	report_print_text(fp, NULL, 0, false);
	fclose(fp);
	assert_string_equal(out, "0 findings: 0 critical, 0 high, 0 medium, 0 low, 0 info. Risk grade A.\n");
	free(out);
}

static void utf8_append_round_trips(void **state)
{
	const uint32_t cps[] = {0x41, 0xE9, 0x7FF, 0x800, 0x2028, 0xFFFD, 0x10000, 0x1F600, 0x10FFFF};
	struct buf b;
	buf_init(&b, 64);
	for (size_t i = 0; i < ARRAY_SIZE(cps); i++)
		assert_int_equal(utf8_append(&b, cps[i]), 0);
	assert_int_equal(b.len, 1 + 2 + 2 + 3 + 3 + 3 + 4 + 4 + 4);
	size_t at = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cps); i++) {
		uint32_t cp;
		size_t n = utf8_decode((const unsigned char *)b.data + at, b.len - at, &cp);
		assert_true(n > 0);
		assert_int_equal(cp, cps[i]);
		at += n;
	}
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grade_boundaries),
		cmocka_unit_test(grade_of_one_target),
		cmocka_unit_test(finding_json_has_the_api_fields),
		cmocka_unit_test(comparison_marks_new_unchanged_and_fixed),
		cmocka_unit_test(baseline_files_are_checked),
		cmocka_unit_test(scan_json_while_running_and_finished),
		cmocka_unit_test(run_item_json),
		cmocka_unit_test(fix_front_matter),
		cmocka_unit_test(fix_body_order_and_content),
		cmocka_unit_test(fix_stack_choice),
		cmocka_unit_test(fix_legacy_filter_and_determinism),
		cmocka_unit_test(fix_hostile_input_stays_contained),
		cmocka_unit_test(fix_large_group_is_capped),
		cmocka_unit_test(sarif_shape),
		cmocka_unit_test(junit_suites_cases_and_escaping),
		cmocka_unit_test(text_groups_by_severity),
		cmocka_unit_test(utf8_append_round_trips),
	};
	return cmocka_run_group_tests(tests, load_checks, free_checks);
}
