#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "report/analysis.h"
#include "engine/catalogue.h"
#include "base/buf.h"
#include "base/str.h"

static struct finding fx(const char *check, const char *category, enum severity sev, const char *target)
{
	struct finding f = {0};
	f.check = (char *)check;
	f.category = (char *)category;
	f.severity = sev;
	f.target = (char *)target;
	f.title = (char *)"a title";
	f.location = (char *)"";
	return f;
}

/* The chain ids, comma-separated. */
static void chain_ids(const struct finding *f, size_t n, char *out, size_t len)
{
	json_t *chains = analysis_chains(f, n), *c;
	size_t i, k = 0;
	out[0] = '\0';
	json_array_foreach(chains, i, c)
		k += (size_t)snprintf(out + k, len - k, "%s%s", i ? "," : "",
				      json_string_value(json_object_get(c, "id")));
	json_decref(chains);
}

static void chains_appear_exactly_when_their_findings_do(void **state)
{
	(void)state;
	char ids[512];
	struct finding none[] = {fx("headers.csp-missing", "edge-infra", SEV_MEDIUM, "a.example")};
	chain_ids(none, 1, ids, sizeof(ids));
	assert_string_equal(ids, "");

	struct finding git[] = {fx("exposure.vcs", "disclosure", SEV_HIGH, "a.example"),
				fx("network.redis-unauth", "network", SEV_CRITICAL, "a.example")};
	chain_ids(git, 2, ids, sizeof(ids));
	assert_string_equal(ids, "git-history-secrets,open-redis-session-theft");

	/* CORS alone is not the chain: it needs an unauthenticated API finding too. */
	struct finding cors[] = {fx("api.cors-credentials-reflected", "api", SEV_HIGH, "a.example"),
				 fx("headers.hsts-missing", "tls", SEV_MEDIUM, "a.example")};
	chain_ids(cors, 1, ids, sizeof(ids));
	assert_string_equal(ids, "");
	struct finding cors_api[] = {fx("api.cors-credentials-reflected", "api", SEV_HIGH, "a.example"),
				     fx("api.pii-unauthenticated", "api", SEV_HIGH, "a.example")};
	chain_ids(cors_api, 2, ids, sizeof(ids));
	assert_string_equal(ids, "cors-credentialed-data-theft");

	/* Weak TLS needs both halves: a weak protocol and no HSTS. */
	struct finding tls[] = {fx("tls.tls10-enabled", "tls", SEV_MEDIUM, "a.example"),
				fx("headers.hsts-missing", "tls", SEV_MEDIUM, "b.example")};
	chain_ids(tls, 1, ids, sizeof(ids));
	assert_string_equal(ids, "");
	chain_ids(tls, 2, ids, sizeof(ids));
	assert_string_equal(ids, "weak-transport-session-hijack");

	json_t *chains = analysis_chains(tls, 2);
	json_t *c = json_array_get(chains, 0);
	assert_int_equal(json_array_size(json_object_get(c, "targets")), 2);
	assert_int_equal(json_array_size(json_object_get(c, "findings_used")), 2);
	size_t steps = json_array_size(json_object_get(c, "scenario"));
	assert_true(steps >= 3 && steps <= 5);
	assert_non_null(json_string_value(json_object_get(c, "business_impact")));
	json_decref(chains);
}

static void risk_score_follows_the_documented_formula(void **state)
{
	(void)state;
	json_t *no = json_array();
	assert_int_equal(analysis_risk_score(NULL, 0, no), 0);
	struct finding f[] = {fx("a.b", "tls", SEV_LOW, "x"), fx("a.c", "tls", SEV_MEDIUM, "x")};
	assert_int_equal(analysis_risk_score(f, 2, no), 5);
	/* 30 (critical) + 12 (high) = 42; one CRITICAL chain 10; one exposed host 5. */
	struct finding g[] = {fx("exposure.vcs", "disclosure", SEV_HIGH, "x"),
			      fx("exposure.env-credentials", "secrets", SEV_CRITICAL, "x")};
	json_t *chains = analysis_chains(g, 2);
	assert_int_equal(json_array_size(chains), 2); /* two CRITICAL chains: 20 */
	assert_int_equal(analysis_risk_score(g, 2, chains), 42 + 20 + 5);
	json_decref(chains);
	/* Capped at 100. */
	struct finding many[12];
	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = fx("network.redis-unauth", "network", SEV_CRITICAL, i % 2 ? "h1" : "h2");
	chains = analysis_chains(many, ARRAY_SIZE(many));
	assert_int_equal(analysis_risk_score(many, ARRAY_SIZE(many), chains), 70 + 10 + 10);
	json_decref(chains);
	json_decref(no);
}

