#include "base/common.h"
#include "report/analysis.h"
#include "report/internal.h"
#include "report/report.h"
#include "base/str.h"
#include "engine/catalogue.h"
#include "engine/rules_embedded.h"
#include <pthread.h>

#define LOCAL_MODEL "secscan-rules-1"
/* The Fix Plan lists at most this many items; the fix file has them all. */
#define FIX_PLAN_MAX 15
/* What a provider's chains may hold: room for a real answer, bounded for the fix file. */
#define GIVEN_CHAINS_MAX 20
#define GIVEN_STEPS_MAX 10
#define GIVEN_TEXT_MAX 1000

static json_t *chain_rules;
static pthread_once_t rules_once = PTHREAD_ONCE_INIT;

/* Loads rules/analysis/chains.json once; a malformed file (a build error) gives no chains. */
static void load_rules(void)
{
	const struct embedded_file *f = rules_embedded_find("analysis/chains.json");
	if (f) {
		json_t *doc = json_loadb(f->data, f->len, JSON_REJECT_DUPLICATES, NULL);
		chain_rules = json_incref(json_object_get(doc, "chains"));
		json_decref(doc);
	}
	if (!json_is_array(chain_rules))
		chain_rules = json_array();
}

/* A requirement: a check id, a check id prefix ending in '*', or "category:NAME". */
static bool matcher_matches(const char *m, const struct finding *f)
{
	if (str_starts_with(m, "category:"))
		return f->category && !strcmp(f->category, m + 9);
	size_t len = strlen(m);
	if (len && m[len - 1] == '*')
		return f->check && !strncmp(f->check, m, len - 1);
	return f->check && !strcmp(f->check, m);
}

static bool group_matches(json_t *group, const struct finding *f)
{
	size_t i;
	json_t *m;
	json_array_foreach(group, i, m)
		if (json_is_string(m) && matcher_matches(json_string_value(m), f))
			return true;
	return false;
}

static bool has_string(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v), s))
			return true;
	return false;
}

/* The chain of one rule over the findings, or NULL when a requirement group matches nothing. */
static json_t *chain_of(json_t *rule, const struct finding *findings, size_t n)
{
	json_t *groups = json_object_get(rule, "requires"), *group;
	json_t *used = json_array(), *targets = json_array();
	size_t gi;
	bool all = json_array_size(groups) > 0;
	json_array_foreach(groups, gi, group) {
		bool any = false;
		for (size_t i = 0; i < n; i++) {
			if (!group_matches(group, &findings[i]))
				continue;
			any = true;
			json_t *u = json_pack("{s:s, s:o, s:o}", "check", findings[i].check, "title",
					      report_json_string(findings[i].title), "location",
					      report_json_string(findings[i].location));
			bool dup = false;
			size_t k;
			json_t *prev;
			json_array_foreach(used, k, prev)
				dup = dup || json_equal(prev, u);
			if (dup)
				json_decref(u);
			else
				json_array_append_new(used, u);
			if (!has_string(targets, findings[i].target ? findings[i].target : ""))
				json_array_append_new(targets, report_json_string(findings[i].target));
		}
		all = all && any;
	}
	if (!all) {
		json_decref(used);
		json_decref(targets);
		return NULL;
	}
	return json_pack("{s:O, s:O, s:O, s:o, s:o, s:O, s:O}", "id", json_object_get(rule, "id"),
			 "name", json_object_get(rule, "name"), "severity",
			 json_object_get(rule, "severity"), "targets", targets, "findings_used", used,
			 "scenario", json_object_get(rule, "scenario"), "business_impact",
			 json_object_get(rule, "business_impact"));
}

json_t *analysis_chains(const struct finding *findings, size_t n)
{
	json_t *out = json_array(), *rule;
	size_t i;
	pthread_once(&rules_once, load_rules);
	json_array_foreach(chain_rules, i, rule) {
		json_t *c = chain_of(rule, findings, n);
		if (c)
			json_array_append_new(out, c);
	}
	return out;
}

