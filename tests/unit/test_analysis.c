#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "base/common.h"
#include "report/analysis.h"
#include "engine/catalogue.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chains_appear_exactly_when_their_findings_do),
		cmocka_unit_test(risk_score_follows_the_documented_formula),
		cmocka_unit_test(local_provider_writes_the_assessment),
	};
	if (catalogue_load(NULL))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
