#include "base/common.h"
#include "api/internal.h"
#include "base/str.h"
#include "report/report.h"
#include "service/targets.h"

int api_get_run(struct api_req *r, struct run *run)
{
	int rc = store_run_get(r->srv->store, r->who.account_id, r->params[0], run);
	if (rc == SS_ENOTFOUND)
		api_reply_error(r, 404, "not found");
	return rc;
}

int h_scan_start(struct api_req *r)
{
	struct api_server *srv = r->srv;
	struct account account = {0};
	struct run_started started = {0};
	const char *host, *label;
	char err[512] = "";
	int rc = 0;

	json_t *body = api_body_object(r, false);
	if (!body)
		return 0;
	if (api_member_string(r, body, "host", TARGETS_INPUT_MAX, &host) ||
	    api_member_string(r, body, "label", TARGETS_LABEL_MAX, &label))
		goto out;
	if (!host) {
		api_reply_error(r, 400, "missing field: host (a URL, hostname or IP address)");
		goto out;
	}
	rc = store_account_get(srv->store, r->who.account_id, &account);
	if (rc)
		goto out;
	rc = runs_submit(srv->runs, &account, host, label, &started, err, sizeof(err));
	if (rc == SS_EINVAL) {
		api_reply_error(r, 400, err);
		rc = 0;
	} else if (rc == SS_EDENIED) {
		api_reply_quota(r, err);
		rc = 0;
	} else if (rc == SS_EABORTED) {
		api_reply_error(r, 503, "the service is stopping");
		rc = 0;
	} else if (rc == 0) {
		char *status_url = xasprintf("%s/v1/scan/%s", srv->cfg->public_url, started.run_id);
		api_reply_json(r, 201, json_pack("{s:s, s:s, s:s, s:s}", "run_id", started.run_id,
						 "status", "started", "target", started.host,
						 "check_status_url", status_url));
		free(status_url);
	}
out:
	run_started_release(&started);
	account_release(&account);
	json_decref(body);
	return rc;
}

int h_scan_get(struct api_req *r)
{
	struct api_server *srv = r->srv;
	struct run run;
	struct finding *findings = NULL;
	size_t n = 0, len;
	long since = 0;
	const char *since_text = api_query(r, "since");
	const char *format = api_query(r, "format");
	const char *compare = api_query(r, "compare");

	if (format && strcmp(format, "json") != 0)
		return h_scan_get_ci(r, format);
	if (since_text && str_to_long(since_text, 0, LONG_MAX, &since)) {
		api_reply_error(r, 400, "since must be a non-negative integer (a finding sequence number)");
		return 0;
	}
	if (compare)
		return h_scan_get_compare(r, compare, since);
	char *cached = scan_cache_get(srv->scan_cache, r->params[0], r->who.account_id, since, NULL, &len);
	if (cached) {
		api_reply_text(r, 200, "application/json", cached, len);
		return 0;
	}
	/* Asked before reading: a run that is finished and has no worker cannot change any more. */
	bool active = runs_active(srv->runs, r->params[0]);
	int rc = api_get_run(r, &run);
	if (rc)
		return rc == SS_ENOTFOUND ? 0 : rc;
	struct scan_version v = {.total = run.summary.total};
	str_copy(v.status, sizeof(v.status), run.status);
	v.final = !active && strcmp(run.status, RUN_RUNNING);
	cached = scan_cache_get(srv->scan_cache, run.id, r->who.account_id, since, &v, &len);
	if (cached) {
		api_reply_text(r, 200, "application/json", cached, len);
		goto out;
	}
	rc = store_finding_list(srv->store, run.id, since, &findings, &n);
	if (rc == 0) {
		api_reply_json(r, 200, report_scan_json(&run, findings, n, srv->cfg->public_url));
		if (r->resp)
			scan_cache_put(srv->scan_cache, run.id, r->who.account_id, since, &v, r->resp,
				       r->resp_len);
	}
out:
	finding_array_free(findings, n);
	run_release(&run);
	return rc;
}

int h_scan_abort(struct api_req *r)
{
	int rc = runs_abort(r->srv->runs, r->who.account_id, r->params[0]);
	if (rc == SS_ENOTFOUND) {
		api_reply_error(r, 404, "not found");
		return 0;
	}
	if (rc == SS_EINVAL) {
		api_reply_error(r, 409, "the run is not running");
		return 0;
	}
	if (rc)
		return rc;
	api_reply_json(r, 200, json_pack("{s:s, s:s}", "run_id", r->params[0], "status", RUN_ABORTED));
	return 0;
}

int h_scan_fix(struct api_req *r)
{
	struct api_server *srv = r->srv;
	struct run run;
	struct finding *findings = NULL;
	struct run_target *targets = NULL;
	size_t nf = 0, nt = 0;
	char *only = NULL;
	const char *format = api_query(r, "format");
	const char *target = api_query(r, "target");
	char err[512];

	if (format && strcmp(format, "auto") && strcmp(format, "legacy")) {
		api_reply_error(r, 400, "format must be auto or legacy");
		return 0;
	}
	int rc = api_get_run(r, &run);
	if (rc)
		return rc == SS_ENOTFOUND ? 0 : rc;
	if (target && *target) {
		/* The filter is compared with the stored hosts, so it is normalized the same way. */
		if (targets_normalize(target, true, &only, err, sizeof(err))) {
			api_reply_error(r, 400, err);
			goto out;
		}
	}
	rc = store_run_target_list(srv->store, run.id, &targets, &nt);
	if (rc == 0)
		rc = store_finding_list(srv->store, run.id, 0, &findings, &nf);
	if (rc)
		goto out;
	if (only) {
		bool known = !strcmp(only, run.target);
		for (size_t i = 0; i < nt && !known; i++)
			known = !strcmp(only, targets[i].host);
		if (!known) {
			api_reply_error(r, 404, "not found: the run has no such target");
			goto out;
		}
	}
	struct run_analysis analysis = {0};
	bool analysed = store_analysis_get(srv->store, run.id, &analysis) == 0;
	struct fix_request req = {
		.scanner = srv->scanner,
		.scan_id = run.id,
		.scan_date = (time_t)run.started_at,
		.targets = targets,
		.ntargets = nt,
		.findings = findings,
		.nfindings = nf,
		.only_target = only,
		.legacy = format && !strcmp(format, "legacy"),
		.analysis = analysed ? &analysis : NULL,
	};
	char *md = report_fix_markdown(&req);
	run_analysis_release(&analysis);
	api_reply_text(r, 200, "text/markdown; charset=utf-8", md, strlen(md));
out:
	free(only);
	finding_array_free(findings, nf);
	run_target_array_free(targets, nt);
	run_release(&run);
	return rc;
}

int h_runs_list(struct api_req *r)
{
	struct run *runs = NULL;
	size_t n = 0;
	int rc = store_run_list(r->srv->store, r->who.account_id, 50, &runs, &n);
	if (rc)
		return rc;
	json_t *items = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, report_run_item_json(&runs[i]));
	run_array_free(runs, n);
	api_reply_json(r, 200, json_pack("{s:o}", "runs", items));
	return 0;
}