/* v's text when v is a string of 1 to GIVEN_TEXT_MAX bytes, else NULL. */
static const char *given_text(json_t *v)
{
	const char *s = json_string_value(v);
	return s && *s && json_string_length(v) <= GIVEN_TEXT_MAX ? s : NULL;
}

static bool some_finding_has_check(const struct finding *findings, size_t n, const char *check)
{
	for (size_t i = 0; i < n; i++)
		if (findings[i].check && !strcmp(findings[i].check, check))
			return true;
	return false;
}

/*
 * One chain a provider gave, as a rule whose requirement groups are its checks (each exactly a
 * check of the findings, never a prefix or a category), or NULL with the reason in err.
 */
static json_t *given_rule(json_t *ch, size_t no, const struct finding *findings, size_t n,
			  char *err, size_t errlen)
{
	const char *name = given_text(json_object_get(ch, "name"));
	const char *sev = json_string_value(json_object_get(ch, "severity"));
	const char *impact = given_text(json_object_get(ch, "business_impact"));
	json_t *used = json_object_get(ch, "findings_used"), *steps = json_object_get(ch, "scenario"), *v;
	enum severity s;
	size_t i;
	if (!name || severity_parse(sev, &s) || !impact || !json_array_size(used) ||
	    !json_array_size(steps) || json_array_size(steps) > GIVEN_STEPS_MAX) {
		snprintf(err, errlen, "attack chain %zu is not {name, severity, findings_used, scenario "
				      "(1-%d steps), business_impact} of strings up to %d bytes",
			 no, GIVEN_STEPS_MAX, GIVEN_TEXT_MAX);
		return NULL;
	}
	json_array_foreach(steps, i, v)
		if (!given_text(v)) {
			snprintf(err, errlen, "attack chain %zu has a scenario step that is not a string "
					      "of 1-%d bytes", no, GIVEN_TEXT_MAX);
			return NULL;
		}
	json_t *groups = json_array();
	json_array_foreach(used, i, v) {
		const char *check = json_string_value(v);
		if (!check || !some_finding_has_check(findings, n, check)) {
			snprintf(err, errlen, "attack chain %zu uses a check that no finding has", no);
			json_decref(groups);
			return NULL;
		}
		json_array_append_new(groups, json_pack("[s]", check));
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:O, s:s}", "id", "", "name", name, "severity",
			 severity_name(s), "requires", groups, "scenario", steps, "business_impact",
			 impact);
}

