#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "base/log.h"
#include "engine/catalogue.h"

static int setup(void **state)
{
	log_set_level(LOG_QUIET);
	catalogue_free();
	return 0;
}

static int teardown(void **state)
{
	catalogue_free();
	return 0;
}

static int add(const char *json)
{
	return catalogue_add_json(json, strlen(json), "test.json");
}

static void loads_and_looks_up_checks(void **state)
{
	assert_int_equal(add("{\"checks\": ["
			     "{\"id\": \"t.b\", \"category\": \"tls\", \"severity\": \"high\", \"title\": \"B\","
			     " \"references\": [\"CWE-319\", \"OWASP A05:2021\"],"
			     " \"stacks\": {\"nginx\": {\"file\": \"nginx.conf\", \"change\": \"add_header\"},"
			     "             \"default\": {\"file\": \"server\", \"change\": \"set it\"}}},"
			     "{\"id\": \"t.a\", \"module\": \"mod\", \"category\": \"dns\", \"severity\": \"INFO\","
			     " \"title\": \"A {detail}\"}]}"),
			 0);
	assert_int_equal(catalogue_count(), 2);
	assert_string_equal(catalogue_at(0)->id, "t.b"); /* load order kept */
	const struct check_def *b = catalogue_get("t.b");
	assert_non_null(b);
	assert_int_equal(b->severity, SEV_HIGH);
	assert_string_equal(b->module, "t"); /* defaults to the id's prefix */
	assert_int_equal(b->nreferences, 2);
	assert_string_equal(b->references[1], "OWASP A05:2021");
	assert_string_equal(check_def_fix_for(b, "nginx")->file, "nginx.conf");
	assert_string_equal(check_def_fix_for(b, "iis")->stack, "default");
	assert_string_equal(check_def_fix_for(b, NULL)->stack, "default");
	const struct check_def *a = catalogue_get("t.a");
	assert_non_null(a);
	assert_string_equal(a->module, "mod");
	assert_string_equal(a->description, "");
	assert_null(check_def_fix_for(a, "nginx"));
	assert_null(catalogue_get("t.c"));
	assert_null(catalogue_get(NULL));
}

static void rejects_malformed_rule_files(void **state)
{
	static const struct {
		const char *json;
		const char *msg; /* expected in the error */
	} cases[] = {
		{"{\"checks\": [", "test.json: line"},
		{"[]", "no \"checks\" array"},
		{"{\"checks\": {}}", "no \"checks\" array"},
		{"{\"checks\": [42]}", "'#0': entry is not an object"},
		{"{\"checks\": [{\"category\": \"tls\", \"severity\": \"LOW\", \"title\": \"t\"}]}", "missing or empty \"id\""},
		{"{\"checks\": [{\"id\": \"\", \"category\": \"tls\", \"severity\": \"LOW\", \"title\": \"t\"}]}", "missing or empty \"id\""},
		{"{\"checks\": [{\"id\": \"x.cat\", \"category\": \"web\", \"severity\": \"LOW\", \"title\": \"t\"}]}", "'x.cat': unknown category \"web\""},
		{"{\"checks\": [{\"id\": \"x.sev\", \"category\": \"tls\", \"severity\": \"URGENT\", \"title\": \"t\"}]}", "'x.sev': severity"},
		{"{\"checks\": [{\"id\": \"x.sev2\", \"category\": \"tls\", \"severity\": 3, \"title\": \"t\"}]}", "'x.sev2': severity"},
		{"{\"checks\": [{\"id\": \"x.title\", \"category\": \"tls\", \"severity\": \"LOW\"}]}", "'x.title': missing or empty \"title\""},
		{"{\"checks\": [{\"id\": \"x.title2\", \"category\": \"tls\", \"severity\": \"LOW\", \"title\": 5}]}", "'x.title2': module, category"},
		{"{\"checks\": [{\"id\": \"x.refs\", \"category\": \"tls\", \"severity\": \"LOW\", \"title\": \"t\", \"references\": \"CWE-1\"}]}", "'x.refs': \"references\""},
		{"{\"checks\": [{\"id\": \"x.refs2\", \"category\": \"tls\", \"severity\": \"LOW\", \"title\": \"t\", \"references\": [1]}]}", "'x.refs2': \"references\""},
		{"{\"checks\": [{\"id\": \"x.st\", \"category\": \"tls\", \"severity\": \"LOW\", \"title\": \"t\", \"stacks\": []}]}", "'x.st': \"stacks\""},
		{"{\"checks\": [{\"id\": \"x.st2\", \"category\": \"tls\", \"severity\": \"LOW\", \"title\": \"t\", \"stacks\": {\"nginx\": \"x\"}}]}", "'x.st2': stack \"nginx\""},
		{"{\"checks\": [{\"id\": \"x.dup\", \"category\": \"tls\", \"severity\": \"LOW\", \"title\": \"t\"},"
		 "{\"id\": \"x.dup\", \"category\": \"tls\", \"severity\": \"LOW\", \"title\": \"t\"}]}", "'x.dup': duplicate id"},
		{"{\"checks\": [{\"id\": \"x.k\", \"id\": \"x.k\", \"category\": \"tls\", \"severity\": \"LOW\", \"title\": \"t\"}]}", "duplicate"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (add(cases[i].json) != SS_EINVAL)
			fail_msg("case %zu accepted: %s", i, cases[i].json);
		if (!strstr(catalogue_last_error(), cases[i].msg) || !strstr(catalogue_last_error(), "test.json"))
			fail_msg("case %zu: error '%s' lacks '%s'", i, catalogue_last_error(), cases[i].msg);
	}
	/* all or nothing: nothing of the failed files was added */
	assert_int_equal(catalogue_count(), 0);
	assert_null(catalogue_get("x.dup"));
}

static void refuses_an_id_already_loaded(void **state)
{
	const char *one = "{\"checks\": [{\"id\": \"x.once\", \"category\": \"tls\", \"severity\": \"LOW\", \"title\": \"t\"}]}";
	assert_int_equal(add(one), 0);
	assert_int_equal(add(one), SS_EINVAL);
	assert_non_null(strstr(catalogue_last_error(), "'x.once': duplicate id"));
	assert_int_equal(catalogue_count(), 1);
}

static void loads_embedded_rules_and_a_directory(void **state)
{
	assert_int_equal(catalogue_load(TEST_DATA_DIR "/rules/good"), 0);
	const struct check_def *d = catalogue_get("test.extra-check");
	assert_non_null(d);
	assert_string_equal(d->verify, "curl -sI {url}");
	size_t n = catalogue_count();
	/* loading again replaces, it does not duplicate */
	assert_int_equal(catalogue_load(TEST_DATA_DIR "/rules/good"), 0);
	assert_int_equal(catalogue_count(), n);

	assert_int_equal(catalogue_load(TEST_DATA_DIR "/rules/bad"), SS_EINVAL);
	assert_non_null(strstr(catalogue_last_error(), "broken.json"));
	assert_non_null(strstr(catalogue_last_error(), "test.bad-severity"));
	assert_int_equal(catalogue_load(TEST_DATA_DIR "/rules/no-such-dir"), SS_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(loads_and_looks_up_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(rejects_malformed_rule_files, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_an_id_already_loaded, setup, teardown),
		cmocka_unit_test_setup_teardown(loads_embedded_rules_and_a_directory, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
