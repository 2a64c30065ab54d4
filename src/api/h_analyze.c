#include "base/common.h"
#include "api/internal.h"
#include "base/log.h"
#include "report/analysis.h"

static void reply_analysis(struct api_req *r, const struct run_analysis *a, bool cached)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:b}", "content", a->content, "model", a->model,
			      "risk_score", (json_int_t)a->risk_score, "cached", cached);
	if (a->note)
		json_object_set_new(o, "note", json_string(a->note));
	api_reply_json(r, 200, o);
}

/*
 * POST /v1/scan/{run_id}/analyze: the run's analysis, made on the first call and stored, so that
 * later calls answer it as is (cached: true). Only plans with ai_analysis get it (402), and only
 * for a run that has ended (409).
 */
int h_scan_analyze(struct api_req *r)
{
	struct api_server *srv = r->srv;
	struct run run;
	struct account account = {0};
	struct run_analysis a = {0};
	struct finding *findings = NULL;
	size_t n = 0;

	int rc = api_get_run(r, &run);
	if (rc)
		return rc == SS_ENOTFOUND ? 0 : rc;
	rc = store_account_get(srv->store, r->who.account_id, &account);
	if (rc)
		goto out;
	const struct plan *plan = service_config_plan(srv->cfg, account.plan);
	if (!plan || !plan->ai_analysis) {
		char msg[160];
		snprintf(msg, sizeof(msg), "AI analysis is not included in the plan '%s'", account.plan);
		api_reply_quota(r, msg);
		goto out;
	}
	if (!strcmp(run.status, RUN_RUNNING) || runs_active(srv->runs, run.id)) {
		api_reply_error(r, 409, "scan still running");
		goto out;
	}
	rc = store_analysis_get(srv->store, run.id, &a);
	if (rc == 0) {
		reply_analysis(r, &a, true);
		goto out;
	}
	if (rc != SS_ENOTFOUND)
		goto out;
	rc = store_finding_list(srv->store, run.id, 0, &findings, &n);
	if (rc)
		goto out;
	struct analysis_options opt = {.api_key = srv->cfg->analysis_key,
				       .model = srv->cfg->analysis_model,
				       .base_url = srv->cfg->analysis_url,
				       .timeout_ms = srv->cfg->analysis_timeout * 1000};
	rc = analysis_run(srv->cfg->analysis_provider, &opt, run.id, findings, n, &a);
	if (rc)
		goto out;
	if (a.note)
		log_warn("run %s: %s", run.id, a.note);
	rc = store_analysis_put(srv->store, run.id, &a);
	if (rc == SS_EEXIST) {
		/* Another request made it meanwhile: answer the stored one, as every later call will. */
		run_analysis_release(&a);
		rc = store_analysis_get(srv->store, run.id, &a);
	}
	if (rc == 0)
		reply_analysis(r, &a, false);
out:
	run_analysis_release(&a);
	finding_array_free(findings, n);
	account_release(&account);
	run_release(&run);
	return rc;
}