static void local_provider_writes_the_assessment(void **state)
{
	(void)state;
	struct finding g[] = {fx("exposure.vcs", "disclosure", SEV_HIGH, "x.example"),
			      fx("headers.csp-missing", "edge-infra", SEV_MEDIUM, "x.example")};
	struct run_analysis a, b;
	char err[64];
	const struct analysis_provider *p = analysis_provider_find("local");
	assert_non_null(p);
	assert_null(analysis_provider_find("nope"));
	assert_int_equal(p->analyze(NULL, "abc12345", g, 2, &a, err, sizeof(err)), 0);
	assert_string_equal(a.model, "secscan-rules-1");
	const char *heads[] = {"# Security Assessment\n", "\n## Executive Summary\n", "\n## Attack Chains\n",
			       "\n## Fix Plan\n", "### 1. Exposed .git"};
	for (size_t i = 0; i < ARRAY_SIZE(heads); i++)
		assert_non_null(strstr(a.content, heads[i]));
	/* Deterministic. */
	assert_int_equal(p->analyze(NULL, "abc12345", g, 2, &b, err, sizeof(err)), 0);
	assert_string_equal(a.content, b.content);
	assert_int_equal(a.risk_score, b.risk_score);
	run_analysis_release(&a);
	run_analysis_release(&b);
}

/* analysis_chains_given of the JSON text given: the chains as compact JSON, or "ERR: reason". */
static char *given(const struct finding *f, size_t n, const char *text)
{
	char err[256] = "";
	json_t *in = json_loads(text, 0, NULL);
	assert_non_null(in);
	json_t *out = analysis_chains_given(in, f, n, err, sizeof(err));
	json_decref(in);
	if (!out)
		return xasprintf("ERR: %s", err);
	char *s = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return s;
}

