#ifndef REPORT_REPORT_H
#define REPORT_REPORT_H
#include "base/common.h"
#include "engine/finding.h"
#include "store/store.h"
#include <jansson.h>

/*
 * Turning a run's findings into what users read: the API's JSON shapes, the risk grade, and
 * SECURITY-FIX.md (format security-fix/v1). Pure functions of their inputs: no I/O.
 */

/* One finding as the API shows it: {target, severity, category, title, description, evidence, tool}
 * plus "check" and "seq". New reference. */
json_t *report_finding_json(const struct finding *f);

/*
 * The GET /v1/scan/{run_id} body: run_id, status, started_at, finished_at (when finished),
 * summary {total, critical, high, medium, low, info}, findings, fix_url ("BASE/v1/scan/ID/fix").
 * base_url is the configured public URL without a trailing slash. New reference.
 */
json_t *report_scan_json(const struct run *run, const struct finding *findings, size_t n,
			 const char *base_url);

/* One item of GET /v1/runs: {id, run_id, target, status, started_at, finished_at, summary};
 * finished_at is null while the run is running. New reference. */
json_t *report_run_item_json(const struct run *run);

/* {total, critical, high, medium, low, info}. New reference. */
json_t *report_summary_json(const struct severity_counts *c);

/* Counts the findings of one target (case-insensitive host; NULL: all findings) into *out. */
void report_count(const struct finding *findings, size_t n, const char *target,
		  struct severity_counts *out);

/*
 * The risk grade A-F of one target's findings (target NULL: all findings). Documented in
 * docs/grading.md; any CRITICAL gives F.
 */
char report_grade(const struct finding *findings, size_t n, const char *target);
/* The grade of severity counts ('A'..'F'), and the points behind it (docs/grading.md). */
char report_grade_counts(const struct severity_counts *c);
int report_grade_points(const struct severity_counts *c);

struct fix_request {
	const char *scanner;   /* the configured public host, e.g. "secscan.example.com" */
	const char *scan_id;
	time_t scan_date;
	const struct run_target *targets; /* the run's targets with their stacks */
	size_t ntargets;
	const struct finding *findings;
	size_t nfindings;
	const char *only_target; /* ?target= filter, or NULL */
	bool legacy;             /* format=legacy: no front matter */
};

/* SECURITY-FIX.md for a run. Caller frees. */
char *report_fix_markdown(const struct fix_request *req);

#endif
