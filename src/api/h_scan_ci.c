#include "base/common.h"
#include "api/internal.h"
#include "report/report.h"

/*
 * GET /v1/scan/{run_id}?format=sarif|junit: the run's findings as a SARIF 2.1.0 log (GitHub
 * code scanning) or JUnit XML (other CI systems), built from every finding stored so far.
 */
int h_scan_get_ci(struct api_req *r, const char *format)
{
	struct api_server *srv = r->srv;
	struct run run;
	struct finding *findings = NULL;
	struct run_target *targets = NULL;
	size_t n = 0, nt = 0;
	enum severity threshold = SEV_HIGH;
	const char *fail_on = api_query(r, "fail_on");
	bool sarif = !strcmp(format, "sarif");

	if (!sarif && strcmp(format, "junit")) {
		api_reply_error(r, 400, "format must be json, sarif or junit");
		return 0;
	}
	if (fail_on && severity_parse(fail_on, &threshold)) {
		api_reply_error(r, 400, "fail_on must be CRITICAL, HIGH, MEDIUM, LOW or INFO");
		return 0;
	}
	int rc = api_get_run(r, &run);
	if (rc)
		return rc == SS_ENOTFOUND ? 0 : rc;
	rc = store_finding_list(srv->store, run.id, 0, &findings, &n);
	if (rc == 0 && !sarif)
		rc = store_run_target_list(srv->store, run.id, &targets, &nt);
	if (rc == 0 && sarif) {
		json_t *log = report_sarif_json(findings, n);
		char *text = json_dumps(log, JSON_COMPACT);
		json_decref(log);
		api_reply_text(r, 200, "application/sarif+json", text, strlen(text));
	} else if (rc == 0) {
		char *xml = report_junit_xml(targets, nt, findings, n, threshold);
		api_reply_text(r, 200, "application/xml", xml, strlen(xml));
	}
	run_target_array_free(targets, nt);
	finding_array_free(findings, n);
	run_release(&run);
	return rc;
}