json_t *analysis_chains_given(json_t *given, const struct finding *findings, size_t n, char *err,
			      size_t errlen)
{
	json_t *out = json_array(), *ch;
	size_t i;
	if (!json_is_array(given) || json_array_size(given) > GIVEN_CHAINS_MAX) {
		snprintf(err, errlen, "attack_chains is not a list of at most %d chains", GIVEN_CHAINS_MAX);
		goto fail;
	}
	json_array_foreach(given, i, ch) {
		json_t *rule = given_rule(ch, i + 1, findings, n, err, errlen);
		if (!rule)
			goto fail;
		/* Every group names a check that some finding has, so the chain always matches. */
		json_array_append_new(out, chain_of(rule, findings, n));
		json_decref(rule);
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

/*
 * docs/analysis.md: severity points min(70, 30 per CRITICAL + 12 per HIGH + 4 per MEDIUM + 1 per
 * LOW), chain points min(20, 10 per CRITICAL chain + 6 per HIGH chain + 3 per other chain),
 * exposure points min(10, 5 per host with a HIGH or CRITICAL finding); the sum, at most 100.
 */
int analysis_risk_score(const struct finding *findings, size_t n, json_t *chains)
{
	struct severity_counts c;
	report_count(findings, n, NULL, &c);
	int64_t sev = MIN((int64_t)70, 30 * MIN(c.count[SEV_CRITICAL], (int64_t)10) +
					       12 * MIN(c.count[SEV_HIGH], (int64_t)10) +
					       4 * MIN(c.count[SEV_MEDIUM], (int64_t)20) +
					       MIN(c.count[SEV_LOW], (int64_t)70));
	int64_t chain = 0;
	size_t i;
	json_t *ch;
	json_array_foreach(chains, i, ch) {
		const char *s = json_string_value(json_object_get(ch, "severity"));
		chain += s && !strcmp(s, "CRITICAL") ? 10 : s && !strcmp(s, "HIGH") ? 6 : 3;
	}
	chain = MIN(chain, (int64_t)20);
	json_t *hosts = json_array();
	for (size_t k = 0; k < n; k++)
		if (findings[k].severity >= SEV_HIGH && findings[k].target &&
		    !has_string(hosts, findings[k].target))
			json_array_append_new(hosts, report_json_string(findings[k].target));
	int64_t exposure = MIN((int64_t)10, 5 * (int64_t)json_array_size(hosts));
	json_decref(hosts);
	return (int)MIN((int64_t)100, sev + chain + exposure);
}

static void put_summary(struct buf *b, const struct finding **sorted, size_t n, json_t *chains, int score)
{
	struct severity_counts c;
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < n; i++)
		severity_counts_add(&c, sorted[i]->severity);
	buf_appendf(b, "## Executive Summary\n\nRisk score **%d/100** (grade %c). %" PRId64 " finding%s: %" PRId64
		       " critical, %" PRId64 " high, %" PRId64 " medium, %" PRId64 " low, %" PRId64 " info. ",
		    score, report_grade_counts(&c), c.total, c.total == 1 ? "" : "s", c.count[SEV_CRITICAL],
		    c.count[SEV_HIGH], c.count[SEV_MEDIUM], c.count[SEV_LOW], c.count[SEV_INFO]);
	size_t nc = json_array_size(chains);
	if (nc)
		buf_appendf(b, "%zu attack chain%s combine%s them into a concrete attack. ", nc,
			    nc == 1 ? "" : "s", nc == 1 ? "s" : "");
	else
		buf_appends(b, "No attack chain of the rule set matches these findings. ");
	if (n && sorted[0]->severity >= SEV_HIGH) {
		buf_appends(b, "Fix first: ");
		report_put_line(b, sorted[0]->title);
		buf_appends(b, ".");
	} else if (!n) {
		buf_appends(b, "Nothing to fix.");
	} else {
		buf_appends(b, "Nothing urgent: harden at the next release.");
	}
	buf_appends(b, "\n\n");
}

static void put_chains(struct buf *b, json_t *chains)
{
	size_t i, k;
	json_t *ch, *v;
	buf_appends(b, "## Attack Chains\n\n");
	if (!json_array_size(chains))
		buf_appends(b, "None of the known attack chains applies to these findings.\n\n");
	json_array_foreach(chains, i, ch) {
		buf_appendf(b, "### %zu. ", i + 1);
		report_put_line(b, json_string_value(json_object_get(ch, "name")));
		buf_appendf(b, " [%s]\n\n**Targets:** ", json_string_value(json_object_get(ch, "severity")));
		json_array_foreach(json_object_get(ch, "targets"), k, v) {
			if (k)
				buf_appends(b, ", ");
			report_put_code(b, json_string_value(v));
		}
		buf_appends(b, "\n\n**Findings used:**\n\n");
		json_array_foreach(json_object_get(ch, "findings_used"), k, v) {
			buf_appends(b, "- ");
			report_put_code(b, json_string_value(json_object_get(v, "check")));
			buf_appends(b, " ");
			report_put_line(b, json_string_value(json_object_get(v, "title")));
			buf_appendc(b, '\n');
		}
		buf_appends(b, "\n**Scenario:**\n\n");
		json_array_foreach(json_object_get(ch, "scenario"), k, v) {
			buf_appendf(b, "%zu. ", k + 1);
			report_put_line(b, json_string_value(v));
			buf_appendc(b, '\n');
		}
		buf_appends(b, "\n**Business impact:** ");
		report_put_line(b, json_string_value(json_object_get(ch, "business_impact")));
		buf_appends(b, "\n\n");
	}
}

/* One item per check (worst first), with the catalogue's fix. */
static void put_fix_plan(struct buf *b, const struct finding **sorted, size_t n)
{
	json_t *seen = json_array();
	size_t items = 0;
	buf_appends(b, "## Fix Plan\n\n");
	for (size_t i = 0; i < n; i++) {
		const struct finding *f = sorted[i];
		if (f->severity < SEV_LOW || !f->check || has_string(seen, f->check))
			continue;
		json_array_append_new(seen, json_string(f->check));
		if (++items > FIX_PLAN_MAX) {
			buf_appends(b, "\nThe rest, less severe, are in SECURITY-FIX.md.\n");
			break;
		}
		size_t where = 0;
		for (size_t k = 0; k < n; k++)
			where += sorted[k]->check && !strcmp(sorted[k]->check, f->check);
		buf_appendf(b, "%zu. **[%s]** ", items, severity_name(f->severity));
		report_put_line(b, f->title);
		buf_appends(b, " (");
		report_put_code(b, f->check);
		if (where > 1)
			buf_appendf(b, ", %zu places", where);
		buf_appends(b, ")");
		const struct check_def *def = catalogue_get(f->check);
		if (def && def->fix && *def->fix) {
			buf_appends(b, ": ");
			report_put_line(b, def->fix);
		}
		buf_appendc(b, '\n');
	}
	if (!items)
		buf_appends(b, "Nothing to fix above INFO.\n");
	json_decref(seen);
}

static int local_analyze(const struct analysis_options *o, const char *run_id,
			 const struct finding *findings, size_t n, struct run_analysis *out, char *err,
			 size_t errlen)
{
	(void)o;
	(void)err;
	(void)errlen;
	struct buf b;
	json_t *chains = analysis_chains(findings, n);
	int score = analysis_risk_score(findings, n, chains);
	const struct finding **sorted = report_sorted(findings, n);
	buf_init(&b, REPORT_OUTPUT_MAX);
	buf_appends(&b, "# Security Assessment\n\nRun ");
	report_put_code(&b, run_id);
	buf_appends(&b, ", analysed by secscan's rules (" LOCAL_MODEL ").\n\n");
	put_summary(&b, sorted, n, chains, score);
	put_chains(&b, chains);
	put_fix_plan(&b, sorted, n);
	free(sorted);
	memset(out, 0, sizeof(*out));
	out->model = xstrdup(LOCAL_MODEL);
	out->content = buf_detach(&b, NULL);
	out->risk_score = score;
	out->chains = json_dumps(chains, JSON_COMPACT);
	json_decref(chains);
	return 0;
}

const struct analysis_provider analysis_local = {"local", local_analyze};

static const struct analysis_provider *const providers[] = {&analysis_local, &analysis_anthropic};

const struct analysis_provider *analysis_provider_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(providers); i++)
		if (!strcmp(providers[i]->name, name))
			return providers[i];
	return NULL;
}

int analysis_run(const char *provider, const struct analysis_options *o, const char *run_id,
		 const struct finding *findings, size_t n, struct run_analysis *out)
{
	char err[256] = "";
	const struct analysis_provider *p = analysis_provider_find(provider ? provider : "local");
	int rc = p ? p->analyze(o, run_id, findings, n, out, err, sizeof(err)) : SS_EINVAL;
	if (rc && p != &analysis_local) {
		if (!p)
			snprintf(err, sizeof(err), "unknown provider");
		p = &analysis_local;
		rc = p->analyze(o, run_id, findings, n, out, NULL, 0);
		if (rc == 0)
			out->note = xasprintf("provider %s failed (%s); the local analysis is shown",
					      provider, err);
	}
	if (rc == 0)
		out->provider = xstrdup(p->name);
	return rc;
}
