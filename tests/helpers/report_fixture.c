/*
 * Test-only: prints a report of fixture findings so that integration tests can check the outputs
 * with real parsers (YAML, XML, the SARIF schema) without running a scan.
 *
 *   secscan-report-fixture fix|legacy|sarif|junit|text FIXTURE.json
 *
 * FIXTURE.json: {"checks": [catalogue entries; without them, the embedded rules], "scanner", "scan_id", "scan_date" (epoch),
 * "only_target", "threshold", "targets": [{host, label, server, framework, language, hosting}],
 * "findings": [{check, target, severity, category, title, description, evidence, tool,
 * location, seq}], "analysis": {provider, model, content, risk_score, chains (a list)}}.
 */
#include "base/common.h"
#include "engine/catalogue.h"
#include "report/report.h"
#include <jansson.h>

static char *field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return xstrdup(s ? s : "");
}

int main(int argc, char **argv)
{
	json_error_t err;
	if (argc != 3) {
		fprintf(stderr, "usage: %s fix|legacy|sarif|junit|text FIXTURE.json\n", argv[0]);
		return 2;
	}
	json_t *root = json_load_file(argv[2], 0, &err);
	if (!root) {
		fprintf(stderr, "%s: %s\n", argv[2], err.text);
		return 2;
	}
	/* The fixture's own checks, or the catalogue compiled in from rules/ when it has none. */
	if (json_object_get(root, "checks")) {
		char *checks = json_dumps(root, 0);
		if (catalogue_add_json(checks, strlen(checks), argv[2]) != 0)
			return 2;
		free(checks);
	} else if (catalogue_load(NULL) != 0) {
		return 2;
	}

	json_t *jt = json_object_get(root, "targets"), *jf = json_object_get(root, "findings");
	size_t nt = json_array_size(jt), nf = json_array_size(jf);
	struct run_target *targets = xcalloc(nt + 1, sizeof(*targets));
	struct finding *findings = xcalloc(nf + 1, sizeof(*findings));
	for (size_t i = 0; i < nt; i++) {
		json_t *t = json_array_get(jt, i);
		targets[i] = (struct run_target){field(t, "host"), field(t, "label"), field(t, "server"),
						 field(t, "framework"), field(t, "language"),
						 field(t, "hosting")};
	}
	for (size_t i = 0; i < nf; i++) {
		struct finding *f = &findings[i];
		if (report_finding_parse(json_array_get(jf, i), f) != 0) {
			fprintf(stderr, "%s: finding %zu is malformed\n", argv[2], i);
			return 2;
		}
		if (!f->fingerprint[0])
			finding_fingerprint(f, NULL);
	}

	const char *format = argv[1];
	enum severity threshold = SEV_HIGH;
	const char *th = json_string_value(json_object_get(root, "threshold"));
	if (th && severity_parse(th, &threshold) != 0)
		return 2;
	int rc = 0;
	json_t *ja = json_object_get(root, "analysis");
	struct run_analysis analysis = {
		.provider = field(ja, "provider"),
		.model = field(ja, "model"),
		.content = field(ja, "content"),
		.risk_score = json_integer_value(json_object_get(ja, "risk_score")),
		.chains = json_dumps(json_object_get(ja, "chains"), JSON_COMPACT),
	};
	if (!strcmp(format, "fix") || !strcmp(format, "legacy")) {
		struct fix_request req = {
			.scanner = json_string_value(json_object_get(root, "scanner")),
			.scan_id = json_string_value(json_object_get(root, "scan_id")),
			.scan_date = (time_t)json_integer_value(json_object_get(root, "scan_date")),
			.targets = targets,
			.ntargets = nt,
			.findings = findings,
			.nfindings = nf,
			.only_target = json_string_value(json_object_get(root, "only_target")),
			.legacy = !strcmp(format, "legacy"),
			.analysis = ja ? &analysis : NULL,
		};
		char *md = report_fix_markdown(&req);
		fputs(md, stdout);
		free(md);
	} else if (!strcmp(format, "sarif")) {
		json_t *log = report_sarif_json(findings, nf);
		json_dumpf(log, stdout, JSON_INDENT(2));
		json_decref(log);
	} else if (!strcmp(format, "junit")) {
		char *xml = report_junit_xml(targets, nt, findings, nf, threshold);
		fputs(xml, stdout);
		free(xml);
	} else if (!strcmp(format, "text")) {
		report_print_text(stdout, findings, nf, false);
	} else {
		fprintf(stderr, "unknown format %s\n", format);
		rc = 2;
	}

	for (size_t i = 0; i < nt; i++) {
		free(targets[i].host);
		free(targets[i].label);
		free(targets[i].server);
		free(targets[i].framework);
		free(targets[i].language);
		free(targets[i].hosting);
	}
	free(targets);
	run_analysis_release(&analysis);
	finding_array_free(findings, nf);
	catalogue_free();
	json_decref(root);
	return rc;
}