static void provider_chains_are_checked_against_the_findings(void **state)
{
	(void)state;
	struct finding f[] = {fx("exposure.vcs", "disclosure", SEV_HIGH, "a.example"),
			      fx("exposure.vcs", "disclosure", SEV_HIGH, "b.example"),
			      fx("headers.csp-missing", "edge-infra", SEV_MEDIUM, "c.example")};
	/* Targets and findings_used come from the findings; the provider's own are ignored. */
	char *s = given(f, 3, "[{\"name\": \"N\", \"severity\": \"high\", \"findings_used\": "
			      "[\"exposure.vcs\"], \"targets\": [\"evil.example\"], \"scenario\": "
			      "[\"one\", \"two\"], \"business_impact\": \"I\"}]");
	assert_string_equal(s, "[{\"id\":\"\",\"name\":\"N\",\"severity\":\"HIGH\","
			       "\"targets\":[\"a.example\",\"b.example\"],\"findings_used\":"
			       "[{\"check\":\"exposure.vcs\",\"title\":\"a title\",\"location\":\"\"}],"
			       "\"scenario\":[\"one\",\"two\"],\"business_impact\":\"I\"}]");
	free(s);
	s = given(f, 3, "[]");
	assert_string_equal(s, "[]");
	free(s);

	const char *bad[][2] = {
		{"{}", "not a list"},
		/* A check no finding has, a prefix or a category: the provider cannot widen a chain. */
		{"[{\"name\": \"N\", \"severity\": \"HIGH\", \"findings_used\": [\"exposure.env\"], "
		 "\"scenario\": [\"s\"], \"business_impact\": \"I\"}]", "no finding has"},
		{"[{\"name\": \"N\", \"severity\": \"HIGH\", \"findings_used\": [\"exposure.*\"], "
		 "\"scenario\": [\"s\"], \"business_impact\": \"I\"}]", "no finding has"},
		{"[{\"name\": \"N\", \"severity\": \"HIGH\", \"findings_used\": [\"category:disclosure\"], "
		 "\"scenario\": [\"s\"], \"business_impact\": \"I\"}]", "no finding has"},
		{"[{\"name\": \"N\", \"severity\": \"SEVERE\", \"findings_used\": [\"exposure.vcs\"], "
		 "\"scenario\": [\"s\"], \"business_impact\": \"I\"}]", "chain 1 is not"},
		{"[{\"name\": \"\", \"severity\": \"LOW\", \"findings_used\": [\"exposure.vcs\"], "
		 "\"scenario\": [\"s\"], \"business_impact\": \"I\"}]", "chain 1 is not"},
		{"[{\"name\": \"N\", \"severity\": \"LOW\", \"findings_used\": [], "
		 "\"scenario\": [\"s\"], \"business_impact\": \"I\"}]", "chain 1 is not"},
		{"[{\"name\": \"N\", \"severity\": \"LOW\", \"findings_used\": [\"exposure.vcs\"], "
		 "\"scenario\": [\"s\", 7], \"business_impact\": \"I\"}]", "scenario step"},
		{"[{\"name\": \"N\", \"severity\": \"LOW\", \"findings_used\": [\"exposure.vcs\"], "
		 "\"scenario\": [\"s\"], \"business_impact\": {\"a\": 1}}]", "chain 1 is not"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		s = given(f, 3, bad[i][0]);
		assert_true(str_starts_with(s, "ERR: "));
		assert_non_null(strstr(s, bad[i][1]));
		free(s);
	}

	/* Bounded: 20 chains, 10 steps, 1000 bytes a string. */
	struct buf b;
	buf_init(&b, 1 << 20);
	buf_appends(&b, "[");
	for (int i = 0; i < 21; i++)
		buf_appendf(&b, "%s{\"name\": \"N\", \"severity\": \"LOW\", \"findings_used\": "
				"[\"exposure.vcs\"], \"scenario\": [\"s\"], \"business_impact\": \"I\"}",
			    i ? ", " : "");
	buf_appends(&b, "]");
	s = given(f, 3, buf_str(&b));
	assert_non_null(strstr(s, "at most 20"));
	free(s);
	buf_release(&b);
	char *long_name = xasprintf("[{\"name\": \"%01001d\", \"severity\": \"LOW\", \"findings_used\": "
				    "[\"exposure.vcs\"], \"scenario\": [\"s\"], \"business_impact\": \"I\"}]", 0);
	s = given(f, 3, long_name);
	assert_true(str_starts_with(s, "ERR: "));
	free(s);
	free(long_name);
	s = given(f, 3, "[{\"name\": \"N\", \"severity\": \"LOW\", \"findings_used\": [\"exposure.vcs\"], "
			"\"scenario\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\"], "
			"\"business_impact\": \"I\"}]");
	assert_true(str_starts_with(s, "ERR: "));
	free(s);
}

static void analysis_run_names_the_provider(void **state)
{
	(void)state;
	struct finding g[] = {fx("exposure.vcs", "disclosure", SEV_HIGH, "x.example")};
	struct run_analysis a;
	assert_int_equal(analysis_run("local", NULL, "abc12345", g, 1, &a), 0);
	assert_string_equal(a.provider, "local");
	assert_null(a.note);
	run_analysis_release(&a);
	/* No API key: the anthropic provider fails before any request, and local stands in. */
	struct analysis_options o = {.api_key = "", .model = "m", .base_url = "http://127.0.0.1:9"};
	char *saved = getenv("ANTHROPIC_API_KEY") ? xstrdup(getenv("ANTHROPIC_API_KEY")) : NULL;
	unsetenv("ANTHROPIC_API_KEY");
	assert_int_equal(analysis_run("anthropic", &o, "abc12345", g, 1, &a), 0);
	assert_string_equal(a.provider, "local");
	assert_non_null(strstr(a.note, "provider anthropic failed"));
	run_analysis_release(&a);
	if (saved)
		setenv("ANTHROPIC_API_KEY", saved, 1);
	free(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chains_appear_exactly_when_their_findings_do),
		cmocka_unit_test(risk_score_follows_the_documented_formula),
		cmocka_unit_test(local_provider_writes_the_assessment),
		cmocka_unit_test(provider_chains_are_checked_against_the_findings),
		cmocka_unit_test(analysis_run_names_the_provider),
	};
	if (catalogue_load(NULL))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
