#include "base/common.h"
#include "api/internal.h"
#include "report/report.h"

/*
 * GET /v1/scan/{run_id}?compare=previous|RUN_ID: the scan answer with each finding marked new or
 * unchanged against the base run and the base's findings that are gone listed as fixed. The base
 * must be the same account's (another account's run is "not found", as everywhere else).
 */
int h_scan_get_compare(struct api_req *r, const char *compare, int64_t since)
{
	struct api_server *srv = r->srv;
	struct run run, base = {0};
	struct finding *cur = NULL, *old = NULL;
	size_t ncur = 0, nold = 0;
	bool have_base = false;

	int rc = api_get_run(r, &run);
	if (rc)
		return rc == SS_ENOTFOUND ? 0 : rc;
	if (!strcmp(compare, "previous")) {
		rc = store_run_previous(srv->store, r->who.account_id, run.id, &base);
		have_base = rc == 0;
		if (rc == SS_ENOTFOUND) /* a first run: everything is new */
			rc = 0;
	} else {
		rc = store_run_get(srv->store, r->who.account_id, compare, &base);
		if (rc == SS_ENOTFOUND) {
			api_reply_error(r, 404, "not found: no such run to compare with");
			rc = 0;
			goto out;
		}
		have_base = rc == 0;
	}
	if (rc == 0)
		rc = store_finding_list(srv->store, run.id, 0, &cur, &ncur);
	if (rc == 0 && have_base)
		rc = store_finding_list(srv->store, base.id, 0, &old, &nold);
	if (rc)
		goto out;

	size_t first = 0; /* ?since shows the tail; the comparison still covers every finding */
	while (first < ncur && cur[first].seq <= since)
		first++;
	json_t *scan = report_scan_json(&run, cur + first, ncur - first, srv->cfg->public_url);
	json_t *base_findings = json_array();
	for (size_t i = 0; i < nold; i++)
		json_array_append_new(base_findings, report_finding_json(&old[i]));
	report_compare_json(scan, cur, ncur, base_findings, have_base ? base.id : NULL);
	json_decref(base_findings);
	api_reply_json(r, 200, scan);
out:
	finding_array_free(cur, ncur);
	finding_array_free(old, nold);
	if (have_base)
		run_release(&base);
	run_release(&run);
	return rc;
}
