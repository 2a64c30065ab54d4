#ifndef REPORT_ANALYSIS_H
#define REPORT_ANALYSIS_H
#include "base/common.h"
#include "engine/finding.h"
#include "store/store.h"
#include <jansson.h>

/*
 * The analysis of a run (docs/analysis.md): a Markdown assessment (# Security Assessment,
 * ## Executive Summary, ## Attack Chains, ## Fix Plan), a risk score 0-100 and the attack chains
 * behind it. Providers are a const table, as the store's backends: "local" (offline,
 * deterministic, chains by the rules of rules/analysis/chains.json) is the default.
 */

/* What a remote provider needs; the local one needs nothing. */
struct analysis_options {
	const char *api_key;
	const char *model;
	const char *base_url; /* without trailing '/' */
	long timeout_ms;
};

struct analysis_provider {
	const char *name;
	/*
	 * Analyses the run's findings into out (model, content, risk_score, chains as JSON text;
	 * analysis_run sets provider);
	 * 0, or a negative SS_E* with the reason in err.
	 */
	int (*analyze)(const struct analysis_options *o, const char *run_id,
		       const struct finding *findings, size_t n, struct run_analysis *out, char *err,
		       size_t errlen);
};

extern const struct analysis_provider analysis_local;
/* The Anthropic Messages API (analysis_anthropic.c): the model writes the assessment, the score
 * and, when it gives them, the attack chains, all validated; else the chains are the local rules'. */
extern const struct analysis_provider analysis_anthropic;

/*
 * Analyses with the named provider, falling back to local (with out->note saying why) when the
 * provider is unknown or fails; out->provider names the one that made it. Always 0 but for allocation-free impossibilities.
 */
int analysis_run(const char *provider, const struct analysis_options *o, const char *run_id,
		 const struct finding *findings, size_t n, struct run_analysis *out);

/* The provider of that name, or NULL. */
const struct analysis_provider *analysis_provider_find(const char *name);

/*
 * The attack chains of the rules that the findings satisfy, in rule order: [{id, name, severity,
 * targets, findings_used: [{check, title, location}], scenario: [...], business_impact}]. A chain
 * appears exactly when each of its requirement groups matches a finding. New reference.
 */
json_t *analysis_chains(const struct finding *findings, size_t n);

/*
 * The attack chains a provider gave (docs/analysis.md), checked and put in analysis_chains' shape:
 * given must be a list of at most 20 {name, severity, findings_used (check ids of the findings),
 * scenario (1-10 steps), business_impact}, strings of 1-1000 bytes; targets and findings_used
 * are then taken from the findings of those checks, never from the provider. NULL, with the
 * reason in err, when anything is off. New reference.
 */
json_t *analysis_chains_given(json_t *given, const struct finding *findings, size_t n, char *err,
			      size_t errlen);

/* The documented risk score (docs/analysis.md) of findings and their chains. */
int analysis_risk_score(const struct finding *findings, size_t n, json_t *chains);

#endif
